"""`faaslib cost ... --chart FILE`: the run's bill drawn to a file and printed as text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tests.charts.test_html import read
from tests.cli import faaslib

NS = "{http://www.w3.org/2000/svg}"


def test_the_chart_is_written_and_printed(tmp_path: Path) -> None:
    path = tmp_path / "cost.svg"
    run = faaslib("cost", "shop:app", "echo", "--count", "12", "--chart", str(path))
    assert run.returncode == 0, run.stderr
    root = ElementTree.fromstring(path.read_text(encoding="utf-8"))
    titles = [e.text for e in root.iter(f"{NS}text") if e.get("class") == "title"]
    assert titles == ["Cost by function", "Cumulative cost over the run"]
    over_time = [g for g in root.iter(f"{NS}g") if g.get("data-name") == "echo"]
    assert len(list(over_time[0].iter(f"{NS}circle"))) == 12  # a point per invocation
    out = run.stdout
    assert out.index("USD, us-east-1 prices") < out.index("Cost by function\n================")
    assert "Cumulative cost over the run" in out
    echo = next(line for line in out.splitlines() if line.startswith("echo ") and "#" in line)
    assert "<-" not in echo  # one function with a cost: none is marked as costing the most
    assert f"chart written to {path}" in run.stderr


def test_with_json_the_text_chart_goes_to_stderr(tmp_path: Path) -> None:
    path = tmp_path / "cost.html"
    run = faaslib("cost", "shop:app", "echo", "--count", "3", "--json", "--chart", str(path))
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["functions"]["echo"]["requests"] == "3"
    assert "Cost by function" in run.stderr
    page = read(path.read_text(encoding="utf-8"))
    assert page.text["h1"] == ["Cost by function", "Cumulative cost over the run"]


def test_a_chart_file_of_no_known_format_is_refused_before_the_run(tmp_path: Path) -> None:
    run = faaslib("cost", "shop:app", "echo", "--chart", str(tmp_path / "cost.pdf"))
    assert run.returncode == 2
    assert "names no chart format; use .svg, .html or .png" in run.stderr
    assert "invoked" not in run.stderr
    assert run.stdout == ""
