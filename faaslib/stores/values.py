"""`Values`: small named records a service keeps across restarts (a schedule's last tick, the
ledger's totals), as JSON documents under a namespace and a key."""

from __future__ import annotations

from typing import Any, Protocol

__all__ = ["MemoryValues", "Values"]


class Values(Protocol):
    """Documents under (namespace, key). A write is durable when it returns (on a durable
    backend)."""

    def get(self, namespace: str, key: str) -> Any | None: ...

    def put(self, namespace: str, key: str, value: Any) -> None: ...

    def advance(self, namespace: str, key: str, value: float) -> bool:
        """Set a number to `value` if it is unset or lower; whether it was set. Atomic: of the
        processes sharing a store that advance it to the same value, one succeeds."""
        ...


class MemoryValues:
    """Values kept in a dict: they last as long as the process."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, str], Any] = {}

    def get(self, namespace: str, key: str) -> Any | None:
        return self._values.get((namespace, key))

    def put(self, namespace: str, key: str, value: Any) -> None:
        self._values[(namespace, key)] = value

    def advance(self, namespace: str, key: str, value: float) -> bool:
        held = self._values.get((namespace, key))
        if isinstance(held, int | float) and held >= value:
            return False
        self._values[(namespace, key)] = value
        return True
