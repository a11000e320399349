"""Durable executions of real SDK handlers (`@durable_execution`) on a real App: each kind of
operation, replayed through the app's durable service and its AWS endpoints."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python.waits import WaitForConditionConfig, WaitForConditionDecision

from faaslib import App
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio

YEAR = 365 * 86400
DURABLE = {"execution_timeout": 31_622_400}


def event_types(history: list[dict[str, Any]]) -> list[str]:
    return [event["EventType"] for event in history]


def operations_named(app: App, arn: str, kind: str) -> list[dict[str, Any]]:
    execution = app.durable._executions[arn]
    return [op for op in execution.operations.values() if op["Type"] == kind]


async def test_a_year_long_wait_runs_instantly_on_the_fake_clock(clock: FakeClock) -> None:
    # Idle instances are swept every tenth of idle_timeout: a year of 60 s sweeps would take
    # the fake clock half a million steps.
    app = App("test", clock=clock, idle_timeout=YEAR)

    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def order(event: Any, context: DurableContext) -> Any:
        doubled = context.step(lambda _: event["n"] * 2, name="double")
        context.wait(Duration.from_days(365), name="year")
        return {"total": context.step(lambda _: doubled + 1, name="add")}

    async with app:
        arn = await app.durable.start("order", {"n": 20})
        await app.durable.settled(arn)
        suspended = await app.durable.get(arn)
        assert suspended["Status"] == "RUNNING"
        await clock.advance(YEAR - 1)
        await app.durable.settled(arn)
        assert (await app.durable.get(arn))["Status"] == "RUNNING"  # a second early: waiting
        await clock.advance(1)
        done = await app.durable.wait(arn)
        history = await app.durable.history(arn)

    assert done["Status"] == "SUCCEEDED"
    assert json.loads(done["Result"]) == {"total": 41}
    assert (done["EndTimestamp"] - done["StartTimestamp"]).total_seconds() == YEAR
    assert event_types(history) == [
        "ExecutionStarted",
        "StepStarted",
        "StepSucceeded",
        "WaitStarted",
        "InvocationCompleted",
        "WaitSucceeded",
        "StepStarted",
        "StepSucceeded",
        "InvocationCompleted",
        "ExecutionSucceeded",
    ]
    assert [event["EventId"] for event in history] == list(range(1, 11))
    assert history[3]["WaitStartedDetails"]["Duration"] == YEAR
    assert history[5]["WaitSucceededDetails"] == {"Duration": YEAR}
    assert history[2]["StepSucceededDetails"]["Result"]["Payload"] == "40"


async def test_a_callback_answered_through_app_durable_resumes_the_execution(
    app: App,
) -> None:
    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def approval(event: Any, context: DurableContext) -> Any:
        callback = context.create_callback(
            name="approve", config=CallbackConfig(timeout=Duration.from_hours(1))
        )
        return {"answer": json.loads(callback.result())}

    async with app:
        arn = await app.durable.start("approval")
        await app.durable.settled(arn)
        (callback,) = operations_named(app, arn, "CALLBACK")
        assert callback["Status"] == "STARTED"
        await app.durable.callback_success(
            callback["CallbackDetails"]["CallbackId"], b'{"ok": true}'
        )
        done = await app.durable.wait(arn)
        history = await app.durable.history(arn)

    assert json.loads(done["Result"]) == {"answer": {"ok": True}}
    started = history[event_types(history).index("CallbackStarted")]
    assert started["Name"] == "approve"
    assert started["CallbackStartedDetails"]["Timeout"] == 3600
    succeeded = history[event_types(history).index("CallbackSucceeded")]
    assert succeeded["CallbackSucceededDetails"]["Result"]["Payload"] == '{"ok": true}'


async def test_a_callback_not_answered_in_time_times_out(app: App, clock: FakeClock) -> None:
    from faaslib.errors import CallbackTimeout

    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def approval(event: Any, context: DurableContext) -> Any:
        callback = context.create_callback(config=CallbackConfig(timeout=Duration.from_seconds(30)))
        try:
            return callback.result()
        except Exception as error:  # the SDK's CallbackError
            return f"gave up: {type(error).__name__}"

    async with app:
        arn = await app.durable.start("approval")
        await app.durable.settled(arn)
        (callback,) = operations_named(app, arn, "CALLBACK")
        await clock.advance(30)
        done = await app.durable.wait(arn)
        with pytest.raises(CallbackTimeout):
            await app.durable.callback_success(callback["CallbackDetails"]["CallbackId"], b"1")
        history = await app.durable.history(arn)

    assert done["Status"] == "SUCCEEDED"
    assert json.loads(done["Result"]).startswith("gave up")
    timed_out = history[event_types(history).index("CallbackTimedOut")]
    assert timed_out["CallbackTimedOutDetails"]["Error"]["Payload"]["ErrorType"] == (
        "Callback.Timeout"
    )


async def test_child_context_parallel_and_map_replay_to_their_results(
    app: App, clock: FakeClock
) -> None:
    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def fan_out(event: Any, context: DurableContext) -> Any:
        both = context.parallel(
            [lambda c: c.step(lambda _: "a", name="a"), lambda c: c.step(lambda _: "b", name="b")]
        )
        squares = context.map(
            [1, 2, 3], lambda c, item, index, items: c.step(lambda _: item * item, name="sq")
        )

        def child(c: DurableContext) -> Any:
            c.wait(Duration.from_seconds(10), name="pause")
            return c.step(lambda _: "inside", name="inner")

        return {
            "parallel": both.get_results(),
            "map": squares.get_results(),
            "child": context.run_in_child_context(child, name="kid"),
        }

    async with app:
        arn = await app.durable.start("fan_out")
        await app.durable.settled(arn)
        await clock.advance(10)
        done = await app.durable.wait(arn)
        history = await app.durable.history(arn)

    assert json.loads(done["Result"]) == {
        "parallel": ["a", "b"],
        "map": [1, 4, 9],
        "child": "inside",
    }
    kid = next(e for e in history if e["EventType"] == "ContextStarted" and e.get("Name") == "kid")
    inner = next(e for e in history if e["EventType"] == "StepStarted" and e.get("Name") == "inner")
    assert inner["ParentId"] == kid["Id"]
    assert event_types(history).count("InvocationCompleted") == 2  # suspended once, in the kid


async def test_a_step_retries_after_its_backoff_then_succeeds(app: App, clock: FakeClock) -> None:
    attempts: list[int] = []

    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def flaky(event: Any, context: DurableContext) -> Any:
        def attempt(_: Any) -> int:
            attempts.append(1)
            if len(attempts) < 3:
                raise RuntimeError(f"attempt {len(attempts)} failed")
            return len(attempts)

        strategy = create_retry_strategy(
            RetryStrategyConfig(max_attempts=5, initial_delay=Duration.from_seconds(10))
        )
        return context.step(attempt, name="call", config=StepConfig(retry_strategy=strategy))

    async with app:
        arn = await app.durable.start("flaky")
        await app.durable.settled(arn)
        (step,) = operations_named(app, arn, "STEP")
        assert step["Status"] == "PENDING"
        delay = step["StepDetails"]["NextAttemptTimestamp"] - clock.now()
        await clock.advance(delay - 1)
        await app.durable.settled(arn)
        assert len(attempts) == 1  # not before its time
        await clock.advance(1)
        for _ in range(2):  # the second attempt fails too; the third succeeds
            await app.durable.settled(arn)
            (step,) = operations_named(app, arn, "STEP")
            if step["Status"] == "PENDING":  # advanced exactly to it: the attempt runs alone
                await clock.advance(step["StepDetails"]["NextAttemptTimestamp"] - clock.now())
        done = await app.durable.wait(arn)
        history = await app.durable.history(arn)

    assert done["Result"] == "3"
    failed = [e for e in history if e["EventType"] == "StepFailed"]
    assert [e["StepFailedDetails"]["RetryDetails"]["CurrentAttempt"] for e in failed] == [1, 2]
    assert failed[0]["StepFailedDetails"]["Error"]["Payload"]["ErrorMessage"] == (
        "attempt 1 failed"
    )
    (succeeded,) = [e for e in history if e["EventType"] == "StepSucceeded"]
    assert succeeded["StepSucceededDetails"]["RetryDetails"] == {"CurrentAttempt": 3}


async def test_wait_for_condition_polls_until_the_condition_holds(
    app: App, clock: FakeClock
) -> None:
    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def poll(event: Any, context: DurableContext) -> Any:
        def check(state: int, _: Any) -> int:
            return state + 1

        def strategy(state: int, attempt: int) -> WaitForConditionDecision:
            if state >= 3:
                return WaitForConditionDecision.stop_polling()
            return WaitForConditionDecision.continue_waiting(Duration.from_seconds(5))

        return context.wait_for_condition(
            check, WaitForConditionConfig(wait_strategy=strategy, initial_state=0)
        )

    async with app:
        arn = await app.durable.start("poll")
        for _ in range(3):
            await app.durable.settled(arn)
            await clock.advance(5)
        done = await app.durable.wait(arn)

    assert done["Status"] == "SUCCEEDED"
    assert done["Result"] == "3"


async def test_chained_invokes_reach_plain_and_durable_targets(app: App) -> None:
    @app.function(timeout=10)
    def echo(event: Any, context: Any) -> Any:
        return {"echo": event}

    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def child(event: Any, context: DurableContext) -> Any:
        return context.step(lambda _: event["n"] + 1, name="add")

    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def parent(event: Any, context: DurableContext) -> Any:
        plain = context.invoke("echo", {"x": 1}, name="plain")
        durable = context.invoke("child", {"n": 41}, name="durable")
        return {"plain": plain, "durable": durable}

    async with app:
        arn = await app.durable.start("parent")
        done = await app.durable.wait(arn)
        history = await app.durable.history(arn)
        (child_execution,) = await app.durable.list("child")

    assert json.loads(done["Result"]) == {"plain": {"echo": {"x": 1}}, "durable": 42}
    started = [e for e in history if e["EventType"] == "ChainedInvokeStarted"]
    assert started[0]["ChainedInvokeStartedDetails"]["FunctionName"] == "echo"
    assert "DurableExecutionArn" not in started[0]["ChainedInvokeStartedDetails"]
    assert (
        started[1]["ChainedInvokeStartedDetails"]["DurableExecutionArn"]
        == child_execution["DurableExecutionArn"]
    )
    assert child_execution["Status"] == "SUCCEEDED"
    assert event_types(history).count("ChainedInvokeSucceeded") == 2


async def test_a_chained_invoke_of_a_missing_function_fails_the_operation(app: App) -> None:
    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def parent(event: Any, context: DurableContext) -> Any:
        try:
            return context.invoke("nowhere", {}, name="lost")
        except Exception as error:
            return type(error).__name__

    async with app:
        arn = await app.durable.start("parent")
        done = await app.durable.wait(arn)
        history = await app.durable.history(arn)

    assert done["Status"] == "SUCCEEDED"
    failed = history[event_types(history).index("ChainedInvokeFailed")]
    assert failed["ChainedInvokeFailedDetails"]["Error"]["Payload"]["ErrorType"] == (
        "ResourceNotFoundException"
    )


async def test_a_callbacks_heartbeat_keeps_it_open_and_a_failure_reaches_the_handler(
    app: App, clock: FakeClock
) -> None:
    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def job(event: Any, context: DurableContext) -> Any:
        callback = context.create_callback(
            name="worker",
            config=CallbackConfig(
                timeout=Duration.from_hours(1), heartbeat_timeout=Duration.from_seconds(60)
            ),
        )
        try:
            return callback.result()
        except Exception as error:
            return f"failed: {error}"

    async with app:
        arn = await app.durable.start("job")
        await app.durable.settled(arn)
        (callback,) = operations_named(app, arn, "CALLBACK")
        callback_id = callback["CallbackDetails"]["CallbackId"]
        for _ in range(3):  # three minutes in all, never a minute without a heartbeat
            await clock.advance(50)
            await app.durable.callback_heartbeat(callback_id)
        assert (await app.durable.get(arn))["Status"] == "RUNNING"
        await app.durable.callback_failure(
            callback_id, {"ErrorType": "WorkerError", "ErrorMessage": "disk full"}
        )
        done = await app.durable.wait(arn)
        history = await app.durable.history(arn)

    assert "disk full" in json.loads(done["Result"])
    failed = history[event_types(history).index("CallbackFailed")]
    assert failed["CallbackFailedDetails"]["Error"]["Payload"]["ErrorType"] == "WorkerError"
    assert "CallbackTimedOut" not in event_types(history)


async def test_a_missed_heartbeat_times_the_callback_out(app: App, clock: FakeClock) -> None:
    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def job(event: Any, context: DurableContext) -> Any:
        callback = context.create_callback(
            config=CallbackConfig(heartbeat_timeout=Duration.from_seconds(60))
        )
        try:
            return callback.result()
        except Exception as error:
            return type(error).__name__

    async with app:
        arn = await app.durable.start("job")
        assert await app.durable.settled(arn) == 60
        await clock.advance(60)
        done = await app.durable.wait(arn)
        history = await app.durable.history(arn)

    assert done["Status"] == "SUCCEEDED"
    timed_out = history[event_types(history).index("CallbackTimedOut")]
    error = timed_out["CallbackTimedOutDetails"]["Error"]["Payload"]
    assert error["ErrorType"] == "Callback.Heartbeat"


async def test_many_executions_run_at_once(app: App, clock: FakeClock) -> None:
    @app.function(durable=DURABLE, timeout=60)
    @durable_execution
    def job(event: Any, context: DurableContext) -> Any:
        first = context.step(lambda _: event["i"], name="first")
        context.wait(Duration.from_seconds(30), name="pause")
        return context.step(lambda _: first * 2, name="second")

    async with app:
        arns = [await app.durable.start("job", {"i": i}) for i in range(40)]
        dues = [await app.durable.settled(arn) for arn in arns]
        assert set(dues) == {30}  # every one suspended in its wait, at the same moment
        await clock.advance(30)
        results = [json.loads((await app.durable.wait(arn))["Result"]) for arn in arns]
        metrics = app.metrics("job")

    assert results == [i * 2 for i in range(40)]
    assert metrics["Invocations"] == 80  # two each: before the wait and after
    assert metrics["ConcurrentExecutions"]["max"] > 1
