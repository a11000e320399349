"""What a stream mapping hands a function: the records of one shard as Lambda shapes them, how
they are cut into batches within the 6 MB payload, how a batch is split when it fails, and how
a partial batch response is read.

Two sources feed a stream mapping alike: a Kinesis-like `Stream`, whose records reach the
function as Kinesis records (base64 data), and a DynamoDB-like `Table`, whose stream records
reach it as DynamoDB stream records (keys and images). A `StreamSource` says which, and what
Lambda lets a filter look at in each:

- Kinesis: the record's `data` decoded as JSON, and the metadata of its `kinesis` object
  (`partitionKey`, `sequenceNumber`, ...), which the examples of
  https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html filter on. A record
  whose data is not JSON never matches a pattern on `data`, but can match one on metadata alone
  (that page's "Properly filtering Kinesis and DynamoDB messages"). AWS's newer
  with-kinesis-filtering.html names only `data`; the metadata keys are kept for the older rule;
- DynamoDB: the stream record's fields, `dynamodb` (keys and images) and its metadata
  (`eventName`, ...), as with-ddb-filtering.html shows.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Sequence
from typing import Any

import msgspec

from faaslib.invoke import MAX_SYNC_REQUEST_BYTES, InvocationResult
from faaslib.patterns import Pattern
from faaslib.payloads import PayloadError, from_document
from faaslib.sources._common import FilterSpec, compile_filters, filtered_keys
from faaslib.sources.stream.records import Record
from faaslib.sources.stream.stream import Stream
from faaslib.sources.table.table import Table

__all__ = [
    "Batch",
    "DynamoDBSource",
    "Item",
    "KinesisSource",
    "StreamSource",
    "is_full",
    "matches",
    "take_batch",
]

_EVENT_OVERHEAD = len(b'{"Records":[]}')  # the event around its records
_KINESIS_METADATA = ("kinesisSchemaVersion", "partitionKey", "sequenceNumber")
_KINESIS_KEYS = (*_KINESIS_METADATA, "approximateArrivalTimestamp", "data")
_DYNAMODB_KEYS = (
    "awsRegion",
    "dynamodb",
    "eventID",
    "eventName",
    "eventSource",
    "eventSourceARN",
    "eventVersion",
    "userIdentity",
)


class Item:
    """One record in a mapping's hands: the stored record, its encoded Lambda form (encoded
    once, whatever the retries and splits) and what ordering and failure records need."""

    __slots__ = ("arrival", "encoded", "record", "sequence", "size")

    def __init__(self, record: Record, encoded: bytes) -> None:
        self.record = record
        self.encoded = encoded
        self.size = len(encoded)
        self.sequence = int(record.sequence_number)
        self.arrival = record.approximate_arrival_timestamp


class Batch:
    """Records of one shard invoked together, in sequence order, with what they went through:
    `failures` is their retry count (function errors and partial failures; Lambda's quota),
    `invocations` how many invocations carried them, `last` the latest invocation's result."""

    __slots__ = ("failures", "invocations", "items", "last")

    def __init__(
        self,
        items: list[Item],
        *,
        failures: int = 0,
        invocations: int = 0,
        last: InvocationResult | None = None,
    ) -> None:
        self.items = items
        self.failures = failures
        self.invocations = invocations
        self.last = last

    def __len__(self) -> int:
        return len(self.items)

    def payload(self) -> bytes:
        """The event Lambda sends: `{"Records": [...]}`."""
        return b'{"Records":[' + b",".join(item.encoded for item in self.items) + b"]}"

    def part(self, start: int, end: int | None = None) -> Batch:
        """Records `start:end`, keeping what they went through."""
        return Batch(
            self.items[start:end],
            failures=self.failures,
            invocations=self.invocations,
            last=self.last,
        )

    def halves(self) -> tuple[Batch, Batch]:
        """The batch split in two, as BisectBatchOnFunctionError splits it: "Splitting a batch
        does not count towards the retry quota", so each half keeps the retry count."""
        middle = len(self.items) // 2
        return self.part(0, middle), self.part(middle)


def take_batch(buffer: deque[Item], batch_size: int) -> list[Item]:
    """The next batch from `buffer`: up to `batch_size` records, and never an event over the
    6 MB synchronous payload (one record always fits: Kinesis's are at most 1 MiB)."""
    items: list[Item] = []
    size = _EVENT_OVERHEAD
    while buffer and len(items) < batch_size:
        extra = buffer[0].size + (1 if items else 0)
        if items and size + extra > MAX_SYNC_REQUEST_BYTES:
            break
        items.append(buffer.popleft())
        size += extra
    return items


def is_full(buffer: deque[Item], buffer_bytes: int, batch_size: int) -> bool:
    """Whether `buffer` holds a whole batch: `batch_size` records or a full payload."""
    return (
        len(buffer) >= batch_size
        or _EVENT_OVERHEAD + buffer_bytes + len(buffer) > MAX_SYNC_REQUEST_BYTES
    )


class StreamSource:
    """What a stream mapping reads, and how Lambda presents it; `KinesisSource` and
    `DynamoDBSource` are the two kinds."""

    kind: str  # "stream" or "table", in descriptions
    name: str
    stream: Stream
    event_source_arn: str  # the ARN a failure record names
    batch_info_key: str  # "KinesisBatchInfo" or "DDBStreamBatchInfo"
    starting_positions: tuple[str, ...]
    filter_keys: tuple[str, ...]
    data_key: str  # the key that holds the record's own data
    arrival_millis: bool  # failure records give arrivals to the millisecond

    def encode(self, record: Record) -> bytes:
        """The record as the function receives it, encoded."""
        raise NotImplementedError

    def filter_document(self, item: Item) -> dict[str, Any]:
        """What the filter patterns match against; without `data_key` when the data is not
        JSON."""
        raise NotImplementedError

    def compile_filters(self, owner: str, filter: FilterSpec) -> list[tuple[Pattern, bool]]:
        """The filter's patterns, each with whether it looks at the record's data."""
        mapping = "a Kinesis" if self.kind == "stream" else "a DynamoDB"
        patterns = compile_filters(
            owner,
            filter,
            mapping=f"{mapping} event source mapping",
            keys=self.filter_keys,
            data_keys=(self.data_key,),
        )
        return [(pattern, self.data_key in set(filtered_keys(pattern))) for pattern in patterns]


class KinesisSource(StreamSource):
    """A Kinesis-like stream: records reach the function with their data in base64."""

    kind = "stream"
    batch_info_key = "KinesisBatchInfo"
    starting_positions = ("LATEST", "TRIM_HORIZON", "AT_TIMESTAMP")
    filter_keys = _KINESIS_KEYS
    data_key = "data"
    arrival_millis = True

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.name = stream.name
        self.event_source_arn = stream.arn

    def encode(self, record: Record) -> bytes:
        stream = self.stream
        return msgspec.json.encode(record.to_lambda_record(stream.region, stream.arn))

    def filter_document(self, item: Item) -> dict[str, Any]:
        record = item.record
        document: dict[str, Any] = {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record.partition_key,
            "sequenceNumber": record.sequence_number,
            "approximateArrivalTimestamp": record.approximate_arrival_timestamp,
        }
        # Not JSON (or nested deeper than faaslib's limit): only metadata can match.
        with contextlib.suppress(PayloadError):
            document["data"] = from_document(record.data)
        return document


class DynamoDBSource(StreamSource):
    """A DynamoDB-like table's stream: records reach the function as DynamoDB stream records.
    AT_TIMESTAMP is for Kinesis only (CreateEventSourceMapping's StartingPosition)."""

    kind = "table"
    batch_info_key = "DDBStreamBatchInfo"
    starting_positions = ("LATEST", "TRIM_HORIZON")
    filter_keys = _DYNAMODB_KEYS
    data_key = "dynamodb"
    arrival_millis = False  # DynamoDB's creation times are whole seconds

    def __init__(self, table: Table) -> None:
        self.table = table
        self.stream = table.stream
        self.name = table.name
        self.event_source_arn = table.stream_arn

    def encode(self, record: Record) -> bytes:
        return msgspec.json.encode(self.table.change(record))

    def filter_document(self, item: Item) -> dict[str, Any]:
        document: dict[str, Any] = msgspec.json.decode(item.encoded)
        return document


def matches(source: StreamSource, filters: Sequence[tuple[Pattern, bool]], item: Item) -> bool:
    """Whether a record satisfies one of the filters (none: every record does)."""
    if not filters:
        return True
    document = source.filter_document(item)
    has_data = source.data_key in document
    return any(
        pattern.matches(document) for pattern, uses_data in filters if has_data or not uses_data
    )
