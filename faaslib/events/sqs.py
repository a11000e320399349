"""Amazon SQS: a batch of messages, as a queue trigger (an event source mapping) delivers it."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset
from faaslib.payloads import to_document

__all__ = ["SQSEvent", "SQSMessageAttribute", "SQSRecord", "build_sqs", "receipt_handle"]


class SQSMessageAttribute(AWSEvent, rename="camel"):
    data_type: str | Unset = UNSET
    string_value: str | Unset | None = UNSET
    binary_value: str | Unset | None = UNSET
    string_list_values: list[str] | Unset = UNSET
    binary_list_values: list[str] | Unset = UNSET


class SQSRecord(AWSEvent, rename="camel"):
    message_id: str | Unset = UNSET
    receipt_handle: str | Unset = UNSET
    body: str | Unset = UNSET
    attributes: dict[str, str] | Unset = UNSET
    message_attributes: dict[str, SQSMessageAttribute] | Unset = UNSET
    md5_of_body: str | Unset = UNSET
    md5_of_message_attributes: str | Unset | None = UNSET
    event_source: str | Unset = UNSET
    event_source_arn: str | Unset = msgspec.field(default=UNSET, name="eventSourceARN")
    aws_region: str | Unset = UNSET

    def json(self) -> Any:
        """The body decoded from JSON (most producers send JSON)."""
        return msgspec.json.decode(self.body if isinstance(self.body, str) else "null")


class SQSEvent(AWSEvent):
    """A batch of messages from one queue, as an event source mapping delivers it (`Records`)."""

    records: list[SQSRecord] = msgspec.field(default_factory=list, name="Records")


# Builders


def build_sqs(
    *bodies: Any,
    queue: str = "my-queue",
    message_attributes: Mapping[str, str | bytes | int | float] | None = None,
    receive_count: int = 1,
    message_group_id: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> SQSEvent:
    """A batch as an SQS trigger delivers it, one record per body (text, bytes as UTF-8, or any
    other value as JSON), with ids, receipt handles, timestamps and both MD5 checksums as SQS
    computes them. A queue whose name ends in `.fifo` adds the FIFO attributes.

    ```pycon
    >>> build_sqs({"order": 1}, queue="orders").records[0].json()
    {'order': 1}
    ```
    """
    sent = str(_fake.epoch_ms(now))
    arn = _fake.arn("sqs", queue, region=region, account=account)
    attributes = _message_attributes(message_attributes or {})
    digest = _attributes_md5(attributes) if attributes else UNSET
    records = []
    for number, body in enumerate(bodies or ("Hello from SQS!",)):
        text = _body_text(body)
        record_attributes = {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": sent,
            "SenderId": _SENDER_ID,
            "ApproximateFirstReceiveTimestamp": sent,
        }
        if queue.endswith(".fifo"):
            record_attributes["SequenceNumber"] = str(18849496460467696128 + number)
            record_attributes["MessageGroupId"] = message_group_id or "default"
            # content-based deduplication: the SHA-256 of the body
            record_attributes["MessageDeduplicationId"] = hashlib.sha256(text.encode()).hexdigest()
        records.append(
            SQSRecord(
                message_id=_fake.request_id(),
                receipt_handle=receipt_handle(),
                body=text,
                attributes=record_attributes,
                message_attributes=attributes,
                md5_of_body=_fake.md5_hex(text),
                md5_of_message_attributes=digest,
                event_source="aws:sqs",
                event_source_arn=arn,
                aws_region=region,
            )
        )
    return SQSEvent(records=records)


_SENDER_ID = "AIDAIENQZJOLO23YVJ4VO"  # an IAM user id, as SQS records the sender


def receipt_handle() -> str:
    """A fresh receipt handle: opaque base64 text, different on every receive, as SQS's are."""
    return "AQEB" + base64.b64encode(secrets.token_bytes(96)).decode()


def _body_text(body: Any) -> str:
    """A body as SQS carries it: text as is, bytes as UTF-8 (`UnicodeDecodeError`), any other
    value as JSON by faaslib's rule (`faaslib.payloads.PayloadError`)."""
    if isinstance(body, str):
        return body
    if isinstance(body, (bytes, bytearray)):
        return bytes(body).decode()
    return to_document(body).decode()


def _message_attributes(
    values: Mapping[str, str | bytes | int | float],
) -> dict[str, SQSMessageAttribute]:
    attributes = {}
    for name, value in values.items():
        if isinstance(value, (bytes, bytearray)):
            attribute = SQSMessageAttribute(
                binary_value=_fake.b64(bytes(value)), data_type="Binary"
            )
        else:
            data_type = "String" if isinstance(value, str) else "Number"
            attribute = SQSMessageAttribute(string_value=str(value), data_type=data_type)
        attribute.string_list_values = []
        attribute.binary_list_values = []
        attributes[name] = attribute
    return attributes


def _attributes_md5(attributes: Mapping[str, SQSMessageAttribute]) -> str:
    """`md5OfMessageAttributes` by SQS's algorithm: per attribute, in name order, the
    length-prefixed name, data type and value, with transport type 1 (string) or 2 (binary)."""

    def prefixed(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data

    encoded = b""
    for name in sorted(attributes):
        attribute = attributes[name]
        encoded += prefixed(name.encode()) + prefixed(str(attribute.data_type).encode())
        if isinstance(attribute.binary_value, str):
            encoded += b"\x02" + prefixed(base64.b64decode(attribute.binary_value))
        else:
            encoded += b"\x01" + prefixed(str(attribute.string_value).encode())
    return _fake.md5_hex(encoded)


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"sqs": (SQSEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"sqs": build_sqs}
