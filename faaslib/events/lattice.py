"""Amazon VPC Lattice: an HTTP request a Lattice service forwards to a Lambda target group.

A target group chooses its event structure. Version 1 names keys in snake_case and sends one
value per header; version 2 (`version` "2.0") names them in camelCase, sends every header as
the list of its values, and adds a request context naming the service, the target group and
the caller's identity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset
from faaslib.events._http_parts import USER_AGENT
from faaslib.events.http import _Body, _Headers

__all__ = [
    "VPCLatticeEvent",
    "VPCLatticeEventV2",
    "VPCLatticeV2Identity",
    "VPCLatticeV2RequestContext",
    "build_vpc_lattice",
    "detect",
]


class VPCLatticeEvent(AWSEvent, _Headers, _Body):
    """A request to a VPC Lattice service, in the target group's event structure version 1."""

    raw_path: str | Unset = UNSET
    method: str | Unset = UNSET
    headers: dict[str, str] | Unset = UNSET
    query_string_parameters: dict[str, str] | Unset = UNSET
    body: str | Unset = UNSET
    is_base64_encoded: bool | Unset = UNSET


class VPCLatticeV2Identity(AWSEvent, rename="camel"):
    """Who called: the source VPC, the auth type (`AWS_IAM` or `NONE`), and for signed requests
    the IAM principal, with the X.509 certificate fields of IAM Roles Anywhere callers."""

    source_vpc_arn: str | Unset = UNSET
    type: str | Unset = UNSET
    principal: str | Unset = UNSET
    principal_org_id: str | Unset = msgspec.field(default=UNSET, name="principalOrgID")
    session_name: str | Unset = UNSET
    x509_issuer_ou: str | Unset = UNSET
    x509_san_dns: str | Unset = UNSET
    x509_san_name_cn: str | Unset = UNSET
    x509_san_uri: str | Unset = UNSET
    x509_subject_cn: str | Unset = UNSET


class VPCLatticeV2RequestContext(AWSEvent, rename="camel"):
    """The service network, service and target group the request came through, the caller,
    and when (`timeEpoch`: microseconds since the Unix epoch, as a string)."""

    service_network_arn: str | Unset = UNSET
    service_arn: str | Unset = UNSET
    target_group_arn: str | Unset = UNSET
    identity: VPCLatticeV2Identity | Unset = UNSET
    region: str | Unset = UNSET
    time_epoch: str | Unset = UNSET


class VPCLatticeEventV2(AWSEvent, _Headers, _Body, rename="camel"):
    """A request to a VPC Lattice service, in the target group's event structure version 2."""

    # Lattice sends each header's (and query parameter's) values as a list; some published
    # samples show single strings, so both decode.

    version: str | Unset = UNSET
    path: str | Unset = UNSET
    method: str | Unset = UNSET
    headers: dict[str, str | list[str]] | Unset = UNSET
    query_string_parameters: dict[str, str | list[str]] | Unset = UNSET
    body: str | Unset = UNSET
    is_base64_encoded: bool | Unset = msgspec.field(default=UNSET, name="isBase64Encoded")
    request_context: VPCLatticeV2RequestContext | Unset = UNSET


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """The VPC Lattice event type of decoded JSON `data`, or None if it is not one: version 2
    from its request context's service and target group ARNs, version 1 from its snake_case
    `raw_path` and `method`."""
    if not isinstance(data, Mapping):
        return None
    context = data.get("requestContext")
    if (
        data.get("version") == "2.0"
        and isinstance(context, Mapping)
        and "serviceArn" in context
        and "targetGroupArn" in context
    ):
        return VPCLatticeEventV2
    if "raw_path" in data and "method" in data:
        return VPCLatticeEvent
    return None


# Builders


def build_vpc_lattice(
    method: str = "GET",
    path: str = "/",
    *,
    body: str | bytes | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    version: Literal["1.0", "2.0"] = "2.0",
    service: str = "my-service",
    role: str = "lattice-client",
    client_dns_name: str = "client.corp.internal",
    source_ip: str = "10.0.1.23",
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> VPCLatticeEvent | VPCLatticeEventV2:
    """The event a VPC Lattice service sends its Lambda target group for a `method` request
    of `path`: structure version 2 by default, version 1 with `version="1.0"`. A bytes body
    travels base64-encoded. In version 2 the caller signed with IAM Roles Anywhere as `role`,
    its certificate naming `client_dns_name`.

    ```pycon
    >>> build_vpc_lattice("POST", "/orders", body='{"id": 1}').json()
    {'id': 1}
    ```
    """
    host = f"{service}-{_fake.hex_id(17)}.{_fake.hex_id(7)}.vpc-lattice-svcs.{region}.on.aws"
    sent = {
        "accept": "*/*",
        "host": host,
        "user-agent": USER_AGENT,
        "x-forwarded-for": source_ip,
        **(headers or {}),
    }
    is_binary = isinstance(body, bytes)
    text = _fake.b64(body) if isinstance(body, bytes) else (body or "")
    if version == "1.0":
        return VPCLatticeEvent(
            raw_path=path,
            method=method,
            headers=sent,
            query_string_parameters=dict(query or {}),
            body=text,
            is_base64_encoded=is_binary,
        )
    session = _fake.hex_id(32)  # Roles Anywhere names the session after the certificate serial
    return VPCLatticeEventV2(
        version="2.0",
        path=path,
        method=method,
        headers={name: [value] for name, value in sent.items()},
        query_string_parameters={name: [value] for name, value in (query or {}).items()},
        body=text,
        is_base64_encoded=is_binary,
        request_context=VPCLatticeV2RequestContext(
            service_network_arn=_lattice_arn("servicenetwork/sn-", region, account),
            service_arn=_lattice_arn("service/svc-", region, account),
            target_group_arn=_lattice_arn("targetgroup/tg-", region, account),
            identity=VPCLatticeV2Identity(
                source_vpc_arn=_fake.arn(
                    "ec2", f"vpc/vpc-{_fake.hex_id(17)}", region=region, account=account
                ),
                type="AWS_IAM",
                principal=_fake.arn(
                    "sts", f"assumed-role/{role}/{session}", region="", account=account
                ),
                session_name=session,
                x509_san_dns=client_dns_name,
            ),
            region=region,
            time_epoch=str(int(_fake.seconds(now) * 1_000_000)),
        ),
    )


def _lattice_arn(prefix: str, region: str, account: str) -> str:
    """A VPC Lattice resource ARN: `prefix` and 17 hex digits, as Lattice ids are."""
    return _fake.arn("vpc-lattice", f"{prefix}{_fake.hex_id(17)}", region=region, account=account)


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "vpc-lattice": (VPCLatticeEventV2, VPCLatticeEvent)
}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"vpc-lattice": build_vpc_lattice}
