"""The app's lifetime: `async with app` starts background work and applies the environment."""

from __future__ import annotations

import os
from typing import Any

import anyio
import pytest

from faaslib import App, Context, ResourceNotFound

pytestmark = pytest.mark.anyio


async def test_environment_is_set_while_the_app_runs_and_restored_after(app: App) -> None:
    os.environ.pop("FAASLIB_TEST_TABLE", None)
    os.environ["FAASLIB_TEST_STAGE"] = "host"

    @app.function(environment={"FAASLIB_TEST_TABLE": "orders", "FAASLIB_TEST_STAGE": "prod"})
    def read(event: Any, context: Context) -> list[str | None]:
        return [os.environ.get("FAASLIB_TEST_TABLE"), os.environ.get("FAASLIB_TEST_STAGE")]

    async with app:
        assert await app.call("read") == ["orders", "prod"]

        @app.function(name="late", environment={"FAASLIB_TEST_LATE": "yes"})
        def late(event: Any, context: Context) -> str | None:
            return os.environ.get("FAASLIB_TEST_LATE")

        assert await app.call("late") == "yes"
    assert "FAASLIB_TEST_TABLE" not in os.environ
    assert "FAASLIB_TEST_LATE" not in os.environ
    assert os.environ.pop("FAASLIB_TEST_STAGE") == "host"


async def test_an_app_runs_once_at_a_time(app: App) -> None:
    async with app:
        with pytest.raises(RuntimeError, match="App 'test' is already running"):
            await app.__aenter__()
    async with app:  # and can run again after it stopped
        pass


async def test_invoking_works_without_starting_the_app(app: App) -> None:
    @app.function
    def hello(event: Any, context: Context) -> str:
        return "hi"

    assert await app.call("hello") == "hi"


def test_repr_names_the_functions() -> None:
    app = App("shop")
    app.function(name="a")(lambda event, context: None)
    assert repr(app) == "App(name='shop', functions=['a'])"


def test_an_app_runs_again_under_a_new_event_loop() -> None:
    # A module-level app serves one test after another, each with its own event loop: nothing
    # it keeps between runs (the Event queue's wake-ups, a queue's waiters) may belong to the
    # loop that ended, even when a waiter of that loop was cancelled mid-wait.
    app = App("again")
    queue = app.queue("work")
    handled: list[str] = []

    @app.function
    def echo(event: Any, context: Context) -> Any:
        return event

    @app.on_queue("work")
    def work(event: Any, context: Context) -> None:
        handled.extend(record["body"] for record in event["Records"])

    async def main(body: str) -> None:
        async with app:
            await app.invoke("echo", {"n": 1}, invocation_type="Event")
            await queue.send(body)
            await app.wait_idle()
            assert await app.call("echo", {"n": 2}) == {"n": 2}

    anyio.run(main, "first")
    anyio.run(main, "second")
    anyio.run(main, "third", backend="trio")
    anyio.run(main, "fourth")
    assert handled == ["first", "second", "third", "fourth"]
    assert app.metrics("echo")["Invocations"] == 8


def test_function_configuration_gives_the_validated_configuration() -> None:
    app = App("conf")

    @app.function(memory=512, timeout=10, reserved_concurrency=3)
    def work(event: Any, context: Context) -> None:
        pass

    config = app.function_configuration("work")
    assert (config.name, config.memory, config.timeout, config.reserved_concurrency) == (
        "work",
        512,
        10,
        3,
    )
    with pytest.raises(ResourceNotFound, match="nothing"):
        app.function_configuration("nothing")
