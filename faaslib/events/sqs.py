"""Amazon SQS: a batch of messages, as a queue trigger (an event source mapping) delivers it."""

from __future__ import annotations

from typing import Any

import msgspec

from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = ["SQSEvent", "SQSMessageAttribute", "SQSRecord"]


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
    records: list[SQSRecord] = msgspec.field(default_factory=list, name="Records")
