"""Firehose transformation batches and Kinesis Data Analytics output deliveries: record data
decodes, and the builder shapes batches, from a direct put or a Kinesis stream, as Firehose
does."""

from __future__ import annotations

import base64

import msgspec

from faaslib.events._base import decode
from faaslib.events.firehose import (
    KinesisAnalyticsOutputDeliveryEvent,
    KinesisFirehoseEvent,
    KinesisFirehoseRecord,
    KinesisFirehoseRecordMetadata,
    build_kinesis_firehose,
)
from tests.events.corpus import load, needs_corpus
from tests.events.structure import assert_shaped_like


@needs_corpus
def test_record_data_decodes_from_base64_and_json() -> None:
    event = decode(load("powertools/kinesisFirehosePutEvent.json"), KinesisFirehoseEvent)
    assert event.records[0].decoded_data() == b"Hello World"
    assert event.records[1].json() == {"Hello": "World"}
    assert KinesisFirehoseRecord().decoded_data() == b""
    assert KinesisFirehoseRecord().json() is None


@needs_corpus
def test_an_sqs_message_delivered_through_firehose_decodes() -> None:
    event = decode(load("powertools/kinesisFirehoseSQSEvent.json"), KinesisFirehoseEvent)
    message = event.records[0].json()
    assert message["eventSource"] == "aws:sqs"
    assert message["body"] == "Test message."


@needs_corpus
def test_kinesis_analytics_output_data_decodes() -> None:
    event = decode(
        load("aws-lambda-go/kinesis-analytics-output-delivery-event.json"),
        KinesisAnalyticsOutputDeliveryEvent,
    )
    assert event.records[0].decoded_data() == b"This is a test from Kinesis Analytics"


def test_the_default_build_is_a_direct_put() -> None:
    assert build_kinesis_firehose().source_kinesis_stream_arn is msgspec.UNSET


@needs_corpus
def test_a_kinesis_sourced_build_is_shaped_like_a_kinesis_sample() -> None:
    built = build_kinesis_firehose([b"a", "b"], source_stream="clicks")
    assert_shaped_like(built, "powertools/kinesisFirehoseKinesisEvent.json")
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
