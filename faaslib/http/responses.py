"""From a function's answer to the HTTP response the client sees, by API Gateway's rules for
each payload format, and the front door's own answers when something fails.

Payload 2.0 (HTTP APIs, function URLs): an object with `statusCode` is a response (`headers`,
`cookies` as `set-cookie` headers, `body`, `isBase64Encoded`); any other JSON value (an object
without `statusCode`, a list, a string, a number, null) is sent as it is, status 200,
`content-type: application/json`
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.v2).
A string goes out as its JSON text, quotes included: function URLs document the client seeing
`"Hello, world!"` with content-length 15
(https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-response-payload).

Payload 1.0: the answer must be an object with `statusCode`; `headers` and `multiValueHeaders`
are merged, a name in both taking the `multiValueHeaders` values. Anything else is malformed.

A malformed answer, like a function error, reaches the client only as the front door's generic
error: the function's own text never leaves the process.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Literal, NamedTuple

from faaslib.invoke import InvocationResult

__all__ = [
    "ERRORS",
    "Failure",
    "HeaderList",
    "HttpResponse",
    "MalformedResponse",
    "error_response",
    "integration_response",
    "send_response",
]

Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Failure = Literal[
    "not_found", "unauthorized", "forbidden", "too_large", "throttled", "error", "timeout"
]
HeaderList = list[tuple[bytes, bytes]]

_JSON = (b"content-type", b"application/json")
# Headers the front door computes itself: a function's values for them are dropped.
_HOP_BY_HOP = frozenset({"content-length", "transfer-encoding", "connection", "keep-alive"})

# HTTP APIs answer with these bodies whatever the payload format of the route: the gateway
# responses belong to the API type, not to the integration
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html
# for `{"message":"Internal Server Error"}`). A function error, a Lambda timeout and a malformed
# answer are all 500; only the integration timeout (30 s at most) is 503.
_HTTP_API_ERRORS: dict[Failure, tuple[int, bytes]] = {
    "not_found": (404, b'{"message":"Not Found"}'),
    "unauthorized": (401, b'{"message":"Unauthorized"}'),
    "forbidden": (403, b'{"message":"Forbidden"}'),
    "too_large": (413, b'{"message":"Request Entity Too Large"}'),
    "throttled": (429, b'{"message":"Too Many Requests"}'),
    "error": (500, b'{"message":"Internal Server Error"}'),
    "timeout": (503, b'{"message":"Service Unavailable"}'),
}
ERRORS: dict[str, dict[Failure, tuple[int, bytes]]] = {
    "http-api": _HTTP_API_ERRORS,
    # Function URLs answer alike, except a function error or a malformed answer: 502 (see the
    # report in https://github.com/awsdocs/aws-lambda-developer-guide/issues/430); they have no
    # routes, no authorizers and no integration timeout but the function's own.
    "function-url": {
        **_HTTP_API_ERRORS,
        "error": (502, b'{"message":"Internal Server Error"}'),
        "timeout": (502, b'{"message":"Internal Server Error"}'),
    },
}


class MalformedResponse(ValueError):
    """A function's answer is not a response API Gateway can send; says what is wrong."""


class HttpResponse(NamedTuple):
    """A response ready to send: status, header lines (lower-case names) and body."""

    status: int
    headers: HeaderList
    body: bytes


def error_response(api: str, failure: Failure) -> HttpResponse:
    """The front door's own answer for `failure`, with its generic JSON body."""
    status, body = ERRORS[api][failure]
    return HttpResponse(status, [_JSON], body)


def integration_response(result: InvocationResult, payload_format: str) -> HttpResponse:
    """The response for a function's successful `result`; `MalformedResponse` if API Gateway
    could not send it."""
    payload = result.payload
    if isinstance(payload, dict) and "statusCode" in payload:
        return _custom(payload, payload_format)
    if payload_format == "1.0":
        raise MalformedResponse(
            "a payload 1.0 answer must be an object with statusCode, got "
            f"{_kind(payload)}{' without statusCode' if isinstance(payload, dict) else ''}"
        )
    return HttpResponse(200, [_JSON], result.raw_payload or b"null")


async def send_response(send: Send, response: HttpResponse, *, head: bool = False) -> None:
    """Send `response` over ASGI, with its content-length; no body for a HEAD request."""
    headers = [*response.headers, (b"content-length", str(len(response.body)).encode())]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else response.body})


def _custom(payload: Mapping[str, Any], payload_format: str) -> HttpResponse:
    status = payload["statusCode"]
    if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
        raise MalformedResponse(f"statusCode {status!r} is not an HTTP status (100 to 599)")
    headers: HeaderList = []
    single = _mapping(payload, "headers")
    multi = _mapping(payload, "multiValueHeaders") if payload_format == "1.0" else {}
    multi_names = {name.lower() for name in multi}
    for name, value in single.items():
        if name.lower() not in multi_names:
            _add_header(headers, name, value)
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponse(f"multiValueHeaders[{name!r}] is not a list")
        for value in values:
            _add_header(headers, name, value)
    if payload_format == "2.0":
        cookies = payload.get("cookies")
        if cookies is not None:
            if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
                raise MalformedResponse("cookies is not a list of strings")
            for cookie in cookies:
                _add_header(headers, "set-cookie", cookie)
    return HttpResponse(status, headers, _decoded_body(payload))


def _mapping(payload: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    value = payload.get(field)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedResponse(f"{field} is {_kind(value)}, not an object")
    return value


def _add_header(headers: HeaderList, name: str, value: Any) -> None:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (str, int, float)):
        text = str(value)
    else:
        raise MalformedResponse(f"header {name!r} has {_kind(value)} as its value")
    lowered = name.lower()
    if lowered in _HOP_BY_HOP:
        return
    if (
        not lowered
        or any(c in lowered for c in " \t\r\n:\x00")
        or any(c in text for c in "\r\n\x00")
    ):
        raise MalformedResponse(f"header {name!r}: {text!r} is not a valid header line")
    try:
        headers.append((lowered.encode("latin-1"), text.encode("latin-1")))
    except UnicodeEncodeError:
        raise MalformedResponse(f"header {name!r} is not ISO-8859-1 text") from None


def _decoded_body(payload: Mapping[str, Any]) -> bytes:
    body = payload.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponse(f"body is {_kind(body)}, not a string")
    encoded = payload.get("isBase64Encoded", False)
    if encoded is None or encoded is False:
        return body.encode()
    if encoded is not True:
        raise MalformedResponse(f"isBase64Encoded {encoded!r} is not a boolean")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResponse("isBase64Encoded is true but body is not base64") from None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
