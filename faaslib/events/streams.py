"""Stream and log batches: DynamoDB Streams, Kinesis Data Streams, Kafka (Amazon MSK and
self-managed Apache Kafka) and CloudWatch Logs subscriptions, as Lambda delivers them.

DynamoDB and Kinesis batches from a mapping with a tumbling window also carry the window's keys
(`window`, `state`, `shardId`, ...); without a window those fields stay `UNSET`.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import msgspec

from faaslib.events._base import (
    UNSET,
    AWSEvent,
    EventValidationError,
    Unset,
    _Base64Data,
    decode,
)

__all__ = [
    "AttributeValue",
    "CloudWatchLogEvent",
    "CloudWatchLogsData",
    "CloudWatchLogsEvent",
    "CloudWatchLogsPayload",
    "DynamoDBStreamChange",
    "DynamoDBStreamEvent",
    "DynamoDBStreamRecord",
    "DynamoDBUserIdentity",
    "KafkaEvent",
    "KafkaRecord",
    "KinesisData",
    "KinesisStreamEvent",
    "KinesisStreamRecord",
    "TimeWindow",
    "attribute_values",
    "decode_cloudwatch_logs",
]


class TimeWindow(AWSEvent):
    """The tumbling window a windowed stream batch belongs to: ISO 8601 start and end."""

    start: str | Unset = UNSET
    end: str | Unset = UNSET


class _WindowedBatch(AWSEvent, rename="camel"):
    """The keys Lambda adds to a DynamoDB or Kinesis batch when the mapping has a window."""

    window: TimeWindow | Unset = UNSET
    state: dict[str, Any] | Unset = UNSET
    shard_id: str | Unset = UNSET
    event_source_arn: str | Unset = msgspec.field(default=UNSET, name="eventSourceARN")
    is_final_invoke_for_window: bool | Unset = UNSET
    is_window_terminated_early: bool | Unset = UNSET


# DynamoDB Streams


class AttributeValue(AWSEvent):
    """One DynamoDB attribute value in its typed JSON form, e.g. `{"S": "x"}` or `{"N": "1"}`."""

    string: str | Unset = msgspec.field(default=UNSET, name="S")
    number: str | Unset = msgspec.field(default=UNSET, name="N")
    binary: str | Unset = msgspec.field(default=UNSET, name="B")
    string_set: list[str] | Unset = msgspec.field(default=UNSET, name="SS")
    number_set: list[str] | Unset = msgspec.field(default=UNSET, name="NS")
    binary_set: list[str] | Unset = msgspec.field(default=UNSET, name="BS")
    map_: dict[str, AttributeValue] | Unset = msgspec.field(default=UNSET, name="M")
    list_: list[AttributeValue] | Unset = msgspec.field(default=UNSET, name="L")
    null: bool | Unset = msgspec.field(default=UNSET, name="NULL")
    bool_: bool | Unset = msgspec.field(default=UNSET, name="BOOL")

    @classmethod
    def of(cls, value: Any) -> AttributeValue:
        """The typed form of a plain Python value, as boto3's TypeSerializer makes it: str → S,
        int/float/Decimal → N, bytes → B, bool → BOOL, None → NULL, set → SS/NS/BS, list/tuple
        → L, dict → M.

        ```pycon
        >>> AttributeValue.of({"id": 1}).map_["id"].number
        '1'
        ```
        """
        if isinstance(value, str):
            return cls(string=value)
        if isinstance(value, bool):
            return cls(bool_=value)
        if isinstance(value, (int, float, Decimal)):
            return cls(number=_number_text(value))
        if isinstance(value, (bytes, bytearray)):
            return cls(binary=base64.b64encode(value).decode())
        if value is None:
            return cls(null=True)
        if isinstance(value, (set, frozenset)) and value:
            items = sorted(value, key=repr)
            if all(isinstance(item, str) for item in items):
                return cls(string_set=items)
            if all(isinstance(item, (bytes, bytearray)) for item in items):
                return cls(binary_set=[base64.b64encode(item).decode() for item in items])
            if all(isinstance(item, (int, float, Decimal)) for item in items):
                return cls(number_set=[_number_text(item) for item in items])
        if isinstance(value, (list, tuple)):
            return cls(list_=[cls.of(item) for item in value])
        if isinstance(value, dict):
            return cls(map_=attribute_values(value))
        raise TypeError(
            f"a DynamoDB attribute cannot hold {type(value).__name__} {value!r} "
            "(sets must be non-empty and of one type: str, number or bytes)"
        )

    def value(self) -> Any:
        """The plain Python value, as boto3's TypeDeserializer gives it: S → str,
        N → Decimal, B → bytes, BOOL → bool, NULL → None, SS/NS/BS → set, L → list, M → dict."""
        if not isinstance(self.string, Unset):
            return self.string
        if not isinstance(self.number, Unset):
            return Decimal(self.number)
        if not isinstance(self.binary, Unset):
            return base64.b64decode(self.binary)
        if not isinstance(self.bool_, Unset):
            return self.bool_
        if not isinstance(self.null, Unset):
            return None
        if not isinstance(self.string_set, Unset):
            return set(self.string_set)
        if not isinstance(self.number_set, Unset):
            return {Decimal(number) for number in self.number_set}
        if not isinstance(self.binary_set, Unset):
            return {base64.b64decode(binary) for binary in self.binary_set}
        if not isinstance(self.list_, Unset):
            return [item.value() for item in self.list_]
        if not isinstance(self.map_, Unset):
            return _values(self.map_)
        raise ValueError("a DynamoDB AttributeValue with none of S, N, B, SS, NS, BS, M, L, ...")


def attribute_values(item: Mapping[str, Any]) -> dict[str, AttributeValue]:
    """A whole item (or key) in DynamoDB's typed form: each value through `AttributeValue.of`."""
    return {name: AttributeValue.of(value) for name, value in item.items()}


