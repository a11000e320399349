"""Pricing usage into bills, exactly as AWS does, and `estimate()` for a workload on paper.

Usage is kept in integer units (MB times billed milliseconds), so a GB-second is
`MB·ms / 1,024,000` (AWS converts MB to GB by dividing by 1,024), a terminating decimal: every
cost is an exact `Decimal`, and a bill is exactly the sum of its rows. Rounding to cents happens
only when asked for (`Bill.in_cents()`), the way AWS's pricing page does it: each charge rounded
half-up to the cent, then added.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal

import msgspec

from faaslib.billing.catalog import Architecture, PriceCatalog, PriceTier

__all__ = ["Bill", "Usage", "bill_usages", "estimate"]

MB_MS_PER_GB_SECOND = 1024 * 1000
CENT = Decimal("0.01")
ZERO = Decimal(0)
# Enough digits that no product of usage and price is ever rounded.
EXACT = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP)


class Usage(msgspec.Struct, kw_only=True):
    """What one function used, in the units AWS bills.

    `on_demand_mb_ms` includes the billed init of cold starts (`init_mb_ms` says how much of it
    was init, for catalogs that do not bill init); `provisioned_mb_ms` is duration run on
    provisioned instances; `provisioned_mb_seconds` is provisioned concurrency configured
    (concurrency times MB times seconds, already rounded up as AWS rounds it); `storage_mb_ms` is
    ephemeral storage above the free 512 MB times billed milliseconds.
    """

    architecture: Architecture = "x86_64"
    requests: int | Decimal = 0
    on_demand_mb_ms: int | Decimal = 0
    init_mb_ms: int | Decimal = 0
    provisioned_mb_ms: int | Decimal = 0
    provisioned_mb_seconds: int | Decimal = 0
    storage_mb_ms: int | Decimal = 0


class Bill(msgspec.Struct, frozen=True, kw_only=True):
    """What some usage costs, in dollars (exact `Decimal`s unless rounded with `in_cents()`).

    `compute_cost` is on-demand duration (tiered, after any free tier); `provisioned_cost` is
    what provisioned concurrency adds: the concurrency configured
    (`provisioned_concurrency_cost`) and the duration run on provisioned instances
    (`provisioned_compute_cost`); `storage_cost` is ephemeral storage above 512 MB;
    `durable_cost` is what a durable function's executions add (operations, data written and
    retained: `faaslib.durable.usage`). `total` is the sum of request, compute, provisioned,
    storage and durable costs.
    """

    request_cost: Decimal = ZERO
    compute_cost: Decimal = ZERO
    provisioned_cost: Decimal = ZERO
    storage_cost: Decimal = ZERO
    total: Decimal = ZERO
    provisioned_concurrency_cost: Decimal = ZERO
    provisioned_compute_cost: Decimal = ZERO
    requests: int | Decimal = 0
    gb_seconds: Decimal = ZERO  # of duration, on demand and on provisioned instances
    durable_cost: Decimal = ZERO

    @classmethod
    def of(
        cls,
        *,
        request_cost: Decimal,
        compute_cost: Decimal,
        provisioned_concurrency_cost: Decimal,
        provisioned_compute_cost: Decimal,
        storage_cost: Decimal,
        requests: int | Decimal,
        gb_seconds: Decimal,
        durable_cost: Decimal = ZERO,
    ) -> Bill:
        provisioned = EXACT.add(provisioned_concurrency_cost, provisioned_compute_cost)
        total = EXACT.add(EXACT.add(request_cost, compute_cost), provisioned)
        total = EXACT.add(total, durable_cost)
        return cls(
            request_cost=request_cost,
            compute_cost=compute_cost,
            provisioned_cost=provisioned,
            storage_cost=storage_cost,
            total=EXACT.add(total, storage_cost),
            provisioned_concurrency_cost=provisioned_concurrency_cost,
            provisioned_compute_cost=provisioned_compute_cost,
            requests=requests,
            gb_seconds=gb_seconds,
            durable_cost=durable_cost,
        )

    def __add__(self, other: Bill) -> Bill:
        return Bill.of(
            request_cost=EXACT.add(self.request_cost, other.request_cost),
            compute_cost=EXACT.add(self.compute_cost, other.compute_cost),
            provisioned_concurrency_cost=EXACT.add(
                self.provisioned_concurrency_cost, other.provisioned_concurrency_cost
            ),
            provisioned_compute_cost=EXACT.add(
                self.provisioned_compute_cost, other.provisioned_compute_cost
            ),
            storage_cost=EXACT.add(self.storage_cost, other.storage_cost),
            requests=self.requests + other.requests,
            gb_seconds=EXACT.add(self.gb_seconds, other.gb_seconds),
            durable_cost=EXACT.add(self.durable_cost, other.durable_cost),
        )

    def in_cents(self) -> Bill:
        """Each charge rounded half-up to the cent, and the totals their sums, as AWS's pricing
        page computes its examples."""
        return Bill.of(
            request_cost=_cents(self.request_cost),
            compute_cost=_cents(self.compute_cost),
            provisioned_concurrency_cost=_cents(self.provisioned_concurrency_cost),
            provisioned_compute_cost=_cents(self.provisioned_compute_cost),
            storage_cost=_cents(self.storage_cost),
            requests=self.requests,
            gb_seconds=self.gb_seconds,
            durable_cost=_cents(self.durable_cost),
        )


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, decimal.ROUND_HALF_UP)


def sum_bills(bills: Iterable[Bill]) -> Bill:
    total = Bill()
    for bill in bills:
        total = total + bill
    return total


def gb_seconds(mb_ms: int | Decimal) -> Decimal:
    return EXACT.divide(Decimal(mb_ms), MB_MS_PER_GB_SECOND)


def bill_usages(
    usages: Sequence[Usage], catalog: PriceCatalog, *, free_tier: bool = False
) -> list[Bill]:
    """Bill each usage for one month, in order.

    On-demand duration tiers apply to the aggregate of each architecture, and the free tier (if
    applied) to the aggregate of all: both are used up in the order of `usages`, as a meter
    running through the month would. The free tier covers requests and on-demand duration, never
    provisioned concurrency or the duration run on it (AWS's pricing page applies it so in its
    provisioned concurrency example, though its text says functions with provisioned concurrency
    get none).
    """
    free_requests = Decimal(catalog.free_tier_requests if free_tier else 0)
    free_gb_seconds = catalog.free_tier_gb_seconds if free_tier else ZERO
    metered: dict[str, Decimal] = {"x86_64": ZERO, "arm64": ZERO}
    bills = []
    for usage in usages:
        requests = Decimal(usage.requests)
        on_demand = _on_demand_gb_seconds(usage, catalog)
        free = min(free_requests, requests)
        requests -= free
        free_requests -= free
        free = min(free_gb_seconds, on_demand)
        billable = on_demand - free
        free_gb_seconds -= free
        tiers = catalog.prices(usage.architecture).duration_tiers
        compute = _tiered(tiers, metered[usage.architecture], billable)
        metered[usage.architecture] += billable
        configured, provisioned_run = _provisioned_costs(usage, catalog)
        bills.append(
            Bill.of(
                request_cost=EXACT.multiply(requests, catalog.request),
                compute_cost=compute,
                provisioned_concurrency_cost=configured,
                provisioned_compute_cost=provisioned_run,
                storage_cost=EXACT.multiply(
                    gb_seconds(usage.storage_mb_ms), catalog.ephemeral_storage
                ),
                requests=usage.requests,
                gb_seconds=EXACT.add(on_demand, gb_seconds(usage.provisioned_mb_ms)),
            )
        )
    return bills


def bill_aggregate(
    usages: Sequence[Usage], catalog: PriceCatalog, *, free_tier: bool = False
) -> Bill:
    """One bill for all of `usages`, priced on their aggregates: per architecture for duration
    tiers, overall for requests, provisioned concurrency and storage.

    The free GB-seconds go to architectures in the order `usages` use them up, as in
    `bill_usages`; everything else depends only on the totals.
    """
    free_requests = catalog.free_tier_requests if free_tier else 0
    free_gb_seconds = catalog.free_tier_gb_seconds if free_tier else ZERO
    requests = sum((Decimal(usage.requests) for usage in usages), ZERO)
    on_demand: dict[Architecture, Decimal] = {"x86_64": ZERO, "arm64": ZERO}
    free_of: dict[Architecture, Decimal] = {"x86_64": ZERO, "arm64": ZERO}
    configured = provisioned_run = storage = gross = ZERO
    for usage in usages:
        amount = _on_demand_gb_seconds(usage, catalog)
        free = min(free_gb_seconds, amount)
        free_gb_seconds -= free
        free_of[usage.architecture] += free
        on_demand[usage.architecture] += amount
        gross += amount + gb_seconds(usage.provisioned_mb_ms)
        # provisioned prices differ by architecture: each usage's share is priced on its own
        concurrency_cost, run_cost = _provisioned_costs(usage, catalog)
        configured = EXACT.add(configured, concurrency_cost)
        provisioned_run = EXACT.add(provisioned_run, run_cost)
        storage += gb_seconds(usage.storage_mb_ms)
    compute = ZERO
    for architecture, amount in on_demand.items():
        tiers = catalog.prices(architecture).duration_tiers
        compute = EXACT.add(compute, _tiered(tiers, ZERO, amount - free_of[architecture]))
    return Bill.of(
        request_cost=EXACT.multiply(max(ZERO, requests - free_requests), catalog.request),
        compute_cost=compute,
        provisioned_concurrency_cost=configured,
        provisioned_compute_cost=provisioned_run,
        storage_cost=EXACT.multiply(storage, catalog.ephemeral_storage),
        requests=sum(usage.requests for usage in usages),
        gb_seconds=gross,
    )


def _on_demand_gb_seconds(usage: Usage, catalog: PriceCatalog) -> Decimal:
    """On-demand duration as billed: with the init of cold starts, unless the catalog says not."""
    mb_ms = Decimal(usage.on_demand_mb_ms)
    if not catalog.bill_init:
        mb_ms -= Decimal(usage.init_mb_ms)
    return gb_seconds(mb_ms)


def _provisioned_costs(usage: Usage, catalog: PriceCatalog) -> tuple[Decimal, Decimal]:
    """What the concurrency configured, and the duration run on it, cost."""
    prices = catalog.prices(usage.architecture)
    configured = EXACT.divide(Decimal(usage.provisioned_mb_seconds), 1024)
    return (
        EXACT.multiply(configured, prices.provisioned_concurrency),
        EXACT.multiply(gb_seconds(usage.provisioned_mb_ms), prices.provisioned_duration),
    )


def _tiered(tiers: Sequence[PriceTier], already: Decimal, amount: Decimal) -> Decimal:
    """The cost of `amount` GB-seconds on top of `already` this month, tier by tier."""
    cost = ZERO
    start = already
    end = already + amount
    for tier in tiers:
        limit = tier.up_to_gb_seconds
        top = end if limit is None else min(end, limit)
        if top > start:
            cost = EXACT.add(cost, EXACT.multiply(top - start, tier.price))
            start = top
        if start >= end:
            break
    return cost


def estimate(
    memory_mb: int,
    invocations: int,
    duration_ms: float | Decimal,
    architecture: Architecture = "x86_64",
    ephemeral_storage_mb: int = 512,
    provisioned_concurrency: int = 0,
    provisioned_seconds: float = 0,
    free_tier: bool = False,
    *,
    provisioned_invocations: int | None = None,
    provisioned_duration_ms: float | Decimal | None = None,
    catalog: PriceCatalog | None = None,
) -> Bill:
    """What a month of this workload costs on Lambda, in cents, as AWS's pricing page computes it.

    ```pycon
    >>> estimate(1536, 3_000_000, 120, free_tier=True).total  # the pricing page's example
    Decimal('2.73')
    ```

    Each invocation is billed `ceil(duration_ms)` milliseconds. With provisioned concurrency,
    `provisioned_invocations` of the invocations (all of them, unless told) run on provisioned
    instances, for `provisioned_duration_ms` each (`duration_ms` unless told), at the
    provisioned duration price, and the rest on demand; the concurrency is billed for
    `provisioned_seconds`, rounded up to five minutes. Each charge is rounded half-up to the
    cent, and `total` is their sum.
    """
    _check("memory_mb", memory_mb, 128, 10_240, "MB")
    _check("ephemeral_storage_mb", ephemeral_storage_mb, 512, 10_240, "MB")
    _check("invocations", invocations, 0, None, "")
    _check("provisioned_concurrency", provisioned_concurrency, 0, None, "")
    if not duration_ms >= 0 or not provisioned_seconds >= 0:
        raise ValueError(
            f"estimate: duration_ms={duration_ms} and provisioned_seconds={provisioned_seconds} "
            "must be 0 or more"
        )
    catalog = catalog or PriceCatalog()
    billed_ms = math.ceil(Decimal(str(duration_ms)))
    provisioned_ms = math.ceil(
        Decimal(str(duration_ms if provisioned_duration_ms is None else provisioned_duration_ms))
    )
    if provisioned_concurrency and provisioned_invocations is None:
        provisioned_invocations = invocations
    on_provisioned = provisioned_invocations or 0
    if not 0 <= on_provisioned <= invocations:
        raise ValueError(
            f"estimate: provisioned_invocations={on_provisioned} must be from 0 to "
            f"invocations={invocations}"
        )
    rounding = catalog.provisioned_rounding_seconds
    seconds = math.ceil(Decimal(str(provisioned_seconds)) / rounding) * rounding
    usage = Usage(
        architecture=architecture,
        requests=invocations,
        on_demand_mb_ms=memory_mb * billed_ms * (invocations - on_provisioned),
        provisioned_mb_ms=memory_mb * provisioned_ms * on_provisioned,
        provisioned_mb_seconds=provisioned_concurrency * memory_mb * seconds,
        storage_mb_ms=max(0, ephemeral_storage_mb - 512)
        * (billed_ms * (invocations - on_provisioned) + provisioned_ms * on_provisioned),
    )
    return bill_usages([usage], catalog, free_tier=free_tier)[0].in_cents()


def _check(field: str, value: int, lowest: int, highest: int | None, unit: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"estimate: {field}={value!r} must be a whole number")
    if value < lowest or (highest is not None and value > highest):
        allowed = f"{lowest:,} to {highest:,}" if highest is not None else f"at least {lowest}"
        unit = f" {unit}" if unit else ""
        raise ValueError(f"estimate: {field}={value:,} is out of range (allowed: {allowed}{unit})")
