"""A chart in plain characters, for a terminal: a line per x, each series a bar and its value.

Plain ASCII, so it reads the same in a CI log, over ssh and on Windows consoles. Each series'
bar is scaled against the largest value on its axis, as the picture's axes are; a long numeric
series (cost over a run) shows an even sample of its points, and says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from faaslib.charts.model import Chart, format_value
from faaslib.charts.table import rows

__all__ = ["render_text"]

BAR_CHARACTERS = "#=*+%@o"
WIDTH = 72  # the bars' share of a line, split among the series
MAX_LINES = 24  # a numeric x axis with more points than this is sampled


def render_text(charts: Sequence[Chart]) -> str:
    return "\n\n".join(_render(chart) for chart in charts) + "\n"


def _render(chart: Chart) -> str:
    table = rows(chart)
    shown = _sample(table, chart)
    bar_width = max(8, WIDTH // len(chart.series) - 12)
    largest = {
        axis: max(
            (abs(y) for s in chart.series if s.axis == axis for _, y in s.points), default=0.0
        )
        for axis in ("left", "right")
    }
    x_texts = [chart.x_text(x) for x, _, _ in shown]
    x_width = max(len(chart.x_label), *map(len, x_texts))
    value_texts = [["" if y is None else format_value(y) for y in values] for _, values, _ in shown]
    value_widths = [
        max(len(texts[index]) for texts in value_texts) for index in range(len(chart.series))
    ]
    lines = [chart.title, "=" * len(chart.title)]
    legend = []
    for index, series in enumerate(chart.series):
        name = series.name + (f" ({series.unit})" if series.unit else "")
        if chart.uses_right_axis:  # which axis each bar is scaled against
            name += f", {chart.right_label if series.axis == 'right' else chart.y_label}"
        legend.append(f"{_character(index)} {name}")
    lines += legend
    column_width = [bar_width + 1 + width for width in value_widths]
    header = (
        chart.x_label.ljust(x_width)
        + "  "
        + "  ".join(
            series.name[:width].ljust(width)
            for series, width in zip(chart.series, column_width, strict=True)
        )
    )
    lines.append(header.rstrip())
    for (_, values, marks), x_text, texts in zip(shown, x_texts, value_texts, strict=True):
        cells = []
        for index, (series, y) in enumerate(zip(chart.series, values, strict=True)):
            top = largest[series.axis]
            length = 0 if y is None or top == 0 else round(bar_width * abs(y) / top)
            if y is not None and y != 0:
                length = max(length, 1)
            bar = (_character(index) * length).ljust(bar_width)
            cells.append(f"{bar} {texts[index].rjust(value_widths[index])}")
        line = x_text.ljust(x_width) + "  " + "  ".join(cells)
        if marks:
            line += "  <- " + ", ".join(marks)
        lines.append(line.rstrip())
    if len(shown) < len(table):
        lines.append(f"({len(shown)} of {len(table)} points shown, evenly spaced)")
    return "\n".join(lines)


def _character(index: int) -> str:
    return BAR_CHARACTERS[index % len(BAR_CHARACTERS)]


def _sample(
    table: list[tuple[float, list[float | None], list[str]]], chart: Chart
) -> list[tuple[float, list[float | None], list[str]]]:
    """Every row with categories or few points; else an even sample, ends and marks kept."""
    if chart.categories is not None or len(table) <= MAX_LINES:
        return table
    last = len(table) - 1
    keep = {round(step * last / (MAX_LINES - 1)) for step in range(MAX_LINES)}
    keep |= {index for index, (_, _, marks) in enumerate(table) if marks}
    return [table[index] for index in sorted(keep)]
