"""The self-contained HTML page, read back by the standard library's HTML parser."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from faaslib.charts import Chart, Mark, Series, render


class Page(HTMLParser):
    """What a browser would find: the tags opened, the text of each, the table's cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text: dict[str, list[str]] = {}
        self.rows: list[list[str]] = []
        self.row_classes: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
            self.row_classes.append(dict(attrs).get("class"))
        if tag in ("td", "th"):
            self.rows[-1].append("")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.text.setdefault(self.stack[-1], []).append(data)
            if self.stack[-1] in ("td", "th"):
                self.rows[-1][-1] += data


def read(html: str | bytes) -> Page:
    assert isinstance(html, str)
    page = Page()
    page.feed(html)
    page.close()
    return page


def test_the_page_holds_the_svg_and_a_table_of_the_data(tuning: Chart, tmp_path: Path) -> None:
    path = tmp_path / "tune.html"
    html = render(tuning, path)
    assert path.read_text(encoding="utf-8") == html
    page = read(html)
    names = [tag for tag, _ in page.tags]
    assert names.count("svg") == 1
    assert names.count("polyline") == 2
    assert "script" not in names
    assert "link" not in names
    assert not any(attrs.get("src") or attrs.get("href") for _, attrs in page.tags)
    assert page.text["title"][0] == tuning.title
    assert page.text["h1"] == [tuning.title]
    assert "p50: 512 → 200 ms" in page.text["title"]  # each point's tooltip
    header, *rows = page.rows
    assert header == ["memory (MB)", "p50 (ms)", "cost", ""]
    assert [row[0] for row in rows] == tuning.categories
    assert [float(row[1].replace(",", "")) for row in rows] == [
        y for _, y in tuning.series[0].points
    ]
    assert [float(row[2]) for row in rows] == [y for _, y in tuning.series[1].points]
    marked = [row for row, cls in zip(rows, page.row_classes[1:], strict=True) if cls == "mark"]
    assert marked == [["512", "200", "15", "cheapest"]]


def test_several_charts_make_one_page(tuning: Chart, bars: Chart) -> None:
    page = read(render([bars, tuning], format="html"))
    assert page.text["h1"] == [bars.title, tuning.title]
    assert [tag for tag, _ in page.tags].count("table") == 2


def test_every_text_is_escaped() -> None:
    hostile = "<script>alert(1)</script>"
    chart = Chart(
        hostile, hostile, hostile, [Series(hostile, [(0, 1.0)], unit=hostile)],
        categories=[hostile], marks=[Mark(0, hostile)],
    )  # fmt: skip
    html = render(chart, format="html")
    assert isinstance(html, str)
    assert "<script>" not in html
    page = read(html)
    assert "script" not in [tag for tag, _ in page.tags]
    assert page.text["title"][0] == hostile
    assert page.text["h1"] == [hostile]
    assert page.rows[1] == [hostile, "1", hostile]
