"""How `RedisQueue` writes a message into Redis and reads it back: its unchanging fields as one
msgpack value, and the `Message` or `QueuedMessage` a script's row becomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from faaslib.events.sqs import SQSMessageAttribute
from faaslib.sources.queue.handles import Handles
from faaslib.sources.queue.messages import Message, QueuedMessage
from faaslib.sources.queue.store import StoredMessage

__all__ = [
    "Fields",
    "decode",
    "encode",
    "listed",
    "received",
    "sequence_number",
    "text",
    "time_of",
]

_FIRST_SEQUENCE_NUMBER = 18_849_496_460_467_696_128  # as core's


class Fields(msgspec.Struct, array_like=True):
    """What a message carries that never changes, even when it moves to the dead-letter queue
    (a script copies it as it is)."""

    message_id: str
    body: str
    body_md5: str
    message_attributes: dict[str, SQSMessageAttribute]
    attribute_md5: str | None
    sent_timestamp: int
    deduplication_id: str | None


encode = msgspec.msgpack.Encoder().encode
decode = msgspec.msgpack.Decoder(Fields).decode


def sequence_number(serial: int, fifo: bool) -> str | None:
    """A FIFO message's sequence number: its serial in the queue it is in, as the core counts."""
    return str(_FIRST_SEQUENCE_NUMBER + serial) if fifo else None


def received(row: Sequence[Any], handles: Handles, *, fifo: bool, arn: str, region: str) -> Message:
    """The message a TAKE script's row describes, as this receive returns it."""
    serial, blob, receive_count, first_received, group, source = row
    serial = int(serial)
    fields = decode(blob)
    stored = StoredMessage(serial, fields.message_id, fields.body, fields.body_md5)
    stored.message_attributes = fields.message_attributes
    stored.attribute_md5 = fields.attribute_md5
    stored.sent_timestamp = fields.sent_timestamp
    stored.deduplication_id = fields.deduplication_id
    stored.sequence_number = sequence_number(serial, fifo)
    stored.group_id = text(group) or None
    stored.source_arn = text(source) or None
    stored.receive_count = int(receive_count)
    stored.first_received = int(first_received)
    return stored.received(handles.make(serial, stored.receive_count), arn, region)


def listed(row: Sequence[Any]) -> QueuedMessage:
    """The message a SNAPSHOT script's row describes, as `Queue.snapshot()` lists it."""
    serial, blob, state, receive_count, group = row
    fields = decode(blob)
    stored = StoredMessage(int(serial), fields.message_id, fields.body, fields.body_md5)
    stored.state = int(state)
    stored.receive_count = int(receive_count)
    stored.group_id = text(group) or None
    return stored.listed()


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def time_of(value: bytes | str) -> float | None:
    """A time a script returned as Redis spells a score ('' for none)."""
    return float(value) if value else None
