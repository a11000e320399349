"""`app.costs`: what an app's functions have cost so far, what they would cost in a month, and a
budget that can stop them."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, overload

import msgspec

from faaslib.billing.bill import EXACT, Bill, Usage, bill_aggregate, bill_usages, sum_bills
from faaslib.billing.catalog import PriceCatalog
from faaslib.billing.ledger import FunctionLedger, LedgerRow
from faaslib.charts import render
from faaslib.charts.costs import Which, cost_charts
from faaslib.clock import Clock
from faaslib.durable.usage import DurableUsage

logger = logging.getLogger("faaslib.billing")

__all__ = ["Budget", "Costs"]

SECONDS_PER_MONTH = 730 * 3600  # AWS prices a month as 730 hours


class Budget:
    """Spend so far against a limit, checked as each invocation is billed.

    Spend counts every invocation at first-tier prices without the free tier, plus provisioned
    concurrency as it accrues: it can only run ahead of the bill, so the guard may trip a little
    early, never late.
    """

    __slots__ = (
        "_provisioned",
        "callback_errors",
        "crossed",
        "limit",
        "on_exceeded",
        "spent",
        "throttles",
    )

    def __init__(
        self,
        limit: Decimal,
        on_exceeded: Callable[[Decimal, Decimal], object] | None,
        throttles: bool,
    ) -> None:
        self.limit = limit
        self.on_exceeded = on_exceeded
        self.throttles = throttles
        self.spent = Decimal(0)
        self.crossed = False
        self.callback_errors = 0  # `on_exceeded` calls that raised: contained, logged, counted
        self._provisioned = Decimal(0)  # provisioned concurrency accrued, at the last check

    def charge(self, amount: Decimal) -> None:
        self.spent = EXACT.add(self.spent, amount)
        self._check()

    def accrue_provisioned(self, cost_so_far: Decimal) -> None:
        """Count provisioned concurrency billed so far (it grows with time, not invocations)."""
        self.spent = EXACT.add(self.spent, cost_so_far - self._provisioned)
        self._provisioned = cost_so_far
        self._check()

    def _check(self) -> None:
        if not self.crossed and self.spent > self.limit:
            self.crossed = True
            if self.on_exceeded is not None:
                self._call_back()

    def _call_back(self) -> None:
        """Run the user's callback; its failure is its own, never the invocation's that
        crossed the budget (which is billed and counted all the same)."""
        assert self.on_exceeded is not None
        try:
            self.on_exceeded(self.spent, self.limit)
        except Exception as error:
            self.callback_errors += 1
            logger.exception(
                "on_budget_exceeded callback %r raised %s (the budget of $%s is spent all "
                "the same)",
                getattr(self.on_exceeded, "__name__", self.on_exceeded),
                type(error).__name__,
                self.limit,
            )

    def reset(self) -> None:
        self.spent = Decimal(0)
        self._provisioned = Decimal(0)
        self.crossed = False


class Costs:
    """What an app's functions cost on Lambda, from its ledger.

    ```pycon
    >>> print(app.costs.report())
    >>> app.costs.total().total           # Decimal dollars, exact
    >>> app.costs.project(10_000_000)     # a month of ten million invocations
    ```

    Bills are exact `Decimal`s (`Bill.in_cents()` rounds them as AWS's invoices do) and `total()`
    is exactly the sum of `by_function()`. The free tier is left out unless asked for
    (`free_tier=True`); tiers and the free tier are used up in the order functions were
    registered.
    """

    def __init__(
        self,
        ledgers: Callable[[], Sequence[FunctionLedger]],
        clock: Clock,
        catalog: PriceCatalog,
        budget: Budget | None,
        own_ledgers: Callable[[], Sequence[FunctionLedger]] | None = None,
        durable: DurableUsage | None = None,
    ) -> None:
        self._ledgers = ledgers
        self._durable = durable  # durable executions' operations and data, beside compute
        self._own_ledgers = own_ledgers
        self._clock = clock
        self.catalog = catalog
        self.budget = budget
        # Called after a reset: a durable store forgets the totals it kept too.
        self.on_reset: Callable[[], None] | None = None

    def by_function(self, *, free_tier: bool = False) -> dict[str, Bill]:
        """Each function's bill so far."""
        ledgers = self._ledgers()
        now = self._clock.monotonic()
        bills = bill_usages(
            [ledger.usage(now) for ledger in ledgers], self.catalog, free_tier=free_tier
        )
        durable = self._durable_costs()
        return {
            ledger.name: _with_durable(bill, durable.get(ledger.name))
            for ledger, bill in zip(ledgers, bills, strict=True)
        }

    def total(self, *, free_tier: bool = False) -> Bill:
        """The app's bill so far, equal to the sum of `by_function()`.

        Worked out from the app's aggregate usage per architecture rather than by adding the
        functions' bills, so the two agreeing shows that sharing tiers and the free tier out
        among functions loses and invents nothing.
        """
        now = self._clock.monotonic()
        ledgers = self._ledgers()
        usages = [ledger.usage(now) for ledger in ledgers]
        durable = self._durable_costs()
        names = {ledger.name for ledger in ledgers}
        cost = sum((c for name, c in durable.items() if name in names), Decimal(0))
        return _with_durable(bill_aggregate(usages, self.catalog, free_tier=free_tier), cost)

    def _durable_costs(self) -> dict[str, Decimal]:
        if self._durable is None:
            return {}
        return {name: totals.cost for name, totals in self._durable.by_function.items()}

    def provisioned_concurrency_cost(self) -> Decimal:
        """What the provisioned concurrency configured so far costs."""
        return self.total().provisioned_concurrency_cost

    @property
    def rows(self) -> list[LedgerRow]:
        """The invocations kept as rows (`App(ledger_rows=N)` keeps the last N of each function),
        oldest first within each function."""
        return [row for ledger in self._ledgers() if ledger.rows for row in ledger.rows]

    def this_process(self) -> Costs:
        """This process's part of the bill: what its own invocations used since it started.

        `app.costs` is the bill of every process sharing the app's store (a SQLite file, a
        Redis prefix) and of its earlier runs there, kept in step once a second; with the memory
        store the two are the same. A view: it follows the ledgers as they grow."""
        if self._own_ledgers is None:
            return self
        return Costs(self._own_ledgers, self._clock, self.catalog, None, durable=self._durable)

    def reset(self) -> None:
        """Start counting afresh, from now (the budget's spend too)."""
        now = self._clock.monotonic()
        for ledger in self._ledgers():
            ledger.reset(now)
        if self.budget is not None:
            self.budget.reset()
        if self._durable is not None:
            self._durable.reset()
        if self.on_reset is not None:
            self.on_reset()

    def project(
        self, invocations: int | Mapping[str, int], *, free_tier: bool = True
    ) -> dict[str, Bill]:
        """A month of this workload at a new volume: each function keeps its measured
        milliseconds per invocation and its provisioned concurrency (configured all month),
        and the month's tiers and free tier are applied.

        `invocations` is the month's total, shared out as the measured invocations were, or a
        count per function name.
        """
        ledgers = self._ledgers()
        measured = sum(ledger.requests for ledger in ledgers)
        if isinstance(invocations, Mapping):
            unknown = set(invocations) - {ledger.name for ledger in ledgers}
            if unknown:
                raise ValueError(f"costs.project: no such function: {', '.join(sorted(unknown))}")
            targets = {ledger.name: Decimal(invocations.get(ledger.name, 0)) for ledger in ledgers}
        else:
            if invocations < 0:
                raise ValueError(f"costs.project: invocations={invocations} must be 0 or more")
            if not measured and invocations:
                raise ValueError("costs.project: nothing has been invoked yet to project from")
            share = EXACT.divide(Decimal(invocations), measured) if measured else Decimal(0)
            targets = {ledger.name: EXACT.multiply(share, ledger.requests) for ledger in ledgers}
        usages = [self._projected(ledger, targets[ledger.name]) for ledger in ledgers]
        bills = bill_usages(usages, self.catalog, free_tier=free_tier)
        return {ledger.name: bill for ledger, bill in zip(ledgers, bills, strict=True)}

    def _projected(self, ledger: FunctionLedger, invocations: Decimal) -> Usage:
        if invocations and not ledger.requests:
            raise ValueError(
                f"costs.project: function {ledger.name!r} has not been invoked yet, so there is "
                "no duration to project from"
            )
        usage = ledger.usage(self._clock.monotonic())
        scale = EXACT.divide(invocations, ledger.requests) if ledger.requests else Decimal(0)
        return Usage(
            architecture=usage.architecture,
            requests=invocations,
            on_demand_mb_ms=EXACT.multiply(scale, usage.on_demand_mb_ms),
            init_mb_ms=EXACT.multiply(scale, usage.init_mb_ms),
            provisioned_mb_ms=EXACT.multiply(scale, ledger.memory_mb * ledger.provisioned_ms),
            provisioned_mb_seconds=ledger.provisioned_concurrency
            * ledger.memory_mb
            * SECONDS_PER_MONTH,
            storage_mb_ms=EXACT.multiply(scale, usage.storage_mb_ms),
        )

    # -- presenting ---------------------------------------------------------------------------

    def to_dict(self, *, free_tier: bool = False) -> dict[str, Any]:
        """The bill as plain data: amounts as decimal strings (exact), per function and total."""
        ledgers = {ledger.name: ledger for ledger in self._ledgers()}
        functions = {
            name: {
                "architecture": ledgers[name].architecture,
                "memory_mb": ledgers[name].memory_mb,
                **_bill_data(bill),
            }
            for name, bill in self.by_function(free_tier=free_tier).items()
        }
        return {
            "currency": self.catalog.currency,
            "region": self.catalog.region,
            "free_tier": free_tier,
            "functions": functions,
            "total": _bill_data(self.total(free_tier=free_tier)),
        }

    @overload
    def chart(
        self,
        path: str | Path | None = None,
        *,
        format: Literal["svg", "html", "text"],
        which: Which = "all",
        free_tier: bool = False,
    ) -> str: ...

    @overload
    def chart(
        self,
        path: str | Path | None = None,
        format: str | None = None,
        *,
        which: Which = "all",
        free_tier: bool = False,
    ) -> str | bytes: ...

    def chart(
        self,
        path: str | Path | None = None,
        format: str | None = None,
        *,
        which: Which = "all",
        free_tier: bool = False,
    ) -> str | bytes:
        """The bill as a picture (`faaslib.charts.render`): the cost of each function as bars,
        and, when the app keeps rows (`App(ledger_rows=N)`), the cumulative cost over the run,
        each function's and all of them together. Both charts go in one file, one under the
        other (HTML, SVG, PNG) or one after the other (text); `which="function"` or `"time"`
        draws one. Returned, and written to `path` when given; the format is `format`, else
        the path's suffix (`.svg`, `.html`, `.png`, `.txt`).
        """
        # Rows are this process's: the invocations it billed but no longer keeps are its own
        # count less its rows (other processes' counts, carried in from a store, are not).
        own = (self._own_ledgers or self._ledgers)()
        bills = self.by_function(free_tier=free_tier)
        rows = self.rows
        dropped = sum(ledger.requests - len(ledger.rows) for ledger in own if ledger.rows)
        charts = cost_charts(
            {name: bill.total for name, bill in bills.items()},
            rows,
            which=which,
            dropped=max(0, dropped),
            currency=self.catalog.currency,
        )
        return render(charts, path, format)

    def to_json(self, *, free_tier: bool = False) -> str:
        return json.dumps(self.to_dict(free_tier=free_tier), indent=2)

    def report(self, *, free_tier: bool = False) -> str:
        """A readable table: one row per function and the total, in dollars."""
        ledgers = {ledger.name: ledger for ledger in self._ledgers()}
        bills = self.by_function(free_tier=free_tier)
        total = sum_bills(bills.values())
        header: tuple[str, ...] = (
            "function", "arch", "memory", "invocations", "GB-s",
            "request", "duration", "provisioned", "storage", "total",
        )  # fmt: skip
        durable = total.durable_cost != 0  # a column only for an app with durable executions
        if durable:
            header = (*header[:-1], "durable", header[-1])
        lines: list[tuple[str, ...]] = [header]
        for name, bill in bills.items():
            ledger = ledgers[name]
            memory = f"{ledger.memory_mb} MB"
            lines.append(_report_line(name, ledger.architecture, memory, bill, durable))
        lines.append(_report_line("total", "", "", total, durable))
        widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
        text = [
            "  ".join(
                cell.ljust(width) if column < 3 else cell.rjust(width)
                for column, (cell, width) in enumerate(zip(line, widths, strict=True))
            )
            for line in lines
        ]
        text.insert(1, "-" * len(text[0]))
        text.insert(-1, "-" * len(text[0]))
        tier = "free tier applied" if free_tier else "no free tier"
        text.append(
            f"{self.catalog.currency}, {self.catalog.region} prices, {tier}; amounts shown to "
            "$0.0000000001 (to_dict() has them exact)"
        )
        return "\n".join(text)


def _report_line(
    name: str, architecture: str, memory: str, bill: Bill, durable: bool = False
) -> tuple[str, ...]:
    return (
        name,
        architecture,
        memory,
        f"{bill.requests:,}",
        _number(bill.gb_seconds),
        _money(bill.request_cost),
        _money(bill.compute_cost),
        _money(bill.provisioned_cost),
        _money(bill.storage_cost),
        *((_money(bill.durable_cost),) if durable else ()),
        _money(bill.total),
    )


def _with_durable(bill: Bill, cost: Decimal | None) -> Bill:
    """`bill` with a durable function's operations and data added (`faaslib.durable.usage`)."""
    if not cost:
        return bill
    return msgspec.structs.replace(bill, durable_cost=cost, total=EXACT.add(bill.total, cost))


def _number(value: Decimal) -> str:
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text or "0"


def _money(amount: Decimal) -> str:
    """Dollars to the cent when that says enough, else to the ten-billionth (prices' precision)."""
    if amount == 0:
        return "$0"
    if amount >= 100:
        return f"${amount:,.2f}"
    text = f"{amount:.10f}".rstrip("0")
    return f"${text}"


def _bill_data(bill: Bill) -> dict[str, Any]:
    return {
        "requests": str(bill.requests),
        "gb_seconds": str(bill.gb_seconds),
        "request_cost": str(bill.request_cost),
        "compute_cost": str(bill.compute_cost),
        "provisioned_cost": str(bill.provisioned_cost),
        "storage_cost": str(bill.storage_cost),
        "durable_cost": str(bill.durable_cost),
        "total": str(bill.total),
    }
