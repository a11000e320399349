"""The ledger: every billed invocation, kept per function in integers on the invoke path.

Recording an invocation is four integer additions, so ten million invocations cost no more
memory than one; prices are applied only when a bill is asked for. An app can also keep the
last N invocations as rows (`App(ledger_rows=N)`), each with its cost at the catalog's first-tier
prices, and the time it was billed.
"""

from __future__ import annotations

import math
from collections import deque
from decimal import Decimal

import msgspec

from faaslib.billing.bill import EXACT, MB_MS_PER_GB_SECOND, Usage
from faaslib.billing.catalog import Architecture, PriceCatalog
from faaslib.clock import Clock, SystemClock

__all__ = ["FunctionLedger", "LedgerRow"]


class LedgerRow(msgspec.Struct, frozen=True, kw_only=True):
    """One billed invocation, priced at first-tier prices without the free tier; `at` is when
    it was billed, by the app's clock (`now()`, Unix seconds)."""

    function_name: str
    request_id: str
    architecture: Architecture
    memory_mb: int
    billed_duration_ms: int
    init_duration_ms: float | None
    on_provisioned: bool
    request_cost: Decimal
    compute_cost: Decimal
    storage_cost: Decimal
    total: Decimal
    at: float


class FunctionLedger:
    """What one function used: requests, billed milliseconds on demand and on provisioned
    instances, the init part of cold starts, and provisioned concurrency over time."""

    __slots__ = (
        "_catalog",
        "_clock",
        "_per_ms",
        "_provisioned_since",
        "architecture",
        "extra_storage_mb",
        "init_ms",
        "memory_mb",
        "name",
        "on_demand_ms",
        "provisioned_concurrency",
        "provisioned_init_ms",
        "provisioned_instance_seconds",
        "provisioned_ms",
        "requests",
        "rows",
    )

    def __init__(
        self,
        name: str,
        architecture: Architecture,
        memory_mb: int,
        ephemeral_storage_mb: int,
        catalog: PriceCatalog,
        rows: deque[LedgerRow] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.architecture = architecture
        self.memory_mb = memory_mb
        self.extra_storage_mb = max(0, ephemeral_storage_mb - 512)
        self.rows = rows
        self._catalog = catalog
        # Read only when a row is kept: with rows off, billing never looks at the time.
        self._clock = clock if clock is not None else SystemClock()
        prices = catalog.prices(architecture)
        # per billed ms, at first-tier prices: (on demand, on provisioned) duration, storage
        self._per_ms = (
            _per_ms(memory_mb, prices.duration_tiers[0].price),
            _per_ms(memory_mb, prices.provisioned_duration),
            _per_ms(self.extra_storage_mb, catalog.ephemeral_storage),
        )
        self.provisioned_concurrency = 0
        self._provisioned_since: float | None = None
        self.reset(0.0)

    def reset(self, now: float) -> None:
        """Start counting afresh; provisioned concurrency still configured is billed from now."""
        self.requests = 0
        self.on_demand_ms = 0
        self.init_ms = 0
        self.provisioned_ms = 0
        self.provisioned_init_ms = 0
        self.provisioned_instance_seconds = 0
        if self._provisioned_since is not None:
            self._provisioned_since = now
        if self.rows is not None:
            self.rows.clear()

    def record(self, billed_ms: int, on_provisioned: bool, init_billed_ms: int = 0) -> None:
        """Add one billed invocation; `init_billed_ms` is the part of a cold start's billed
        duration that its init added."""
        self.requests += 1
        if on_provisioned:
            self.provisioned_ms += billed_ms
        else:
            self.on_demand_ms += billed_ms
            if init_billed_ms:
                self.init_ms += init_billed_ms

    def record_provisioned_init(self, billed_ms: int) -> None:
        """A provisioned instance's init: billed at the provisioned duration price even if the
        instance never serves a request (AWS's developer guide)."""
        self.provisioned_init_ms += billed_ms

    def keep_row(
        self,
        request_id: str,
        billed_ms: int,
        init_duration_ms: float | None,
        on_provisioned: bool,
    ) -> None:
        assert self.rows is not None
        request, compute, storage_cost = self._cost_parts(billed_ms, on_provisioned)
        self.rows.append(
            LedgerRow(
                function_name=self.name,
                request_id=request_id,
                architecture=self.architecture,
                memory_mb=self.memory_mb,
                billed_duration_ms=billed_ms,
                init_duration_ms=init_duration_ms,
                on_provisioned=on_provisioned,
                request_cost=request,
                compute_cost=compute,
                storage_cost=storage_cost,
                total=EXACT.add(EXACT.add(request, compute), storage_cost),
                at=self._clock.now(),
            )
        )

    def charge(self, billed_ms: int, on_provisioned: bool) -> Decimal:
        """What one invocation costs at first-tier prices, without the free tier."""
        request, compute, storage = self._cost_parts(billed_ms, on_provisioned)
        return EXACT.add(EXACT.add(request, compute), storage)

    def _cost_parts(self, billed_ms: int, on_provisioned: bool) -> tuple[Decimal, Decimal, Decimal]:
        """Request, duration and storage cost of one invocation, at first-tier prices."""
        on_demand, provisioned, storage = self._per_ms
        compute = EXACT.multiply(provisioned if on_provisioned else on_demand, billed_ms)
        return self._catalog.request, compute, EXACT.multiply(storage, billed_ms)

    # -- provisioned concurrency over time --------------------------------------------------

    def provision(self, concurrency: int, now: float) -> None:
        """Provisioned concurrency is now `concurrency` (0: disabled). Each period it stays the
        same is billed rounded up to five minutes, as AWS bills it."""
        self.provisioned_instance_seconds += self._open_period(now)
        self.provisioned_concurrency = concurrency
        self._provisioned_since = now if concurrency else None

    def _open_period(self, now: float) -> int:
        if self._provisioned_since is None:
            return 0
        rounding = self._catalog.provisioned_rounding_seconds
        seconds = math.ceil(max(0.0, now - self._provisioned_since) / rounding) * rounding
        return self.provisioned_concurrency * max(seconds, rounding)

    def usage(self, now: float) -> Usage:
        """This function's usage so far, the open provisioned period included."""
        memory = self.memory_mb
        instance_seconds = self.provisioned_instance_seconds + self._open_period(now)
        return Usage(
            architecture=self.architecture,
            requests=self.requests,
            on_demand_mb_ms=memory * self.on_demand_ms,
            init_mb_ms=memory * self.init_ms,
            provisioned_mb_ms=memory * (self.provisioned_ms + self.provisioned_init_ms),
            provisioned_mb_seconds=memory * instance_seconds,
            storage_mb_ms=self.extra_storage_mb * (self.on_demand_ms + self.provisioned_ms),
        )


def _per_ms(mb: int, price_per_gb_second: Decimal) -> Decimal:
    return EXACT.divide(EXACT.multiply(Decimal(mb), price_per_gb_second), MB_MS_PER_GB_SECOND)
