"""Builders of stream and log batches: DynamoDB Streams, Kinesis, Kafka and CloudWatch Logs
subscriptions, from the records a user would write, with the sequence numbers, offsets, ARNs and
encodings each service uses."""

from __future__ import annotations

import gzip
import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import AWSEvent
from faaslib.events.streams import (
    CloudWatchLogEvent,
    CloudWatchLogsData,
    CloudWatchLogsEvent,
    CloudWatchLogsPayload,
    DynamoDBStreamChange,
    DynamoDBStreamEvent,
    DynamoDBStreamRecord,
    DynamoDBUserIdentity,
    KafkaEvent,
    KafkaRecord,
    KinesisData,
    KinesisStreamEvent,
    KinesisStreamRecord,
    attribute_values,
)
from faaslib.payloads import to_document

__all__ = [
    "BUILDERS",
    "build_cloudwatch_logs",
    "build_dynamodb_stream",
    "build_kafka",
    "build_kinesis",
]


def build_dynamodb_stream(
    event_name: str = "INSERT",
    *,
    keys: Mapping[str, Any] | None = None,
    new_image: Mapping[str, Any] | None = None,
    old_image: Mapping[str, Any] | None = None,
    table: str = "my-table",
    stream_view_type: str = "NEW_AND_OLD_IMAGES",
    ttl_deletion: bool = False,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> DynamoDBStreamEvent:
    """One change to a table as its stream delivers it. Items are plain Python values, turned
    into AttributeValues; the images kept follow `stream_view_type` (KEYS_ONLY, NEW_IMAGE,
    OLD_IMAGE, NEW_AND_OLD_IMAGES). `ttl_deletion` marks a REMOVE as DynamoDB's own.

    ```pycon
    >>> event = build_dynamodb_stream(keys={"id": 1}, new_image={"id": 1, "name": "a"})
    >>> event.records[0].dynamodb.new_image_values()
    {'id': Decimal('1'), 'name': 'a'}
    ```
    """
    keys = dict(keys if keys is not None else {"id": "1"})
    if event_name == "INSERT" and new_image is None:
        new_image = keys
    change = DynamoDBStreamChange(
        approximate_creation_date_time=int(_fake.seconds(now)),
        keys=attribute_values(keys),
        sequence_number=str(secrets.randbelow(10**21) + 10**21),
        stream_view_type=stream_view_type,
    )
    if new_image is not None and stream_view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        change.new_image = attribute_values(new_image)
    if old_image is not None and stream_view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        change.old_image = attribute_values(old_image)
    # Approximately DynamoDB's figure: the size of the keys and images the record carries.
    parts = [part for part in (change.keys, change.new_image, change.old_image) if part]
    change.size_bytes = len(msgspec.json.encode(parts))
    stamp = _fake.iso_time(now)
    record = DynamoDBStreamRecord(
        event_id=_fake.hex_id(32),
        event_name=event_name,
        event_version="1.1",
        event_source="aws:dynamodb",
        aws_region=region,
        dynamodb=change,
        event_source_arn=_fake.arn(
            "dynamodb", f"table/{table}/stream/{stamp}", region=region, account=account
        ),
    )
    if ttl_deletion:
        record.user_identity = DynamoDBUserIdentity(
            type="Service", principal_id="dynamodb.amazonaws.com"
        )
    return DynamoDBStreamEvent(records=[record])


def build_kinesis(
    *data: bytes | str | Any,
    partition_key: str = "1",
    stream: str = "my-stream",
    shard_id: str = "shardId-000000000000",
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> KinesisStreamEvent:
    """A batch from one shard, one record per payload (bytes, text as UTF-8, or any other value
    as JSON), base64-encoded with increasing sequence numbers, as Kinesis delivers them.

    ```pycon
    >>> build_kinesis({"n": 1}).records[0].kinesis.json()
    {'n': 1}
    ```
    """
    arrival = round(_fake.seconds(now), 3)
    first = 49 * 10**54 + secrets.randbelow(10**53)  # 56 digits, as Kinesis's are
    records = []
    for number, payload in enumerate(data or (b"Hello from Kinesis!",)):
        sequence = str(first + number * 2**32)
        records.append(
            KinesisStreamRecord(
                kinesis=KinesisData(
                    kinesis_schema_version="1.0",
                    partition_key=partition_key,
                    sequence_number=sequence,
                    data=_fake.b64(_payload(payload)),
                    approximate_arrival_timestamp=arrival,
                ),
                event_source="aws:kinesis",
                event_version="1.0",
                event_id=f"{shard_id}:{sequence}",
                event_name="aws:kinesis:record",
                invoke_identity_arn=_fake.arn(
                    "iam", "role/lambda-role", region="", account=account
                ),
                aws_region=region,
                event_source_arn=_fake.arn(
                    "kinesis", f"stream/{stream}", region=region, account=account
                ),
            )
        )
    return KinesisStreamEvent(records=records)


def build_kafka(
    *values: bytes | str | Any,
    topic: str = "my-topic",
    partition: int = 0,
    key: bytes | str | None = None,
    headers: Sequence[tuple[str, bytes | str]] = (),
    first_offset: int = 0,
    self_managed: bool = False,
    cluster: str = "my-cluster",
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> KafkaEvent:
    """A batch from one topic-partition of Amazon MSK (or a self-managed cluster), keys and
    values base64-encoded and headers as the byte arrays Lambda sends.

    ```pycon
    >>> build_kafka(b"v", key=b"k").records["my-topic-0"][0].decoded_value()
    b'v'
    ```
    """
    timestamp = _fake.epoch_ms(now)
    encoded_headers = [{name: list(_payload(value))} for name, value in headers]
    records = [
        KafkaRecord(
            topic=topic,
            partition=partition,
            offset=first_offset + number,
            timestamp=timestamp,
            timestamp_type="CREATE_TIME",
            key=_fake.b64(_payload(key)) if key is not None else msgspec.UNSET,
            value=_fake.b64(_payload(value)),
            headers=encoded_headers,
        )
        for number, value in enumerate(values or (b'{"key":"value"}',))
    ]
    host = f"{cluster}.{_fake.hex_id(6)}.c1.kafka.{region}.amazonaws.com:9092"
    event = KafkaEvent(
        # Lambda's developer guide (with-kafka.html) and Powertools' parser model
        # (KafkaSelfManagedEventModel): a self-managed cluster's events carry no "aws:" prefix.
        event_source="SelfManagedKafka" if self_managed else "aws:kafka",
        bootstrap_servers=f"b-1.{host},b-2.{host}",
        records={f"{topic}-{partition}": records},
    )
    if not self_managed:
        event.event_source_arn = _fake.arn(
            "kafka", f"cluster/{cluster}/{_fake.request_id()}-1", region=region, account=account
        )
    return event


def build_cloudwatch_logs(
    *messages: str,
    log_group: str = "/aws/lambda/my-function",
    log_stream: str | None = None,
    subscription_filter: str = "my-filter",
    now: float | None = None,
    account: str = _fake.ACCOUNT,
) -> CloudWatchLogsEvent:
    """A subscription delivery of log lines: the payload gzipped and base64-encoded, as
    CloudWatch Logs sends it; `event.logs()` gives it back.

    ```pycon
    >>> build_cloudwatch_logs("hello").logs().log_events[0].message
    'hello'
    ```
    """
    timestamp = _fake.epoch_ms(now)
    stream = (
        log_stream or f"{_fake.iso_time(now)[:10].replace('-', '/')}/[$LATEST]{_fake.hex_id(32)}"
    )
    first_id = secrets.randbelow(10**55) + 10**55
    data = CloudWatchLogsData(
        message_type="DATA_MESSAGE",
        owner=account,
        log_group=log_group,
        log_stream=stream,
        subscription_filters=[subscription_filter],
        log_events=[
            CloudWatchLogEvent(id=str(first_id + number), timestamp=timestamp, message=message)
            for number, message in enumerate(messages or ("Hello from CloudWatch Logs!",))
        ],
    )
    payload = gzip.compress(msgspec.json.encode(data))
    return CloudWatchLogsEvent(awslogs=CloudWatchLogsPayload(data=_fake.b64(payload)))


def _payload(value: Any) -> bytes:
    """A record's data: bytes as they are, text as UTF-8 (`UnicodeEncodeError`), any other value
    as JSON by faaslib's rule (`faaslib.payloads.PayloadError`)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode()
    return to_document(value)


BUILDERS: dict[str, Callable[..., AWSEvent]] = {
    "cloudwatch-logs": build_cloudwatch_logs,
    "dynamodb-stream": build_dynamodb_stream,
    "kafka": build_kafka,
    "kinesis": build_kinesis,
}