# A DynamoDB number has "up to 38 digits of precision" and is "positive, negative, or zero",
# from 1E-130 to 9.9999999999999999999999999999999999999E+125 either way (Amazon DynamoDB
# Developer Guide, HowItWorks.NamingRulesDataTypes).
_NUMBER_DIGITS = 38
_NUMBER_EXPONENTS = (-130, 125)


def _number_text(number: int | float | Decimal) -> str:
    if isinstance(number, int) and number.bit_length() > 420:  # beyond 10^126 either way
        raise TypeError("a DynamoDB number cannot be above 10^126 in magnitude")
    exact = number if isinstance(number, Decimal) else Decimal(str(number))
    if not exact.is_finite():
        raise TypeError(f"a DynamoDB number cannot be {number!r}")
    if exact:
        digits = len(exact.normalize().as_tuple().digits)
        low, high = _NUMBER_EXPONENTS
        if digits > _NUMBER_DIGITS or not low <= exact.adjusted() <= high:
            raise TypeError(
                f"a DynamoDB number holds up to {_NUMBER_DIGITS} significant digits, between "
                f"10^{low} and 10^{high + 1} in magnitude; {number!r} does not fit"
            )
    return str(number)


def _values(image: dict[str, AttributeValue]) -> dict[str, Any]:
    return {name: attribute.value() for name, attribute in image.items()}


