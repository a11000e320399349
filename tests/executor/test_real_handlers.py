"""Handlers as real users write them, run unchanged: a FastAPI app behind Mangum, and a handler
logging with AWS Lambda Powertools (item 10 of the hardening issue)."""

from __future__ import annotations

import asyncio
import io
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from faaslib import App
from faaslib.events import build

pytestmark = pytest.mark.anyio


@pytest.fixture
def main_thread_loop(anyio_backend: str) -> Iterator[None]:
    """Under trio the test's thread has no asyncio loop, and Mangum (made at import, in the
    runtime's main thread on Lambda) would make one and never close it: give it one that is
    closed afterwards."""
    if anyio_backend != "trio":
        yield
        return
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(None)
        loop.close()


@pytest.mark.usefixtures("main_thread_loop")
async def test_a_fastapi_app_behind_mangum_answers_through_a_sync_worker_thread() -> None:
    fastapi = pytest.importorskip("fastapi")
    mangum = pytest.importorskip("mangum", reason="Mangum is in the test extras")

    api = fastapi.FastAPI()

    @api.get("/items/{item}")
    def item(item: str) -> dict[str, str]:
        return {"item": item}

    app = App()
    # Mangum runs the ASGI app on asyncio.get_event_loop() of the thread that calls it: the
    # worker thread's own loop, whichever async library runs the host
    app.function(name="web")(mangum.Mangum(api, lifespan="off"))

    for number in ("42", "43"):  # the worker thread's loop, made once, serves again
        result = await app.invoke("web", build.apigw_http_v2("GET", f"/items/{number}"))
        assert result.function_error is None, result.payload
        assert result.payload["statusCode"] == 200
        assert json.loads(result.payload["body"]) == {"item": number}


async def test_powertools_logger_sees_the_function_and_its_trace_id(anyio_backend: str) -> None:
    powertools = pytest.importorskip("aws_lambda_powertools")
    stream = io.StringIO()
    logger = powertools.Logger(service=f"shop-{anyio_backend}", stream=stream)
    app = App()

    @app.function
    @logger.inject_lambda_context
    def checkout(event: Any, context: Any) -> str | None:
        logger.info("checking out")
        return os.environ.get("_X_AMZN_TRACE_ID")

    result = await app.invoke("checkout", {})

    trace_header = result.payload
    assert trace_header.startswith("Root=1-")
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["message"] == "checking out"
    assert line["function_name"] == "checkout"
    assert line["function_request_id"] == result.request_id
    # (its cold_start flag is a module global, shared by every function of the process: an
    # in-process limit the README names, which process instances lift)
    # Powertools reads the trace id from _X_AMZN_TRACE_ID: the invocation's own
    assert line["xray_trace_id"] == trace_header.split(";")[0].removeprefix("Root=")
