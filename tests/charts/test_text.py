"""The terminal rendering: a line per x, bars in plain characters, the mark flagged."""

from __future__ import annotations

from faaslib.charts import Chart, Series, render


def lines_of(chart: Chart) -> list[str]:
    text = render(chart, format="text")
    assert isinstance(text, str)
    return text.splitlines()


def test_one_line_per_category_with_the_values_and_the_mark(tuning: Chart) -> None:
    lines = lines_of(tuning)
    assert lines[0] == tuning.title
    assert tuning.categories is not None
    rows = [line for line in lines if line.split(" ")[0] in tuning.categories]
    assert [row.split()[0] for row in rows] == tuning.categories
    for row, (_, duration), (_, cost) in zip(
        rows, tuning.series[0].points, tuning.series[1].points, strict=True
    ):
        assert f"{duration:g}" in row.split()
        assert f"{cost:g}" in row.split()
    flagged = [row for row in rows if "<- cheapest" in row]
    assert flagged == [rows[2]]
    assert all(line.isascii() for line in lines)


def test_bars_grow_with_the_values_on_their_axis(tuning: Chart) -> None:
    rows = lines_of(tuning)[-6:]
    durations = [row.count("#") for row in rows]
    assert durations == sorted(durations, reverse=True)
    assert durations[0] == 2 * durations[1] == 4 * durations[2]  # 800, 400, 200 ms
    costs = [row.count("=") for row in rows]
    assert costs[-1] == max(costs)  # 31, the largest on the right axis: the longest bar


def test_a_long_numeric_series_is_sampled_and_says_so() -> None:
    points = [(float(second), float(second * second)) for second in range(500)]
    lines = lines_of(Chart("growth", "second", "y", [Series("y", points)]))
    values = [line for line in lines if line[:1].isdigit()]
    assert 10 <= len(values) <= 30
    assert values[0].split()[0] == "0"
    assert values[-1].split()[0] == "499"
    assert lines[-1] == f"({len(values)} of 500 points shown, evenly spaced)"
