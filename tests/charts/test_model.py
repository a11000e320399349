"""A chart that cannot be drawn fails where it is made, naming the field."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from faaslib.charts import Chart, ChartError, Mark, Series, render


def make(**changes: Any) -> Chart:
    fields: dict[str, Any] = {
        "title": "t",
        "x_label": "x",
        "y_label": "y",
        "series": [Series("s", [(0, 1.0), (1, 2.0)])],
    }
    return Chart(**(fields | changes))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"series": []}, "Chart 't': series is empty"),
        ({"series": [Series("s", [])]}, "series 's': points is empty"),
        ({"series": [Series("s", [(0, math.nan)])]}, "series 's': point 0 has y=nan"),
        ({"series": [Series("s", [(0, 1), (math.inf, 1)])]}, "point 1 has x=inf"),
        ({"series": [Series("s", [(0, -math.inf)])]}, "values must be finite"),
        ({"categories": ["a"]}, "point 1 has x=1, which is not a category's index"),
        ({"categories": []}, "categories is empty"),
        ({"series": [Series("s", [(0.5, 1)])], "categories": ["a"]}, "x=0.5"),
        ({"marks": [Mark(5, "m")], "categories": ["a", "b"]}, "mark 'm' has x=5"),
        ({"marks": [Mark(math.nan, "m")]}, "mark 'm' has x=nan"),
        ({"kind": "bar"}, "kind='bar' needs categories"),
        ({"kind": "pie"}, "kind='pie' is not one of 'line', 'bar'"),
        ({"series": [Series("s", [(0, 1)], "up")]}, "series 's': axis='up'"),  # type: ignore[arg-type]
    ],
)
def test_a_bad_chart_names_the_field(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ChartError) as raised:
        make(**changes)
    assert str(raised.value).startswith("Chart 't': ")  # which chart
    assert message in str(raised.value)


def test_the_format_comes_from_the_suffix_or_format(tmp_path: Path) -> None:
    chart = make()
    assert render(chart, tmp_path / "a.SVG") == (tmp_path / "a.SVG").read_text()
    text = render(chart, tmp_path / "a.txt")
    assert isinstance(text, str)
    assert text.startswith("t\n=")
    assert render(chart, tmp_path / "b.out", format="html") == (tmp_path / "b.out").read_text()
    with pytest.raises(ChartError, match=r"path '.*a\.pdf' has the suffix '\.pdf'"):
        render(chart, tmp_path / "a.pdf")
    with pytest.raises(ChartError, match="format='jpeg' is not one of svg, html, png, text"):
        render(chart, format="jpeg")
    with pytest.raises(ChartError, match="no path and no format"):
        render(chart)
    with pytest.raises(ChartError, match="empty sequence"):
        render([], format="svg")
    assert not (tmp_path / "a.pdf").exists()
