"""What a topic hands out: its errors, the results of a publish, its subscriptions and the
notification each subscription receives, in the shapes SNS gives them to Lambda and to SQS."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import msgspec

from faaslib.events.sns import SNSEvent, SNSRecord
from faaslib.events.sqs import SQSMessageAttribute

__all__ = [
    "Notification",
    "PublishBatchEntry",
    "PublishBatchRejected",
    "PublishBatchResult",
    "PublishFailure",
    "PublishRejected",
    "PublishResult",
    "Subscription",
    "TopicCounters",
    "TopicError",
    "UndeliveredNotification",
]

SubscriptionProtocol = Literal["lambda", "sqs"]
FilterPolicyScope = Literal["MessageAttributes", "MessageBody"]


class TopicError(ValueError):
    """A request the topic refuses, as SNS would. `code` is SNS's error code
    (`InvalidParameter`, `InvalidParameterValue`, `NotFound`, ...) so code that handles boto3's
    errors maps over; the message names the topic, the field, the value and the limit."""

    code: str = "InvalidParameter"

    def __init__(self, topic_name: str, message: str, *, code: str | None = None) -> None:
        super().__init__(f"topic {topic_name!r}: {message}")
        self.topic_name = topic_name
        if code is not None:
            self.code = code


class PublishRejected(TopicError):
    """A message SNS would not accept: empty, too large, a bad subject or attribute, a FIFO
    message without its group or deduplication id. In a batch, only its entry fails."""


class PublishBatchRejected(TopicError):
    """A batch refused as a whole: empty, over 10 entries, ids repeated or malformed, or over
    256 KiB in all. No entry of it was published."""


class PublishResult(msgspec.Struct, frozen=True, kw_only=True):
    """What SNS answers to a publish. A FIFO message deduplicated within the 5-minute window
    gets the id and sequence number of the message it repeats."""

    message_id: str
    sequence_number: str | None = None


class PublishBatchEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One message of `Topic.publish_batch`, with the arguments of `Topic.publish`; `id`
    (letters, digits, `-` and `_`, at most 80) names it in the result."""

    id: str
    message: Any
    subject: str | None = None
    attributes: Mapping[str, Any] | None = None
    group_id: str | None = None
    deduplication_id: str | None = None


class PublishFailure(msgspec.Struct, frozen=True, kw_only=True):
    """Why one entry of a batch failed: SNS's error code and the message `publish` would
    raise."""

    code: str
    message: str
    sender_fault: bool = True


class PublishBatchResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of `publish_batch`, by entry id."""

    successful: dict[str, PublishResult]
    failed: dict[str, PublishFailure]


class TopicCounters(msgspec.Struct, kw_only=True):
    """What went through the topic, under CloudWatch's SNS metric names in comments.

    Every message `published` reaches each subscription the topic had then exactly once, as
    one of `delivered`, `filtered_out` or `failed` (the failed ones stay in
    `Topic.undelivered`). `deduplicated` counts FIFO publishes accepted without delivery.
    """

    published: int = 0  # NumberOfMessagesPublished
    delivered: int = 0  # NumberOfNotificationsDelivered
    filtered_out: int = 0  # NumberOfNotificationsFilteredOut
    failed: int = 0  # NumberOfNotificationsFailed
    deduplicated: int = 0


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    """One published message as SNS hands it to one subscription.

    `lambda_event()` is the whole event a subscribed function receives; `sqs_body()` and
    `sqs_attributes()` are what SNS puts in a subscribed queue. `attributes` maps each message
    attribute's name to (DataType, value) as SNS carries them: String, Number, String.Array
    (JSON array text) or Binary (base64). `group_id` and `deduplication_id` are set when SNS
    passes them on to the subscribed queue (a FIFO queue; a standard one gets only the group
    id, of a standard topic, for SQS fair queues).
    """

    message_id: str
    topic_arn: str
    subscription_arn: str
    protocol: SubscriptionProtocol
    message: str
    subject: str | None
    timestamp: str
    attributes: dict[str, tuple[str, str]]
    raw_message_delivery: bool
    signature: str
    signing_cert_url: str
    unsubscribe_url: str
    sequence_number: str | None = None
    group_id: str | None = None
    deduplication_id: str | None = None
    lambda_record: SNSRecord
    """The record of `lambda_event()`, built once so that every call gives the same event."""

    def json(self) -> Any:
        """The message decoded from JSON."""
        return msgspec.json.decode(self.message)

    def lambda_event(self) -> SNSEvent:
        """The event Lambda receives from SNS: `{"Records": [one record]}`, a fresh copy."""
        record = msgspec.json.decode(msgspec.json.encode(self.lambda_record), type=SNSRecord)
        return SNSEvent(records=[record])

    def sqs_body(self) -> str:
        """The body of the message SNS sends a subscribed queue: the message itself with raw
        message delivery, else SNS's JSON envelope, formatted as SNS formats it.

        The envelope spells `SigningCertURL` and `UnsubscribeURL` where the Lambda record
        spells `...Url`; a FIFO topic adds `SequenceNumber` and does not sign its messages
        (no `SignatureVersion`, `Signature` or `SigningCertURL`). `Subject` and
        `MessageAttributes` are there only when the message has them.
        """
        if self.raw_message_delivery:
            return self.message
        fields: list[tuple[str, str]] = [
            ("Type", "Notification"),
            ("MessageId", self.message_id),
        ]
        if self.sequence_number is not None:
            fields.append(("SequenceNumber", self.sequence_number))
        fields.append(("TopicArn", self.topic_arn))
        if self.subject is not None:
            fields.append(("Subject", self.subject))
        fields += [("Message", self.message), ("Timestamp", self.timestamp)]
        if self.sequence_number is None:
            fields += [
                ("SignatureVersion", "1"),
                ("Signature", self.signature),
                ("SigningCertURL", self.signing_cert_url),
            ]
        fields.append(("UnsubscribeURL", self.unsubscribe_url))
        lines = [f"  {_json(name)} : {_json(value)}" for name, value in fields]
        if self.attributes:
            entries = ",\n".join(
                f"    {_json(name)} : {_json({'Type': kind, 'Value': value})}"
                for name, (kind, value) in self.attributes.items()
            )
            lines.append(f'  "MessageAttributes" : {{\n{entries}\n  }}')
        return "{\n" + ",\n".join(lines) + "\n}"

    def sqs_attributes(self) -> dict[str, SQSMessageAttribute]:
        """The message attributes of the message SNS sends a subscribed queue: the published
        ones with raw message delivery (String.Array keeps its type, a custom SQS String type),
        else none, as the envelope carries them."""
        if not self.raw_message_delivery:
            return {}
        attributes: dict[str, SQSMessageAttribute] = {}
        for name, (kind, value) in self.attributes.items():
            attribute = (
                SQSMessageAttribute(binary_value=value, data_type=kind)
                if kind == "Binary"
                else SQSMessageAttribute(string_value=value, data_type=kind)
            )
            attribute.string_list_values = []
            attribute.binary_list_values = []
            attributes[name] = attribute
        return attributes


class Subscription(msgspec.Struct, frozen=True, kw_only=True):
    """A subscription of a topic: who receives (`deliver`, called with each `Notification`),
    how (`protocol`, `raw_message_delivery`) and which messages (`filter_policy`, as given,
    applied to the message attributes or to the message body as `filter_policy_scope` says)."""

    arn: str
    topic_arn: str
    protocol: SubscriptionProtocol
    endpoint: str
    deliver: Callable[[Notification], Awaitable[None] | None]
    filter_policy: Mapping[str, Any] | str | None = None
    filter_policy_scope: FilterPolicyScope = "MessageAttributes"
    raw_message_delivery: bool = False


class UndeliveredNotification(msgspec.Struct, frozen=True, kw_only=True):
    """A notification whose delivery failed, kept so that nothing is lost: the subscriber
    raised (`error_type` is the exception's type), or SNS would have discarded it (`error_type`
    is `ClientError`: a raw delivery to SQS with over 10 message attributes)."""

    notification: Notification
    error_type: str
    error_message: str
    failed_at: float  # Unix seconds, on the topic's clock


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()
