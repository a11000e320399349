"""The charts of a bill: cost by function (bars), and the cumulative cost over a run from the
invocations the app kept as rows (`App(ledger_rows=N)`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from faaslib.charts.model import Chart, ChartError, Mark, Series

if TYPE_CHECKING:
    from faaslib.billing.ledger import LedgerRow

__all__ = ["Which", "cost_charts"]

Which = Literal["all", "function", "time"]
MAX_TIMES = 200  # points of the cost over time: a long run is sampled evenly, its end kept
ALL_FUNCTIONS = "all functions"


def cost_charts(
    by_function: Mapping[str, Decimal],
    rows: Sequence[LedgerRow],
    *,
    which: Which = "all",
    dropped: int = 0,
    currency: str = "USD",
) -> list[Chart]:
    """The cost by function, then (with rows, unless `which` says otherwise) the cost over
    time. `dropped` counts invocations billed but no longer kept as rows (the oldest, past
    `ledger_rows`): the cost over time then starts at the first kept one, and says so."""
    if which not in ("all", "function", "time"):
        raise ChartError(f"costs.chart: which={which!r} is not one of 'all', 'function', 'time'")
    if which == "time" and not rows:
        raise ChartError(
            "costs.chart: which='time' needs the invocations kept as rows, and there are none: "
            "App(ledger_rows=N) keeps each function's last N"
        )
    if not by_function:
        raise ChartError("costs.chart: the app has no functions to chart")
    charts = []
    if which in ("all", "function"):
        charts.append(_by_function(by_function, currency))
    if which in ("all", "time") and rows:
        charts.append(_over_time(rows, dropped, currency))
    return charts


def _unit(largest: Decimal, currency: str) -> tuple[Decimal, str, str]:
    """Dollars, or millionths of one when the sums are small (a test run costs microdollars),
    so that the axis reads 2.5 rather than 2.5e-06."""
    if largest >= Decimal("0.01"):
        return Decimal(1), "$", currency
    return Decimal(1_000_000), "µ$", f"{currency} millionths"


def _by_function(by_function: Mapping[str, Decimal], currency: str) -> Chart:
    names = list(by_function)
    scale, unit, words = _unit(max(by_function.values()), currency)
    points = [(float(index), float(by_function[name] * scale)) for index, name in enumerate(names)]
    marks = []
    if sum(1 for cost in by_function.values() if cost > 0) > 1:
        costliest = max(range(len(names)), key=lambda index: by_function[names[index]])
        marks.append(Mark(costliest, "costs the most"))
    return Chart(
        "Cost by function",
        "function",
        f"cost ({words})",
        [Series("cost", points, unit=unit)],
        categories=names,
        marks=marks,
        kind="bar",
    )


def _over_time(rows: Sequence[LedgerRow], dropped: int, currency: str) -> Chart:
    ordered = sorted(rows, key=lambda row: row.at)
    start = ordered[0].at
    names = list(dict.fromkeys(row.function_name for row in rows))
    if len(names) > 1:
        names.append(ALL_FUNCTIONS)
    total = sum((row.total for row in ordered), Decimal(0))
    scale, unit, words = _unit(total, currency)
    last = len(ordered) - 1
    sampled = sorted({round(step * last / (MAX_TIMES - 1)) for step in range(MAX_TIMES)})
    running = dict.fromkeys(names, Decimal(0))
    points: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    taken = 0
    for index in sampled:
        for row in ordered[taken : index + 1]:
            running[row.function_name] += row.total
            if ALL_FUNCTIONS in running:
                running[ALL_FUNCTIONS] += row.total
        taken = index + 1
        seconds = ordered[index].at - start
        for name in names:
            points[name].append((seconds, float(running[name] * scale)))
    title = "Cumulative cost over the run"
    if dropped:
        title += f" (the last {len(ordered):,} invocations kept; {dropped:,} before them left out)"
    return Chart(
        title,
        "seconds since the first kept invocation",
        f"cost ({words})",
        [Series(name, points[name], unit=unit) for name in names],
    )
