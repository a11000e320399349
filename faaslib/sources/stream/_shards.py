"""Inside a Kinesis-like stream's shards: how the hash-key space is split among them, how their
records are numbered, and each shard's log of records. `faaslib.sources.stream` drives them."""

from __future__ import annotations

from faaslib._signal import Signal
from faaslib.events.stream_builders import build_kinesis
from faaslib.events.streams import KinesisData
from faaslib.sources.stream.records import HASH_KEY_SPACE, Record, Shard, ShardIterator

__all__ = ["SLACK", "ShardLog", "make_shards"]

# Sequence numbers step by 2**32 within a shard, as the events builder numbers a batch.
_SEQUENCE_STEP = 2**32
_TRIM_COMPACTION = 1024  # trimmed records a shard drops from its list at once
SLACK = 1e-9  # so a time a float rounding past the fake clock's still falls due at it


def make_shards(count: int) -> list[ShardLog]:
    """`count` shards splitting the hash-key space into equal ranges, as CreateStream does:
    shard i takes from i * 2^128 // count up to where shard i + 1 starts (the AWS CLI's
    describe-stream example shows three shards split so: https://awscli.amazonaws.com/v2/
    documentation/api/latest/reference/kinesis/describe-stream.html)."""
    logs = []
    for index in range(count):
        first = _first_sequence_number()
        shard = Shard(
            shard_id=f"shardId-{index:012d}",
            starting_hash_key=index * HASH_KEY_SPACE // count,
            ending_hash_key=(index + 1) * HASH_KEY_SPACE // count - 1,
            starting_sequence_number=str(first),
        )
        logs.append(ShardLog(shard, first))
    return logs


def _first_sequence_number() -> int:
    """A shard's first sequence number, numbered as `faaslib.events` numbers a Kinesis batch
    (56 digits, as Kinesis's are), so stored records and built events look alike."""
    kinesis = build_kinesis(b"", now=0.0).records[0].kinesis
    assert isinstance(kinesis, KinesisData)
    assert isinstance(kinesis.sequence_number, str)
    return int(kinesis.sequence_number)


class ShardLog:
    """One shard's records, oldest first.

    A record's number is its place in the shard since the stream was made; its sequence number
    follows from it. Trimmed records leave the front of the list in batches, `base` numbering
    the first one kept in it and `head` pointing at the oldest not trimmed.
    """

    __slots__ = ("arrived", "base", "changed", "first", "head", "records", "shard")

    def __init__(self, shard: Shard, first: int) -> None:
        self.shard = shard
        self.first = first  # the sequence number of record 0
        self.records: list[Record] = []
        self.arrived: list[float] = []  # monotonic arrival of each record, for the lag
        self.base = 0
        self.head = 0
        self.changed = Signal()  # for readers waiting for records

    @property
    def trim_horizon(self) -> int:
        """The number of the oldest record kept (the tip when none is)."""
        return self.base + self.head

    @property
    def tip(self) -> int:
        """The number the next record put will get."""
        return self.base + len(self.records)

    def at(self, number: int) -> Record:
        return self.records[number - self.base]

    def arrived_at(self, number: int) -> float:
        return self.arrived[number - self.base]

    def sequence_number(self, number: int) -> str:
        return str(self.first + number * _SEQUENCE_STEP)

    def number_of(self, sequence_number: int) -> int | None:
        """The number of the record with `sequence_number`, or None if this shard never gave
        it out (another shard's, or not yet issued)."""
        number, remainder = divmod(sequence_number - self.first, _SEQUENCE_STEP)
        return number if remainder == 0 and 0 <= number < self.tip else None

    def append(self, record: Record, now: float) -> None:
        """Add `record` (numbered `tip`) and wake the readers waiting for one."""
        self.records.append(record)
        self.arrived.append(now)
        self.changed.set()

    def trim_one(self) -> None:
        """The oldest record kept passed the retention period."""
        self.head += 1
        if self.head >= _TRIM_COMPACTION and 2 * self.head >= len(self.records):
            del self.records[: self.head]
            del self.arrived[: self.head]
            self.base += self.head
            self.head = 0

    def start(self, iterator: ShardIterator) -> tuple[int, float | None]:
        """Where a read with `iterator` starts now (never before TRIM_HORIZON), and the
        AT_TIMESTAMP time it still waits for, if no record has arrived since."""
        number = max(iterator.position, self.trim_horizon)
        not_before = iterator.not_before
        if not_before is not None:
            while number < self.tip and (
                self.at(number).approximate_arrival_timestamp < not_before - SLACK
            ):
                number += 1
            if number < self.tip:
                not_before = None
        return number, not_before

    def first_arrived_since(self, timestamp: float) -> int:
        """The number of the oldest kept record that arrived at or after `timestamp` (the tip
        if none did). Arrival timestamps never decrease within a shard."""
        low, high = self.head, len(self.records)
        while low < high:
            middle = (low + high) // 2
            if self.records[middle].approximate_arrival_timestamp < timestamp - SLACK:
                low = middle + 1
            else:
                high = middle
        return self.base + low

    async def wait(self) -> None:
        """Sleep until the next record is appended."""
        await self.changed.wait()
