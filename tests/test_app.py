"""The app's lifetime: `async with app` starts background work and applies the environment."""

from __future__ import annotations

import os
from typing import Any

import pytest

from faaslib import App, Context

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
