"""Property tests of the accountant: bills are exact, and sharing a month's tiers and free tier
out among functions neither loses nor invents a fraction of a cent."""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from typing import Any

import anyio
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import App, Context
from faaslib.billing import Bill, PriceCatalog, Usage, bill_usages
from faaslib.billing.bill import bill_aggregate, sum_bills
from faaslib.testing import FakeClock

# Up to 10^17 MB-ms is about 10^11 GB-s: enough to cross every duration tier.
AMOUNT = st.integers(min_value=0, max_value=10**17)


@st.composite
def usages(draw: st.DrawFn) -> Usage:
    on_demand = draw(AMOUNT)
    return Usage(
        architecture=draw(st.sampled_from(["x86_64", "arm64"])),
        requests=draw(st.integers(min_value=0, max_value=10**11)),
        on_demand_mb_ms=on_demand,
        init_mb_ms=draw(st.integers(min_value=0, max_value=on_demand)),
        provisioned_mb_ms=draw(AMOUNT),
        provisioned_mb_seconds=draw(st.integers(min_value=0, max_value=10**14)),
        storage_mb_ms=draw(AMOUNT),
    )


@settings(max_examples=300)
@given(st.lists(usages(), max_size=8), st.booleans(), st.booleans())
def test_the_sum_of_the_functions_bills_is_the_bill_of_the_whole(
    workload: list[Usage], free_tier: bool, bill_init: bool
) -> None:
    catalog = PriceCatalog(bill_init=bill_init)
    bills = bill_usages(workload, catalog, free_tier=free_tier)
    assert sum_bills(bills) == bill_aggregate(workload, catalog, free_tier=free_tier)
    for bill in bills:
        with decimal.localcontext() as exact:
            exact.prec = 80
            parts = bill.request_cost + bill.compute_cost + bill.provisioned_cost
            assert bill.total == parts + bill.storage_cost
        assert min(bill.request_cost, bill.compute_cost, bill.storage_cost) >= 0
        cents = bill.in_cents()
        assert cents.total == (
            cents.request_cost + cents.compute_cost + cents.provisioned_cost + cents.storage_cost
        )
        assert abs(cents.total - bill.total) <= Decimal("0.025")  # at most half a cent each


@settings(max_examples=100)
@given(st.lists(usages(), min_size=1, max_size=5))
def test_the_free_tier_never_costs_more(workload: list[Usage]) -> None:
    catalog = PriceCatalog()
    with_free = bill_aggregate(workload, catalog, free_tier=True)
    without = bill_aggregate(workload, catalog, free_tier=False)
    assert with_free.total <= without.total
    saving = without.total - with_free.total
    most = (
        catalog.free_tier_requests * catalog.request
        + catalog.free_tier_gb_seconds * catalog.x86_64.duration_tiers[0].price
    )
    assert saving <= most


FUNCTIONS = [
    ("small", 128, "x86_64", 512),
    ("big", 3008, "arm64", 10_240),
    ("mid", 1769, "x86_64", 600),
]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 2), st.floats(0, 5000, allow_nan=False).map(lambda v: round(v, 3))
        ),
        max_size=30,
    )
)
def test_an_apps_ledger_bills_exactly_what_ran(workload: list[tuple[int, float]]) -> None:
    clock = FakeClock()
    app = App(clock=clock)

    def handler(event: Any, context: Context) -> None:
        clock.tick(event["ms"] / 1000)

    for name, memory, architecture, storage in FUNCTIONS:
        app.function(
            name=name, memory=memory, architecture=architecture, ephemeral_storage=storage
        )(handler)

    async def run() -> None:
        for index, ms in workload:
            await app.invoke(FUNCTIONS[index][0], {"ms": ms})

    anyio.run(run)
    by_function = app.costs.by_function()
    assert sum_bills(by_function.values()) == app.costs.total()
    for index, (name, memory, _, _) in enumerate(FUNCTIONS):
        billed = [max(1, math.ceil(round(ms, 6))) for i, ms in workload if i == index]
        bill: Bill = by_function[name]
        assert bill.requests == len(billed)
        assert bill.gb_seconds == Decimal(memory * sum(billed)) / 1_024_000
