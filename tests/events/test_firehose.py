"""Firehose transformation batches and Kinesis Data Analytics output deliveries: real samples
round-trip, are detected, and the builder makes events shaped like them."""

from __future__ import annotations

import base64
import json
from typing import Any

import msgspec
import pytest

from faaslib.events._base import decode, dump
from faaslib.events.firehose import (
    BUILDERS,
    FAMILIES,
    KinesisAnalyticsOutputDeliveryEvent,
    KinesisFirehoseEvent,
    KinesisFirehoseRecord,
    KinesisFirehoseRecordMetadata,
    build_kinesis_firehose,
    detect,
)
from tests.events.corpus import CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

SAMPLES: dict[str, type[msgspec.Struct]] = {
    "aws-lambda-go/kinesis-analytics-output-delivery-event.json": (
        KinesisAnalyticsOutputDeliveryEvent
    ),
    "aws-lambda-go/kinesis-firehose-event.json": KinesisFirehoseEvent,
    "powertools/kinesisFirehoseKinesisEvent.json": KinesisFirehoseEvent,
    "powertools/kinesisFirehosePutEvent.json": KinesisFirehoseEvent,
    "powertools/kinesisFirehoseSQSEvent.json": KinesisFirehoseEvent,
}
OTHERS = [
    "powertools/sqsEvent.json",
    "powertools/apiGatewayProxyV2Event.json",
    "powertools/eventBridgeEvent.json",
    "powertools/kinesisStreamEvent.json",
    "aws-lambda-go/kinesis-firehose-response.json",  # what the function answers
]


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def family_paths(family: str) -> set[str]:
    rows = [line.split("\t") for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]]
    return {row[0] for row in rows if row[4] == family}


def samples() -> list[msgspec.Struct]:
    return [decode(load(path), struct) for path, struct in SAMPLES.items()]


def test_the_table_names_every_sample_of_the_family() -> None:
    assert family_paths("kinesis-firehose") == set(SAMPLES)
    assert FAMILIES["kinesis-firehose"] == (
        KinesisFirehoseEvent,
        KinesisAnalyticsOutputDeliveryEvent,
    )


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
        {"deliveryStreamArn": "arn", "records": {}},
        # a Kinesis Data Analytics input-preprocessing batch names its source stream
        {"applicationArn": "arn", "streamArn": "arn", "records": []},
    ],
)
def test_detect_returns_none_for_odd_input(value: Any) -> None:
    assert detect(value) is None


def test_record_data_decodes_from_base64_and_json() -> None:
    event = decode(load("powertools/kinesisFirehosePutEvent.json"), KinesisFirehoseEvent)
    assert event.records[0].decoded_data() == b"Hello World"
    assert event.records[1].json() == {"Hello": "World"}
    assert KinesisFirehoseRecord().decoded_data() == b""
    assert KinesisFirehoseRecord().json() is None


def test_an_sqs_message_delivered_through_firehose_decodes() -> None:
    event = decode(load("powertools/kinesisFirehoseSQSEvent.json"), KinesisFirehoseEvent)
    message = event.records[0].json()
    assert message["eventSource"] == "aws:sqs"
    assert message["body"] == "Test message."


def test_kinesis_analytics_output_data_decodes() -> None:
    event = decode(
        load("aws-lambda-go/kinesis-analytics-output-delivery-event.json"),
        KinesisAnalyticsOutputDeliveryEvent,
    )
    assert event.records[0].decoded_data() == b"This is a test from Kinesis Analytics"


def test_the_default_build_is_shaped_like_a_direct_put_sample() -> None:
    built = build_kinesis_firehose()
    assert BUILDERS["kinesis-firehose"] is build_kinesis_firehose
    again = msgspec.json.decode(msgspec.json.encode(built), type=KinesisFirehoseEvent)
    assert dump(again) == dump(built)
    assert built.source_kinesis_stream_arn is msgspec.UNSET
    assert matching_sample(built, samples())


def test_a_kinesis_sourced_build_is_shaped_like_a_kinesis_sample() -> None:
    built = build_kinesis_firehose([b"a", "b"], source_stream="clicks")
    assert matching_sample(built, samples())
    assert built.source_kinesis_stream_arn == "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"


def test_builder_arguments_land_where_firehose_puts_them() -> None:
    built = build_kinesis_firehose(
        [b"\x00\xff", "caf\u00e9", '{"n": 1}'],
        delivery_stream="to-s3",
        source_stream="clicks",
        partition_key="user-7",
        now=1_767_225_600.25,
        region="ap-southeast-2",
        account="210987654321",
    )
    assert built.region == "ap-southeast-2"
    assert built.delivery_stream_arn == (
        "arn:aws:firehose:ap-southeast-2:210987654321:deliverystream/to-s3"
    )
    assert [record.decoded_data() for record in built.records] == [
        b"\x00\xff",
        "caf\u00e9".encode(),
        b'{"n": 1}',
    ]
    assert built.records[2].json() == {"n": 1}
    assert built.records[0].data == base64.b64encode(b"\x00\xff").decode()
    assert {record.approximate_arrival_timestamp for record in built.records} == {1_767_225_600_250}
    assert len({record.record_id for record in built.records}) == 3
    metadata = [
        record.kinesis_record_metadata
        for record in built.records
        if isinstance(record.kinesis_record_metadata, KinesisFirehoseRecordMetadata)
    ]
    assert len(metadata) == 3
    assert {item.partition_key for item in metadata} == {"user-7"}
    sequences = [int(str(item.sequence_number)) for item in metadata]
    assert sequences == sorted(sequences)
    assert all(len(str(number)) == 56 for number in sequences)


def test_a_single_payload_is_one_record() -> None:
    assert [record.decoded_data() for record in build_kinesis_firehose(b"x").records] == [b"x"]
