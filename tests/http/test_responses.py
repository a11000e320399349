"""A function's answer becomes a response only if HTTP can carry it: anything else is the front
door's generic error (500 for an HTTP API, 502 for a function URL), logged and counted, never a
connection dropped by the server. Tables of the cases found, hypothesis over hostile and valid
answers in process, and the reported cases under a real uvicorn server, byte for byte."""

from __future__ import annotations

import base64
import json
import logging
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faaslib import App
from tests.http.server import Served, serve
from tests.http.transport import Exchange, exchange

pytestmark = pytest.mark.anyio

INTERNAL_ERROR = b'{"message":"Internal Server Error"}'
TOKEN = re.compile(rb"[-!#$%&'*+.^_`|~0-9A-Za-z]+")
CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # HTAB is allowed inside a value
TARGETS = {"2.0": "/v2", "1.0": "/v1", "url": "/"}


def answering(answer: Any, target: str) -> App:
    """An app whose function returns `answer`: a 2.0 or a 1.0 route, or a function URL."""
    app = App("answers")

    async def respond(event: Any, context: Any) -> Any:
        return answer

    if target == "url":
        app.function(name="site")(respond)
        app.http("function-url", function="site")
    else:
        app.route("GET", TARGETS[target], payload_format=target)(respond)  # type: ignore[arg-type]
    return app


@contextmanager
def recorded(name: str) -> Iterator[list[logging.LogRecord]]:
    """The records logger `name` emits in the block (caplog's fixture is per test, not per
    hypothesis example)."""
    handler = _Keeper()
    logger = logging.getLogger(name)
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


