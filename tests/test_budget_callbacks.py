"""A raising `on_budget_exceeded` callback is user code failing: contained, logged and counted.

Issue 16, item 4: the callback's error never escapes from the invocation that crossed the budget,
and that invocation is billed and counted all the same, so the ledger and `Invocations` agree.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import pytest

from faaslib import App, BudgetExceeded, Context
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


class CallbackFailed(Exception):
    pass


def ledger_requests(app: App, name: str) -> int | Decimal:
    return app.costs.by_function()[name].requests


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_raising_budget_callback_does_not_escape_from_invoke(
    clock: FakeClock, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[tuple[Decimal, Decimal]] = []

    def alert(spent: Decimal, limit: Decimal) -> None:
        calls.append((spent, limit))
        raise CallbackFailed("the pager is down")

    app = App(clock=clock, budget="0.0000001", on_budget_exceeded=alert)
    if kind == "sync":

        @app.function(name="work")
        def work(event: Any, context: Context) -> dict[str, int]:
            return {"n": event["n"]}

    else:

        @app.function(name="work")
        async def async_work(event: Any, context: Context) -> dict[str, int]:
            return {"n": event["n"]}

    with caplog.at_level(logging.ERROR, logger="faaslib.billing"):
        results = [await app.invoke("work", {"n": n}) for n in range(5)]
        assert await app.call("work", {"n": 5}) == {"n": 5}

    assert [result.payload for result in results] == [{"n": n} for n in range(5)]
    assert all(result.function_error is None for result in results)
    [(spent, limit)] = calls  # called once, when the budget was crossed
    assert limit == Decimal("0.0000001")
    assert spent > limit
    budget = app.costs.budget
    assert budget is not None
    assert budget.crossed
    assert budget.callback_errors == 1
    metrics = app.metrics("work")
    assert metrics["Invocations"] == 6
    assert ledger_requests(app, "work") == metrics["Invocations"]
    assert app.metrics()["ConcurrentExecutions"]["now"] == 0
    [logged] = [record for record in caplog.records if record.name == "faaslib.billing"]
    assert logged.levelno == logging.ERROR
    assert "on_budget_exceeded" in logged.getMessage()
    assert "alert" in logged.getMessage()
    assert logged.exc_info is not None
    assert isinstance(logged.exc_info[1], CallbackFailed)


async def test_a_raising_budget_callback_on_the_event_path_loses_no_event(
    clock: FakeClock,
) -> None:
    def alert(spent: Decimal, limit: Decimal) -> None:
        raise CallbackFailed("the pager is down")

    app = App(clock=clock, budget="0.0000001", on_budget_exceeded=alert)
    successes: list[dict[str, Any]] = []

    @app.function(on_success=successes.append, maximum_retry_attempts=0)
    async def work(event: Any, context: Context) -> int:
        return int(event["n"])

    async with app:
        for n in range(4):
            await app.invoke("work", {"n": n}, invocation_type="Event")
        await app.wait_idle()
    assert sorted(record["responsePayload"] for record in successes) == [0, 1, 2, 3]
    assert app.pending_events() == []
    assert app.metrics("work")["AsyncEventOutcomes"]["Success"] == 4
    assert app.costs.budget is not None
    assert app.costs.budget.callback_errors == 1
    assert ledger_requests(app, "work") == app.metrics("work")["Invocations"] == 4


async def test_a_callback_raising_again_after_a_reset_is_counted_again(clock: FakeClock) -> None:
    def alert(spent: Decimal, limit: Decimal) -> None:
        raise CallbackFailed("still down")

    app = App(clock=clock, budget="0.0000001", on_budget_exceeded=alert)

    @app.function
    def work(event: Any, context: Context) -> None:
        return None

    await app.invoke("work")
    await app.invoke("work")
    app.costs.reset()
    await app.invoke("work")
    budget = app.costs.budget
    assert budget is not None
    assert budget.callback_errors == 2
    assert ledger_requests(app, "work") == 1  # counted afresh from the reset
    assert app.metrics("work")["Invocations"] == 3


async def test_a_raising_callback_with_throttling_still_bills_the_crossing_invocation(
    clock: FakeClock,
) -> None:
    def alert(spent: Decimal, limit: Decimal) -> None:
        raise CallbackFailed("the pager is down")

    app = App(clock=clock, budget="0.0000001", on_budget_exceeded=alert, throttle_over_budget=True)

    @app.function
    def work(event: Any, context: Context) -> str:
        return "done"

    assert await app.call("work") == "done"  # crosses the budget: answered and billed
    with pytest.raises(BudgetExceeded):
        await app.invoke("work")
    metrics = app.metrics("work")
    assert (metrics["Invocations"], metrics["Throttles"]) == (1, 1)
    assert ledger_requests(app, "work") == 1
    assert app.costs.budget is not None
    assert app.costs.budget.callback_errors == 1