class DynamoDBStreamChange(AWSEvent, rename="pascal"):
    """The item-level change in a DynamoDB stream record: keys, images and sequence number."""

    approximate_creation_date_time: int | float | Unset = UNSET
    keys: dict[str, AttributeValue] | Unset = UNSET
    new_image: dict[str, AttributeValue] | Unset = UNSET
    old_image: dict[str, AttributeValue] | Unset = UNSET
    sequence_number: str | Unset = UNSET
    size_bytes: int | Unset = UNSET
    stream_view_type: str | Unset = UNSET

    def keys_values(self) -> dict[str, Any] | None:
        """`Keys` as plain Python values (see `AttributeValue.value`), or None if absent."""
        return None if isinstance(self.keys, Unset) else _values(self.keys)

    def new_image_values(self) -> dict[str, Any] | None:
        """`NewImage` as plain Python values, or None if the record has none (e.g. REMOVE)."""
        return None if isinstance(self.new_image, Unset) else _values(self.new_image)

    def old_image_values(self) -> dict[str, Any] | None:
        """`OldImage` as plain Python values, or None if the record has none (e.g. INSERT)."""
        return None if isinstance(self.old_image, Unset) else _values(self.old_image)


class DynamoDBUserIdentity(AWSEvent, rename="camel"):
    """Who made the change: DynamoDB itself for a TTL deletion."""

    type: str | Unset = UNSET
    principal_id: str | Unset = UNSET


class DynamoDBStreamRecord(AWSEvent, rename="camel"):
    """One DynamoDB stream record: the event's metadata and its `dynamodb` change."""

    event_id: str | Unset = msgspec.field(default=UNSET, name="eventID")
    event_name: str | Unset = UNSET
    event_version: str | Unset = UNSET
    event_source: str | Unset = UNSET
    aws_region: str | Unset = UNSET
    user_identity: DynamoDBUserIdentity | Unset = UNSET
    dynamodb: DynamoDBStreamChange | Unset = UNSET
    event_source_arn: str | Unset = msgspec.field(default=UNSET, name="eventSourceARN")


class DynamoDBStreamEvent(_WindowedBatch):
    """A batch of DynamoDB stream records, with the window's keys if the mapping has one."""

    records: list[DynamoDBStreamRecord] = msgspec.field(default_factory=list, name="Records")


# Kinesis Data Streams


class KinesisData(AWSEvent, _Base64Data, rename="camel"):
    """The Kinesis part of a stream record: partition key, sequence number, base64 data."""

    kinesis_schema_version: str | Unset = UNSET
    partition_key: str | Unset = UNSET
    sequence_number: str | Unset = UNSET
    data: str | Unset = UNSET
    approximate_arrival_timestamp: float | Unset = UNSET
    encryption_type: str | Unset = UNSET


class KinesisStreamRecord(AWSEvent, rename="camel"):
    """One Kinesis stream record: the event's metadata and its `kinesis` data."""

    kinesis: KinesisData | Unset = UNSET
    event_source: str | Unset = UNSET
    event_version: str | Unset = UNSET
    event_id: str | Unset = msgspec.field(default=UNSET, name="eventID")
    event_name: str | Unset = UNSET
    invoke_identity_arn: str | Unset = UNSET
    aws_region: str | Unset = UNSET
    event_source_arn: str | Unset = msgspec.field(default=UNSET, name="eventSourceARN")


class KinesisStreamEvent(_WindowedBatch):
    """A batch of Kinesis stream records, with the window's keys if the mapping has one."""

    records: list[KinesisStreamRecord] = msgspec.field(default_factory=list, name="Records")


# Kafka (Amazon MSK and self-managed)


class KafkaRecord(AWSEvent, rename="camel"):
    """One Kafka record: topic, partition, offset, base64 key and value, byte-array headers."""

    topic: str | Unset = UNSET
    partition: int | Unset = UNSET
    offset: int | Unset = UNSET
    timestamp: int | Unset = UNSET
    timestamp_type: str | Unset = UNSET
    key: str | Unset = UNSET
    value: str | Unset = UNSET
    headers: list[dict[str, list[int]]] | Unset = UNSET

    def decoded_key(self) -> bytes | None:
        """The record's key decoded from base64, or None if it has none."""
        return base64.b64decode(self.key) if isinstance(self.key, str) else None

    def decoded_value(self) -> bytes | None:
        """The record's value decoded from base64, or None if it has none."""
        return base64.b64decode(self.value) if isinstance(self.value, str) else None

    def decoded_headers(self) -> list[tuple[str, bytes]]:
        """The headers as (name, bytes) pairs, in order; Java's signed bytes (-128..127) are
        read as unsigned."""
        if isinstance(self.headers, Unset):
            return []
        return [
            (name, bytes(byte & 0xFF for byte in values))
            for header in self.headers
            for name, values in header.items()
        ]


