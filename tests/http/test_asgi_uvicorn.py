"""`app.asgi` under a real uvicorn server on 127.0.0.1, called with httpx: routing, methods,
path parameters, headers, cookies, repeated query keys, binary bodies both ways, the 2.0, 1.0
and function URL events compared with real samples, error mapping without leaks, authorizers,
CORS, the body limit, and throttling under concurrent load with nothing lost."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import httpx
import pytest

from faaslib import App
from tests.events.corpus import needs_corpus
from tests.http.server import Served, serve
from tests.http.shapes import assert_like_sample

pytestmark = pytest.mark.anyio

SECRET = "the signing key is 0xDEADBEEF"
SHOP = "https://shop.example.com"
THROTTLE_GATE = threading.Event()  # holds the one request /throttled may run
TOGETHER = threading.Barrier(5, timeout=5)  # passed only by 5 requests running at once


def api_app() -> App:
    app = App("shop")
    app.cors(allow_origins=[SHOP], allow_methods=["GET", "POST"], allow_headers=["authorization"])

    @app.route("GET", "/items/{id}")
    @app.route("GET", "/private/{id}", authorizer="token")
    def item(event: Any, context: Any) -> Any:
        return event  # no statusCode: sent as JSON, 200

    @app.route("POST", "/v1/items/{id}", payload_format="1.0")
    def item_v1(event: Any, context: Any) -> Any:
        return {
            "statusCode": 201,
            "multiValueHeaders": {"x-seen": ["a", "b"]},
            "body": json.dumps(event),
        }

    @app.route("ANY", "/echo/{proxy+}")
    def echo(event: Any, context: Any) -> Any:
        body = base64.b64decode(event["body"]) if event.get("isBase64Encoded") else b""
        return {
            "statusCode": 200,
            "headers": {
                "content-type": "application/octet-stream",
                "x-method": event["requestContext"]["http"]["method"],
            },
            "cookies": ["session=abc; HttpOnly", "theme=dark"],
            "body": base64.b64encode(body[::-1]).decode(),
            "isBase64Encoded": True,
        }

    @app.route("GET", "/fail")
    def fail(event: Any, context: Any) -> Any:
        raise KeyError(SECRET)

    @app.route("POST", "/upload")
    def upload(event: Any, context: Any) -> Any:
        return {"size": len(event.get("body", ""))}

    @app.route("GET", "/throttled", reserved_concurrency=1)
    def throttled(event: Any, context: Any) -> Any:
        THROTTLE_GATE.wait(10)
        return "done"

    @app.route("GET", "/together")
    def together(event: Any, context: Any) -> Any:
        TOGETHER.wait()
        return "met"

    @app.authorizer("token")
    def token(event: Any, context: Any) -> Any:
        authorization = event["headers"]["authorization"]
        return {"isAuthorized": authorization == "Bearer good", "context": {"user": "u-42"}}

    return app


def url_app() -> App:
    app = App("site")

    @app.function
    def site(event: Any, context: Any) -> Any:
        return event

    app.http("function-url", function="site")
    return app


@pytest.fixture(scope="module")
def api() -> Iterator[Served]:
    yield from serve(api_app(), before_stop=THROTTLE_GATE.set)


@pytest.fixture(scope="module")
def function_url() -> Iterator[Served]:
    yield from serve(url_app())


def client(served: Served) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=served.url, timeout=10)


async def test_routes_pick_by_method_and_path_with_any_and_greedy_paths(api: Served) -> None:
    async with client(api) as http:
        item = await http.get("/items/7")
        wrong_method = await http.delete("/items/7")
        deep = await http.patch("/echo/a/b/c")
        missing = await http.get("/nothing")
    event = item.json()
    assert (event["routeKey"], event["pathParameters"]) == ("GET /items/{id}", {"id": "7"})
    assert (wrong_method.status_code, wrong_method.json()) == (404, {"message": "Not Found"})
    assert deep.headers["x-method"] == "PATCH"
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})


async def test_a_payload_2_0_event_carries_the_request_as_an_http_api_does(api: Served) -> None:
    async with client(api) as http:
        before = time.time()
        response = await http.get(
            "/items/a%20b?tag=x&tag=y&q=two%20words&empty=",
            headers=[
                ("X-Tenant", "blue"),
                ("X-Tenant", "green"),
                ("Cookie", "a=1; b=2"),
                ("User-Agent", "tests/1.0"),
            ],
        )
    event = response.json()
    assert event["version"] == "2.0"
    assert event["rawPath"] == "/items/a%20b"
    assert event["pathParameters"] == {"id": "a b"}
    assert event["rawQueryString"] == "tag=x&tag=y&q=two%20words&empty="
    assert event["queryStringParameters"] == {"tag": "x,y", "q": "two words", "empty": ""}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-tenant"] == "blue,green"
    assert "cookie" not in event["headers"]
    context = event["requestContext"]
    assert context["requestId"] == response.headers["apigw-requestid"]
    assert context["http"] == {
        "method": "GET",
        "path": "/items/a%20b",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "tests/1.0",
    }
    assert (context["routeKey"], context["stage"]) == ("GET /items/{id}", "$default")
    assert before * 1000 - 1000 <= context["timeEpoch"] <= time.time() * 1000 + 1000
    assert "body" not in event
    assert event["isBase64Encoded"] is False


@needs_corpus
async def test_the_events_have_the_structure_of_real_samples(
    api: Served, function_url: Served
) -> None:
    cookie = {"Cookie": "session=abc"}
    async with client(api) as http:
        v2 = (await http.get("/items/7?q=1", headers=cookie)).json()
        v1 = json.loads((await http.post("/v1/items/7?q=1", json={"n": 1}, headers=cookie)).text)
        authorized = (
            await http.get("/private/7?q=1", headers={"Authorization": "Bearer good", **cookie})
        ).json()
    async with client(function_url) as http:
        url = (await http.post("/a/b?q=1", json={"n": 1}, headers=cookie)).json()
    # A GET has no body; the sample's authorizer is a JWT one, ours a Lambda authorizer's.
    assert_like_sample(
        v2, "apigw-http-v2", allowed=frozenset({"$.body", "$.requestContext.authorizer"})
    )
    lambda_context = {"$.requestContext.authorizer.lambda", "$.requestContext.authorizer.lambda{}"}
    assert_like_sample(authorized, "apigw-http-v2", allowed=frozenset({"$.body", *lambda_context}))
    v1_allowed = {
        "$.pathParameters{}",
        "$.requestContext.authorizer",
        "$.requestContext.authorizer{}",
    }
    assert_like_sample(v1, "apigw-rest", allowed=frozenset(v1_allowed))
    assert_like_sample(
        url,
        "function-url",
        allowed=frozenset(
            {"$.body", "$.cookies", "$.queryStringParameters", "$.queryStringParameters{}"}
        ),
    )


async def test_a_payload_1_0_event_has_multi_value_fields_and_its_response_them_too(
    api: Served,
) -> None:
    async with client(api) as http:
        response = await http.post(
            "/v1/items/7?tag=x&tag=y",
            json={"n": 1},
            headers=[("X-Tenant", "blue"), ("X-Tenant", "green")],
        )
    assert response.status_code == 201
    assert response.headers.get_list("x-seen") == ["a", "b"]
    event = json.loads(response.text)
    assert (event["version"], event["resource"], event["path"]) == (
        "1.0",
        "/v1/items/{id}",
        "/v1/items/7",
    )
    assert event["httpMethod"] == "POST"
    assert event["queryStringParameters"] == {"tag": "y"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["x", "y"]}
    assert event["multiValueHeaders"]["x-tenant"] == ["blue", "green"]
    assert json.loads(event["body"]) == {"n": 1}
    assert event["isBase64Encoded"] is False
    assert event["requestContext"]["stage"] == "$default"
    assert event["requestContext"]["path"] == "/v1/items/7"


async def test_binary_bodies_travel_base64_both_ways_and_cookies_come_back(api: Served) -> None:
    data = bytes(range(256)) * 4
    async with client(api) as http:
        response = await http.put("/echo/blob", content=data, headers={"content-type": "image/png"})
    assert response.status_code == 200
    assert response.content == data[::-1]
    assert response.headers.get_list("set-cookie") == ["session=abc; HttpOnly", "theme=dark"]
    assert response.cookies["theme"] == "dark"


async def test_a_chunked_body_arrives_whole(api: Served) -> None:
    # No Content-Length: the body is framed by Transfer-Encoding, and the front door reads it.
    data = bytes(range(256)) * 64

    async def parts() -> AsyncIterator[bytes]:
        for start in range(0, len(data), 1000):
            yield data[start : start + 1000]

    async with client(api) as http:
        response = await http.put("/echo/blob", content=parts())
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert response.content == data[::-1]


async def test_errors_map_to_api_gateways_answers_without_leaking(api: Served) -> None:
    async with client(api) as http:
        failed = await http.get("/fail")
        too_large = await http.post("/upload", content=b"x" * (10 * 1024 * 1024 + 1))
        fits = await http.post(
            "/upload", content=b"x" * 1000, headers={"content-type": "text/plain"}
        )
    assert (failed.status_code, failed.json()) == (500, {"message": "Internal Server Error"})
    everything = failed.text + str(failed.headers)
    assert SECRET not in everything
    assert "KeyError" not in everything
    assert (too_large.status_code, too_large.json()) == (
        413,
        {"message": "Request Entity Too Large"},
    )
    assert fits.json() == {"size": 1000}


async def test_an_authorizer_guards_its_routes(api: Served) -> None:
    async with client(api) as http:
        anonymous = await http.get("/private/7")
        denied = await http.get("/private/7", headers={"Authorization": "Bearer bad"})
        allowed = await http.get("/private/7", headers={"Authorization": "Bearer good"})
    assert (anonymous.status_code, anonymous.json()) == (401, {"message": "Unauthorized"})
    assert (denied.status_code, denied.json()) == (403, {"message": "Forbidden"})
    assert allowed.json()["requestContext"]["authorizer"] == {"lambda": {"user": "u-42"}}


async def test_cors_preflight_and_response_headers(api: Served) -> None:
    async with client(api) as http:
        preflight = await http.options(
            "/items/7", headers={"Origin": SHOP, "Access-Control-Request-Method": "GET"}
        )
        response = await http.get("/items/7", headers={"Origin": SHOP})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    assert preflight.headers["access-control-allow-headers"] == "authorization"
    assert response.headers["access-control-allow-origin"] == SHOP


async def test_under_load_a_reserved_concurrency_of_1_throttles_the_rest_and_loses_none(
    api: Served,
) -> None:
    THROTTLE_GATE.clear()
    before = api.app.metrics("throttled")
    statuses: list[int] = []
    all_throttled = anyio.Event()

    async def call(http: httpx.AsyncClient) -> None:
        response = await http.get("/throttled")
        statuses.append(response.status_code)
        if statuses.count(429) == 7:
            all_throttled.set()

    try:
        with anyio.fail_after(15):
            async with client(api) as http, anyio.create_task_group() as tasks:
                for _ in range(8):
                    tasks.start_soon(call, http)
                await all_throttled.wait()  # seven answered 429 while the first one runs
                THROTTLE_GATE.set()
    finally:
        THROTTLE_GATE.set()
    assert sorted(statuses) == [200] + [429] * 7
    after = api.app.metrics("throttled")
    assert after["Invocations"] - before["Invocations"] == 1
    assert after["Throttles"] - before["Throttles"] == 7


async def test_requests_run_concurrently(api: Served) -> None:
    async with client(api) as http, anyio.create_task_group() as tasks:
        responses: list[httpx.Response] = []

        async def call() -> None:
            responses.append(await http.get("/together"))

        for _ in range(5):
            tasks.start_soon(call)
    assert [response.text for response in responses] == ['"met"'] * 5


async def test_a_function_url_sends_every_path_to_its_function(function_url: Served) -> None:
    async with client(function_url) as http:
        response = await http.delete("/any/path/at/all?x=1")
    event = response.json()
    assert (event["rawPath"], event["routeKey"]) == ("/any/path/at/all", "$default")
    assert event["requestContext"]["domainName"].endswith(".lambda-url.us-east-1.on.aws")
    assert response.headers["x-amzn-requestid"] == event["requestContext"]["requestId"]
