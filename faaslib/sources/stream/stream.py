"""A Kinesis-like data stream that lives in the app: shards, ordered records, shard iterators.

A record is put with a partition key; the MD5 of the key, read as a 128-bit integer, picks the
shard whose hash-key range holds it (`explicit_hash_key` picks it instead), so every record of a
key lands in one shard. Within a shard each record gets a larger sequence number than the one
before, and readers follow shard iterators from TRIM_HORIZON, LATEST, a timestamp or a sequence
number; any number of readers read the same records, each at its own position. Records stay for
the retention period (24 hours by default, up to 8,760) and are then trimmed, which moves
TRIM_HORIZON forward; an iterator left behind reads on from the oldest record still there.

Time comes from the stream's `Clock`: arrival timestamps, retention and the 5-minute lifetime of
shard iterators all move with `FakeClock.advance()`. A stream belongs to one event loop and is
not thread-safe. Its records live in the app's store (`store.py`): in memory by default, or in a
SQLite file, where they outlive the process and the processes sharing the file share the stream
(sequence numbers keep growing per shard whichever process puts; a shard iterator is a position,
so one handed out before a restart reads on until its 5 minutes are up). Where it is simpler
than Kinesis, on purpose:

- per-shard throughput (writes 1 MB/s and 1,000 records/s, reads 5 calls/s and 2 MB/s) is not
  enforced: there is no ProvisionedThroughputExceededException, so `put_records` never fails a
  record alone;
- the shard count is fixed: no splits, merges or UpdateShardCount, so no shard ever closes;
- a record is at most 1 MiB, Kinesis's default: its opt-in large records (up to 10 MiB,
  https://docs.aws.amazon.com/streams/latest/dev/large-records.html) are not offered;
- no enhanced fan-out, server-side encryption, tags or on-demand capacity mode.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from faaslib.clock import Clock
from faaslib.errors import ConfigurationError
from faaslib.events._fake import arn as resource_arn
from faaslib.events.streams import KinesisStreamEvent
from faaslib.sources._common import shown
from faaslib.sources.stream._shards import SLACK
from faaslib.sources.stream.records import (
    ExpiredIterator,
    GetRecordsResult,
    OutgoingRecord,
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
    check_timestamp,
    encode_record,
    out_of_range,
)
from faaslib.sources.stream.store import ShardStore, for_backend

if TYPE_CHECKING:
    from faaslib.stores import Backend

__all__ = ["IteratorType", "Stream"]

IteratorType = Literal[
    "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP", "TRIM_HORIZON", "LATEST"
]
_ITERATOR_TYPES = (
    "AT_SEQUENCE_NUMBER",
    "AFTER_SEQUENCE_NUMBER",
    "AT_TIMESTAMP",
    "TRIM_HORIZON",
    "LATEST",
)

# Kinesis's limits (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html
# and the PutRecords, GetRecords and GetShardIterator API references).
SHARDS = (1, 10_000)  # per stream: UpdateShardCount's default limit
RETENTION_HOURS = (24, 8_760)
MAX_PUT_RECORDS = 500
MAX_PUT_RECORDS_SIZE = 5 * 1_048_576  # data and partition keys of the whole request
GET_RECORDS_LIMIT = (1, 10_000)
MAX_GET_RECORDS_SIZE = 10 * 1_048_576
ITERATOR_LIFETIME = 300.0

_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}")
_WHOLE_NUMBER = re.compile(r"0|[1-9][0-9]*")


class Stream:
    """A Kinesis data stream: `put_record`, `put_records`, shard iterators and `get_records`.

    ```pycon
    >>> stream = Stream("clicks", clock, shards=2)
    >>> put = await stream.put_record({"page": "/"}, partition_key="user-1")
    >>> iterator = stream.iterator(put.shard_id, "TRIM_HORIZON")
    >>> result = stream.get_records(iterator)
    >>> [record.json() for record in result.records]
    [{'page': '/'}]
    ```

    The shards split the 128-bit hash-key space into equal ranges, as CreateStream does. Limits
    and defaults are Kinesis's; a value out of range raises `ConfigurationError`. On a store
    that outlives the process the records are kept under the stream's ARN, or under `key` when
    given (a table keeps its stream's records under its own ARN, apart from a Kinesis stream of
    the same name); a kept stream's shard count cannot change.
    """

    def __init__(
        self,
        name: str,
        clock: Clock,
        *,
        shards: int = 1,
        retention_hours: int = 24,
        region: str = "us-east-1",
        account: str = "123456789012",
        backend: Backend | None = None,
        key: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ConfigurationError(
                f"stream {name!r}: the name must have 1 to 128 characters: letters, digits, "
                "'_', '-' or '.'"
            )
        for field, value, (low, high) in (
            ("shards", shards, SHARDS),
            ("retention_hours", retention_hours, RETENTION_HOURS),
        ):
            problem = out_of_range(field, value, low, high)
            if problem is not None:
                raise ConfigurationError(f"stream {name!r}: {problem}")
        self.name = name
        self.clock = clock
        self.retention_hours = retention_hours
        self.region = region
        self.account = account
        self._backend = backend  # where its state lives (memory when None)
        self.arn = resource_arn("kinesis", f"stream/{name}", region=region, account=account)
        # Its records are kept under its ARN, unless its owner (a table) names another key.
        self._store = for_backend(backend, key or self.arn, shards, clock)
        self.created_at = self._store.created_at  # Unix seconds, as DescribeStream reports it
        self.counters = StreamCounters()
        self._ordered = list(self._store.logs)
        self._logs = {log.shard.shard_id: log for log in self._ordered}
        self.shards: list[Shard] = [log.shard for log in self._ordered]
        self._starts = [shard.starting_hash_key for shard in self.shards]

    def __repr__(self) -> str:
        return f"<Stream {self.name!r}: {len(self.shards)} shards, {self._store.size()} records>"

    # -- putting ---------------------------------------------------------------------------------

    async def put_record(
        self,
        data: bytes | str | Any,
        partition_key: str,
        *,
        explicit_hash_key: str | int | None = None,
    ) -> PutRecordResult:
        """Put one record: `data` as bytes (text as UTF-8, any other value as JSON).

        The shard is the one whose hash-key range holds the MD5 of `partition_key` (1 to 256
        characters) read as a 128-bit integer, or `explicit_hash_key` (a whole number below
        2^128, as text) if given. Raises `RecordRejected` for a record Kinesis would refuse.
        """
        return self._put_now(data, partition_key, explicit_hash_key)

    def _put_now(
        self, data: bytes | str | Any, partition_key: str, explicit_hash_key: Any = None
    ) -> PutRecordResult:
        """`put_record` without awaiting: a table writes its change and its stream record in
        one step (one transaction on a file)."""
        self._trim()
        return self._append(encode_record(self.name, data, partition_key, explicit_hash_key))

    async def put_records(
        self, records: Iterable[PutRecordsEntry | Mapping[str, Any]]
    ) -> PutRecordsResult:
        """Put up to 500 records (each a `PutRecordsEntry` or a mapping of its fields), at most
        5 MiB of data and partition keys in all; the results come back in the same order.

        Kinesis checks the whole request before it writes: one entry it would refuse, or a
        request too long or too large, raises `RecordRejected` and no record is put.
        """
        self._trim()
        if isinstance(records, str | bytes | Mapping) or not isinstance(records, Iterable):
            raise RecordRejected(
                self.name,
                f"records is a {type(records).__name__}; put_records takes a list of "
                "PutRecordsEntry (or mappings of their fields)",
                code="ValidationException",
            )
        entries = list(records)
        if not entries:
            raise RecordRejected(
                self.name,
                "put_records has no records; Kinesis needs 1 to 500",
                code="ValidationException",
            )
        if len(entries) > MAX_PUT_RECORDS:
            raise RecordRejected(
                self.name,
                f"put_records has {len(entries):,} records, over Kinesis's limit of "
                f"{MAX_PUT_RECORDS}",
                code="ValidationException",
            )
        outgoing = [self._encode_entry(index, entry) for index, entry in enumerate(entries)]
        total = sum(record.size for record in outgoing)
        if total > MAX_PUT_RECORDS_SIZE:
            raise RecordRejected(
                self.name,
                f"put_records carries {total:,} bytes of data and partition keys, over "
                f"Kinesis's limit of {MAX_PUT_RECORDS_SIZE:,} bytes (5 MiB)",
            )
        with self._store.batch():  # all of them or, if the process dies, none
            return PutRecordsResult(records=[self._append(record) for record in outgoing])

    def _encode_entry(
        self, index: int, entry: PutRecordsEntry | Mapping[str, Any]
    ) -> OutgoingRecord:
        where = f"records[{index}]: "
        if not isinstance(entry, PutRecordsEntry):
            try:
                entry = PutRecordsEntry(**entry)
            except TypeError as error:
                raise RecordRejected(
                    self.name,
                    f"{where}{shown(entry)} is not a PutRecordsEntry nor a mapping of data, "
                    f"partition_key and explicit_hash_key ({error})",
                    code="ValidationException",
                ) from None
        return encode_record(
            self.name, entry.data, entry.partition_key, entry.explicit_hash_key, where
        )

    def _append(self, outgoing: OutgoingRecord) -> PutRecordResult:
        log = self._ordered[bisect_right(self._starts, outgoing.hash_key) - 1]
        record = log.append(outgoing.data, outgoing.partition_key)
        self.counters.put += 1
        return PutRecordResult(shard_id=record.shard_id, sequence_number=record.sequence_number)

    # -- reading ---------------------------------------------------------------------------------

    def iterator(
        self,
        shard_id: str,
        position: IteratorType,
        *,
        timestamp: float | datetime | None = None,
        sequence_number: str | None = None,
    ) -> ShardIterator:
        """A shard iterator, as GetShardIterator gives it: where `get_records` starts reading.

        TRIM_HORIZON starts at the oldest record kept, LATEST just after the newest,
        AT_SEQUENCE_NUMBER / AFTER_SEQUENCE_NUMBER at / after the record with `sequence_number`
        (one this shard gave out), AT_TIMESTAMP at the first record that arrived at or after
        `timestamp` (Unix seconds or a datetime; the oldest record kept if it is older still).
        """
        self._trim()
        log = self._log(shard_id)
        if position not in _ITERATOR_TYPES:
            raise StreamError(
                self.name,
                f"position={position!r} is not one of {', '.join(_ITERATOR_TYPES)}",
                code="ValidationException",
            )
        needs_number = position in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
        for field, value, needed in (
            ("sequence_number", sequence_number, needs_number),
            ("timestamp", timestamp, position == "AT_TIMESTAMP"),
        ):
            if needed and value is None:
                raise StreamError(self.name, f"{position} needs a {field}")
            if not needed and value is not None:
                raise StreamError(self.name, f"{field} is not used with {position}; drop it")
        not_before: float | None = None
        if position == "TRIM_HORIZON":
            number = log.trim_horizon
        elif position == "LATEST":
            number = log.tip
        elif position == "AT_TIMESTAMP":
            # "If a record with this exact time stamp does not exist, the iterator returned is
            # for the next (later) record. If the time stamp is older than the current trim
            # horizon, the iterator returned is for the oldest untrimmed data record"
            # (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetShardIterator.html).
            not_before = check_timestamp(self.name, timestamp)
            number = log.first_arrived_since(not_before)
            if number < log.tip:
                not_before = None  # every record from here on arrived at or after it
        else:
            number = self._number_of(log, sequence_number)
            if position == "AFTER_SEQUENCE_NUMBER":
                number += 1
        return ShardIterator(
            stream_arn=self.arn,
            shard_id=shard_id,
            position=number,
            issued_at=self.clock.monotonic(),
            not_before=not_before,
        )

    def get_records(self, iterator: ShardIterator, limit: int = 10_000) -> GetRecordsResult:
        """Read up to `limit` records (1 to 10,000, and at most 10 MiB) from where `iterator`
        points, in sequence-number order; `next_iterator` reads on after them.

        A read that finds nothing returns no records and an iterator at the same place. An
        iterator behind TRIM_HORIZON reads on from there, as Kinesis's does. Raises
        `ExpiredIterator` for an iterator issued more than 5 minutes ago.
        """
        if not isinstance(iterator, ShardIterator) or iterator.stream_arn != self.arn:
            raise StreamError(
                self.name, f"{iterator!r} is not a shard iterator of this stream ({self.arn})"
            )
        problem = out_of_range("limit", limit, *GET_RECORDS_LIMIT)
        if problem is not None:
            raise StreamError(self.name, problem)
        now = self.clock.monotonic()
        age = now - iterator.issued_at
        if age > ITERATOR_LIFETIME + SLACK:
            raise ExpiredIterator(
                self.name,
                f"the iterator of {iterator.shard_id} was issued {age:,.0f} s ago, over "
                f"Kinesis's limit of {ITERATOR_LIFETIME:,.0f} s; get a new one (e.g. "
                "AFTER_SEQUENCE_NUMBER of the last record read)",
            )
        self._trim()
        log = self._log(iterator.shard_id)
        number, not_before = log.start(iterator)
        records = log.read(number, limit, MAX_GET_RECORDS_SIZE)
        number += len(records)
        behind = 0
        if number < log.tip:
            lag = self._store.time() - log.arrived_at(number)
            behind = max(0, math.floor(lag * 1000))
        return GetRecordsResult(
            records=records,
            next_iterator=ShardIterator(
                stream_arn=self.arn,
                shard_id=iterator.shard_id,
                position=number,
                issued_at=now,
                not_before=not_before,
            ),
            millis_behind_latest=behind,
        )

    async def wait_for_records(
        self, shard_id: str, after: str | ShardIterator | None = None
    ) -> None:
        """Sleep until the shard holds a record newer than `after`: a sequence number of the
        shard, or an iterator (a record it would read). With None, until it holds any record.

        It returns at once if there is one already. It never times out by itself: wrap it in
        the clock's `timeout_scope` to poll, as Lambda's event source mapping does.
        """
        log = self._log(shard_id)
        if isinstance(after, ShardIterator):
            if after.shard_id != shard_id or after.stream_arn != self.arn:
                raise StreamError(
                    self.name, f"the iterator is for {after.shard_id} of {after.stream_arn}"
                )
            iterator = after
        elif after is None:
            iterator = ShardIterator(
                stream_arn=self.arn, shard_id=shard_id, position=0, issued_at=0.0
            )
        else:
            iterator = ShardIterator(
                stream_arn=self.arn,
                shard_id=shard_id,
                position=self._number_of(log, after) + 1,
                issued_at=0.0,
            )
        while True:
            self._trim()
            number, _ = log.start(iterator)
            if number < log.tip:
                return
            await log.wait()

    def lambda_event(
        self, records: Iterable[Record], *, invoke_identity_arn: str | None = None
    ) -> KinesisStreamEvent:
        """A batch of records as the event Lambda sends a function mapped to this stream."""
        return KinesisStreamEvent(
            records=[
                record.to_lambda_record(
                    self.region, self.arn, invoke_identity_arn=invoke_identity_arn
                )
                for record in records
            ]
        )

    # -- inside ----------------------------------------------------------------------------------

    def _log(self, shard_id: str) -> ShardStore:
        log = self._logs.get(shard_id)
        if log is None:
            first, last = self.shards[0].shard_id, self.shards[-1].shard_id
            shards = first if first == last else f"{first} to {last}"
            raise ShardNotFound(
                self.name, f"shard {shard_id!r} does not exist; the stream's shards are {shards}"
            )
        return log

    def _number_of(self, log: ShardStore, sequence_number: Any) -> int:
        if not isinstance(sequence_number, str) or not _WHOLE_NUMBER.fullmatch(sequence_number):
            raise StreamError(
                self.name,
                f"sequence_number={sequence_number!r} is not a sequence number (a whole number "
                "as text)",
                code="ValidationException",
            )
        number = log.number_of(int(sequence_number))
        if number is None:
            raise StreamError(
                self.name,
                f"sequence_number={sequence_number!r} was not issued by shard {log.shard.shard_id}",
            )
        return number

    def _trim(self) -> None:
        """Trim every record older than the retention period, oldest first."""
        self.counters.trimmed += self._store.trim(self.retention_hours * 3600.0)
