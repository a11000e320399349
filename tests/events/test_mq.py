"""Amazon MQ batches from ActiveMQ and RabbitMQ: message data and headers decode, and the builder
shapes batches of either broker as Lambda does."""

from __future__ import annotations

import msgspec

from faaslib.events._base import decode, dump
from faaslib.events.mq import (
    ActiveMQEvent,
    ActiveMQMessage,
    RabbitMQBasicProperties,
    RabbitMQEvent,
    build_mq,
)
from tests.events.corpus import load, needs_corpus
from tests.events.structure import assert_shaped_like


@needs_corpus
def test_activemq_null_properties_stay_null() -> None:
    raw = load("aws-lambda-go/activemq-event.json")
    raw["messages"][0]["properties"] = None
    event = decode(raw, ActiveMQEvent)
    assert event.messages[0].properties is None
    assert dump(event) == raw


@needs_corpus
def test_activemq_message_data_decodes_from_base64_and_json() -> None:
    event = decode(load("powertools/activeMQEvent.json"), ActiveMQEvent)
    assert event.messages[0].decoded_data() == b"ABC:AAAA"
    assert event.messages[1].json() == {"timeout": 0, "data": "CZrmf0Gw8Ov4bqLQxD4E"}
    assert ActiveMQMessage().decoded_data() == b""
    assert ActiveMQMessage().json() is None


@needs_corpus
def test_rabbitmq_messages_are_grouped_by_queue_and_decode() -> None:
    event = decode(load("powertools/rabbitMQEvent.json"), RabbitMQEvent)
    assert list(event.rmq_messages_by_queue) == ["pizzaQueue::/"]
    (message,) = event.all_messages()
    assert message.json() == {"timeout": 0, "data": "CZrmf0Gw8Ov4bqLQxD4E"}
    properties = message.basic_properties
    assert isinstance(properties, RabbitMQBasicProperties)
    assert properties.content_encoding is None
    assert properties.decoded_headers() == {
        "header1": b"value1",
        "header2": b"value2",
        "numberInHeader": 10,
    }


def test_rabbitmq_header_bytes_are_read_as_unsigned() -> None:
    properties = RabbitMQBasicProperties(headers={"h": {"bytes": [-61, -87]}})
    assert properties.decoded_headers() == {"h": "\u00e9".encode()}
    assert RabbitMQBasicProperties(headers=None).decoded_headers() == {}
    assert RabbitMQBasicProperties().decoded_headers() == {}


@needs_corpus
def test_a_rabbitmq_build_is_shaped_like_a_real_rabbitmq_sample() -> None:
    built = build_mq(broker="rabbitmq")
    assert isinstance(built, RabbitMQEvent)
    assert_shaped_like(built, "powertools/rabbitMQEvent.json")


def test_activemq_builder_arguments_land_where_lambda_puts_them() -> None:
    built = build_mq(
        ["order 1", b"\x00\x01"],
        broker_name="orders",
        queue="orders.in",
        properties={"tenant": "acme"},
        now=1_767_225_600,
        region="eu-central-1",
        account="210987654321",
    )
    assert isinstance(built, ActiveMQEvent)
    assert str(built.event_source_arn).startswith(
        "arn:aws:mq:eu-central-1:210987654321:broker:orders:b-"
    )
    first, second = built.messages
    assert (first.message_type, second.message_type) == ("jms/text-message", "jms/bytes-message")
    assert (first.decoded_data(), second.decoded_data()) == (b"order 1", b"\x00\x01")
    assert isinstance(first.destination, msgspec.Struct)
    assert first.destination.physical_name == "orders.in"
    assert first.properties == {"tenant": "acme"}
    assert isinstance(first.timestamp, int)
    assert first.timestamp <= 1_767_225_600_000
    assert first.broker_in_time == first.timestamp + 1
    assert first.broker_out_time == first.timestamp + 2
    assert first.message_id != second.message_id
    assert ".mq.eu-central-1.amazonaws.com-" in str(first.message_id)


def test_rabbitmq_builder_arguments_land_where_lambda_puts_them() -> None:
    built = build_mq(
        ['{"pizza": "margherita"}'],
        broker="rabbitmq",
        queue="pizzas",
        virtual_host="kitchen",
        headers={"retries": 2, "origin": "web"},
        now=1_767_270_600,  # 2026-01-01T12:30:00Z
    )
    assert isinstance(built, RabbitMQEvent)
    (message,) = built.rmq_messages_by_queue["pizzas::kitchen"]
    assert message.json() == {"pizza": "margherita"}
    properties = message.basic_properties
    assert isinstance(properties, RabbitMQBasicProperties)
    assert properties.body_size == len('{"pizza": "margherita"}')
    assert properties.timestamp == "Jan 1, 2026, 12:30:00 PM"
    assert properties.decoded_headers() == {"retries": 2, "origin": b"web"}
    assert dump(properties)["headers"]["origin"] == {"bytes": list(b"web")}
