"""Axes: the range a set of values is drawn over, its ticks, and where a value falls on it.

Shared by the SVG and the text renderings so both read the data the same way. Any finite floats
are drawn, from subnormal to near `sys.float_info.max`: differences are taken as halves so that
no span overflows to infinity.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["Scale", "format_tick"]

TICKS = 5  # about this many intervals on an axis


class Scale:
    """A linear axis from `low` to `high`, with round `ticks` inside it.

    Value axes include zero, so that a bar's length and a line's height are read from zero
    (a chart of 98 against 100 does not look like a collapse); `include_zero=False` is for x.
    """

    __slots__ = ("high", "low", "step", "ticks")

    def __init__(self, values: Iterable[float], *, include_zero: bool = True) -> None:
        data = list(values)
        if include_zero:
            data.append(0.0)
        low, high = min(data), max(data)
        if not high / 2 - low / 2 > 0:  # one value: a range around it
            half = max(abs(low), 1.0) / 2
            low, high = (low - half, high + half) if low != 0 or not include_zero else (0.0, 1.0)
        self.low, self.high = low, high
        self.step, self.ticks = _round_ticks(low, high)
        if self.ticks:
            self.low, self.high = min(low, self.ticks[0]), max(high, self.ticks[-1])

    def fraction(self, value: float) -> float:
        """Where `value` falls, from 0 at `low` to 1 at `high` (clamped against rounding)."""
        span = self.high / 2 - self.low / 2
        return min(1.0, max(0.0, (value / 2 - self.low / 2) / span))

    def labels(self) -> list[tuple[float, str]]:
        return [(tick, format_tick(tick, self.step)) for tick in self.ticks]


def _round_ticks(low: float, high: float) -> tuple[float, list[float]]:
    """Ticks at 1, 2 or 5 times a power of ten covering `low..high`; the plain ends when round
    ticks cannot be had (a range so wide its rounded ends overflow)."""
    raw = high / TICKS - low / TICKS
    if raw > 0 and math.isfinite(raw):
        power = 10.0 ** math.floor(math.log10(raw))
        for multiple in (1.0, 2.0, 5.0, 10.0):
            step = multiple * power
            if step >= raw:
                break
        first, last = math.floor(low / step), math.ceil(high / step)
        ticks = [step * index for index in range(first, last + 1)]
        if step > 0 and last - first <= 4 * TICKS and all(map(math.isfinite, ticks)):
            return step, ticks
    return raw, [low, high]


def format_tick(value: float, step: float) -> str:
    """A tick's label with as many decimals as the step needs: `0.25`, `1,500`, `2e-07`."""
    if value == 0:
        return "0"
    if not step > 0 or abs(value) >= 1e15 or step < 1e-4:
        return f"{value:.3g}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    if step * 10**decimals != round(step * 10**decimals):  # 2.5, 0.25: one more decimal
        decimals += 1
    return f"{value:,.{decimals}f}"
