"""The Kinesis-like stream in one room: the `Stream` (`stream`), its records and limits
(`records`), its shards' layout (`_shards`) and where its records are kept: the seam
(`store`), in memory (`memory`, the default) or in a SQLite file (`sqlite`).

The Lambda event source mapping that reads a stream is not here but in
`faaslib.sources.stream_mapping`: it reads a `Table`'s stream as well, and a table writes its
changes to a `Stream`, so keeping the mapping here would make this package and
`faaslib.sources.table` import each other.
"""

from faaslib.sources.stream.records import (
    ExpiredIterator,
    GetRecordsResult,
    PutRecordResult,
    PutRecordsEntry,
    PutRecordsResult,
    Record,
    RecordRejected,
    Shard,
    ShardIterator,
    ShardNotFound,
    StreamCounters,
    StreamError,
)
from faaslib.sources.stream.stream import IteratorType, Stream

__all__ = [
    "ExpiredIterator",
    "GetRecordsResult",
    "IteratorType",
    "PutRecordResult",
    "PutRecordsEntry",
    "PutRecordsResult",
    "Record",
    "RecordRejected",
    "Shard",
    "ShardIterator",
    "ShardNotFound",
    "Stream",
    "StreamCounters",
    "StreamError",
]
