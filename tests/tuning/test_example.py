"""examples/tune.py, whose chart the README shows, runs and says what it shows."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_tuning_example_recommends_and_draws(tmp_path: Path) -> None:
    chart = tmp_path / "tune.svg"
    run = subprocess.run(
        [sys.executable, "examples/tune.py", str(chart)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout
    checksum, lookup = out.split("lookup: ")
    assert checksum.startswith("checksum: modelled: CPU time scaled by the share")
    picked = int(checksum.split("-> ")[1].split()[0])
    assert picked <= 1769  # the cheapest: cost about flat up to one vCPU, rising after
    assert "-> 128 MB: 128 MB is the cheapest" in lookup
    assert f"chart written to {chart}" in out
    svg = ElementTree.fromstring(chart.read_text())
    text = " ".join(element.text or "" for element in svg.iter())
    assert "Power tuning of 'checksum'" in text
    for memory in (128, 256, 512, 1024, 1769, 3008):
        assert f"{memory} MB" in text
    assert f"cost: {picked} MB" in text  # the recommendation, marked
