"""Durable executions in `app.costs`: operations, data written and data retained, at the
pricing page's prices, beside the function's compute."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

from faaslib import App
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio

# https://aws.amazon.com/lambda/pricing/ (Durable functions): $8.00 per million durable
# operations, $0.25 per GB of data written, $0.15 per GB-month of data retained.
PER_OPERATION = Decimal("8.00") / 1_000_000
PER_GB_WRITTEN = Decimal("0.25")
PER_GB_MONTH = Decimal("0.15")
GB = 1024**3
UPDATE_EVENTS = {"StepStarted", "StepSucceeded", "StepFailed", "WaitStarted"}


async def test_durable_operations_and_data_are_billed_beside_compute(
    app: App, clock: FakeClock
) -> None:
    @app.function(durable={"execution_timeout": 900, "retention_days": 30}, timeout=30)
    @durable_execution
    def report(event: Any, context: DurableContext) -> Any:
        rows = context.step(lambda _: ["row"] * event["rows"], name="query")
        context.wait(Duration.from_seconds(30), name="settle")
        return len(context.step(lambda _: json.dumps(rows), name="render"))

    async with app:
        arn = await app.durable.start("report", {"rows": 1000})
        while (due := await app.durable.settled(arn)) is not None:
            await clock.advance(due)
        history = await app.durable.history(arn)
        started = await app.durable.get(arn)

    updates = [event for event in history if event["EventType"] in UPDATE_EVENTS]
    written = len(started["InputPayload"].encode()) + sum(
        len(event["StepSucceededDetails"]["Result"]["Payload"].encode())
        for event in updates
        if event["EventType"] == "StepSucceeded"
    )
    assert written > 2 * 7000  # the two steps' results, a thousand rows each
    expected = (
        (1 + len(updates)) * PER_OPERATION  # the start, and each update checkpointed
        + Decimal(written) / GB * PER_GB_WRITTEN
        + Decimal(written) * 30 / GB / 30 * PER_GB_MONTH  # kept 30 days: one month
    )
    bill = app.costs.by_function()["report"]
    assert len(updates) == 5
    assert bill.durable_cost == expected
    assert bill.total == bill.request_cost + bill.compute_cost + expected
    assert app.costs.total().durable_cost == expected
    assert "durable" in app.costs.report().splitlines()[0].split()
    assert Decimal(app.costs.to_dict()["functions"]["report"]["durable_cost"]) == expected
    app.costs.reset()
    assert app.costs.total().durable_cost == 0
