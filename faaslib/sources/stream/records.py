"""What a Kinesis-like stream holds and answers: its shards, records, shard iterators, the
results of puts and reads, the errors Kinesis would return, and the checks a record passes
before it is put. `faaslib.sources.stream` keeps the records; this module says what they are."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime
from typing import Any

import msgspec

from faaslib.events._fake import ACCOUNT

# The builder's private encoder, so that a put record and a built event carry the same bytes.
from faaslib.events.stream_builders import _payload, build_kinesis
from faaslib.events.streams import KinesisData, KinesisStreamRecord
from faaslib.payloads import PayloadError
from faaslib.sources._common import shown

__all__ = [
    "HASH_KEY_SPACE",
    "MAX_RECORD_SIZE",
    "PARTITION_KEY_CHARACTERS",
    "ExpiredIterator",
    "GetRecordsResult",
    "PutRecordResult",
    "PutRecordsEntry",
    "PutRecordsResult",
    "Record",
    "RecordRejected",
    "Shard",
    "ShardIterator",
    "ShardNotFound",
    "StreamCounters",
    "StreamError",
    "check_timestamp",
    "encode_record",
    "out_of_range",
]

# Kinesis's limits for one record (PutRecord's API reference,
# https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecord.html).
HASH_KEY_SPACE = 2**128
PARTITION_KEY_CHARACTERS = (1, 256)
MAX_RECORD_SIZE = 1_048_576  # data and partition key together
_WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]*")


class StreamError(ValueError):
    """A request the stream refuses, as Kinesis would. `code` is Kinesis's error code
    (`InvalidArgumentException`, `ValidationException`, ...) so code that handles boto3's errors
    maps over; the message names the stream, the field, the value and the limit."""

    code: str = "InvalidArgumentException"

    def __init__(self, stream_name: str, message: str, *, code: str | None = None) -> None:
        super().__init__(f"stream {stream_name!r}: {message}")
        self.stream_name = stream_name
        if code is not None:
            self.code = code


class RecordRejected(StreamError):
    """A put Kinesis would refuse: data or partition key out of bounds, a bad explicit hash key,
    a batch too long or too large. A `put_records` batch is refused whole, naming the entry, as
    Kinesis validates the request before it writes any record of it."""


class ShardNotFound(StreamError):
    """No shard of the stream has that id."""

    code = "ResourceNotFoundException"


class ExpiredIterator(StreamError):
    """The shard iterator was issued more than 5 minutes ago; get a new one (with
    AFTER_SEQUENCE_NUMBER of the last record read, as the Kinesis Client Library does)."""

    code = "ExpiredIteratorException"


class Shard(msgspec.Struct, frozen=True, kw_only=True):
    """One shard, as DescribeStream lists it: its id, the range of 128-bit hash keys it takes
    (both ends included) and the sequence number its first record gets."""

    shard_id: str
    starting_hash_key: int
    ending_hash_key: int
    starting_sequence_number: str


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """A record read from a shard, as GetRecords returns it, with the shard it came from.

    `approximate_arrival_timestamp` is Unix seconds with millisecond precision, taken from the
    stream's clock when the record was put.
    """

    data: bytes
    partition_key: str
    sequence_number: str
    approximate_arrival_timestamp: float
    shard_id: str

    def json(self) -> Any:
        """The data decoded from JSON."""
        return msgspec.json.decode(self.data)

    def to_lambda_record(
        self, region: str, event_source_arn: str, *, invoke_identity_arn: str | None = None
    ) -> KinesisStreamRecord:
        """The record as Lambda hands it to a function: data in base64, `eventID`
        `shardId-...:sequence`, `invokeIdentityArn` the function's role (by default the
        `lambda-role` of the stream's account, as `faaslib.events` builds it).

        The shape comes from `faaslib.events`' Kinesis builder, so a stored record and a built
        event cannot drift apart; only what this record knows is put in its place.
        """
        parts = event_source_arn.split(":")
        account = parts[4] if len(parts) > 5 and parts[4] else ACCOUNT
        [record] = build_kinesis(
            self.data,
            partition_key=self.partition_key,
            shard_id=self.shard_id,
            now=self.approximate_arrival_timestamp,
            region=region,
            account=account,
        ).records
        kinesis = record.kinesis
        assert isinstance(kinesis, KinesisData)  # the builder always fills it
        kinesis.sequence_number = self.sequence_number
        kinesis.approximate_arrival_timestamp = self.approximate_arrival_timestamp
        record.event_id = f"{self.shard_id}:{self.sequence_number}"
        record.event_source_arn = event_source_arn
        if invoke_identity_arn is not None:
            record.invoke_identity_arn = invoke_identity_arn
        return record


class ShardIterator(msgspec.Struct, frozen=True, kw_only=True):
    """A position in one shard, as GetShardIterator and GetRecords hand it out: where the next
    read starts. It expires 5 minutes after it was issued, as on Kinesis; every `get_records`
    gives a fresh one in `next_iterator`."""

    stream_arn: str
    shard_id: str
    position: int  # the number, within its shard, of the next record to read
    issued_at: float  # on the stream clock's monotonic time
    not_before: float | None = None  # AT_TIMESTAMP ahead of every record: skip earlier arrivals


class PutRecordResult(msgspec.Struct, frozen=True, kw_only=True):
    """Where a record went: its shard and its sequence number there."""

    shard_id: str
    sequence_number: str


class PutRecordsEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One record of `Stream.put_records`, with the arguments of `Stream.put_record`."""

    data: Any
    partition_key: str
    explicit_hash_key: str | int | None = None


