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

import base64
import binascii
import hashlib
import heapq
import itertools
import math
import re
import secrets
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import anyio
import msgspec

from faaslib.clock import Clock
from faaslib.errors import ConfigurationError
from faaslib.events._base import UNSET
from faaslib.events._fake import arn as resource_arn
from faaslib.events._fake import md5_hex

# Private helpers of the SQS event module, so that a received message and a built event are
# shaped and checksummed by the same code.
from faaslib.events.sqs import (
    _SENDER_ID,
    SQSMessageAttribute,
    SQSRecord,
    _attributes_md5,
    _body_text,
    _message_attributes,
)

__all__ = [
    "BatchEntry",
    "BatchFailure",
    "BatchRejected",
    "DeleteBatchResult",
    "Message",
    "MessageNotInflight",
    "MessageRejected",
    "Queue",
    "QueueCounters",
    "QueueError",
    "QueuedMessage",
    "ReceiptHandleIsInvalid",
    "SendBatchResult",
    "SendResult",
]

# SQS's limits.
DEFAULT_MAXIMUM_MESSAGE_SIZE = 262_144  # 256 KiB; also the least a batch may carry in total
MAXIMUM_MESSAGE_SIZE = (1_024, 1_048_576)  # queue attribute range; 1 MiB since 2025
DELAY_SECONDS = (0, 900)
VISIBILITY_TIMEOUT = (0, 43_200)  # 12 hours, also the most a receipt may stay in flight
RETENTION_PERIOD = (60, 1_209_600)  # 1 minute to 14 days
WAIT_SECONDS = (0, 20)
MESSAGES_PER_RECEIVE = (1, 10)
MAX_RECEIVE_COUNT = (1, 1_000)
BATCH_ENTRIES = 10
MESSAGE_ATTRIBUTES = 10
DEDUPLICATION_WINDOW = 300.0

_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,75}\.fifo")
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
_ATTRIBUTE_NAME = re.compile(r"(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}")
_GROUP_OR_DEDUPLICATION_ID = re.compile(r"[!-~]{1,128}")  # letters, digits and punctuation
# Characters SQS accepts in a body or string attribute (XML 1.0's, less the rest).
_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FIRST_SEQUENCE_NUMBER = 18_849_496_460_467_696_128
_HANDLE_BYTES = 96
# Deadlines compare with this much slack, so a deadline a float rounding past the fake clock's
# time still falls due at it.
_SLACK = 1e-9

_DELAYED, _VISIBLE, _IN_FLIGHT, _GONE = range(4)
_STATE_NAMES: tuple[Literal["delayed", "visible", "in_flight"], ...] = (
    "delayed",
    "visible",
    "in_flight",
)


class QueueError(ValueError):
    """A request the queue refuses, as SQS would. `code` is SQS's error code
    (`InvalidParameterValue`, `MissingParameter`, ...) so code that handles boto3's errors maps
    over; the message names the queue, the field, the value and the limit."""

    code: str = "InvalidParameterValue"

    def __init__(self, queue_name: str, message: str, *, code: str | None = None) -> None:
        super().__init__(f"queue {queue_name!r}: {message}")
        self.queue_name = queue_name
        if code is not None:
            self.code = code


class MessageRejected(QueueError):
    """A message SQS would not accept: too large, empty, a delay or attribute out of range, a
    FIFO message without its group or deduplication id. In a batch, only its entry fails."""


class BatchRejected(QueueError):
    """A batch refused as a whole: empty, over 10 entries, ids repeated or malformed, or over the
    total size limit. No entry of it was sent or deleted."""


class ReceiptHandleIsInvalid(QueueError):
    """The receipt handle was not issued by this queue, is stale, or (FIFO) has expired."""

    code = "ReceiptHandleIsInvalid"


class MessageNotInflight(QueueError):
    """The message is not in flight: its visibility timeout passed, or it left the queue."""

    code = "MessageNotInflight"


class SendResult(msgspec.Struct, frozen=True, kw_only=True):
    """What SQS answers to a send. A FIFO message deduplicated within the 5-minute window gets
    the id and sequence number of the message it repeats."""

    message_id: str
    md5_of_body: str
    md5_of_message_attributes: str | None = None
    sequence_number: str | None = None


class BatchEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One message of `Queue.send_batch`, with the arguments of `Queue.send`; `id` (letters,
    digits, `-` and `_`, at most 80) names it in the result."""

    id: str
    body: Any
    attributes: Mapping[str, str | int | float | bytes] | None = None
    delay_seconds: float | None = None
    group_id: str | None = None
    deduplication_id: str | None = None


class BatchFailure(msgspec.Struct, frozen=True, kw_only=True):
    """Why one entry of a batch failed: SQS's error code and the message `send` would raise."""

    code: str
    message: str
    sender_fault: bool = True


class SendBatchResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of `send_batch`, by entry id."""

    successful: dict[str, SendResult]
    failed: dict[str, BatchFailure]


class DeleteBatchResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of `delete_batch`: the entry ids that succeeded, and the failures by id."""

    successful: list[str]
    failed: dict[str, BatchFailure]


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """A received message, as `ReceiveMessage` returns it.

    `attributes` are SQS's system attributes (`ApproximateReceiveCount`, `SentTimestamp`,
    `SenderId`, `ApproximateFirstReceiveTimestamp`; on FIFO queues `SequenceNumber`,
    `MessageGroupId` and `MessageDeduplicationId`; `DeadLetterQueueSourceArn` in a dead-letter
    queue); `message_attributes` are the sender's, in Lambda's shape.
    """

    body: str
    message_id: str
    receipt_handle: str
    attributes: dict[str, str]
    message_attributes: dict[str, SQSMessageAttribute]
    receive_count: int
    md5_of_body: str
    md5_of_message_attributes: str | None
    queue_arn: str
    region: str

    def json(self) -> Any:
        """The body decoded from JSON."""
        return msgspec.json.decode(self.body)

    def to_record(self) -> SQSRecord:
        """The message as a record of the SQS event Lambda sends a queue's function."""
        return SQSRecord(
            message_id=self.message_id,
            receipt_handle=self.receipt_handle,
            body=self.body,
            attributes=dict(self.attributes),
            message_attributes=dict(self.message_attributes),
            md5_of_body=self.md5_of_body,
            md5_of_message_attributes=(
                UNSET if self.md5_of_message_attributes is None else self.md5_of_message_attributes
            ),
            event_source="aws:sqs",
            event_source_arn=self.queue_arn,
            aws_region=self.region,
        )


class QueuedMessage(msgspec.Struct, frozen=True, kw_only=True):
    """A message still in the queue, as `Queue.snapshot()` lists it."""

    message_id: str
    state: Literal["delayed", "visible", "in_flight"]
    receive_count: int
    body: str
    group_id: str | None = None


class QueueCounters(msgspec.Struct, kw_only=True):
    """What went through the queue, for metrics. Every message `sent` (or `dead_lettered` into
    this queue from a source queue) is `deleted`, `redriven` to the dead-letter queue, `expired`,
    `purged`, or still in the queue. `received` counts deliveries, so a redelivery counts again;
    `deduplicated` counts FIFO sends accepted without being enqueued."""

    sent: int = 0
    deduplicated: int = 0
    received: int = 0
    empty_receives: int = 0
    deleted: int = 0
    redriven: int = 0
    dead_lettered: int = 0
    expired: int = 0
    purged: int = 0


class _Stored:
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
        self.state = _DELAYED
        self.receive_count = 0
        self.received_at = 0.0  # monotonic, of the latest receive
        self.enqueued_at = 0.0  # monotonic: when it entered this queue (its age)
        self.retained_from = 0.0  # monotonic: its retention period counts from here
        self.token = 0  # of its pending timer entry; 0 when none is pending


class _Outgoing:
    """A message being sent, encoded and measured."""

    __slots__ = ("attributes", "deduplication_id", "delay", "group_id", "size", "text")

    def __init__(self, text: str, attributes: dict[str, SQSMessageAttribute], size: int) -> None:
        self.text = text
        self.attributes = attributes
        self.size = size
        self.delay: float | None = None
        self.group_id: str | None = None
        self.deduplication_id: str | None = None


class _Group:
    """A FIFO message group: its messages in order, and how many of them are in flight."""

    __slots__ = ("in_flight", "is_ready", "messages")

    def __init__(self) -> None:
        self.messages: deque[_Stored] = deque()
        self.in_flight = 0
        self.is_ready = False  # in the queue's deque of groups that may deliver