class KafkaEvent(AWSEvent, rename="camel"):
    """A batch of Kafka records from Amazon MSK (`eventSource` "aws:kafka", with the cluster's
    `eventSourceArn`) or a self-managed cluster ("SelfManagedKafka", no ARN), by
    topic-partition."""

    event_source: str | Unset = UNSET
    event_source_arn: str | Unset = UNSET
    bootstrap_servers: str | Unset = UNSET
    records: dict[str, list[KafkaRecord]] = msgspec.field(default_factory=dict)

    def all_records(self) -> Iterator[KafkaRecord]:
        """Every record of the batch, partition after partition."""
        for partition in self.records.values():
            yield from partition


# CloudWatch Logs subscriptions


class CloudWatchLogEvent(AWSEvent, rename="camel"):
    """One log event of a CloudWatch Logs subscription delivery."""

    id: str | Unset = UNSET
    timestamp: int | Unset = UNSET
    message: str | Unset = UNSET
    extracted_fields: dict[str, str] | Unset = UNSET


class CloudWatchLogsData(AWSEvent, rename="camel"):
    """The decoded payload of a CloudWatch Logs subscription: the log group's events."""

    message_type: str | Unset = UNSET
    owner: str | Unset = UNSET
    log_group: str | Unset = UNSET
    log_stream: str | Unset = UNSET
    subscription_filters: list[str] | Unset = UNSET
    log_events: list[CloudWatchLogEvent] | Unset = UNSET
    policy_level: str | Unset = UNSET


def decode_cloudwatch_logs(data: str) -> CloudWatchLogsData:
    """CloudWatch Logs subscription data (base64 of gzip, or of zlib, JSON) as a Struct; also
    for the `data` of a Kinesis record that a log subscription filter wrote."""
    try:
        raw = zlib.decompress(base64.b64decode(data, validate=True), wbits=zlib.MAX_WBITS | 32)
    except (ValueError, zlib.error) as error:  # binascii.Error is a ValueError
        raise EventValidationError(
            CloudWatchLogsData.__name__, f"not base64 gzip: {error}"
        ) from None
    return decode(raw, CloudWatchLogsData)


class CloudWatchLogsPayload(AWSEvent):
    """The `awslogs` object: the log data, gzipped and base64-encoded."""

    data: str | Unset = UNSET

    def decode(self) -> CloudWatchLogsData:
        """The log data decoded, or `EventValidationError` if it is absent or not gzip JSON."""
        if isinstance(self.data, Unset):
            raise EventValidationError(CloudWatchLogsData.__name__, "awslogs has no data")
        return decode_cloudwatch_logs(self.data)


class CloudWatchLogsEvent(AWSEvent):
    """A CloudWatch Logs subscription delivery to a Lambda function."""

    awslogs: CloudWatchLogsPayload | Unset = UNSET

    def logs(self) -> CloudWatchLogsData:
        """The log data decoded (see `CloudWatchLogsPayload.decode`)."""
        if isinstance(self.awslogs, Unset):
            raise EventValidationError(CloudWatchLogsData.__name__, "the event has no awslogs")
        return self.awslogs.decode()


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "cloudwatch-logs": (CloudWatchLogsEvent,),
    "dynamodb-stream": (DynamoDBStreamEvent,),
    "kafka": (KafkaEvent,),
    "kinesis": (KinesisStreamEvent,),
}
