"""The README's first command runs examples/quickstart.py; it must keep working."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_quickstart_runs_and_shows_lambdas_behaviour() -> None:
    completed = subprocess.run(
        [sys.executable, "examples/quickstart.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "resize -> 200 {'key': 'a.jpg', 'width': 640}" in out
    assert "Classifier -> 'cat'  cold_start=True" in out
    assert "Classifier -> 'cat'  cold_start=False  init=None ms" in out
    assert "checkout -> 200 Unhandled ValueError" in out
    assert "app.call raised: function 'checkout' failed: ValueError: card declined" in out
    assert "Error: Task timed out after 0.20 seconds" in out
    assert "REPORT RequestId: " in out
    report = out[out.index("What that cost on Lambda") :].splitlines()
    assert report[1].split()[:4] == ["function", "arch", "memory", "invocations"]
    assert [line.split()[0] for line in report[3:7]] == ["resize", "Classifier", "checkout", "slow"]
    assert report[8].startswith("total")
    assert "At 10 million invocations a month, free tier applied: $" in out
