"""AWS IoT: the events devices and IoT Core send functions. Four unrelated shapes share the
family: an IoT Button press, an IoT 1-Click device event, a custom authorizer's request to
authenticate a connection, and a fleet provisioning pre-provisioning hook."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset
from faaslib.events.http import _Headers

__all__ = [
    "IoTButtonEvent",
    "IoTConnectionMetadata",
    "IoTCustomAuthorizerEvent",
    "IoTHTTPContext",
    "IoTMQTTContext",
    "IoTOneClickButtonClicked",
    "IoTOneClickDeviceEvent",
    "IoTOneClickDeviceInfo",
    "IoTOneClickEvent",
    "IoTOneClickPlacementInfo",
    "IoTPreProvisionHookEvent",
    "IoTProtocolData",
    "IoTTLSContext",
    "build_iot",
    "build_iot_custom_authorizer",
    "build_iot_one_click",
    "build_iot_preprovision_hook",
]

# AWS IoT Button


class IoTButtonEvent(AWSEvent, rename="camel"):
    """A press of an AWS IoT Button: the button's serial number, the click (`SINGLE`,
    `DOUBLE` or `LONG`) and its battery voltage, as text such as "2000 mV"."""

    serial_number: str | Unset = UNSET
    click_type: str | Unset = UNSET
    battery_voltage: str | Unset = UNSET


# AWS IoT 1-Click


class IoTOneClickButtonClicked(AWSEvent, rename="camel"):
    """A click of a 1-Click button, and when the device reported it."""

    click_type: str | Unset = UNSET
    reported_time: str | Unset = UNSET


class IoTOneClickDeviceEvent(AWSEvent, rename="camel"):
    """What the device reports: for a button, the click."""

    button_clicked: IoTOneClickButtonClicked | Unset = UNSET


class IoTOneClickDeviceInfo(AWSEvent, rename="camel"):
    """The device that sent the event: its id, type, attributes and remaining life."""

    attributes: dict[str, str] | Unset = UNSET
    type: str | Unset = UNSET
    device_id: str | Unset = UNSET
    remaining_life: int | float | Unset = UNSET


class IoTOneClickPlacementInfo(AWSEvent, rename="camel"):
    """Where the device is placed: the project and placement, with the placement's attributes
    and its devices by template name."""

    project_name: str | Unset = UNSET
    placement_name: str | Unset = UNSET
    attributes: dict[str, str] | Unset = UNSET
    devices: dict[str, str] | Unset = UNSET


class IoTOneClickEvent(AWSEvent, rename="camel"):
    """An event from an AWS IoT 1-Click device in a placement of a 1-Click project."""

    device_event: IoTOneClickDeviceEvent | Unset = UNSET
    device_info: IoTOneClickDeviceInfo | Unset = UNSET
    placement_info: IoTOneClickPlacementInfo | Unset = UNSET


# IoT Core custom authorizers


class IoTTLSContext(AWSEvent, rename="camel"):
    """The TLS handshake: the server name the client asked for (SNI)."""

    server_name: str | Unset = UNSET


class IoTHTTPContext(AWSEvent, _Headers, rename="camel"):
    """An HTTP request's headers and query string (with its leading "?")."""

    headers: dict[str, str] | Unset = UNSET
    query_string: str | Unset = UNSET


class IoTMQTTContext(AWSEvent, rename="camel"):
    """An MQTT CONNECT's user name, base64 password and client id."""

    username: str | Unset = UNSET
    password: str | Unset = UNSET
    client_id: str | Unset = UNSET

    def decoded_password(self) -> bytes | None:
        """The password as the client sent it (base64-decoded), or None if it sent none."""
        return base64.b64decode(self.password) if isinstance(self.password, str) else None


class IoTProtocolData(AWSEvent):
    """What each protocol of the connection says about the client."""

    tls: IoTTLSContext | Unset = UNSET
    http: IoTHTTPContext | Unset = UNSET
    mqtt: IoTMQTTContext | Unset = UNSET


class IoTConnectionMetadata(AWSEvent):
    """The connection's id, unique to the connection attempt."""

    id: str | Unset = UNSET


class IoTCustomAuthorizerEvent(AWSEvent, rename="camel"):
    """A request to authenticate a connection to IoT Core with a custom authorizer: the
    client's token (and whether its signature checked out) and its protocols' data. The
    function answers with `isAuthenticated`, a principal and policy documents."""

    token: str | Unset = UNSET
    signature_verified: bool | Unset = UNSET
    protocols: list[str] | Unset = UNSET
    protocol_data: IoTProtocolData | Unset = UNSET
    connection_metadata: IoTConnectionMetadata | Unset = UNSET


# IoT Core fleet provisioning


class IoTPreProvisionHookEvent(AWSEvent, rename="camel"):
    """A device asks fleet provisioning for a certificate with a claim certificate: the hook
    decides (`allowProvisioning`) and may override the template's `parameters`."""

    claim_certificate_id: str | Unset = UNSET
    certificate_id: str | Unset = UNSET
    certificate_pem: str | Unset = UNSET
    template_arn: str | Unset = UNSET
    client_id: str | Unset = UNSET
    parameters: dict[str, str] | Unset = UNSET


# Builders


def _serial_number() -> str:
    """A device serial number as AWS's buttons carry: G030 and twelve letters or digits."""
    return f"G030{_fake.hex_id(12).upper()}"


