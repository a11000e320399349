"""`app.costs`: every invocation billed as AWS bills it, from the app's own ledger."""

from __future__ import annotations

import gc
import json
import sys
from decimal import Decimal
from typing import Any

import anyio
import pytest

from faaslib import App, BudgetExceeded, ConfigurationError, Context
from faaslib.billing import PriceCatalog, estimate
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio

X86 = Decimal("0.0000166667")
REQUEST = Decimal("0.0000002")


def takes(clock: FakeClock) -> Any:
    """A sync handler that "runs" for event["ms"] milliseconds of fake time."""

    def handler(event: Any, context: Context) -> None:
        clock.tick(event["ms"] / 1000)

    return handler


async def test_every_invocation_is_billed_by_the_millisecond(clock: FakeClock) -> None:
    app = App(clock=clock)
    app.function(name="work", memory=512)(takes(clock))
    for ms in (123.4, 0.2, 50):
        await app.invoke("work", {"ms": ms})
    bill = app.costs.by_function()["work"]
    # 124 + 1 + 50 billed ms at 512 MB: 89,600 MB-ms = 0.0875 GB-s
    assert bill.requests == 3
    assert bill.gb_seconds == Decimal("0.0875")
    assert bill.compute_cost == Decimal("0.0875") * X86
    assert bill.request_cost == 3 * REQUEST
    assert bill.total == bill.compute_cost + bill.request_cost
    assert app.costs.total() == bill


async def test_a_cold_start_bills_its_init(clock: FakeClock) -> None:
    app = App(clock=clock)

    @app.function(memory=1024)
    class Model:
        def __init__(self) -> None:
            clock.tick(0.250)  # a 250 ms init

        def __call__(self, event: Any, context: Context) -> None:
            clock.tick(0.1004)

    first = await app.invoke("Model")
    second = await app.invoke("Model")
    assert (first.billed_duration_ms, second.billed_duration_ms) == (351, 101)
    assert app.costs.total().gb_seconds == Decimal("0.452")  # 452 ms at 1 GB
    no_init = PriceCatalog(bill_init=False)  # AWS before August 2025
    old_app = App(clock=clock, prices=no_init)
    old_app.function(name="Model", memory=1024)(Model)
    await old_app.invoke("Model")
    await old_app.invoke("Model")
    assert old_app.costs.total().gb_seconds == Decimal("0.202")  # 101 + 101 ms


async def test_arm64_and_ephemeral_storage_use_their_prices(clock: FakeClock) -> None:
    app = App(clock=clock)
    app.function(name="arm", memory=2048, architecture="arm64")(takes(clock))
    app.function(name="disk", memory=1024, ephemeral_storage=1536)(takes(clock))
    await app.invoke("arm", {"ms": 1000})
    await app.invoke("disk", {"ms": 1000})
    bills = app.costs.by_function()
    assert bills["arm"].compute_cost == 2 * Decimal("0.0000133334")  # 2 GB-s
    assert bills["disk"].compute_cost == X86  # 1 GB-s
    assert bills["disk"].storage_cost == Decimal("0.0000000309")  # 1 GB over 512 MB, 1 s
    assert bills["arm"].storage_cost == 0


async def test_provisioned_concurrency_accrues_while_configured(clock: FakeClock) -> None:
    app = App(clock=clock)

    @app.function(memory=1024, provisioned_concurrency=2)
    async def warm(event: Any, context: Context) -> None:
        await clock.sleep(event["seconds"])

    async with app, anyio.create_task_group() as tasks:
        for _ in range(3):  # two on provisioned instances, one spilling over
            tasks.start_soon(app.invoke, "warm", {"seconds": 1})
        await clock.advance(1)
        await clock.advance(599)  # ten minutes configured in all
    bill = app.costs.by_function()["warm"]
    assert bill.provisioned_concurrency_cost == 2 * 600 * Decimal("0.0000041667")
    assert bill.provisioned_compute_cost == 2 * Decimal("0.0000097222")  # 2 x 1 GB-s
    assert bill.compute_cost == X86  # the spillover, on demand
    await clock.advance(3600)  # stopped: nothing more accrues
    assert app.costs.by_function()["warm"] == bill


