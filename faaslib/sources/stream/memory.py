"""A stream's records in the process's memory: each shard a list, trimmed from the front in
batches, and one queue of arrivals across the shards for the retention period."""

from __future__ import annotations

from collections import deque

from faaslib._signal import Signal
from faaslib.clock import Clock
from faaslib.sources.stream._shards import SLACK, make_shards
from faaslib.sources.stream.records import Record, Shard, ShardIterator
from faaslib.sources.stream.store import number_of, sequence_number
from faaslib.stores.memory import NO_BATCH, NoBatch

__all__ = ["MemoryStream", "ShardLog"]

_TRIM_COMPACTION = 1024  # trimmed records a shard drops from its list at once


class ShardLog:
    """One shard's records, oldest first.

    A record's number is its place in the shard since the stream was made; its sequence number
    follows from it. Trimmed records leave the front of the list in batches, `base` numbering
    the first one kept in it and `head` pointing at the oldest not trimmed.
    """

    __slots__ = ("arrived", "base", "changed", "first", "head", "records", "shard", "stream")

    def __init__(self, shard: Shard, stream: MemoryStream) -> None:
        self.shard = shard
        self.stream = stream
        self.first = int(shard.starting_sequence_number)
        self.records: list[Record] = []
        self.arrived: list[float] = []  # monotonic arrival of each record, for the lag
        self.base = 0
        self.head = 0
        self.changed = Signal()  # for readers waiting for records

    @property
    def trim_horizon(self) -> int:
        return self.base + self.head

    @property
    def tip(self) -> int:
        return self.base + len(self.records)

    def sequence_number(self, number: int) -> str:
        return sequence_number(self.first, number)

    def number_of(self, sequence_number: int) -> int | None:
        return number_of(self.first, self.tip, sequence_number)

    def append(self, data: bytes, partition_key: str) -> Record:
        stream = self.stream
        clock = stream.clock
        # Millisecond precision, as Kinesis stamps arrivals; never before an earlier record.
        arrival = stream.latest_arrival = max(stream.latest_arrival, round(clock.now(), 3))
        now = clock.monotonic()
        record = Record(
            data=data,
            partition_key=partition_key,
            sequence_number=sequence_number(self.first, self.base + len(self.records)),
            approximate_arrival_timestamp=arrival,
            shard_id=self.shard.shard_id,
        )
        self.records.append(record)
        self.arrived.append(now)
        stream.arrivals.append((now, self))
        self.changed.set()
        return record

    def trim_one(self) -> None:
        """The oldest record kept passed the retention period."""
        self.head += 1
        if self.head >= _TRIM_COMPACTION and 2 * self.head >= len(self.records):
            del self.records[: self.head]
            del self.arrived[: self.head]
            self.base += self.head
            self.head = 0

    def start(self, iterator: ShardIterator) -> tuple[int, float | None]:
        number = max(iterator.position, self.trim_horizon)
        not_before = iterator.not_before
        if not_before is not None:
            tip = self.tip
            while number < tip and (
                self.records[number - self.base].approximate_arrival_timestamp < not_before - SLACK
            ):
                number += 1
            if number < tip:
                not_before = None
        return number, not_before

    def first_arrived_since(self, timestamp: float) -> int:
        """Arrival timestamps never decrease within a shard: a binary search."""
        low, high = self.head, len(self.records)
        while low < high:
            middle = (low + high) // 2
            if self.records[middle].approximate_arrival_timestamp < timestamp - SLACK:
                low = middle + 1
            else:
                high = middle
        return self.base + low

    def read(self, number: int, limit: int, max_bytes: int) -> list[Record]:
        records: list[Record] = []
        kept = self.records
        index = number - self.base
        end = min(len(kept), index + limit)
        size = 0
        while index < end:
            record = kept[index]
            size += len(record.data) + len(record.partition_key.encode())
            if records and size > max_bytes:
                break
            records.append(record)
            index += 1
        return records

    def arrived_at(self, number: int) -> float:
        return self.arrived[number - self.base]

    async def wait(self) -> None:
        await self.changed.wait()


class MemoryStream:
    """A stream's shards as `ShardLog`s, on the clock's monotonic time."""

    def __init__(self, shards: int, clock: Clock) -> None:
        self.clock = clock
        self.created_at = clock.now()
        self.logs: list[ShardLog] = [ShardLog(shard, self) for shard in make_shards(shards)]
        self.arrivals: deque[tuple[float, ShardLog]] = deque()  # every shard's, in put order
        self.latest_arrival = 0.0  # keeps arrival timestamps from going back with the clock

    def batch(self) -> NoBatch:
        return NO_BATCH

    def time(self) -> float:
        return self.clock.monotonic()

    def trim(self, retention: float) -> int:
        cutoff = self.clock.monotonic() - retention + SLACK
        arrivals = self.arrivals
        trimmed = 0
        while arrivals and arrivals[0][0] <= cutoff:
            arrivals.popleft()[1].trim_one()
            trimmed += 1
        return trimmed

    def size(self) -> int:
        return len(self.arrivals)
