"""`app.costs.chart()`: the bill by function, and the cost over the run from the kept rows."""

from __future__ import annotations

import math
import time
import xml.etree.ElementTree as ElementTree
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from faaslib import App, Context
from faaslib.charts import ChartError
from faaslib.testing import FakeClock
from tests.charts.test_html import read

pytestmark = pytest.mark.anyio

NS = "{http://www.w3.org/2000/svg}"


def takes(clock: FakeClock) -> Any:
    def handler(event: Any, context: Context) -> None:
        clock.tick(event["ms"] / 1000)

    return handler


async def run(app: App, clock: FakeClock, calls: list[tuple[str, float]]) -> None:
    for name, ms in calls:
        await app.invoke(name, {"ms": ms})
        await clock.advance(1)


def micro(amount: Decimal) -> float:
    return float(amount * 1_000_000)


async def test_both_charts_add_up_to_the_bill(clock: FakeClock, tmp_path: Path) -> None:
    app = App(clock=clock, ledger_rows=100)
    app.function(name="resize", memory=1024)(takes(clock))
    app.function(name="checkout", memory=256)(takes(clock))
    await run(app, clock, [("resize", 120), ("checkout", 5), ("resize", 80), ("checkout", 9)])
    html = app.costs.chart(tmp_path / "cost.html")
    assert (tmp_path / "cost.html").read_text(encoding="utf-8") == html
    page = read(html)
    assert page.text["h1"] == ["Cost by function", "Cumulative cost over the run"]
    by_function = page.rows[1:3]
    bills = app.costs.by_function()
    assert [row[0] for row in by_function] == ["resize", "checkout"]
    for row in by_function:  # in millionths of a dollar, as the axis says
        assert math.isclose(float(row[1]), micro(bills[row[0]].total), rel_tol=1e-3)
    assert page.rows[0][1] == "cost (µ$)"
    assert by_function[0][2] == "costs the most"
    over_time = page.rows[4:]
    assert page.rows[3] == [
        "seconds since the first kept invocation",
        "resize (µ$)",
        "checkout (µ$)",
        "all functions (µ$)",
    ]
    assert len(over_time) == 4
    last = over_time[-1]
    assert math.isclose(float(last[3]), micro(app.costs.total().total), rel_tol=1e-3)
    assert math.isclose(float(last[1]), micro(bills["resize"].total), rel_tol=1e-3)
    totals = [float(row[3]) for row in over_time]
    assert totals == sorted(totals)
    assert len(set(totals)) == 4


async def test_without_rows_only_the_cost_by_function(clock: FakeClock, tmp_path: Path) -> None:
    app = App(clock=clock)
    app.function(name="work", memory=512)(takes(clock))
    await run(app, clock, [("work", 30)])
    svg = app.costs.chart(tmp_path / "cost.svg")
    assert isinstance(svg, str)
    root = ElementTree.fromstring(svg)
    assert [e.text for e in root.iter(f"{NS}text") if e.get("class") == "title"] == [
        "Cost by function"
    ]
    assert [e.get("class") for e in root.iter(f"{NS}rect")].count("bar") == 1
    with pytest.raises(ChartError, match=r"which='time' needs .* App\(ledger_rows=N\)"):
        app.costs.chart(format="svg", which="time")


async def test_one_chart_of_the_two_by_which(clock: FakeClock) -> None:
    app = App(clock=clock, ledger_rows=10)
    app.function(name="work")(takes(clock))
    await run(app, clock, [("work", 3), ("work", 4)])
    text = app.costs.chart(format="text", which="time")
    assert isinstance(text, str)
    assert text.startswith("Cumulative cost over the run\n")
    assert "Cost by function" not in text
    with pytest.raises(ChartError, match="which='both' is not one of"):
        app.costs.chart(format="text", which="both")  # type: ignore[call-overload]


async def test_rows_dropped_past_the_limit_are_said_to_be(clock: FakeClock) -> None:
    app = App(clock=clock, ledger_rows=2)
    app.function(name="work")(takes(clock))
    await run(app, clock, [("work", 1)] * 5)
    text = app.costs.chart(format="text", which="time")
    assert isinstance(text, str)
    assert text.splitlines()[0] == (
        "Cumulative cost over the run (the last 2 invocations kept; 3 before them left out)"
    )


async def test_each_row_is_stamped_when_it_is_billed() -> None:
    app = App(ledger_rows=10)

    @app.function
    def work(event: Any, context: Context) -> None:
        time.sleep(0.002)

    before = time.time()
    for _ in range(3):
        await app.invoke("work", {})
    after = time.time()
    stamps = [row.at for row in app.costs.rows]
    assert len(stamps) == 3
    assert stamps == sorted(stamps)
    assert before <= stamps[0]
    assert stamps[-1] <= after
    assert stamps[1] - stamps[0] >= 0.002  # after each invocation ran, not when it started


async def test_rows_are_stamped_by_the_apps_clock(clock: FakeClock) -> None:
    app = App(clock=clock, ledger_rows=10)
    app.function(name="work")(takes(clock))
    start = clock.now()
    await run(app, clock, [("work", 250), ("work", 250)])
    assert [row.at for row in app.costs.rows] == [start + 0.25, start + 1.5]
