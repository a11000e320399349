"""What Lambda's runtime gives a handler besides its event: its reserved environment variables
(per function and per invocation, never another function's) and, for a sync handler, an event
loop of its own thread (item 10 of the hardening issue)."""

from __future__ import annotations

import asyncio
import os
import re
from typing import Any

import anyio
import pytest

from faaslib import App

pytestmark = pytest.mark.anyio

NAMES = [
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_EXECUTION_ENV",
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
]


def read_variables(event: Any, context: Any) -> dict[str, Any]:
    return {name: os.getenv(name) for name in NAMES} | {"request_id": context.aws_request_id}


async def test_each_function_sees_its_own_reserved_variables_and_the_host_none() -> None:
    app = App(region="eu-west-1")
    app.function(name="small", memory=256)(read_variables)
    app.function(name="large", memory=2048)(read_variables)

    small, large = await app.call("small"), await app.call("large")

    assert small["AWS_LAMBDA_FUNCTION_NAME"] == "small"
    assert large["AWS_LAMBDA_FUNCTION_NAME"] == "large"
    assert (small["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], large["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]) == (
        "256",
        "2048",
    )
    assert small["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert small["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/small"
    assert small["AWS_REGION"] == small["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert re.fullmatch(r"AWS_Lambda_python3\.\d+", small["AWS_EXECUTION_ENV"])
    assert small["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert small["_HANDLER"].endswith(".read_variables")
    stream = r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}"
    assert re.fullmatch(stream, small["AWS_LAMBDA_LOG_STREAM_NAME"])
    # outside any invocation, the host's environment is as it was
    assert os.getenv("AWS_LAMBDA_FUNCTION_NAME") is None
    assert "_X_AMZN_TRACE_ID" not in os.environ


async def test_the_trace_id_is_per_invocation_in_x_rays_form() -> None:
    app = App()
    app.function(name="traced")(read_variables)

    first, second = await app.call("traced"), await app.call("traced")

    pattern = r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0"
    assert re.fullmatch(pattern, first["_X_AMZN_TRACE_ID"])
    assert first["_X_AMZN_TRACE_ID"] != second["_X_AMZN_TRACE_ID"]


async def test_async_handlers_and_their_tasks_see_their_variables() -> None:
    app = App()

    @app.function
    async def fans_out(event: Any, context: Any) -> list[str | None]:
        seen: list[str | None] = []

        async def child() -> None:
            seen.append(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(child)
        return [os.environ.get("AWS_LAMBDA_FUNCTION_NAME"), *seen]

    assert await app.call("fans_out") == ["fans_out", "fans_out"]
    assert os.environ.get("AWS_LAMBDA_FUNCTION_NAME") is None


async def test_a_provisioned_instance_says_so_and_a_class_init_sees_its_function() -> None:
    app = App()

    @app.function(provisioned_concurrency=1)
    class Warm:
        def __init__(self) -> None:
            self.at_init = os.environ["AWS_LAMBDA_FUNCTION_NAME"]

        def __call__(self, event: Any, context: Any) -> list[str | None]:
            return [self.at_init, os.getenv("AWS_LAMBDA_INITIALIZATION_TYPE")]

    async with app:
        assert await app.call("Warm") == ["Warm", "provisioned-concurrency"]


async def test_a_sync_handler_may_use_the_event_loop_of_its_thread_as_mangum_does() -> None:
    app = App()

    @app.function
    def adapter(event: Any, context: Any) -> str:
        loop = asyncio.get_event_loop()  # what Mangum does on Lambda's main thread
        return loop.run_until_complete(asyncio.sleep(0, result="served"))

    assert await app.call("adapter") == "served"
    assert await app.call("adapter") == "served"  # the same thread's loop, again


async def test_threads_a_handler_starts_see_its_function_as_on_lambda() -> None:
    # On Lambda os.environ is the process's, so a handler's own threads (a pool, AWS's durable
    # execution SDK running the workflow) see the function's variables too.
    import threading
    from concurrent.futures import ThreadPoolExecutor

    app = App()

    @app.function
    def starts_threads(event: Any, context: Any) -> list[str | None]:
        seen: list[str | None] = []
        thread = threading.Thread(target=lambda: seen.append(os.getenv("AWS_LAMBDA_FUNCTION_NAME")))
        thread.start()
        thread.join()
        with ThreadPoolExecutor(2) as pool:
            seen.append(pool.submit(os.getenv, "AWS_LAMBDA_FUNCTION_NAME").result())
        return seen

    assert await app.call("starts_threads") == ["starts_threads", "starts_threads"]
    outside: list[str | None] = []
    thread = threading.Thread(target=lambda: outside.append(os.getenv("AWS_LAMBDA_FUNCTION_NAME")))
    thread.start()
    thread.join()
    assert outside == [None]  # a thread started outside an invocation: the host's environment
