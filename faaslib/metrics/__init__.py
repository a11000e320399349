"""CloudWatch's `AWS/Lambda` metrics: each function's counters (`counters`), and the fleet's,
kept in step through a shared store (`kept`)."""

from faaslib.metrics.counters import FunctionMetrics, Histogram

__all__ = ["FunctionMetrics", "Histogram"]
