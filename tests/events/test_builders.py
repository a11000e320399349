"""Builders: every family's builder makes an event that `parse` recognises, unaided, as the
family's main Struct and that has the key structure of a real sample; the details AWS computes
(checksums, ARNs, encodings) are right."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from faaslib import events
from faaslib.events import build
from faaslib.events.streams import AttributeValue, attribute_values
from tests.events.corpus import needs_corpus
from tests.events.structure import matching_sample, shape, typed_samples

# What a user would type for each family, shaped like one of the family's real samples.
TYPICAL: dict[str, Any] = {
    "sqs": lambda: build.sqs("Test message."),
    "s3": lambda: build.s3("sourcebucket", "Happy Face.jpg"),
    "sns": lambda: build.sns("Hello", subject="Test", message_attributes={"Test": "x"}),
    "eventbridge": lambda: build.eventbridge("aws.ec2", "EC2 Instance State-change", {"a": 1}),
    "dynamodb-stream": lambda: build.dynamodb_stream(
        keys={"id": 101}, new_image={"id": 101, "message": "New item!"}, ttl_deletion=True
    ),
    "kinesis": lambda: build.kinesis(b"Hello, this is a test."),
    "kafka": lambda: build.kafka(b'{"key":"value"}', key=b"recordKey", headers=[("h", b"v")]),
    "cloudwatch-logs": lambda: build.cloudwatch_logs("[ERROR] First test message"),
    # the samples without an authorizer use mutual TLS, so these ask for a client certificate
    "apigw-http-v2": lambda: build.apigw_http_v2(client_cert=True),
    "apigw-rest": lambda: build.apigw_rest(query={"a": "1"}, client_cert=True),
}


def test_every_family_has_a_builder() -> None:
    assert set(events.BUILDERS) == set(events.FAMILIES)


@needs_corpus
@pytest.mark.parametrize("family", sorted(events.BUILDERS))
def test_a_built_event_decodes_and_is_shaped_like_a_real_sample(family: str) -> None:
    built = TYPICAL[family]() if family in TYPICAL else build.family(family)
    decoded = events.parse(msgspec.json.encode(built))  # recognised unaided
    assert decoded == built
    assert type(decoded) is type(built) is events.FAMILIES[family][0]  # the family's main Struct
    samples = typed_samples(family)
    assert matching_sample(built, samples), sorted(shape(built) ^ shape(samples[0]))


def test_an_unknown_family_names_the_families() -> None:
    with pytest.raises(ValueError, match=r"no event family 'sqs2'; the families are: .*sqs"):
        build.family("sqs2")


def test_sqs_checksums_and_attributes_are_computed_as_sqs_computes_them() -> None:
    event = build.sqs(
        {"order": 1},
        "plain",
        queue="orders",
        message_attributes={"timestamp": 1493147359900},
        region="eu-west-1",
        account="111122223333",
        now=1_700_000_000.5,
    )
    first, second = event.records
    assert first.json() == {"order": 1}
    assert first.md5_of_body == hashlib.md5(b'{"order":1}').hexdigest()
    assert second.body == "plain"
    # the digest another SQS implementation (localstack) computes for this attribute
    assert first.md5_of_message_attributes == "235c5c510d26fb653d073faed50ae77c"
    assert first.event_source_arn == "arn:aws:sqs:eu-west-1:111122223333:orders"
    assert first.attributes is not msgspec.UNSET
    assert first.attributes["SentTimestamp"] == "1700000000500"
    assert first.message_id != second.message_id
    assert first.receipt_handle != second.receipt_handle


def test_a_fifo_queue_adds_the_group_and_deduplication_ids() -> None:
    record = build.sqs("x", queue="jobs.fifo", message_group_id="g1").records[0]
    assert isinstance(record.attributes, dict)
    assert record.attributes["MessageGroupId"] == "g1"
    assert record.attributes["MessageDeduplicationId"] == hashlib.sha256(b"x").hexdigest()


def test_s3_keys_are_url_encoded_and_the_etag_is_the_md5_of_the_content() -> None:
    record = build.s3("uploads", "photos/a b+c.jpg", content=b"hello").records[0]
    assert not isinstance(record.s3, msgspec.UnsetType)
    s3_object = record.s3.object
    assert not isinstance(s3_object, msgspec.UnsetType)
    assert s3_object.key == "photos/a+b%2Bc.jpg"
    assert s3_object.decoded_key == "photos/a b+c.jpg"
    assert s3_object.e_tag == hashlib.md5(b"hello").hexdigest()
    assert s3_object.size == 5
    assert record.s3.bucket is not msgspec.UNSET
    assert events.dump(record)["s3"]["bucket"]["arn"] == "arn:aws:s3:::uploads"


def test_a_removed_object_has_no_size_or_etag() -> None:
    raw = events.dump(build.s3("b", "k", event_name="ObjectRemoved:Delete"))
    assert set(raw["Records"][0]["s3"]["object"]) == {"key", "sequencer"}


def test_sns_attributes_take_sns_types() -> None:
    raw = events.dump(build.sns({"a": 1}, message_attributes={"n": 3, "b": b"\x00", "l": [1]}))
    message = raw["Records"][0]["Sns"]
    assert json.loads(message["Message"]) == {"a": 1}
    assert message["Subject"] is None
    assert message["MessageAttributes"] == {
        "n": {"Type": "Number", "Value": "3"},
        "b": {"Type": "Binary", "Value": "AA=="},
        "l": {"Type": "String.Array", "Value": "[1]"},
    }
    assert raw["Records"][0]["EventSubscriptionArn"].startswith(message["TopicArn"] + ":")


def test_a_scheduled_event_names_its_rule() -> None:
    event = build.scheduled("nightly", now=0)
    assert isinstance(event, events.ScheduledEvent)
    assert event.time == "1970-01-01T00:00:00Z"
    assert event.resources == ["arn:aws:events:us-east-1:123456789012:rule/nightly"]
    assert isinstance(events.parse(events.dump(event)), events.ScheduledEvent)


def test_kinesis_data_is_base64_with_increasing_sequence_numbers() -> None:
    records = build.kinesis(b"\x00\x01", "text", {"n": 1}).records
    data = [item.kinesis for item in records if not isinstance(item.kinesis, msgspec.UnsetType)]
    assert [item.decoded_data() for item in data] == [b"\x00\x01", b"text", b'{"n":1}']
    numbers = [int(str(item.sequence_number)) for item in data]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 3
    assert all(len(str(number)) == 56 for number in numbers)


def test_kafka_headers_are_byte_arrays_and_offsets_count_up() -> None:
    event = build.kafka(b"a", b"b", topic="t", partition=2, first_offset=7, headers=[("h", "v")])
    records = event.records["t-2"]
    assert [record.offset for record in records] == [7, 8]
    assert records[0].decoded_headers() == [("h", b"v")]
    self_managed = build.kafka(self_managed=True)
    assert self_managed.event_source == "SelfManagedKafka"  # no "aws:" prefix (with-kafka.html)
    assert self_managed.event_source_arn is msgspec.UNSET
    assert build.kafka().event_source == "aws:kafka"


def test_cloudwatch_logs_data_is_gzip_json() -> None:
    event = build.cloudwatch_logs("one", "two", log_group="/app")
    assert event.awslogs is not msgspec.UNSET
    raw = json.loads(gzip.decompress(base64.b64decode(str(event.awslogs.data))))
    assert raw["logGroup"] == "/app"
    assert [item["message"] for item in raw["logEvents"]] == ["one", "two"]
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", raw["logStream"])


def test_dynamodb_images_follow_the_stream_view_type() -> None:
    change = build.dynamodb_stream(
        "MODIFY",
        keys={"id": 1},
        old_image={"id": 1, "n": 1},
        new_image={"id": 1, "n": 2},
        stream_view_type="NEW_IMAGE",
    ).records[0]
    assert change.dynamodb is not msgspec.UNSET
    assert change.dynamodb.new_image_values() == {"id": Decimal(1), "n": Decimal(2)}
    assert change.dynamodb.old_image_values() is None


@pytest.mark.parametrize(
    "value",
    ["s", 1, 1.5, Decimal("2.25"), b"\x01", True, None, {"a", "b"}, {1, 2}, {b"x"}, [1, "a"],
     {"m": {"n": [None]}}],
)  # fmt: skip
def test_attribute_values_round_trip_python_values(value: Any) -> None:
    typed = AttributeValue.of(value)
    back = typed.value()
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    expected = Decimal(str(value)) if is_number else value
    if isinstance(value, set) and all(isinstance(item, int) for item in value):
        expected = {Decimal(item) for item in value}
    if isinstance(value, list):
        expected = [Decimal(1), "a"]
    assert back == expected
    assert msgspec.convert(msgspec.to_builtins(typed), AttributeValue) == typed


def test_a_value_dynamodb_cannot_hold_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"a DynamoDB attribute cannot hold object"):
        attribute_values({"x": object()})
    with pytest.raises(TypeError, match=r"a DynamoDB number cannot be nan"):
        AttributeValue.of(float("nan"))
