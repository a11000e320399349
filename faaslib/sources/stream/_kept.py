"""What the stream stores that outlive the process (`sqlite.SQLiteStream`, `redis.RedisStream`)
share, whatever keeps their records: the clock's wall time as their time line (it outlives the
process), a trim that asks the store only once its cached oldest arrival may be due, a shard's
numbering, reads and wait, and the error of a stream reopened with another shard count."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

from faaslib._signal import Signal, at_most
from faaslib.clock import Clock
from faaslib.errors import ConfigurationError
from faaslib.sources.stream._shards import SLACK
from faaslib.sources.stream.records import Record, Shard
from faaslib.sources.stream.store import number_of, sequence_number

__all__ = ["KeptShard", "KeptStream", "shard_count_changed", "with_first"]


class KeptStream:
    """A stream on the clock's wall time, `oldest` caching its oldest arrival (None when it
    keeps no record) so that most trims need no look at the store."""

    clock: Clock
    poll: float | None  # how often a waiting reader looks for other processes' puts
    oldest: float | None

    def time(self) -> float:
        return self.clock.now()

    def trim(self, retention: float) -> int:
        cutoff = self.clock.now() - retention + SLACK
        if self.oldest is not None and self.oldest > cutoff:
            return 0
        self.oldest = self._oldest()  # another process may have put or trimmed meanwhile
        if self.oldest is None or self.oldest > cutoff:
            return 0
        trimmed = self._trim(cutoff)
        self.oldest = self._oldest()
        return trimmed

    def _oldest(self) -> float | None:
        """When the oldest record kept arrived, read from the store (None when none is)."""
        raise NotImplementedError

    def _trim(self, cutoff: float) -> int:
        """Drop every record that arrived at or before `cutoff`; how many went."""
        raise NotImplementedError


_Stream = TypeVar("_Stream", bound=KeptStream)


class KeptShard(Generic[_Stream]):
    """One shard of `stream`, the `index`th, numbered from its `shard`'s first sequence
    number."""

    __slots__ = ("changed", "first", "index", "shard", "stream")

    def __init__(self, stream: _Stream, index: int, shard: Shard) -> None:
        self.stream = stream
        self.index = index
        self.shard = shard
        self.first = int(shard.starting_sequence_number)
        self.changed = Signal()  # set by this process's puts

    @property
    def tip(self) -> int:
        raise NotImplementedError

    def sequence_number(self, number: int) -> str:
        return sequence_number(self.first, number)

    def number_of(self, sequence_number: int) -> int | None:
        return number_of(self.first, self.tip, sequence_number)

    def record(self, number: int, data: bytes, partition_key: str, arrival: float) -> Record:
        """Record `number` of this shard as a read or a put hands it out."""
        return Record(
            data=data,
            partition_key=partition_key,
            sequence_number=sequence_number(self.first, number),
            approximate_arrival_timestamp=arrival,
            shard_id=self.shard.shard_id,
        )

    def within(self, kept: Iterable[tuple[int, float, str, bytes]], max_bytes: int) -> list[Record]:
        """The records of `kept` (number, arrival, partition key, data, in order): the first
        always, then while their data and partition keys stay within `max_bytes`."""
        records: list[Record] = []
        size = 0
        for number, arrival, partition_key, data in kept:
            size += len(data) + len(partition_key.encode())
            if records and size > max_bytes:
                break
            records.append(self.record(number, data, partition_key, arrival))
        return records

    async def wait(self) -> None:
        """Wait for a put made here, or the poll interval of real time (another process may
        have put a record): the caller looks again either way."""
        changed = self.changed.event()
        with at_most(self.stream.poll):
            await changed.wait()


def shard_count_changed(key: str, shards: int, where: str, kept: int) -> ConfigurationError:
    """The error of stream `key` opened with `shards` shards in a store (`where`) that keeps it
    with `kept`."""
    return ConfigurationError(
        f"stream {key!r}: shards={shards}, but the store {where!r} keeps it with {kept} shards "
        "(the shard count of a kept stream cannot change)"
    )


def with_first(shard: Shard, first: str) -> Shard:
    """`shard` numbered from `first`, the first sequence number its store keeps for it."""
    return Shard(
        shard_id=shard.shard_id,
        starting_hash_key=shard.starting_hash_key,
        ending_hash_key=shard.ending_hash_key,
        starting_sequence_number=first,
    )
