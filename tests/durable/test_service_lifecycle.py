"""Starting, invoking, stopping and timing out durable executions on a real App."""

from __future__ import annotations

import itertools
import json
import threading
from typing import Any

import anyio
import anyio.to_thread
import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

from faaslib import App, ConfigurationError, InvalidParameterValue, ResourceNotFound
from faaslib.durable import DurableConfig
from faaslib.errors import DurableExecutionAlreadyStarted
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


def register(app: App, execution_timeout: int = 900) -> None:
    @app.function(durable=DurableConfig(execution_timeout=execution_timeout), timeout=30)
    @durable_execution
    def greet(event: Any, context: DurableContext) -> Any:
        name = context.step(lambda _: event["name"].title(), name="title")
        context.wait(Duration.from_minutes(1), name="pause")
        return f"Hello, {name}!"


async def run_to_end(app: App, clock: FakeClock, arn: str) -> dict[str, Any]:
    while (due := await app.durable.settled(arn)) is not None:
        await clock.advance(due)
    return await app.durable.wait(arn)


async def test_a_sync_invoke_answers_with_the_executions_result(app: App, clock: FakeClock) -> None:
    register(app)
    async with app, anyio.create_task_group() as tasks:
        results: list[Any] = []

        async def invoke() -> None:
            results.append(await app.invoke("greet", {"name": "ada"}))

        tasks.start_soon(invoke)
        await anyio.wait_all_tasks_blocked()  # the invoke has started the execution
        (listed,) = await app.durable.list("greet")
        await run_to_end(app, clock, listed["DurableExecutionArn"])
    (result,) = results
    assert result.status_code == 200
    assert result.function_error is None
    assert result.payload == "Hello, Ada!"
    assert result.durable_execution_arn == listed["DurableExecutionArn"]


async def test_an_event_invoke_answers_202_and_the_execution_runs_on(
    app: App, clock: FakeClock
) -> None:
    register(app, execution_timeout=86_400)
    async with app:
        result = await app.invoke("greet", {"name": "bob"}, invocation_type="Event")
        assert result.status_code == 202
        arn = result.durable_execution_arn
        assert arn is not None
        assert (await app.durable.get(arn))["Status"] == "RUNNING"
        done = await run_to_end(app, clock, arn)
    assert json.loads(done["Result"]) == "Hello, Bob!"


async def test_a_long_execution_timeout_cannot_be_invoked_synchronously(app: App) -> None:
    register(app, execution_timeout=901)
    async with app:
        with pytest.raises(InvalidParameterValue, match="synchronously"):
            await app.invoke("greet", {"name": "x"})


async def test_a_start_by_name_is_idempotent_for_the_same_input(app: App, clock: FakeClock) -> None:
    register(app)
    async with app:
        first = await app.durable.start("greet", {"name": "cy"}, name="greet-cy")
        again = await app.durable.start("greet", {"name": "cy"}, name="greet-cy")
        with pytest.raises(DurableExecutionAlreadyStarted, match="greet-cy"):
            await app.durable.start("greet", {"name": "other"}, name="greet-cy")
        by_invoke = await app.invoke(
            "greet", {"name": "cy"}, invocation_type="Event", durable_execution_name="greet-cy"
        )
        await run_to_end(app, clock, first)
        listed = await app.durable.list("greet")
    assert first == again == by_invoke.durable_execution_arn
    assert "/durable-execution/greet-cy/" in first
    assert [item["DurableExecutionName"] for item in listed] == ["greet-cy"]


async def test_stop_ends_a_waiting_execution_and_refuses_its_token(
    app: App, clock: FakeClock
) -> None:
    register(app)
    async with app:
        arn = await app.durable.start("greet", {"name": "di"})
        await app.durable.settled(arn)
        token = app.durable._executions[arn].token()
        stopped = await app.durable.stop(arn, error={"ErrorMessage": "no longer needed"})
        done = await app.durable.wait(arn)
        await clock.advance(120)  # the wait's end no longer invokes anything
        history = await app.durable.history(arn)
        with pytest.raises(InvalidParameterValue, match="Invalid checkpoint token"):
            await app.durable.checkpoint(arn, token, [])
    assert done["Status"] == "STOPPED"
    assert done["EndTimestamp"] == stopped["StopTimestamp"]
    assert history[-1]["EventType"] == "ExecutionStopped"
    assert history[-1]["ExecutionStoppedDetails"]["Error"]["Payload"] == {
        "ErrorMessage": "no longer needed"
    }
    assert "WaitSucceeded" not in [event["EventType"] for event in history]


async def test_an_execution_that_outlives_its_timeout_times_out(app: App, clock: FakeClock) -> None:
    register(app, execution_timeout=30)  # the minute's wait outlasts it
    async with app:
        arn = await app.durable.start("greet", {"name": "ed"})
        done = await run_to_end(app, clock, arn)
        history = await app.durable.history(arn)
    assert done["Status"] == "TIMED_OUT"
    assert (done["EndTimestamp"] - done["StartTimestamp"]).total_seconds() == 30
    assert history[-1]["EventType"] == "ExecutionTimedOut"
    assert (
        "30 seconds" in history[-1]["ExecutionTimedOutDetails"]["Error"]["Payload"]["ErrorMessage"]
    )


