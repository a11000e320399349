"""What a `Queue` accepts: its own configuration, and each message, batch and receive request
checked against SQS's rules before anything changes, so a refusal leaves the queue as it was.

Every refusal names the queue, the field, the value and the limit. A message is encoded here
too (text, message attributes in Lambda's shape, size as SQS counts it), because its size is
known only once it is encoded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from faaslib.errors import ConfigurationError
from faaslib.events.sqs import SQSMessageAttribute, _body_text, _message_attributes
from faaslib.payloads import PayloadError
from faaslib.sources import _common as common
from faaslib.sources.queue.messages import (
    BATCH_ENTRIES,
    BATCH_PAYLOAD,
    DELAY_SECONDS,
    MAXIMUM_MESSAGE_SIZE,
    MESSAGE_ATTRIBUTES,
    MESSAGES_PER_RECEIVE,
    RETENTION_PERIOD,
    VISIBILITY_TIMEOUT,
    WAIT_SECONDS,
    BatchEntry,
    BatchFailure,
    BatchRejected,
    MessageRejected,
    QueueError,
)

__all__ = [
    "SQS",
    "Outgoing",
    "batch_entries",
    "batch_failure",
    "check_configuration",
    "check_receive",
    "check_sending",
    "check_visibility_timeout",
    "encode",
    "out_of_range",
    "short",
]

_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
_FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,75}\.fifo")
# Characters SQS accepts in a body or string attribute (XML 1.0's, less the rest).
_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# A Number attribute "can have up to 38 digits of precision, and it can be between 10^-128 and
# 10^+126" (SQS Developer Guide, sqs-message-attributes.html): a magnitude, either sign.
_NUMBER_DIGITS = 38
_NUMBER_MAGNITUDE = (1e-128, 10**126)


def batch_failure(error: QueueError) -> BatchFailure:
    """How a batch's result lists an entry SQS refused: its code and the message the single
    call would raise."""
    return BatchFailure(code=error.code, message=str(error))


SQS = common.Service(
    resource="queue",
    rejected=MessageRejected,
    batch_rejected=BatchRejected,
    failure=batch_failure,
    missing_code="MissingParameter",
    max_entries=BATCH_ENTRIES,
    max_entries_text=f"the maximum of {BATCH_ENTRIES}",
    max_payload=BATCH_PAYLOAD,
    max_payload_text=f"the limit of {BATCH_PAYLOAD:,} bytes",
)


class Outgoing:
    """A message being sent: encoded, measured, then given what depends on the queue."""

    __slots__ = ("attributes", "deduplication_id", "delay", "group_id", "size", "text")

    def __init__(self, text: str, attributes: dict[str, SQSMessageAttribute], size: int) -> None:
        self.text = text
        self.attributes = attributes
        self.size = size  # body and message attributes, in bytes, as SQS counts them
        self.delay: float | None = None
        self.group_id: str | None = None
        self.deduplication_id: str | None = None


def check_configuration(name: Any, *, fifo: bool, **settings: float) -> None:
    """Refuse a queue name or setting SQS would refuse, with `ConfigurationError`."""
    if not isinstance(name, str) or not (_FIFO_NAME if fifo else _NAME).fullmatch(name):
        if fifo:
            rule = "end in '.fifo' and have 1 to 80 characters: letters, digits, '-' or '_'"
        elif str(name).endswith(".fifo"):
            rule = "not end in '.fifo' unless fifo=True"
        else:
            rule = "have 1 to 80 characters: letters, digits, '-' or '_'"
        raise ConfigurationError(f"queue {name!r}: the name must {rule}")
    limits = {
        "visibility_timeout": (VISIBILITY_TIMEOUT, "s"),
        "delay_seconds": (DELAY_SECONDS, "s"),
        "message_retention_period": (RETENTION_PERIOD, "s"),
        "maximum_message_size": (MAXIMUM_MESSAGE_SIZE, "bytes"),
    }
    for field, value in settings.items():
        problem = out_of_range(field, value, *limits[field])
        if problem is not None:
            raise ConfigurationError(f"queue {name!r}: {problem}")


def encode(queue_name: str, body: Any, attributes: Any) -> Outgoing:
    """The message as SQS would store it; `MessageRejected` for what it would refuse whatever
    the queue."""
    try:
        text = _body_text(body)
    except UnicodeDecodeError as error:
        raise MessageRejected(
            queue_name, f"body is not valid UTF-8: {error}", code="InvalidMessageContents"
        ) from None
    except PayloadError as error:
        raise MessageRejected(
            queue_name, f"body of type {type(body).__name__} cannot be sent as JSON: {error}"
        ) from None
    if not text:
        raise MessageRejected(
            queue_name,
            "body is empty; a message needs at least 1 character",
            code="MissingParameter",
        )
    _check_characters(queue_name, "body", text)
    size = len(text.encode())
    if attributes is not None and not isinstance(attributes, Mapping):
        raise MessageRejected(
            queue_name,
            f"attributes is a {type(attributes).__name__}; message attributes are a mapping "
            "of name to value",
        )
    values = dict(attributes or {})  # a Mapping, so its keys hash and its items are pairs
    if len(values) > MESSAGE_ATTRIBUTES:
        raise MessageRejected(
            queue_name,
            f"attributes has {len(values)} message attributes, over the maximum of "
            f"{MESSAGE_ATTRIBUTES}",
        )
    for name, value in values.items():
        size += _check_attribute(queue_name, name, value)
    return Outgoing(text, _message_attributes(values), size)


def _check_attribute(queue_name: str, name: Any, value: Any) -> int:
    """Check one message attribute; its size (name, data type and value) in bytes."""
    if not isinstance(name, str) or not common.ATTRIBUTE_NAME.fullmatch(name):
        raise MessageRejected(
            queue_name,
            f"attributes: the name {common.shown(name)} is not 1 to 256 letters, digits, '-', "
            "'_' or '.' (not first or last, never two in a row)",
        )
    if name.lower().startswith(("aws.", "amazon.")):
        raise MessageRejected(
            queue_name, f"attributes: the name {name!r} uses a prefix reserved for AWS"
        )
    if isinstance(value, (bytes, bytearray)):
        kind, size = "Binary", len(value)
    elif isinstance(value, str):
        _check_characters(queue_name, f"attributes[{name!r}]", value)
        kind, size = "String", len(value.encode())
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        problem = _number_problem(value)
        if problem is not None:
            raise MessageRejected(
                queue_name,
                f"attributes[{name!r}]={common.shown(value)} is not a number SQS can hold: "
                f"{problem}",
            )
        kind, size = "Number", len(str(value))
    else:
        raise MessageRejected(
            queue_name,
            f"attributes[{name!r}]={common.shown(value)} is a {type(value).__name__}; a message "
            "attribute is a str, an int, a float or bytes",
        )
    if size == 0:
        raise MessageRejected(
            queue_name, f"attributes[{name!r}] is empty; a {kind} attribute needs a value"
        )
    return len(name.encode()) + len(kind) + size


def _number_problem(value: float) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):  # an int is, however long
        return "it is not finite"
    magnitude = abs(value)
    if magnitude > _NUMBER_MAGNITUDE[1]:
        return "its magnitude is above 10^126"
    if 0 < magnitude < _NUMBER_MAGNITUDE[0]:
        return "its magnitude is below 10^-128 (and it is not 0)"
    if isinstance(value, int):  # a float has at most 17 significant digits
        digits = len(str(magnitude).rstrip("0"))
        if digits > _NUMBER_DIGITS:
            return f"it has {digits} significant digits, over the maximum of {_NUMBER_DIGITS}"
    return None


def _check_characters(queue_name: str, field: str, text: str) -> None:
    found = _FORBIDDEN.search(text)
    if found is not None:
        raise MessageRejected(
            queue_name,
            f"{field} has the character U+{ord(found.group()):04X} at position "
            f"{found.start()}, which SQS does not allow (allowed: #x9, #xA, #xD, "
            "#x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF)",
            code="InvalidMessageContents",
        )


def batch_entries(queue_name: str, entries: Any) -> list[BatchEntry]:
    """The entries of `send_batch` as `BatchEntry`s; `BatchRejected` for one that is neither a
    `BatchEntry` nor a mapping of its fields."""
    if isinstance(entries, (str, bytes, Mapping)) or not isinstance(entries, Iterable):
        raise BatchRejected(
            queue_name,
            f"entries is a {type(entries).__name__}; a batch is a list of BatchEntry (or of "
            "mappings of their fields)",
        )
    batch = []
    for position, entry in enumerate(entries):
        if isinstance(entry, BatchEntry):
            batch.append(entry)
            continue
        problem = f"is a {type(entry).__name__}, not a BatchEntry or a mapping of its fields"
        if isinstance(entry, Mapping):
            try:
                batch.append(BatchEntry(**entry))
                continue
            except TypeError as error:  # a field missing, unknown, or a key not a str
                problem = f"does not make a BatchEntry: {error}"
        raise BatchRejected(queue_name, f"entry {position} of the batch {problem}")
    return batch


def check_sending(
    queue_name: str,
    outgoing: Outgoing,
    *,
    delay_seconds: float | None,
    group_id: str | None,
    deduplication_id: str | None,
    fifo: bool,
    content_based_deduplication: bool,
    maximum_message_size: int,
) -> None:
    """Check what depends on the queue (size, delay, the FIFO ids) and give them to
    `outgoing`; with content-based deduplication, a FIFO message without a deduplication id
    gets the SHA-256 of its body, as SQS gives it."""
    if outgoing.size > maximum_message_size:
        raise MessageRejected(
            queue_name,
            f"the message is {outgoing.size:,} bytes (body and message attributes), over the "
            f"maximum_message_size of {maximum_message_size:,} bytes",
        )
    if delay_seconds is not None:
        if fifo:
            raise MessageRejected(
                queue_name,
                f"delay_seconds={common.shown(delay_seconds)} per message is not allowed on a FIFO "
                "queue; give the queue a delay_seconds instead",
            )
        problem = out_of_range("delay_seconds", delay_seconds, DELAY_SECONDS, "s")
        if problem is not None:
            raise MessageRejected(queue_name, problem)
    common.check_fifo_ids(
        queue_name,
        SQS,
        outgoing,
        group_id=group_id,
        deduplication_id=deduplication_id,
        fifo=fifo,
        content_based_deduplication=content_based_deduplication,
    )
    outgoing.delay = delay_seconds


def check_receive(queue_name: str, max_messages: Any, wait: Any) -> None:
    """Refuse a receive SQS would refuse for its count or its wait."""
    for field, value, limits, unit in (
        ("max_messages", max_messages, MESSAGES_PER_RECEIVE, ""),
        ("wait", wait, WAIT_SECONDS, "s"),
    ):
        problem = out_of_range(field, value, limits, unit)
        if problem is not None:
            raise QueueError(queue_name, problem)
    if not isinstance(max_messages, int):
        raise QueueError(
            queue_name, f"max_messages={common.shown(max_messages)} is not a whole number"
        )


def check_visibility_timeout(queue_name: str, seconds: Any) -> None:
    """Refuse a visibility timeout SQS would refuse (0 to 12 hours)."""
    problem = out_of_range("visibility_timeout", seconds, VISIBILITY_TIMEOUT, "s")
    if problem is not None:
        raise QueueError(queue_name, problem)


def out_of_range(field: str, value: Any, limits: tuple[float, float], unit: str) -> str | None:
    """What is wrong with `value` for `field`, or None if it is a number within `limits`."""
    low, high = limits
    shown = f" {unit}" if unit else ""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, float) and math.isnan(value))
    ):
        return f"{field}={common.shown(value)} is not a number"
    if value < low:
        return f"{field}={common.shown(value)} is below the minimum of {low:,}{shown}"
    if value > high:
        return f"{field}={common.shown(value)} is above the maximum of {high:,}{shown}"
    return None


def short(receipt_handle: Any) -> str:
    """A receipt handle cut short enough to read in an error message."""
    text = repr(receipt_handle)
    return text if len(text) <= 24 else text[:20] + "...'"
