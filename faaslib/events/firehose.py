"""Amazon Data Firehose (Kinesis Data Firehose) data transformation, and Kinesis Data Analytics
output delivery: a batch of base64 records handed to a function that answers per `recordId`.

A Firehose stream fed by a Kinesis data stream adds the source stream's ARN and each record's
Kinesis metadata; one fed by Direct PUT (or an SQS-to-Firehose pipe) has neither.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset, _Base64Data

__all__ = [
    "KinesisAnalyticsDeliveryRecordMetadata",
    "KinesisAnalyticsOutputDeliveryEvent",
    "KinesisAnalyticsOutputDeliveryRecord",
    "KinesisFirehoseEvent",
    "KinesisFirehoseRecord",
    "KinesisFirehoseRecordMetadata",
    "build_kinesis_firehose",
    "detect",
]


class KinesisFirehoseRecordMetadata(AWSEvent, rename="camel"):
    """Where a record of a Kinesis-fed Firehose stream came from in the source stream."""

    shard_id: str | Unset = UNSET
    partition_key: str | Unset = UNSET
    approximate_arrival_timestamp: int | Unset = UNSET
    sequence_number: str | Unset = UNSET
    subsequence_number: int | Unset = UNSET


class KinesisFirehoseRecord(AWSEvent, _Base64Data, rename="camel"):
    """One record to transform: its id (to answer with), arrival time in epoch milliseconds,
    base64 data and, for a Kinesis source, the source record's metadata."""

    data: str | Unset = UNSET
    record_id: str | Unset = UNSET
    approximate_arrival_timestamp: int | Unset = UNSET
    kinesis_record_metadata: KinesisFirehoseRecordMetadata | Unset = UNSET


class KinesisFirehoseEvent(AWSEvent, rename="camel"):
    """A Firehose transformation batch: the delivery stream, its region and the records."""

    invocation_id: str | Unset = UNSET
    delivery_stream_arn: str | Unset = UNSET
    source_kinesis_stream_arn: str | Unset = UNSET
    region: str | Unset = UNSET
    records: list[KinesisFirehoseRecord] = msgspec.field(default_factory=list)


class KinesisAnalyticsDeliveryRecordMetadata(AWSEvent, rename="camel"):
    """How many times delivering this record has failed so far."""

    retry_hint: int | Unset = UNSET


class KinesisAnalyticsOutputDeliveryRecord(AWSEvent, _Base64Data, rename="camel"):
    """One output record of a Kinesis Data Analytics (SQL) application."""

    data: str | Unset = UNSET
    record_id: str | Unset = UNSET
    lambda_delivery_record_metadata: KinesisAnalyticsDeliveryRecordMetadata | Unset = UNSET


class KinesisAnalyticsOutputDeliveryEvent(AWSEvent, rename="camel"):
    """A Kinesis Data Analytics application delivering its output to a function."""

    invocation_id: str | Unset = UNSET
    application_arn: str | Unset = UNSET
    records: list[KinesisAnalyticsOutputDeliveryRecord] = msgspec.field(default_factory=list)


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`KinesisFirehoseEvent` for a transformation batch (`deliveryStreamArn` and a `records`
    list), `KinesisAnalyticsOutputDeliveryEvent` for an output delivery (`applicationArn` and
    `records`, without the `streamArn` of an input-preprocessing batch), else None."""
    if not isinstance(data, Mapping) or not isinstance(data.get("records"), list):
        return None
    if isinstance(data.get("deliveryStreamArn"), str):
        return KinesisFirehoseEvent
    if isinstance(data.get("applicationArn"), str) and "streamArn" not in data:
        return KinesisAnalyticsOutputDeliveryEvent
    return None


# Builders


def build_kinesis_firehose(
    records: bytes | str | Sequence[bytes | str] = (b"Hello World",),
    *,
    delivery_stream: str = "my-delivery-stream",
    source_stream: str | None = None,
    partition_key: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> KinesisFirehoseEvent:
    """The batch Firehose hands a transformation function: one record per payload (bytes, or
    text as UTF-8; a single payload is a batch of one), base64-encoded, stamped with `now`.
    With `source_stream` the delivery stream reads from that Kinesis data stream, and each
    record carries its shard, partition key (`partition_key`, else a fresh UUID) and
    sequence number.

    ```pycon
    >>> build_kinesis_firehose([b'{"n": 1}']).records[0].json()
    {'n': 1}
    ```
    """
    arrived = _fake.epoch_ms(now)
    event = KinesisFirehoseEvent(
        invocation_id=_fake.request_id(),
        delivery_stream_arn=_fake.arn(
            "firehose", f"deliverystream/{delivery_stream}", region=region, account=account
        ),
        region=region,
    )
    if source_stream is not None:
        event.source_kinesis_stream_arn = _fake.arn(
            "kinesis", f"stream/{source_stream}", region=region, account=account
        )
    base = _sequence_number()
    for number, payload in enumerate([records] if isinstance(records, (bytes, str)) else records):
        sequence = str(base + number)
        record = KinesisFirehoseRecord(
            data=_fake.b64(payload),
            # Firehose ids a record by a sequence number and the record's index within it
            record_id=sequence + "000000",
            approximate_arrival_timestamp=arrived,
        )
        if source_stream is not None:
            record.kinesis_record_metadata = KinesisFirehoseRecordMetadata(
                shard_id="shardId-000000000000",
                partition_key=partition_key or _fake.request_id(),
                approximate_arrival_timestamp=arrived,
                sequence_number=sequence,
                subsequence_number=0,
            )
        event.records.append(record)
    return event


def _sequence_number() -> int:
    """A 56-digit Kinesis sequence number, leaving room for a batch's increments."""
    return 49 * 10**54 + secrets.randbelow(10**54)


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "kinesis-firehose": (KinesisFirehoseEvent, KinesisAnalyticsOutputDeliveryEvent)
}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"kinesis-firehose": build_kinesis_firehose}
