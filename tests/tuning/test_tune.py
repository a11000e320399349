"""`app.tune` on in-process functions: their CPU time scaled to Lambda's share (modelled)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import pytest

from faaslib import App, ConfigurationError, FunctionError, ResourceNotFound
from faaslib.billing import PriceCatalog
from faaslib.billing.ledger import FunctionLedger
from tests.tuning import handlers

pytestmark = pytest.mark.anyio

MEMORY = [128, 256, 512, 1024, 1769, 3008]


def tuned_app() -> App:
    app = App("tuned")
    app.function(name="cpu", memory=1024, timeout=30)(handlers.cpu_bound)
    app.function(name="sleep", memory=1024)(handlers.sleep_bound)
    app.function(name="async-cpu", timeout=30)(handlers.async_cpu_bound)
    app.function(name="async-sleep")(handlers.async_sleep_bound)
    app.function(name="recording")(handlers.recording)
    app.function(name="failing")(handlers.failing)
    app.function(name="loader", timeout=30)(handlers.Loader)
    return app


def p50(result: Any) -> dict[int, float]:
    return {row.memory: row.duration_p50_ms for row in result.rows}


async def test_cpu_bound_gets_faster_up_to_one_vcpu_then_flat() -> None:
    app = tuned_app()
    result = await app.tune("cpu", [{"rounds": 20_000}], memory=MEMORY, invocations=5)
    durations = p50(result)
    print(result.table())
    assert [row.memory for row in result.rows] == MEMORY
    assert all(row.kind == "modelled" and row.invocations == 5 for row in result.rows)
    # each step up to 1,769 MB faster: the model takes 0.5 to 0.58 of the time, and a busy
    # host's noise is less than the rest
    for smaller, larger in itertools.pairwise(MEMORY[:5]):
        assert durations[larger] < durations[smaller] * 0.8, (smaller, larger, durations)
    assert durations[3008] == pytest.approx(durations[1769], rel=0.15)
    # cost: about flat up to one vCPU, then rising with memory at the same duration
    costs = {row.memory: row.cost_per_invocation for row in result.rows}
    assert costs[3008] > costs[1769] * Decimal("1.3")
    assert result.recommended <= 1769  # Power Tuning's cost pick: before cost rises
    assert result.recommended_row.cost_per_invocation == min(costs.values())
    assert result.method.startswith("modelled: CPU time scaled by the share")


async def test_sleep_bound_is_flat_and_costs_more_with_memory() -> None:
    app = tuned_app()
    result = await app.tune("sleep", [{}], memory=MEMORY, invocations=3)
    durations = p50(result)
    assert all(20.0 <= duration < 40.0 for duration in durations.values()), durations
    costs = [row.cost_per_invocation for row in result.rows]
    assert costs == sorted(costs)
    assert costs[0] < costs[-1]
    assert result.recommended == 128
    assert result.why.startswith("128 MB is the cheapest: $")


async def test_async_handlers_are_measured_on_the_loop_thread() -> None:
    app = tuned_app()
    cpu = await app.tune("async-cpu", [{}], memory=[128, 1769], invocations=3)
    assert p50(cpu)[128] > p50(cpu)[1769] * 5  # its CPU time was seen and scaled
    sleep = await app.tune("async-sleep", [{}], memory=[128, 1769], invocations=3)
    # waiting does not scale: only the handler's own steps count, not the loop's wake-ups
    assert p50(sleep)[128] == pytest.approx(p50(sleep)[1769], rel=0.3)
    assert sleep.recommended == 128


async def test_rows_are_priced_as_the_ledger_prices_an_invocation() -> None:
    prices = PriceCatalog(request=Decimal("0.0000004"))
    app = App("priced", prices=prices)
    app.function(name="sleep", ephemeral_storage=1024)(handlers.sleep_bound)
    result = await app.tune("sleep", [{}], memory=[512], invocations=2)
    row = result.rows[0]
    ledger = FunctionLedger("sleep", "x86_64", 512, 1024, prices)
    # a charge is linear in billed ms: the request, then duration and storage per ms
    request, per_second = (
        ledger.charge(0, False),
        ledger.charge(1000, False) - ledger.charge(0, False),
    )
    expected = request + per_second * Decimal(row.billed_ms) / 1000
    assert request == Decimal("0.0000004")
    assert row.cost_per_invocation == pytest.approx(expected, rel=Decimal("1e-20"))
    assert row.cost_per_million == row.cost_per_invocation * 1_000_000


async def test_tuning_leaves_the_apps_bill_metrics_and_instances_alone() -> None:
    app = tuned_app()
    async with app:
        await app.invoke("sleep", {})
        before = (app.costs.total(), app.metrics("sleep")["Invocations"], app.instances("sleep"))
        await app.tune("sleep", [{}], memory=[128, 256], invocations=2)
        after = (app.costs.total(), app.metrics("sleep")["Invocations"], app.instances("sleep"))
    assert before == after
    assert app.functions == (
        "cpu",
        "sleep",
        "async-cpu",
        "async-sleep",
        "recording",
        "failing",
        "loader",
    )
    assert app.function_configuration("sleep").memory == 1024


async def test_payloads_are_used_in_turn_at_each_memory_size() -> None:
    app = tuned_app()
    handlers.SEEN.clear()
    await app.tune("recording", [{"n": 1}, {"n": 2}], memory=[128, 256], invocations=3)
    by_memory: dict[str, list[Any]] = {}
    for event, memory in handlers.SEEN:
        by_memory.setdefault(memory, []).append(event["n"])
    # the first invocation of each size is its cold start, not counted
    assert by_memory == {"128": [1, 1, 2, 1], "256": [1, 1, 2, 1]}


async def test_cold_reports_each_sizes_init_scaled_like_the_handler() -> None:
    app = tuned_app()
    result = await app.tune("loader", [{}], memory=[128, 1769], invocations=1, cold=True)
    init = {row.memory: row.init_ms for row in result.rows}
    assert init[128] is not None
    assert init[1769] is not None
    # the class's __init__ burns CPU, scaled 14 times at 128 MB (the hand-off to a new
    # thread, which the init also waits for, is not)
    assert init[128] > init[1769] * 2
    cost = {row.memory: row.init_cost for row in result.rows}
    assert cost[128] is not None
    assert cost[128] > 0
    warm = await app.tune("loader", [{}], memory=[128], invocations=1)
    assert warm.rows[0].init_ms is None
    assert warm.rows[0].init_cost is None


async def test_arm64_rows_are_priced_at_arms_price_and_never_measured() -> None:
    app = tuned_app()
    result = await app.tune(
        "sleep", [{}], memory=[128], invocations=2, architectures=("x86_64", "arm64")
    )
    x86, arm = result.rows
    assert (x86.architecture, arm.architecture) == ("x86_64", "arm64")
    assert arm.kind == "modelled"
    prices = PriceCatalog()
    for row in result.rows:  # request price + GB-second price times the billed duration
        per_gb_second = prices.prices(row.architecture).duration_tiers[0].price  # type: ignore[arg-type]
        compute = Decimal(row.billed_ms) * 128 / 1_024_000 * per_gb_second
        assert row.cost_per_invocation == pytest.approx(
            prices.request + compute, rel=Decimal("1e-12")
        )
    assert any("arm64 rows ran on this x86_64 host" in note for note in result.notes)
    assert "(" in result.cpu_model
    assert "CPUs" in result.cpu_model


async def test_a_handler_error_stops_the_run_naming_the_memory_size() -> None:
    app = tuned_app()
    with pytest.raises(FunctionError, match="at 128 MB while tuning: not enough memory"):
        await app.tune("failing", [{}], memory=[128, 1024], invocations=1)
    result = await app.tune("failing", [{}], memory=[512, 1024], invocations=1)
    assert result.recommended == 512


async def test_progress_is_told_of_every_invocation() -> None:
    app = tuned_app()
    seen: list[tuple[int, int]] = []
    await app.tune(
        "sleep", [{}], memory=[128, 256], invocations=2, progress=lambda *a: seen.append(a)
    )
    assert seen == [(n, 6) for n in range(1, 7)]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"memory": [100]}, "function 'sleep': memory=100 is below the minimum of 128 MB"),
        ({"memory": [10_241]}, "function 'sleep': memory=10241 is above the maximum of 10,240 MB"),
        ({"memory": []}, "function 'sleep': memory=\\[\\] is empty"),
        ({"memory": 512}, "function 'sleep': memory=512 must be a list of memory sizes in MB"),
        ({"payloads": []}, "function 'sleep': payloads=\\[\\] is empty"),
        ({"payloads": {"a": 1}}, "function 'sleep': payloads=.* must be a list of payloads"),
        ({"invocations": 0}, "function 'sleep': invocations=0 must be at least 1"),
        ({"strategy": "fast"}, "function 'sleep': strategy='fast' is not one of cost, speed"),
        ({"balanced_weight": 2}, "function 'sleep': balanced_weight=2 must be between 0 and 1"),
        ({"architectures": ("x86",)}, "function 'sleep': architecture 'x86' is not one of"),
    ],
)
async def test_bad_arguments_are_refused_naming_the_field_and_the_limit(
    arguments: dict[str, Any], message: str
) -> None:
    app = tuned_app()
    options = {"payloads": [{}], "memory": [128], "invocations": 1, **arguments}
    with pytest.raises(ConfigurationError, match=message):
        await app.tune("sleep", **options)


async def test_an_unknown_function_is_not_found() -> None:
    app = tuned_app()
    with pytest.raises(ResourceNotFound, match=r"Function not found: .*:function:nope"):
        await app.tune("nope", [{}])
