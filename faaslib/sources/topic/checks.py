"""What SNS checks before it accepts a publish: the topic's name, the message, its subject and
message attributes, the FIFO ids and the batch ids, with SNS's limits.

Sources: the Publish and PublishBatch API references, "Amazon SNS message attributes"
(https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html) and "Message
deduplication for FIFO topics" (https://docs.aws.amazon.com/sns/latest/dg/fifo-message-dedup.html).
"""

from __future__ import annotations

import base64
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any, get_args

from faaslib.errors import ConfigurationError
from faaslib.payloads import PayloadError, to_document
from faaslib.sources import _common as common
from faaslib.sources.topic.messages import (
    FilterPolicyScope,
    PublishBatchRejected,
    PublishFailure,
    PublishRejected,
    SubscriptionProtocol,
)

__all__ = [
    "BATCH_ENTRIES",
    "DEDUPLICATION_WINDOW",
    "MAXIMUM_MESSAGE_SIZE",
    "RAW_SQS_ATTRIBUTES",
    "SNS",
    "SUBJECT_LENGTH",
    "Outgoing",
    "check_subscription",
    "check_topic_name",
    "encode",
]

# SNS's limits.
MAXIMUM_MESSAGE_SIZE = 262_144  # 256 KiB: the message and all its attributes' names, types, values
SUBJECT_LENGTH = 100
BATCH_ENTRIES = 10
# SNS accepts more attributes than this, but a raw delivery to SQS carries at most 10 and SNS
# discards a message with more as a client-side error (sns-message-attributes.html).
RAW_SQS_ATTRIBUTES = 10
DEDUPLICATION_WINDOW = 300.0

# A Number attribute "can be between 10^-128 and 10^+126" (sns-message-attributes.html).
_LARGEST = 10**126
_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
_FIFO_NAME = re.compile(r"[A-Za-z0-9_-]{1,251}\.fifo")


def _failure(error: PublishRejected) -> PublishFailure:
    return PublishFailure(code=error.code, message=str(error))


SNS = common.Service(
    resource="topic",
    rejected=PublishRejected,
    batch_rejected=PublishBatchRejected,
    failure=_failure,
    missing_code=None,  # a missing FIFO id is PublishRejected's own InvalidParameter
    max_entries=BATCH_ENTRIES,
    max_entries_text=f"SNS's limit of {BATCH_ENTRIES}",
    # PublishBatch's limit is on all its messages together: the same 256 KiB as one message's
    max_payload=MAXIMUM_MESSAGE_SIZE,
    max_payload_text=f"SNS's limit of {MAXIMUM_MESSAGE_SIZE:,} bytes (256 KiB)",
)


class Outgoing:
    """A message being published, encoded and measured: `attributes` as SNS carries them
    (name → (DataType, value)) and `lambda_values` as the Lambda record shows them (Number and
    String.Array become String there, as SNS documents; Binary stays bytes)."""

    __slots__ = (
        "attributes",
        "deduplication_id",
        "group_id",
        "lambda_values",
        "size",
        "subject",
        "text",
    )

    def __init__(self, text: str, subject: str | None) -> None:
        self.text = text
        self.subject = subject
        self.attributes: dict[str, tuple[str, str]] = {}
        self.lambda_values: dict[str, str | bytes] = {}
        self.size = len(text.encode())
        self.group_id: str | None = None
        self.deduplication_id: str | None = None


def check_topic_name(name: Any, fifo: bool) -> None:
    """Raise `ConfigurationError` unless `name` is a valid topic name of its kind."""
    if isinstance(name, str) and (_FIFO_NAME if fifo else _NAME).fullmatch(name):
        return
    if fifo:
        rule = "end in '.fifo' and have 1 to 256 characters: letters, digits, '-' or '_'"
    elif str(name).endswith(".fifo"):
        rule = "not end in '.fifo' unless fifo=True"
    else:
        rule = "have 1 to 256 characters: letters, digits, '-' or '_'"
    raise ConfigurationError(f"topic {name!r}: the name must {rule}")


