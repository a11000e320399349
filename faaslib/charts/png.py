"""Charts as PNG, drawn by matplotlib (the optional extra `faaslib[charts]`).

Built on `matplotlib.figure.Figure`, never pyplot, so that rendering touches no global state:
no backend is chosen for the user's program and no figure is left open.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from faaslib.charts.model import Chart
from faaslib.charts.svg import COLOURS, HEIGHT, MARK_COLOUR, WIDTH

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MissingExtra", "render_png"]

DPI = 100


class MissingExtra(ImportError):
    """A format needs a package that is not installed; the message says which extra has it."""


def render_png(charts: Sequence[Chart]) -> bytes:
    """PNG bytes of `charts`, one under the other, each 800 x 450 pixels as in the SVG."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise MissingExtra(
            "render: format 'png' needs matplotlib, which is not installed: "
            "pip install 'faaslib[charts]' (the 'svg', 'html' and 'text' formats need nothing)"
        ) from error
    figure = Figure(
        figsize=(WIDTH / DPI, HEIGHT * len(charts) / DPI), dpi=DPI, layout="constrained"
    )
    grid = figure.subplots(len(charts), 1, squeeze=False)
    for row, chart in zip(grid, charts, strict=True):
        _draw(row[0], chart)
    output = io.BytesIO()
    figure.savefig(output, format="png", dpi=DPI)
    return output.getvalue()


def _plain(text: str) -> str:
    """Text as written: a `$` would otherwise start matplotlib's math mode."""
    return text.replace("$", r"\$")


def _draw(axes: Axes, chart: Chart) -> None:
    axes.set_title(_plain(chart.title), fontweight="bold", pad=20 if chart.marks else 6)
    axes.set_xlabel(_plain(chart.x_label))
    axes.set_ylabel(_plain(chart.y_label))
    axes.grid(axis="y", color="#e5e5e5")
    axes.set_axisbelow(True)
    right: Axes | None = None
    if chart.uses_right_axis:
        right = axes.twinx()
        right.set_ylabel(_plain(chart.right_label))
    handles: list[Any] = []
    count = len(chart.series)
    for index, series in enumerate(chart.series):
        target = right if series.axis == "right" and right is not None else axes
        colour = COLOURS[index % len(COLOURS)]
        label = _plain(
            series.name
            + (f" ({series.unit})" if series.unit else "")
            + (", right axis" if series.axis == "right" else "")
        )
        xs = [x for x, _ in series.points]
        ys = [y for _, y in series.points]
        if chart.kind == "bar":
            width = 0.7 / count
            offsets = [x - 0.35 + (index + 0.5) * width for x in xs]
            handles.append(target.bar(offsets, ys, width, color=colour, label=label))
        else:
            (line,) = target.plot(xs, ys, marker="o", color=colour, label=label)
            handles.append(line)
    for scale, side in ((axes, "left"), (right, "right")):
        if scale is not None:  # read from zero, as the SVG is
            values = [y for s in chart.series if s.axis == side for _, y in s.points] or [0.0]
            if min(values) >= 0:
                scale.set_ylim(bottom=0)
            elif max(values) <= 0:
                scale.set_ylim(top=0)
    if chart.categories is not None:
        axes.set_xticks(range(len(chart.categories)), [_plain(c) for c in chart.categories])
    for mark in chart.marks:
        _draw_mark(axes, right, chart, mark.x, mark.label)
    axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3,
                frameon=False, fontsize="small")  # fmt: skip


def _draw_mark(axes: Axes, right: Axes | None, chart: Chart, x: float, label: str) -> None:
    if chart.kind == "bar":
        axes.axvspan(x - 0.5, x + 0.5, color=MARK_COLOUR, alpha=0.08)
    else:
        axes.axvline(x, color=MARK_COLOUR, linestyle="--", linewidth=1)
        for series in chart.series:
            target = right if series.axis == "right" and right is not None else axes
            ys = [py for px, py in series.points if px == x]
            target.scatter(
                [x] * len(ys), ys, s=140, facecolors="none", edgecolors=MARK_COLOUR,
                linewidths=2, zorder=5,
            )  # fmt: skip
    axes.annotate(
        _plain(label), xy=(x, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 4),
        textcoords="offset points", ha="center", va="bottom", color=MARK_COLOUR,
        fontweight="bold",
    )  # fmt: skip
