"""Metrics with CloudWatch's names, per function and for the account."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import App, Context, TooManyRequests
from faaslib.metrics import Histogram
from faaslib.testing import FakeClock
from tests.background import Invocations

pytestmark = pytest.mark.anyio


async def test_counts_durations_and_concurrency(clock: FakeClock) -> None:
    app = App(clock=clock, concurrency=3)

    @app.function(timeout=60)
    async def work(event: Any, context: Context) -> None:
        await clock.sleep(event["seconds"])
        if event.get("fail"):
            raise ValueError("failed")

    @app.function
    def other(event: Any, context: Context) -> None: ...

    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        running.start("work", {"seconds": 1})
        running.start("work", {"seconds": 2, "fail": True})
        running.start("work", {"seconds": 3})
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(TooManyRequests):
            await app.invoke("other")
        await clock.advance(3)
    await app.invoke("work", {"seconds": 0})

    work_metrics = app.metrics("work")
    assert work_metrics["Invocations"] == 4
    assert work_metrics["Errors"] == 1
    assert work_metrics["Throttles"] == 0
    assert work_metrics["ColdStarts"] == 3
    assert work_metrics["ConcurrentExecutions"] == {"now": 0, "max": 3}
    duration = work_metrics["Duration"]
    assert duration["count"] == 4
    assert duration["sum"] == pytest.approx(6000.0)
    assert duration["max"] == pytest.approx(3000.0)
    assert duration["p50"] == pytest.approx(1000.0, rel=0.011)
    assert work_metrics["InitDuration"]["count"] == 3

    account = app.metrics()
    assert account["Invocations"] == 4
    assert account["Throttles"] == 1
    assert app.metrics("other")["Throttles"] == 1
    assert account["ConcurrentExecutions"] == {"now": 0, "max": 3}
    assert account["UnreservedConcurrentExecutions"] == {"now": 0, "max": 3}
    assert account["ProvisionedConcurrentExecutions"] == {"now": 0}


async def test_reserved_functions_are_not_unreserved_executions(clock: FakeClock) -> None:
    app = App(clock=clock, concurrency=10, unreserved_minimum=0)

    @app.function(reserved_concurrency=2)
    async def reserved(event: Any, context: Context) -> None:
        await clock.sleep(1)

    async with anyio.create_task_group() as tasks:
        Invocations(app, tasks).start("reserved")
        await anyio.wait_all_tasks_blocked()
        assert app.metrics()["ConcurrentExecutions"]["now"] == 1
        assert app.metrics()["UnreservedConcurrentExecutions"]["now"] == 0
        await clock.advance(1)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(min_value=0, max_value=1e6), min_size=1, max_size=300))
def test_histogram_percentiles_are_within_one_percent(values: list[float]) -> None:
    histogram = Histogram()
    for value in values:
        histogram.record(value)
    ordered = sorted(values)
    assert histogram.count == len(values)
    assert histogram.total == pytest.approx(sum(values))
    assert histogram.maximum == max(values)
    for fraction in (0.5, 0.9, 0.99):
        exact = ordered[max(0, -(-int(fraction * len(values) * 1000) // 1000) - 1)]
        estimate = histogram.percentile(fraction)
        assert estimate >= exact - 1e-9 or exact < 0.01
        assert estimate <= max(exact * 1.0101, 0.01) + 1e-9
