"""The helpers that spare users boilerplate, on real samples from the corpus."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

from faaslib import events
from tests.events.corpus import load, needs_corpus

pytestmark = needs_corpus


def sample(path: str) -> Any:
    return events.parse(load(path))


def test_http_headers_are_case_insensitive_and_bodies_decode() -> None:
    event = sample("powertools/apiGatewayProxyV2Event.json")
    assert isinstance(event, events.APIGatewayProxyEventV2)
    assert event.header("HEADER1") == "value1"
    assert event.header("missing") is None
    assert event.json() == {"message": "hello world", "username": "tom"}
    encoded = events.parse(
        {
            **events.dump(event),
            "body": base64.b64encode(b'{"n": 1}').decode(),
            "isBase64Encoded": True,
        }
    )
    assert encoded.json() == {"n": 1}


def test_s3_keys_arrive_url_encoded() -> None:
    event = sample("powertools/s3EventDecodedKey.json")
    assert event.records[0].s3.object.key == "Happy%20Face.jpg"
    assert event.records[0].s3.object.decoded_key == "Happy Face.jpg"


def test_dynamodb_attribute_values_become_python_values() -> None:
    event = sample("powertools/dynamoStreamEvent.json")
    change = event.records[0].dynamodb
    assert change.keys_values() == {"Id": Decimal("101")}
    assert change.new_image_values() == {"Message": "New item!", "Id": Decimal("101")}


def test_kinesis_and_kafka_data_are_base64_decoded() -> None:
    kinesis = sample("powertools/kinesisStreamEvent.json")
    assert kinesis.records[0].kinesis.decoded_data() == b"Hello, this is a test."
    kafka = sample("powertools/kafkaEventMsk.json")
    record = next(kafka.all_records())
    assert record.decoded_value() == b'{"key":"value"}'
    assert record.decoded_headers() == [("headerKey", b"headerValue")]


def test_cloudwatch_logs_are_unzipped() -> None:
    logs = sample("powertools/cloudWatchLogEvent.json").logs()
    assert logs.log_group == "testLogGroup"
    assert len(logs.log_events) == 2
    assert logs.log_events[0].message == "[ERROR] First test message"


def test_sqs_and_sns_bodies_decode_as_json() -> None:
    sqs = sample("powertools/sqsEvent.json")
    assert sqs.records[1].json() == {"message": "foo1"}
    sns = events.parse(
        {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": '{"order": 7}'}}]}
    )
    assert sns.records[0].sns.json() == {"order": 7}
