"""AWS Client VPN: the client connect handler, which Client VPN invokes after authenticating a
device and user, before its authorization rules, to allow or deny the new connection."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = ["ClientVPNConnectionHandlerEvent", "build_clientvpn", "detect"]


class ClientVPNConnectionHandlerEvent(AWSEvent, rename="kebab"):
    """A new Client VPN connection asking to be authorized: the device (certificate common
    name, platform), the user (empty for mutual authentication alone) and where it connects
    from. Fields the client does not report arrive as empty strings."""

    connection_id: str | Unset = UNSET
    endpoint_id: str | Unset = UNSET
    common_name: str | Unset = UNSET
    username: str | Unset = UNSET
    platform: str | Unset = UNSET
    platform_version: str | Unset = UNSET
    public_ip: str | Unset = UNSET
    client_openvpn_version: str | Unset = UNSET
    schema_version: str | Unset = UNSET


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`ClientVPNConnectionHandlerEvent` for a connect handler request (`connection-id` and
    `endpoint-id`), else None."""
    if not isinstance(data, Mapping):
        return None
    if isinstance(data.get("connection-id"), str) and isinstance(data.get("endpoint-id"), str):
        return ClientVPNConnectionHandlerEvent
    return None


# Builders


def build_clientvpn(
    *,
    username: str = "jane.doe",
    client_ip: str = "203.0.113.25",
    common_name: str = "",
    platform: str = "win",
    platform_version: str = "10.0.19045",
    openvpn_version: str = "2.6.8",
    endpoint_id: str | None = None,
) -> ClientVPNConnectionHandlerEvent:
    """A connect handler request from `username` at `client_ip`, on a fresh connection to
    `endpoint_id` (a new `cvpn-endpoint-…` id by default).

    ```pycon
    >>> build_clientvpn(username="bob", client_ip="198.51.100.4").public_ip
    '198.51.100.4'
    ```
    """
    return ClientVPNConnectionHandlerEvent(
        connection_id=f"cvpn-connection-{_fake.hex_id(17)}",
        endpoint_id=endpoint_id or f"cvpn-endpoint-{_fake.hex_id(17)}",
        common_name=common_name,
        username=username,
        platform=platform,
        platform_version=platform_version,
        public_ip=client_ip,
        client_openvpn_version=openvpn_version,
        schema_version="v1",
    )


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"clientvpn": (ClientVPNConnectionHandlerEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"clientvpn": build_clientvpn}