async def test_a_failing_handler_is_retried_then_fails_the_execution(
    app: App, clock: FakeClock
) -> None:
    calls: list[int] = []

    @app.function(durable={"execution_timeout": 900}, timeout=30)
    def broken(event: Any, context: Any) -> Any:
        calls.append(1)
        raise RuntimeError("not even durable")

    async with app:
        arn = await app.durable.start("broken")
        done = await run_to_end(app, clock, arn)
        history = await app.durable.history(arn)
    assert len(calls) == 5  # as the service: five attempts in a row, five seconds apart
    assert done["Status"] == "FAILED"
    assert done["Error"]["ErrorType"] == "RuntimeError"
    completed = [e for e in history if e["EventType"] == "InvocationCompleted"]
    assert len(completed) == 5
    starts = [e["InvocationCompletedDetails"]["StartTimestamp"] for e in completed]
    assert [(b - a).total_seconds() for a, b in itertools.pairwise(starts)] == [5, 5, 5, 5]
    assert completed[0]["InvocationCompletedDetails"]["Error"]["Payload"]["ErrorMessage"] == (
        "not even durable"
    )


async def test_the_durable_calls_name_what_is_missing(app: App) -> None:
    register(app)

    @app.function
    def plain(event: Any, context: Any) -> Any:
        return event

    async with app:
        with pytest.raises(ResourceNotFound, match="Durable execution not found"):
            await app.durable.get("arn:aws:lambda:us-east-1:123456789012:function:x")
        with pytest.raises(InvalidParameterValue, match="not durable"):
            await app.durable.start("plain")
        with pytest.raises(InvalidParameterValue, match="not durable"):
            await app.invoke("plain", {}, durable_execution_name="named")
        with pytest.raises(InvalidParameterValue, match="DurableExecutionName"):
            await app.durable.start("greet", {"name": "x"}, name="not a name!")
        with pytest.raises(ResourceNotFound):
            await app.durable.start("nothing")


@pytest.mark.parametrize(
    ("durable", "message"),
    [
        ({"execution_timeout": 0}, "below the minimum of 1"),
        ({"ExecutionTimeout": 31_622_401}, "above the maximum"),
        ({"ExecutionTimeout": 60, "RetentionPeriodInDays": 91}, "above the maximum of 90"),
        ({"retention_days": 3}, "field required"),
        ({"ExecutionTimeout": 60, "Other": 1}, "unknown DurableConfig field 'Other'"),
        (True, "wrong type"),
    ],
)
def test_durable_config_is_checked_at_registration(durable: Any, message: str) -> None:
    app = App()
    with pytest.raises(ConfigurationError, match=message) as raised:
        app.function(name="f", durable=durable)(lambda event, context: None)
    assert "function 'f'" in str(raised.value)


def test_durable_config_takes_lambdas_names_and_its_own() -> None:
    app = App()
    app.function(name="a", durable={"ExecutionTimeout": 60, "RetentionPeriodInDays": 3})(
        lambda event, context: None
    )
    app.function(name="b", durable=DurableConfig(execution_timeout=60))(lambda event, context: None)
    assert app._functions["a"].config.durable == DurableConfig(
        execution_timeout=60, retention_days=3
    )
    assert app._functions["b"].config.durable == DurableConfig(
        execution_timeout=60, retention_days=14
    )


async def test_an_ended_execution_is_forgotten_after_its_retention(clock: FakeClock) -> None:
    app = App("test", clock=clock, idle_timeout=10 * 86_400)  # no idle sweeps to step through

    @app.function(durable={"execution_timeout": 60, "retention_days": 1}, timeout=30)
    @durable_execution
    def quick(event: Any, context: DurableContext) -> Any:
        return context.step(lambda _: event["n"], name="echo")

    async with app:
        arn = await app.durable.start("quick", {"n": 1}, name="daily")
        await app.durable.wait(arn)
        await clock.advance(86_400)
        assert (await app.durable.get(arn))["Status"] == "SUCCEEDED"  # a day: still kept
        await clock.advance(1)
        with pytest.raises(ResourceNotFound):
            await app.durable.get(arn)
        assert await app.durable.list("quick") == []
        again = await app.durable.start("quick", {"n": 2}, name="daily")  # the name is free
        done = await app.durable.wait(again)
    assert again != arn
    assert done["Result"] == "2"


async def test_an_invocation_that_times_out_is_retried(app: App, clock: FakeClock) -> None:
    entered, release = threading.Event(), threading.Event()
    calls: list[int] = []

    @app.function(durable={"execution_timeout": 600}, timeout=10)
    @durable_execution
    def stuck(event: Any, context: DurableContext) -> Any:
        calls.append(1)
        if len(calls) == 1:  # the first invocation hangs past the function's timeout
            entered.set()
            release.wait(10)
        return context.step(lambda _: "second time lucky", name="work")

    async with app:
        arn = await app.durable.start("stuck")
        await anyio.to_thread.run_sync(entered.wait, 10)
        await clock.advance(10)  # the invocation times out, as Lambda times it out
        release.set()
        due = await app.durable.settled(arn)
        assert due == 5  # its retry, five seconds on
        await clock.advance(due)
        done = await app.durable.wait(arn)
        history = await app.durable.history(arn)
    assert done["Result"] == '"second time lucky"'
    first = next(e for e in history if e["EventType"] == "InvocationCompleted")
    assert (
        first["InvocationCompletedDetails"]["Error"]["Payload"]["ErrorType"] == "Sandbox.Timedout"
    )
