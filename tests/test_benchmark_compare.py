"""benchmarks/compare.py, the regression check run before hot-path commits: it must flag a
faaslib figure more than 10% worse in either direction of goodness (µs up, rates down), never a
baseline's, and say when the baselines themselves moved (a busy machine, not slow code)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

PATH = Path(__file__).parents[1] / "benchmarks" / "compare.py"
spec = importlib.util.spec_from_file_location("bench_compare", PATH)
assert spec is not None
assert spec.loader is not None
compare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compare)


def test_a_slower_invoke_and_a_lower_rate_are_flagged_a_baseline_is_not() -> None:
    old = {
        "faaslib: app.invoke (µs)": 10.0,
        "queue: faaslib: batch 1 (/s)": 1000.0,
        "baseline: CancelScope() (µs)": 3.0,
        "faaslib: unchanged (µs)": 5.0,
    }
    new = {
        "faaslib: app.invoke (µs)": 11.5,  # 15% slower
        "queue: faaslib: batch 1 (/s)": 850.0,  # 18% more time per message
        "baseline: CancelScope() (µs)": 4.0,  # the machine: never flagged
        "faaslib: unchanged (µs)": 5.2,  # 4%: within the threshold
    }
    lines, flagged = compare.compare(old, new)
    assert flagged == ["faaslib: app.invoke (µs)", "queue: faaslib: batch 1 (/s)"]
    assert "REGRESSION?" in "\n".join(lines)  # the baselines moved 33%: said so
    assert "busier" in lines[-1]


@given(
    st.floats(0.01, 1e6),
    st.floats(0.01, 1e6),
    st.sampled_from(["faaslib: x (µs)", "faaslib: x (/s)"]),
)
def test_flagged_exactly_when_more_than_ten_percent_worse(
    old: float, new: float, name: str
) -> None:
    _, flagged = compare.compare({name: old}, {name: new})
    worse = new / old - 1 if name.endswith("(µs)") else old / new - 1
    assert (flagged == [name]) == (worse > 0.10)
