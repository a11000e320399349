"""A live request laid out as the event a function receives, as API Gateway (payload 2.0 and
1.0) or a function URL shapes it.

The rules are those of the event builders (`faaslib.events.http_builders`), which the tests
hold to AWS's own samples: header names as sent (lower-case from an ASGI server) with the
proxy's own headers added when the client did not send them (title-cased in payload 1.0),
cookies moved to `cookies` in payload 2.0, query parameters decoded (comma-joined in 2.0, last
value and all values in 1.0), a textual body as text and anything else base64-encoded.

The builders take whatever a user may give them; every request the front door serves comes
through here, so this module lays it out in one pass over the request and does once what does
not change between requests: the API's host name is the API's (`Place.host`), the request
time in `requestTime`/`time` has a second's resolution and is formatted once a second
(`timeEpoch` keeps its milliseconds), and a request's random ids come from one draw of a
random generator of the front door's own (see `_noise`). The events must equal the builders',
field for field but the random ids.

An event is laid out as the JSON object itself (dicts and lists, its keys in the order of the
event types' fields), fresh for each request, because the function is handed it as it is:
Lambda hands a handler its own decoded copy, and a round trip through JSON to make one cost
more than the layout. An authorizer, which takes the event types, gets them by `as_struct`.
"""

from __future__ import annotations

import base64
import binascii
import os
import random
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote_plus

import msgspec

from faaslib.events.http import APIGatewayProxyEvent, APIGatewayProxyEventV2
from faaslib.events.http_builders import USER_AGENT
from faaslib.http.requests import Place, Request
from faaslib.http.routes import Match

__all__ = [
    "Event",
    "as_struct",
    "function_url_event",
    "http_api_event",
    "request_id",
    "set_authorizer",
]

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
# English month names whatever the locale, which `%b` would follow.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# A request's event: a JSON object, made for this request alone (the function is handed it as
# it is, without a round trip through JSON).
Event = dict[str, Any]
_NOISE = 28  # random bytes a request's ids take
# A REST API caller without IAM or Cognito credentials: API Gateway sends these as null, in the
# order of `APIGatewayRequestIdentity`'s fields; each request's copy gets its IP and user agent.
_V1_IDENTITY: dict[str, str | None] = dict.fromkeys(
    (
        "cognitoIdentityPoolId",
        "accountId",
        "cognitoIdentityId",
        "caller",
        "accessKey",
        "sourceIp",
        "cognitoAuthenticationType",
        "cognitoAuthenticationProvider",
        "userArn",
        "userAgent",
        "user",
        "principalOrgId",
    )
)


def http_api_event(
    request: Request, match: Match, place: Place, now: float, payload_format: str
) -> Event:
    """The event an HTTP API sends the function of `match.route` in `payload_format`."""
    route = match.route
    noise = _noise()
    if payload_format == "2.0":
        return _v2_event(
            request,
            place,
            place.account,
            route.key,
            match.path_parameters or None,
            now,
            noise,
            _short_request_id(noise),
        )
    return _v1_event(request, route.resource, match.path_parameters or None, place, now, noise)


def function_url_event(request: Request, place: Place, now: float) -> Event:
    """The event a function URL sends its function (payload 2.0, route and stage `$default`)."""
    noise = _noise()
    return _v2_event(request, place, "anonymous", "$default", None, now, noise, _uuid4(noise.hex()))


def as_struct(event: Event) -> APIGatewayProxyEventV2 | APIGatewayProxyEvent:
    """`event` as the event type of its payload format (for an authorizer's input)."""
    if event["version"] == "2.0":
        return msgspec.convert(event, APIGatewayProxyEventV2)
    return msgspec.convert(event, APIGatewayProxyEvent)


def set_authorizer(event: Event, authorizer: Mapping[str, Any]) -> None:
    """Put what the route's authorizer passed on into the event's request context: under
    `lambda` in payload 2.0, as it is in 1.0. (It is the context's last field in both, so the
    keys stay in the order of the event types.)"""
    if event["version"] == "2.0":
        event["requestContext"]["authorizer"] = {"lambda": dict(authorizer["lambda"])}
    else:
        event["requestContext"]["authorizer"] = dict(authorizer)


def request_id(event: Event) -> str:
    """The front door's id for the request, which it also sends back in a response header."""
    value = event["requestContext"]["requestId"]
    return value if isinstance(value, str) else ""