class PutRecordsResult(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of `put_records`: one result per entry, in the order given.

    `failed_record_count` is always 0 here: Kinesis fails a record alone only when its shard's
    throughput is exceeded or on an internal error, neither of which this stream models.
    """

    records: list[PutRecordResult]
    failed_record_count: int = 0


class GetRecordsResult(msgspec.Struct, frozen=True, kw_only=True):
    """What GetRecords answers: the records read, the iterator to read on from, and how many
    milliseconds the oldest record not yet read has waited (0 when the reader is caught up)."""

    records: list[Record]
    next_iterator: ShardIterator
    millis_behind_latest: int


class StreamCounters(msgspec.Struct, kw_only=True):
    """What went through the stream, for metrics. Every record `put` is still in its shard or
    was `trimmed` at the end of the retention period; reads do not remove records."""

    put: int = 0
    trimmed: int = 0


class OutgoingRecord:
    """A record being put: encoded, measured and given its hash key."""

    __slots__ = ("data", "hash_key", "partition_key", "size")

    def __init__(self, data: bytes, partition_key: str, hash_key: int) -> None:
        self.data = data
        self.partition_key = partition_key
        self.hash_key = hash_key
        self.size = len(data) + len(partition_key.encode())


def encode_record(
    stream_name: str, data: Any, partition_key: Any, explicit_hash_key: Any, where: str = ""
) -> OutgoingRecord:
    """Check one record against Kinesis's limits and give it its hash key: the MD5 of the
    partition key read as a 128-bit integer, unless `explicit_hash_key` overrides it. `where`
    names the record within a batch. Raises `RecordRejected`."""
    try:
        blob = _payload(data)
    except UnicodeEncodeError as error:
        raise RecordRejected(stream_name, f"{where}data is not valid text: {error}") from None
    except PayloadError as error:
        raise RecordRejected(
            stream_name,
            f"{where}data of type {type(data).__name__} cannot be sent as JSON: {error}",
        ) from None
    if not isinstance(partition_key, str):
        raise RecordRejected(
            stream_name,
            f"{where}partition_key={shown(partition_key)} is of type "
            f"{type(partition_key).__name__}; it must be a str",
            code="ValidationException",
        )
    low, high = PARTITION_KEY_CHARACTERS
    if not low <= len(partition_key) <= high:
        size = "empty" if not partition_key else f"{len(partition_key):,} characters"
        raise RecordRejected(
            stream_name,
            f"{where}partition_key is {size}; Kinesis takes {low} to {high} characters",
            code="ValidationException",
        )
    try:
        key = partition_key.encode()
    except UnicodeEncodeError as error:
        raise RecordRejected(
            stream_name, f"{where}partition_key is not valid text: {error}"
        ) from None
    if explicit_hash_key is None:
        hash_key = int.from_bytes(hashlib.md5(key).digest(), "big")
    else:
        hash_key = _check_hash_key(stream_name, explicit_hash_key, where)
    outgoing = OutgoingRecord(blob, partition_key, hash_key)
    if outgoing.size > MAX_RECORD_SIZE:
        raise RecordRejected(
            stream_name,
            f"{where}the record is {outgoing.size:,} bytes of data and partition key, over "
            f"Kinesis's limit of {MAX_RECORD_SIZE:,} bytes (1 MiB)",
        )
    return outgoing


def _check_hash_key(stream_name: str, value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        number = int(value)
    else:
        number = -1
    if not 0 <= number < HASH_KEY_SPACE:
        raise RecordRejected(
            stream_name,
            f"{where}explicit_hash_key={shown(value)} is not a whole number from 0 to 2^128 - 1 "
            f"({HASH_KEY_SPACE - 1})",
        )
    return number


def check_timestamp(stream_name: str, timestamp: Any) -> float:
    """An AT_TIMESTAMP time as Unix seconds, to the millisecond as Kinesis compares them."""
    if isinstance(timestamp, datetime):
        if timestamp.tzinfo is None:
            raise StreamError(
                stream_name, f"timestamp={timestamp!r} has no time zone; give it one (UTC)"
            )
        timestamp = timestamp.timestamp()
    if (
        isinstance(timestamp, bool)
        or not isinstance(timestamp, (int, float))
        or not math.isfinite(timestamp)
    ):
        raise StreamError(
            stream_name, f"timestamp={shown(timestamp)} is not Unix seconds nor a datetime"
        )
    return round(float(timestamp), 3)


def out_of_range(field: str, value: Any, low: int, high: int) -> str | None:
    """What is wrong with `value` for `field`, or None if it is a whole number within range."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{field}={shown(value)} is not a whole number"
    if value < low:
        return f"{field}={shown(value)} is below the minimum of {low:,}"
    if value > high:
        return f"{field}={shown(value)} is above the maximum of {high:,}"
    return None