class _Keeper(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def assert_sendable(response: Exchange) -> None:
    """What every ASGI server accepts: token names, values without control characters, and no
    content (nor content-length) for a 204 or a 304."""
    for name, value in response.headers:
        assert TOKEN.fullmatch(name), name
        assert not CONTROL.search(value), (name, value)
        assert value == value.strip(b" \t"), (name, value)
    lengths = response.header(b"content-length")
    if response.status in (204, 304):
        assert (lengths, response.body) == ([], b"")
    else:
        assert lengths == [str(len(response.body)).encode()]


# The cases found: each was a dropped connection or a control character on the wire


REPORTED = {
    "status 100": {"statusCode": 100},
    "status 101": {"statusCode": 101},
    "status 199": {"statusCode": 199},
    "name with parentheses": {"statusCode": 200, "headers": {"X(A)": "1"}},
    "non-ASCII name": {"statusCode": 200, "headers": {"é": "1"}},
    "empty name": {"statusCode": 200, "headers": {"": "1"}},
    "name with a space": {"statusCode": 200, "headers": {"x y": "1"}},
    "SOH in a value": {"statusCode": 200, "headers": {"x-c": "a\x01b"}},
    "VT in a value": {"statusCode": 200, "headers": {"x-c": "a\x0bb"}},
    "DEL in a value": {"statusCode": 200, "headers": {"x-c": "a\x7fb"}},
    "non-Latin-1 value": {"statusCode": 200, "headers": {"x-c": "😀"}},
    "base64 flag as text": {"statusCode": 200, "body": "aGk=", "isBase64Encoded": "true"},
    "base64 flag without a body": {"statusCode": 200, "isBase64Encoded": 1},
    "status as a bool": {"statusCode": True},
    "status as a float": {"statusCode": 200.0},
}
REPORTED_2_0 = {  # fields of payload 2.0 only (the 1.0 format has no cookies)
    "ESC in a cookie": {"statusCode": 200, "cookies": ["a=\x1b[31m"]},
    "non-Latin-1 cookie": {"statusCode": 200, "cookies": ["a=\u0100"]},
}
REPORTED_1_0 = {  # fields of payload 1.0 only (2.0 has no multiValueHeaders)
    "multi-value name": {"statusCode": 200, "multiValueHeaders": {"X(A)": ["1"]}},
    "multi-value NUL": {"statusCode": 200, "multiValueHeaders": {"x": ["ok", "a\x00"]}},
}
MALFORMED = [
    pytest.param(answer, target, id=f"{target}-{case}")
    for target, cases in (
        ("2.0", REPORTED | REPORTED_2_0),
        ("url", REPORTED | REPORTED_2_0),
        ("1.0", REPORTED | REPORTED_1_0),
    )
    for case, answer in cases.items()
]


@pytest.mark.parametrize(("answer", "target"), MALFORMED)
async def test_an_answer_http_cannot_carry_is_the_generic_error_logged_and_counted(
    answer: Any, target: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = answering(answer, target)
    with caplog.at_level(logging.WARNING, "faaslib.http"):
        response = await exchange(app, "GET", TARGETS[target])
    assert (response.status, response.body) == (502 if target == "url" else 500, INTERNAL_ERROR)
    assert_sendable(response)
    assert "cannot send" in caplog.text
    assert "Traceback" not in caplog.text
    fives = {trigger.metrics()["5xx"] for trigger in app.triggers()}
    assert fives == {1}


@pytest.mark.parametrize("status", [204, 304])
@pytest.mark.parametrize("target", ["2.0", "1.0", "url"])
async def test_a_204_or_304_goes_out_without_content_or_content_length(
    status: int, target: str
) -> None:
    answer = {"statusCode": status, "headers": {"etag": '"v1"'}, "body": "dropped"}
    response = await exchange(answering(answer, target), "GET", TARGETS[target])
    assert response.status == status
    assert response.header(b"etag") == [b'"v1"']
    assert_sendable(response)


async def test_spaces_around_a_value_are_trimmed_and_a_tab_inside_is_kept() -> None:
    answer = {"statusCode": 200, "headers": {"x-a": "  a\tb \t"}, "cookies": [" c=1 "]}
    response = await exchange(answering(answer, "2.0"), "GET", "/v2")
    assert response.status == 200
    assert (response.header(b"x-a"), response.header(b"set-cookie")) == ([b"a\tb"], [b"c=1"])


@pytest.mark.parametrize(
    ("target", "raw_path", "query"),
    [
        ("http://api.example.com/v2?q=1", "/v2", "q=1"),
        ("HTTPS://api.example.com:443/v2", "/v2", ""),
        ("http://a/v%32", "/v%32", ""),
        ("http://a", "/", ""),
    ],
)
async def test_an_absolute_form_target_routes_by_its_path(
    target: str, raw_path: str, query: str
) -> None:
    app = App("absolute")

    @app.route("GET", "/v2")
    @app.route("GET", "/")
    def path(event: Any, context: Any) -> Any:
        return [event["routeKey"], event["rawPath"], event["rawQueryString"]]

    response = await exchange(app, "GET", target)
    assert response.status == 200
    route = "GET /" if raw_path == "/" else "GET /v2"
    assert json.loads(response.body) == [route, raw_path, query]


@pytest.mark.parametrize("target", ["*", "v2", "http:/v2"])
async def test_a_target_without_a_path_matches_no_route(target: str) -> None:
    app = App("asterisk")

    @app.route("GET", "/")
    @app.route("GET", "/v2")
    def root(event: Any, context: Any) -> Any:
        return "root"

    response = await exchange(app, "GET", target)
    assert (response.status, response.body) == (404, b'{"message":"Not Found"}')


# Hostile answers, generated

ODD_CHARACTERS = st.sampled_from(
    list("\x00\x01\t\n\r\x0b\x1b\x1f\x7f \u00e9(:;,\u2028\ud800\udfff\U0001f600")
)
hostile_text = st.text(st.one_of(st.characters(exclude_categories=()), ODD_CHARACTERS), max_size=8)
token_text = st.text(st.sampled_from("abcXYZ019-_!#~"), min_size=1, max_size=6)
header_names = st.one_of(
    token_text,
    hostile_text,
    st.sampled_from(["", "X(A)", "é", "a b", "x:y", "Content-Length", "Transfer-Encoding"]),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=5,
)
header_values = st.one_of(hostile_text, token_text, json_values)
statuses = st.one_of(
    st.sampled_from([100, 101, 199, 200, 204, 304, 404, 500, 502, 599, 600, 99, 0, -1]),
    st.integers(100, 599),
    st.integers(),
    st.booleans(),
    st.floats(),
    st.text(max_size=3),
    st.none(),
    st.just([200]),
)
bodies = st.one_of(
    json_values,
    st.sampled_from(["", "x" * 300_000, "not base64!", "aGk"]),
    st.binary(max_size=20).map(lambda data: base64.b64encode(data).decode()),
)
responses = st.fixed_dictionaries(
    {"statusCode": statuses},
    optional={
        "headers": st.dictionaries(header_names, header_values, max_size=3) | json_values,
        "multiValueHeaders": (
            st.dictionaries(
                header_names, st.lists(header_values, max_size=2) | header_values, max_size=3
            )
            | json_values
        ),
        "cookies": st.lists(header_values, max_size=3) | json_values,
        "body": bodies,
        "isBase64Encoded": scalars,
    },
)

field_values = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=8
)
valid_responses = st.fixed_dictionaries(
    {"statusCode": st.integers(200, 599)},
    optional={
        "headers": st.dictionaries(token_text, field_values | st.integers(-9, 9), max_size=3),
        "body": st.text(max_size=20),
    },
)


@st.composite
def nearly_valid(draw: st.DrawFn) -> dict[str, Any]:
    """A valid answer with one hostile field: the likeliest way to slip past a check."""
    answer: dict[str, Any] = dict(draw(valid_responses))
    field = draw(st.sampled_from(["status", "name", "value", "multi", "cookie", "body", "flag"]))
    if field == "status":
        answer["statusCode"] = draw(statuses)
    elif field == "name":
        answer["headers"] = {draw(header_names): "v"}
    elif field == "value":
        answer["headers"] = {"x-v": draw(header_values)}
    elif field == "multi":
        answer["multiValueHeaders"] = {draw(header_names): draw(st.lists(header_values))}
    elif field == "cookie":
        answer["cookies"] = [draw(header_values)]
    elif field == "body":
        answer.update(body=draw(bodies), isBase64Encoded=draw(st.booleans()))
    else:
        answer["isBase64Encoded"] = draw(scalars)
    return answer


def own_status(answer: Any, target: str) -> int | None:
    """The status the answer asks for, if it is a valid one; None if it has none."""
    if isinstance(answer, dict) and "statusCode" in answer:
        status = answer["statusCode"]
        valid = isinstance(status, int) and not isinstance(status, bool)
        return status if valid and 200 <= status <= 599 else None
    return None if target == "1.0" else 200


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    answer=responses | nearly_valid() | json_values | st.binary(max_size=8),
    target=st.sampled_from(list(TARGETS)),
)
async def test_any_answer_gets_a_complete_sendable_response(answer: Any, target: str) -> None:
    # `exchange` fails on anything raised out of app.asgi and on an incomplete response.
    with recorded("faaslib.http") as records:
        response = await exchange(answering(answer, target), "GET", TARGETS[target])
    unforeseen = [record.getMessage() for record in records if record.exc_info]
    assert not unforeseen  # every failure is one the front door names, none a crash it caught
    error = 502 if target == "url" else 500
    own = own_status(answer, target)
    assert response.status in {error, own}
    if response.status != own:
        assert response.body == INTERNAL_ERROR
    assert_sendable(response)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(answer=valid_responses, target=st.sampled_from(list(TARGETS)))