def check_subscription(
    topic: str,
    fifo: bool,
    *,
    deliver: Any,
    scope: Any,
    raw_message_delivery: Any,
    protocol: Any,
    endpoint: Any,
) -> None:
    """Raise `ConfigurationError` for a subscription SNS would refuse on this topic."""
    where = f"topic {topic!r}: subscription"
    protocols, scopes = list(get_args(SubscriptionProtocol)), list(get_args(FilterPolicyScope))
    if not callable(deliver):
        raise ConfigurationError(f"{where}: deliver={deliver!r} is not callable")
    if protocol not in protocols:
        raise ConfigurationError(f"{where}: protocol={protocol!r} is not one of {protocols}")
    if scope not in scopes:
        raise ConfigurationError(f"{where}: filter_policy_scope={scope!r} is not one of {scopes}")
    if not isinstance(raw_message_delivery, bool):
        raise ConfigurationError(
            f"{where}: raw_message_delivery={raw_message_delivery!r} is not a bool"
        )
    if raw_message_delivery and protocol == "lambda":
        raise ConfigurationError(
            f"{where}: raw_message_delivery is for SQS (and HTTP/S, Firehose) subscriptions; "
            "a function always receives SNS's event"
        )
    if fifo and protocol != "sqs":
        # https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html
        raise ConfigurationError(
            f"{where}: a FIFO topic delivers only to SQS queues, not to protocol "
            f"{protocol!r}; subscribe a queue and trigger the function from it"
        )
    if not isinstance(endpoint, str):
        raise ConfigurationError(f"{where}: endpoint={endpoint!r} is not an ARN string")
    service = endpoint.split(":")[2] if endpoint.count(":") >= 5 else None
    if endpoint and (not endpoint.startswith("arn:") or service != protocol):
        raise ConfigurationError(
            f"{where}: endpoint={endpoint!r} is not the ARN of a {protocol} resource "
            f"(arn:aws:{protocol}:REGION:ACCOUNT:...)"
        )
    if protocol == "sqs" and endpoint.endswith(".fifo") and not fifo:
        raise ConfigurationError(
            f"{where}: the FIFO queue {endpoint!r} cannot subscribe to a standard topic "
            "(SNS delivers to FIFO queues from FIFO topics only)"
        )


def encode(
    topic: str, message: Any, subject: Any, attributes: Mapping[str, Any] | None
) -> Outgoing:
    """Check and encode what a publish carries; raise `PublishRejected` for what SNS refuses."""
    outgoing = Outgoing(_text(topic, message), _subject(topic, subject))
    if attributes is not None and not isinstance(attributes, Mapping):
        raise PublishRejected(
            topic,
            f"attributes must be a mapping of names to values, not {type(attributes).__name__}",
            code="InvalidParameterValue",
        )
    for name, value in (attributes or {}).items():
        _add_attribute(topic, outgoing, name, value)
    if outgoing.size > MAXIMUM_MESSAGE_SIZE:
        raise PublishRejected(
            topic,
            f"the message is {outgoing.size:,} bytes (message and message attributes), over "
            f"SNS's limit of {MAXIMUM_MESSAGE_SIZE:,} bytes (256 KiB)",
        )
    return outgoing


def _text(topic: str, message: Any) -> str:
    if isinstance(message, str):
        text = message
    elif isinstance(message, (bytes, bytearray)):
        try:
            text = bytes(message).decode()
        except UnicodeDecodeError as error:
            raise PublishRejected(topic, f"message is not valid UTF-8: {error}") from None
    else:
        try:
            text = to_document(message).decode()
        except PayloadError as error:
            raise PublishRejected(
                topic,
                f"message of type {type(message).__name__} cannot be sent as JSON: {error}",
            ) from None
    if not text:
        raise PublishRejected(topic, "message is empty; SNS needs at least 1 character")
    _check_utf8(topic, "message", text)
    return text


def _check_utf8(topic: str, field: str, text: str) -> None:
    try:
        text.encode()
    except UnicodeEncodeError as error:
        raise PublishRejected(
            topic,
            f"{field} has the lone surrogate U+{ord(text[error.start]):04X} at position "
            f"{error.start}; SNS takes UTF-8 text",
        ) from None


