"""The front door hands a function its event as the value itself, not through JSON: the
handler must see what the JSON would have given it (JSON's types, its own copy for each
request), every event over Lambda's limit must still be refused, and a process instance gets
the event encoded."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faaslib import App
from faaslib.http import layouts
from faaslib.http.gateway import _EVENT_FRAME, _size_bound
from faaslib.http.requests import Request
from faaslib.http.routes import Match, Route
from faaslib.invoke import MAX_SYNC_REQUEST_BYTES
from tests.http.test_layouts import API, NOWS, URL
from tests.http.transport import in_process
from tests.process import handlers

pytestmark = pytest.mark.anyio


def json_types_only(value: Any) -> bool:
    """Whether `value` is made of what a JSON document decodes to, and nothing else."""
    if isinstance(value, dict):
        return all(type(k) is str and json_types_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(json_types_only(item) for item in value)
    return value is None or type(value) in (str, int, bool)


def containers(value: Any) -> list[Any]:
    """Every dict and list in `value`, itself included."""
    found: list[Any] = []
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            found += containers(item)
    elif isinstance(value, list):
        found.append(value)
        for item in value:
            found += containers(item)
    return found


@pytest.mark.parametrize("payload_format", ["2.0", "1.0"])
async def test_each_request_gets_an_event_of_its_own_made_of_json_types(
    app: App, payload_format: str
) -> None:
    seen: list[Any] = []

    @app.route("POST", "/items/{id}", payload_format=payload_format)  # type: ignore[arg-type]
    def item(event: Any, context: Any) -> Any:
        seen.append(json.loads(json.dumps(event)))  # as it came, before the handler's changes
        event["headers"]["x-changed"] = "yes"
        event["requestContext"]["identity" if payload_format == "1.0" else "http"].clear()
        event["pathParameters"]["id"] = "changed"
        return {"statusCode": 200, "body": "ok"}

    async with in_process(app) as client:
        for _ in range(3):
            answer = await client.post(
                "/items/a%20b?q=1&q=2",
                content=b'{"x": [1, 2]}',
                headers={"cookie": "a=b; c=d", "content-type": "application/json"},
            )
            assert answer.status_code == 200
    first, *others = seen
    for event in others:  # the same request, laid out anew: the handler's changes are gone
        assert event["pathParameters"] == {"id": "a b"}
        assert "x-changed" not in event["headers"]
        assert event["body"] == '{"x": [1, 2]}'
        assert event["headers"].keys() == first["headers"].keys()


async def test_the_event_a_handler_gets_is_its_json_value(app: App) -> None:
    kept: list[Any] = []

    @app.route("GET", "/items/{id}")
    def item(event: Any, context: Any) -> Any:
        kept.append(event)
        return "ok"

    async with in_process(app) as client:
        for _ in range(2):
            assert (await client.get("/items/7?a=1", headers={"cookie": "k=v"})).status_code == 200
    first, second = kept
    assert json_types_only(first)
    assert json_types_only(second)
    assert first == msgspec.json.decode(msgspec.json.encode(first))
    shared = {id(c) for c in containers(first)} & {id(c) for c in containers(second)}
    assert not shared  # no dict or list of one request's event is in another's


async def test_a_large_request_goes_through_json_and_is_still_held_to_the_limit(app: App) -> None:
    seen: list[int] = []

    @app.route("POST", "/upload")
    def upload(event: Any, context: Any) -> Any:
        seen.append(len(event["body"]))
        return "ok"

    text = {"content-type": "text/plain"}
    async with in_process(app) as client:
        large = await client.post("/upload", content=b"x" * 300_000, headers=text)  # over the bound
        escaped = await client.post("/upload", content=b"\x01" * 1_100_000, headers=text)
    assert large.status_code == 200
    assert escaped.status_code == 413  # 1.1 MB of text, 6.6 MB as JSON (each byte \u0001)
    assert seen == [300_000]


async def test_a_process_instance_gets_the_event_encoded() -> None:
    app = App("process-route")
    app.route("GET", "/echo/{id}", isolation="process")(handlers.echo)
    async with app, in_process(app) as client:
        answer = await client.get("/echo/9?b=2")
    assert answer.status_code == 200
    event = answer.json()["event"]
    assert event["pathParameters"] == {"id": "9"}
    assert event["queryStringParameters"] == {"b": "2"}
    assert event["requestContext"]["http"]["path"] == "/echo/9"


# Text that JSON grows the most (control characters take 6 bytes each, quotes 2, the upper half
# of ISO-8859-1 2), repeated so that the request's own text, not the event's frame, dominates.
HOSTILE = st.one_of(
    st.text(st.characters(max_codepoint=0x1F), min_size=1, max_size=12),
    st.text(st.characters(max_codepoint=0xFF), max_size=12),
).map(lambda text: text * 300)
HOSTILE_REQUESTS = st.builds(
    lambda method, path, query, headers, body, ip, protocol: Request(
        method, path, path, query, headers, body, ip, protocol
    ),
    st.sampled_from(["GET", "POST"]),
    st.sampled_from(["/items/42", "/", "/items/%01%22"]),
    st.one_of(
        st.just(""), st.text(st.sampled_from('a=&%01\x01+"\\'), max_size=12).map(lambda q: q * 300)
    ),
    st.lists(
        st.tuples(
            st.sampled_from(["content-type", "cookie", "user-agent", "x-h", ""]),
            st.one_of(st.just("text/plain"), HOSTILE),
        ),
        max_size=6,
    ),
    st.one_of(
        st.just(b""),
        st.binary(max_size=24).map(lambda body: body * 1000),
        st.text(max_size=12).map(lambda text: text.encode() * 1000),
    ),
    st.sampled_from(["203.0.113.9", "::1"]),
    st.sampled_from(["HTTP/1.1", "HTTP/2"]),
)


@settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
@given(HOSTILE_REQUESTS, NOWS, st.sampled_from(["2.0", "1.0", "url"]), st.booleans())
def test_the_size_bound_is_never_under_the_events_json(
    request: Request, now: float, kind: str, default_route: bool
) -> None:
    if kind == "url":
        event = layouts.function_url_event(request, URL, now)
        extra = 0
    else:
        route = (
            Route("$default", None, "f", kind)  # type: ignore[arg-type]
            if default_route
            else Route("GET", "/items/{id}", "f", kind)  # type: ignore[arg-type]
        )
        match = Match(route, {} if default_route else {"id": '\x01"\x7f'})
        event = layouts.http_api_event(request, match, API, now, kind)
        extra = len(route.key) + len(route.resource)
    assert len(msgspec.json.encode(event)) <= _size_bound(request, extra)


def test_the_frame_holds_the_largest_event_of_an_empty_request() -> None:
    request = Request("GET", "/", "/", "", [], b"", "", "")
    route = Route("ANY", "/" + "x" * 200, "f", "1.0")
    match = Match(route, {})
    event = layouts.http_api_event(request, match, API, 2e9, "1.0")
    assert len(msgspec.json.encode(event)) <= _EVENT_FRAME - len(route.key) - len(route.resource)


def test_the_bound_lets_ordinary_requests_skip_the_encoding() -> None:
    request = Request("GET", "/items/42", "/items/42", "", [("host", "x")] * 20, b"", "::1", "1.1")
    assert _size_bound(request, 40) <= MAX_SYNC_REQUEST_BYTES
