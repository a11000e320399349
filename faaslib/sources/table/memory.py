"""A table's items in a dict: they last as long as the process."""

from __future__ import annotations

from faaslib.sources.table.store import Identity, Item
from faaslib.stores.memory import NO_BATCH, NoBatch

__all__ = ["MemoryItems"]


class MemoryItems:
    def __init__(self, stream_arn: str) -> None:
        self.stream_arn = stream_arn
        self._items: dict[Identity, Item] = {}

    def batch(self) -> NoBatch:
        return NO_BATCH

    def get(self, identity: Identity) -> Item | None:
        return self._items.get(identity)

    def put(self, identity: Identity, item: Item) -> None:
        self._items[identity] = item

    def delete(self, identity: Identity) -> None:
        del self._items[identity]

    def items(self) -> list[Item]:
        return list(self._items.values())

    def count(self) -> int:
        return len(self._items)
