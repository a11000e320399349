"""Durable executions kept in a SQLite store: an app started again resumes them."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration

from faaslib import App
from faaslib.stores import open_store
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


@durable_execution
def order(event: Any, context: DurableContext) -> Any:
    reserved = context.step(lambda _: f"reserved {event['item']}", name="reserve")
    context.wait(Duration.from_days(2), name="cool-off")
    callback = context.create_callback(
        name="payment", config=CallbackConfig(timeout=Duration.from_days(1))
    )
    return {"reserved": reserved, "paid": json.loads(callback.result())}


def new_app(path: Path, clock: FakeClock) -> App:
    app = App("shop", clock=clock, store=f"sqlite:///{path}", idle_timeout=86_400)
    app.function(name="order", durable={"execution_timeout": 7 * 86_400}, timeout=30)(order)
    return app


async def test_an_execution_resumes_mid_wait_and_mid_callback_after_restarts(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    path = tmp_path / "shop.db"

    first = new_app(path, clock)
    async with first:
        arn = await first.durable.start("order", {"item": "lamp"}, name="order-1")
        due = await first.durable.settled(arn)
    assert due == 2 * 86_400  # stopped in the middle of the two days' wait
    billed = first.costs.by_function()["order"].durable_cost
    assert billed > 0

    second = new_app(path, clock)  # a new process, as far as the service can tell
    async with second:
        assert second.costs.by_function()["order"].durable_cost == billed  # kept in the store
        assert (await second.durable.get(arn))["Status"] == "RUNNING"
        await clock.advance(2 * 86_400)  # the timer is re-armed from the stored end time
        await second.durable.settled(arn)
        history = await second.durable.history(arn)
    assert [e["EventType"] for e in history][-2:] == ["CallbackStarted", "InvocationCompleted"]
    callback_id = history[-2]["CallbackStartedDetails"]["CallbackId"]

    third = new_app(path, clock)
    async with third:
        await third.durable.callback_success(callback_id, b'{"amount": 12}')
        done = await third.durable.wait(arn)
        (listed,) = await third.durable.list("order", status="SUCCEEDED")
        again = await third.durable.start("order", {"item": "lamp"}, name="order-1")

    assert json.loads(done["Result"]) == {"reserved": "reserved lamp", "paid": {"amount": 12}}
    assert listed["DurableExecutionArn"] == arn == again
    invocations = [e for e in kept_history(path, arn) if e["EventType"] == "InvocationCompleted"]
    assert len(invocations) == 3


async def test_a_checkpoint_is_in_the_store_before_it_is_answered(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "shop.db"
    app = new_app(path, clock)
    async with app:
        arn = await app.durable.start("order", {"item": "desk"})
        await app.durable.settled(arn)
        kept = open_store(f"sqlite:///{path}").values.get("durable", arn)
    assert kept is not None
    kept_steps = [op for op in kept["operations"].values() if op["Type"] == "STEP"]
    assert [(op["Name"], op["Status"]) for op in kept_steps] == [("reserve", "SUCCEEDED")]
    assert kept["status"] == "RUNNING"


async def test_executions_ended_before_a_restart_stay_readable(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "shop.db"
    app = new_app(path, clock)
    async with app:
        arn = await app.durable.start("order", {"item": "chair"})
        await app.durable.settled(arn)
        await app.durable.stop(arn)
    again = new_app(path, clock)
    async with again:
        stopped = await again.durable.get(arn)
        events = await again.durable.history(arn)
        listed = await again.durable.list("order")
    assert stopped["Status"] == "STOPPED"
    assert events[-1]["EventType"] == "ExecutionStopped"
    assert [item["Status"] for item in listed] == ["STOPPED"]


def kept_history(path: Path, arn: str) -> list[dict[str, Any]]:
    """The history as kept in the store (a reader with no app at all)."""
    document = open_store(f"sqlite:///{path}").values.get("durable", arn)
    assert document is not None
    events: list[dict[str, Any]] = document["events"]
    return events


async def test_an_invocation_cut_short_by_a_stop_runs_again_after_the_restart(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    path = tmp_path / "shop.db"
    entered, release = threading.Event(), threading.Event()
    calls: list[int] = []

    @durable_execution
    def slow(event: Any, context: DurableContext) -> Any:
        calls.append(1)
        if len(calls) == 1:  # the first invocation is still running when the app stops
            entered.set()
            release.wait(10)
        return context.step(lambda _: "done", name="finish")

    def make() -> App:
        app = App("shop", clock=clock, store=f"sqlite:///{path}")
        app.function(name="slow", durable={"execution_timeout": 600}, timeout=30)(slow)
        return app

    first = make()
    async with first:
        arn = await first.durable.start("slow")
        await anyio.to_thread.run_sync(entered.wait, 10)
    release.set()
    second = make()
    async with second:
        done = await second.durable.wait(arn)
    assert done["Status"] == "SUCCEEDED"
    assert done["Result"] == '"done"'
    assert len(calls) >= 2
