"""`app.asgi` mounted inside a Starlette app and a FastAPI app (`Mount("/fn", app=...)`), called
with their TestClient on asyncio and trio: the routes are the paths under the mount point, the
host's lifespan (`lifespan=app.lifespan`) starts and stops the app, and the host's own routes
keep working beside it."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from faaslib import App

with warnings.catch_warnings():
    # Newer Starlette asks for its `httpx2` fork and warns, an error here, when given httpx.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

BACKENDS = ["asyncio", "trio"]


def functions() -> App:
    app = App("shop")

    @app.route("GET", "/items/{id}")
    def item(event: Any, context: Any) -> Any:
        return {
            "rawPath": event["rawPath"],
            "routeKey": event["routeKey"],
            "pathParameters": event["pathParameters"],
            "query": event.get("queryStringParameters"),
        }

    @app.route("GET", "/fail")
    def fail(event: Any, context: Any) -> Any:
        raise ValueError("internal detail")

    @app.function
    def price(event: Any, context: Any) -> Any:
        return {"price": event["quantity"] * 3}

    return app


@pytest.mark.parametrize("backend", BACKENDS)
def test_mounted_in_starlette_it_serves_the_paths_under_the_mount(backend: str) -> None:
    faas = functions()

    async def home(request: Request) -> PlainTextResponse:
        return PlainTextResponse("host")

    host = Starlette(routes=[Route("/", home), Mount("/fn", app=faas.asgi)], lifespan=faas.lifespan)
    with TestClient(host, backend=backend) as client:
        assert faas._task_group is not None  # the host's lifespan started the app
        item = client.get("/fn/items/7?x=1&x=2")
        missing = client.get("/fn/nothing")
        failed = client.get("/fn/fail")
        own = client.get("/")
    assert faas._task_group is None  # and stopped it
    assert item.json() == {
        "rawPath": "/items/7",
        "routeKey": "GET /items/{id}",
        "pathParameters": {"id": "7"},
        "query": {"x": "1,2"},
    }
    assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
    assert (failed.status_code, failed.json()) == (500, {"message": "Internal Server Error"})
    assert "internal detail" not in failed.text
    assert own.text == "host"


@pytest.mark.parametrize("backend", BACKENDS)
def test_mounted_in_fastapi_beside_endpoints_that_call_functions(backend: str) -> None:
    faas = functions()
    host = FastAPI(lifespan=faas.lifespan)

    @host.get("/quote/{quantity}")
    async def quote(quantity: int) -> Any:
        return await faas.call("price", {"quantity": quantity})

    host.mount("/fn", faas.asgi)
    with TestClient(host, backend=backend) as client:
        item = client.get("/fn/items/a%2Fb")
        quoted = client.get("/quote/4")
    assert item.json()["pathParameters"] == {"id": "a/b"}  # split, then decoded
    assert quoted.json() == {"price": 12}
    assert faas.metrics("price")["Invocations"] == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_served_alone_its_own_lifespan_runs_the_app(backend: str) -> None:
    faas = functions()
    with TestClient(faas.asgi, backend=backend) as client:
        assert faas._task_group is not None
        assert client.get("/items/1").json()["routeKey"] == "GET /items/{id}"
    assert faas._task_group is None
