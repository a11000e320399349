"""`render`: a chart to SVG, HTML, PNG or text (the format named, or the path's suffix), returned
and written where asked."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal, overload

from faaslib.charts.html import render_html
from faaslib.charts.model import Chart, ChartError
from faaslib.charts.png import render_png
from faaslib.charts.svg import render_svg
from faaslib.charts.text import render_text

__all__ = ["FORMATS", "chart_format", "render"]

FORMATS = ("svg", "html", "png", "text")
SUFFIXES = {".svg": "svg", ".html": "html", ".htm": "html", ".png": "png", ".txt": "text"}


def chart_format(path: str | Path | None, format: str | None) -> str:
    """The format `format` names, else the one `path`'s suffix names (`.svg`, `.html`, `.png`,
    `.txt`); an error naming both when neither says."""
    if format is not None:
        if format not in FORMATS:
            raise ChartError(f"render: format={format!r} is not one of {', '.join(FORMATS)}")
        return format
    if path is None:
        raise ChartError(f"render: no path and no format; pass format= ({', '.join(FORMATS)})")
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ChartError(
            f"render: path {str(path)!r} has the suffix {suffix!r}, which names no format; "
            f"use one of {', '.join(SUFFIXES)} or pass format= ({', '.join(FORMATS)})"
        )
    return SUFFIXES[suffix]


@overload
def render(
    chart: Chart | Sequence[Chart], path: str | Path | None = None, *, format: Literal["png"]
) -> bytes: ...


@overload
def render(
    chart: Chart | Sequence[Chart],
    path: str | Path | None = None,
    *,
    format: Literal["svg", "html", "text"],
) -> str: ...


@overload
def render(
    chart: Chart | Sequence[Chart], path: str | Path | None = None, format: str | None = None
) -> str | bytes: ...


def render(
    chart: Chart | Sequence[Chart], path: str | Path | None = None, format: str | None = None
) -> str | bytes:
    """Draw `chart` (or several charts, one under the other in one file) and return it: `str`
    for `svg`, `html` and `text`, `bytes` for `png`; written to `path` too when given.

    The format is `format`, else `path`'s suffix. SVG, HTML (the SVG inline and the data in a
    table, self-contained) and text (a terminal rendering) need nothing; PNG needs matplotlib
    (`pip install 'faaslib[charts]'`).

    ```python
    from faaslib.charts import Chart, Series, render

    chart = Chart("Calls", "minute", "calls", [Series("calls", [(0, 3), (1, 5), (2, 4)])])
    assert render(chart, format="svg").startswith("<svg")
    print(render(chart, format="text"))
    ```
    """
    charts = [chart] if isinstance(chart, Chart) else list(chart)
    if not charts:
        raise ChartError("render: chart is an empty sequence; pass a Chart or several")
    for each in charts:
        if not isinstance(each, Chart):
            raise ChartError(f"render: {each!r} is not a Chart")
    kind = chart_format(path, format)
    content: str | bytes
    if kind == "svg":
        content = render_svg(charts)
    elif kind == "html":
        content = render_html(charts)
    elif kind == "text":
        content = render_text(charts)
    else:
        content = render_png(charts)
    if path is not None:
        if isinstance(content, bytes):
            Path(path).write_bytes(content)
        else:
            Path(path).write_text(content, encoding="utf-8")
    return content
