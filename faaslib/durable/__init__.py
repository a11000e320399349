"""Durable executions: Lambda's durable functions, whose executions checkpoint their steps,
suspend while they wait and replay from the log when they resume (docs: Durable functions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from faaslib.durable.config import DurableConfig

if TYPE_CHECKING:
    from faaslib.durable.service import DurableExecutions

__all__ = ["DurableConfig", "DurableExecutions"]


def __getattr__(name: str) -> Any:
    # The service is imported when first asked for: faaslib.config imports this package for
    # DurableConfig, and the service imports what imports faaslib.config.
    if name == "DurableExecutions":
        from faaslib.durable.service import DurableExecutions

        return DurableExecutions
    raise AttributeError(f"module 'faaslib.durable' has no attribute {name!r}")
