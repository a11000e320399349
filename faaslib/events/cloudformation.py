"""AWS CloudFormation custom resources: the Create, Update or Delete request a stack operation
sends to the function behind a `Custom::` resource, and the response it waits for."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = ["REQUEST_TYPES", "CloudFormationCustomResourceEvent", "build_cloudformation"]

# What a stack operation asks of a custom resource.
REQUEST_TYPES = ("Create", "Update", "Delete")


class CloudFormationCustomResourceEvent(AWSEvent, rename="pascal"):
    """A request to create, update or delete a custom resource. The function answers by a PUT
    of `response_body(...)` to `response_url`; the stack waits until it does.

    `resource_properties` are the template's properties (with `ServiceToken`), as CloudFormation
    passes them: free-form, every scalar turned to text. An Update has the previous ones in
    `old_resource_properties`; Update and Delete name the resource's `physical_resource_id`."""

    request_type: str | Unset = UNSET
    service_token: str | Unset = UNSET
    response_url: str | Unset = msgspec.field(default=UNSET, name="ResponseURL")
    stack_id: str | Unset = UNSET
    request_id: str | Unset = UNSET
    logical_resource_id: str | Unset = UNSET
    physical_resource_id: str | Unset = UNSET
    resource_type: str | Unset = UNSET
    resource_properties: dict[str, Any] | Unset = UNSET
    old_resource_properties: dict[str, Any] | Unset = UNSET

    def response_body(
        self,
        status: str = "SUCCESS",
        *,
        physical_resource_id: str | None = None,
        data: Mapping[str, Any] | None = None,
        reason: str | None = None,
        no_echo: bool = False,
    ) -> dict[str, Any]:
        """The JSON object to PUT to `response_url`: `status` "SUCCESS" or "FAILED" (with a
        `reason`), echoing the request's stack, request and logical ids. The physical id
        defaults to the request's own (Update, Delete), else to its request id (Create)."""
        if status not in ("SUCCESS", "FAILED"):
            raise ValueError(f"response_body: status={status!r} is not 'SUCCESS' or 'FAILED'")
        physical: str | Unset = physical_resource_id or self.physical_resource_id
        echoed = {
            "PhysicalResourceId": physical if isinstance(physical, str) else self.request_id,
            "StackId": self.stack_id,
            "RequestId": self.request_id,
            "LogicalResourceId": self.logical_resource_id,
        }
        body: dict[str, Any] = {"Status": status}
        body.update((key, value) for key, value in echoed.items() if isinstance(value, str))
        if reason is not None:
            body["Reason"] = reason
        if no_echo:
            body["NoEcho"] = True
        if data is not None:
            body["Data"] = dict(data)
        return body


# Builders


def build_cloudformation(
    request_type: str = "Create",
    resource_type: str = "Custom::MyResource",
    properties: Mapping[str, Any] | None = None,
    *,
    old_properties: Mapping[str, Any] | None = None,
    logical_resource_id: str = "MyResource",
    physical_resource_id: str | None = None,
    stack_name: str = "my-stack",
    function_name: str = "my-stack-MyResourceProvider",
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> CloudFormationCustomResourceEvent:
    """The request a stack operation sends for a custom resource. An Update carries
    `old_properties` (the same as `properties` unless given); Update and Delete name a physical
    id (a generated one unless given). The response URL is a presigned S3 URL signed at `now`.

    ```pycon
    >>> event = build_cloudformation("Delete", "Custom::Dns", {"Name": "a.example.com"})
    >>> event.resource_properties["Name"], event.physical_resource_id is not UNSET
    ('a.example.com', True)
    ```
    """
    if request_type not in REQUEST_TYPES:
        raise ValueError(
            f"build_cloudformation: request_type={request_type!r} is not one of "
            f"{', '.join(REQUEST_TYPES)}"
        )
    service_token = _fake.arn("lambda", f"function:{function_name}", region=region, account=account)
    stack_id = _fake.arn(
        "cloudformation",
        f"stack/{stack_name}/{_fake.request_id()}",
        region=region,
        account=account,
    )
    request_id = _fake.request_id()
    is_create = request_type == "Create"
    if physical_resource_id is None and not is_create:
        physical_resource_id = f"{stack_name}-{logical_resource_id}-{_fake.hex_id(12).upper()}"
    new = {"ServiceToken": service_token, **(properties or {})}
    old = {"ServiceToken": service_token, **(old_properties or properties or {})}
    return CloudFormationCustomResourceEvent(
        request_type=request_type,
        service_token=service_token,
        response_url=_response_url(stack_id, logical_resource_id, request_id, region, now),
        stack_id=stack_id,
        request_id=request_id,
        logical_resource_id=logical_resource_id,
        physical_resource_id=UNSET if is_create else str(physical_resource_id),
        resource_type=resource_type,
        resource_properties=new,
        old_resource_properties=old if request_type == "Update" else UNSET,
    )


def _response_url(
    stack_id: str, logical_resource_id: str, request_id: str, region: str, now: float | None
) -> str:
    """A presigned S3 PUT URL as CloudFormation hands out: in the region's response bucket,
    keyed by stack, resource and request, valid for two hours."""
    moment = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(_fake.seconds(now)))
    key = quote(f"{stack_id}|{logical_resource_id}|{request_id}", safe="/")
    signer = f"AKIA{_fake.hex_id(16).upper()}/{moment[:8]}/{region}/s3/aws4_request"
    credential = quote(signer, safe="")
    query = (
        f"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={moment}&X-Amz-SignedHeaders=host"
        f"&X-Amz-Expires=7200&X-Amz-Credential={credential}"
        f"&X-Amz-Signature={_fake.hex_id(64)}"
    )
    bucket = f"cloudformation-custom-resource-response-{region.replace('-', '')}"
    return f"https://{bucket}.s3.amazonaws.com/{key}?{query}"


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "cloudformation": (CloudFormationCustomResourceEvent,)
}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"cloudformation": build_cloudformation}


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`CloudFormationCustomResourceEvent` for a custom resource request (`RequestType`,
    `ResponseURL` and `StackId`), else None."""
    if not isinstance(data, Mapping):
        return None
    if all(isinstance(data.get(key), str) for key in ("RequestType", "ResponseURL", "StackId")):
        return CloudFormationCustomResourceEvent
    return None
