"""The reading side of a stream mapping: each shard's lanes, where each starts, how it follows its
shard with shard iterators, and how it gathers its next batch.

A lane is a shard's worth of order: with a parallelization factor of 1 a shard has one lane; with
N it has N, and each record belongs to the lane of its partition key (a stable hash, CRC-32 of
the key, mod N). Each lane reads the shard for itself, skipping the other lanes' records, so a
lane blocked on a failing batch holds none of the others back.

A lane's position lives in the mapping, not in an iterator: iterators expire after 5 minutes, so
a lane asks for a fresh one (AFTER_SEQUENCE_NUMBER of the last record it read) when its own is
near its end, and again when the app runs after a stop.
"""

from __future__ import annotations

import logging
import zlib
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from faaslib.invoke import InvocationResult
from faaslib.patterns import Pattern
from faaslib.sources.stream.records import ExpiredIterator, ShardIterator
from faaslib.sources.stream.stream import IteratorType
from faaslib.sources.stream_mapping.batches import (
    Batch,
    Item,
    StreamSource,
    is_full,
    matches,
    take_batch,
)
from faaslib.sources.stream_mapping.checkpoints import (
    Checkpoints,
    Positions,
    resumed,
    shard_positions,
)
from faaslib.sources.stream_mapping.failures import (
    RECORD_AGE_EXCEEDED,
    FailureRange,
    StreamMappingCounters,
)
from faaslib.sources.stream_mapping.settings import StreamMappingConfig

__all__ = ["ITERATOR_REFRESH", "Lane", "LaneReader", "Report"]

logger = logging.getLogger("faaslib.sources")

ITERATOR_REFRESH = 240.0  # seconds: well within an iterator's 5-minute life
_SLACK = 1e-9

Report = tuple[str, FailureRange, int, InvocationResult | None]
"""A failure record to send: (condition, the records, invocations that carried them, the last
one's result)."""


class Lane:
    """One lane of one shard: where it reads, what it read and holds, and what it waits for."""

    __slots__ = (
        "buffer",
        "buffer_bytes",
        "failures_in_row",
        "index",
        "iterator",
        "last_number",
        "last_read",
        "next_number",
        "reports",
        "retry_at",
        "shard_id",
        "start",
        "throttles_in_row",
        "work",
    )

    def __init__(
        self,
        shard_id: str,
        index: int,
        start: tuple[IteratorType, Any],
        last_number: int | None,
        next_number: int,
    ) -> None:
        self.shard_id = shard_id
        self.index = index
        self.start = start  # where a lane that has read nothing yet starts reading
        self.last_read: str | None = None  # the sequence number of the last record read
        self.last_number = last_number  # its number in the shard, to notice trimmed records
        self.next_number = next_number  # the number of the next record to read
        self.iterator: ShardIterator | None = None
        self.buffer: deque[Item] = deque()  # read, the lane's own, not yet in a batch
        self.buffer_bytes = 0
        self.work: deque[Batch] = deque()  # batches in hand, the next first
        self.reports: list[Report] = []  # failure records still to send
        self.retry_at: float | None = None  # on the clock's monotonic time
        self.failures_in_row = 0
        self.throttles_in_row = 0


