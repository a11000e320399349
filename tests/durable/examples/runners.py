"""An example run on faaslib (`app.add_function(..., durable=...)`, invoked with
InvocationType=Event, time moved by a FakeClock whenever the app is quiet) and under AWS's local
runner (its skipping clock), callbacks answered alike; each reduced to a `Summary`."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from faaslib import App
from faaslib.testing import FakeClock
from tests.durable.conformance.faaslib_run import next_deadline, quiet
from tests.durable.conformance.scenario import TERMINAL
from tests.durable.examples.examples import Example, Summary, callback_answer, summary

__all__ = ["close_local_runner", "on_faaslib", "on_reference"]

_MOST_STEPS = 20_000
_POLL = 0.005  # real seconds between two looks at the local runner's history
_REAL_LIMIT = 40.0  # real seconds a local run may take before it is called stuck


def _unanswered(events: list[dict[str, Any]], answered: set[str]) -> list[tuple[str, Any]]:
    """(callback id, callback name) of the callbacks started and not answered yet."""
    found = []
    for event in events:
        if event.get("EventType") == "CallbackStarted":
            callback_id = event.get("CallbackStartedDetails", {}).get("CallbackId")
            if callback_id and callback_id not in answered:
                answered.add(callback_id)
                found.append((callback_id, event.get("Name")))
    return found


async def on_faaslib(example: Example) -> Summary:
    """Run `example` on faaslib under a FakeClock, answering its callbacks."""
    clock = FakeClock()
    app = App("examples", clock=clock)
    app.add_function(
        example.function,
        handler=example.handler,
        code=example.folder,
        durable=example.durable,
        timeout=60,
        environment=example.environment,
    )
    budget = int(example.durable["ExecutionTimeout"]) + 120
    answered: set[str] = set()
    async with app:
        started = await app.invoke(example.function, example.payload, invocation_type="Event")
        arn = started.durable_execution_arn
        assert arn is not None, "an Event invoke of a durable function gives its execution ARN"
        for _ in range(_MOST_STEPS):
            await quiet(app)
            execution = await app.durable.get(arn)
            if execution["Status"] in TERMINAL:
                break
            events = await app.durable.history(arn)
            sends = _unanswered(events, answered)
            for callback_id, name in sends:
                answer = callback_answer(example, name)
                if answer is None:
                    continue
                operation, payload = answer
                if operation == "failure":
                    await app.durable.callback_failure(callback_id, payload)
                else:
                    await app.durable.callback_success(callback_id, payload)
            if sends:
                continue
            due = next_deadline(clock)
            if due is None or clock.monotonic() > budget:
                raise AssertionError(
                    f"{example.name}: stuck on faaslib at {clock.monotonic():.0f} s (fake), "
                    f"status {execution['Status']}, nothing pending"
                )
            await clock.advance(max(0.0, due - clock.monotonic()))
        events = await app.durable.history(arn)
    return summary(execution, events)


def on_reference(example: Example) -> Summary:
    """Run `example` under AWS's local runner, answering its callbacks as on faaslib."""
    from aws_durable_execution_sdk_python.lambda_service import ErrorObject
    from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

    saved = {key: os.environ.get(key) for key in example.environment}
    os.environ.update(example.environment)  # read when the module is imported
    try:
        handler = example.handler_function()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    timeout = int(example.durable["ExecutionTimeout"])
    answered: set[str] = set()
    with DurableFunctionTestRunner(
        handler, poll_interval=_POLL, execution_timeout=timeout
    ) as runner:
        arn = runner.run_async(input=json.dumps(example.payload), execution_timeout=timeout)
        details = runner._executor.get_execution_details  # GetDurableExecution, as its API
        deadline = time.monotonic() + _REAL_LIMIT
        while True:
            execution = details(arn).to_dict()
            if execution["Status"] in TERMINAL:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{example.name}: stuck under the local runner")
            events = _history(runner, arn)
            # Answered once the invocation that started them has ended (faaslib answers when the
            # app is quiet): an execution that ends first leaves them open on both sides.
            if events and events[-1].get("EventType") != "InvocationCompleted":
                time.sleep(_POLL)
                continue
            for callback_id, name in _unanswered(events, answered):
                answer = callback_answer(example, name)
                if answer is None:
                    continue
                operation, payload = answer
                if operation == "failure":
                    runner.send_callback_failure(callback_id, ErrorObject.from_dict(payload))
                else:
                    runner.send_callback_success(callback_id, payload)
            time.sleep(_POLL)
        events = _history(runner, arn)
    close_local_runner(runner)
    return summary(execution, events)


def close_local_runner(runner: Any) -> None:
    """Close the local runner's event loop, which its `close()` stops but leaves open (Python
    then warns when it is collected, in whichever test is running)."""
    loop = runner._scheduler._loop
    if not loop.is_closed():
        loop.close()


def _history(runner: Any, arn: str) -> list[dict[str, Any]]:
    """Every event of the local runner's history (it gives them a page at a time)."""
    events: list[dict[str, Any]] = []
    marker = None
    while True:
        page = runner._executor.get_execution_history(
            arn, include_execution_data=True, marker=marker, max_items=1000
        ).to_dict()
        events += page["Events"]
        marker = page.get("NextMarker")
        if not marker:
            return events
