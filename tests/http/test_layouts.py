"""The events the front door lays out (`faaslib.http.layouts`, one pass per request) against
the event builders' (`faaslib.events.http_builders`, which the corpus tests hold to AWS's
samples): the same keys in the same order with the same values, but the random ids."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faaslib.events.http import APIGatewayProxyRequestContext
from faaslib.events.http_builders import build_apigw_http_v2, build_apigw_rest, build_function_url
from faaslib.http import layouts
from faaslib.http.requests import Place, Request
from faaslib.http.routes import Match, Route

SHORT_ID = re.compile(r"^[A-Za-z0-9_-]{15}=$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TRACE = re.compile(r"^(Root=1-[0-9a-f]{8}-)[0-9a-f]{24}$")
API = Place(
    "abcdef0123", "eu-west-3", "210987654321", "abcdef0123.execute-api.eu-west-3.amazonaws.com"
)
URL = Place(
    "0123456789abcdef0123456789abcdef",
    "eu-west-3",
    "210987654321",
    "0123456789abcdef0123456789abcdef.lambda-url.eu-west-3.on.aws",
)


def _body(request: Request) -> str | bytes | None:
    """The builders' input for the request's body, by the front door's rules."""
    if not request.body:
        return None
    if request.header("content-encoding") is None and layouts._is_text(
        request.header("content-type")
    ):
        try:
            return request.body.decode("utf-8")
        except UnicodeDecodeError:
            return request.body
    return request.body


def built(request: Request, match: Match | None, now: float, payload_format: str) -> Any:
    """The event the builders make of `request` (None `match`: a function URL)."""
    if match is None:
        event = build_function_url(
            request.method,
            request.raw_path,
            body=_body(request),
            headers=request.headers,
            query=request.query_string,
            source_ip=request.source_ip,
            url_id=URL.api_id,
            now=now,
            region=URL.region,
            account=URL.account,
        )
        event.request_context.http.protocol = request.protocol
        return event
    if payload_format == "2.0":
        event = build_apigw_http_v2(
            request.method,
            request.raw_path,
            body=_body(request),
            headers=request.headers,
            query=request.query_string,
            path_parameters=match.path_parameters or None,
            route_key=match.route.key,
            source_ip=request.source_ip,
            api_id=API.api_id,
            now=now,
            region=API.region,
            account=API.account,
        )
        event.request_context.http.protocol = request.protocol
        return event
    rest = build_apigw_rest(
        request.method,
        request.path,
        resource=match.route.resource,
        body=_body(request),
        headers=request.headers,
        query=request.query_string,
        path_parameters=match.path_parameters or None,
        stage="$default",
        source_ip=request.source_ip,
        api_id=API.api_id,
        now=now,
        region=API.region,
        account=API.account,
    )
    rest.version = "1.0"
    context = rest.request_context
    assert isinstance(context, APIGatewayProxyRequestContext)
    context.path = request.path
    context.resource_id = None
    context.request_id = context.extended_request_id
    context.protocol = request.protocol
    return rest


def without_random_ids(event: Any) -> str:
    """`event` as JSON (its keys in order), its random ids checked for their shape and blanked."""
    data = msgspec.to_builtins(event)
    context = data["requestContext"]
    for key in ("requestId", "extendedRequestId"):
        if key in context:
            assert SHORT_ID.match(context[key]) or UUID4.match(context[key]), context[key]
            context[key] = "-"
    for field in ("headers", "multiValueHeaders"):
        for name, value in (data.get(field) or {}).items():
            if name.lower() == "x-amzn-trace-id":
                values = value if isinstance(value, list) else [value]
                blanked = [m.group(1) if (m := TRACE.match(v)) else v for v in values]
                data[field][name] = blanked if isinstance(value, list) else blanked[0]
    return json.dumps(data)


NAMES = st.sampled_from(
    [
        "host",
        "cookie",
        "user-agent",
        "content-type",
        "content-encoding",
        "content-length",
        "x-amzn-trace-id",
        "x-forwarded-for",
        "x-forwarded-port",
        "x-forwarded-proto",
        "accept",
        "x-h",
    ]
)
VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "a=b; c=d",
            ";",
            " x = y ;; z",
            "application/json",
            "text/plain; charset=utf-8",
            "application/octet-stream",
            "APPLICATION/VND.API+JSON",
            "gzip",
            "curl/1",
            "5",
            "text/x,application/json",
        ]
    ),
    st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=8),
)
REQUESTS = st.builds(
    lambda method, paths, query, headers, body, ip, protocol: Request(
        method, paths[0], paths[1], query, headers, body, ip, protocol
    ),
    st.sampled_from(["GET", "POST", "HEAD"]),
    st.sampled_from([("/items/4 2", "/items/4%202"), ("/", "/"), ("/items/a/b", "/items/a%2Fb")]),
    st.one_of(
        st.sampled_from(["", "a=1&b=2&a=3", "?x=1", "&&", "=", "a", "a+b=c%20d&a=%2B", "%zz=1&b"]),
        st.text(st.sampled_from("ab=&%2+?"), max_size=10),
    ),
    st.lists(st.tuples(NAMES, VALUES), max_size=8),
    st.one_of(
        st.just(b""),
        st.sampled_from([b'{"x":1}', b"\xff\xfe", "h\u00e9llo".encode()]),
        st.binary(max_size=10),
    ),
    st.sampled_from(["203.0.113.9", "::1"]),
    st.sampled_from(["HTTP/1.1", "HTTP/2"]),
)
NOWS = st.one_of(
    st.floats(1e9, 2e9), st.sampled_from([1700000000.0, 1700000000.9995, 1700000000.999999999])
)


@settings(max_examples=500, suppress_health_check=list(HealthCheck), deadline=None)
@given(REQUESTS, NOWS, st.sampled_from(["2.0", "1.0"]), st.booleans())
def test_the_front_doors_events_are_the_builders_events(
    request: Request, now: float, payload_format: str, default_route: bool
) -> None:
    route = (
        Route("$default", None, "f", payload_format)  # type: ignore[arg-type]
        if default_route
        else Route("GET", "/items/{id}", "f", payload_format)  # type: ignore[arg-type]
    )
    match = Match(route, {} if default_route else {"id": "4 2"})
    assert without_random_ids(layouts.http_api_event(request, match, API, now, payload_format)) == (
        without_random_ids(built(request, match, now, payload_format))
    )
    assert without_random_ids(layouts.function_url_event(request, URL, now)) == (
        without_random_ids(built(request, None, now, "2.0"))
    )
