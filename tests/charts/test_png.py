"""PNG through matplotlib (the `charts` extra), decoded by matplotlib's own image reader."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from faaslib.charts import Chart, render

pytest.importorskip("matplotlib", reason="the PNG format needs the charts extra")

from matplotlib import image

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_a_png_decodes_to_the_chart_size(tuning: Chart, tmp_path: Path) -> None:
    path = tmp_path / "tune.png"
    png = render(tuning, path)
    assert isinstance(png, bytes)
    assert png.startswith(SIGNATURE)
    assert path.read_bytes() == png
    pixels = image.imread(path)
    assert pixels.shape[:2] == (450, 800)
    assert pixels.std() > 0.05  # something is drawn


def test_stacked_charts_are_one_taller_png(tuning: Chart, bars: Chart, tmp_path: Path) -> None:
    path = tmp_path / "both.png"
    render([bars, tuning], path)
    assert image.imread(path).shape[:2] == (900, 800)


def test_dollar_signs_are_text_not_math(tmp_path: Path, tuning: Chart) -> None:
    chart = Chart("$5 or $6", "$", "$ per million", tuning.series, categories=tuning.categories)
    assert render(chart, format="png").startswith(SIGNATURE)


def test_without_matplotlib_png_names_the_extra(tmp_path: Path) -> None:
    # A fresh interpreter where matplotlib cannot be imported, as on an install without it.
    program = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from faaslib.charts import Chart, Series, render\n"
        "chart = Chart('t', 'x', 'y', [Series('s', [(0, 1)])])\n"
        "assert render(chart, format='svg').startswith('<svg')\n"
        f"render(chart, {str(tmp_path / 'x.png')!r})\n"
    )
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert run.returncode == 1
    last = run.stderr.strip().splitlines()[-1]
    assert last.startswith("faaslib.charts.png.MissingExtra: render: format 'png' needs matplotlib")
    assert "pip install 'faaslib[charts]'" in last
    assert "'svg', 'html' and 'text'" in last
    assert not (tmp_path / "x.png").exists()