class LaneReader:
    """Reads a mapping's source for its lanes; `changed` is called when a lane's state moves."""

    def __init__(
        self,
        source: StreamSource,
        config: StreamMappingConfig,
        filters: Sequence[tuple[Pattern, bool]],
        counters: StreamMappingCounters,
        function: str,
        changed: Callable[[], None],
        checkpoints: Checkpoints | None = None,
    ) -> None:
        self.source = source
        self.checkpoints = checkpoints
        self.config = config
        self.filters = filters
        self.counters = counters
        self.function = function
        self.changed = changed
        self._limit = min(10_000, config.batch_size * config.parallelization_factor)
        self._lost: dict[str, list[tuple[int, int]]] = {}  # per shard, ranges already reported
        self._shards: dict[str, list[Lane]] = {}  # each shard's lanes, checkpointed together

    def lanes(self) -> list[Lane]:
        """Every shard's lanes, each starting after its checkpoint if the store keeps one, else
        where the mapping's starting position says now, as CreateEventSourceMapping fixes it
        (kept at once as the checkpoint, so a restart before any batch does not start over)."""
        factor = self.config.parallelization_factor
        checkpoints = self.checkpoints
        made: list[Lane] = []
        for shard in self.source.stream.shards:
            shard_id = shard.shard_id
            saved = None if checkpoints is None else checkpoints.load(shard_id)
            positions: Positions = [None] * factor if saved is None else resumed(saved, factor)
            start = self._starting_point(shard_id)
            lanes = [
                Lane(shard_id, index, *(start if at is None else self._after(shard_id, at)))
                for index, at in enumerate(positions)
            ]
            self._shards[shard_id] = lanes
            if saved is None:
                self.checkpoint(shard_id)
            made += lanes
        return made

    def _after(self, shard_id: str, number: int) -> tuple[tuple[IteratorType, Any], int, int]:
        """A lane resuming after record `number` of the shard (-1: before the first)."""
        if number < 0:
            return ("TRIM_HORIZON", None), number, number + 1
        sequence_number = self.source.stream._log(shard_id).sequence_number(number)
        return ("AFTER_SEQUENCE_NUMBER", sequence_number), number, number + 1

    def checkpoint(self, shard_id: str) -> None:
        """Keep where the lanes of the shard are settled, for a restart to resume from (one
        write, when they moved)."""
        if self.checkpoints is not None:
            log = self.source.stream._log(shard_id)
            self.checkpoints.save(shard_id, shard_positions(self._shards[shard_id], log))

    def _starting_point(self, shard_id: str) -> tuple[tuple[IteratorType, Any], int | None, int]:
        """(The iterator a lane asks for first, the number of the record before it if known,
        the number of the first record it may read.)"""
        config = self.config
        stream = self.source.stream
        log = stream._log(shard_id)
        if config.starting_position == "LATEST":
            if log.tip:
                last = log.tip - 1
                return ("AFTER_SEQUENCE_NUMBER", log.sequence_number(last)), last, log.tip
            return ("TRIM_HORIZON", None), -1, 0
        if config.starting_position == "TRIM_HORIZON":
            horizon = stream.iterator(shard_id, "TRIM_HORIZON").position
            return ("TRIM_HORIZON", None), horizon - 1, horizon
        timestamp = config.starting_position_timestamp
        iterator = stream.iterator(shard_id, "AT_TIMESTAMP", timestamp=timestamp)
        before = None if iterator.not_before is not None else iterator.position - 1
        return ("AT_TIMESTAMP", timestamp), before, iterator.position

    def caught_up(self, lane: Lane) -> bool:
        """Whether the lane has read its shard to the tip."""
        log = self.source.stream._log(lane.shard_id)
        return max(lane.next_number, log.trim_horizon) >= log.tip

    async def gather(self, lane: Lane) -> None:
        """Read until the lane holds a batch, full or with its batching window closed (at once
        with no window; the window opens when the batch's first record is in hand), and put
        it in the lane's work. Sleeps while the shard has nothing for it; returns without a
        batch when reading found records lost, for the mapping to report them first."""
        config = self.config
        stream = self.source.stream
        clock = stream.clock
        deadline: float | None = None
        while True:
            while not is_full(lane.buffer, lane.buffer_bytes, config.batch_size):
                if not self.read(lane):
                    break
            if not lane.buffer:
                if lane.reports:
                    return  # send what the reads found lost before sleeping
                if not lane.work:  # it read past records not its own, or filtered out
                    self.checkpoint(lane.shard_id)
                await stream.wait_for_records(lane.shard_id, lane.iterator)
                continue
            now = clock.monotonic()
            if deadline is None:
                deadline = now + config.maximum_batching_window
            if now >= deadline - _SLACK or is_full(
                lane.buffer, lane.buffer_bytes, config.batch_size
            ):
                break
            with clock.timeout_scope(deadline - now):
                await stream.wait_for_records(lane.shard_id, lane.iterator)
        items = take_batch(lane.buffer, config.batch_size)
        lane.buffer_bytes -= sum(item.size for item in items)
        lane.work.append(Batch(items))
        self.changed()

    def read(self, lane: Lane) -> bool:
        """One GetRecords for the lane, keeping its own records that pass the filters (the
        others are counted as filtered). False when the lane has read the shard to its tip."""
        stream = self.source.stream
        try:
            result = stream.get_records(self._iterator(lane), self._limit)
        except ExpiredIterator:
            lane.iterator = None
            result = stream.get_records(self._iterator(lane), self._limit)
        lane.iterator = result.next_iterator
        records = result.records
        end = result.next_iterator.position
        first = end - len(records)
        if lane.last_number is not None and first > lane.last_number + 1:
            self._report_lost(lane, lane.last_number + 1, first - 1)
        if records or lane.last_number is not None:
            lane.last_number = end - 1
        lane.next_number = end
        lanes = self.config.parallelization_factor
        for record in records:
            if lanes > 1 and zlib.crc32(record.partition_key.encode()) % lanes != lane.index:
                continue
            item = Item(record, self.source.encode(record))
            if not matches(self.source, self.filters, item):
                self.counters.filtered += 1
                continue
            lane.buffer.append(item)
            lane.buffer_bytes += item.size
        if records:
            lane.last_read = records[-1].sequence_number
            self.changed()
        return bool(records)

    def _iterator(self, lane: Lane) -> ShardIterator:
        """The lane's iterator, or a fresh one from where it read last when the old one is near
        its end (GetShardIterator with AFTER_SEQUENCE_NUMBER, as the KCL does)."""
        stream = self.source.stream
        iterator = lane.iterator
        if (
            iterator is not None
            and stream.clock.monotonic() - iterator.issued_at < ITERATOR_REFRESH
        ):
            return iterator
        if lane.last_read is not None:
            iterator = stream.iterator(
                lane.shard_id, "AFTER_SEQUENCE_NUMBER", sequence_number=lane.last_read
            )
        else:
            position, value = lane.start
            if position == "AFTER_SEQUENCE_NUMBER":
                iterator = stream.iterator(lane.shard_id, position, sequence_number=value)
            elif position == "AT_TIMESTAMP":
                iterator = stream.iterator(lane.shard_id, position, timestamp=value)
            else:
                iterator = stream.iterator(lane.shard_id, position)
        lane.iterator = iterator
        return iterator

    def _report_lost(self, lane: Lane, low: int, high: int) -> None:
        """Records `low` to `high` of the lane's shard were trimmed before it read them, as
        Kinesis loses them: count them and describe them, once, whichever lane notices."""
        stream = self.source.stream
        log = stream._log(lane.shard_id)
        # Their arrival times went with them; they arrived no later than the retention cutoff.
        cutoff = stream.clock.now() - stream.retention_hours * 3600.0
        for first, last in _unreported(self._lost.setdefault(lane.shard_id, []), low, high):
            size = last - first + 1
            self.counters.lost_to_retention += size
            self.counters.discarded[RECORD_AGE_EXCEEDED] += size
            logger.warning(
                "function %r: %d records of %s %r (%s) were trimmed before they were read",
                self.function,
                size,
                self.source.kind,
                self.source.name,
                lane.shard_id,
            )
            failed = FailureRange(
                shard_id=lane.shard_id,
                start_sequence_number=log.sequence_number(first),
                end_sequence_number=log.sequence_number(last),
                first_arrival=cutoff,
                last_arrival=cutoff,
                size=size,
            )
            lane.reports.append((RECORD_AGE_EXCEEDED, failed, 0, None))


def _unreported(reported: list[tuple[int, int]], low: int, high: int) -> list[tuple[int, int]]:
    """The parts of `low..high` not in `reported` (sorted, disjoint ranges), now added to it."""
    parts: list[tuple[int, int]] = []
    cursor = low
    for first, last in reported:
        if last < cursor:
            continue
        if first > high:
            break
        if first > cursor:
            parts.append((cursor, first - 1))
        cursor = last + 1
        if cursor > high:
            break
    if cursor <= high:
        parts.append((cursor, high))
    reported.extend(parts)
    reported.sort()
    return parts
