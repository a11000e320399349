"""Charts as SVG, written by faaslib itself: no dependency, and the same picture in a browser,
an HTML report or a README.

Styles are attributes rather than CSS so that any SVG reader draws the same thing. Classes name
the parts (`plot-area`, `series`, `point`, `bar`, `mark`, `axis`, `tick`, `legend`) so tests
and stylesheets can find them.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from faaslib.charts.model import Chart, Series, format_value
from faaslib.charts.scale import Scale

__all__ = ["COLOURS", "HEIGHT", "MARK_COLOUR", "WIDTH", "render_svg"]

WIDTH, HEIGHT = 800, 450  # one chart; several are stacked
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#7f7f7f")
MARK_COLOUR = "#d62728"  # in no series' colour: the marked point stands apart
AXIS_COLOUR, GRID_COLOUR = "#333333", "#e5e5e5"
CHAR_WIDTH = 7  # an estimate of a character's width at 12px, to lay out the legend


def render_svg(charts: Sequence[Chart]) -> str:
    """One SVG document holding `charts`, one under the other."""
    height = HEIGHT * len(charts)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12" '
        f'role="img" aria-label={quoteattr(" / ".join(chart.title for chart in charts))}>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    for index, chart in enumerate(charts):
        parts.append(f'<g class="chart" transform="translate(0,{HEIGHT * index})">')
        parts.extend(_Plot(chart).draw())
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


class _Plot:
    """One chart's geometry: the plot area, the scales, and where each value lands."""

    def __init__(self, chart: Chart) -> None:
        self.chart = chart
        self.left, self.top = 80.0, 50.0
        self.right = WIDTH - (80.0 if chart.uses_right_axis else 30.0)
        self.bottom = HEIGHT - 100.0
        left_series = [s for s in chart.series if s.axis == "left"] or list(chart.series)
        self.y_left = Scale(y for s in left_series for _, y in s.points)
        right_series = [s for s in chart.series if s.axis == "right"]
        self.y_right = Scale(y for s in right_series for _, y in s.points) if right_series else None
        self.x_scale: Scale | None = None
        if chart.categories is None:
            xs = [x for s in chart.series for x, _ in s.points] + [m.x for m in chart.marks]
            self.x_scale = Scale(xs, include_zero=False)

    def x(self, value: float) -> float:
        width = self.right - self.left
        if self.x_scale is None:
            assert self.chart.categories is not None
            return self.left + (value + 0.5) * width / len(self.chart.categories)
        return self.left + self.x_scale.fraction(value) * width

    def y(self, value: float, series: Series | None = None) -> float:
        scale = self.y_right if series is not None and series.axis == "right" else self.y_left
        assert scale is not None
        return self.bottom - scale.fraction(value) * (self.bottom - self.top)

    def draw(self) -> list[str]:
        chart = self.chart
        parts = [
            f'<text class="title" x="{WIDTH / 2}" y="24" text-anchor="middle" font-size="16" '
            f'font-weight="bold">{escape(chart.title)}</text>',
            f'<rect class="plot-area" x="{self.left}" y="{self.top}" '
            f'width="{self.right - self.left}" height="{self.bottom - self.top}" '
            'fill="none" stroke="none"/>',
        ]
        parts += self._y_axis(self.y_left, self.left, "left", chart.y_label)
        if self.y_right is not None:
            parts += self._y_axis(self.y_right, self.right, "right", chart.right_label)
        parts += self._x_axis()
        parts += self._marks_behind()
        for index, series in enumerate(chart.series):
            parts += self._series(index, series)
        parts += self._marks_in_front()
        parts += self._legend()
        return parts

    # -- axes -----------------------------------------------------------------------------

    def _y_axis(self, scale: Scale, at: float, side: str, label: str) -> list[str]:
        outward = -1 if side == "left" else 1
        anchor = "end" if side == "left" else "start"
        parts = [
            f'<line class="axis" data-axis="{side}" x1="{at}" y1="{self.top}" x2="{at}" '
            f'y2="{self.bottom}" stroke="{AXIS_COLOUR}"/>'
        ]
        for value, text in scale.labels():
            y = _number(self.bottom - scale.fraction(value) * (self.bottom - self.top))
            if side == "left":
                parts.append(
                    f'<line class="grid" x1="{self.left}" y1="{y}" x2="{self.right}" y2="{y}" '
                    f'stroke="{GRID_COLOUR}"/>'
                )
            parts.append(
                f'<line class="tick" data-axis="{side}" x1="{at}" y1="{y}" '
                f'x2="{at + 5 * outward}" y2="{y}" stroke="{AXIS_COLOUR}"/>'
            )
            parts.append(
                f'<text class="tick-label" data-axis="{side}" x="{at + 8 * outward}" y="{y}" '
                f'text-anchor="{anchor}" dominant-baseline="middle">{escape(text)}</text>'
            )
        x = 18 if side == "left" else WIDTH - 18
        middle = (self.top + self.bottom) / 2
        parts.append(
            f'<text class="axis-label" data-axis="{side}" x="{x}" y="{middle}" '
            f'text-anchor="middle" transform="rotate(-90 {x} {middle})">{escape(label)}</text>'
        )
        return parts

    def _x_axis(self) -> list[str]:
        chart = self.chart
        parts = [
            f'<line class="axis" data-axis="x" x1="{self.left}" y1="{self.bottom}" '
            f'x2="{self.right}" y2="{self.bottom}" stroke="{AXIS_COLOUR}"/>'
        ]
        if chart.categories is not None:
            ticks = [(float(i), name) for i, name in enumerate(chart.categories)]
        else:
            assert self.x_scale is not None
            ticks = self.x_scale.labels()
        for value, text in ticks:
            x = _number(self.x(value))
            parts.append(
                f'<line class="tick" data-axis="x" x1="{x}" y1="{self.bottom}" x2="{x}" '
                f'y2="{self.bottom + 5}" stroke="{AXIS_COLOUR}"/>'
            )
            parts.append(
                f'<text class="tick-label" data-axis="x" x="{x}" y="{self.bottom + 18}" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
        parts.append(
            f'<text class="axis-label" data-axis="x" x="{(self.left + self.right) / 2}" '
            f'y="{self.bottom + 40}" text-anchor="middle">{escape(chart.x_label)}</text>'
        )
        return parts

    # -- data -----------------------------------------------------------------------------

    def _series(self, index: int, series: Series) -> list[str]:
        colour = COLOURS[index % len(COLOURS)]
        parts = [
            f'<g class="series" data-name={quoteattr(series.name)} data-axis="{series.axis}" '
            f'fill="{colour}" stroke="{colour}">'
        ]
        if self.chart.kind == "bar":
            parts += self._bars(index, series)
        else:
            line = " ".join(
                f"{_number(self.x(x))},{_number(self.y(y, series))}" for x, y in series.points
            )
            parts.append(f'<polyline points="{line}" fill="none" stroke-width="2"/>')
            for x, y in series.points:
                parts.append(
                    f'<circle class="point" cx="{_number(self.x(x))}" '
                    f'cy="{_number(self.y(y, series))}" r="3.5">'
                    f"<title>{escape(self._describe(series, x, y))}</title></circle>"
                )
        parts.append("</g>")
        return parts

    def _bars(self, index: int, series: Series) -> list[str]:
        assert self.chart.categories is not None
        slot = (self.right - self.left) / len(self.chart.categories)
        count = len(self.chart.series)
        width = slot * 0.7 / count
        zero = self.y(0.0, series)
        parts = []
        for x, y in series.points:
            left = self.x(x) - slot * 0.35 + index * width
            top = min(zero, self.y(y, series))
            parts.append(
                f'<rect class="bar" x="{_number(left)}" y="{_number(top)}" '
                f'width="{_number(width)}" height="{_number(abs(zero - self.y(y, series)))}" '
                f'stroke="none"><title>{escape(self._describe(series, x, y))}</title></rect>'
            )
        return parts

    def _describe(self, series: Series, x: float, y: float) -> str:
        unit = f" {series.unit}" if series.unit else ""
        return f"{series.name}: {self.chart.x_text(x)} → {format_value(y)}{unit}"

    # -- marks ----------------------------------------------------------------------------

    def _marks_behind(self) -> list[str]:
        """A band (bars) or a dashed line (lines) through each marked x, under the data."""
        parts = []
        for mark in self.chart.marks:
            x = self.x(mark.x)
            if self.chart.kind == "bar":
                assert self.chart.categories is not None
                slot = (self.right - self.left) / len(self.chart.categories)
                parts.append(
                    f'<rect class="mark mark-band" x="{_number(x - slot / 2)}" y="{self.top}" '
                    f'width="{_number(slot)}" height="{self.bottom - self.top}" '
                    f'fill="{MARK_COLOUR}" fill-opacity="0.08" stroke="none"/>'
                )
            else:
                parts.append(
                    f'<line class="mark mark-line" x1="{_number(x)}" y1="{self.top}" '
                    f'x2="{_number(x)}" y2="{self.bottom}" stroke="{MARK_COLOUR}" '
                    'stroke-dasharray="4 3"/>'
                )
        return parts

    def _marks_in_front(self) -> list[str]:
        """Each marked x's label, and a ring round every series' point there."""
        parts = []
        for mark in self.chart.marks:
            x = self.x(mark.x)
            if self.chart.kind == "line":
                for series in self.chart.series:
                    for px, py in series.points:
                        if px == mark.x:
                            parts.append(
                                f'<circle class="mark mark-point" cx="{_number(x)}" '
                                f'cy="{_number(self.y(py, series))}" r="7" fill="none" '
                                f'stroke="{MARK_COLOUR}" stroke-width="2.5"/>'
                            )
            anchor = "start" if x < (self.left + self.right) / 2 else "end"
            offset = 6 if anchor == "start" else -6
            parts.append(
                f'<text class="mark mark-label" x="{_number(x + offset)}" y="{self.top - 6}" '
                f'text-anchor="{anchor}" fill="{MARK_COLOUR}" font-weight="bold">'
                f"{escape(mark.label)}</text>"
            )
        return parts

    def _legend(self) -> list[str]:
        parts = ['<g class="legend">']
        x, y = self.left, HEIGHT - 35.0
        for index, series in enumerate(self.chart.series):
            text = series.name + (f" ({series.unit})" if series.unit else "")
            if series.axis == "right":
                text += ", right axis"
            width = 24 + CHAR_WIDTH * len(text)
            if x + width > WIDTH - 10 and x > self.left:
                x, y = self.left, y + 18
            colour = COLOURS[index % len(COLOURS)]
            parts.append(
                f'<rect class="legend-swatch" x="{_number(x)}" y="{y - 5}" width="14" '
                f'height="10" fill="{colour}"/>'
            )
            parts.append(
                f'<text class="legend-label" x="{_number(x + 18)}" y="{y}" '
                f'dominant-baseline="middle">{escape(text)}</text>'
            )
            x += width
        parts.append("</g>")
        return parts
