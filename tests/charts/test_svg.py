"""SVG written by faaslib, read back by a real XML parser."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ElementTree

from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib.charts import Chart, Mark, Series, render
from faaslib.charts.svg import COLOURS

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str | bytes) -> ElementTree.Element:
    assert isinstance(svg, str)
    return ElementTree.fromstring(svg)


def classed(root: ElementTree.Element, name: str, tag: str = "*") -> list[ElementTree.Element]:
    return [e for e in root.iter(f"{NS}{tag}") if name in e.get("class", "").split()]


def texts(root: ElementTree.Element, name: str, axis: str) -> list[str]:
    return [e.text or "" for e in classed(root, name, "text") if e.get("data-axis") == axis]


def test_a_line_chart_has_axes_ticks_and_a_marker_per_point(tuning: Chart) -> None:
    root = parse(render(tuning, format="svg"))
    assert root.tag == f"{NS}svg"
    assert {e.get("data-axis") for e in classed(root, "axis", "line")} == {"left", "right", "x"}
    assert texts(root, "tick-label", "x") == tuning.categories
    left = [float(t.replace(",", "")) for t in texts(root, "tick-label", "left")]
    assert left[0] == 0
    assert left[-1] >= 800
    right = [float(t) for t in texts(root, "tick-label", "right")]
    assert right[0] == 0
    assert right[-1] >= 31
    assert texts(root, "axis-label", "left") == ["duration p50 (ms)"]
    assert texts(root, "axis-label", "right") == ["cost per million ($)"]
    groups = classed(root, "series", "g")
    assert [g.get("data-name") for g in groups] == ["p50", "cost"]
    for group, series in zip(groups, tuning.series, strict=True):
        (line,) = group.iter(f"{NS}polyline")
        assert len(line.get("points", "").split()) == len(series.points)
        assert len(classed(group, "point", "circle")) == len(series.points)
    assert [e.text for e in classed(root, "title", "text")] == [tuning.title]
    legend = [e.text for e in classed(root, "legend-label", "text")]
    assert legend == ["p50 (ms)", "cost, right axis"]


def test_points_fall_where_their_values_are(tuning: Chart) -> None:
    root = parse(render(tuning, format="svg"))
    (area,) = classed(root, "plot-area", "rect")
    top, height = float(area.get("y", "")), float(area.get("height", ""))
    p50 = classed(classed(root, "series", "g")[0], "point", "circle")
    ys = [float(c.get("cy", "")) for c in p50]
    # 800, 400, ... halve each step: the heights above the x axis halve too
    heights = [top + height - y for y in ys]
    for higher, lower in itertools.pairwise(heights):
        assert math.isclose(higher / 2, lower, rel_tol=1e-2)
    xs = [float(c.get("cx", "")) for c in p50]
    assert xs == sorted(xs)
    assert len(set(xs)) == len(xs)


def test_the_mark_is_drawn_apart_and_labelled(tuning: Chart) -> None:
    root = parse(render(tuning, format="svg"))
    (label,) = classed(root, "mark-label", "text")
    assert label.text == "cheapest"
    rings = classed(root, "mark-point", "circle")
    assert len(rings) == 2  # round both series' points at 512 MB
    colours = {ring.get("stroke") for ring in rings} | {label.get("fill")}
    assert len(colours) == 1
    assert not colours & set(COLOURS)
    groups = classed(root, "series", "g")
    for ring, group in zip(rings, groups, strict=True):
        point = classed(group, "point", "circle")[2]  # the third category: 512
        assert (ring.get("cx"), ring.get("cy")) == (point.get("cx"), point.get("cy"))
        assert float(ring.get("r", "")) > float(point.get("r", ""))
    (line,) = classed(root, "mark-line", "line")
    assert line.get("x1") == rings[0].get("cx")


def test_no_right_axis_without_a_series_on_it(bars: Chart) -> None:
    root = parse(render(bars, format="svg"))
    assert {e.get("data-axis") for e in classed(root, "axis", "line")} == {"left", "x"}


def test_bars_stand_on_zero_and_the_marked_column_is_banded(bars: Chart) -> None:
    root = parse(render(bars, format="svg"))
    rects = classed(root, "bar", "rect")
    assert len(rects) == 3
    heights = [float(r.get("height", "")) for r in rects]
    assert heights[2] == 0
    assert math.isclose(heights[1] / heights[0], 4.0 / 1.5, rel_tol=1e-2)
    bottoms = {round(float(r.get("y", "")) + float(r.get("height", "")), 1) for r in rects}
    assert len(bottoms) == 1  # every bar stands on the x axis
    (band,) = classed(root, "mark-band", "rect")
    left, width = float(band.get("x", "")), float(band.get("width", ""))
    assert left <= float(rects[1].get("x", "")) < left + width
    assert [e.text for e in classed(root, "mark-label", "text")] == ["costs the most"]


def test_several_charts_stack_in_one_document(tuning: Chart, bars: Chart) -> None:
    root = parse(render([bars, tuning], format="svg"))
    charts = classed(root, "chart", "g")
    assert [c.get("transform") for c in charts] == ["translate(0,0)", "translate(0,450)"]
    assert root.get("height") == "900"


def test_text_is_escaped() -> None:
    hostile = '<script>alert("x")</script> & co'
    chart = Chart(hostile, hostile, hostile, [Series(hostile, [(0, 1), (1, 2)])],
                  marks=[Mark(1, hostile)])  # fmt: skip
    svg = render(chart, format="svg")
    assert isinstance(svg, str)
    assert "<script>" not in svg
    root = parse(svg)
    assert [e.text for e in classed(root, "title", "text")] == [hostile]
    assert classed(root, "series", "g")[0].get("data-name") == hostile


finite = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(
    series=st.lists(
        st.tuples(st.lists(st.tuples(finite, finite), min_size=1, max_size=12), st.booleans()),
        min_size=1,
        max_size=3,
    )
)
def test_any_finite_series_stays_inside_the_plot_area(
    series: list[tuple[list[tuple[float, float]], bool]],
) -> None:
    chart = Chart(
        "any",
        "x",
        "y",
        [
            Series(f"s{i}", points, "right" if right else "left")
            for i, (points, right) in enumerate(series)
        ],
    )
    root = parse(render(chart, format="svg"))
    (area,) = classed(root, "plot-area", "rect")
    left, top = float(area.get("x", "")), float(area.get("y", ""))
    right, bottom = left + float(area.get("width", "")), top + float(area.get("height", ""))
    circles = classed(root, "point", "circle")
    assert len(circles) == sum(len(points) for points, _ in series)
    for circle in circles:
        x, y = float(circle.get("cx", "")), float(circle.get("cy", ""))
        assert left - 0.01 <= x <= right + 0.01
        assert top - 0.01 <= y <= bottom + 0.01
    for line in root.iter(f"{NS}polyline"):
        coordinates = re.split(r"[ ,]", line.get("points", ""))
        assert all(math.isfinite(float(value)) for value in coordinates)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.lists(finite, min_size=1, max_size=8), min_size=1, max_size=3),
    marked=st.integers(min_value=0, max_value=7),
)
def test_any_finite_bars_stay_inside_the_plot_area(values: list[list[float]], marked: int) -> None:
    count = max(map(len, values))
    chart = Chart(
        "any",
        "x",
        "y",
        [Series(f"s{i}", list(enumerate(ys))) for i, ys in enumerate(values)],
        categories=[f"c{i}" for i in range(count)],
        marks=[Mark(marked % count, "here")],
        kind="bar",
    )
    root = parse(render(chart, format="svg"))
    (area,) = classed(root, "plot-area", "rect")
    left, top = float(area.get("x", "")), float(area.get("y", ""))
    right, bottom = left + float(area.get("width", "")), top + float(area.get("height", ""))
    bars = classed(root, "bar", "rect")
    assert len(bars) == sum(map(len, values))
    for bar in bars:
        x, y = float(bar.get("x", "")), float(bar.get("y", ""))
        width, height = float(bar.get("width", "")), float(bar.get("height", ""))
        assert left - 0.01 <= x
        assert x + width <= right + 0.01
        assert top - 0.01 <= y
        assert y + height <= bottom + 0.01
