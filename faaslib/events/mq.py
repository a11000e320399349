"""Amazon MQ: a batch of messages from an ActiveMQ or RabbitMQ broker, as an event source
mapping reads it from a queue and delivers it to a function.

ActiveMQ batches list JMS messages; RabbitMQ batches group AMQP messages by `queue::vhost`.
Message bodies travel base64-encoded in `data`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any, Literal

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset, _Base64Data

__all__ = [
    "ActiveMQDestination",
    "ActiveMQEvent",
    "ActiveMQMessage",
    "RabbitMQBasicProperties",
    "RabbitMQEvent",
    "RabbitMQMessage",
    "build_mq",
    "detect",
]


# ActiveMQ


class ActiveMQDestination(AWSEvent, rename="camel"):
    """The queue the message was read from."""

    physical_name: str | Unset = UNSET


class ActiveMQMessage(AWSEvent, _Base64Data, rename="camel"):
    """One JMS message: its JMS headers, properties and base64 body."""

    data: str | Unset = UNSET
    message_id: str | Unset = msgspec.field(default=UNSET, name="messageID")
    message_type: str | Unset = UNSET
    timestamp: int | Unset = UNSET
    delivery_mode: int | Unset = UNSET
    correlation_id: str | Unset = msgspec.field(default=UNSET, name="correlationID")
    reply_to: str | Unset = UNSET
    destination: ActiveMQDestination | Unset = UNSET
    redelivered: bool | Unset = UNSET
    persistent: bool | Unset = UNSET
    type: str | Unset = UNSET
    expiration: int | Unset = UNSET
    priority: int | Unset = UNSET
    connection_id: str | Unset = UNSET
    broker_in_time: int | Unset = UNSET
    broker_out_time: int | Unset = UNSET
    properties: dict[str, str] | Unset | None = UNSET


class ActiveMQEvent(AWSEvent, rename="camel"):
    """A batch of messages from an Amazon MQ for ActiveMQ queue."""

    event_source: str | Unset = UNSET
    event_source_arn: str | Unset = UNSET
    messages: list[ActiveMQMessage] = msgspec.field(default_factory=list)


# RabbitMQ


class RabbitMQBasicProperties(AWSEvent, rename="camel"):
    """The AMQP basic properties of a message; a property the publisher left out is null."""

    content_type: str | Unset | None = UNSET
    content_encoding: str | Unset | None = UNSET
    headers: dict[str, Any] | Unset | None = UNSET
    delivery_mode: int | Unset | None = UNSET
    priority: int | Unset | None = UNSET
    correlation_id: str | Unset | None = UNSET
    reply_to: str | Unset | None = UNSET
    expiration: str | Unset | None = UNSET
    message_id: str | Unset | None = UNSET
    timestamp: str | Unset | None = UNSET
    type: str | Unset | None = UNSET
    user_id: str | Unset | None = UNSET
    app_id: str | Unset | None = UNSET
    cluster_id: str | Unset | None = UNSET
    body_size: int | Unset = UNSET

    def decoded_headers(self) -> dict[str, Any]:
        """The headers with text values as bytes: Lambda sends a long string as
        `{"bytes": [...]}` (Java's signed bytes, read here as unsigned); numbers and other
        values stay as they are."""
        if not isinstance(self.headers, dict):
            return {}
        decoded: dict[str, Any] = {}
        for name, value in self.headers.items():
            if isinstance(value, Mapping) and isinstance(value.get("bytes"), list):
                decoded[name] = bytes(byte & 0xFF for byte in value["bytes"])
            else:
                decoded[name] = value
        return decoded


class RabbitMQMessage(AWSEvent, _Base64Data, rename="camel"):
    """One AMQP message: basic properties, redelivery flag and base64 body."""

    data: str | Unset = UNSET
    basic_properties: RabbitMQBasicProperties | Unset = UNSET
    redelivered: bool | Unset = UNSET


class RabbitMQEvent(AWSEvent, rename="camel"):
    """A batch of messages from an Amazon MQ for RabbitMQ broker, keyed `queue::vhost`."""

    event_source: str | Unset = UNSET
    event_source_arn: str | Unset = UNSET
    rmq_messages_by_queue: dict[str, list[RabbitMQMessage]] = msgspec.field(default_factory=dict)

    def all_messages(self) -> Iterator[RabbitMQMessage]:
        """Every message of the batch, queue after queue."""
        for messages in self.rmq_messages_by_queue.values():
            yield from messages


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`ActiveMQEvent` for `eventSource` `aws:amq` (or `aws:mq`, as some samples have it) with
    a `messages` list, `RabbitMQEvent` for `aws:rmq` with `rmqMessagesByQueue`, else None."""
    if not isinstance(data, Mapping):
        return None
    source = data.get("eventSource")
    if source in ("aws:amq", "aws:mq") and isinstance(data.get("messages"), list):
        return ActiveMQEvent
    if source == "aws:rmq" and isinstance(data.get("rmqMessagesByQueue"), Mapping):
        return RabbitMQEvent
    return None


# Builders

_HEADERS: Mapping[str, str | bytes | int] = MappingProxyType({"publisher": "faaslib"})


def build_mq(
    messages: bytes | str | Sequence[bytes | str] = ("Hello from Amazon MQ!",),
    *,
    broker: Literal["activemq", "rabbitmq"] = "activemq",
    broker_name: str = "my-broker",
    queue: str = "my-queue",
    virtual_host: str = "/",
    properties: Mapping[str, str] | None = None,
    headers: Mapping[str, str | bytes | int] = _HEADERS,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> ActiveMQEvent | RabbitMQEvent:
    """A batch from `queue` of an Amazon MQ broker, one message per body (bytes, or text as
    UTF-8; a single body is a batch of one), read at `now`. ActiveMQ messages carry JMS
    headers and `properties`; RabbitMQ ones AMQP basic properties with `headers` (text and
    bytes as Lambda sends them, byte arrays; by default one `publisher` header).

    ```pycon
    >>> build_mq([b"hi"], broker="rabbitmq").rmq_messages_by_queue["my-queue::/"][0].data
    'aGk='
    ```
    """
    bodies = [messages] if isinstance(messages, (bytes, str)) else list(messages)
    broker_id = f"b-{_fake.request_id()}"
    arn = _fake.arn("mq", f"broker:{broker_name}:{broker_id}", region=region, account=account)
    if broker == "rabbitmq":
        return RabbitMQEvent(
            event_source="aws:rmq",
            event_source_arn=arn,
            rmq_messages_by_queue={
                f"{queue}::{virtual_host}": [
                    _rabbitmq_message(body, headers, now) for body in bodies
                ]
            },
        )
    sent = _fake.epoch_ms(now) - 2
    connection = f"ID:{broker_id}-1.mq.{region}.amazonaws.com-{secrets.randbelow(28232) + 32768}"
    return ActiveMQEvent(
        event_source="aws:amq",
        event_source_arn=arn,
        messages=[
            ActiveMQMessage(
                message_id=f"{connection}-{sent - 3_600_000}-4:1:1:1:{number}",
                message_type="jms/text-message" if isinstance(body, str) else "jms/bytes-message",
                timestamp=sent,
                delivery_mode=2,  # JMS DeliveryMode.PERSISTENT, the producer default
                correlation_id="",
                reply_to="null",  # an absent JMSReplyTo, as Lambda writes it
                destination=ActiveMQDestination(physical_name=queue),
                redelivered=False,
                type="",
                expiration=0,
                priority=4,  # JMS's default priority
                data=_fake.b64(body),
                broker_in_time=sent + 1,
                broker_out_time=sent + 2,
                properties=dict(properties or {}),
            )
            for number, body in enumerate(bodies, start=1)
        ],
    )


def _rabbitmq_message(
    body: bytes | str, headers: Mapping[str, str | bytes | int], now: float | None
) -> RabbitMQMessage:
    payload = body.encode() if isinstance(body, str) else body
    return RabbitMQMessage(
        basic_properties=RabbitMQBasicProperties(
            content_type="text/plain" if isinstance(body, str) else "application/octet-stream",
            content_encoding=None,
            headers={name: _amqp_header(value) for name, value in headers.items()},
            delivery_mode=2,  # persistent
            priority=0,
            correlation_id=None,
            reply_to=None,
            expiration=None,
            message_id=None,
            timestamp=_java_date(now),
            type=None,
            user_id=None,
            app_id=None,
            cluster_id=None,
            body_size=len(payload),
        ),
        redelivered=False,
        data=_fake.b64(payload),
    )


def _amqp_header(value: str | bytes | int) -> Any:
    """A header value as Lambda serialises it: a long string (text or bytes) as its bytes."""
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return {"bytes": list(value)}
    return value


def _java_date(now: float | None) -> str:
    """`Jan 1, 1970, 12:33:41 AM`: the AMQP timestamp as Lambda formats it (Java, US, UTC)."""
    moment = datetime.fromtimestamp(_fake.seconds(now), tz=timezone.utc)
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"{moment:%b} {moment.day}, {moment.year}, {hour}:{moment:%M:%S} {half}"


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"mq": (ActiveMQEvent, RabbitMQEvent)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"mq": build_mq}
