"""Amazon SNS notifications, as a topic delivers them to a subscribed function."""

from __future__ import annotations

from typing import Any

import msgspec

from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = ["SNSEvent", "SNSMessage", "SNSMessageAttribute", "SNSRecord"]


class SNSMessageAttribute(AWSEvent, rename="pascal"):
    type: str | Unset = UNSET
    value: str | Unset = UNSET


class SNSMessage(AWSEvent, rename="pascal"):
    signature_version: str | Unset = UNSET
    timestamp: str | Unset = UNSET
    signature: str | Unset = UNSET
    signing_cert_url: str | Unset = msgspec.field(default=UNSET, name="SigningCertUrl")
    message_id: str | Unset = UNSET
    message: str | Unset = UNSET
    message_attributes: dict[str, SNSMessageAttribute] | Unset = UNSET
    type: str | Unset = UNSET
    unsubscribe_url: str | Unset = msgspec.field(default=UNSET, name="UnsubscribeUrl")
    topic_arn: str | Unset = UNSET
    subject: str | Unset | None = UNSET

    def json(self) -> Any:
        """The message decoded from JSON."""
        return msgspec.json.decode(self.message if isinstance(self.message, str) else "null")


class SNSRecord(AWSEvent, rename="pascal"):
    event_version: str | Unset = UNSET
    event_subscription_arn: str | Unset = UNSET
    event_source: str | Unset = UNSET
    sns: SNSMessage | Unset = UNSET


class SNSEvent(AWSEvent):
    """SNS notifications delivered to a function: one record per message."""

    records: list[SNSRecord] = msgspec.field(default_factory=list, name="Records")