def _v2_event(
    request: Request,
    place: Place,
    account: str,
    route_key: str,
    path_parameters: dict[str, str] | None,
    now: float,
    noise: bytes,
    request_id: str,
) -> Event:
    """Payload 2.0, which HTTP APIs and function URLs share: headers comma-joined, cookies apart."""
    host = place.host
    headers: dict[str, str] = {}
    jar: list[str] = []
    user_agent = ""
    for name, value in request.headers:
        if name == "cookie":
            jar += [cookie.strip() for cookie in value.split(";") if cookie.strip()]
            continue
        if name == "user-agent":
            user_agent = value  # the last one sent
        if name in headers:
            headers[name] = f"{headers[name]},{value}"
        else:
            headers[name] = value
    body: str | None = None
    is_base64 = False
    if request.body:
        body, is_base64 = _event_body(
            request, headers.get("content-type"), "content-encoding" in headers
        )
        if "content-length" not in headers:
            headers["content-length"] = str(len(request.body))
    if "host" not in headers:
        headers["host"] = host
    if "user-agent" not in headers:
        user_agent = headers["user-agent"] = user_agent or USER_AGENT
    elif not user_agent:
        user_agent = USER_AGENT
    if "x-amzn-trace-id" not in headers:
        headers["x-amzn-trace-id"] = _trace_id(now, noise.hex())
    if "x-forwarded-for" not in headers:
        headers["x-forwarded-for"] = request.source_ip
    if "x-forwarded-port" not in headers:
        headers["x-forwarded-port"] = "443"
    if "x-forwarded-proto" not in headers:
        headers["x-forwarded-proto"] = "https"
    epoch_ms = int(now * 1000)
    raw_query = request.query_string.lstrip("?")
    raw_path = request.raw_path
    event: Event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
    }
    if jar:
        event["cookies"] = jar
    event["headers"] = headers
    if raw_query:
        query: dict[str, str] = {}
        for name, value in _decoded_query(raw_query):
            query[name] = f"{query[name]},{value}" if name in query else value
        if query:
            event["queryStringParameters"] = query
    if path_parameters is not None:
        event["pathParameters"] = dict(path_parameters)
    event["requestContext"] = {
        "accountId": account,
        "apiId": place.api_id,
        "domainName": host,
        "domainPrefix": place.api_id,
        "http": {
            "method": request.method.upper(),
            "path": raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": user_agent,
        },
        "requestId": request_id,
        "routeKey": route_key,
        "stage": "$default",
        "time": _request_time(epoch_ms // 1000),
        "timeEpoch": epoch_ms,
    }
    if body is not None:
        event["body"] = body
    event["isBase64Encoded"] = is_base64
    return event


def _v1_event(
    request: Request,
    resource: str,
    path_parameters: dict[str, str] | None,
    place: Place,
    now: float,
    noise: bytes,
) -> Event:
    """Payload 1.0 of an HTTP API: a REST API's request, marked "1.0", on the `$default` stage
    (its path carries no stage, and it has no REST resource id; see the 1.0 example in
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html).
    """
    host = place.host
    single: dict[str, str] = {}  # the last value of each header, where it was first sent
    multi: dict[str, list[str]] = {}
    for name, value in request.headers:
        single[name] = value
        if name in multi:
            multi[name].append(value)
        else:
            multi[name] = [value]
    body: str | None = None
    is_base64 = False
    if request.body:
        types = multi.get("content-type")
        body, is_base64 = _event_body(
            request, None if types is None else ",".join(types), "content-encoding" in single
        )
    user_agent = single.get("user-agent") or USER_AGENT
    # The proxy's own headers, title-cased: a name checked here is never one added before it.
    if body is not None and "content-length" not in single:
        single["Content-Length"] = length = str(len(request.body))
        multi["Content-Length"] = [length]
    if "host" not in single:
        single["Host"] = host
        multi["Host"] = [host]
    if "user-agent" not in single:
        single["User-Agent"] = user_agent
        multi["User-Agent"] = [user_agent]
    if "x-amzn-trace-id" not in single:
        single["X-Amzn-Trace-Id"] = trace = _trace_id(now, noise.hex())
        multi["X-Amzn-Trace-Id"] = [trace]
    if "x-forwarded-for" not in single:
        single["X-Forwarded-For"] = request.source_ip
        multi["X-Forwarded-For"] = [request.source_ip]
    if "x-forwarded-port" not in single:
        single["X-Forwarded-Port"] = "443"
        multi["X-Forwarded-Port"] = ["443"]
    if "x-forwarded-proto" not in single:
        single["X-Forwarded-Proto"] = "https"
        multi["X-Forwarded-Proto"] = ["https"]
    epoch_ms = int(now * 1000)
    query = _decoded_query(request.query_string.lstrip("?"))
    grouped: dict[str, list[str]] | None = None
    if query:
        grouped = {}
        for name, value in query:
            grouped.setdefault(name, []).append(value)
    method = request.method.upper()
    short_id = _short_request_id(noise)
    path = request.path
    identity = _V1_IDENTITY.copy()  # a copy of a dict made in C: twice as fast as a literal
    identity["sourceIp"] = request.source_ip
    identity["userAgent"] = user_agent
    return {
        "version": "1.0",
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single,
        "multiValueHeaders": multi,
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": grouped,
        "pathParameters": None if path_parameters is None else dict(path_parameters),
        "stageVariables": None,
        "requestContext": {
            "accountId": place.account,
            "apiId": place.api_id,
            "resourceId": None,
            "resourcePath": resource,
            "path": path,
            "httpMethod": method,
            "stage": "$default",
            "domainName": host,
            "domainPrefix": place.api_id,
            "requestId": short_id,
            "extendedRequestId": short_id,
            "protocol": request.protocol,
            "requestTime": _request_time(epoch_ms // 1000),
            "requestTimeEpoch": epoch_ms,
            "identity": identity,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _event_body(
    request: Request, content_type: str | None, is_encoded: bool
) -> tuple[str | None, bool]:
    """The body as the event carries it, and whether that is base64: text for textual media
    types (without a content encoding), base64 for anything else; None without a body."""
    body = request.body
    if not body:
        return None, False
    if not is_encoded and _is_text(content_type):
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


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


def _decoded_query(raw_query: str) -> list[tuple[str, str]]:
    """The query's names and values, decoded as API Gateway decodes them (`+` is a space)."""
    if not raw_query:
        return []
    pairs = []
    for part in raw_query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((unquote_plus(name), unquote_plus(value)))
    return pairs


# -- what changes once a second, and random ids ---------------------------------------------------
# Each request draws its random ids from one draw of 28 bytes (its `noise`): a request id from
# its first 11 or 16 bytes, a trace id from its last 12.

# The ids identify requests; nothing in them is secret (API Gateway sends them back to the
# client), so they come from a generator of the front door's own, seeded from the system's
# randomness, at a fifth of the cost of reading that for every request. A forked process seeds
# its copy again, so that parent and child never number requests alike.
_random = random.Random()
os.register_at_fork(after_in_child=_random.seed)
_draw = _random.getrandbits
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _noise() -> bytes:
    """A request's random bytes."""
    return _draw(_NOISE * 8).to_bytes(_NOISE, "little")


_time_stamp = (-1, "")  # a second, and the request time it reads as


def _request_time(second: int) -> str:
    """`12/Mar/2020:19:03:58 +0000`: API Gateway's request time, formatted once a second."""
    global _time_stamp
    held, text = _time_stamp
    if second != held:
        moment = datetime.fromtimestamp(second, tz=timezone.utc)
        month = _MONTHS[moment.month - 1]
        text = f"{moment.day:02d}/{month}/{moment.year}:{moment:%H:%M:%S} +0000"
        _time_stamp = (second, text)
    return text


def _short_request_id(noise: bytes) -> str:
    """`LV7fzho-PHcEJPw=`: the short id HTTP APIs give requests (REST APIs' extended id), from
    the first 11 bytes of the request's `noise` (base64 with the URL-safe alphabet)."""
    return binascii.b2a_base64(noise[:11], newline=False).translate(_URLSAFE).decode("ascii")


def _uuid4(noise: str) -> str:
    """A random (version 4) UUID, as function URLs number requests, from the first 16 bytes of
    the request's `noise` (in hex)."""
    variant = _VARIANTS[noise[16]]
    return f"{noise[:8]}-{noise[8:12]}-4{noise[13:16]}-{variant}{noise[17:20]}-{noise[20:32]}"


# The first digit of a UUID's fourth group holds its variant (RFC 9562: binary 10xx).
_VARIANTS = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}

_trace_stamp = (-1, "")  # a second, and the start of a trace id stamped with it


def _trace_id(now: float, noise: str) -> str:
    """`Root=1-5e6a8b7e-...`: the X-Ray trace header AWS's proxies add, stamped `now`, its
    random part the request's `noise` (in hex) from its 17th byte to its 28th."""
    global _trace_stamp
    second, prefix = _trace_stamp
    if int(now) != second:
        second = int(now)
        prefix = f"Root=1-{second:08x}-"
        _trace_stamp = (second, prefix)
    return prefix + noise[32:56]
