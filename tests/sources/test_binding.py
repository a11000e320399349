"""A trigger binds to a registered function by its name, as a template binds its events: the
decorators' register callables take the name in place of a handler."""

from __future__ import annotations

import json
from typing import Any

import pytest

from faaslib import App, ConfigurationError, Context

pytestmark = pytest.mark.anyio


async def test_every_trigger_binds_to_a_function_registered_already(app: App) -> None:
    got: list[Any] = []

    @app.function(name="worker", timeout=5)
    def worker(event: dict[str, Any], context: Context) -> None:
        got.append(event)

    assert app.on_queue("jobs", batch_size=5)("worker") == "worker"
    app.on_topic("news")("worker")
    app.on_object("uploads", suffix=".csv")("worker")
    app.on_event({"source": ["shop"]})("worker")
    app.on_schedule("rate(1 hour)")("worker")
    app.on_stream("clicks")("worker")
    app.on_table("users")("worker")
    app.route("GET", "/work")("worker")
    assert len(app.triggers("worker")) == 8
    assert app.function_configuration("worker").timeout == 5  # the function's own, unchanged
    async with app:
        await app.queue("jobs").send({"n": 1})
        await app.topic("news").publish("hello")
        await app.wait_idle()
    bodies = [
        record.get("body") or record["Sns"]["Message"] for e in got for record in e["Records"]
    ]
    assert sorted(bodies) == sorted([json.dumps({"n": 1}, separators=(",", ":")), "hello"])


def test_a_trigger_bound_by_name_takes_no_function_configuration(app: App) -> None:
    app.function(name="worker")(lambda event, context: None)
    with pytest.raises(ConfigurationError, match=r"'worker' is registered already.*\(memory\)"):
        app.on_queue("jobs", memory=512)("worker")
    assert app.triggers("worker") == []


def test_a_name_no_function_has_is_refused_naming_the_functions(app: App) -> None:
    app.function(name="worker")(lambda event, context: None)
    with pytest.raises(ConfigurationError, match=r"no function 'wroker'.*registered: worker"):
        app.on_topic("news")("wroker")