def _subject(topic: str, subject: Any) -> str | None:
    if subject is None:
        return None
    if not isinstance(subject, str):
        raise PublishRejected(topic, f"subject={common.shown(subject)} is not text")
    if not 1 <= len(subject) <= SUBJECT_LENGTH:
        raise PublishRejected(
            topic,
            f"subject is {len(subject):,} characters; SNS takes 1 to {SUBJECT_LENGTH}",
        )
    for position, character in enumerate(subject):
        if unicodedata.category(character) in ("Cc", "Zl", "Zp"):
            raise PublishRejected(
                topic,
                f"subject has the line break or control character U+{ord(character):04X} at "
                f"position {position}, which SNS does not allow",
            )
    _check_utf8(topic, "subject", subject)
    return subject


def _add_attribute(topic: str, outgoing: Outgoing, name: Any, value: Any) -> None:
    """Encode one message attribute into `outgoing`, counting its size."""
    if not isinstance(name, str) or not common.ATTRIBUTE_NAME.fullmatch(name):
        raise PublishRejected(
            topic,
            f"attributes: the name {common.shown(name)} is not 1 to 256 letters, digits, '-', "
            "'_' or '.' (not first or last, never two in a row)",
            code="InvalidParameterValue",
        )
    if name.lower().startswith(("aws.", "amazon.")):
        raise PublishRejected(
            topic,
            f"attributes: the name {name!r} uses a prefix reserved for AWS ('AWS.', 'Amazon.')",
            code="InvalidParameterValue",
        )
    field = f"attributes[{name!r}]"
    lambda_value: str | bytes
    if isinstance(value, (bytes, bytearray)):
        kind, lambda_value = "Binary", bytes(value)
        text, size = base64.b64encode(lambda_value).decode(), len(lambda_value)
    elif isinstance(value, str):
        _check_utf8(topic, field, value)
        kind, text = "String", value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise PublishRejected(
                topic,
                f"{field}={common.shown(value)} is not a finite number",
                code="InvalidParameterValue",
            )
        if isinstance(value, int) and abs(value) > _LARGEST:
            raise PublishRejected(
                topic,
                f"{field}={common.shown(value)} is above 10^126, the largest number SNS takes",
                code="InvalidParameterValue",
            )
        kind, text = "Number", str(value)
    elif isinstance(value, (list, tuple)):
        kind, text = "String.Array", _string_array(topic, field, value)
    else:
        raise PublishRejected(
            topic,
            f"{field}={common.shown(value)} is a {type(value).__name__}; a message attribute "
            "is a str (String), an int or float (Number), bytes (Binary) or a list "
            "(String.Array)",
            code="InvalidParameterValue",
        )
    if kind != "Binary":
        lambda_value, size = text, len(text.encode())
    if size == 0:
        raise PublishRejected(
            topic,
            f"{field} is empty; a {kind} attribute needs a value",
            code="InvalidParameterValue",
        )
    outgoing.attributes[name] = (kind, text)
    outgoing.lambda_values[name] = lambda_value
    outgoing.size += len(name.encode()) + len(kind) + size


def _string_array(topic: str, field: str, values: list[Any] | tuple[Any, ...]) -> str:
    """A String.Array's JSON text: SNS takes strings, numbers, true, false and null in it."""
    for index, item in enumerate(values):
        if isinstance(item, float) and not math.isfinite(item):
            problem = "is not a finite number"
        elif isinstance(item, str):
            _check_utf8(topic, f"{field}[{index}]", item)
            continue
        elif item is None or isinstance(item, (int, float)):
            continue
        else:
            problem = f"is a {type(item).__name__}"
        raise PublishRejected(
            topic,
            f"{field}[{index}]={common.shown(item)} {problem}; a String.Array holds strings, "
            "numbers, True, False and None",
            code="InvalidParameterValue",
        )
    try:
        return to_document(list(values)).decode()
    except PayloadError as error:  # an int too long to write out
        raise PublishRejected(
            topic, f"{field} cannot be sent as JSON: {error}", code="InvalidParameterValue"
        ) from None
