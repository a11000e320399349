"""CORS as an HTTP API configures it: preflight requests answered by the API without invoking
anything, the configured headers on responses to requests with an Origin (the function's own
CORS headers replaced), origin wildcards, and configuration errors."""

from __future__ import annotations

from typing import Any

import pytest

from faaslib import App, ConfigurationError
from tests.http.transport import exchange, in_process

pytestmark = pytest.mark.anyio

SHOP = "https://shop.example.com"


def shop_app(**cors: Any) -> App:
    app = App("shop")
    app.cors(**cors)

    @app.route("GET", "/items")
    def items(event: Any, context: Any) -> Any:
        return {
            "statusCode": 200,
            "headers": {"Access-Control-Allow-Origin": "*", "X-Total": "3"},
            "body": "[]",
        }

    return app


async def test_a_preflight_is_answered_by_the_api_without_invoking() -> None:
    app = shop_app(
        allow_origins=[SHOP],
        allow_methods=["GET", "POST"],
        allow_headers=["authorization", "content-type"],
        max_age=300,
    )
    async with in_process(app) as client:
        response = await client.options(
            "/anything/at/all",
            headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"},
        )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SHOP
    assert response.headers["access-control-allow-methods"] == "GET,POST"
    assert response.headers["access-control-allow-headers"] == "authorization,content-type"
    assert response.headers["access-control-max-age"] == "300"
    assert "access-control-allow-credentials" not in response.headers
    assert app.metrics("items")["Invocations"] == 0


async def test_responses_carry_the_configured_headers_instead_of_the_functions() -> None:
    app = shop_app(allow_origins=[SHOP], expose_headers=["x-total"], allow_credentials=True)
    async with in_process(app) as client:
        from_shop = await client.get("/items", headers={"Origin": SHOP})
        from_elsewhere = await client.get("/items", headers={"Origin": "https://evil.example"})
        without_origin = await client.get("/items")
        not_found = await client.get("/nothing", headers={"Origin": SHOP})
    assert from_shop.headers["access-control-allow-origin"] == SHOP
    assert from_shop.headers["access-control-allow-credentials"] == "true"
    assert from_shop.headers["access-control-expose-headers"] == "x-total"
    for response in (from_elsewhere, without_origin):
        assert not [name for name in response.headers if name.startswith("access-control-")]
        assert response.headers["x-total"] == "3"
    assert not_found.status_code == 404
    assert not_found.headers["access-control-allow-origin"] == SHOP


async def test_a_rest_apis_cors_answers_preflights_and_passes_responses_through() -> None:
    """SAM's `Cors` on a REST API: an OPTIONS mock integration (200) for preflight requests;
    every other response is the function's, its own CORS headers kept, none added."""
    app = shop_app(allow_origins=[SHOP], allow_methods=["GET"], preflight_only=True)
    async with in_process(app) as client:
        preflight = await client.options(
            "/items", headers={"Origin": SHOP, "Access-Control-Request-Method": "GET"}
        )
        from_shop = await client.get("/items", headers={"Origin": SHOP})
        not_found = await client.get("/nothing", headers={"Origin": SHOP})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == SHOP
    assert preflight.headers["access-control-allow-methods"] == "GET"
    assert from_shop.headers["access-control-allow-origin"] == "*"  # the function's own
    assert from_shop.headers["x-total"] == "3"
    assert "access-control-allow-origin" not in not_found.headers
    assert app.metrics("items")["Invocations"] == 1


@pytest.mark.parametrize(
    ("allowed", "origin", "answer"),
    [
        (["*"], "https://any.example", "*"),
        (["https://*"], "https://any.example", "https://any.example"),
        (["https://*"], "http://any.example", None),
        (["http://*"], "http://localhost:3000", "http://localhost:3000"),
        ([SHOP], "https://SHOP.example.com", "https://SHOP.example.com"),
        ([SHOP], "https://shop.example.com.evil", None),
    ],
)
async def test_origins_match_exactly_or_by_the_scheme_wildcard(
    allowed: list[str], origin: str, answer: str | None
) -> None:
    app = shop_app(allow_origins=allowed, allow_methods=["*"])
    async with in_process(app) as client:
        preflight = await client.options(
            "/items", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
        )
    assert preflight.status_code == 204
    assert preflight.headers.get("access-control-allow-origin") == answer


@pytest.mark.parametrize("origin", ["https://a\x01b", "https://a\x7f", "https://a\tb\x1b"])
async def test_a_wildcard_never_echoes_an_origin_with_control_characters(origin: str) -> None:
    app = shop_app(allow_origins=["https://*"], allow_methods=["*"])
    headers = [(b"origin", origin.encode()), (b"access-control-request-method", b"GET")]
    preflight = await exchange(app, "OPTIONS", "/items", headers)
    response = await exchange(app, "GET", "/items", headers[:1])
    for answer in (preflight, response):
        assert answer.header(b"access-control-allow-origin") == []
    assert (preflight.status, response.status) == (204, 200)
    assert preflight.header(b"content-length") == []


async def test_without_cors_an_options_request_goes_to_the_routes() -> None:
    app = App("shop")

    @app.route("ANY", "/items")
    def items(event: Any, context: Any) -> Any:
        return {"method": event["requestContext"]["http"]["method"]}

    async with in_process(app) as client:
        response = await client.options(
            "/items", headers={"Origin": SHOP, "Access-Control-Request-Method": "GET"}
        )
    assert response.json() == {"method": "OPTIONS"}


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"allow_origins": ["shop.example.com"]}, "not '\\*', 'https://\\*'"),
        ({"allow_origins": ["*"], "allow_credentials": True}, "needs explicit origins"),
        ({"allow_methods": ["FETCH"]}, "allow_methods has 'FETCH'"),
        ({"allow_headers": ["bad header"]}, "not a header name"),
        ({"max_age": 86401}, "max_age=86401 must be"),
        ({"max_age": True}, "max_age=True"),
        ({"allow_origins": [""]}, "not a non-empty string"),
        ({"allow_headers": ["x-a\n"]}, "not a header name"),
        ({"expose_headers": ["x-a\r\nx-b"]}, "not a header name"),
        ({"allow_origins": ["https://shop.example.com\n"]}, "not '\\*', 'https://\\*'"),
        ({"allow_origins": ["https://shop\x01.example.com"]}, "not '\\*', 'https://\\*'"),
    ],
)
def test_a_bad_cors_configuration_is_refused(options: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        App("shop").cors(**options)


def test_cors_is_configured_once() -> None:
    app = App("shop")
    app.cors(allow_origins="https://shop.example.com")
    with pytest.raises(ConfigurationError, match="configured already"):
        app.cors(allow_origins=["*"])
