"""Picking a memory size from the rows, as AWS Lambda Power Tuning's analyzer does.

- `cost`: the cheapest invocation; among equal costs, the lowest memory (the lowest memory
  that does not raise cost; Power Tuning takes the fastest there, which at an equal cost is
  the larger memory: faaslib keeps the smaller one, which leaves room to grow).
- `speed`: the fastest p50 duration; among equal durations, the cheapest.
- `balanced`: the smallest `weight * cost / max(cost) + (1 - weight) * p50 / max(p50)`, Power
  Tuning's formula with its `balancedWeight` (0: speed only, 1: cost only; 0.5 by default).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Literal

from faaslib.tuning.result import TuneRow

__all__ = ["STRATEGIES", "Strategy", "explain", "pick"]

Strategy = Literal["cost", "speed", "balanced"]
STRATEGIES: tuple[Strategy, ...] = ("cost", "speed", "balanced")


def pick(rows: Sequence[TuneRow], strategy: Strategy, weight: float = 0.5) -> TuneRow:
    """The row `strategy` recommends (rows in any order; ties as the module says)."""
    if not rows:
        raise ValueError("no rows to pick from")
    if strategy == "cost":
        return min(rows, key=lambda row: (row.cost_per_invocation, row.memory))
    if strategy == "speed":
        return min(rows, key=lambda row: (row.duration_p50_ms, row.cost_per_invocation, row.memory))
    if strategy == "balanced":
        scores = balanced_scores(rows, weight)
        return min(rows, key=lambda row: (scores[id(row)], row.memory))
    raise ValueError(f"strategy={strategy!r} is not one of {', '.join(STRATEGIES)}")


def balanced_scores(rows: Sequence[TuneRow], weight: float) -> dict[int, float]:
    """Power Tuning's balanced value of each row (by `id`), lower is better."""
    most_cost = max(row.cost_per_invocation for row in rows)
    most_duration = max(row.duration_p50_ms for row in rows)
    scores = {}
    for row in rows:
        cost = float(row.cost_per_invocation / most_cost) if most_cost else 0.0
        duration = row.duration_p50_ms / most_duration if most_duration else 0.0
        scores[id(row)] = weight * cost + (1 - weight) * duration
    return scores


def explain(rows: Sequence[TuneRow], best: TuneRow, strategy: Strategy, weight: float) -> str:
    """One sentence with the figures: why `best` is the pick."""
    both = len({row.architecture for row in rows}) > 1
    name = _name(best, both)
    figures = f"${_money(best.cost_per_million)} per million invocations at {_ms(best)} (p50)"
    others = [row for row in rows if row is not best]
    if not others:
        return f"{name} is the only size tuned: {figures}."
    if strategy == "cost":
        runner_up = min(others, key=lambda row: (row.cost_per_invocation, row.memory))
        return (
            f"{name} is the cheapest: {figures}; the next cheapest, {_name(runner_up, both)}, "
            f"costs ${_money(runner_up.cost_per_million)} "
            f"({_percent(runner_up.cost_per_million, best.cost_per_million)}) "
            f"at {_ms(runner_up)}."
        )
    if strategy == "speed":
        cheapest = min(rows, key=lambda row: (row.cost_per_invocation, row.memory))
        if cheapest is best:
            return f"{name} is the fastest and the cheapest: {figures}."
        return (
            f"{name} is the fastest: {figures}; the cheapest, {_name(cheapest, both)}, takes "
            f"{_ms(cheapest)} for ${_money(cheapest.cost_per_million)}."
        )
    scores = balanced_scores(rows, weight)
    runner_up = min(others, key=lambda row: (scores[id(row)], row.memory))
    return (
        f"{name} balances cost and speed best (weight {weight:g} on cost): {figures}, "
        f"scoring {scores[id(best)]:.3f} against {scores[id(runner_up)]:.3f} for "
        f"{_name(runner_up, both)}."
    )


def _name(row: TuneRow, both: bool) -> str:
    return f"{row.memory} MB" + (f" on {row.architecture}" if both else "")


def _ms(row: TuneRow) -> str:
    return f"{row.duration_p50_ms:.1f} ms"


def _money(value: Decimal) -> str:
    return f"{value:.4f}"


def _percent(value: Decimal, base: Decimal) -> str:
    if not base:
        return "n/a"
    change = float((value - base) / base) * 100
    return f"{change:+.1f}%"