class Queue:
    """An SQS queue: `send`, `receive`, `delete`, `change_visibility`, batches and FIFO groups.

    >>> queue = Queue("orders", clock, visibility_timeout=60)
    >>> queue.send({"id": 1})
    >>> [message] = await queue.receive(wait=20)
    >>> message.json(), message.receive_count
    ({'id': 1}, 1)
    >>> queue.delete(message.receipt_handle)

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
    ) -> None:
        if not isinstance(name, str) or not (_FIFO_NAME if fifo else _NAME).fullmatch(name):
            if fifo:
                rule = "end in '.fifo' and have 1 to 80 characters: letters, digits, '-' or '_'"
            elif str(name).endswith(".fifo"):
                rule = "not end in '.fifo' unless fifo=True"
            else:
                rule = "have 1 to 80 characters: letters, digits, '-' or '_'"
            raise ConfigurationError(f"queue {name!r}: the name must {rule}")
        for field, value, limits, unit in (
            ("visibility_timeout", visibility_timeout, VISIBILITY_TIMEOUT, "s"),
            ("delay_seconds", delay_seconds, DELAY_SECONDS, "s"),
            ("message_retention_period", message_retention_period, RETENTION_PERIOD, "s"),
            ("maximum_message_size", maximum_message_size, MAXIMUM_MESSAGE_SIZE, "bytes"),
        ):
            problem = _out_of_range(field, value, limits, unit)
            if problem is not None:
                raise ConfigurationError(f"queue {name!r}: {problem}")
        if content_based_deduplication and not fifo:
            raise ConfigurationError(
                f"queue {name!r}: content_based_deduplication is only for FIFO queues"
            )
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
        self.dead_letter_queue: Queue | None = None
        self.max_receive_count: int | None = None
        if redrive is not None:
            self.dead_letter_queue, self.max_receive_count = self._check_redrive(redrive)
        self.counters = QueueCounters()
        self._batch_limit = max(DEFAULT_MAXIMUM_MESSAGE_SIZE, maximum_message_size)
        # A receipt handle ends in this queue's key and its message's serial and receive number,
        # masked so that handles look as opaque as SQS's.
        self._key = secrets.token_bytes(8)
        self._mask = secrets.randbits(96)
        self._serials = itertools.count(1)
        self._tokens = itertools.count(1)
        self._live: dict[int, _Stored] = {}  # by serial, in the order they entered the queue
        self._issued = 0  # the highest serial handed out
        self._counts = [0, 0, 0]  # delayed, visible, in flight
        self._visible: deque[_Stored] = deque()  # standard queues; entries of gone ones skipped
        self._groups: dict[str, _Group] = {}  # FIFO queues
        self._ready: deque[_Group] = deque()  # FIFO groups that may deliver now
        self._timers: list[tuple[float, int, _Stored]] = []  # (due, token, message): visible
        self._retention: list[tuple[float, int, _Stored]] = []  # (expires, serial, message)
        self._arrivals: deque[_Stored] = deque()  # by enqueue time, for the oldest one's age
        self._deduplication: dict[str, tuple[float, str, str | None]] = {}
        self._deduplication_order: deque[tuple[float, str]] = deque()
        self._garbage = 0  # stale entries left in the structures above since the last sweep
        self._changed: anyio.Event | None = None  # made when a long poll waits

    def __repr__(self) -> str:
        kind = "FIFO" if self.fifo else "standard"
        return f"<Queue {self.name!r} ({kind}): {len(self._live)} messages>"

    # -- sending ----------------------------------------------------------------------------

    def send(
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
        self._tick()
        outgoing = self._encode(body, attributes)
        self._check(outgoing, delay_seconds, group_id, deduplication_id)
        return self._enqueue(outgoing)

    def send_batch(self, entries: Iterable[BatchEntry | Mapping[str, Any]]) -> SendBatchResult:
        """Send up to 10 messages, each a `BatchEntry` (or a mapping of its fields). An entry
        SQS would refuse fails alone, in `failed`; the batch raises `BatchRejected` when it is
        empty, too long, its ids repeat or are malformed, or it carries more than 256 KiB (or
        the queue's maximum message size, if larger) in all."""
        self._tick()
        batch = [
            entry if isinstance(entry, BatchEntry) else BatchEntry(**entry) for entry in entries
        ]
        self._check_batch_ids([entry.id for entry in batch])
        encoded: dict[str, _Outgoing | MessageRejected] = {}
        for entry in batch:
            try:
                encoded[entry.id] = self._encode(entry.body, entry.attributes)
            except MessageRejected as error:
                encoded[entry.id] = error
        total = sum(item.size for item in encoded.values() if isinstance(item, _Outgoing))
        if total > self._batch_limit:
            raise BatchRejected(
                self.name,
                f"the batch carries {total:,} bytes in all, over the limit of "
                f"{self._batch_limit:,} bytes",
                code="BatchRequestTooLong",
            )
        successful: dict[str, SendResult] = {}
        failed: dict[str, BatchFailure] = {}
        for entry in batch:
            item = encoded[entry.id]
            try:
                if isinstance(item, MessageRejected):
                    raise item
                self._check(item, entry.delay_seconds, entry.group_id, entry.deduplication_id)
            except MessageRejected as error:
                failed[entry.id] = BatchFailure(code=error.code, message=str(error))
            else:
                successful[entry.id] = self._enqueue(item)
        return SendBatchResult(successful=successful, failed=failed)

    def _encode(
        self, body: Any, attributes: Mapping[str, str | int | float | bytes] | None
    ) -> _Outgoing:
        try:
            text = _body_text(body)
        except UnicodeDecodeError as error:
            raise MessageRejected(
                self.name, f"body is not valid UTF-8: {error}", code="InvalidMessageContents"
            ) from None
        except (TypeError, msgspec.EncodeError) as error:
            raise MessageRejected(
                self.name, f"body of type {type(body).__name__} cannot be sent as JSON: {error}"
            ) from None
        if not text:
            raise MessageRejected(
                self.name,
                "body is empty; a message needs at least 1 character",
                code="MissingParameter",
            )
        self._check_characters("body", text)
        size = len(text.encode())
        values = dict(attributes or {})
        if len(values) > MESSAGE_ATTRIBUTES:
            raise MessageRejected(
                self.name,
                f"attributes has {len(values)} message attributes, over the maximum of "
                f"{MESSAGE_ATTRIBUTES}",
            )
        for name, value in values.items():
            size += self._check_attribute(name, value)
        return _Outgoing(text, _message_attributes(values), size)

    def _check_attribute(self, name: Any, value: Any) -> int:
        """Check one message attribute; its size (name, data type and value) in bytes."""
        if not isinstance(name, str) or not _ATTRIBUTE_NAME.fullmatch(name):
            raise MessageRejected(
                self.name,
                f"attributes: the name {name!r} is not 1 to 256 letters, digits, '-', '_' or "
                "'.' (not first or last, never two in a row)",
            )
        if name.lower().startswith(("aws.", "amazon.")):
            raise MessageRejected(
                self.name, f"attributes: the name {name!r} uses a prefix reserved for AWS"
            )
        if isinstance(value, (bytes, bytearray)):
            kind, size = "Binary", len(value)
        elif isinstance(value, str):
            self._check_characters(f"attributes[{name!r}]", value)
            kind, size = "String", len(value.encode())
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value) or not -(10**128) <= value <= 10**126:
                raise MessageRejected(
                    self.name,
                    f"attributes[{name!r}]={value!r} is not a number SQS can hold "
                    "(finite, between -10^128 and 10^126)",
                )
            kind, size = "Number", len(str(value))
        else:
            raise MessageRejected(
                self.name,
                f"attributes[{name!r}]={value!r} is a {type(value).__name__}; a message "
                "attribute is a str, an int, a float or bytes",
            )
        if size == 0:
            raise MessageRejected(
                self.name, f"attributes[{name!r}] is empty; a {kind} attribute needs a value"
            )
        return len(name.encode()) + len(kind) + size

    def _check_characters(self, field: str, text: str) -> None:
        found = _FORBIDDEN.search(text)
        if found is not None:
            raise MessageRejected(
                self.name,
                f"{field} has the character U+{ord(found.group()):04X} at position "
                f"{found.start()}, which SQS does not allow (allowed: #x9, #xA, #xD, "
                "#x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF)",
                code="InvalidMessageContents",
            )

    def _check(
        self,
        outgoing: _Outgoing,
        delay_seconds: float | None,
        group_id: str | None,
        deduplication_id: str | None,
    ) -> None:
        """Check what depends on the queue: size, delay and the FIFO ids."""
        if outgoing.size > self.maximum_message_size:
            raise MessageRejected(
                self.name,
                f"the message is {outgoing.size:,} bytes (body and message attributes), over the "
                f"maximum_message_size of {self.maximum_message_size:,} bytes",
            )
        if delay_seconds is not None:
            if self.fifo:
                raise MessageRejected(
                    self.name,
                    f"delay_seconds={delay_seconds!r} per message is not allowed on a FIFO "
                    "queue; give the queue a delay_seconds instead",
                )
            problem = _out_of_range("delay_seconds", delay_seconds, DELAY_SECONDS, "s")
            if problem is not None:
                raise MessageRejected(self.name, problem)
        for field, value in (("group_id", group_id), ("deduplication_id", deduplication_id)):
            if value is not None and not (
                isinstance(value, str) and _GROUP_OR_DEDUPLICATION_ID.fullmatch(value)
            ):
                raise MessageRejected(
                    self.name,
                    f"{field}={value!r} is not 1 to 128 letters, digits or punctuation marks",
                )
        if self.fifo:
            if group_id is None:
                raise MessageRejected(
                    self.name, "group_id is required on a FIFO queue", code="MissingParameter"
                )
            if deduplication_id is None:
                if not self.content_based_deduplication:
                    raise MessageRejected(
                        self.name,
                        "deduplication_id is required: the queue has no "
                        "content_based_deduplication",
                        code="MissingParameter",
                    )
                deduplication_id = hashlib.sha256(outgoing.text.encode()).hexdigest()
        elif deduplication_id is not None:
            raise MessageRejected(
                self.name, "deduplication_id is only for FIFO queues; this queue is standard"
            )
        outgoing.delay = delay_seconds
        outgoing.group_id = group_id
        outgoing.deduplication_id = deduplication_id

    def _check_batch_ids(self, ids: list[str]) -> None:
        if not ids:
            raise BatchRejected(self.name, "the batch has no entries", code="EmptyBatchRequest")
        if len(ids) > BATCH_ENTRIES:
            raise BatchRejected(
                self.name,
                f"the batch has {len(ids)} entries, over the maximum of {BATCH_ENTRIES}",
                code="TooManyEntriesInBatchRequest",
            )
        for entry_id in ids:
            if not isinstance(entry_id, str) or not _BATCH_ID.fullmatch(entry_id):
                raise BatchRejected(
                    self.name,
                    f"the entry id {entry_id!r} is not 1 to 80 letters, digits, '-' or '_'",
                    code="InvalidBatchEntryId",
                )
        if len(set(ids)) != len(ids):
            repeated = sorted({entry_id for entry_id in ids if ids.count(entry_id) > 1})
            raise BatchRejected(
                self.name,
                f"the entry ids {repeated} appear more than once",
                code="BatchEntryIdsNotDistinct",
            )

    def _enqueue(self, outgoing: _Outgoing) -> SendResult:
        body_md5 = md5_hex(outgoing.text)
        attribute_md5 = _attributes_md5(outgoing.attributes) if outgoing.attributes else None
        now = self.clock.monotonic()
        key = outgoing.deduplication_id
        if self.fifo and key is not None:
            self._forget_deduplication(now)
            seen = self._deduplication.get(key)
            if seen is not None:
                self.counters.deduplicated += 1
                _, message_id, sequence_number = seen
                return SendResult(
                    message_id=message_id,
                    md5_of_body=body_md5,
                    md5_of_message_attributes=attribute_md5,
                    sequence_number=sequence_number,
                )
        stored = _Stored(next(self._serials), str(uuid.uuid4()), outgoing.text, body_md5)
        stored.message_attributes = outgoing.attributes
        stored.attribute_md5 = attribute_md5
        stored.sent_timestamp = int(self.clock.now() * 1000)
        stored.group_id = outgoing.group_id
        if self.fifo:
            stored.deduplication_id = key
            stored.sequence_number = str(_FIRST_SEQUENCE_NUMBER + stored.serial)
            if key is not None:
                expires = now + DEDUPLICATION_WINDOW
                self._deduplication[key] = (expires, stored.message_id, stored.sequence_number)
                self._deduplication_order.append((expires, key))
        delay = self.delay_seconds if outgoing.delay is None else outgoing.delay
        self._admit(stored, now, now, delay)
        self.counters.sent += 1
        return SendResult(
            message_id=stored.message_id,
            md5_of_body=body_md5,
            md5_of_message_attributes=attribute_md5,
            sequence_number=stored.sequence_number,
        )

    def _forget_deduplication(self, now: float) -> None:
        order = self._deduplication_order
        while order and order[0][0] <= now + _SLACK:
            expires, key = order.popleft()
            if self._deduplication.get(key, (None,))[0] == expires:
                del self._deduplication[key]

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
        for field, value, limits in (
            ("max_messages", max_messages, MESSAGES_PER_RECEIVE),
            ("wait", wait, WAIT_SECONDS),
        ):
            problem = _out_of_range(field, value, limits, "" if field == "max_messages" else "s")
            if problem is not None:
                raise QueueError(self.name, problem)
        if not isinstance(max_messages, int):
            raise QueueError(self.name, f"max_messages={max_messages!r} is not a whole number")
        hidden_for = self._visibility(visibility_timeout)
        messages = self._take(max_messages, hidden_for)
        deadline = self.clock.monotonic() + wait
        while not messages:
            now = self.clock.monotonic()
            if deadline - now <= _SLACK:
                self.counters.empty_receives += 1
                break
            due = self._next_due()
            until = deadline if due is None else min(deadline, due)
            if self._changed is None:
                self._changed = anyio.Event()
            changed = self._changed
            with self.clock.timeout_scope(until - now):
                await changed.wait()
            messages = self._take(max_messages, hidden_for)
        return messages

    def _visibility(self, seconds: float | None) -> float:
        if seconds is None:
            return self.visibility_timeout
        problem = _out_of_range("visibility_timeout", seconds, VISIBILITY_TIMEOUT, "s")
        if problem is not None:
            raise QueueError(self.name, problem)
        return seconds

    def _take(self, count: int, hidden_for: float) -> list[Message]:
        """Deliver up to `count` visible messages: FIFO groups head first, a group at a time."""
        self._tick()
        taken: list[Message] = []
        now = self.clock.monotonic()
        if not self.fifo:
            visible = self._visible
            while len(taken) < count and visible:
                stored = visible.popleft()
                if stored.state != _VISIBLE:
                    continue  # deleted or expired while visible
                if self._redrives(stored):
                    continue
                taken.append(self._deliver(stored, now, hidden_for))
            return taken
        while len(taken) < count and self._ready:
            # The group keeps `is_ready` while its head is taken, so a redrive does not put it
            # back in the deque; whatever it has left is considered after.
            group = self._ready.popleft()
            messages = group.messages
            index = 0
            may_deliver = not group.in_flight  # a group in the deque has none, but be sure
            while may_deliver and len(taken) < count and index < len(messages):
                stored = messages[index]
                if stored.state != _VISIBLE:
                    break
                if self._redrives(stored):
                    continue  # it left `messages`: the same index holds the next one
                taken.append(self._deliver(stored, now, hidden_for))
                index += 1
            group.is_ready = False
            self._consider(group)
        return taken

    def _redrives(self, stored: _Stored) -> bool:
        """Move `stored` to the dead-letter queue if it was received too often already."""
        target = self.dead_letter_queue
        if target is None or self.max_receive_count is None:
            return False
        if stored.receive_count < self.max_receive_count:
            return False
        self._remove(stored)
        self.counters.redriven += 1
        target._take_in(stored, self.arn)
        return True

    def _deliver(self, stored: _Stored, now: float, hidden_for: float) -> Message:
        stored.receive_count += 1
        if stored.first_received is None:
            stored.first_received = int(self.clock.now() * 1000)
        stored.received_at = now
        self._set_state(stored, _IN_FLIGHT)
        if self.fifo:
            self._groups[str(stored.group_id)].in_flight += 1
        self._schedule(stored, now + hidden_for)
        self.counters.received += 1
        code = ((stored.serial << 32) | stored.receive_count) ^ self._mask
        handle = base64.b64encode(
            secrets.token_bytes(_HANDLE_BYTES - 20) + self._key + code.to_bytes(12, "big")
        ).decode()
        return Message(
            body=stored.body,
            message_id=stored.message_id,
            receipt_handle="AQEB" + handle,
            attributes=self._system_attributes(stored),
            message_attributes=dict(stored.message_attributes),
            receive_count=stored.receive_count,
            md5_of_body=stored.body_md5,
            md5_of_message_attributes=stored.attribute_md5,
            queue_arn=self.arn,
            region=self.region,
        )

    def _system_attributes(self, stored: _Stored) -> dict[str, str]:
        """SQS's system attributes, in the order Lambda's records list them."""
        attributes: dict[str, str] = {}
        if stored.source_arn is not None:
            attributes["DeadLetterQueueSourceArn"] = stored.source_arn
        attributes["ApproximateReceiveCount"] = str(stored.receive_count)
        attributes["SentTimestamp"] = str(stored.sent_timestamp)
        if stored.sequence_number is not None:
            attributes["SequenceNumber"] = stored.sequence_number
        if stored.group_id is not None:
            attributes["MessageGroupId"] = stored.group_id
        attributes["SenderId"] = _SENDER_ID
        if stored.deduplication_id is not None:
            attributes["MessageDeduplicationId"] = stored.deduplication_id
        attributes["ApproximateFirstReceiveTimestamp"] = str(stored.first_received)
        return attributes

    def _take_in(self, moved: _Stored, source_arn: str) -> None:
        """Accept a message redriven from a source queue (this is its dead-letter queue)."""
        now = self.clock.monotonic()
        stored = _Stored(next(self._serials), moved.message_id, moved.body, moved.body_md5)
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
        self._admit(stored, now, now if self.fifo else moved.retained_from, 0)
        self.counters.dead_lettered += 1

    # -- deleting and changing visibility ------------------------------------------------------

    def delete(self, receipt_handle: str) -> bool:
        """Delete the message received with `receipt_handle`; whether this call deleted it.

        As SQS documents, only the latest receipt handle deletes: an older handle of a message
        received again since, or a handle of a message already gone, is accepted and deletes
        nothing. On a FIFO queue a handle whose visibility timeout has passed is refused.
        Raises `ReceiptHandleIsInvalid` for a handle this queue never issued.
        """
        self._tick()
        stored, number = self._resolve(receipt_handle)
        if stored is None:
            return False
        if stored.state != _IN_FLIGHT or number != stored.receive_count:
            if self.fifo:
                raise self._expired(receipt_handle)
            if number != stored.receive_count:
                return False
        self._remove(stored)
        self.counters.deleted += 1
        return True

    def delete_batch(self, entries: Mapping[str, str]) -> DeleteBatchResult:
        """Delete up to 10 messages, given as entry id → receipt handle; an entry whose handle
        is refused fails alone. Raises `BatchRejected` for an empty or too long batch."""
        self._check_batch_ids(list(entries))
        successful: list[str] = []
        failed: dict[str, BatchFailure] = {}
        for entry_id, handle in entries.items():
            try:
                self.delete(handle)
            except QueueError as error:
                failed[entry_id] = BatchFailure(code=error.code, message=str(error))
            else:
                successful.append(entry_id)
        return DeleteBatchResult(successful=successful, failed=failed)

    def change_visibility(self, receipt_handle: str, visibility_timeout: float) -> None:
        """Hide an in-flight message for `visibility_timeout` seconds from now (0 to 43,200, and at
        most 12 hours after it was received); 0 makes it visible at once, as the Lambda event
        source mapping returns a failed message."""
        problem = _out_of_range("visibility_timeout", visibility_timeout, VISIBILITY_TIMEOUT, "s")
        if problem is not None:
            raise QueueError(self.name, problem)
        self._tick()
        stored, number = self._resolve(receipt_handle)
        if stored is None:
            raise MessageNotInflight(
                self.name,
                f"the message of receipt handle {_short(receipt_handle)} is no longer in the "
                "queue (deleted, expired, purged or moved to the dead-letter queue)",
            )
        if self.fifo and (number != stored.receive_count or stored.state != _IN_FLIGHT):
            raise self._expired(receipt_handle)
        if number != stored.receive_count:
            raise ReceiptHandleIsInvalid(
                self.name,
                f"receipt handle {_short(receipt_handle)} is not the latest of message "
                f"{stored.message_id}: it was received again since",
            )
        if stored.state != _IN_FLIGHT:
            raise MessageNotInflight(
                self.name,
                f"message {stored.message_id} is not in flight: its visibility timeout has passed",
            )
        now = self.clock.monotonic()
        in_flight_for = now - stored.received_at + visibility_timeout
        if in_flight_for > VISIBILITY_TIMEOUT[1]:
            raise QueueError(
                self.name,
                f"visibility_timeout={visibility_timeout!r} would keep message "
                f"{stored.message_id} in flight {in_flight_for:,.0f} s after it was received, "
                f"over the maximum of {VISIBILITY_TIMEOUT[1]:,} s",
            )
        self._forget_timer(stored)
        if visibility_timeout == 0:
            self._make_visible(stored)
        else:
            self._schedule(stored, now + visibility_timeout)

    def _resolve(self, receipt_handle: str) -> tuple[_Stored | None, int]:
        """The message a handle names (None if it has left the queue) and its receive number."""
        raw = b""
        if isinstance(receipt_handle, str) and receipt_handle.startswith("AQEB"):
            try:
                raw = base64.b64decode(receipt_handle[4:], validate=True)
            except (binascii.Error, ValueError):
                raw = b""
        code = int.from_bytes(raw[-12:], "big") ^ self._mask
        serial, number = code >> 32, code & 0xFFFF_FFFF
        if len(raw) != _HANDLE_BYTES or raw[-20:-12] != self._key or not 0 < serial <= self._issued:
            raise ReceiptHandleIsInvalid(
                self.name,
                f"receipt_handle {_short(receipt_handle)} was not issued by this queue",
            )
        stored = self._live.get(serial)
        if stored is not None and not 0 < number <= stored.receive_count:
            raise ReceiptHandleIsInvalid(
                self.name,
                f"receipt_handle {_short(receipt_handle)} was not issued by this queue",
            )
        return stored, number

    def _expired(self, receipt_handle: str) -> ReceiptHandleIsInvalid:
        return ReceiptHandleIsInvalid(
            self.name,
            f"receipt_handle {_short(receipt_handle)} has expired: on a FIFO queue a handle is "
            "valid only until its visibility timeout passes",
        )

    def purge(self) -> int:
        """Delete every message in the queue, in flight or not; how many there were."""
        self._tick()
        count = len(self._live)
        for stored in self._live.values():
            stored.state = _GONE
            stored.token = 0
        self._live.clear()
        self._counts = [0, 0, 0]
        self._visible.clear()
        self._groups.clear()
        self._ready.clear()
        self._timers.clear()
        self._retention.clear()
        self._arrivals.clear()
        self._garbage = 0
        self.counters.purged += count
        return count

    # -- what is in the queue ------------------------------------------------------------------

    @property
    def approximate_number_of_messages(self) -> int:
        """Messages visible now: SQS's `ApproximateNumberOfMessagesVisible`."""
        self._tick()
        return self._counts[_VISIBLE]

    @property
    def approximate_number_of_messages_not_visible(self) -> int:
        """Messages in flight (received, not deleted, visibility timeout not yet passed)."""
        self._tick()
        return self._counts[_IN_FLIGHT]

    @property
    def approximate_number_of_messages_delayed(self) -> int:
        """Messages sent with a delay that has not passed yet."""
        self._tick()
        return self._counts[_DELAYED]

    @property
    def approximate_age_of_oldest_message(self) -> float:
        """Seconds since the oldest message still in the queue entered it (0 when empty)."""
        self._tick()
        arrivals = self._arrivals
        while arrivals and arrivals[0].state == _GONE:
            arrivals.popleft()
        return self.clock.monotonic() - arrivals[0].enqueued_at if arrivals else 0.0

    def snapshot(self) -> list[QueuedMessage]:
        """Every message still in the queue, in the order it entered, with its state. For tests
        and debugging: it walks the whole queue."""
        self._tick()
        return [
            QueuedMessage(
                message_id=stored.message_id,
                state=_STATE_NAMES[stored.state],
                receive_count=stored.receive_count,
                body=stored.body,
                group_id=stored.group_id,
            )
            for stored in self._live.values()
        ]

    # -- moving messages between states ---------------------------------------------------------

    def _admit(self, stored: _Stored, now: float, retained_from: float, delay: float) -> None:
        self._issued = stored.serial
        stored.enqueued_at = now
        stored.retained_from = retained_from
        self._live[stored.serial] = stored
        self._arrivals.append(stored)
        heapq.heappush(
            self._retention,
            (retained_from + self.message_retention_period, stored.serial, stored),
        )
        if self.fifo:
            group = self._groups.get(str(stored.group_id))
            if group is None:
                group = self._groups[str(stored.group_id)] = _Group()
            group.messages.append(stored)
        self._counts[_DELAYED] += 1
        if delay > 0:
            self._schedule(stored, now + delay)
        else:
            self._make_visible(stored)

    def _set_state(self, stored: _Stored, state: int) -> None:
        self._counts[stored.state] -= 1
        stored.state = state
        if state != _GONE:
            self._counts[state] += 1

    def _make_visible(self, stored: _Stored) -> None:
        """A delayed message's delay, or an in-flight one's visibility timeout, has passed."""
        was = stored.state
        self._set_state(stored, _VISIBLE)
        if not self.fifo:
            self._visible.append(stored)
            self._notify()
            return
        group = self._groups[str(stored.group_id)]
        if was == _IN_FLIGHT:
            group.in_flight -= 1
        self._consider(group)

    def _consider(self, group: _Group) -> None:
        """Put a FIFO group in the ready deque if it may deliver its head now."""
        if (
            not group.is_ready
            and not group.in_flight
            and group.messages
            and group.messages[0].state == _VISIBLE
        ):
            group.is_ready = True
            self._ready.append(group)
            self._notify()

    def _remove(self, stored: _Stored) -> None:
        """`stored` leaves the queue: deleted, redriven or expired."""
        was = stored.state
        self._forget_timer(stored)
        self._set_state(stored, _GONE)
        del self._live[stored.serial]
        self._garbage += 2  # its retention and arrival entries (and a visible one) stay behind
        if self.fifo:
            key = str(stored.group_id)
            group = self._groups[key]
            group.messages.remove(stored)  # near the head: groups deliver from there
            if was == _IN_FLIGHT:
                group.in_flight -= 1
            if group.messages:
                self._consider(group)
            else:
                del self._groups[key]

    def _schedule(self, stored: _Stored, due: float) -> None:
        stored.token = next(self._tokens)
        heapq.heappush(self._timers, (due, stored.token, stored))

    def _forget_timer(self, stored: _Stored) -> None:
        if stored.token:
            stored.token = 0
            self._garbage += 1

    def _next_due(self) -> float | None:
        timers = self._timers
        while timers and timers[0][2].token != timers[0][1]:
            heapq.heappop(timers)
        return timers[0][0] if timers else None

    def _tick(self) -> None:
        """Bring the queue up to the clock's time: delays and visibility timeouts that have
        passed make messages visible; messages past the retention period leave."""
        now = self.clock.monotonic() + _SLACK
        timers = self._timers
        while timers and timers[0][0] <= now:
            _, token, stored = heapq.heappop(timers)
            if stored.token == token:
                stored.token = 0
                self._make_visible(stored)
        retention = self._retention
        while retention and retention[0][0] <= now:
            stored = heapq.heappop(retention)[2]
            if stored.state != _GONE:
                self._remove(stored)
                self.counters.expired += 1
        if self._garbage > 1024:  # here, where no loop holds one of the structures
            self._sweep()

    def _sweep(self) -> None:
        """Drop the entries of gone messages and stale timers once there are many of them, so
        memory follows the messages in the queue (amortised O(1) per operation)."""
        self._garbage = 0
        live = len(self._live)
        if len(self._timers) > 2 * live + 256:
            self._timers = [entry for entry in self._timers if entry[2].token == entry[1]]
            heapq.heapify(self._timers)
        if len(self._retention) > 2 * live + 256:
            self._retention = [entry for entry in self._retention if entry[2].state != _GONE]
            heapq.heapify(self._retention)
        if len(self._arrivals) > 2 * live + 256:
            self._arrivals = deque(stored for stored in self._arrivals if stored.state != _GONE)
        if len(self._visible) > 2 * live + 256:
            self._visible = deque(s for s in self._visible if s.state == _VISIBLE)

    def _notify(self) -> None:
        """Wake the long polls: a message may be deliverable now."""
        if self._changed is not None:
            self._changed.set()
            self._changed = None

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
        problem = _out_of_range("max_receive_count", max_receive_count, MAX_RECEIVE_COUNT, "")
        if problem is not None or not isinstance(max_receive_count, int):
            raise ConfigurationError(
                f"queue {self.name!r}: "
                + (problem or f"max_receive_count={max_receive_count!r} is not a whole number")
            )
        return target, max_receive_count


def _out_of_range(field: str, value: Any, limits: tuple[float, float], unit: str) -> str | None:
    """What is wrong with `value` for `field`, or None if it is a number within `limits`."""
    low, high = limits
    shown = f" {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        return f"{field}={value!r} is not a number"
    if value < low:
        return f"{field}={value!r} is below the minimum of {low:,}{shown}"
    if value > high:
        return f"{field}={value!r} is above the maximum of {high:,}{shown}"
    return None


def _short(receipt_handle: Any) -> str:
    text = repr(receipt_handle)
    return text if len(text) <= 24 else text[:20] + "...'"
