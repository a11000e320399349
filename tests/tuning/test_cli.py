"""`faaslib tune` as a user runs it: a subprocess on the example app."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def tune(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "faaslib", "tune", "tune:app", *arguments],
        cwd=EXAMPLES,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_table_the_pick_the_chart_and_progress(tmp_path: Path) -> None:
    chart = tmp_path / "tune.svg"
    run = tune(
        "checksum",
        "--memory",
        "128,512,1769,3008",
        "--payload",
        '{"rounds": 20000}',
        "-n",
        "3",
        "--chart",
        str(chart),
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "Power tuning of 'checksum': 3 invocations per size"
    assert lines[1].split() == [
        "memory", "arch", "p50", "ms", "p90", "ms", "p99", "ms", "billed", "ms", "$", "per",
        "1M", "kind",
    ]  # fmt: skip
    rows = [line.split() for line in lines[2:6]]
    assert [row[0] for row in rows] == ["128", "512", "1769", "3008"]
    assert all(row[-1] == "modelled" for row in rows)
    p50 = {int(row[0]): float(row[-6]) for row in rows}
    assert p50[128] > p50[512] > p50[1769]
    picked = next(line for line in lines if line.startswith("Recommended (cost): "))
    memory = int(picked.split()[2])
    assert f"{memory} MB *" in run.stdout  # flagged in the table
    assert f"{memory} MB is the cheapest: $" in picked
    assert any(line.startswith("Method: modelled: CPU time scaled by the share") for line in lines)
    assert any(line.startswith("CPU: ") for line in lines)
    assert "Power tuning of 'checksum'\n====" in run.stdout  # the terminal chart
    assert f"<- cost: {memory} MB" in run.stdout
    assert f"Chart written to {chart}" in run.stdout
    svg = ElementTree.fromstring(chart.read_text())
    assert svg.tag.endswith("svg")
    assert "invoked 16/16 (100%)" in run.stderr


def test_a_sleep_bound_function_is_recommended_the_smallest_size() -> None:
    run = tune("lookup", "--memory", "128,1024,3008", "-n", "2", "--arch", "x86_64,arm64")
    assert run.returncode == 0, run.stderr
    assert "Recommended (cost): 128 MB on arm64. 128 MB on arm64 is the cheapest" in run.stdout
    assert "Note: arm64 rows ran on this" in run.stdout


@pytest.mark.parametrize(
    ("arguments", "status", "message"),
    [
        (["checksum", "--memory", "100"], 2, "memory=100 is below the minimum of 128 MB"),
        (["checksum", "--memory", "20000"], 2, "memory=20000 is above the maximum of 10,240 MB"),
        (["checksum", "--memory", "1GB"], 2, "--memory '1GB': '1GB' is not a whole number of MB"),
        (["checksum", "-n", "0"], 2, "invocations=0 must be at least 1"),
        (["checksum", "--arch", "x86"], 2, "architecture 'x86' is not one of x86_64, arm64"),
        (["checksum", "--payload", "@nowhere.json"], 2, "--payload @nowhere.json: No such file"),
        (["checksum", "--payload", "{not json"], 3, "Could not parse request body into json"),
        (["nope"], 3, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"),
        (["checksum", "-n", "1", "--memory", "128", "--chart", "t.gif"], 2, "--chart t.gif: "),
    ],
)
def test_bad_input_exits_with_a_message_naming_it(
    arguments: list[str], status: int, message: str
) -> None:
    run = tune(*arguments)
    assert run.returncode == status, run.stderr
    assert message in run.stderr
    assert "Traceback" not in run.stderr
