"""The seam between a stream's semantics (`stream.Stream`) and where its records are:
`StreamStore`, what a stream asks of its store, and `ShardStore`, one shard's records in it.
`memory.MemoryStream` keeps them in the process (the default); `sqlite.SQLiteStream` in a
database file shared by the processes of a host; `redis.RedisStream` on a Redis server shared by
processes and hosts; `for_backend` picks by the app's store.

What a store must guarantee, whatever keeps it: a record is numbered by its place in its shard
(0, 1, ...) and its sequence number follows from that number, so sequence numbers only grow
within a shard, across restarts and across the processes sharing a file too; arrival times never
go back within a stream; records leave only from the front of a shard, once they are older than
the retention period (`trim`), so a shard's records are always a run of consecutive numbers from
`trim_horizon` up to `tip`.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from faaslib.clock import Clock
from faaslib.errors import ConfigurationError
from faaslib.sources.stream._shards import SEQUENCE_STEP
from faaslib.sources.stream.records import Record, Shard, ShardIterator

if TYPE_CHECKING:
    from faaslib.stores import Backend

__all__ = ["ShardStore", "StreamStore", "for_backend", "number_of", "sequence_number"]


class ShardStore(Protocol):
    """One shard's records, oldest first. Times (`arrived_at`) are on the stream store's
    `time()`."""

    shard: Shard
    first: int  # the sequence number of record 0

    @property
    def trim_horizon(self) -> int:
        """The number of the oldest record kept (the tip when none is)."""
        ...

    @property
    def tip(self) -> int:
        """The number the next record put will get."""
        ...

    def sequence_number(self, number: int) -> str: ...

    def number_of(self, sequence_number: int) -> int | None:
        """The number of the record with `sequence_number`, or None if this shard never gave
        it out (another shard's, or not yet issued)."""
        ...

    def start(self, iterator: ShardIterator) -> tuple[int, float | None]:
        """Where a read with `iterator` starts now (never before TRIM_HORIZON), and the
        AT_TIMESTAMP time it still waits for, if no record has arrived since."""
        ...

    def first_arrived_since(self, timestamp: float) -> int:
        """The number of the oldest kept record that arrived at or after `timestamp` (Unix
        seconds; the tip if none did)."""
        ...

    def read(self, number: int, limit: int, max_bytes: int) -> list[Record]:
        """Up to `limit` records from `number` on (the first always, then while their data and
        partition keys stay within `max_bytes`)."""
        ...

    def arrived_at(self, number: int) -> float:
        """When record `number` (one kept) arrived, on the store's time."""
        ...

    def append(self, data: bytes, partition_key: str) -> Record:
        """Add a record at the tip, stamped with the clock's time (to the millisecond, never
        before an earlier record of the stream), and wake the readers waiting for one."""
        ...

    async def wait(self) -> None:
        """Sleep until a record may have been appended (here, or by another process)."""
        ...


class StreamStore(Protocol):
    """The shards of one stream, in hash-key order, and what changes them."""

    created_at: float  # Unix seconds, when the stream was first made

    @property
    def logs(self) -> Sequence[ShardStore]: ...

    def batch(self) -> AbstractContextManager[object]:
        """Make the operations inside one atomic step (one transaction in a file)."""
        ...

    def time(self) -> float:
        """Now on the store's time line: the clock's monotonic time in memory, its wall time in
        a file (which outlives the process)."""
        ...

    def trim(self, retention: float) -> int:
        """Drop every record older than `retention` seconds; how many went."""
        ...

    def size(self) -> int:
        """The records kept, in every shard."""
        ...


def sequence_number(first: int, number: int) -> str:
    return str(first + number * SEQUENCE_STEP)


def number_of(first: int, tip: int, sequence_number: int) -> int | None:
    number, remainder = divmod(sequence_number - first, SEQUENCE_STEP)
    return number if remainder == 0 and 0 <= number < tip else None


def for_backend(backend: Backend | None, key: str, shards: int, clock: Clock) -> StreamStore:
    """The store of the stream kept under `key` (its ARN, unless its owner names another), with
    `shards` shards, on `backend` (in memory when there is none)."""
    if backend is None or backend.kind == "memory":
        from faaslib.sources.stream.memory import MemoryStream

        return MemoryStream(shards, clock)
    if backend.kind == "sqlite":
        from faaslib.sources.stream.sqlite import SQLiteStream

        return SQLiteStream(backend.database, key, shards, clock)
    if backend.kind == "redis":
        from faaslib.sources.stream.redis import RedisStream

        return RedisStream(backend, key, shards, clock)
    raise ConfigurationError(f"stream {key!r}: no record store for a {backend.kind!r} backend")
