"""A chart's data as rows, one per x: what the HTML table and the terminal rendering show."""

from __future__ import annotations

from faaslib.charts.model import Chart

__all__ = ["rows"]


def rows(chart: Chart) -> list[tuple[float, list[float | None], list[str]]]:
    """`(x, [each series' y at x, or None], [labels of the marks at x])`, in x order (category
    order with categories). A series with two points at one x shows the last."""
    xs = sorted({x for series in chart.series for x, _ in series.points})
    at = [dict(series.points) for series in chart.series]
    return [
        (
            x,
            [values.get(x) for values in at],
            [mark.label for mark in chart.marks if mark.x == x],
        )
        for x in xs
    ]
