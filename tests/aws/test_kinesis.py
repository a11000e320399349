"""Kinesis through `app.aws` with real boto3: streams, shards, puts, shard iterators of every
type, reads, Kinesis's errors as botocore raises them, and the `@app.on_stream` function a
`put_record` triggers."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from queue import SimpleQueue
from typing import Any

import msgspec
import pytest
from botocore.exceptions import ClientError

from faaslib import App
from faaslib.sources.stream.records import ShardIterator
from tests.aws.malformed import assert_malformed_requests_are_client_errors
from tests.http.server import Served

pytestmark = pytest.mark.usefixtures("each_store")

Client = Any


@pytest.fixture
def deliveries() -> SimpleQueue[Any]:
    """The decoded records the `on_stream` function of stream `triggered` was given."""
    return SimpleQueue()


@pytest.fixture
def app(deliveries: SimpleQueue[Any]) -> App:
    app = App(name="aws")

    @app.on_stream("triggered", batch_size=1, starting_position="TRIM_HORIZON")
    def consume(event: dict[str, Any], context: object) -> None:
        for record in event["Records"]:
            deliveries.put(json.loads(base64.b64decode(record["kinesis"]["data"])))

    return app


@pytest.fixture
def kinesis(aws_client: Callable[..., Any]) -> Client:
    return aws_client("kinesis")


def code_of(raised: pytest.ExceptionInfo[ClientError]) -> str:
    code: str = raised.value.response["Error"]["Code"]
    return code


def first_shard(kinesis: Client, stream: str) -> str:
    shard: str = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    return shard


def test_put_record_triggers_the_on_stream_function(kinesis: Client, deliveries: Any) -> None:
    kinesis.put_record(StreamName="triggered", Data=b'{"page": "/"}', PartitionKey="user-1")
    assert deliveries.get(timeout=10) == {"page": "/"}


def test_create_describe_and_list_streams(kinesis: Client) -> None:
    kinesis.create_stream(StreamName="clicks", ShardCount=3)
    description = kinesis.describe_stream(StreamName="clicks")["StreamDescription"]
    assert description["StreamStatus"] == "ACTIVE"
    assert description["StreamARN"] == "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
    assert len(description["Shards"]) == 3
    assert description["HasMoreShards"] is False
    assert description["RetentionPeriodHours"] == 24
    assert description["Shards"][0]["HashKeyRange"]["StartingHashKey"] == "0"
    assert description["Shards"][-1]["HashKeyRange"]["EndingHashKey"] == str(2**128 - 1)
    summary = kinesis.describe_stream_summary(StreamARN=description["StreamARN"])
    assert summary["StreamDescriptionSummary"]["OpenShardCount"] == 3
    listed = kinesis.list_streams()
    assert listed["StreamNames"] == ["clicks", "triggered"]
    assert listed["StreamSummaries"][0]["StreamName"] == "clicks"
    assert listed["HasMoreStreams"] is False


def test_creating_a_stream_twice_is_resource_in_use(kinesis: Client) -> None:
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    with pytest.raises(ClientError) as raised:
        kinesis.create_stream(StreamName="clicks", ShardCount=1)
    assert code_of(raised) == "ResourceInUseException"


@pytest.mark.parametrize(
    "options",
    [{"ShardCount": 20_000}, {"StreamModeDetails": {"StreamMode": "ON_DEMAND"}}, {}],
)
def test_create_stream_refuses_what_faaslib_does_not_offer(
    kinesis: Client, options: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as raised:
        kinesis.create_stream(StreamName="clicks", **options)
    assert code_of(raised) == "InvalidArgumentException"


def test_an_unknown_stream_is_resource_not_found(kinesis: Client) -> None:
    for call in (
        lambda: kinesis.describe_stream(StreamName="none"),
        lambda: kinesis.put_record(StreamName="none", Data=b"x", PartitionKey="k"),
        lambda: kinesis.list_shards(StreamName="none"),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert code_of(raised) == "ResourceNotFoundException"


def test_list_streams_and_list_shards_paginate(kinesis: Client) -> None:
    for name in ("a1", "a2", "a3"):
        kinesis.create_stream(StreamName=name, ShardCount=3)
    first = kinesis.list_streams(Limit=2)
    assert first["StreamNames"] == ["a1", "a2"]
    assert first["HasMoreStreams"] is True
    rest = kinesis.list_streams(NextToken=first["NextToken"])
    assert rest["StreamNames"] == ["a3", "triggered"]
    shards = kinesis.list_shards(StreamName="a1", MaxResults=2)
    assert len(shards["Shards"]) == 2
    more = kinesis.list_shards(NextToken=shards["NextToken"])
    assert [shard["ShardId"] for shard in more["Shards"]] == ["shardId-000000000002"]
    assert "NextToken" not in more
    paged = kinesis.get_paginator("list_streams").paginate(PaginationConfig={"PageSize": 1})
    assert [name for page in paged for name in page["StreamNames"]] == [
        "a1",
        "a2",
        "a3",
        "triggered",
    ]


def test_records_put_are_read_in_order_from_trim_horizon(kinesis: Client) -> None:
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    first = kinesis.put_record(StreamName="clicks", Data=b"one", PartitionKey="k")
    answer = kinesis.put_records(
        StreamName="clicks",
        Records=[{"Data": b"two", "PartitionKey": "k"}, {"Data": b"three", "PartitionKey": "j"}],
    )
    assert answer["FailedRecordCount"] == 0
    assert [entry["ShardId"] for entry in answer["Records"]] == [first["ShardId"]] * 2
    iterator = kinesis.get_shard_iterator(
        StreamName="clicks", ShardId=first["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    read = kinesis.get_records(ShardIterator=iterator, Limit=2)
    assert [record["Data"] for record in read["Records"]] == [b"one", b"two"]
    assert read["Records"][0]["SequenceNumber"] == first["SequenceNumber"]
    assert read["Records"][0]["PartitionKey"] == "k"
    assert isinstance(read["Records"][0]["ApproximateArrivalTimestamp"], datetime)
    assert read["MillisBehindLatest"] >= 0
    rest = kinesis.get_records(ShardIterator=read["NextShardIterator"])
    assert [record["Data"] for record in rest["Records"]] == [b"three"]
    empty = kinesis.get_records(ShardIterator=rest["NextShardIterator"])
    assert empty["Records"] == []
    assert empty["MillisBehindLatest"] == 0


def test_every_shard_iterator_type_starts_where_kinesis_starts(kinesis: Client) -> None:
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    shard = first_shard(kinesis, "clicks")
    before = datetime.now(timezone.utc) - timedelta(minutes=1)
    puts = [
        kinesis.put_record(StreamName="clicks", Data=data, PartitionKey="k")
        for data in (b"a", b"b", b"c")
    ]

    def read(kind: str, **position: Any) -> list[bytes]:
        iterator = kinesis.get_shard_iterator(
            StreamName="clicks", ShardId=shard, ShardIteratorType=kind, **position
        )["ShardIterator"]
        return [record["Data"] for record in kinesis.get_records(ShardIterator=iterator)["Records"]]

    second = puts[1]["SequenceNumber"]
    assert read("TRIM_HORIZON") == [b"a", b"b", b"c"]
    assert read("LATEST") == []
    assert read("AT_SEQUENCE_NUMBER", StartingSequenceNumber=second) == [b"b", b"c"]
    assert read("AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=second) == [b"c"]
    assert read("AT_TIMESTAMP", Timestamp=before) == [b"a", b"b", b"c"]
    assert read("AT_TIMESTAMP", Timestamp=datetime.now(timezone.utc) + timedelta(minutes=1)) == []


def test_bad_iterators_and_arguments_are_kinesis_errors(kinesis: Client) -> None:
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    shard = first_shard(kinesis, "clicks")
    with pytest.raises(ClientError) as raised:
        kinesis.get_records(ShardIterator="not-an-iterator")
    assert code_of(raised) == "InvalidArgumentException"
    with pytest.raises(ClientError) as raised:
        kinesis.get_shard_iterator(
            StreamName="clicks", ShardId="shardId-000000000009", ShardIteratorType="LATEST"
        )
    assert code_of(raised) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as raised:
        kinesis.get_shard_iterator(
            StreamName="clicks", ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER"
        )
    assert code_of(raised) == "InvalidArgumentException"
    with pytest.raises(ClientError) as raised:
        kinesis.put_record(StreamName="clicks", Data=b"x" * (1_048_577), PartitionKey="k")
    assert code_of(raised) == "InvalidArgumentException"


def test_an_iterator_older_than_five_minutes_is_expired(app: App, kinesis: Client) -> None:
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    shard = first_shard(kinesis, "clicks")
    stream = app.streams["clicks"]
    old = ShardIterator(
        stream_arn=stream.arn,
        shard_id=shard,
        position=0,
        issued_at=stream.clock.monotonic() - 301.0 - 60.0,
    )
    text = base64.urlsafe_b64encode(msgspec.json.encode(old)).decode()
    with pytest.raises(ClientError) as raised:
        kinesis.get_records(ShardIterator=text)
    assert code_of(raised) == "ExpiredIteratorException"


def test_an_operation_faaslib_does_not_serve_is_named(kinesis: Client) -> None:
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    with pytest.raises(ClientError) as raised:
        kinesis.delete_stream(StreamName="clicks")
    assert code_of(raised) == "UnknownOperationException"
    assert "DeleteStream" in raised.value.response["Error"]["Message"]


MALFORMED: list[Any] = [
    {},
    {"StreamName": 5, "ShardCount": "x"},
    {"StreamName": "triggered", "Data": 5, "PartitionKey": 1, "ShardId": 3},
    {"StreamName": "triggered", "Data": "not base64!", "PartitionKey": "k"},
    {"StreamName": "triggered", "Records": [5], "Limit": "x"},
    {"StreamName": "triggered", "Records": [{"Data": "eA==", "PartitionKey": ""}]},
    {"StreamName": "x", "ShardCount": 1, "StreamModeDetails": 7},
    {"ShardIterator": 5, "NextToken": 5},
    {"ShardIterator": "eyJ4IjoxfQ==", "NextToken": "%%%"},
    {"StreamName": "triggered", "ShardId": "shardId-000000000000", "ShardIteratorType": "X"},
    {
        "StreamName": "triggered",
        "ShardId": "shardId-000000000000",
        "ShardIteratorType": "AT_TIMESTAMP",
        "Timestamp": "yesterday",
    },
    [1, 2],
]
OPERATIONS = (
    "CreateStream",
    "DescribeStream",
    "DescribeStreamSummary",
    "ListStreams",
    "ListShards",
    "PutRecord",
    "PutRecords",
    "GetShardIterator",
    "GetRecords",
)
CLIENT_ERRORS = (
    "ValidationException",
    "InvalidArgumentException",
    "ResourceNotFoundException",
    "ResourceInUseException",
    "SerializationException",
)


def test_malformed_requests_are_client_errors_never_500(served: Served) -> None:
    assert_malformed_requests_are_client_errors(
        served.url,
        "Kinesis_20131202",
        "application/x-amz-json-1.1",
        OPERATIONS,
        MALFORMED,
        CLIENT_ERRORS,
    )
