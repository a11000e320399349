"""CloudWatch's `AWS/Lambda` metrics, kept per function as plain counters and histograms.

Recording is a few additions per invocation; the summaries (`app.metrics()`) are computed only
when asked for. Durations go into a histogram of logarithmic buckets 1% wide, so percentiles
cost bounded memory however many invocations there were, and are exact to within 1%.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["FunctionMetrics", "Histogram", "bucket_of", "bucket_top"]

_GROWTH = math.log(1.01)


def bucket_of(value: float) -> int:
    """The bucket a value falls in: -1 below 0.01 ms; above, each 1% wider than the last."""
    return int(math.log(value * 100) / _GROWTH) if value >= 0.01 else -1


def bucket_top(index: int) -> float:
    """The largest value bucket `index` holds."""
    return 0.01 if index < 0 else math.exp((index + 1) * _GROWTH) / 100


class Histogram:
    """Count, sum, max and approximate percentiles of non-negative values (milliseconds)."""

    __slots__ = ("buckets", "count", "maximum", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.maximum = 0.0
        self.buckets: dict[int, int] = {}

    def record(self, value: float) -> None:
        self.count += 1
        self.total += value
        if value > self.maximum:
            self.maximum = value
        # values below 0.01 ms share bucket -1; above, each bucket is 1% wider than the last
        index = int(math.log(value * 100) / _GROWTH) if value >= 0.01 else -1
        buckets = self.buckets
        buckets[index] = buckets.get(index, 0) + 1

    def percentile(self, fraction: float) -> float:
        """The value below which `fraction` of the recorded values fall (the bucket's top)."""
        if not self.count:
            return 0.0
        rank = fraction * self.count
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return min(bucket_top(index), self.maximum)
        return self.maximum

    def merge(self, other: Histogram) -> None:
        self.count += other.count
        self.total += other.total
        self.maximum = max(self.maximum, other.maximum)
        for index, count in other.buckets.items():
            self.buckets[index] = self.buckets.get(index, 0) + count

    def summary(self) -> dict[str, float]:
        return {
            "count": self.count,
            "sum": round(self.total, 3),
            "p50": round(self.percentile(0.50), 3),
            "p90": round(self.percentile(0.90), 3),
            "p99": round(self.percentile(0.99), 3),
            "max": round(self.maximum, 3),
        }


class FunctionMetrics:
    """What CloudWatch counts for one function.

    `invocations` counts billed requests, so throttled ones are not in it (they are `throttles`);
    `errors` counts invocations that ended with a function error.
    """

    __slots__ = (
        "async_adopted",
        "async_age",
        "async_expired",
        "async_failed",
        "async_received",
        "async_retries",
        "async_succeeded",
        "cold_starts",
        "dead_letter_errors",
        "destination_delivery_failures",
        "duration",
        "errors",
        "init_duration",
        "invocations",
        "provisioned_invocations",
        "service_errors",
        "spillover_invocations",
        "throttles",
    )

    def __init__(self) -> None:
        # Event invocations: each received event ends succeeded, failed (retries exhausted),
        # expired (too old), or is still pending.
        self.async_received = 0
        self.async_adopted = 0  # accepted by another process (or an earlier run), taken up here
        self.async_succeeded = 0
        self.async_failed = 0
        self.async_expired = 0
        self.async_retries = 0
        self.async_age = Histogram()
        self.dead_letter_errors = 0
        self.destination_delivery_failures = 0
        self.invocations = 0
        self.errors = 0
        self.throttles = 0
        self.service_errors = 0  # invocations faaslib could not run (no worker thread)
        self.cold_starts = 0
        self.provisioned_invocations = 0
        self.spillover_invocations = 0
        self.duration = Histogram()
        self.init_duration = Histogram()

    def counters(self) -> dict[str, Any]:
        return {
            "Invocations": self.invocations,
            "Errors": self.errors,
            "Throttles": self.throttles,
            "ServiceErrors": self.service_errors,
            "Duration": self.duration.summary(),
            "ColdStarts": self.cold_starts,
            "InitDuration": self.init_duration.summary(),
            "ProvisionedConcurrencyInvocations": self.provisioned_invocations,
            "ProvisionedConcurrencySpilloverInvocations": self.spillover_invocations,
            "AsyncEventsReceived": self.async_received + self.async_adopted,
            "AsyncEventAge": self.async_age.summary(),
            "AsyncEventsDropped": self.async_failed + self.async_expired,
            "AsyncEventRetries": self.async_retries,
            "AsyncEventOutcomes": {
                "Success": self.async_succeeded,
                "RetriesExhausted": self.async_failed,
                "EventAgeExceeded": self.async_expired,
                "Pending": self.async_pending,
            },
            "DeadLetterErrors": self.dead_letter_errors,
            "DestinationDeliveryFailures": self.destination_delivery_failures,
        }

    @property
    def async_pending(self) -> int:
        """Events received and not yet ended: queued, waiting to retry, or running."""
        received = self.async_received + self.async_adopted
        return received - self.async_succeeded - self.async_failed - self.async_expired

    def add(self, other: FunctionMetrics) -> None:
        self.invocations += other.invocations
        self.errors += other.errors
        self.throttles += other.throttles
        self.service_errors += other.service_errors
        self.cold_starts += other.cold_starts
        self.provisioned_invocations += other.provisioned_invocations
        self.spillover_invocations += other.spillover_invocations
        self.async_received += other.async_received
        self.async_adopted += other.async_adopted
        self.async_succeeded += other.async_succeeded
        self.async_failed += other.async_failed
        self.async_expired += other.async_expired
        self.async_retries += other.async_retries
        self.dead_letter_errors += other.dead_letter_errors
        self.destination_delivery_failures += other.destination_delivery_failures
        self.async_age.merge(other.async_age)
        self.duration.merge(other.duration)
        self.init_duration.merge(other.init_duration)
