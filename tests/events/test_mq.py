"""Amazon MQ batches from ActiveMQ and RabbitMQ: real samples round-trip, are detected, and the
builder makes events shaped like them."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from faaslib.events._base import decode, dump
from faaslib.events.mq import (
    BUILDERS,
    FAMILIES,
    ActiveMQEvent,
    ActiveMQMessage,
    RabbitMQBasicProperties,
    RabbitMQEvent,
    build_mq,
    detect,
)
from tests.events.corpus import CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

SAMPLES: dict[str, type[msgspec.Struct]] = {
    "aws-lambda-go/activemq-event.json": ActiveMQEvent,
    "aws-lambda-go/rabbitmq-event.json": RabbitMQEvent,
    "powertools/activeMQEvent.json": ActiveMQEvent,
    "powertools/rabbitMQEvent.json": RabbitMQEvent,
}
OTHERS = [
    "powertools/sqsEvent.json",
    "powertools/apiGatewayProxyV2Event.json",
    "powertools/eventBridgeEvent.json",
    "powertools/kafkaEventMsk.json",
]


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def family_paths(family: str) -> set[str]:
    rows = [line.split("\t") for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]]
    return {row[0] for row in rows if row[4] == family}


def samples() -> list[msgspec.Struct]:
    return [decode(load(path), struct) for path, struct in SAMPLES.items()]


def test_the_table_names_every_sample_of_the_family() -> None:
    assert family_paths("mq") == set(SAMPLES)
    assert FAMILIES["mq"] == (ActiveMQEvent, RabbitMQEvent)


@pytest.mark.parametrize(("path", "struct"), SAMPLES.items(), ids=list(SAMPLES))
def test_a_sample_round_trips_through_its_struct(path: str, struct: type[msgspec.Struct]) -> None:
    raw = load(path)
    assert msgspec.to_builtins(decode(raw, struct)) == raw


@pytest.mark.parametrize(("path", "struct"), SAMPLES.items(), ids=list(SAMPLES))
def test_detect_recognises_a_sample(path: str, struct: type[msgspec.Struct]) -> None:
    assert detect(load(path)) is struct


@pytest.mark.parametrize("path", OTHERS)
def test_detect_leaves_other_families_alone(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "value",
    [
        [],
        "x",
        {"Records": 5},
        {},
        None,
        {"eventSource": "aws:amq", "messages": {}},
        {"eventSource": "aws:rmq", "rmqMessagesByQueue": []},
        {"eventSource": ["aws:amq"], "messages": []},
    ],
)
def test_detect_returns_none_for_odd_input(value: Any) -> None:
    assert detect(value) is None


def test_activemq_null_properties_stay_null() -> None:
    raw = load("aws-lambda-go/activemq-event.json")
    raw["messages"][0]["properties"] = None
    event = decode(raw, ActiveMQEvent)
    assert event.messages[0].properties is None
    assert dump(event) == raw


def test_activemq_message_data_decodes_from_base64_and_json() -> None:
    event = decode(load("powertools/activeMQEvent.json"), ActiveMQEvent)
    assert event.messages[0].decoded_data() == b"ABC:AAAA"
    assert event.messages[1].json() == {"timeout": 0, "data": "CZrmf0Gw8Ov4bqLQxD4E"}
    assert ActiveMQMessage().decoded_data() == b""
    assert ActiveMQMessage().json() is None


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


def test_the_default_build_is_shaped_like_a_real_activemq_sample() -> None:
    built = build_mq()
    assert BUILDERS["mq"] is build_mq
    assert isinstance(built, ActiveMQEvent)
    again = msgspec.json.decode(msgspec.json.encode(built), type=ActiveMQEvent)
    assert dump(again) == dump(built)
    assert detect(dump(built)) is ActiveMQEvent
    assert matching_sample(built, samples())


def test_a_rabbitmq_build_is_shaped_like_a_real_rabbitmq_sample() -> None:
    built = build_mq(broker="rabbitmq")
    assert isinstance(built, RabbitMQEvent)
    again = msgspec.json.decode(msgspec.json.encode(built), type=RabbitMQEvent)
    assert dump(again) == dump(built)
    assert detect(dump(built)) is RabbitMQEvent
    assert matching_sample(built, samples())


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
