"""Metrics over time: the app's CloudWatch-named figures sampled once a second, and the charts
the console's page draws from them (`GET /api/metrics`).

`app.metrics()` gives counts since the app was made; a sample keeps them with the time, and a
chart of a count shows what was added per second between samples. Duration percentiles are the
app's own (since the start, 1% buckets); concurrency, queue depths and ages are read as they
are at the sample. Samples are taken in real time (a person is watching), while the console
runs, and also when a page asks and the last sample is older than the interval.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import TYPE_CHECKING, Any

from faaslib.clock import SystemClock
from faaslib.sources.queue import Queue

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["MetricSeries"]

COUNTS = ("Invocations", "Errors", "Throttles", "ColdStarts")


class MetricSeries:
    """The last `size` samples of the app's metrics, `interval` seconds apart."""

    def __init__(self, app: App, interval: float = 1.0, size: int = 600) -> None:
        self.app = app
        self.interval = interval
        self._clock = SystemClock()
        self._samples: deque[dict[str, Any]] = deque(maxlen=size)

    async def run(self) -> None:
        """Sample until cancelled (the console's lifespan owns this task)."""
        while True:
            self.sample()
            await self._clock.sleep(self.interval)

    def sample_if_stale(self) -> None:
        samples = self._samples
        if not samples or self._clock.now() - samples[-1]["time"] >= self.interval:
            self.sample()

    def sample(self) -> None:
        app = self.app
        functions: dict[str, dict[str, Any]] = {}
        for name in app.functions:
            metrics = app.metrics(name, this_process=True)
            figures = {count: metrics[count] for count in COUNTS}
            figures["Duration"] = metrics["Duration"]
            figures["ConcurrentExecutions"] = metrics["ConcurrentExecutions"]["now"]
            figures["AsyncEventAge"] = metrics["AsyncEventAge"]["max"]
            ages = [
                trigger.metrics().get("IteratorAge", {}).get("latest")
                for trigger in app.triggers(name)
            ]
            known = [age for age in ages if isinstance(age, int | float)]
            figures["IteratorAge"] = max(known) if known else None
            functions[name] = figures
        queues = {
            name: {
                "ApproximateNumberOfMessagesVisible": queue.approximate_number_of_messages,
                "ApproximateNumberOfMessagesNotVisible": (
                    queue.approximate_number_of_messages_not_visible
                ),
            }
            for name, queue in app.queues.items()
        }
        account = app.metrics(this_process=True)
        self._samples.append(
            {
                "time": self._clock.now(),
                "functions": functions,
                "queues": queues,
                "ConcurrentExecutions": account["ConcurrentExecutions"]["now"],
            }
        )

    def charts(self, function: str | None = None) -> dict[str, Any]:
        """The charts of the account (every function added up), or of function `function`:
        `{"times": [...], "charts": [{"title", "unit", "series": [{"name", "values"}]}]}`,
        a value per time (null where there is none)."""
        self.sample_if_stale()
        samples = list(self._samples)
        names = [function] if function is not None else list(self.app.functions)

        def total(figure: str, sample: dict[str, Any]) -> float:
            return sum(  # type: ignore[no-any-return]
                sample["functions"][name][figure]
                for name in names
                if name in sample["functions"] and sample["functions"][name][figure] is not None
            )

        def rates(figure: str) -> list[float | None]:
            values: list[float | None] = [None]
            for before, after in itertools.pairwise(samples):
                seconds = max(after["time"] - before["time"], 1e-9)
                values.append(round((total(figure, after) - total(figure, before)) / seconds, 3))
            return values[: len(samples)]

        def durations(percentile: str) -> list[float | None]:
            return [
                max(
                    (
                        sample["functions"][name]["Duration"][percentile]
                        for name in names
                        if name in sample["functions"]
                    ),
                    default=None,
                )
                for sample in samples
            ]

        def gauge(figure: str) -> list[float | None]:
            return [total(figure, sample) for sample in samples]

        charts = [
            _chart(
                "Invocations, Errors, Throttles",
                "per second",
                {count: rates(count) for count in COUNTS},
            ),
            _chart(
                "Duration",
                "ms",
                {f"Duration {p}": durations(p) for p in ("p50", "p90", "p99", "max")},
            ),
            _chart(
                "ConcurrentExecutions",
                "count",
                {
                    "ConcurrentExecutions": (
                        [sample["ConcurrentExecutions"] for sample in samples]
                        if function is None
                        else gauge("ConcurrentExecutions")
                    )
                },
            ),
            _chart("AsyncEventAge", "ms", {"AsyncEventAge max": gauge("AsyncEventAge")}),
            _chart("IteratorAge", "ms", {"IteratorAge": gauge("IteratorAge")}),
        ]
        for name in self.app.queues if function is None else self._queues_of(function):
            depth = {
                figure: [sample["queues"].get(name, {}).get(figure) for sample in samples]
                for figure in (
                    "ApproximateNumberOfMessagesVisible",
                    "ApproximateNumberOfMessagesNotVisible",
                )
            }
            charts.append(_chart(f"Queue {name}", "messages", depth))
        return {"interval": self.interval, "times": [s["time"] for s in samples], "charts": charts}

    def _queues_of(self, function: str) -> list[str]:
        """The queues whose mapping invokes `function`."""
        queues = [getattr(trigger, "queue", None) for trigger in self.app.triggers(function)]
        return [queue.name for queue in queues if isinstance(queue, Queue)]


def _chart(title: str, unit: str, series: dict[str, list[Any]]) -> dict[str, Any]:
    return {
        "title": title,
        "unit": unit,
        "series": [{"name": name, "values": values} for name, values in series.items()],
    }
