"""The HTTP API in process (httpx's ASGI transport, a fake clock): how a function's answer
becomes the response by each payload format's rules, how failures map to API Gateway's answers
without leaking the function's text, limits, timeouts, function URLs, lifespan and
configuration errors."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import anyio
import httpx
import pytest

from faaslib import App, ConfigurationError
from faaslib.testing import FakeClock
from tests.http.transport import in_process

pytestmark = pytest.mark.anyio

SECRET = "db password is hunter2"


def answering(app: App, answer: Any, payload_format: str = "2.0") -> None:
    """Route GET /answer to a function returning `answer`."""

    @app.route("GET", "/answer", payload_format=payload_format)  # type: ignore[arg-type]
    def respond(event: Any, context: Any) -> Any:
        return answer


# Answers -> responses


@pytest.mark.parametrize(
    ("answer", "status", "content_type", "body"),
    [
        ({"id": 7}, 200, "application/json", b'{"id":7}'),
        ([1, 2], 200, "application/json", b"[1,2]"),
        ("Hello, world!", 200, "application/json", b'"Hello, world!"'),
        (42, 200, "application/json", b"42"),
        (None, 200, "application/json", b"null"),
        ({"statusCode": 204}, 204, None, b""),
        (
            {"statusCode": 201, "headers": {"Content-Type": "text/plain"}, "body": "made"},
            201,
            "text/plain",
            b"made",
        ),
        (
            {
                "statusCode": 200,
                "body": base64.b64encode(b"\x89PNG\x00").decode(),
                "isBase64Encoded": True,
            },
            200,
            None,
            b"\x89PNG\x00",
        ),
    ],
    ids=["object", "list", "string", "number", "null", "status", "text", "binary"],
)
async def test_a_payload_2_0_answer_becomes_the_response_api_gateway_sends(
    app: App, answer: Any, status: int, content_type: str | None, body: bytes
) -> None:
    answering(app, answer)
    async with in_process(app) as client:
        response = await client.get("/answer")
    assert response.status_code == status
    assert response.headers.get("content-type") == content_type
    assert response.content == body
    if status == 204:  # no content, so no content-length (RFC 9110, section 8.6)
        assert "content-length" not in response.headers
    else:
        assert response.headers["content-length"] == str(len(body))


async def test_payload_2_0_cookies_become_set_cookie_headers(app: App) -> None:
    answering(
        app,
        {
            "statusCode": 200,
            "headers": {"X-Count": 3, "X-On": True},
            "cookies": ["a=1; Path=/", "b=2"],
        },
    )
    async with in_process(app) as client:
        response = await client.get("/answer")
    assert response.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2"]
    assert (response.headers["x-count"], response.headers["x-on"]) == ("3", "true")


async def test_payload_1_0_merges_headers_and_multi_value_headers(app: App) -> None:
    answering(
        app,
        {
            "statusCode": 200,
            "headers": {"X-One": "a", "X-Both": "from-headers"},
            "multiValueHeaders": {"x-both": ["b1", "b2"], "Set-Cookie": ["a=1", "b=2"]},
            "body": "ok",
        },
        payload_format="1.0",
    )
    async with in_process(app) as client:
        response = await client.get("/answer")
    assert response.status_code == 200
    assert response.headers["x-one"] == "a"
    assert response.headers.get_list("x-both") == ["b1", "b2"]
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]


@pytest.mark.parametrize(
    ("answer", "payload_format"),
    [
        ({"id": 7}, "1.0"),
        ("text", "1.0"),
        ({"statusCode": "200"}, "2.0"),
        ({"statusCode": 99}, "2.0"),
        ({"statusCode": 200, "body": {"a": 1}}, "2.0"),
        ({"statusCode": 200, "headers": ["x"]}, "2.0"),
        ({"statusCode": 200, "headers": {"x": {"a": 1}}}, "2.0"),
        ({"statusCode": 200, "headers": {"x": "a\r\nset-cookie: evil=1"}}, "2.0"),
        ({"statusCode": 200, "cookies": "a=1"}, "2.0"),
        ({"statusCode": 200, "body": "not base64!", "isBase64Encoded": True}, "2.0"),
        ({"statusCode": 200, "multiValueHeaders": {"x": "a"}}, "1.0"),
    ],
)
async def test_a_malformed_answer_is_a_generic_500_logged_for_the_developer(
    app: App, answer: Any, payload_format: str, caplog: pytest.LogCaptureFixture
) -> None:
    answering(app, answer, payload_format)
    with caplog.at_level(logging.WARNING, "faaslib.http"):
        async with in_process(app) as client:
            response = await client.get("/answer")
    assert (response.status_code, response.json()) == (500, {"message": "Internal Server Error"})
    assert "cannot send" in caplog.text


# Failures -> API Gateway's answers, without the function's text


async def test_a_function_error_is_500_without_its_message_or_stack_trace(app: App) -> None:
    @app.route("POST", "/orders")
    def place(event: Any, context: Any) -> Any:
        raise RuntimeError(SECRET)

    async with in_process(app) as client:
        response = await client.post("/orders", json={})
    assert (response.status_code, response.json()) == (500, {"message": "Internal Server Error"})
    shown = response.text + str(response.headers)
    assert SECRET not in shown
    assert "RuntimeError" not in shown
    assert "Traceback" not in shown
    assert response.headers["apigw-requestid"]


async def test_no_route_is_404_and_a_throttle_is_429(app: App) -> None:
    @app.route("GET", "/busy", reserved_concurrency=0)
    def busy(event: Any, context: Any) -> Any:
        return "never"

    async with in_process(app) as client:
        missing = await client.get("/nothing/here")
        throttled = await client.get("/busy")
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
    assert (throttled.status_code, throttled.json()) == (429, {"message": "Too Many Requests"})
    assert app.metrics("busy")["Throttles"] == 1
    assert app.triggers("busy")[0].metrics() == {"Count": 1, "4xx": 1, "5xx": 0}


async def test_bodies_over_the_http_api_limit_or_lambda_payload_limit_are_413(app: App) -> None:
    seen: list[int] = []

    @app.route("POST", "/upload")
    def upload(event: Any, context: Any) -> Any:
        seen.append(len(event["body"]))
        return "ok"

    too_large = {"message": "Request Entity Too Large"}
    async with in_process(app) as client:
        over_api = await client.post("/upload", content=b"x" * (10 * 1024 * 1024 + 1))
        over_lambda = await client.post("/upload", content=b"\x00" * (5 * 1024 * 1024))
        fits = await client.post("/upload", content=b"\x00" * (4 * 1024 * 1024))
    assert (over_api.status_code, over_api.json()) == (413, too_large)
    assert (over_lambda.status_code, over_lambda.json()) == (413, too_large)  # 6.7 MB in base64
    assert fits.status_code == 200
    assert len(seen) == 1


async def test_a_response_over_lambdas_limit_is_a_500(app: App) -> None:
    answering(app, {"statusCode": 200, "body": "x" * (6 * 1024 * 1024 + 200)})
    async with in_process(app) as client:
        response = await client.get("/answer")
    assert (response.status_code, response.json()) == (500, {"message": "Internal Server Error"})


async def test_the_integration_timeout_answers_503_while_the_function_runs_on(
    app: App, clock: FakeClock
) -> None:
    finished: list[float] = []

    @app.route("GET", "/slow", timeout=60)
    async def slow(event: Any, context: Any) -> Any:
        await clock.sleep(40)
        finished.append(clock.monotonic())
        return "late"

    responses: list[httpx.Response] = []
    async with in_process(app) as client, anyio.create_task_group() as tasks:

        async def call() -> None:
            responses.append(await client.get("/slow"))

        tasks.start_soon(call)
        await clock.advance(30)
        assert finished == []  # 503 is out (httpx hands it over once the app returns)
        await clock.advance(10)
    assert (responses[0].status_code, responses[0].json()) == (
        503,
        {"message": "Service Unavailable"},
    )
    assert finished == [40]
    assert app.metrics("slow")["Errors"] == 0  # the function itself succeeded


async def test_a_lambda_timeout_within_the_integration_timeout_is_a_500(
    app: App, clock: FakeClock
) -> None:
    @app.route("GET", "/slow", timeout=2)
    async def slow(event: Any, context: Any) -> Any:
        await clock.sleep(10)

    responses: list[httpx.Response] = []
    async with in_process(app) as client, anyio.create_task_group() as tasks:

        async def call() -> None:
            responses.append(await client.get("/slow"))

        tasks.start_soon(call)
        await clock.advance(2)
    assert responses[0].status_code == 500
    assert "Task timed out" not in responses[0].text


async def test_a_shorter_integration_timeout_applies(app: App, clock: FakeClock) -> None:
    app.http("http-api", integration_timeout=5)

    @app.route("GET", "/slow", timeout=10)
    async def slow(event: Any, context: Any) -> Any:
        await clock.sleep(7)

    responses: list[httpx.Response] = []
    async with in_process(app) as client, anyio.create_task_group() as tasks:

        async def call() -> None:
            responses.append(await client.get("/slow"))

        tasks.start_soon(call)
        await clock.advance(7)
    assert responses[0].status_code == 503


async def test_a_head_request_gets_the_headers_without_the_body(app: App) -> None:
    @app.route("HEAD", "/doc")
    def doc(event: Any, context: Any) -> Any:
        return {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "12345"}

    async with in_process(app) as client:
        response = await client.head("/doc")
    assert (response.status_code, response.content) == (200, b"")
    assert response.headers["content-length"] == "5"


# Function URLs


async def test_a_function_url_serves_one_function_at_every_path() -> None:
    app = App("web")

    @app.function
    def site(event: Any, context: Any) -> Any:
        if event["rawPath"] == "/fail":
            raise ValueError(SECRET)
        return {
            "path": event["rawPath"],
            "route": event["routeKey"],
            "query": event.get("queryStringParameters"),
        }

    app.http("function-url", function="site")
    async with in_process(app) as client:
        deep = await client.get("/a/b/c?x=1&x=2")
        failed = await client.post("/fail")
    assert deep.json() == {"path": "/a/b/c", "route": "$default", "query": {"x": "1,2"}}
    assert deep.headers["x-amzn-requestid"]
    assert (failed.status_code, failed.json()) == (502, {"message": "Internal Server Error"})
    assert SECRET not in failed.text
    assert [t.describe() for t in app.triggers("site")] == ["function URL"]


async def test_a_function_url_with_routes_or_without_its_function_cannot_serve(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = App("web")

    @app.route("GET", "/x")
    def x(event: Any, context: Any) -> Any: ...

    app.http("function-url", function="web_missing")
    with caplog.at_level(logging.ERROR, "faaslib.http"):
        async with in_process(app) as client:
            response = await client.get("/x")
    assert response.status_code == 502
    assert "function 'web_missing' is not registered" in caplog.text
    with pytest.raises(ConfigurationError, match="not registered"):
        async with app.lifespan():
            pass


# Lifespan and the ASGI protocol


async def test_asgi_lifespan_starts_and_stops_the_app(app: App) -> None:
    answering(app, "hi")
    to_app, app_reads = anyio.create_memory_object_stream[dict[str, Any]](4)
    app_writes, from_app = anyio.create_memory_object_stream[dict[str, Any]](4)
    async with to_app, app_reads, app_writes, from_app, anyio.create_task_group() as tasks:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
        tasks.start_soon(app.asgi, scope, app_reads.receive, app_writes.send)
        await to_app.send({"type": "lifespan.startup"})
        assert await from_app.receive() == {"type": "lifespan.startup.complete"}
        assert app._task_group is not None  # running: `async with app` entered
        await to_app.send({"type": "lifespan.shutdown"})
        assert await from_app.receive() == {"type": "lifespan.shutdown.complete"}
    assert app._task_group is None


async def test_asgi_lifespan_reports_a_configuration_that_cannot_serve(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("GET", "/guarded", authorizer="nobody")
    def guarded(event: Any, context: Any) -> Any: ...

    to_app, app_reads = anyio.create_memory_object_stream[dict[str, Any]](4)
    app_writes, from_app = anyio.create_memory_object_stream[dict[str, Any]](4)
    with caplog.at_level(logging.CRITICAL, "faaslib.http"):
        async with to_app, app_reads, app_writes, from_app, anyio.create_task_group() as tasks:
            tasks.start_soon(app.asgi, {"type": "lifespan"}, app_reads.receive, app_writes.send)
            await to_app.send({"type": "lifespan.startup"})
            failed = await from_app.receive()
    assert failed["type"] == "lifespan.startup.failed"
    assert "authorizer 'nobody' is not declared" in failed["message"]
    assert app._task_group is None


async def test_the_lifespan_leaves_an_app_started_by_its_owner_running(app: App) -> None:
    async with app:
        async with app.lifespan():
            pass
        assert app._task_group is not None


async def test_a_websocket_is_refused(app: App) -> None:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    await app.asgi({"type": "websocket", "path": "/"}, receive, send)
    assert sent == [{"type": "websocket.close", "code": 1000}]
    assert app.asgi is app.asgi


@pytest.mark.parametrize(
    ("http_version", "headers", "body_read"),
    [
        ("1.1", [], False),  # HTTP/1: no Content-Length nor Transfer-Encoding, no body
        ("1.0", [], False),
        ("1.1", [(b"content-length", b"5")], True),
        ("1.1", [(b"transfer-encoding", b"chunked")], True),
        ("2", [], True),  # HTTP/2 frames a body without either header
    ],
    ids=["http1.1", "http1.0", "content-length", "chunked", "http2"],
)
async def test_a_body_is_read_where_the_request_can_have_one(
    app: App, http_version: str, headers: list[tuple[bytes, bytes]], body_read: bool
) -> None:
    @app.route("POST", "/size")
    def size(event: Any, context: Any) -> Any:
        return {"body": event.get("body")}

    received: list[str] = []

    async def receive() -> dict[str, Any]:
        received.append("http.request")
        return {"type": "http.request", "body": b"hello", "more_body": False}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "http_version": http_version,
        "method": "POST",
        "path": "/size",
        "raw_path": b"/size",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-type", b"text/plain"), *headers],
    }
    async with app:
        await app.asgi(scope, receive, send)
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"]) == {"body": "hello" if body_read else None}
    assert received == (["http.request"] if body_read else [])


# Configuration


def test_the_api_is_configured_once_with_valid_values() -> None:
    app = App("shop")
    with pytest.raises(ConfigurationError, match="api='rest'"):
        app.http("rest")
    with pytest.raises(ConfigurationError, match="needs function=NAME"):
        app.http("function-url")
    with pytest.raises(ConfigurationError, match="function= is for a function URL"):
        app.http("http-api", function="x")
    with pytest.raises(ConfigurationError, match=r"integration_timeout=31 must be 0.05 to 30"):
        app.http(integration_timeout=31)
    with pytest.raises(ConfigurationError, match="no integration timeout"):
        app.http("function-url", function="x", integration_timeout=3)
    app.http(integration_timeout=10)
    with pytest.raises(ConfigurationError, match="configured already"):
        app.http()


async def test_a_request_to_a_route_whose_authorizer_is_missing_is_a_500_logged(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    @app.route("GET", "/guarded", authorizer="nobody")
    def guarded(event: Any, context: Any) -> Any:
        return "secret"

    with caplog.at_level(logging.ERROR, "faaslib.http"):
        async with in_process(app) as client:
            response = await client.get("/guarded")
    assert (response.status_code, response.json()) == (500, {"message": "Internal Server Error"})
    assert "route GET /guarded: authorizer 'nobody' is not declared" in caplog.text


async def test_an_event_is_json_the_handler_can_read(app: App) -> None:
    @app.route("PUT", "/items/{id}")
    def put(event: Any, context: Any) -> Any:
        return {
            "id": event["pathParameters"]["id"],
            "body": json.loads(event["body"]),
            "sourceIp": event["requestContext"]["http"]["sourceIp"],
        }

    async with in_process(app) as client:
        response = await client.put("/items/a%20b", json={"n": 1})
    assert response.json() == {"id": "a b", "body": {"n": 1}, "sourceIp": "203.0.113.9"}
