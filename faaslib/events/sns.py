"""Amazon SNS notifications, as a topic delivers them to a subscribed function."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset
from faaslib.payloads import to_document

__all__ = ["SNSEvent", "SNSMessage", "SNSMessageAttribute", "SNSRecord", "build_sns"]


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


# Builders


def build_sns(
    message: Any = "Hello from SNS!",
    *,
    topic: str = "my-topic",
    subject: str | None = None,
    message_attributes: Mapping[str, str | bytes | int | float | list[Any]] | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
    message_id: str | None = None,
    subscription_arn: str | None = None,
) -> SNSEvent:
    """The record SNS delivers to a subscribed function for one published message (text, or any
    other value as JSON). Attribute types follow SNS: str is String, a number Number, bytes
    Binary (base64), a list String.Array (JSON).

    `message_id` and `subscription_arn` (`TOPICARN:UUID`) are fresh unless given, so that a
    topic delivering one message to several subscriptions stamps each record with the message's
    one id and the subscription's own ARN.

    ```pycon
    >>> build_sns({"id": 7}, topic="orders").records[0].sns.json()
    {'id': 7}
    ```
    """
    topic_arn = _fake.arn("sns", topic, region=region, account=account)
    if subscription_arn is None:
        subscription_arn = f"{topic_arn}:{_fake.request_id()}"
    endpoint = f"https://sns.{region}.amazonaws.com"
    text = message if isinstance(message, str) else to_document(message).decode()
    notification = SNSMessage(
        signature_version="1",
        timestamp=_fake.iso_time(now),
        signature=_fake.b64(secrets.token_bytes(256)),
        signing_cert_url=f"{endpoint}/SimpleNotificationService-{_fake.hex_id(32)}.pem",
        message_id=_fake.request_id() if message_id is None else message_id,
        message=text,
        message_attributes={
            name: _attribute(value) for name, value in (message_attributes or {}).items()
        },
        type="Notification",
        unsubscribe_url=f"{endpoint}/?Action=Unsubscribe&SubscriptionArn={subscription_arn}",
        topic_arn=topic_arn,
        subject=subject,
    )
    record = SNSRecord(
        event_version="1.0",
        event_subscription_arn=subscription_arn,
        event_source="aws:sns",
        sns=notification,
    )
    return SNSEvent(records=[record])


def _attribute(value: str | bytes | int | float | list[Any]) -> SNSMessageAttribute:
    if isinstance(value, str):
        return SNSMessageAttribute(type="String", value=value)
    if isinstance(value, (bytes, bytearray)):
        return SNSMessageAttribute(type="Binary", value=_fake.b64(bytes(value)))
    if isinstance(value, list):
        return SNSMessageAttribute(type="String.Array", value=msgspec.json.encode(value).decode())
    return SNSMessageAttribute(type="Number", value=str(value))


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"sns": (SNSEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"sns": build_sns}