def build_iot(
    click_type: str = "SINGLE",
    *,
    serial_number: str | None = None,
    battery_voltage: str = "1750 mV",
    now: float | None = None,
) -> IoTButtonEvent:
    """A press of an AWS IoT Button (for the family's other shapes, see
    `build_iot_one_click`, `build_iot_custom_authorizer`, `build_iot_preprovision_hook`). The
    event carries no time; `now` is accepted as by every builder.

    ```pycon
    >>> build_iot("DOUBLE").click_type
    'DOUBLE'
    ```
    """
    return IoTButtonEvent(
        serial_number=serial_number or _serial_number(),
        click_type=click_type,
        battery_voltage=battery_voltage,
    )


def build_iot_one_click(
    click_type: str = "SINGLE",
    *,
    device_id: str | None = None,
    project_name: str = "my-project",
    placement_name: str = "my-placement",
    device_attributes: Mapping[str, str] | None = None,
    placement_attributes: Mapping[str, str] | None = None,
    remaining_life: float = 99.5,
    now: float | None = None,
) -> IoTOneClickEvent:
    """A click of an AWS IoT 1-Click button placed as "button" in `placement_name`, reported
    at `now`."""
    device_id = device_id or _serial_number()
    return IoTOneClickEvent(
        device_event=IoTOneClickDeviceEvent(
            button_clicked=IoTOneClickButtonClicked(
                click_type=click_type, reported_time=_fake.iso_time(now)
            )
        ),
        device_info=IoTOneClickDeviceInfo(
            attributes=dict(device_attributes or {}),
            type="button",
            device_id=device_id,
            remaining_life=remaining_life,
        ),
        placement_info=IoTOneClickPlacementInfo(
            project_name=project_name,
            placement_name=placement_name,
            attributes=dict(placement_attributes or {}),
            devices={"button": device_id},
        ),
    )


def build_iot_custom_authorizer(
    token: str | None = None,
    *,
    protocols: Sequence[str] = ("tls", "http", "mqtt"),
    username: str = "device-user",
    password: bytes | str = b"device-password",
    client_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    query_string: str = "",
    signature_verified: bool = True,
    now: float | None = None,
    region: str = _fake.REGION,
) -> IoTCustomAuthorizerEvent:
    """A custom authorizer's request for a client connecting with `token` (random unless
    given) over `protocols`: each of "tls", "http" and "mqtt" adds its data (the region's
    IoT endpoint as the TLS server name). The event carries no time; `now` is accepted as by
    every builder."""
    endpoint = f"{_fake.hex_id(14)}-ats.iot.{region}.amazonaws.com"
    data = IoTProtocolData()
    if "tls" in protocols:
        data.tls = IoTTLSContext(server_name=endpoint)
    if "http" in protocols:
        http_headers = dict(headers or {"Host": endpoint})
        data.http = IoTHTTPContext(headers=http_headers, query_string=query_string)
    if "mqtt" in protocols:
        data.mqtt = IoTMQTTContext(
            username=username,
            password=_fake.b64(password),
            client_id=client_id or f"device-{_fake.hex_id(8)}",
        )
    return IoTCustomAuthorizerEvent(
        token=token or _fake.hex_id(32),
        signature_verified=signature_verified,
        protocols=list(protocols),
        protocol_data=data,
        connection_metadata=IoTConnectionMetadata(id=_fake.request_id()),
    )


def build_iot_preprovision_hook(
    template_name: str = "MyTemplate",
    *,
    parameters: Mapping[str, str] | None = None,
    client_id: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> IoTPreProvisionHookEvent:
    """The pre-provisioning hook's request when a device provisions with template
    `template_name`, passing the template `parameters`. The event carries no time; `now` is
    accepted as by every builder."""
    der = _fake.b64(bytes.fromhex(_fake.hex_id(1200)))
    body = "".join(f"{der[start : start + 64]}\n" for start in range(0, len(der), 64))
    return IoTPreProvisionHookEvent(
        claim_certificate_id=_fake.hex_id(64),
        certificate_id=_fake.hex_id(64),
        certificate_pem=f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n",
        template_arn=_fake.arn(
            "iot", f"provisioningtemplate/{template_name}", region=region, account=account
        ),
        client_id=client_id or _fake.request_id(),
        parameters=dict(parameters or {}),
    )


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "iot": (IoTButtonEvent, IoTOneClickEvent, IoTCustomAuthorizerEvent, IoTPreProvisionHookEvent)
}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"iot": build_iot}


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """Which IoT event `data` is, from the keys each always has (None for anything else):
    a button's `serialNumber` and `clickType`; 1-Click's `deviceEvent` and `deviceInfo`; a
    custom authorizer's `protocolData` and `connectionMetadata`; a pre-provisioning hook's
    `claimCertificateId` and `certificateId`."""
    if not isinstance(data, Mapping):
        return None
    if isinstance(data.get("serialNumber"), str) and isinstance(data.get("clickType"), str):
        return IoTButtonEvent
    if isinstance(data.get("deviceEvent"), Mapping) and isinstance(data.get("deviceInfo"), Mapping):
        return IoTOneClickEvent
    if isinstance(data.get("protocolData"), Mapping) and isinstance(
        data.get("connectionMetadata"), Mapping
    ):
        return IoTCustomAuthorizerEvent
    if isinstance(data.get("claimCertificateId"), str) and isinstance(
        data.get("certificateId"), str
    ):
        return IoTPreProvisionHookEvent
    return None
