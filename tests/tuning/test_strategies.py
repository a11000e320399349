"""Picking a memory size as AWS Lambda Power Tuning's analyzer does, and saying why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faaslib.tuning import TuneRow
from faaslib.tuning.strategies import balanced_scores, explain, pick


def row(memory: int, p50: float, cost: str, architecture: str = "x86_64") -> TuneRow:
    per_invocation = Decimal(cost)
    return TuneRow(
        memory=memory,
        architecture=architecture,
        duration_p50_ms=p50,
        duration_p90_ms=p50,
        duration_p99_ms=p50,
        billed_ms=p50,
        cost_per_invocation=per_invocation,
        cost_per_million=per_invocation * 1_000_000,
        kind="modelled",
        invocations=5,
    )


# a CPU-bound function: faster with memory, about the same cost up to one vCPU
CPU_BOUND = [
    row(128, 800.0, "0.00000187"),
    row(256, 400.0, "0.00000187"),
    row(512, 200.0, "0.00000188"),
    row(1769, 58.0, "0.00000190"),
    row(3008, 58.0, "0.00000304"),
]


def test_cost_picks_the_cheapest_and_among_equal_costs_the_lowest_memory() -> None:
    assert pick(CPU_BOUND, "cost").memory == 128
    assert pick(list(reversed(CPU_BOUND)), "cost").memory == 128


def test_speed_picks_the_fastest_and_among_equal_speeds_the_cheapest() -> None:
    assert pick(CPU_BOUND, "speed").memory == 1769
    assert pick(list(reversed(CPU_BOUND)), "speed").memory == 1769


def test_balanced_uses_power_tunings_normalised_formula() -> None:
    # weight 0.5: 128 scores 0.5*1.87/3.04 + 0.5*800/800 = 0.81; 512 scores 0.5*1.88/3.04 +
    # 0.5*200/800 = 0.43; 1769 scores 0.5*1.90/3.04 + 0.5*58/800 = 0.35; 3008 scores 0.54
    scores = balanced_scores(CPU_BOUND, 0.5)
    assert scores[id(CPU_BOUND[3])] == pytest.approx(0.5 * 190 / 304 + 0.5 * 58 / 800)
    assert pick(CPU_BOUND, "balanced").memory == 1769
    assert pick(CPU_BOUND, "balanced", 1.0).memory == 128  # cost only
    assert pick(CPU_BOUND, "balanced", 0.0).memory == 1769  # speed only, ties to lowest memory


def test_why_states_the_pick_and_the_figures() -> None:
    why = explain(CPU_BOUND, pick(CPU_BOUND, "cost"), "cost", 0.5)
    assert why == (
        "128 MB is the cheapest: $1.8700 per million invocations at 800.0 ms (p50); the next "
        "cheapest, 256 MB, costs $1.8700 (+0.0%) at 400.0 ms."
    )
    why = explain(CPU_BOUND, pick(CPU_BOUND, "speed"), "speed", 0.5)
    assert why == (
        "1769 MB is the fastest: $1.9000 per million invocations at 58.0 ms (p50); the "
        "cheapest, 128 MB, takes 800.0 ms for $1.8700."
    )
    why = explain(CPU_BOUND, pick(CPU_BOUND, "balanced"), "balanced", 0.5)
    assert why.startswith("1769 MB balances cost and speed best (weight 0.5 on cost)")
    assert why.endswith("scoring 0.349 against 0.434 for 512 MB.")


def test_why_names_the_architecture_when_both_were_tuned() -> None:
    rows = [row(128, 100.0, "0.000002"), row(128, 100.0, "0.0000016", "arm64")]
    best = pick(rows, "cost")
    assert (best.memory, best.architecture) == (128, "arm64")
    assert explain(rows, best, "cost", 0.5).startswith("128 MB on arm64 is the cheapest")


def test_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError, match="strategy='fast' is not one of cost, speed, balanced"):
        pick(CPU_BOUND, "fast")  # type: ignore[arg-type]


rows_strategy = st.lists(
    st.builds(
        row,
        memory=st.integers(128, 10_240),
        p50=st.floats(0.1, 10_000, allow_nan=False),
        cost=st.integers(1, 10**6).map(lambda n: str(Decimal(n) / 10**12)),
    ),
    min_size=1,
    max_size=12,
    unique_by=lambda r: r.memory,
)


@given(rows=rows_strategy)
def test_cost_is_never_beaten_and_ties_go_to_the_lowest_memory(rows: list[TuneRow]) -> None:
    best = pick(rows, "cost")
    assert all(best.cost_per_invocation <= other.cost_per_invocation for other in rows)
    tied = [other for other in rows if other.cost_per_invocation == best.cost_per_invocation]
    assert best.memory == min(other.memory for other in tied)


@given(rows=rows_strategy)
def test_speed_is_never_beaten_and_ties_go_to_the_cheapest(rows: list[TuneRow]) -> None:
    best = pick(rows, "speed")
    assert all(best.duration_p50_ms <= other.duration_p50_ms for other in rows)
    tied = [other for other in rows if other.duration_p50_ms == best.duration_p50_ms]
    assert best.cost_per_invocation == min(other.cost_per_invocation for other in tied)


@given(rows=rows_strategy, weight=st.floats(0, 1))
def test_balanced_minimises_its_score_and_matches_the_extremes(
    rows: list[TuneRow], weight: float
) -> None:
    best = pick(rows, "balanced", weight)
    scores = balanced_scores(rows, weight)
    assert all(scores[id(best)] <= scores[id(other)] for other in rows)
    assert pick(rows, "balanced", 1.0).cost_per_invocation == pick(rows, "cost").cost_per_invocation
    assert pick(rows, "balanced", 0.0).duration_p50_ms == pick(rows, "speed").duration_p50_ms
    assert explain(rows, best, "balanced", weight).startswith(f"{best.memory} MB")
