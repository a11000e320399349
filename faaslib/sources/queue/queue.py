"""An SQS-like queue that lives in the app: standard and FIFO queues with SQS's semantics.

Delivery guarantee: **at least once.** A received message is hidden for its visibility timeout,
not removed; a message whose visibility timeout passes before it is deleted is delivered again,
with its receive count one higher and a new receipt handle. Standard queues deliver in about
the order sent; FIFO queues deliver each message group strictly in order, one batch of a group
in flight at a time, and accept a resend with a deduplication id seen in the last 5 minutes
without enqueueing it again (exactly once for sends within that window).

Every accepted message ends in exactly one of: deleted, moved to the dead-letter queue, expired
at the end of the retention period, purged, or still in the queue (visible, in flight or
delayed); `Queue.counters` counts each way out.

The I/O methods are async, as `await app.queue("orders").send(...)` reads, and each is one
checkpoint in trio's sense: a call cancelled before it starts does nothing, and one that did
its work is never reported cancelled. Code inside faaslib calls the synchronous cores
(`_send_now`, `_receive_now`, `_delete_now`, ...) where it needs no checkpoint.

Time comes from the queue's `Clock`: delays, visibility timeouts, long polls, retention and the
deduplication window all move with `FakeClock.advance()`. A queue belongs to one event loop and
is not thread-safe. Where this queue is stricter or simpler than SQS, on purpose:

- a short poll (`wait=0`) sees every visible message (SQS samples a subset of its servers);
- a receipt handle names its message: deleting with an older handle of a message received again
  since succeeds without deleting it, as SQS documents; on a FIFO queue a handle whose visibility
  timeout has passed is refused (`ReceiptHandleIsInvalid`, "the receipt handle has expired");
- a message moved to the dead-letter queue keeps its id, body, attributes, receive count and
  first-receive time, and gains `DeadLetterQueueSourceArn`; its retention counts from its first
  enqueue on a standard queue and restarts on a FIFO queue, as SQS documents.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import anyio.lowlevel

from faaslib.clock import Clock
from faaslib.errors import ConfigurationError
from faaslib.sources.queue import checks
from faaslib.sources.queue.core import QueueCore
from faaslib.sources.queue.messages import (
    DEFAULT_MAXIMUM_MESSAGE_SIZE,
    MAX_RECEIVE_COUNT,
    BatchEntry,
    DeleteBatchResult,
    Message,
    QueuedMessage,
    SendBatchResult,
    SendResult,
)
from faaslib.sources.queue.store import DELAYED, IN_FLIGHT, SLACK, VISIBLE

if TYPE_CHECKING:
    from faaslib.stores import Backend

__all__ = ["Queue"]

_P = ParamSpec("_P")
_T = TypeVar("_T")


class Queue(QueueCore):
    """An SQS queue: `send`, `receive`, `delete`, `change_visibility`, batches and FIFO groups.

    ```pycon
    >>> queue = Queue("orders", clock, visibility_timeout=60)
    >>> await queue.send({"id": 1})
    >>> [message] = await queue.receive(wait=20)
    >>> message.json(), message.receive_count
    ({'id': 1}, 1)
    >>> await queue.delete(message.receipt_handle)
    ```

    `redrive=(dead_letter_queue, max_receive_count)` moves a message to the dead-letter queue
    when a receive finds it already received `max_receive_count` times. Limits and defaults are
    SQS's; a value out of range raises `ConfigurationError`.
    """

    def __init__(
        self,
        name: str,
        clock: Clock,
        *,
        visibility_timeout: float = 30,
        fifo: bool = False,
        content_based_deduplication: bool = False,
        delay_seconds: float = 0,
        message_retention_period: float = 345_600,
        maximum_message_size: int = DEFAULT_MAXIMUM_MESSAGE_SIZE,
        redrive: tuple[Queue, int] | None = None,
        region: str = "us-east-1",
        account: str = "123456789012",
        backend: Backend | None = None,
    ) -> None:
        checks.check_configuration(
            name,
            fifo=fifo,
            visibility_timeout=visibility_timeout,
            delay_seconds=delay_seconds,
            message_retention_period=message_retention_period,
            maximum_message_size=maximum_message_size,
        )
        if content_based_deduplication and not fifo:
            raise ConfigurationError(
                f"queue {name!r}: content_based_deduplication is only for FIFO queues"
            )
        super().__init__(
            name,
            clock,
            visibility_timeout=visibility_timeout,
            fifo=fifo,
            content_based_deduplication=content_based_deduplication,
            delay_seconds=delay_seconds,
            message_retention_period=message_retention_period,
            maximum_message_size=maximum_message_size,
            region=region,
            account=account,
            backend=backend,
        )
        self.dead_letter_queue: Queue | None = None
        if redrive is not None:
            self.dead_letter_queue, self.max_receive_count = self._check_redrive(redrive)

    def __repr__(self) -> str:
        kind = "FIFO" if self.fifo else "standard"
        size = self._store.size() if self._remote is None else self._remote.size()
        return f"<Queue {self.name!r} ({kind}): {size} messages>"

    # -- sending ----------------------------------------------------------------------------

    async def send(
        self,
        body: Any,
        *,
        attributes: Mapping[str, str | int | float | bytes] | None = None,
        delay_seconds: float | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> SendResult:
        """Send one message: `body` as text (bytes as UTF-8, any other value as JSON).

        `attributes` are message attributes (text, numbers or bytes). `delay_seconds` (0 to 900,
        standard queues only) overrides the queue's delay. A FIFO queue needs `group_id`, and
        `deduplication_id` unless the queue has content-based deduplication. Raises
        `MessageRejected` for anything SQS would refuse.
        """
        if self._remote is not None:
            return await self._remote.send(
                body,
                attributes=attributes,
                delay_seconds=delay_seconds,
                group_id=group_id,
                deduplication_id=deduplication_id,
            )
        return await _checkpoint(
            self._send_now,
            body,
            attributes=attributes,
            delay_seconds=delay_seconds,
            group_id=group_id,
            deduplication_id=deduplication_id,
        )

    async def send_batch(
        self, entries: Iterable[BatchEntry | Mapping[str, Any]]
    ) -> SendBatchResult:
        """Send up to 10 messages, each a `BatchEntry` (or a mapping of its fields). An entry
        SQS would refuse fails alone, in `failed`; the batch raises `BatchRejected` when it is
        empty, too long, its ids repeat or are malformed, or it carries more than 1 MiB in
        all."""
        if self._remote is not None:
            return await self._remote.send_batch(entries)
        return await _checkpoint(self._send_batch_now, entries)

    # -- receiving ----------------------------------------------------------------------------

    async def receive(
        self,
        max_messages: int = 1,
        *,
        wait: float = 0.0,
        visibility_timeout: float | None = None,
    ) -> list[Message]:
        """Receive up to `max_messages` (1 to 10) visible messages, hiding each for the visibility
        timeout (the queue's, or `visibility_timeout`, 0 to 43,200 s).

        With `wait` (0 to 20 s) this is a long poll: it returns as soon as a message is visible, or
        an empty list after `wait` seconds on the clock. A message already received
        `max_receive_count` times is moved to the dead-letter queue instead of delivered.
        """
        if self._remote is not None:
            return await self._remote.receive(
                max_messages, wait=wait, visibility_timeout=visibility_timeout
            )
        await anyio.lowlevel.checkpoint_if_cancelled()
        checks.check_receive(self.name, max_messages, wait)
        hidden_for = self._hidden_for(visibility_timeout)
        messages = self._take(max_messages, hidden_for)
        if messages or wait <= SLACK:
            if not messages:
                self.counters.empty_receives += 1
            await anyio.lowlevel.cancel_shielded_checkpoint()
            return messages
        store = self._store
        deadline = store.time() + wait
        while not messages:
            if deadline - store.time() <= SLACK:
                self.counters.empty_receives += 1
                break
            due = store.next_due()
            await store.wait_for_change(deadline if due is None else min(deadline, due))
            # Woken and cancelled at once (an app stopping as a message arrives): take nothing,
            # rather than messages the caller will not see.
            await anyio.lowlevel.checkpoint_if_cancelled()
            messages = self._take(max_messages, hidden_for)
        return messages

    async def wait_for_messages(self) -> None:
        """Return once a receive may find a message, without receiving it: for a poller that
        sleeps until there is work, then receives (another consumer may be quicker).

        Unlike a loop of long polls it takes nothing in flight, so it never moves a receive
        count or a message's visibility, and it wakes exactly when a delay or visibility
        timeout passes on the clock. Cancel it (a timeout scope) to stop waiting.
        """
        if self._remote is not None:
            await self._remote.wait_for_messages()
            return
        self._tick()
        if self._store.has_deliverable():
            await anyio.lowlevel.checkpoint()
            return
        while not self._store.has_deliverable():
            await self._store.wait_for_change(self._store.next_due())
            self._tick()

    # -- deleting and changing visibility ------------------------------------------------------

    async def delete(self, receipt_handle: str) -> bool:
        """Delete the message received with `receipt_handle`; whether this call deleted it.

        As SQS documents, only the latest receipt handle deletes: an older handle of a message
        received again since, or a handle of a message already gone, is accepted and deletes
        nothing. On a FIFO queue a handle whose visibility timeout has passed is refused.
        Raises `ReceiptHandleIsInvalid` for a handle this queue never issued.
        """
        if self._remote is not None:
            return await self._remote.delete(receipt_handle)
        return await _checkpoint(self._delete_now, receipt_handle)

    async def delete_batch(self, entries: Mapping[str, str]) -> DeleteBatchResult:
        """Delete up to 10 messages, given as entry id → receipt handle; an entry whose handle
        is refused fails alone. Raises `BatchRejected` for an empty or too long batch."""
        if self._remote is not None:
            return await self._remote.delete_batch(entries)
        return await _checkpoint(self._delete_batch_now, entries)

    async def change_visibility(self, receipt_handle: str, visibility_timeout: float) -> None:
        """Hide an in-flight message for `visibility_timeout` seconds from now (0 to 43,200, and at
        most 12 hours after it was received); 0 makes it visible at once, as the Lambda event
        source mapping returns a failed message."""
        if self._remote is not None:
            await self._remote.change_visibility(receipt_handle, visibility_timeout)
            return
        await _checkpoint(self._change_visibility_now, receipt_handle, visibility_timeout)

    async def purge(self) -> int:
        """Delete every message in the queue, in flight or not; how many there were."""
        if self._remote is not None:
            return await self._remote.purge()
        return await _checkpoint(self._purge_now)

    # -- what is in the queue ------------------------------------------------------------------

    @property
    def approximate_number_of_messages(self) -> int:
        """Messages visible now: SQS's `ApproximateNumberOfMessagesVisible`."""
        return self._counts()[VISIBLE]

    @property
    def approximate_number_of_messages_not_visible(self) -> int:
        """Messages in flight (received, not deleted, visibility timeout not yet passed)."""
        return self._counts()[IN_FLIGHT]

    @property
    def approximate_number_of_messages_delayed(self) -> int:
        """Messages sent with a delay that has not passed yet."""
        return self._counts()[DELAYED]

    @property
    def approximate_age_of_oldest_message(self) -> float:
        """Seconds since the oldest message still in the queue entered it (0 when empty)."""
        if self._remote is not None:
            return self._remote.oldest_age()
        self._tick()
        return self._store.oldest_age()

    def metrics(self) -> dict[str, Any]:
        """CloudWatch's `AWS/SQS` metrics of the queue, now (counts run from its creation), and
        the ways out CloudWatch does not count (`redriven`, `expired`, ...) by their own names."""
        counters = self.counters
        in_flight = self.approximate_number_of_messages_not_visible
        return {
            "ApproximateNumberOfMessagesVisible": self.approximate_number_of_messages,
            "ApproximateNumberOfMessagesNotVisible": in_flight,
            "ApproximateNumberOfMessagesDelayed": self.approximate_number_of_messages_delayed,
            "ApproximateAgeOfOldestMessage": self.approximate_age_of_oldest_message,
            # A message redriven here is not "sent", as CloudWatch counts it: see dead_lettered.
            "NumberOfMessagesSent": counters.sent,
            "NumberOfMessagesReceived": counters.received,
            "NumberOfMessagesDeleted": counters.deleted,
            "NumberOfEmptyReceives": counters.empty_receives,
            "deduplicated": counters.deduplicated,
            "redriven": counters.redriven,
            "dead_lettered": counters.dead_lettered,
            "expired": counters.expired,
            "purged": counters.purged,
        }

    def snapshot(self) -> list[QueuedMessage]:
        """Every message still in the queue, in the order it entered, with its state. For tests
        and debugging: it walks the whole queue."""
        if self._remote is not None:
            return self._remote.snapshot()
        self._tick()
        return self._store.snapshot()

    def _counts(self) -> tuple[int, int, int]:
        """Messages delayed, visible and in flight now (on Redis, one round trip that waits:
        these reads are for watching a queue, not for its hot paths)."""
        if self._remote is not None:
            return self._remote.counts()
        self._tick()
        return self._store.counts()

    def _check_redrive(self, redrive: tuple[Queue, int]) -> tuple[Queue, int]:
        try:
            target, max_receive_count = redrive
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"queue {self.name!r}: redrive={redrive!r} is not "
                "(dead_letter_queue, max_receive_count)"
            ) from None
        if not isinstance(target, Queue) or target is self:
            raise ConfigurationError(
                f"queue {self.name!r}: the redrive target {target!r} is not another Queue"
            )
        if target.fifo != self.fifo:
            kind = "FIFO" if self.fifo else "standard"
            raise ConfigurationError(
                f"queue {self.name!r}: the dead-letter queue {target.name!r} must be {kind} "
                f"like its source queue"
            )
        if (target.region, target.account) != (self.region, self.account):
            raise ConfigurationError(
                f"queue {self.name!r}: the dead-letter queue {target.name!r} must be in the "
                f"same region and account"
            )
        problem = checks.out_of_range("max_receive_count", max_receive_count, MAX_RECEIVE_COUNT, "")
        if problem is not None or not isinstance(max_receive_count, int):
            raise ConfigurationError(
                f"queue {self.name!r}: "
                + (problem or f"max_receive_count={max_receive_count!r} is not a whole number")
            )
        return target, max_receive_count


async def _checkpoint(work: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """Do `work` as one checkpoint: a pending cancellation is seen before it and never after, so
    a cancelled call did nothing and a finished one is never reported cancelled (trio's rule;
    a plain checkpoint after the work would lose a sent message's result)."""
    await anyio.lowlevel.checkpoint_if_cancelled()
    try:
        return work(*args, **kwargs)
    finally:
        await anyio.lowlevel.cancel_shielded_checkpoint()
