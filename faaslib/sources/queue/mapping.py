"""Lambda's event source mapping for SQS: pollers that turn queue messages into batches of SQS
records and decide each message's fate from the function's answer.

As Lambda does (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html and
services-sqs-scaling.html):

- a batch is up to `batch_size` messages, gathered for up to `maximum_batching_window` seconds
  and never more than the 6 MB synchronous payload;
- success deletes the batch; a function error (raised, timed out, exited) deletes nothing, and
  the messages come back when their visibility timeout passes, with a higher receive count,
  until the queue's redrive policy moves them to its dead-letter queue;
- with `report_batch_item_failures`, an answer `{"batchItemFailures": [{"itemIdentifier": id}]}`
  keeps only the listed messages; a malformed answer fails the whole batch;
- a throttled invocation is retried with backoff while the batch's visibility timeout leaves
  time, and the mapping scales down;
- concurrency starts at five batches and grows by up to 300 per minute while messages wait, up
  to 1,000 or `maximum_concurrency`; a FIFO queue never has two batches of one message group in
  flight, so each group is processed in order;
- a `filter` that a message does not match deletes the message without invoking.

Delivery is at least once: a message whose batch fails, times out, or outlives its visibility
timeout while the function still runs is delivered again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import anyio
import anyio.abc
import anyio.lowlevel
import msgspec
from pydantic import Field, model_validator

from faaslib._signal import Signal, at_most
from faaslib.config import _Strict, validate
from faaslib.errors import ConfigurationError, TooManyRequests
from faaslib.events.sqs import SQSEvent
from faaslib.invoke import MAX_SYNC_REQUEST_BYTES, InvocationResult
from faaslib.payloads import PayloadError, from_document
from faaslib.sources._common import batch_item_failures, compile_filters
from faaslib.sources.base import Invoker
from faaslib.sources.queue.memory import MemoryMessages
from faaslib.sources.queue.messages import Message
from faaslib.sources.queue.queue import Queue

__all__ = ["QueueMapping", "QueueMappingConfig"]

logger = logging.getLogger("faaslib.sources")

STARTING_CONCURRENCY = 5
LOWEST_CONCURRENCY = 2  # what a mapping falls back to when traffic stops
MOST_CONCURRENCY = 1000
GROWTH_INTERVAL = 60 / 300  # up to 300 more concurrent batches per minute
LONG_POLL = 20.0
THROTTLE_BACKOFF = (1.0, 20.0)  # first and longest wait before invoking a throttled batch again
MAX_VISIBILITY = 43_200.0


class QueueMappingConfig(_Strict):
    """An SQS event source mapping's settings, with CreateEventSourceMapping's limits."""

    batch_size: int = Field(default=10, ge=1, le=10_000)
    maximum_batching_window: int = Field(default=0, ge=0, le=300)
    maximum_concurrency: int | None = Field(default=None, ge=2, le=MOST_CONCURRENCY)
    report_batch_item_failures: bool = False

    @model_validator(mode="after")
    def _window_for_large_batches(self) -> QueueMappingConfig:
        if self.batch_size > 10 and self.maximum_batching_window < 1:
            raise ValueError(
                f"batch_size={self.batch_size} needs maximum_batching_window of at least 1 "
                "second (Lambda's rule for batches over 10)"
            )
        return self


class QueueMapping:
    """Function `function` reading queue `queue`: one event source mapping."""

    def __init__(
        self,
        queue: Queue,
        function: str,
        function_timeout: float,
        *,
        batch_size: int = 10,
        maximum_batching_window: int = 0,
        maximum_concurrency: int | None = None,
        report_batch_item_failures: bool = False,
        filter: Mapping[str, Any] | str | Sequence[Mapping[str, Any] | str] | None = None,
    ) -> None:
        owner = f"function {function!r}: on_queue({queue.name!r})"
        self.config: QueueMappingConfig = validate(
            QueueMappingConfig,
            owner,
            {
                "batch_size": batch_size,
                "maximum_batching_window": maximum_batching_window,
                "maximum_concurrency": maximum_concurrency,
                "report_batch_item_failures": report_batch_item_failures,
            },
        )
        self.queue = queue
        self.function = function
        self.filters = compile_filters(
            owner, filter, mapping="an SQS event source mapping", keys=("body",)
        )
        self._hidden_for = self._check(owner, function_timeout)
        self._limit = maximum_concurrency or MOST_CONCURRENCY
        self._first = min(10, self.config.batch_size)  # messages a first receive asks for
        # In this process's memory only this process changes the queue: a batch's end is
        # announced only when the mapping may be idle (see `_may_be_idle`).
        self._in_memory = isinstance(queue._store, MemoryMessages)
        # Elsewhere another process's mapping may settle the queue's last messages, which this
        # one would not announce: `wait_changed` returns every poll interval too (never under a
        # fake clock), so that `wait_idle` looks again.
        self._recheck: float | None = None
        if not self._in_memory:
            from faaslib.stores.sqlite.database import polling

            self._recheck = polling(queue.clock)
        self._pollers = 0
        self._busy = 0
        self._saturated = anyio.Event()  # set when every poller is busy
        self._changed = Signal()
        self._stopping = False
        self._receiving: set[anyio.CancelScope] = set()
        self.counters = MappingCounters()

    def _check(self, owner: str, function_timeout: float) -> float:
        """Refuse what CreateEventSourceMapping refuses; return how long a batch stays hidden."""
        queue = self.queue
        if queue.fifo and self.config.batch_size > 10:
            raise ConfigurationError(
                f"{owner}: batch_size={self.config.batch_size} is above the maximum of 10 for a "
                "FIFO queue"
            )
        if function_timeout > queue.visibility_timeout:
            raise ConfigurationError(
                f"{owner}: the queue's visibility timeout of {queue.visibility_timeout:g} s is "
                f"less than the function's timeout of {function_timeout:g} s, so a message "
                "would be delivered again while its batch still runs; Lambda refuses this "
                "mapping (raise visibility_timeout; 6 times the function's timeout is AWS's advice)"
            )
        # Lambda's rule: a window that with the timeout outlasts the visibility timeout extends it.
        window = self.config.maximum_batching_window
        hidden = queue.visibility_timeout
        if window and window + function_timeout > hidden:
            hidden = min(MAX_VISIBILITY, window + function_timeout + 30)
        return hidden

    def describe(self) -> str:
        config = self.config
        parts = [f"queue {self.queue.name} (batch {config.batch_size}"]
        if config.maximum_batching_window:
            parts.append(f", window {config.maximum_batching_window} s")
        if config.maximum_concurrency:
            parts.append(f", at most {config.maximum_concurrency} at once")
        if config.report_batch_item_failures:
            parts.append(", partial failures")
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
        self._saturated = anyio.Event()
        async with anyio.create_task_group() as tasks:
            for _ in range(min(STARTING_CONCURRENCY, self._limit)):
                self._start_poller(tasks, invoker)
            tasks.start_soon(self._scale, tasks, invoker)
            task_status.started()

    async def _scale(self, tasks: anyio.abc.TaskGroup, invoker: Invoker) -> None:
        """Add a poller every fifth of a second (300 a minute) for as long as every poller is
        busy and messages still wait, up to the mapping's limit; sleep otherwise."""
        queue = self.queue
        while not self._stopping:
            if self._busy < self._pollers or self._pollers >= self._limit:
                await self._saturated.wait()
                self._saturated = anyio.Event()
            elif not queue.approximate_number_of_messages:
                await queue.wait_for_messages()
            else:
                await queue.clock.sleep(GROWTH_INTERVAL)
                if self._saturated_now() and not self._stopping:
                    self._start_poller(tasks, invoker)

    def _saturated_now(self) -> bool:
        queue = self.queue
        return (
            self._busy >= self._pollers < self._limit and queue.approximate_number_of_messages > 0
        )

    def _start_poller(self, tasks: anyio.abc.TaskGroup, invoker: Invoker) -> None:
        self._pollers += 1
        self.counters.most_pollers = max(self.counters.most_pollers, self._pollers)
        tasks.start_soon(self._poll, invoker)

    async def _poll(self, invoker: Invoker) -> None:
        """Receive batches and process them until the mapping stops or scales down.

        One cancel scope serves the poller's whole life: `stop()` cancels it only while the
        poller receives (it is in `_receiving` then), and a cancelled poller leaves before its
        next await, so no batch ever runs in a cancelled scope; what the receive had gathered
        goes back to the queue at once."""
        batch: list[Message] = []
        receiving = self._receiving
        counters = self.counters
        try:
            with anyio.CancelScope() as scope:
                while not self._stopping:
                    batch = []
                    receiving.add(scope)
                    await self._gather(batch)
                    receiving.discard(scope)
                    if scope.cancel_called:
                        break  # stop() came as the receive returned: release what it got
                    if not batch:
                        self._signal()
                        if self._pollers > min(LOWEST_CONCURRENCY, self._limit):
                            return  # traffic stopped: scale down
                        continue
                    self._busy += 1
                    if self._busy > counters.most_busy:
                        counters.most_busy = self._busy
                    if self._busy >= self._pollers < self._limit:
                        self._saturated.set()
                    if not self._in_memory:
                        self._signal()
                    try:
                        throttled = await self._process(invoker, batch)
                    finally:
                        self._busy -= 1
                        if self._may_be_idle():
                            self._signal()
                    if throttled and self._pollers > 1:
                        return  # throttles scale the mapping down
            receiving.discard(scope)  # also when stop() cancelled the receive itself
            if scope.cancel_called:  # stopping: what was gathered goes back at once
                await self._release(batch)
        finally:
            self._pollers -= 1
            self._signal()

    async def stop(self) -> None:
        """Stop polling, and wait for the batches being processed to be settled."""
        self._stopping = True
        for scope in list(self._receiving):
            scope.cancel()
        self._saturated.set()
        while self._busy:
            await self.wait_changed()

    async def _release(self, batch: list[Message]) -> None:
        """Make `batch` visible again at once (Lambda returns what it will not process)."""
        queue = self.queue
        remote = queue._remote
        for message in batch:
            if remote is None:
                queue._change_visibility_now(message.receipt_handle, 0)
            else:
                await remote.change_visibility(message.receipt_handle, 0)

    async def _gather(self, batch: list[Message]) -> None:
        """Fill `batch`: wait for a first message, then for the rest of the batching window.

        A queue in this process's store is read through its synchronous core: one checkpoint
        (a turn for the loop's other tasks, and where `stop()` cancels), then the messages
        visible now, and only when there are none a long poll."""
        queue = self.queue
        config = self.config
        hidden_for = self._hidden_for
        first = self._first
        if queue._remote is None:
            await anyio.lowlevel.checkpoint()
            batch.extend(queue._take(first, hidden_for))
        if not batch:
            batch.extend(await queue.receive(first, wait=LONG_POLL, visibility_timeout=hidden_for))
        window = config.maximum_batching_window
        if not batch or not window:
            return
        clock = queue.clock
        deadline = clock.monotonic() + window
        size = sum(len(message.body) for message in batch)
        while len(batch) < config.batch_size and size < MAX_SYNC_REQUEST_BYTES:
            left = deadline - clock.monotonic()
            if left <= 0:
                break
            more = await queue.receive(
                min(10, config.batch_size - len(batch)),
                wait=min(LONG_POLL, left),
                visibility_timeout=hidden_for,
            )
            batch.extend(more)
            size += sum(len(message.body) for message in more)

    async def _process(self, invoker: Invoker, batch: list[Message]) -> bool:
        """Invoke the function with `batch` and settle each message; True if throttled."""
        queue = self.queue
        counters = self.counters
        if self.filters:
            batch = await self._filter(batch)
            if not batch:
                return False
        payload, left_out = self._encode(batch)
        if left_out:
            await self._release(left_out)
        throttled = False
        try:
            result = await invoker.invoke(self.function, payload)
        except TooManyRequests:
            throttled = True
            retried = await self._retry(invoker, payload)
            if retried is None:
                return True  # the messages come back when their visibility timeout passes
            result = retried
        counters.invocations += 1
        counters.messages += len(batch)
        if result.function_error is None and not self.config.report_batch_item_failures:
            done = [message.receipt_handle for message in batch]
        else:
            failed = self._failures(result, batch)
            if failed is None:
                counters.failed_batches += 1
                counters.messages_failed += len(batch)
                return throttled
            if failed:
                counters.partial_batches += 1
                counters.messages_failed += len(failed)
            done = [m.receipt_handle for m in batch if m.message_id not in failed]
        remote = queue._remote
        if remote is None:
            counters.messages_deleted += queue._delete_each_now(done)
        else:
            counters.messages_deleted += await remote.delete_each(done)
        return throttled

    async def _retry(self, invoker: Invoker, payload: bytes) -> InvocationResult | None:
        """Invoke a throttled batch again with backoff, while its visibility timeout leaves
        time (counted from the throttle, which comes before any await of the invocation's);
        None when it runs out."""
        counters = self.counters
        clock = self.queue.clock
        give_up_at = clock.monotonic() + self._hidden_for
        delay = THROTTLE_BACKOFF[0]
        while True:
            counters.throttles += 1
            if clock.monotonic() + delay >= give_up_at:
                return None
            await clock.sleep(delay)
            delay = min(delay * 2, THROTTLE_BACKOFF[1])
            try:
                return await invoker.invoke(self.function, payload)
            except TooManyRequests:
                continue

    async def _filter(self, batch: list[Message]) -> list[Message]:
        """The messages a filter matches; the others are deleted, as Lambda discards them."""
        queue = self.queue
        remote = queue._remote
        kept = []
        for message in batch:
            try:
                body: Any = from_document(message.body)
            except PayloadError:  # not JSON (or deeper than faaslib's limit): matched as text
                body = message.body
            if any(pattern.matches({"body": body}) for pattern in self.filters):
                kept.append(message)
            else:
                if remote is None:
                    queue._delete_now(message.receipt_handle)
                else:
                    await remote.delete(message.receipt_handle)
                self.counters.filtered += 1
        return kept

    def _encode(self, batch: list[Message]) -> tuple[bytes, list[Message]]:
        """The SQS event for `batch`, within the 6 MB payload, and what does not fit (taken
        off `batch`), to go back to the queue at once for the next batch."""
        records = [message.to_record(copy=False) for message in batch]
        payload = msgspec.json.encode(SQSEvent(records=records))
        left_out = []
        while len(payload) > MAX_SYNC_REQUEST_BYTES and len(batch) > 1:
            left_out.append(batch.pop())
            records.pop()
            payload = msgspec.json.encode(SQSEvent(records=records))
        return payload, left_out

    def _failures(self, result: InvocationResult, batch: list[Message]) -> set[str] | None:
        """The ids of the messages to keep, or None when the whole batch failed."""
        if result.function_error is not None:
            return None
        if not self.config.report_batch_item_failures:
            return set()
        problem, failed = batch_item_failures(
            result.payload, {m.message_id for m in batch}, "message id", "message"
        )
        if problem is not None:
            logger.warning(
                "function %r: its answer to a batch of queue %r fails the whole batch: %s",
                self.function,
                self.queue.name,
                problem,
            )
            return None
        return failed

    # -- watching -----------------------------------------------------------------------------

    def idle(self) -> bool:
        """No batch running, and no message left in the queue for it (visible, in flight,
        delayed): a failed batch is not idle until its messages are deleted or redriven."""
        if self._busy:
            return False
        return not any(self.queue._counts())  # one round trip on Redis

    def _may_be_idle(self) -> bool:
        """Whether a batch's end may have made the mapping idle (or let `stop()` return). In
        memory: not while another batch runs, nor while messages wait to be taken (the poller
        that takes them signals when that batch ends); elsewhere, always."""
        if not self._in_memory:
            return True  # another process may change the queue: as every batch's end
        if self._busy:
            return False
        return self._stopping or not self.queue._store.has_deliverable()

    async def wait_changed(self) -> None:
        with at_most(self._recheck):
            await self._changed.wait()

    def _signal(self) -> None:
        self._changed.set()

    def metrics(self) -> dict[str, Any]:
        data: dict[str, Any] = msgspec.structs.asdict(self.counters)
        data["ConcurrentBatches"] = {"now": self._busy, "max": data.pop("most_busy")}
        data["Pollers"] = {"now": self._pollers, "max": data.pop("most_pollers")}
        return data


class MappingCounters(msgspec.Struct, kw_only=True):
    """What a mapping did. Every message received is deleted after success (`messages_deleted`),
    deleted unprocessed by a filter (`filtered`), or left to come back (`messages_failed`)."""

    invocations: int = 0
    messages: int = 0
    messages_deleted: int = 0
    messages_failed: int = 0
    failed_batches: int = 0
    partial_batches: int = 0
    filtered: int = 0
    throttles: int = 0
    most_pollers: int = 0
    most_busy: int = 0
