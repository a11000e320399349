"""The app's own options, checked at construction: what would otherwise fail later, mid-run."""

from __future__ import annotations

from faaslib.billing import PriceCatalog
from faaslib.errors import ConfigurationError

__all__ = ["check_options"]


def check_options(
    name: str,
    clock: object,
    prices: object,
    wait_for_provisioned: object,
    on_budget_exceeded: object,
    throttle_over_budget: object,
    route_aws_calls: object,
    platform_logs: object,
) -> None:
    """Refuse, at construction, options that would otherwise fail later, mid-run."""
    owner = f"App {name!r}"
    if clock is not None and not all(
        callable(getattr(clock, method, None))
        for method in ("now", "monotonic", "sleep", "timeout_scope")
    ):
        raise ConfigurationError(
            f"{owner}: clock={clock!r:.80} is not a clock (it needs now(), monotonic(), "
            "sleep() and timeout_scope(); use faaslib.SystemClock or faaslib.testing.FakeClock)"
        )
    if prices is not None and not isinstance(prices, PriceCatalog):
        raise ConfigurationError(
            f"{owner}: prices={prices!r:.80} is not a faaslib.billing.PriceCatalog"
        )
    for field, value in (
        ("wait_for_provisioned", wait_for_provisioned),
        ("throttle_over_budget", throttle_over_budget),
        ("route_aws_calls", route_aws_calls),
        ("platform_logs", platform_logs),
    ):
        if not isinstance(value, bool):
            raise ConfigurationError(f"{owner}: {field}={value!r:.80} must be True or False")
    if on_budget_exceeded is not None and not callable(on_budget_exceeded):
        raise ConfigurationError(
            f"{owner}: on_budget_exceeded={on_budget_exceeded!r:.80} must be callable, taking "
            "(spent, limit)"
        )
