"""The seam between a queue's semantics (`core`) and where its messages are: `MessageStore`,
the operations a queue asks of its store, and `StoredMessage`, a message as a store hands it
out. `memory.MemoryMessages` keeps them in the process (the default); `sqlite.SQLiteMessages`
in a database file shared by the processes of a host; `for_backend` picks by the app's store.

What a store must guarantee, whatever keeps it: each operation is atomic (inside `batch()` a
sequence of them is one), a message taken is hidden until its visibility timeout passes on the
store's `time()`, a FIFO group delivers its head only with none of its messages in flight, and
every message leaves by exactly one of `remove`, `clear` or expiry (`tick`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Literal, Protocol

import msgspec

from faaslib.clock import Clock
from faaslib.events.sqs import _SENDER_ID, SQSMessageAttribute
from faaslib.sources.queue.messages import Message, QueuedMessage

if TYPE_CHECKING:
    from faaslib.stores import Backend

__all__ = [
    "DELAYED",
    "GONE",
    "IN_FLIGHT",
    "SLACK",
    "STATE_NAMES",
    "VISIBLE",
    "MessageFields",
    "MessageStore",
    "RemoteOnly",
    "StoredMessage",
    "for_backend",
    "from_fields",
]

DELAYED, VISIBLE, IN_FLIGHT, GONE = range(4)
STATE_NAMES: tuple[Literal["delayed", "visible", "in_flight"], ...] = (
    "delayed",
    "visible",
    "in_flight",
)
# Deadlines compare with this much slack, so a deadline a float rounding past the fake clock's
# time still falls due at it.
SLACK = 1e-9


class StoredMessage:
    """A message in the queue: plain fields, changed in place as it moves between states."""

    __slots__ = (
        "attribute_md5",
        "body",
        "body_md5",
        "deduplication_id",
        "enqueued_at",
        "first_received",
        "group_id",
        "message_attributes",
        "message_id",
        "receive_count",
        "received_at",
        "retained_from",
        "sent_timestamp",
        "sequence_number",
        "serial",
        "source_arn",
        "state",
        "token",
    )

    def __init__(self, serial: int, message_id: str, body: str, body_md5: str) -> None:
        self.serial = serial  # the queue's own number for it, written into its receipt handles
        self.message_id = message_id
        self.body = body
        self.body_md5 = body_md5
        self.message_attributes: dict[str, SQSMessageAttribute] = {}
        self.attribute_md5: str | None = None
        self.sent_timestamp = 0  # Unix ms
        self.first_received: int | None = None  # Unix ms
        self.group_id: str | None = None
        self.deduplication_id: str | None = None
        self.sequence_number: str | None = None
        self.source_arn: str | None = None  # of the queue it was moved from, in a DLQ
        self.state = DELAYED
        self.receive_count = 0
        self.received_at = 0.0  # monotonic, of the latest receive
        self.enqueued_at = 0.0  # monotonic: when it entered this queue (its age)
        self.retained_from = 0.0  # monotonic: its retention period counts from here
        self.token = 0  # of its pending timer entry; 0 when none is pending

    def received(self, receipt_handle: str, queue_arn: str, region: str) -> Message:
        """The message as this receive returns it."""
        return Message(
            body=self.body,
            message_id=self.message_id,
            receipt_handle=receipt_handle,
            attributes=self._system_attributes(),
            message_attributes=dict(self.message_attributes),
            receive_count=self.receive_count,
            md5_of_body=self.body_md5,
            md5_of_message_attributes=self.attribute_md5,
            queue_arn=queue_arn,
            region=region,
        )

    def listed(self) -> QueuedMessage:
        """The message as `Queue.snapshot()` lists it."""
        return QueuedMessage(
            message_id=self.message_id,
            state=STATE_NAMES[self.state],
            receive_count=self.receive_count,
            body=self.body,
            group_id=self.group_id,
        )

    def _system_attributes(self) -> dict[str, str]:
        """SQS's system attributes, in the order Lambda's records list them."""
        attributes: dict[str, str] = {}
        if self.source_arn is not None:
            attributes["DeadLetterQueueSourceArn"] = self.source_arn
        attributes["ApproximateReceiveCount"] = str(self.receive_count)
        attributes["SentTimestamp"] = str(self.sent_timestamp)
        if self.sequence_number is not None:
            attributes["SequenceNumber"] = self.sequence_number
        if self.group_id is not None:
            attributes["MessageGroupId"] = self.group_id
        attributes["SenderId"] = _SENDER_ID
        if self.deduplication_id is not None:
            attributes["MessageDeduplicationId"] = self.deduplication_id
        attributes["ApproximateFirstReceiveTimestamp"] = str(self.first_received)
        return attributes


class MessageFields(msgspec.Struct, array_like=True):
    """What a message carries that never changes, even when it moves to the dead-letter queue:
    what a store that outlives the process keeps of it as one msgpack value."""

    message_id: str
    body: str
    body_md5: str
    message_attributes: dict[str, SQSMessageAttribute]
    attribute_md5: str | None
    sent_timestamp: int
    deduplication_id: str | None


def from_fields(serial: int, fields: MessageFields) -> StoredMessage:
    """Message `serial` with the `fields` a store kept of it (the store sets the others)."""
    stored = StoredMessage(serial, fields.message_id, fields.body, fields.body_md5)
    stored.message_attributes = fields.message_attributes
    stored.attribute_md5 = fields.attribute_md5
    stored.sent_timestamp = fields.sent_timestamp
    stored.deduplication_id = fields.deduplication_id
    return stored


class MessageStore(Protocol):
    """The messages of one queue. Times (`time()`, `next_due()`, `wait_for_change(until)`) are
    on the store's own time line: the clock's monotonic time in memory, its wall time in a file
    (which outlives the process)."""

    fifo: bool

    def batch(self) -> AbstractContextManager[object]:
        """Make the operations inside one atomic step (one transaction in a file)."""
        ...

    def time(self) -> float: ...

    def new_serial(self) -> int: ...

    def issued(self) -> int:
        """The highest serial given out: a receipt handle naming a higher one is forged."""
        ...

    def secret(self) -> tuple[bytes, int]:
        """The key and mask the queue's receipt handles are made with (the same in every
        process sharing the store, so any of them can resolve a handle)."""
        ...

    def admit(self, stored: StoredMessage, retained_from: float, delay: float) -> None: ...

    def take(
        self, count: int, hidden_for: float, redrives: Callable[[StoredMessage], bool]
    ) -> list[StoredMessage]: ...

    def get(self, serial: int) -> StoredMessage | None: ...

    def hide(self, stored: StoredMessage, seconds: float) -> None: ...

    def remove(self, stored: StoredMessage) -> None: ...

    def clear(self) -> int: ...

    def tick(self) -> int: ...

    def next_due(self) -> float | None: ...

    def has_deliverable(self) -> bool: ...

    async def wait_for_change(self, until: float | None) -> None: ...

    def counts(self) -> tuple[int, int, int]:
        """Messages delayed, visible and in flight now."""
        ...

    def size(self) -> int: ...

    def oldest_age(self) -> float: ...

    def snapshot(self) -> list[QueuedMessage]: ...

    def deduplicated(self, key: str) -> tuple[str, str | None] | None:
        """What a FIFO send with deduplication id `key` was answered (message id, sequence
        number) within the last 5 minutes, or None."""
        ...

    def remember(self, key: str, answer: tuple[str, str | None]) -> None: ...


class RemoteOnly:
    """The local store of a queue whose messages are elsewhere (Redis), where every operation
    is awaited: a synchronous core reaching it is a bug of faaslib's, said plainly."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, operation: str) -> Any:
        raise RuntimeError(
            f"queue {self._name!r} keeps its messages on Redis, where its operations are "
            f"awaited; faaslib called its synchronous {operation!r} (a faaslib bug: please report)"
        )


def for_backend(
    backend: Backend | None,
    name: str,
    clock: Clock,
    *,
    fifo: bool,
    retention_period: float,
) -> MessageStore:
    """Queue `name`'s store on `backend` (in memory when there is none; a Redis queue has
    none: `QueueCore` hands its operations to `redis.RedisQueue`)."""
    if backend is not None and backend.kind == "sqlite":
        from faaslib.sources.queue.sqlite import SQLiteMessages

        return SQLiteMessages(
            backend.database, name, clock, fifo=fifo, retention_period=retention_period
        )
    if backend is not None and backend.kind != "memory":
        raise ValueError(f"queue {name!r}: no local message store on a {backend.kind} backend")
    from faaslib.sources.queue.memory import MemoryMessages

    return MemoryMessages(clock, fifo=fifo, retention_period=retention_period)
