"""What a `Queue` answers with: SQS's limits, the errors it raises, and the results and messages
it returns, as plain Structs that code written against boto3's answers can read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from faaslib.events._base import UNSET
from faaslib.events.sqs import SQSMessageAttribute, SQSRecord

__all__ = [
    "BATCH_ENTRIES",
    "BATCH_PAYLOAD",
    "DEDUPLICATION_WINDOW",
    "DEFAULT_MAXIMUM_MESSAGE_SIZE",
    "DELAY_SECONDS",
    "MAXIMUM_MESSAGE_SIZE",
    "MAX_RECEIVE_COUNT",
    "MESSAGES_PER_RECEIVE",
    "MESSAGE_ATTRIBUTES",
    "RETENTION_PERIOD",
    "VISIBILITY_TIMEOUT",
    "WAIT_SECONDS",
    "BatchEntry",
    "BatchFailure",
    "BatchRejected",
    "DeleteBatchResult",
    "Message",
    "MessageNotInflight",
    "MessageRejected",
    "QueueCounters",
    "QueueError",
    "QueuedMessage",
    "ReceiptHandleIsInvalid",
    "SendBatchResult",
    "SendResult",
]

# SQS's limits: (least, most) where a range. Sizes are in bytes, times in seconds.
DEFAULT_MAXIMUM_MESSAGE_SIZE = 262_144  # 256 KiB
MAXIMUM_MESSAGE_SIZE = (1_024, 1_048_576)  # the queue attribute's range; 1 MiB since 2025
# A batch carries at most 1 MiB in all, whatever the queue's maximum message size: "The maximum
# allowed individual message size and the maximum total payload size (the sum of the individual
# lengths of all of the batched messages) are both 1 MiB" (SQS API Reference, SendMessageBatch).
BATCH_PAYLOAD = 1_048_576
DELAY_SECONDS = (0, 900)
VISIBILITY_TIMEOUT = (0, 43_200)  # 12 hours, also the most a receipt may stay in flight
RETENTION_PERIOD = (60, 1_209_600)  # 1 minute to 14 days
WAIT_SECONDS = (0, 20)
MESSAGES_PER_RECEIVE = (1, 10)
MAX_RECEIVE_COUNT = (1, 1_000)
BATCH_ENTRIES = 10
MESSAGE_ATTRIBUTES = 10
DEDUPLICATION_WINDOW = 300.0


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
    """A batch refused as a whole: empty, over 10 entries, ids repeated or malformed, an entry
    that is not a `BatchEntry`, or over the total size limit. No entry of it was sent or
    deleted."""


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

    def to_record(self, *, copy: bool = True) -> SQSRecord:
        """The message as a record of the SQS event Lambda sends a queue's function.
        `copy=False` shares the message's dicts with the record: for a record encoded at once
        and dropped, as the event source mapping's are."""
        return SQSRecord(
            message_id=self.message_id,
            receipt_handle=self.receipt_handle,
            body=self.body,
            attributes=dict(self.attributes) if copy else self.attributes,
            message_attributes=dict(self.message_attributes) if copy else self.message_attributes,
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
