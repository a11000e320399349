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

Both formats: the answer must be a response HTTP can carry, or it is malformed. `statusCode` is
an integer from 200 to 599 (a 1xx status is not a final response; a bool, a float or a string is
no status); header names are HTTP tokens; header values and cookies are strings, numbers or
booleans, ISO-8859-1 text without control characters (a tab inside a value is allowed, spaces
and tabs around it are trimmed); `body` is a string or null, and `isBase64Encoded` a boolean or
null over valid base64. A 204 or a 304 is sent without content and without `content-length`, as
HTTP requires (RFC 9110, sections 8.6, 15.3.5 and 15.4.5): a body the function gave one is
dropped.

A malformed answer, like a function error, reaches the client only as the front door's generic
error: the function's own text never leaves the process. `integration_response` is the one
place where an answer becomes a response, so nothing it lets through can be refused by the
ASGI server (which would drop the connection with no response at all).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from types import MappingProxyType
from typing import Any, Literal

import msgspec

from faaslib.invoke import InvocationResult

__all__ = [
    "ERRORS",
    "Failure",
    "HeaderList",
    "HttpResponse",
    "MalformedResponse",
    "error_response",
    "header_value",
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
# Statuses whose responses have no content, so no body and no content-length (RFC 9110).
_NO_CONTENT = frozenset({204, 304})
_TOKEN = re.compile(r"[-!#$%&'*+.^_`|~0-9A-Za-z]+")  # RFC 9110's token: a header name
# C0 controls but the tab, and DEL: never in a header line (RFC 9110, section 5.5).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_SHOWN = 60  # characters of a value quoted in a message
# Header names answers used, checked, as they go on the wire (b"" for those the front door
# computes itself): a handler answers with the same few names every time.
_NAMES: dict[str, bytes] = {}
_NAMES_HELD = 1024
# Header values answers used, checked, as they go on the wire: `content-type:
# application/json` every time. Short values only, and no cookies (they change from client to
# client), so that the memory held stays small.
_VALUES: dict[str, bytes] = {}
_VALUES_HELD = 1024
_VALUE_HELD_LENGTH = 256
_EMPTY: Mapping[str, Any] = MappingProxyType({})  # an answer's absent headers

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


class HttpResponse(msgspec.Struct):
    """A response ready to send: status, header lines (lower-case names) and body (a struct:
    made once per request, in C)."""

    status: int
    headers: HeaderList
    body: bytes


def error_response(api: str, failure: Failure) -> HttpResponse:
    """The front door's own answer for `failure`, with its generic JSON body."""
    status, body = ERRORS[api][failure]
    return HttpResponse(status, [_JSON], body)


def integration_response(result: InvocationResult, payload_format: str) -> HttpResponse:
    """The response for a function's successful `result`; `MalformedResponse` if API Gateway
    could not send it (see the module's rules)."""
    try:
        payload = result.payload
    except (msgspec.DecodeError, RecursionError):
        payload = result.raw_payload
    if type(payload) is dict and "statusCode" in payload:  # decoded JSON: a dict exactly
        return _custom(payload, payload_format)
    if isinstance(payload, (bytes, bytearray)):  # a handler's own bytes, not JSON
        raise MalformedResponse("the answer is not a JSON document")
    if payload_format == "1.0":
        raise MalformedResponse(
            "a payload 1.0 answer must be an object with statusCode, got "
            f"{_kind(payload)}{' without statusCode' if isinstance(payload, dict) else ''}"
        )
    return HttpResponse(200, [_JSON], result.raw_payload or b"null")


def header_value(text: str) -> bytes:
    """`text` as a header value on the wire: trimmed of spaces and tabs, ISO-8859-1, without
    control characters; `ValueError` saying why it cannot be one."""
    text = text.strip(" \t")
    control = _CONTROL.search(text)
    if control is not None:
        raise ValueError(f"has the control character {control.group()!r}")
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError("is not ISO-8859-1 text") from None


async def send_response(
    send: Send,
    response: HttpResponse,
    *,
    head: bool = False,
    extra: tuple[bytes, bytes] | None = None,
) -> None:
    """Send `response` over ASGI, `extra` after its own headers, with its content-length (none
    for a 204 or a 304, which have no content); no body for a HEAD request."""
    status = response.status
    headers = response.headers
    body = response.body
    if status in _NO_CONTENT:
        body = b""
        if extra is not None:
            headers = [*headers, extra]
    else:
        length = (b"content-length", b"%d" % len(body))
        headers = [*headers, length] if extra is None else [*headers, extra, length]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


def _custom(payload: Mapping[str, Any], payload_format: str) -> HttpResponse:
    status = payload["statusCode"]
    if type(status) is not int or not 200 <= status <= 599:  # decoded JSON: a bool is no int
        raise MalformedResponse(_status_problem(status))
    headers: HeaderList = []
    single = _mapping(payload, "headers")
    multi = _mapping(payload, "multiValueHeaders") if payload_format == "1.0" else _EMPTY
    if multi:
        multi_names = {name.lower() for name in multi}
        for name, value in single.items():
            _add_header(headers, "headers", name, value, skip=name.lower() in multi_names)
    else:
        names, lines = _NAMES, _VALUES
        for name, value in single.items():
            # A name and a value used before (checked then) go on as they are, without a call.
            wire = names.get(name)
            line = lines.get(value) if type(value) is str else None
            if wire is None or line is None:
                _add_header(headers, "headers", name, value)
            elif wire:
                headers.append((wire, line))
    for name, values in multi.items():
        if not isinstance(values, list):
            raise MalformedResponse(
                f"multiValueHeaders[{_shown(name)}] is {_kind(values)}, not a list"
            )
        for value in values:
            _add_header(headers, "multiValueHeaders", name, value)
    if payload_format == "2.0":
        cookies = payload.get("cookies")
        if cookies is not None:
            if not isinstance(cookies, list) or not all(isinstance(c, str) for c in cookies):
                raise MalformedResponse("cookies is not a list of strings")
            for cookie in cookies:
                _add_header(headers, "cookies", "set-cookie", cookie)
    body = payload.get("body")
    if type(body) is str and payload.get("isBase64Encoded", False) is False and body.isascii():
        data = body.encode("ascii")  # most answers: text as it is, no surrogate to refuse
    else:
        data = _decoded_body(payload)
    return HttpResponse(status, headers, b"" if status in _NO_CONTENT else data)


def _status_problem(status: Any) -> str:
    """What is wrong with a `statusCode` that is not a final HTTP status."""
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status < 200:
        return f"statusCode {status} is informational (1xx), not a final response"
    return f"statusCode {_shown(status)} is not an HTTP status (an integer, 100 to 599)"


def _mapping(payload: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    value = payload.get(field)
    if value is None:
        return _EMPTY
    if not isinstance(value, dict):
        raise MalformedResponse(f"{field} is {_kind(value)}, not an object")
    return value


def _add_header(
    headers: HeaderList, field: str, name: str, value: Any, *, skip: bool = False
) -> None:
    """Check header `name: value` of the answer's `field`, and add it unless `skip`."""
    wire = _NAMES.get(name)
    if wire is None:
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            where = f"{field}: header {_shown(name)}"
            raise MalformedResponse(f"{where} is not a valid header name (an HTTP token)")
        lowered = name.lower()
        wire = b"" if lowered in _HOP_BY_HOP else lowered.encode("ascii")
        if len(_NAMES) < _NAMES_HELD:
            _NAMES[name] = wire
    line = _VALUES.get(value) if type(value) is str else None
    if line is None:
        line = _value_line(field, name, value)
    if not skip and wire:
        headers.append((wire, line))


def _value_line(field: str, name: str, value: Any) -> bytes:
    """Header `name`'s `value` as it goes on the wire; `MalformedResponse` if it cannot."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = str(value)
    else:
        raise MalformedResponse(f"{field}: header {_shown(name)} has {_kind(value)} as its value")
    try:
        line = header_value(text)
    except ValueError as error:
        where = f"{field}: header {_shown(name)}"
        raise MalformedResponse(f"{where}: its value {_shown(text)} {error}") from None
    if type(value) is str and len(value) <= _VALUE_HELD_LENGTH and field != "cookies":
        if len(_VALUES) >= _VALUES_HELD:  # values that change from answer to answer filled it
            _VALUES.clear()
        _VALUES[value] = line
    return line


def _decoded_body(payload: Mapping[str, Any]) -> bytes:
    body = payload.get("body")
    encoded = payload.get("isBase64Encoded")
    if encoded is not None and not isinstance(encoded, bool):
        raise MalformedResponse(f"isBase64Encoded {_shown(encoded)} is not a boolean")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise MalformedResponse(f"body is {_kind(body)}, not a string")
    if not encoded:
        try:
            return body.encode()
        except UnicodeEncodeError:
            raise MalformedResponse("body is not Unicode text (a lone surrogate)") from None
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedResponse("isBase64Encoded is true but body is not base64") from None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


def _shown(value: Any) -> str:
    """`value` quoted for a message: short, printable, whatever the handler sent."""
    if isinstance(value, str):
        return repr(value[:_SHOWN]) + ("..." if len(value) > _SHOWN else "")
    if (
        isinstance(value, (bool, float))
        or value is None
        or (isinstance(value, int) and value.bit_length() <= 64)
    ):
        return repr(value)
    return _kind(value)
