"""A table's items on Redis: every process and host sharing the server reads and writes the
same items.

Keys, under the app's prefix: `tables` (a hash: each table's key schema and stream label),
`table:<arn>:items` (a hash: identity -> the item in DynamoDB's typed JSON), `table:<arn>:order`
(a sorted set: identity -> the place it was first put, so items come back in the order they
were inserted, as the memory and SQLite stores give them) and `table:<arn>:next` (the next
place).

Every read is one round trip on the backend's blocking client. Writes join a batch
(`faaslib.stores.redis.locked`): the table's lock is held from the batch's first read to its
end and its writes go then, with its stream's records, in one script call. What the batch has
written is read from it (`_Pending`) before the server, which does not have it yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from faaslib.errors import ConfigurationError
from faaslib.events.streams import AttributeValue
from faaslib.sources.table.store import Identity, Item
from faaslib.stores.redis.locked import Batch, ResourceLock

if TYPE_CHECKING:
    from faaslib.stores.redis.connection import Client, RedisBackend

__all__ = ["RedisItems"]

_encode = msgspec.json.Encoder().encode
_decode_item = msgspec.json.Decoder(dict[str, AttributeValue]).decode


class _Pending:
    """What a batch did to one table: items written (None: deleted), in order, and the next
    place an inserted item takes."""

    __slots__ = ("items", "kept", "next")

    def __init__(self) -> None:
        self.items: dict[bytes, Item | None] = {}
        self.kept: set[bytes] = set()  # read as kept under the lock: already in the order
        self.next: int | None = None


class RedisItems:
    """Table `arn`'s items on `backend`'s server."""

    def __init__(
        self, backend: RedisBackend, arn: str, key_schema: tuple[str, ...], stream_arn: str
    ) -> None:
        self._backend = backend
        self.arn = arn
        self._lock = ResourceLock(backend, "table", arn)
        self._items = backend.key("table", arn, "items")
        self._order = backend.key("table", arn, "order")
        self._next = backend.key("table", arn, "next")
        schema = _encode([list(key_schema), stream_arn])
        tables = backend.key("tables")

        async def describe(client: Client) -> bytes:
            async with client.pipeline(transaction=True) as pipe:
                pipe.hsetnx(tables, arn, schema)
                kept = pipe.hget(tables, arn)
            return bytes(await kept)

        kept_schema, self.stream_arn = msgspec.json.decode(backend.blocking(describe))
        if tuple(kept_schema) != key_schema:
            raise ConfigurationError(
                f"table {arn!r}: key_schema={key_schema!r}, but the store {backend.url!r} keeps "
                f"it with {tuple(kept_schema)!r} (the key schema of a kept table cannot change)"
            )

    def batch(self) -> ResourceLock:
        return self._lock

    def _pending(self, batch: Batch) -> _Pending:
        pending: _Pending | None = batch.state.get(self)
        if pending is None:
            pending = batch.state[self] = _Pending()
        return pending

    def get(self, identity: Identity) -> Item | None:
        field = _encode(identity)
        batch = self._lock.batch
        if batch is not None:
            pending = self._pending(batch)
            if field in pending.items:
                return pending.items[field]
            if self._lock.held_by(batch):
                # Read the next place with the item, for the put that usually follows.
                async def read_both(client: Client) -> tuple[bytes | None, bytes | None]:
                    async with client.pipeline(transaction=False) as pipe:
                        item = pipe.hget(self._items, field)
                        place = pipe.get(self._next)
                    return await item, await place

                held, place = self._backend.blocking(read_both)
                if pending.next is None:
                    pending.next = int(place or 0)
                if held is None:
                    return None
                pending.kept.add(field)
                return _decode_item(held)

        async def read(client: Client) -> bytes | None:
            return await client.hget(self._items, field)  # type: ignore[no-any-return]

        held = self._backend.blocking(read)
        return None if held is None else _decode_item(held)

    def put(self, identity: Identity, item: Item) -> None:
        field = _encode(identity)
        with self._lock as batch:
            pending = self._pending(batch)
            writes = batch.writes
            if field not in pending.kept and pending.items.get(field) is None:  # new, or unknown
                if pending.next is None:
                    pending.next = self._read_next()
                writes.add("ZADD", self._order, "NX", pending.next, field)
                pending.next += 1
                writes.add("SET", self._next, pending.next)
            writes.add("HSET", self._items, field, _encode(item))
            pending.items[field] = item

    def delete(self, identity: Identity) -> None:
        field = _encode(identity)
        with self._lock as batch:
            batch.writes.add("HDEL", self._items, field)
            batch.writes.add("ZREM", self._order, field)
            pending = self._pending(batch)
            pending.items[field] = None
            pending.kept.discard(field)

    def items(self) -> list[Item]:
        async def read(client: Client) -> tuple[tuple[bytes, ...], dict[bytes, bytes]]:
            async with client.pipeline(transaction=True) as pipe:
                order = pipe.zrange(self._order, 0, -1)
                items = pipe.hgetall(self._items)
            return tuple(await order), dict(await items)

        order, kept = self._backend.blocking(read)
        batch = self._lock.batch
        pending = None if batch is None else batch.state.get(self)
        if pending is None or not pending.items:
            return [_decode_item(kept[field]) for field in order if field in kept]
        found: dict[bytes, Item | None] = {
            field: _decode_item(kept[field]) for field in order if field in kept
        }
        found.update(pending.items)
        return [item for item in found.values() if item is not None]

    def count(self) -> int:
        batch = self._lock.batch
        if batch is not None and batch.state.get(self) is not None:
            return len(self.items())

        async def read(client: Client) -> int:
            return int(await client.hlen(self._items))

        return self._backend.blocking(read)

    def _read_next(self) -> int:
        async def read(client: Client) -> bytes | None:
            return await client.get(self._next)  # type: ignore[no-any-return]

        return int(self._backend.blocking(read) or 0)
