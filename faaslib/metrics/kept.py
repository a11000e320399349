"""The fleet's metrics: every process on a Redis prefix adds its functions' counts to one
document per function, so `app.metrics()` shows what CloudWatch would show for the account.

Each process sends what its counters grew by since it last sent (`Values.add_many`: one round
trip for all its functions), once a second while the app runs, when it stops, and when
`app.metrics()` is asked; the same call returns the totals. Histograms travel as their buckets,
which add up exactly, so the fleet's percentiles are as exact as one process's (1%); the
fleet's maximum is its highest bucket's top (exact where that is this process's own maximum).
An Event invocation counts as received where it was accepted, once for the fleet. A process
killed by SIGKILL takes its last second of counts with it; what it sent stays.
"""

from __future__ import annotations

from collections.abc import Iterable

from faaslib.metrics.counters import FunctionMetrics, Histogram, bucket_of, bucket_top
from faaslib.stores.values import Values

__all__ = ["KeptMetrics", "sync_metrics"]

NAMESPACE = "metrics"
HISTOGRAMS = ("async_age", "duration", "init_duration")
COUNTERS = tuple(name for name in FunctionMetrics.__slots__ if name not in HISTOGRAMS)
# An Event invocation is received once in the fleet, where it was accepted: a process that takes
# up another's (its lease lapsed, or it stopped) counts it as received in its own figures only.
PER_PROCESS = ("async_adopted",)


class KeptMetrics:
    """One function's metrics in step with the fleet's document in the store."""

    __slots__ = ("_sending", "_synced", "fleet", "metrics", "name")

    def __init__(self, name: str, metrics: FunctionMetrics) -> None:
        self.name = name
        self.metrics = metrics
        self._synced: dict[str, int] = {}  # this process's counts as last sent
        self._sending: dict[str, int] = {}
        self.fleet: dict[str, int] = {}  # the store's document as last seen

    def deltas(self) -> dict[str, int]:
        flat = flatten(self.metrics)
        self._sending = flat
        synced = self._synced
        return {
            key: value - synced.get(key, 0)
            for key, value in flat.items()
            if value != synced.get(key, 0)
        }

    def sent(self, document: dict[str, int]) -> None:
        self._synced = self._sending
        self.fleet = document

    def fleet_metrics(self) -> FunctionMetrics:
        """The fleet's metrics as last seen, this process's counts included."""
        return unflatten(self.fleet, self.metrics)


def sync_metrics(values: Values, kept: Iterable[KeptMetrics]) -> None:
    """Send every function's growth and read the fleet's totals: one `add_many`."""
    by_name = {metrics.name: metrics for metrics in kept}
    documents = values.add_many(
        NAMESPACE, {name: metrics.deltas() for name, metrics in by_name.items()}
    )
    for name, metrics in by_name.items():
        metrics.sent(documents.get(name, {}))


def flatten(metrics: FunctionMetrics) -> dict[str, int]:
    """A function's metrics as whole numbers that add up across processes."""
    flat = {name: getattr(metrics, name) for name in COUNTERS}
    for name in HISTOGRAMS:
        histogram: Histogram = getattr(metrics, name)
        flat[f"{name}.count"] = histogram.count
        flat[f"{name}.sum_us"] = round(histogram.total * 1000)
        for index, count in histogram.buckets.items():
            flat[f"{name}.{index}"] = count
    return flat


def unflatten(document: dict[str, int], local: FunctionMetrics) -> FunctionMetrics:
    """`FunctionMetrics` from a fleet's document (`local`: this process's, for the maxima)."""
    fleet = FunctionMetrics()
    for key, value in document.items():
        name, _, part = key.partition(".")
        if not part:
            if name in COUNTERS and name not in PER_PROCESS:
                setattr(fleet, name, int(value))
            continue
        if name not in HISTOGRAMS:
            continue
        histogram: Histogram = getattr(fleet, name)
        if part == "count":
            histogram.count = int(value)
        elif part == "sum_us":
            histogram.total = int(value) / 1000
        else:
            histogram.buckets[int(part)] = int(value)
    for name in HISTOGRAMS:
        histogram = getattr(fleet, name)
        mine: Histogram = getattr(local, name)
        if histogram.buckets:
            highest = max(histogram.buckets)
            exact = mine.count and bucket_of(mine.maximum) == highest
            histogram.maximum = mine.maximum if exact else bucket_top(highest)
    return fleet
