"""The same handlers on faaslib and on AWS's reference runner (`DurableFunctionTestRunner` of
aws-durable-execution-sdk-python-testing): the same result and the same operations (ids, types,
names, statuses and nesting: the SDK derives ids from the replay, so they must agree)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

from faaslib import App
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


@durable_execution
def steps_and_waits(event: Any, context: DurableContext) -> Any:
    first = context.step(lambda _: event["n"] + 1, name="first")
    context.wait(Duration.from_seconds(2), name="pause")
    second = context.step(lambda _: first * 2, name="second")
    return {"first": first, "second": second}


@durable_execution
def nested(event: Any, context: DurableContext) -> Any:
    def child(c: DurableContext) -> Any:
        c.wait(Duration.from_seconds(1), name="inner-pause")
        return c.step(lambda _: "inner", name="inner-step")

    both = context.parallel([lambda c: c.step(lambda _: 1, name="one"), child], name="both")
    items = context.map(
        ["a", "b"], lambda c, item, index, items: c.step(lambda _: item.upper()), name="upper"
    )
    return {"both": both.get_results(), "items": items.get_results()}


@durable_execution
def failing(event: Any, context: DurableContext) -> Any:
    def boom(_: Any) -> None:
        raise ValueError("no good")

    strategy = create_retry_strategy(
        RetryStrategyConfig(max_attempts=2, initial_delay=Duration.from_seconds(1))
    )
    context.step(boom, name="boom", config=StepConfig(retry_strategy=strategy))


def reference_run(handler: Callable[..., Any], payload: Any) -> tuple[Any, list[tuple[Any, ...]]]:
    with DurableFunctionTestRunner(handler, skip_time=True) as runner:
        result = runner.run(input=json.dumps(payload), execution_timeout=60)
    # The runner stops its scheduler's event loop but never closes it: left to the collector,
    # its sockets warn (ResourceWarning) from a finalizer, wherever that runs.
    runner._scheduler._loop.close()
    operations: list[tuple[Any, ...]] = []
    stack = list(result.operations)
    while stack:
        operation = stack.pop(0)
        operations.append(
            (
                operation.operation_id,
                operation.operation_type.value,
                operation.sub_type,
                operation.name,
                operation.status.value,
            )
        )
        stack.extend(getattr(operation, "child_operations", None) or [])
    return (result.execution_status.value, result.result, result.error), sorted(operations, key=str)


async def faaslib_run(handler: Callable[..., Any], payload: Any) -> tuple[Any, list[Any]]:
    clock = FakeClock()
    app = App("reference", clock=clock)
    app.function(name="subject", durable={"execution_timeout": 60}, timeout=60)(handler)
    async with app:
        arn = await app.durable.start("subject", payload)
        while (due := await app.durable.settled(arn)) is not None:
            await clock.advance(due)
        done = await app.durable.wait(arn)
        operations = app.durable._executions[arn].operations.values()
    error = done.get("Error")
    listed = [
        (op["Id"], op["Type"], op.get("SubType"), op.get("Name"), op["Status"])
        for op in operations
        if op["Type"] != "EXECUTION"
    ]
    return (done["Status"], done.get("Result"), error), sorted(listed, key=str)


@pytest.mark.parametrize(
    ("handler", "payload"),
    [(steps_and_waits, {"n": 4}), (nested, {}), (failing, {})],
    ids=["steps_and_waits", "nested", "failing"],
)
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_faaslib_and_the_reference_runner_agree(
    handler: Callable[..., Any], payload: Any
) -> None:
    (status, result, error), operations = await faaslib_run(handler, payload)
    expected, expected_operations = reference_run(handler, payload)  # it runs its own loop
    assert status == expected[0]
    assert result == expected[1]
    if expected[2] is not None:
        assert error["ErrorType"] == expected[2].type
        assert error["ErrorMessage"] == expected[2].message
    assert operations == expected_operations
