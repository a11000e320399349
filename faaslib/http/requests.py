"""From an ASGI request to the event a function receives, as API Gateway or a function URL
shapes it.

The request is read once (`read_request`), with the front door's body limit, and laid out by
the event builders of `faaslib.events.http_builders`, which already follow each service's rules
for headers, cookies, query strings and bodies. What only a live request knows (the route key,
the path parameters, the caller's address and protocol, the authorizer's context) is filled in
here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

from faaslib.events.http import (
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
    APIGatewayProxyRequestContext,
    APIGatewayV2Authorizer,
    APIGatewayV2RequestContext,
    APIGatewayV2RequestHTTP,
    LambdaFunctionUrlEvent,
)
from faaslib.events.http_builders import build_apigw_http_v2, build_apigw_rest, build_function_url
from faaslib.http.routes import Match

__all__ = [
    "BodyTooLarge",
    "ClientDisconnected",
    "Place",
    "Request",
    "function_url_event",
    "http_api_event",
    "read_request",
    "request_id",
    "set_authorizer",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]

# The scheme and authority of a request target in absolute form: `http://host:8080`.
_ABSOLUTE_FORM = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/]*")

# Bodies read past the limit, to be thrown away, so that the client sees the 413 rather than a
# reset connection; a client that sends more than this is cut off.
_DRAIN_LIMIT = 64 * 1024 * 1024

# Media types that travel as text in the event; any other body, or one with a content encoding,
# travels base64-encoded with `isBase64Encoded` true, as function URLs and load balancers
# describe it ("if the content type of the request is binary, the body is base64-encoded").
_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/javascript",
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/yaml",
        "application/graphql",
    }
)


class BodyTooLarge(Exception):
    """The request body is over the front door's limit."""


class ClientDisconnected(Exception):
    """The client went away before its request body arrived."""


class Request(NamedTuple):
    """An HTTP request as the API received it."""

    method: str
    path: str  # decoded, under the mount point (root_path)
    raw_path: str  # percent-encoded, as on the request line, under the mount point
    query_string: str  # as sent, without the '?'
    headers: list[tuple[str, str]]  # names lower-cased, in the order sent
    body: bytes
    source_ip: str
    protocol: str  # "HTTP/1.1"

    def header(self, name: str) -> str | None:
        """Header `name` (lower-case), its values comma-joined if sent more than once."""
        values = [value for key, value in self.headers if key == name]
        return ",".join(values) if values else None


class Place(NamedTuple):
    """Where the API lives: what an event says about the API itself."""

    api_id: str
    region: str
    account: str