async def test_an_answer_http_can_carry_arrives_as_it_was_given(
    answer: dict[str, Any], target: str
) -> None:
    response = await exchange(answering(answer, target), "GET", TARGETS[target])
    status = answer["statusCode"]
    assert response.status == status
    expected = [
        (name.lower().encode(), str(value).strip(" ").encode("latin-1"))
        for name, value in answer.get("headers", {}).items()
    ]
    own = [(n, v) for n, v in response.headers if n not in (b"content-length", b"apigw-requestid")]
    assert [(n, v) for n, v in own if n != b"x-amzn-requestid"] == expected
    no_content = status in (204, 304)
    assert response.body == (b"" if no_content else answer.get("body", "").encode())
    assert_sendable(response)


# Under a real server: every reported case gets its answer on the wire


def reported_app() -> App:
    app = App("reported")
    for index, answer in enumerate([*REPORTED.values(), {"statusCode": 204, "body": "x"}]):

        def respond(event: Any, context: Any, answer: Any = answer) -> Any:
            return answer

        app.route("GET", f"/case/{index}", name=f"case{index}")(respond)

    @app.route("GET", "/where")
    def where(event: Any, context: Any) -> Any:
        return {"statusCode": 304, "headers": {"x-path": event["rawPath"]}, "body": "dropped"}

    return app


@pytest.fixture(scope="module")
def reported() -> Iterator[Served]:
    yield from serve(reported_app())


def exchange_bytes(served: Served, request: bytes) -> bytes:
    """What the server sends back for `request`, on a connection it then closes."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def test_under_uvicorn_every_reported_case_is_answered(reported: Served) -> None:
    for index in range(len(REPORTED)):
        request = f"GET /case/{index} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        head, _, body = exchange_bytes(reported, request.encode()).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 500 Internal Server Error\r\n"), index
        assert b"\r\ncontent-length: 35\r\n" in head
        assert body == INTERNAL_ERROR
    request = f"GET /case/{len(REPORTED)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    no_content = exchange_bytes(reported, request.encode())
    assert no_content.startswith(b"HTTP/1.1 204 No Content\r\n")
    assert no_content.endswith(b"\r\n\r\n")  # the head, and nothing after it
    assert b"content-length" not in no_content.lower()
    counts = [trigger.metrics() for trigger in reported.app.triggers()]
    assert sum(c["5xx"] for c in counts) == len(REPORTED)


def test_under_uvicorn_an_absolute_form_target_routes_by_its_path(reported: Served) -> None:
    request = (
        b"GET http://api.example.com/where?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    answer = exchange_bytes(reported, request)
    assert answer.startswith(b"HTTP/1.1 304 Not Modified\r\n")
    assert b"\r\nx-path: /where\r\n" in answer
    assert answer.endswith(b"\r\n\r\n")
    assert b"content-length" not in answer.lower()
