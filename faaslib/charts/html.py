"""A chart as one self-contained HTML file: the SVG inline and the data in a table under it.

No script, no stylesheet or font fetched: the file opens offline, in a mail attachment or a CI
artifact viewer, and reads the same without the picture (the table holds every figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from faaslib.charts.model import Chart, format_value
from faaslib.charts.svg import render_svg
from faaslib.charts.table import rows

__all__ = ["render_html"]

STYLE = """\
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0 3em; }
th, td { padding: 0.25em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.mark td { color: #d62728; font-weight: bold; }
"""


def render_html(charts: Sequence[Chart]) -> str:
    """An HTML page with each chart's picture and table."""
    title = " / ".join(chart.title for chart in charts)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>\n{STYLE}</style>",
        "</head>",
        "<body>",
    ]
    for chart in charts:
        parts.append('<section class="chart">')
        parts.append(f"<h1>{escape(chart.title)}</h1>")
        parts.append(render_svg([chart]))
        parts.extend(_table(chart))
        parts.append("</section>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _table(chart: Chart) -> list[str]:
    headers = [chart.x_label] + [
        series.name + (f" ({series.unit})" if series.unit else "") for series in chart.series
    ]
    if chart.marks:
        headers.append("")
    parts = ['<table class="data">', "<thead><tr>"]
    parts += [f"<th>{escape(header)}</th>" for header in headers]
    parts.append("</tr></thead>")
    parts.append("<tbody>")
    for x, values, marks in rows(chart):
        cells = [chart.x_text(x)] + ["" if y is None else format_value(y) for y in values]
        if chart.marks:
            cells.append(", ".join(marks))
        row_class = ' class="mark"' if marks else ""
        parts.append(
            f"<tr{row_class}>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + "</tr>"
        )
    parts += ["</tbody>", "</table>"]
    return parts
