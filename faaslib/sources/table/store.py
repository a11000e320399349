"""The seam between a table's semantics (`table.Table`) and where its items are: `ItemStore`,
what a table asks of its store. `memory.MemoryItems` keeps them in the process (the default);
`sqlite.SQLiteItems` in a database file shared by the processes of a host; `redis.RedisItems` on
a Redis server shared by processes and hosts; `for_backend` picks by the app's store.

What a store must guarantee, whatever keeps it: inside `batch()` the reads and writes are one
atomic step (one transaction in a file), and the table's stream writes on the same backend join
it, so an item never changes without its stream record, nor a record appears for a change that
was not kept.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from faaslib.errors import ConfigurationError
from faaslib.events.streams import AttributeValue

if TYPE_CHECKING:
    from faaslib.stores import Backend

__all__ = ["Identity", "Item", "ItemStore", "for_backend"]

Identity = tuple[tuple[str, str, str], ...]
"""What makes two keys the same item: (attribute, type, normalized value) per key attribute."""
Item = dict[str, AttributeValue]


class ItemStore(Protocol):
    """The items of one table, by identity."""

    stream_arn: str  # the table's stream, as it was labelled when the table was first made

    def batch(self) -> AbstractContextManager[object]:
        """Make the operations inside one atomic step (one transaction in a file)."""
        ...

    def get(self, identity: Identity) -> Item | None: ...

    def put(self, identity: Identity, item: Item) -> None: ...

    def delete(self, identity: Identity) -> None: ...

    def items(self) -> list[Item]: ...

    def count(self) -> int: ...


def for_backend(
    backend: Backend | None, arn: str, key_schema: tuple[str, ...], stream_arn: str
) -> ItemStore:
    """Table `arn`'s store on `backend` (in memory when there is none); `stream_arn` labels its
    stream unless the store kept another label for it."""
    if backend is None or backend.kind == "memory":
        from faaslib.sources.table.memory import MemoryItems

        return MemoryItems(stream_arn)
    if backend.kind == "sqlite":
        from faaslib.sources.table.sqlite import SQLiteItems

        return SQLiteItems(backend.database, arn, key_schema, stream_arn)
    if backend.kind == "redis":
        from faaslib.sources.table.redis import RedisItems

        return RedisItems(backend, arn, key_schema, stream_arn)
    raise ConfigurationError(f"table {arn!r}: no item store for a {backend.kind!r} backend")