async def read_request(scope: Scope, receive: Receive, limit: int) -> Request:
    """The request of ASGI `scope`, its body read in full; `BodyTooLarge` past `limit` bytes."""
    headers = [
        (name.decode("latin-1").lower(), value.decode("latin-1"))
        for name, value in scope.get("headers") or ()
    ]
    declared = next((value for name, value in headers if name == "content-length"), None)
    if declared is not None and declared.isdigit() and int(declared) > limit:
        await _drain(receive, 0)
        raise BodyTooLarge(f"{int(declared):,} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            if message.get("more_body", False):
                await _drain(receive, size)
            raise BodyTooLarge(f"over {limit:,} bytes")
        if chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    path, raw_path = _paths(scope)
    client = scope.get("client")
    return Request(
        method=scope["method"],
        path=path,
        raw_path=raw_path,
        query_string=bytes(scope.get("query_string") or b"").decode("latin-1"),
        headers=headers,
        body=b"".join(chunks),
        source_ip=client[0] if client else "127.0.0.1",
        protocol=f"HTTP/{scope.get('http_version', '1.1')}",
    )


def http_api_event(
    request: Request,
    match: Match,
    place: Place,
    now: float,
    payload_format: str,
) -> APIGatewayProxyEventV2 | APIGatewayProxyEvent:
    """The event an HTTP API sends the function of `match.route` in `payload_format`."""
    route = match.route
    parameters = match.path_parameters or None
    if payload_format == "2.0":
        event = build_apigw_http_v2(
            request.method,
            request.raw_path,
            body=_body(request),
            headers=request.headers,
            query=request.query_string,
            path_parameters=parameters,
            route_key=route.key,
            source_ip=request.source_ip,
            api_id=place.api_id,
            now=now,
            region=place.region,
            account=place.account,
        )
        _set_protocol(event, request.protocol)
        return event
    rest = build_apigw_rest(
        request.method,
        request.path,
        resource=route.resource,
        body=_body(request),
        headers=request.headers,
        query=request.query_string,
        path_parameters=parameters,
        stage="$default",
        source_ip=request.source_ip,
        api_id=place.api_id,
        now=now,
        region=place.region,
        account=place.account,
    )
    # An HTTP API's 1.0 payload is a REST API's, marked "1.0", on the `$default` stage: its
    # path carries no stage, and it has no REST resource id (see the 1.0 example in
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
    rest.version = "1.0"
    context = rest.request_context
    if isinstance(context, APIGatewayProxyRequestContext):
        context.path = request.path
        context.resource_id = None
        context.request_id = context.extended_request_id
        context.protocol = request.protocol
    return rest


def set_authorizer(
    event: APIGatewayProxyEventV2 | APIGatewayProxyEvent, authorizer: Mapping[str, Any]
) -> None:
    """Put what the route's authorizer passed on into the event's request context: under
    `lambda` in payload 2.0, as it is in 1.0."""
    context = event.request_context
    if isinstance(context, APIGatewayV2RequestContext):
        context.authorizer = APIGatewayV2Authorizer(lambda_=dict(authorizer["lambda"]))
    elif isinstance(context, APIGatewayProxyRequestContext):
        context.authorizer = dict(authorizer)


def function_url_event(request: Request, place: Place, now: float) -> LambdaFunctionUrlEvent:
    """The event a function URL sends its function (payload 2.0, route and stage `$default`)."""
    event = build_function_url(
        request.method,
        request.raw_path,
        body=_body(request),
        headers=request.headers,
        query=request.query_string,
        source_ip=request.source_ip,
        url_id=place.api_id,
        now=now,
        region=place.region,
        account=place.account,
    )
    _set_protocol(event, request.protocol)
    return event


def request_id(event: APIGatewayProxyEventV2 | APIGatewayProxyEvent) -> str:
    """The front door's id for the request, which it also sends back in a response header."""
    context = event.request_context
    if isinstance(context, (APIGatewayV2RequestContext, APIGatewayProxyRequestContext)):
        value = context.request_id
        return value if isinstance(value, str) else ""
    return ""


def _set_protocol(event: APIGatewayProxyEventV2, protocol: str) -> None:
    context = event.request_context
    if isinstance(context, APIGatewayV2RequestContext) and isinstance(
        context.http, APIGatewayV2RequestHTTP
    ):
        context.http.protocol = protocol


def _body(request: Request) -> str | bytes | None:
    """The body as the event carries it: text for textual media types, bytes (base64 in the
    event) for anything else."""
    body = request.body
    if not body:
        return None
    if request.header("content-encoding") is None and _is_text(request.header("content-type")):
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            return body
    return body


def _is_text(content_type: str | None) -> bool:
    if content_type is None:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return (
        media.startswith("text/")
        or media in _TEXT_TYPES
        or media.endswith("+json")
        or media.endswith("+xml")
    )


def _paths(scope: Scope) -> tuple[str, str]:
    """The request path under the mount point, decoded and as sent.

    ASGI servers and Starlette's `Mount` keep the full path in `path` and the mount point in
    `root_path`; the API's routes are the paths under it. A request target in absolute form
    (`GET http://host/items HTTP/1.1`, which servers must accept, RFC 9112 section 3.2.2)
    reaches the app as it was sent (uvicorn puts it in `path` and `raw_path`): its path is the
    path requested.
    """
    path: str = scope.get("path") or "/"
    root: str = scope.get("root_path") or ""
    raw_bytes = scope.get("raw_path")
    raw = bytes(raw_bytes).decode("latin-1") if raw_bytes else quote(path)
    raw = raw.split("?", 1)[0]
    absolute = _ABSOLUTE_FORM.match(raw)
    if absolute is not None:
        raw = raw[absolute.end() :] or "/"
        path = unquote(raw)
    if root and path.startswith(root):
        path = path[len(root) :]
        encoded_root = quote(root)
        raw = raw[len(encoded_root) :] if raw.startswith(encoded_root) else quote(path)
    return path or "/", raw or "/"


async def _drain(receive: Receive, size: int) -> None:
    """Read and drop the rest of a body that is too large, up to `_DRAIN_LIMIT` bytes."""
    while size <= _DRAIN_LIMIT:
        message = await receive()
        if message["type"] != "http.request":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return
