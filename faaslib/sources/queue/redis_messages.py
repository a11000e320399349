"""How `RedisQueue` writes a message into Redis and reads it back: its unchanging fields as one
msgpack value, and the `Message` or `QueuedMessage` a script's row becomes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from faaslib.sources.queue.handles import Handles
from faaslib.sources.queue.messages import Message, QueuedMessage
from faaslib.sources.queue.store import MessageFields, from_fields

__all__ = [
    "decode",
    "encode",
    "listed",
    "received",
    "sequence_number",
    "text",
    "time_of",
]

_FIRST_SEQUENCE_NUMBER = 18_849_496_460_467_696_128  # as core's


# A message's `MessageFields`: a script copies them as they are (to the dead-letter queue too).
encode = msgspec.msgpack.Encoder().encode
decode = msgspec.msgpack.Decoder(MessageFields).decode


def sequence_number(serial: int, fifo: bool) -> str | None:
    """A FIFO message's sequence number: its serial in the queue it is in, as the core counts."""
    return str(_FIRST_SEQUENCE_NUMBER + serial) if fifo else None


def received(row: Sequence[Any], handles: Handles, *, fifo: bool, arn: str, region: str) -> Message:
    """The message a TAKE script's row describes, as this receive returns it."""
    serial, blob, receive_count, first_received, group, source = row
    serial = int(serial)
    stored = from_fields(serial, decode(blob))
    stored.sequence_number = sequence_number(serial, fifo)
    stored.group_id = text(group) or None
    stored.source_arn = text(source) or None
    stored.receive_count = int(receive_count)
    stored.first_received = int(first_received)
    return stored.received(handles.make(serial, stored.receive_count), arn, region)


def listed(row: Sequence[Any]) -> QueuedMessage:
    """The message a SNAPSHOT script's row describes, as `Queue.snapshot()` lists it."""
    serial, blob, state, receive_count, group = row
    stored = from_fields(int(serial), decode(blob))
    stored.state = int(state)
    stored.receive_count = int(receive_count)
    stored.group_id = text(group) or None
    return stored.listed()


def text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def time_of(value: bytes | str) -> float | None:
    """A time a script returned as Redis spells a score ('' for none)."""
    return float(value) if value else None
