"""API Gateway WebSocket APIs: a client connecting, sending a message, or disconnecting, as the
route's Lambda integration receives it.

The request context names the connection (`connectionId`), what happened (`eventType` CONNECT,
MESSAGE or DISCONNECT) and the route selected (`routeKey`: `$connect`, `$disconnect`,
`$default` or a custom route).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset
from faaslib.events._http_parts import grouped
from faaslib.events.http import APIGatewayRequestIdentity, _Body, _MultiValueHeaders

__all__ = [
    "APIGatewayWebSocketEvent",
    "APIGatewayWebSocketRequestContext",
    "build_apigw_websocket",
    "detect",
]


class APIGatewayWebSocketRequestContext(AWSEvent, rename="camel"):
    """Which connection, route and API the event belongs to, when it happened, and who the
    client is. `disconnect*` fields come with DISCONNECT events, `messageId` with MESSAGE."""

    route_key: str | Unset = UNSET
    message_id: str | Unset = UNSET
    event_type: str | Unset = UNSET
    extended_request_id: str | Unset = UNSET
    request_time: str | Unset = UNSET
    message_direction: str | Unset = UNSET
    disconnect_status_code: int | Unset = UNSET
    disconnect_reason: str | Unset = UNSET
    stage: str | Unset = UNSET
    connected_at: int | Unset = UNSET
    request_time_epoch: int | Unset = UNSET
    identity: APIGatewayRequestIdentity | Unset = UNSET
    request_id: str | Unset = UNSET
    domain_name: str | Unset = UNSET
    connection_id: str | Unset = UNSET
    api_id: str | Unset = UNSET
    authorizer: dict[str, Any] | Unset | None = UNSET
    # AWS's Go library carries these REST API fields in its WebSocket type too.
    account_id: str | Unset = UNSET
    resource_id: str | Unset = UNSET
    resource_path: str | Unset = UNSET
    http_method: str | Unset = UNSET
    error: str | Unset = UNSET
    integration_latency: str | Unset = UNSET
    status: str | Unset = UNSET


class APIGatewayWebSocketEvent(AWSEvent, _MultiValueHeaders, _Body, rename="camel"):
    """An event on a WebSocket API connection: the handshake's headers and query on `$connect`,
    the frame's body on a message, the close on `$disconnect`."""

    resource: str | Unset = UNSET
    path: str | Unset = UNSET
    http_method: str | Unset = UNSET
    headers: dict[str, str] | Unset | None = UNSET
    multi_value_headers: dict[str, list[str]] | Unset | None = UNSET
    query_string_parameters: dict[str, str] | Unset | None = UNSET
    multi_value_query_string_parameters: dict[str, list[str]] | Unset | None = UNSET
    path_parameters: dict[str, str] | Unset | None = UNSET
    stage_variables: dict[str, str] | Unset | None = UNSET
    request_context: APIGatewayWebSocketRequestContext | Unset = UNSET
    body: str | Unset | None = UNSET
    is_base64_encoded: bool | Unset = msgspec.field(default=UNSET, name="isBase64Encoded")

    def management_endpoint(self) -> str | None:
        """The URL of the API Gateway Management API for this API and stage, where a function
        posts to (or closes) connections: boto3's `apigatewaymanagementapi` `endpoint_url`.
        None if the event does not name its domain and stage."""
        context = self.request_context
        if isinstance(context, Unset):
            return None
        if not isinstance(context.domain_name, str) or not isinstance(context.stage, str):
            return None
        return f"https://{context.domain_name}/{context.stage}"


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`APIGatewayWebSocketEvent` if decoded JSON `data` is a WebSocket API event (its request
    context names a `connectionId` and an `eventType`), else None."""
    if not isinstance(data, Mapping):
        return None
    context = data.get("requestContext")
    if isinstance(context, Mapping) and "connectionId" in context and "eventType" in context:
        return APIGatewayWebSocketEvent
    return None


# Builders


def build_apigw_websocket(
    route_key: str = "$default",
    *,
    body: str | bytes | None = None,
    connection_id: str | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    api_id: str | None = None,
    stage: str = "prod",
    source_ip: str = "203.0.113.17",
    connected_at: float | None = None,
    disconnect_status_code: int = 1001,
    now: float | None = None,
    region: str = _fake.REGION,
) -> APIGatewayWebSocketEvent:
    """The event a WebSocket API sends the integration of `route_key`: a CONNECT with the
    handshake's headers and `query` for `$connect`, a DISCONNECT with its close code for
    `$disconnect`, and a MESSAGE carrying `body` (bytes travel base64-encoded, as binary
    frames do) for any other route. `connected_at` (Unix seconds) defaults to `now`.

    ```pycon
    >>> build_apigw_websocket("sendmessage", body='{"action": "sendmessage"}').json()
    {'action': 'sendmessage'}
    ```
    """
    api_id = api_id or _fake.hex_id(10)
    domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    request_id = _websocket_id()
    context = APIGatewayWebSocketRequestContext(
        route_key=route_key,
        event_type=_EVENT_TYPES.get(route_key, "MESSAGE"),
        extended_request_id=request_id,
        request_time=_fake.clf_time(now),
        message_direction="IN",
        stage=stage,
        connected_at=_fake.epoch_ms(connected_at if connected_at is not None else now),
        request_time_epoch=_fake.epoch_ms(now),
        identity=APIGatewayRequestIdentity(user_agent=_USER_AGENT, source_ip=source_ip),
        request_id=request_id,
        domain_name=domain,
        connection_id=connection_id or _websocket_id(),
        api_id=api_id,
    )
    if context.event_type == "MESSAGE":
        if query is not None:
            raise ValueError("build_apigw_websocket: only $connect carries a query")
        context.message_id = _websocket_id()
        is_binary = isinstance(body, bytes)
        return APIGatewayWebSocketEvent(
            request_context=context,
            body=_fake.b64(body) if isinstance(body, bytes) else (body or ""),
            is_base64_encoded=is_binary,
        )
    if body is not None:
        raise ValueError(f"build_apigw_websocket: {route_key} carries no body")
    if context.event_type == "DISCONNECT":
        if query is not None:
            raise ValueError("build_apigw_websocket: only $connect carries a query")
        context.disconnect_status_code = disconnect_status_code
        context.disconnect_reason = ""
        # What API Gateway sends on disconnect: the host and empty forwarding headers.
        sent = {"Host": domain, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    else:
        sent = {
            "Host": domain,
            "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
            "Sec-WebSocket-Key": _fake.b64(bytes.fromhex(_fake.hex_id(32))),
            "Sec-WebSocket-Version": "13",
            "User-Agent": _USER_AGENT,
            "X-Amzn-Trace-Id": _fake.trace_id(now),
            "X-Forwarded-For": source_ip,
            "X-Forwarded-Port": "443",
            "X-Forwarded-Proto": "https",
        }
    sent.update(headers or {})
    return APIGatewayWebSocketEvent(
        headers=sent,
        multi_value_headers=grouped(sent.items()),
        query_string_parameters=dict(query) if query is not None else UNSET,
        multi_value_query_string_parameters=grouped(query.items()) if query is not None else UNSET,
        request_context=context,
        is_base64_encoded=False,
    )


_EVENT_TYPES = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}
_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _websocket_id() -> str:
    """A connection, request or message id as API Gateway WebSockets make them: 11 random
    bytes in base64, e.g. `R1kmxc2VNjMCFIA=`."""
    return _fake.b64(bytes.fromhex(_fake.hex_id(22)))


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"apigw-websocket": (APIGatewayWebSocketEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"apigw-websocket": build_apigw_websocket}
