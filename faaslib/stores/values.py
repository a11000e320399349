"""`Values`: small named records a service keeps across restarts (a schedule's last tick, the
ledger's totals), as JSON documents under a namespace and a key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

__all__ = [
    "MemoryValues",
    "Values",
    "add_by_get_and_put",
    "add_many_by_get_and_put",
    "advance_by_get_and_put",
    "swap_by_get_and_put",
]


class Values(Protocol):
    """Documents under (namespace, key). A write is durable when it returns (on a durable
    backend)."""

    def get(self, namespace: str, key: str) -> Any | None: ...

    def put(self, namespace: str, key: str, value: Any) -> None: ...

    def add(self, namespace: str, key: str, amounts: Mapping[str, int]) -> dict[str, int]:
        """Add `amounts` to the numbers of a document (missing ones count from 0); the document
        after. Atomic, so processes sharing a store may add to one total."""
        ...

    def add_many(
        self, namespace: str, amounts: Mapping[str, Mapping[str, int]]
    ) -> dict[str, dict[str, int]]:
        """`add` for several keys at once (one transaction, one round trip), each key's
        document after; an empty `amounts` for a key reads it. What a process keeps in step
        with the others (its functions' totals, each second) costs one call, not one a key."""
        ...

    def advance(self, namespace: str, key: str, value: float) -> bool:
        """Set a number to `value` if it is unset or lower; whether it was set. Atomic: of the
        processes sharing a store that advance it to the same value, one succeeds."""
        ...

    def swap(self, namespace: str, key: str, expected: Any | None, value: Any | None) -> bool:
        """Replace the document by `value` (None: remove it) if it is `expected` now (None:
        there is none); whether it was replaced. Atomic: what processes sharing a store claim
        (an execution's owner) or change by reading first (a list) is changed by one of them
        at a time, and the others see that they lost and read again."""
        ...


class MemoryValues:
    """Values kept in a dict: they last as long as the process."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, str], Any] = {}

    def get(self, namespace: str, key: str) -> Any | None:
        return self._values.get((namespace, key))

    def put(self, namespace: str, key: str, value: Any) -> None:
        self._values[(namespace, key)] = value

    def add(self, namespace: str, key: str, amounts: Mapping[str, int]) -> dict[str, int]:
        return add_by_get_and_put(self, namespace, key, amounts)

    def add_many(
        self, namespace: str, amounts: Mapping[str, Mapping[str, int]]
    ) -> dict[str, dict[str, int]]:
        return add_many_by_get_and_put(self, namespace, amounts)

    def advance(self, namespace: str, key: str, value: float) -> bool:
        return advance_by_get_and_put(self, namespace, key, value)

    def swap(self, namespace: str, key: str, expected: Any | None, value: Any | None) -> bool:
        return swap_by_get_and_put(self, self.remove, namespace, key, expected, value)

    def remove(self, namespace: str, key: str) -> None:
        self._values.pop((namespace, key), None)


def add_by_get_and_put(
    values: Values, namespace: str, key: str, amounts: Mapping[str, int]
) -> dict[str, int]:
    """`Values.add` by a get and a put (atomic inside the caller's transaction)."""
    held = values.get(namespace, key)
    totals = {name: int(value) for name, value in held.items()} if isinstance(held, dict) else {}
    for name, amount in amounts.items():
        totals[name] = totals.get(name, 0) + amount
    if amounts:
        values.put(namespace, key, totals)
    return totals


def add_many_by_get_and_put(
    values: Values, namespace: str, amounts: Mapping[str, Mapping[str, int]]
) -> dict[str, dict[str, int]]:
    """`Values.add_many` by gets and puts (atomic inside the caller's transaction)."""
    return {key: add_by_get_and_put(values, namespace, key, part) for key, part in amounts.items()}


def advance_by_get_and_put(values: Values, namespace: str, key: str, value: float) -> bool:
    """`Values.advance` by a get and a put (atomic inside the caller's transaction)."""
    held = values.get(namespace, key)
    if isinstance(held, int | float) and held >= value:
        return False
    values.put(namespace, key, value)
    return True


def swap_by_get_and_put(
    values: Values,
    remove: Callable[[str, str], None],
    namespace: str,
    key: str,
    expected: Any | None,
    value: Any | None,
) -> bool:
    """`Values.swap` by a get and a put, or `remove` (atomic inside the caller's
    transaction)."""
    if values.get(namespace, key) != expected:
        return False
    if value is None:
        remove(namespace, key)
    else:
        values.put(namespace, key, value)
    return True
