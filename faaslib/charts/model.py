"""What a chart shows: series of points, the axes they are read against and the points marked.

Checked once, when built, so that every renderer (SVG, HTML, PNG, text) can trust it: a bad
chart fails at the line that made it, naming the field, not later inside a renderer.
"""

from __future__ import annotations

import math
from typing import Literal

import msgspec

__all__ = ["Chart", "ChartError", "Mark", "Series"]

Axis = Literal["left", "right"]
Kind = Literal["line", "bar"]


class ChartError(ValueError):
    """A chart that cannot be drawn: the message names the chart, the field and the value."""


class Series(msgspec.Struct, frozen=True):
    """One named line (or set of bars): `points` are `(x, y)` pairs, drawn in the order given.

    `axis="right"` reads it against the chart's second y axis (`Chart.y2_label`); `unit` is shown
    after its name in the legend and the table (`"ms"`, `"$"`).
    """

    name: str
    points: list[tuple[float, float]]
    axis: Axis = "left"
    unit: str = ""


class Mark(msgspec.Struct, frozen=True):
    """A point (or, on a bar chart, a column) drawn apart and labelled: the recommended memory
    size, a threshold crossed. `x` is an x value, or a category's index."""

    x: float
    label: str


class Chart(msgspec.Struct, frozen=True):
    """A line or bar chart, rendered by `faaslib.charts.render` to SVG, HTML, PNG or text.

    ```python
    from faaslib.charts import Chart, Mark, Series, render

    chart = Chart(
        "Duration and cost by memory", "memory (MB)", "duration (ms)",
        [Series("p50", [(0, 410.0), (1, 205.0), (2, 101.0)], unit="ms"),
         Series("cost", [(0, 8.6e-7), (1, 8.7e-7), (2, 8.5e-7)], axis="right", unit="$")],
        y2_label="cost per invocation ($)",
        categories=["128", "256", "512"],
        marks=[Mark(2, "cheapest")],
    )
    svg = render(chart, format="svg")
    ```

    With `categories` the x axis is those labels in order and each point's x is a category's
    index; without them x is a number. `kind="bar"` draws each series' points as bars and needs
    `categories`.
    """

    title: str
    x_label: str
    y_label: str
    series: list[Series]
    y2_label: str | None = None
    categories: list[str] | None = None
    marks: list[Mark] = []
    kind: Kind = "line"

    def __post_init__(self) -> None:
        where = f"Chart {self.title!r}"
        if self.kind not in ("line", "bar"):
            raise ChartError(f"{where}: kind={self.kind!r} is not one of 'line', 'bar'")
        if not self.series:
            raise ChartError(f"{where}: series is empty; a chart needs at least one Series")
        if self.categories is not None and not self.categories:
            raise ChartError(f"{where}: categories is empty; pass None for a numeric x axis")
        if self.kind == "bar" and self.categories is None:
            raise ChartError(f"{where}: kind='bar' needs categories (one label per column)")
        for series in self.series:
            self._check_series(where, series)
        for mark in self.marks:
            self._check_x(f"{where}: mark {mark.label!r}", "x", mark.x)

    def _check_series(self, where: str, series: Series) -> None:
        here = f"{where}: series {series.name!r}"
        if series.axis not in ("left", "right"):
            raise ChartError(f"{here}: axis={series.axis!r} is not one of 'left', 'right'")
        if not series.points:
            raise ChartError(f"{here}: points is empty; a series needs at least one (x, y)")
        for number, (x, y) in enumerate(series.points):
            if not math.isfinite(y):
                raise ChartError(f"{here}: point {number} has y={y!r}; values must be finite")
            self._check_x(f"{here}: point {number}", "x", x)

    def _check_x(self, here: str, field: str, x: float) -> None:
        if not math.isfinite(x):
            raise ChartError(f"{here} has {field}={x!r}; values must be finite")
        if self.categories is not None and (x != int(x) or not 0 <= x < len(self.categories)):
            raise ChartError(
                f"{here} has {field}={x!r}, which is not a category's index: with "
                f"{len(self.categories)} categories x is a whole number from 0 to "
                f"{len(self.categories) - 1}"
            )

    @property
    def uses_right_axis(self) -> bool:
        return any(series.axis == "right" for series in self.series)

    @property
    def right_label(self) -> str:
        """The second y axis' label: `y2_label`, else the names of the series read against it."""
        if self.y2_label is not None:
            return self.y2_label
        return ", ".join(series.name for series in self.series if series.axis == "right")

    def x_text(self, x: float) -> str:
        """How an x value reads in a table or the terminal: its category, or the number."""
        if self.categories is not None:
            return self.categories[int(x)]
        return format_value(x)


def format_value(value: float) -> str:
    """A data value as people read it: whole numbers whole, small ones to 3 significant
    figures (a cost per invocation is a few ten-millionths of a dollar)."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if 1e-3 <= abs(value) < 1e15:
        return f"{value:,.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    return f"{value:.3g}"