async def test_provisioned_periods_round_up_to_five_minutes(clock: FakeClock) -> None:
    app = App(clock=clock)

    @app.function(provisioned_concurrency=1)
    def idle(event: Any, context: Context) -> None: ...

    async with app:
        await clock.advance(61)
        await app.set_provisioned_concurrency("idle", 3)  # 1 x 300 s billed so far
        await clock.advance(1)
    # then 3 x 300 s: 1,200 instance-seconds at 128 MB = 150 GB-s
    expected = Decimal(150) * Decimal("0.0000041667")
    assert app.costs.total().provisioned_concurrency_cost == expected


async def test_a_provisioned_init_is_billed_at_the_provisioned_price(clock: FakeClock) -> None:
    app = App(clock=clock)

    @app.function(memory=1024, provisioned_concurrency=1)
    class Model:
        def __init__(self) -> None:
            clock.tick(2)

        def __call__(self, event: Any, context: Context) -> None: ...

    async with app:
        pass
    bill = app.costs.total()
    assert bill.provisioned_compute_cost == 2 * Decimal("0.0000097222")  # 2 GB-s of init
    assert bill.requests == 0


async def test_kept_rows_add_up_to_the_bill(clock: FakeClock) -> None:
    app = App(clock=clock, ledger_rows=100)
    app.function(name="a", memory=256)(takes(clock))
    app.function(name="b", memory=3008, ephemeral_storage=4096)(takes(clock))
    results = [await app.invoke(name, {"ms": ms}) for name, ms in [("a", 5), ("b", 7.5), ("a", 1)]]
    rows = app.costs.rows
    # the rows of each function, oldest first
    assert [row.request_id for row in rows] == [results[i].request_id for i in (0, 2, 1)]
    assert [row.billed_duration_ms for row in rows] == [5, 1, 8]
    assert sum(row.total for row in rows) == app.costs.total().total


async def test_only_the_last_rows_are_kept(clock: FakeClock) -> None:
    app = App(clock=clock, ledger_rows=2)
    app.function(name="a")(takes(clock))
    for ms in (1, 2, 3):
        await app.invoke("a", {"ms": ms})
    assert [row.billed_duration_ms for row in app.costs.rows] == [2, 3]
    assert app.costs.total().requests == 3  # the ledger still counts all


async def test_a_projection_prices_a_month_as_the_pricing_page_does(clock: FakeClock) -> None:
    app = App(clock=clock)
    app.function(name="backend", memory=1536)(takes(clock))
    for _ in range(10):
        await app.invoke("backend", {"ms": 120})
    month = app.costs.project(3_000_000)
    # the pricing page's "mobile application backend": $2.73
    assert month["backend"].in_cents() == estimate(1536, 3_000_000, 120, free_tier=True)
    assert month["backend"].in_cents().total == Decimal("2.73")
    by_name = app.costs.project({"backend": 3_000_000}, free_tier=False)
    assert by_name["backend"].in_cents().total == Decimal("9.60")  # $9.00 + $0.60


async def test_a_projection_needs_something_to_project_from(clock: FakeClock) -> None:
    app = App(clock=clock)
    app.function(name="a")(takes(clock))
    with pytest.raises(ValueError, match="nothing has been invoked yet"):
        app.costs.project(1000)
    with pytest.raises(ValueError, match="no such function: b"):
        app.costs.project({"b": 10})


async def test_reset_starts_counting_afresh(clock: FakeClock) -> None:
    app = App(clock=clock)
    app.function(name="a")(takes(clock))
    await app.invoke("a", {"ms": 10})
    app.costs.reset()
    assert app.costs.total().total == 0
    await app.invoke("a", {"ms": 10})
    assert app.costs.total().requests == 1


