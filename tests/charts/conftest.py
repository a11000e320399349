"""Charts to draw: the shape of a tuning chart (two axes, categories, a mark) and a bar chart."""

from __future__ import annotations

import pytest

from faaslib.charts import Chart, Mark, Series

MEMORY = ["128", "256", "512", "1024", "1769", "3008"]


@pytest.fixture
def tuning() -> Chart:
    """Duration falling with memory, cost dipping then rising: as Power Tuning draws it."""
    return Chart(
        "Duration and cost by memory",
        "memory (MB)",
        "duration p50 (ms)",
        [
            Series("p50", [(i, 800 / 2**i) for i in range(6)], unit="ms"),
            Series("cost", [(i, c) for i, c in enumerate([17, 16, 15, 15.5, 20, 31])], "right"),
        ],
        y2_label="cost per million ($)",
        categories=MEMORY,
        marks=[Mark(2, "cheapest")],
    )


@pytest.fixture
def bars() -> Chart:
    return Chart(
        "Cost by function",
        "function",
        "cost ($)",
        [Series("cost", [(0, 1.5), (1, 4.0), (2, 0.0)], unit="$")],
        categories=["resize", "checkout", "idle"],
        marks=[Mark(1, "costs the most")],
        kind="bar",
    )
