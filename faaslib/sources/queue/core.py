"""The synchronous core of `Queue`: what sending, receiving, deleting, changing visibility and
purging do to the queue, each in one step with no await in it.

`Queue` wraps each core in an async method that is one checkpoint; faaslib's own modules (the
event source mapping, say) call the cores directly (`_send_now`, `_receive_now`, `_delete_now`,
`_change_visibility_now`, ...) where a checkpoint would only cost time. A core checks everything
before it changes anything, so a refused request leaves the queue as it was.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from faaslib.clock import Clock
from faaslib.events._fake import arn as resource_arn
from faaslib.events._fake import md5_hex
from faaslib.events.sqs import _attributes_md5
from faaslib.sources._common import check_batch, check_batch_ids
from faaslib.sources.queue import checks
from faaslib.sources.queue.handles import Handles
from faaslib.sources.queue.messages import (
    VISIBILITY_TIMEOUT,
    BatchEntry,
    BatchFailure,
    BatchRejected,
    DeleteBatchResult,
    Message,
    MessageNotInflight,
    QueueCounters,
    QueueError,
    ReceiptHandleIsInvalid,
    SendBatchResult,
    SendResult,
)
from faaslib.sources.queue.store import IN_FLIGHT, MessageStore, RemoteOnly, for_backend
from faaslib.sources.queue.store import StoredMessage as _Stored

if TYPE_CHECKING:
    from faaslib.sources.queue.redis import RedisQueue
    from faaslib.stores import Backend

__all__ = ["QueueCore"]

_FIRST_SEQUENCE_NUMBER = 18_849_496_460_467_696_128


class QueueCore:
    """A queue's settings, its messages and the synchronous operations on them. `Queue` checks
    the settings and adds the async API; this class trusts them."""

    def __init__(
        self,
        name: str,
        clock: Clock,
        *,
        visibility_timeout: float,
        fifo: bool,
        content_based_deduplication: bool,
        delay_seconds: float,
        message_retention_period: float,
        maximum_message_size: int,
        region: str,
        account: str,
        backend: Backend | None = None,
    ) -> None:
        self.name = name
        self.clock = clock
        self.fifo = fifo
        self.visibility_timeout = visibility_timeout
        self.content_based_deduplication = content_based_deduplication
        self.delay_seconds = delay_seconds
        self.message_retention_period = message_retention_period
        self.maximum_message_size = maximum_message_size
        self.region = region
        self.account = account
        self.arn = resource_arn("sqs", name, region=region, account=account)
        self.url = f"https://sqs.{region}.amazonaws.com/{account}/{name}"
        self.dead_letter_queue: QueueCore | None = None
        self.max_receive_count: int | None = None
        self.counters = QueueCounters()
        # On Redis every operation is awaited (one script each): `Queue` and faaslib's own
        # callers hand them to `_remote`, and the synchronous cores below are not used.
        self._remote: RedisQueue | None = None
        if backend is not None and backend.kind == "redis":
            from faaslib.sources.queue.redis import RedisQueue

            self._store: MessageStore = RemoteOnly(name)
            self._remote = RedisQueue(self, backend)
            return
        self._store = for_backend(
            backend, name, clock, fifo=fifo, retention_period=message_retention_period
        )
        # A receipt handle ends in this queue's key and its message's serial and receive number,
        # masked so that handles look as opaque as SQS's.
        self._handles = Handles(name, *self._store.secret())

    # -- sending ----------------------------------------------------------------------------

    def _send_now(
        self,
        body: Any,
        *,
        attributes: Mapping[str, str | int | float | bytes] | None = None,
        delay_seconds: float | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> SendResult:
        """`Queue.send`, done now."""
        outgoing = self._outgoing(body, attributes, delay_seconds, group_id, deduplication_id)
        with self._store.batch():
            self._tick()
            return self._enqueue(outgoing)

    def _send_batch_now(self, entries: Iterable[BatchEntry | Mapping[str, Any]]) -> SendBatchResult:
        """`Queue.send_batch`, done now."""
        ready, failed = self._check_batch(entries)
        with self._store.batch():
            self._tick()
            successful = {entry_id: self._enqueue(outgoing) for entry_id, outgoing in ready}
        return SendBatchResult(successful=successful, failed=failed)

    def _outgoing(
        self,
        body: Any,
        attributes: Mapping[str, str | int | float | bytes] | None,
        delay_seconds: float | None,
        group_id: str | None,
        deduplication_id: str | None,
    ) -> checks.Outgoing:
        """A message to send, encoded and checked (`MessageRejected` for anything SQS would
        refuse), whichever store enqueues it."""
        outgoing = checks.encode(self.name, body, attributes)
        self._check_sending(outgoing, delay_seconds, group_id, deduplication_id)
        return outgoing

    def _check_batch(
        self, entries: Iterable[BatchEntry | Mapping[str, Any]]
    ) -> tuple[list[tuple[str, checks.Outgoing]], dict[str, BatchFailure]]:
        """A `send_batch`'s entries: those accepted (id, message), and those that failed alone."""
        return check_batch(
            self.name,
            checks.batch_entries(self.name, entries),
            checks.SQS,
            encode=lambda entry: checks.encode(self.name, entry.body, entry.attributes),
            check=lambda entry, outgoing: self._check_sending(
                outgoing, entry.delay_seconds, entry.group_id, entry.deduplication_id
            ),
        )

    def _check_sending(
        self,
        outgoing: checks.Outgoing,
        delay_seconds: float | None,
        group_id: str | None,
        deduplication_id: str | None,
    ) -> None:
        checks.check_sending(
            self.name,
            outgoing,
            delay_seconds=delay_seconds,
            group_id=group_id,
            deduplication_id=deduplication_id,
            fifo=self.fifo,
            content_based_deduplication=self.content_based_deduplication,
            maximum_message_size=self.maximum_message_size,
        )

    def _enqueue(self, outgoing: checks.Outgoing) -> SendResult:
        body_md5 = md5_hex(outgoing.text)
        attribute_md5 = _attributes_md5(outgoing.attributes) if outgoing.attributes else None
        store = self._store
        key = outgoing.deduplication_id
        if self.fifo and key is not None:
            seen = store.deduplicated(key)
            if seen is not None:
                self.counters.deduplicated += 1
                message_id, sequence_number = seen
                return SendResult(
                    message_id=message_id,
                    md5_of_body=body_md5,
                    md5_of_message_attributes=attribute_md5,
                    sequence_number=sequence_number,
                )
        stored = _Stored(store.new_serial(), str(uuid.uuid4()), outgoing.text, body_md5)
        stored.message_attributes = outgoing.attributes
        stored.attribute_md5 = attribute_md5
        stored.sent_timestamp = int(self.clock.now() * 1000)
        stored.group_id = outgoing.group_id
        if self.fifo:
            stored.deduplication_id = key
            stored.sequence_number = str(_FIRST_SEQUENCE_NUMBER + stored.serial)
            if key is not None:
                store.remember(key, (stored.message_id, stored.sequence_number))
        store.admit(
            stored, store.time(), self.delay_seconds if outgoing.delay is None else outgoing.delay
        )
        self.counters.sent += 1
        return SendResult(
            message_id=stored.message_id,
            md5_of_body=body_md5,
            md5_of_message_attributes=attribute_md5,
            sequence_number=stored.sequence_number,
        )

    # -- receiving ----------------------------------------------------------------------------

    def _receive_now(
        self, max_messages: int = 1, *, visibility_timeout: float | None = None
    ) -> list[Message]:
        """`receive` as a short poll: what is deliverable now, without waiting."""
        checks.check_receive(self.name, max_messages, 0)
        messages = self._take(max_messages, self._hidden_for(visibility_timeout))
        if not messages:
            self.counters.empty_receives += 1
        return messages

    def _hidden_for(self, visibility_timeout: float | None) -> float:
        if visibility_timeout is None:
            return self.visibility_timeout
        checks.check_visibility_timeout(self.name, visibility_timeout)
        return visibility_timeout

    def _take(self, count: int, hidden_for: float) -> list[Message]:
        """Receive up to `count` messages visible now, hiding them for `hidden_for` seconds: no
        check, no wait (the event source mapping reads its queue this way)."""
        with self._store.batch():
            self._tick()
            taken = self._store.take(count, hidden_for, self._redrives)
        self.counters.received += len(taken)
        make = self._handles.make
        arn = self.arn
        region = self.region
        return [
            stored.received(make(stored.serial, stored.receive_count), arn, region)
            for stored in taken
        ]

    def _redrives(self, stored: _Stored) -> bool:
        """Move `stored` to the dead-letter queue if it was received too often already."""
        target = self.dead_letter_queue
        if target is None or self.max_receive_count is None:
            return False
        if stored.receive_count < self.max_receive_count:
            return False
        self._store.remove(stored)
        self.counters.redriven += 1
        target._take_in(stored, self.arn)
        return True

    def _take_in(self, moved: _Stored, source_arn: str) -> None:
        """Accept a message redriven from a source queue (this is its dead-letter queue)."""
        stored = _Stored(self._store.new_serial(), moved.message_id, moved.body, moved.body_md5)
        for field in (
            "message_attributes",
            "attribute_md5",
            "sent_timestamp",
            "first_received",
            "group_id",
            "deduplication_id",
            "receive_count",
        ):
            setattr(stored, field, getattr(moved, field))
        stored.source_arn = source_arn
        if self.fifo:
            stored.sequence_number = str(_FIRST_SEQUENCE_NUMBER + stored.serial)
        # SQS: a standard queue's message keeps its enqueue time for retention; FIFO restarts it.
        retained_from = self._store.time() if self.fifo else moved.retained_from
        self._store.admit(stored, retained_from, 0)
        self.counters.dead_lettered += 1

    # -- deleting and changing visibility ------------------------------------------------------

    def _delete_now(self, receipt_handle: str) -> bool:
        """`Queue.delete`, done now."""
        with self._store.batch():
            self._tick()
            return self._delete_resolved(receipt_handle)

    def _delete_resolved(self, receipt_handle: str) -> bool:
        stored, number = self._resolve(receipt_handle)
        return self._delete_stored(stored, number, receipt_handle)

    def _delete_stored(self, stored: _Stored | None, number: int, receipt_handle: str) -> bool:
        """Delete `stored` for a handle of its receive `number`, by SQS's rules for a late or
        stale handle (refused on a FIFO queue, accepted and ignored on a standard one)."""
        if stored is None:
            return False
        if stored.state != IN_FLIGHT or number != stored.receive_count:
            if self.fifo:
                raise self._expired(receipt_handle)
            if number != stored.receive_count:
                return False
        self._store.remove(stored)
        self.counters.deleted += 1
        return True

    def _delete_each_now(self, receipt_handles: Iterable[str]) -> int:
        """Delete the messages of `receipt_handles` in one step (one transaction in a file),
        as the event source mapping's DeleteMessageBatch does; a handle refused is skipped (its
        message comes back). How many were deleted.

        The handles must be this queue's own, as the mapping's are (it received them here): each
        is read without the checks a caller's handle needs (`Handles.read_issued`)."""
        deleted = 0
        store = self._store
        read = self._handles.read_issued
        with store.batch():
            self._tick()
            for handle in receipt_handles:
                serial, number = read(handle)
                try:
                    deleted += self._delete_stored(store.get(serial), number, handle)
                except QueueError:
                    continue
        return deleted

    def _delete_batch_now(self, entries: Mapping[str, str]) -> DeleteBatchResult:
        """`Queue.delete_batch`, done now."""
        if not isinstance(entries, Mapping):
            raise BatchRejected(
                self.name,
                f"entries is a {type(entries).__name__}; delete_batch takes a mapping of "
                "entry id to receipt handle",
            )
        check_batch_ids(self.name, list(entries), checks.SQS)
        successful: list[str] = []
        failed: dict[str, BatchFailure] = {}
        with self._store.batch():  # one transaction for the batch
            self._tick()
            for entry_id, handle in entries.items():
                try:
                    self._delete_resolved(handle)
                except QueueError as error:
                    failed[entry_id] = checks.batch_failure(error)
                else:
                    successful.append(entry_id)
        return DeleteBatchResult(successful=successful, failed=failed)

    def _change_visibility_now(self, receipt_handle: str, visibility_timeout: float) -> None:
        """`Queue.change_visibility`, done now."""
        checks.check_visibility_timeout(self.name, visibility_timeout)
        with self._store.batch():
            self._tick()
            self._change_resolved(receipt_handle, visibility_timeout)

    def _change_resolved(self, receipt_handle: str, visibility_timeout: float) -> None:
        stored, number = self._resolve(receipt_handle)
        if stored is None:
            raise self._gone(receipt_handle)
        if self.fifo and (number != stored.receive_count or stored.state != IN_FLIGHT):
            raise self._expired(receipt_handle)
        if number != stored.receive_count:
            raise self._received_again(receipt_handle, stored.message_id)
        if stored.state != IN_FLIGHT:
            raise self._not_in_flight(stored.message_id)
        in_flight_for = self._store.time() - stored.received_at + visibility_timeout
        if in_flight_for > VISIBILITY_TIMEOUT[1]:
            raise self._too_long(visibility_timeout, stored.message_id, in_flight_for)
        self._store.hide(stored, visibility_timeout)

    def _receipt_handle(self, stored: _Stored) -> str:
        return self._handles.make(stored.serial, stored.receive_count)

    def _resolve(self, receipt_handle: str) -> tuple[_Stored | None, int]:
        """The message a handle names (None if it has left the queue) and its receive number."""
        serial, number = self._handles.read(receipt_handle)
        stored = self._store.get(serial)
        # a message still in the queue was issued; a gone one, if its serial is not too high
        if (stored is None and serial > self._store.issued()) or (
            stored is not None and not 0 < number <= stored.receive_count
        ):
            raise self._handles.not_issued(receipt_handle)
        return stored, number

    def _expired(self, receipt_handle: str) -> ReceiptHandleIsInvalid:
        return ReceiptHandleIsInvalid(
            self.name,
            f"receipt_handle {checks.short(receipt_handle)} has expired: on a FIFO queue a "
            "handle is valid only until its visibility timeout passes",
        )

    # What a `change_visibility` is refused with, whichever store found it so.

    def _gone(self, receipt_handle: str) -> MessageNotInflight:
        return MessageNotInflight(
            self.name,
            f"the message of receipt handle {checks.short(receipt_handle)} is no longer in the "
            "queue (deleted, expired, purged or moved to the dead-letter queue)",
        )

    def _received_again(self, receipt_handle: str, message_id: str) -> ReceiptHandleIsInvalid:
        return ReceiptHandleIsInvalid(
            self.name,
            f"receipt handle {checks.short(receipt_handle)} is not the latest of message "
            f"{message_id}: it was received again since",
        )

    def _not_in_flight(self, message_id: str) -> MessageNotInflight:
        return MessageNotInflight(
            self.name,
            f"message {message_id} is not in flight: its visibility timeout has passed",
        )

    def _too_long(
        self, visibility_timeout: float, message_id: str, in_flight_for: float
    ) -> QueueError:
        return QueueError(
            self.name,
            f"visibility_timeout={visibility_timeout!r} would keep message "
            f"{message_id} in flight {in_flight_for:,.0f} s after it was received, "
            f"over the maximum of {VISIBILITY_TIMEOUT[1]:,} s",
        )

    def _purge_now(self) -> int:
        """`Queue.purge`, done now."""
        with self._store.batch():
            self._tick()
            count = self._store.clear()
        self.counters.purged += count
        return count

    def _tick(self) -> None:
        """Bring the queue up to the clock's time before anything reads or changes it."""
        self.counters.expired += self._store.tick()