async def test_report_and_json(clock: FakeClock) -> None:
    app = App(clock=clock)
    app.function(name="resize", memory=512)(takes(clock))
    app.function(name="classify", memory=2048, architecture="arm64")(takes(clock))
    await app.invoke("resize", {"ms": 120})
    report = app.costs.report()
    lines = report.splitlines()
    assert lines[0].split() == [
        "function", "arch", "memory", "invocations", "GB-s",
        "request", "duration", "provisioned", "storage", "total",
    ]  # fmt: skip
    assert lines[2].split()[:5] == ["resize", "x86_64", "512", "MB", "1"]
    assert lines[3].split()[:5] == ["classify", "arm64", "2048", "MB", "0"]
    assert lines[5].split()[0] == "total"
    assert "$0.0000012" in report  # 0.06 GB-s x $0.0000166667 + $0.0000002
    data = json.loads(app.costs.to_json())
    assert data["functions"]["resize"]["memory_mb"] == 512
    assert Decimal(data["total"]["total"]) == app.costs.total().total
    assert data["region"] == "us-east-1"


async def test_a_budget_calls_back_once_and_can_throttle(clock: FakeClock) -> None:
    crossings: list[tuple[Decimal, Decimal]] = []
    app = App(
        clock=clock,
        budget="0.00000102",  # five invocations of 1 ms at 128 MB cost $0.00000101...
        on_budget_exceeded=lambda spent, limit: crossings.append((spent, limit)),
        throttle_over_budget=True,
    )
    app.function(name="a")(takes(clock))
    for _ in range(5):
        await app.invoke("a", {"ms": 1})
    assert crossings == []
    await app.invoke("a", {"ms": 1})
    assert len(crossings) == 1
    assert crossings[0][0] > crossings[0][1] == Decimal("0.00000102")
    with pytest.raises(BudgetExceeded, match=r"budget of \$0.00000102 is spent") as caught:
        await app.invoke("a", {"ms": 1})
    assert caught.value.reason == "BudgetExceeded"
    assert caught.value.status_code == 429
    assert app.metrics("a")["Throttles"] == 1
    assert len(crossings) == 1


async def test_a_budget_without_throttling_only_calls_back(clock: FakeClock) -> None:
    crossings: list[Decimal] = []
    app = App(clock=clock, budget=0.0000001, on_budget_exceeded=lambda s, _: crossings.append(s))
    app.function(name="a")(takes(clock))
    for _ in range(3):
        await app.invoke("a", {"ms": 1})
    assert len(crossings) == 1
    assert app.costs.total().requests == 3


async def test_provisioned_concurrency_counts_against_the_budget(clock: FakeClock) -> None:
    crossings: list[Decimal] = []
    app = App(clock=clock, budget="0.01", on_budget_exceeded=lambda s, _: crossings.append(s))

    @app.function(memory=10_240, provisioned_concurrency=10)
    def idle(event: Any, context: Context) -> None: ...

    async with app:  # 100 GB configured, billed in five-minute steps: $0.125 at once
        await clock.advance(60)  # the maintenance sweep counts it
    assert len(crossings) == 1


def test_budget_options_are_checked() -> None:
    with pytest.raises(ConfigurationError, match=r"budget=.*-1.* must be more than 0"):
        App(budget=-1)
    with pytest.raises(ConfigurationError, match="need a budget"):
        App(throttle_over_budget=True)
    with pytest.raises(ConfigurationError, match="ledger_rows=-1"):
        App(ledger_rows=-1)


@pytest.mark.slow
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.timeout(180)  # long even alone; longer beside other tests
async def test_a_million_invocations_keep_the_ledger_flat(anyio_backend: str) -> None:
    app = App()

    @app.function
    async def tiny(event: Any, context: Context) -> None: ...

    async def invoke(times: int) -> None:
        for _ in range(times):
            await app.invoke("tiny")

    async with app:
        await invoke(1000)
        gc.collect()
        ledger = app._functions["tiny"].ledger
        before = (len(gc.get_objects()), _size(ledger))
        await invoke(1_000_000)
        gc.collect()
        after = (len(gc.get_objects()), _size(ledger))
    assert app.costs.total().requests == 1_001_000
    assert after[1] - before[1] <= 16  # a few more bytes in its integers, nothing else
    assert after[0] - before[0] < 100  # no object per invocation anywhere


def _size(ledger: object) -> int:
    return sum(sys.getsizeof(getattr(ledger, name, None)) for name in type(ledger).__slots__)
