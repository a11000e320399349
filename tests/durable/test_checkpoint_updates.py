"""CheckpointDurableExecution and GetDurableExecutionState, called with a live invocation's
token: each operation type's updates, Lambda's validation errors, stale tokens."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import anyio
import anyio.to_thread
import pytest

from faaslib import App, InvalidParameterValue
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


class Held:
    """A durable function whose invocation waits, holding its checkpoint token, until the test
    lets it go: the test checkpoints with the token meanwhile, as the SDK would."""

    def __init__(self, app: App) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.release = threading.Event()

        @app.function(name="held", durable={"execution_timeout": 3600}, timeout=900)
        def held(event: dict[str, Any], context: Any) -> Any:
            self.events.put(event)
            self.release.wait(30)
            return {"Status": "PENDING"}

    async def invocation(self) -> dict[str, Any]:
        return await anyio.to_thread.run_sync(self.events.get, True, 30)


@pytest.fixture
async def live(app: App) -> AsyncIterator[tuple[App, str, str, Held]]:
    held = Held(app)
    async with app:
        arn = await app.durable.start("held", {"order": 1})
        event = await held.invocation()
        try:
            yield app, arn, event["CheckpointToken"], held
        finally:
            held.release.set()
            await app.durable.stop(arn)


def step(operation_id: str, action: str, **fields: Any) -> dict[str, Any]:
    return {"Id": operation_id, "Type": "STEP", "Action": action, **fields}


async def test_the_durable_event_carries_the_execution_operation(
    app: App, clock: FakeClock
) -> None:
    held = Held(app)
    async with app:
        arn = await app.durable.start("held", {"order": 1})
        event = await held.invocation()
        held.release.set()
        await app.durable.stop(arn)
    assert event["DurableExecutionArn"] == arn
    (operation,) = event["InitialExecutionState"]["Operations"]
    assert operation["Type"] == "EXECUTION"
    assert operation["Status"] == "STARTED"
    assert json.loads(operation["ExecutionDetails"]["InputPayload"]) == {"order": 1}
    assert operation["StartTimestamp"] == round(clock.now() * 1000)  # Unix milliseconds


async def test_each_operation_type_makes_its_operation(
    live: tuple[App, str, str, Held], clock: FakeClock
) -> None:
    app, arn, token, _ = live
    now = datetime.fromtimestamp(clock.now()).astimezone()
    answer = await app.durable.checkpoint(
        arn,
        token,
        [
            step("s1", "START", Name="fetch", SubType="Step"),
            step("s1", "SUCCEED", Payload='"fetched"'),
            {"Id": "w1", "Type": "WAIT", "Action": "START", "WaitOptions": {"WaitSeconds": 90}},
            {
                "Id": "c1",
                "Type": "CALLBACK",
                "Action": "START",
                "CallbackOptions": {"TimeoutSeconds": 60, "HeartbeatTimeoutSeconds": 10},
            },
            {"Id": "x1", "Type": "CONTEXT", "Action": "START", "SubType": "RunInChildContext"},
            step("x1-s", "START", ParentId="x1"),
        ],
    )
    operations = {op["Id"]: op for op in answer["NewExecutionState"]["Operations"]}
    assert operations["s1"]["Status"] == "SUCCEEDED"
    assert operations["s1"]["StepDetails"] == {"Attempt": 1, "Result": '"fetched"'}
    assert operations["s1"]["Name"] == "fetch"
    assert operations["w1"]["Status"] == "STARTED"
    assert operations["w1"]["WaitDetails"]["ScheduledEndTimestamp"] == now + timedelta(seconds=90)
    assert operations["c1"]["CallbackDetails"]["CallbackId"]
    assert operations["x1-s"]["ParentId"] == "x1"
    assert answer["CheckpointToken"] != token

    second = await app.durable.checkpoint(
        arn, answer["CheckpointToken"], [step("x1-s", "SUCCEED", ParentId="x1")]
    )
    # the answer holds what changed since the handler last saw the operations
    assert [op["Id"] for op in second["NewExecutionState"]["Operations"]] == ["x1-s"]
    state = await app.durable.state(arn, second["CheckpointToken"], max_items=2)
    assert [op["Type"] for op in state["Operations"]] == ["EXECUTION", "STEP"]
    rest = await app.durable.state(arn, second["CheckpointToken"], marker=state["NextMarker"])
    assert [op["Id"] for op in rest["Operations"]] == ["w1", "c1", "x1", "x1-s"]
    with pytest.raises(InvalidParameterValue, match="Invalid marker"):
        await app.durable.state(arn, second["CheckpointToken"], marker="99")
    assert "NextMarker" not in rest


async def test_an_earlier_token_is_refused_and_a_retried_call_gets_the_same_answer(
    live: tuple[App, str, str, Held],
) -> None:
    app, arn, token, _ = live
    first = await app.durable.checkpoint(arn, token, [step("s1", "START")], client_token="c-1")
    again = await app.durable.checkpoint(arn, token, [step("s1", "START")], client_token="c-1")
    assert again == first
    with pytest.raises(InvalidParameterValue, match="Invalid checkpoint token"):
        await app.durable.checkpoint(arn, token, [step("s2", "START")])
    with pytest.raises(InvalidParameterValue, match="Invalid checkpoint token"):
        await app.durable.checkpoint(arn, "bm90IGEgdG9rZW4=", [])
    with pytest.raises(InvalidParameterValue, match="Invalid checkpoint token"):
        await app.durable.state(arn, token)


async def test_an_execution_update_ends_the_execution_and_its_token(
    live: tuple[App, str, str, Held],
) -> None:
    app, arn, token, _ = live
    answer = await app.durable.checkpoint(
        arn,
        token,
        [
            step("s1", "START"),
            {"Id": "e", "Type": "EXECUTION", "Action": "SUCCEED", "Payload": "7"},
        ],
    )
    assert "CheckpointToken" not in answer
    done = await app.durable.get(arn)
    assert (done["Status"], done["Result"]) == ("SUCCEEDED", "7")
    with pytest.raises(InvalidParameterValue, match="Invalid checkpoint token"):
        await app.durable.checkpoint(arn, token, [])


@pytest.mark.parametrize(
    ("updates", "message"),
    [
        ([{"Id": "a", "Type": "NOPE", "Action": "START"}], "Updates\\[0\\].Type='NOPE'"),
        ([{"Id": "a b", "Type": "STEP", "Action": "START"}], "Updates\\[0\\].Id='a b'"),
        ([{"Id": "a", "Type": "WAIT", "Action": "SUCCEED"}], "Invalid action .* WAIT SUCCEED"),
        ([{"Id": "a", "Type": "CALLBACK", "Action": "FAIL"}], "Invalid action .* CALLBACK FAIL"),
        ([step("a", "START"), step("a", "START")], "multiple operations with the same ID"),
        (
            [{"Id": "e", "Type": "EXECUTION", "Action": "SUCCEED"}, step("a", "START")],
            "EXECUTION checkpoint must be the last update",
        ),
        (
            [
                {"Id": "e", "Type": "EXECUTION", "Action": "SUCCEED"},
                {"Id": "f", "Type": "EXECUTION", "Action": "FAIL"},
            ],
            "multiple EXECUTION updates",
        ),
        ([step("a", "START", ParentId="nowhere")], "Invalid parent operation id"),
        ([step("p", "START"), step("a", "START", ParentId="p")], "Invalid parent operation id"),
        ([{"Id": "w", "Type": "WAIT", "Action": "START"}], "WaitOptions.WaitSeconds=None"),
        (
            [{"Id": "w", "Type": "WAIT", "Action": "START", "WaitOptions": {"WaitSeconds": 0}}],
            "WaitSeconds=0 must be 1 to 31,622,400",
        ),
        ([{"Id": "w", "Type": "WAIT", "Action": "CANCEL"}], "Cannot cancel a WAIT"),
        (
            [step("a", "START"), step("a", "SUCCEED", Error={"ErrorMessage": "x"})],
            "Cannot provide an Error for SUCCEED action",
        ),
        ([step("a", "FAIL", Payload="1")], "Cannot provide a Payload for FAIL action"),
        ([step("a", "START"), step("a", "RETRY")], "Invalid StepOptions"),
        (
            [{"Id": "i", "Type": "CHAINED_INVOKE", "Action": "START"}],
            "requires ChainedInvokeOptions",
        ),
        (
            [step("a", "START"), step("a", "FAIL", Error={"ErrorMessage": "x" * 40_000})],
            "Error object size must be less than 32768 bytes",
        ),
        (
            [{"Id": "a", "Type": "STEP", "Action": "START", "StepOptions": {"Other": 1}}],
            "StepOptions is not valid",
        ),
        ("not a list", "Updates must be a list"),
    ],
)
async def test_invalid_updates_are_refused_as_lambda_refuses_them(
    live: tuple[App, str, str, Held], updates: Any, message: str
) -> None:
    app, arn, token, _ = live
    with pytest.raises(InvalidParameterValue, match=message):
        await app.durable.checkpoint(arn, token, updates)
    # nothing of a refused checkpoint applies, and the token still holds
    answer = await app.durable.checkpoint(arn, token, [])
    assert answer["NewExecutionState"]["Operations"] == []
    assert len(app.durable._executions[arn].operations) == 1


async def test_an_update_must_match_the_operation_it_changes(
    live: tuple[App, str, str, Held],
) -> None:
    app, arn, token, _ = live
    token = (await app.durable.checkpoint(arn, token, [step("a", "START", Name="one")]))[
        "CheckpointToken"
    ]
    for update, message in [
        ({"Id": "a", "Type": "WAIT", "Action": "CANCEL"}, "Inconsistent operation type"),
        (step("a", "SUCCEED", Name="two"), "Inconsistent operation name"),
        (step("a", "START"), "Invalid current STEP state to start"),
    ]:
        with pytest.raises(InvalidParameterValue, match=message):
            await app.durable.checkpoint(arn, token, [update])
    done = await app.durable.checkpoint(arn, token, [step("a", "SUCCEED")])
    with pytest.raises(InvalidParameterValue, match="Invalid current STEP state to close"):
        await app.durable.checkpoint(arn, done["CheckpointToken"], [step("a", "SUCCEED")])
