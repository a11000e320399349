"""Lambda's event source mapping for Kinesis and DynamoDB streams: readers that follow each shard
in order, batch its records, and decide from the function's answer whether to move on, retry,
split the batch or give records up.

As Lambda does (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html, with-ddb.html
and services-kinesis-params.html):

- the starting position (LATEST, TRIM_HORIZON, AT_TIMESTAMP) is fixed when the mapping is
  registered, as CreateEventSourceMapping fixes it; a stop and a new run resume where the
  mapping left off, never from LATEST again; on a SQLite store so does a new app on the same
  file, from each shard's checkpoint (`checkpoints`): after the last batch that succeeded, the
  batch in flight when a process died delivered again;
- a batch holds records of one shard, in sequence order: up to `batch_size`, gathered for up to
  `maximum_batching_window` seconds, and never more than the 6 MB synchronous payload;
- with `parallelization_factor` N, up to N batches of a shard run at once, each record going to
  the lane of its partition key (a stable hash of the key, mod N); a lane runs its batches one
  at a time, so order holds per shard with N=1 and per partition key with N>1;
- success moves past the batch; a function error blocks the lane and retries the batch, split in
  two first with `bisect_batch_on_function_error`, until it succeeds, exhausts
  `maximum_retry_attempts` or its records outlive `maximum_record_age` or the stream's
  retention; then the records are discarded, described to `on_failure`, and the lane goes on;
- with `report_batch_item_failures`, `{"batchItemFailures": [{"itemIdentifier": seq}]}` moves
  past the records before the lowest sequence number reported and retries from it;
- a throttled invocation is retried with backoff; it is not a retry attempt, but record age
  still applies;
- a `filter` that a record does not match skips it without invoking.

Where faaslib differs, on purpose:

- Lambda polls a shard once a second; here a reader wakes when a record arrives;
- a retry waits 1 s, doubling with each failure in a row up to 60 s (Lambda documents no
  figure), and so does a throttled batch; the wait moves with the app's clock, so an
  always-failing record cannot spin in zero time;
- a failure record's `approximateInvokeCount` counts every invocation that carried the records
  given up on, those of the batches they were split from included;
- no tumbling windows, enhanced fan-out, de-aggregation of KPL records, on-success or S3
  destinations, or pausing a mapping (`Enabled`): the mapping runs while the app runs.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import msgspec

from faaslib._signal import Signal
from faaslib.errors import InvocationError
from faaslib.invoke import InvocationResult
from faaslib.sources._common import FilterSpec, batch_item_failures
from faaslib.sources.base import Invoker
from faaslib.sources.stream_mapping.batches import Batch, StreamSource
from faaslib.sources.stream_mapping.checkpoints import Checkpoints
from faaslib.sources.stream_mapping.failures import (
    RECORD_AGE_EXCEEDED,
    RETRY_ATTEMPTS_EXHAUSTED,
    FailureRange,
    OnFailure,
    StreamMappingCounters,
    UndeliveredFailure,
    failure_record,
)
from faaslib.sources.stream_mapping.lanes import Lane, LaneReader
from faaslib.sources.stream_mapping.settings import StreamMappingConfig, check_config

if TYPE_CHECKING:
    from faaslib.stores import Backend

__all__ = ["StreamMapping"]

logger = logging.getLogger("faaslib.sources")

RETRY_BACKOFF = (1.0, 60.0)  # first and longest wait before invoking a failed batch again
_SLACK = 1e-9


class StreamMapping:
    """Function `function` reading a stream or a table's stream: one event source mapping."""

    def __init__(
        self,
        source: StreamSource,
        function: str,
        *,
        function_arn: str,
        on_failure: OnFailure | None = None,
        filter: FilterSpec = None,
        backend: Backend | None = None,
        **settings: Any,
    ) -> None:
        owner = f"function {function!r}: on_{source.kind}({source.name!r})"
        self.config: StreamMappingConfig = check_config(owner, source, settings)
        self.source = source
        self.function = function
        self.function_arn = function_arn
        self.on_failure = on_failure
        self.filters = source.compile_filters(owner, filter)
        self.counters = StreamMappingCounters()
        self._changed = Signal()
        self._reader = LaneReader(
            source,
            self.config,
            self.filters,
            self.counters,
            function,
            self._signal,
            Checkpoints.on(backend, function, source.event_source_arn),
        )
        self._lanes = self._reader.lanes()
        self._busy = 0
        self._in_flight = 0
        self._stopping = False
        self._waits: set[anyio.CancelScope] = set()

    @property
    def undelivered(self) -> list[UndeliveredFailure]:
        """Failure records the on-failure destination refused."""
        return [] if self.on_failure is None else list(self.on_failure.undelivered)

    def describe(self) -> str:
        config = self.config
        shards = len(self.source.stream.shards)
        parts = [
            f"{self.source.kind} {self.source.name} (batch {config.batch_size}, "
            f"{shards} shard{'s' if shards > 1 else ''}"
        ]
        if config.maximum_batching_window:
            parts.append(f", window {config.maximum_batching_window} s")
        if config.parallelization_factor > 1:
            parts.append(f", {config.parallelization_factor} batches per shard")
        if config.bisect_batch_on_function_error:
            parts.append(", bisect on error")
        if config.maximum_retry_attempts != -1:
            parts.append(f", {config.maximum_retry_attempts} retries")
        if config.maximum_record_age != -1:
            parts.append(f", max age {config.maximum_record_age} s")
        if config.report_batch_item_failures:
            parts.append(", partial failures")
        if self.on_failure is not None:
            parts.append(f", on failure {self.on_failure.describe()}")
        if self.filters:
            parts.append(f", {len(self.filters)} filter{'s' if len(self.filters) > 1 else ''}")
        return "".join(parts) + ")"

    # -- running ------------------------------------------------------------------------------

    async def run(
        self,
        invoker: Invoker,
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        self._stopping = False  # the app may run again after a stop
        async with anyio.create_task_group() as tasks:
            for lane in self._lanes:
                tasks.start_soon(self._drive, lane, invoker)
            task_status.started()

    async def stop(self) -> None:
        """Start no new batch, and return once the invocations under way are settled; what
        waits (to read, to gather, to retry) resumes from there when the app runs again."""
        self._stopping = True
        for scope in list(self._waits):
            scope.cancel()
        while self._busy:
            await self.wait_changed()
        for shard in self.source.stream.shards:
            self._reader.checkpoint(shard.shard_id)

    async def _drive(self, lane: Lane, invoker: Invoker) -> None:
        """A lane's loop: wait (stop interrupts it) until a batch is ready, then invoke it
        (stop lets that finish)."""
        while not self._stopping:
            with anyio.CancelScope() as scope:
                self._waits.add(scope)
                try:
                    await self._ready(lane)
                finally:
                    self._waits.discard(scope)
            stopping = self._stopping or scope.cancelled_caught
            self._busy += 1
            try:
                await self._flush(lane)
                if lane.work and not stopping:
                    await self._step(lane, invoker)
                    self._reader.checkpoint(lane.shard_id)
            finally:
                self._busy -= 1
                self._signal()
            if stopping:
                return

    async def _ready(self, lane: Lane) -> None:
        """Wait out the lane's retry backoff, then for a batch if it has none in hand."""
        clock = self.source.stream.clock
        if lane.retry_at is not None:
            await clock.sleep(lane.retry_at - clock.monotonic())
            lane.retry_at = None
        if not lane.work:
            await self._reader.gather(lane)

    async def _step(self, lane: Lane, invoker: Invoker) -> None:
        """Invoke the lane's next batch once, and settle what the answer says."""
        config = self.config
        counters = self.counters
        clock = self.source.stream.clock
        batch = lane.work[0]
        stale = self._stale(batch)
        if stale:
            await self._discard(lane, batch.part(0, stale), RECORD_AGE_EXCEEDED)
            batch = lane.work[0] = batch.part(stale)
            if not batch.items:
                lane.work.popleft()
                return
        # IteratorAge: how old the batch's last record is when the mapping sends the batch to the
        # function (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
        age = max(0, math.floor((clock.now() - batch.items[-1].arrival) * 1000))
        counters.iterator_age_latest = age
        counters.iterator_age_max = max(counters.iterator_age_max, age)
        self._in_flight += 1
        counters.most_busy = max(counters.most_busy, self._in_flight)
        self._signal()
        try:
            result = await invoker.invoke(self.function, batch.payload())
        except InvocationError:  # throttled, or refused before running: not a retry attempt
            counters.throttles += 1
            lane.throttles_in_row += 1
            lane.retry_at = clock.monotonic() + _backoff(lane.throttles_in_row)
            return
        finally:
            self._in_flight -= 1
        lane.throttles_in_row = 0
        batch.invocations += 1
        batch.last = result
        counters.invocations += 1
        counters.records += len(batch)
        failed_at, whole = self._outcome(result, batch)
        lane.work.popleft()
        if failed_at is None:
            counters.records_succeeded += len(batch)
            lane.failures_in_row = 0
            return
        counters.records_succeeded += failed_at
        if whole:
            counters.failed_batches += 1
        else:
            counters.partial_batches += 1
        rest = batch.part(failed_at)
        if whole and config.bisect_batch_on_function_error and len(rest) > 1:
            lane.work.extendleft(reversed(rest.halves()))
            counters.bisections += 1
        else:
            rest.failures += 1
            limit = config.maximum_retry_attempts
            if limit != -1 and rest.failures > limit:
                await self._discard(lane, rest, RETRY_ATTEMPTS_EXHAUSTED)
                lane.failures_in_row = 0
                return
            lane.work.appendleft(rest)
            counters.retries += 1
        lane.failures_in_row += 1
        lane.retry_at = clock.monotonic() + _backoff(lane.failures_in_row)

    def _stale(self, batch: Batch) -> int:
        """How many of the batch's first records are too old to invoke: older than the
        maximum record age, or past the stream's retention (Kinesis has dropped them)."""
        config = self.config
        stream = self.source.stream
        now = stream.clock.now()
        expired = now - stream.retention_hours * 3600.0 + _SLACK
        too_old = now - config.maximum_record_age if config.maximum_record_age != -1 else -math.inf
        count = 0
        for item in batch.items:  # arrivals only grow along a shard
            if item.arrival > expired and item.arrival >= too_old:
                break
            count += 1
        return count

    def _outcome(self, result: InvocationResult, batch: Batch) -> tuple[int | None, bool]:
        """Where the batch failed (None: it succeeded), and whether it failed whole."""
        if result.function_error is not None:
            return 0, True
        if not self.config.report_batch_item_failures:
            return None, False
        numbers = {item.record.sequence_number for item in batch.items}
        problem, failed = batch_item_failures(result.payload, numbers, "sequence number", "record")
        if problem is not None:
            logger.warning(
                "function %r: its answer to a batch of %s %r fails the whole batch: %s",
                self.function,
                self.source.kind,
                self.source.name,
                problem,
            )
            return 0, True
        if not failed:
            return None, False
        # "Lambda uses the record with the lowest sequence number as the checkpoint. Lambda
        # then retries all records starting from that checkpoint" (with-kinesis.html).
        lowest = min(int(number) for number in failed)
        return next(i for i, item in enumerate(batch.items) if item.sequence == lowest), False

    async def _discard(self, lane: Lane, batch: Batch, condition: str) -> None:
        """Give `batch`'s records up: count them and describe them to the destination."""
        items = batch.items
        self.counters.discarded[condition] += len(items)
        failed = FailureRange(
            shard_id=lane.shard_id,
            start_sequence_number=items[0].record.sequence_number,
            end_sequence_number=items[-1].record.sequence_number,
            first_arrival=items[0].arrival,
            last_arrival=items[-1].arrival,
            size=len(items),
        )
        lane.reports.append((condition, failed, batch.invocations, batch.last))
        await self._flush(lane)

    async def _flush(self, lane: Lane) -> None:
        """Send the lane's failure records; without a destination they are only counted."""
        source = self.source
        while lane.reports:
            condition, failed, invocations, last = lane.reports.pop(0)
            if self.on_failure is None:
                continue
            record = failure_record(
                batch_info_key=source.batch_info_key,
                stream_arn=source.event_source_arn,
                function_arn=self.function_arn,
                condition=condition,
                failed=failed,
                invocations=invocations,
                last=last,
                now=source.stream.clock.now(),
                arrival_millis=source.arrival_millis,
            )
            await self.on_failure.send(record, self.counters, self.function)

    # -- watching -----------------------------------------------------------------------------

    def idle(self) -> bool:
        """No batch in hand (running, gathered, or waiting to retry) and every lane has read
        its shard to the tip."""
        if self._busy:
            return False
        for lane in self._lanes:
            if lane.work or lane.buffer or lane.reports or not self._reader.caught_up(lane):
                return False
        return True

    async def wait_changed(self) -> None:
        await self._changed.wait()

    def _signal(self) -> None:
        self._changed.set()

    def metrics(self) -> dict[str, Any]:
        data: dict[str, Any] = msgspec.structs.asdict(self.counters)
        data["discarded"] = dict(self.counters.discarded)
        data["IteratorAge"] = {
            "latest": data.pop("iterator_age_latest"),
            "max": data.pop("iterator_age_max"),
        }
        data["ConcurrentBatches"] = {"now": self._in_flight, "max": data.pop("most_busy")}
        return data


def _backoff(in_a_row: int) -> float:
    first, longest = RETRY_BACKOFF
    return float(min(first * 2 ** min(in_a_row - 1, 16), longest))
