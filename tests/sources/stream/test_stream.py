"""The in-app Kinesis stream: shard choice by MD5 hash key, ordering, shard iterators of every
type, retention on a fake clock, Kinesis's limits, and records shaped as Lambda sends them."""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
from datetime import datetime, timezone
from typing import Any

import anyio
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faaslib import ConfigurationError, events
from faaslib.events import KinesisStreamEvent
from faaslib.sources.stream import Stream
from faaslib.sources.stream.records import (
    ExpiredIterator,
    PutRecordsEntry,
    Record,
    RecordRejected,
    ShardIterator,
    ShardNotFound,
    StreamError,
)
from faaslib.testing import FakeClock
from tests.events.corpus import needs_corpus
from tests.events.structure import assert_shaped_like

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]

MiB = 1_048_576
START = 1_767_225_600.0
EXAMPLES = itertools.count()  # FakeClock's start, 2026-01-01T00:00:00Z


def read_all(stream: Stream, iterator: ShardIterator, limit: int = 10_000) -> list[Record]:
    """Follow iterators until a read comes back empty."""
    records: list[Record] = []
    while True:
        result = stream.get_records(iterator, limit)
        if not result.records:
            return records
        records.extend(result.records)
        iterator = result.next_iterator


def datas(records: list[Record]) -> list[bytes]:
    return [record.data for record in records]


def md5_hash_key(partition_key: str) -> int:
    return int(hashlib.md5(partition_key.encode()).hexdigest(), 16)


# -- shards and hash keys ----------------------------------------------------------------------


def test_two_and_four_shards_split_the_hash_key_space_evenly(clock: FakeClock) -> None:
    two = Stream("two", clock, shards=2)
    assert [(s.shard_id, s.starting_hash_key, s.ending_hash_key) for s in two.shards] == [
        ("shardId-000000000000", 0, 2**127 - 1),
        ("shardId-000000000001", 2**127, 2**128 - 1),
    ]
    four = Stream("four", clock, shards=4)
    assert [(s.starting_hash_key, s.ending_hash_key) for s in four.shards] == [
        (0, 2**126 - 1),
        (2**126, 2**127 - 1),
        (2**127, 3 * 2**126 - 1),
        (3 * 2**126, 2**128 - 1),
    ]


def test_three_shards_split_as_describe_stream_shows_them(clock: FakeClock) -> None:
    """The ranges DescribeStream lists for a stream created with 3 shards."""
    stream = Stream("three", clock, shards=3)
    assert [(s.starting_hash_key, s.ending_hash_key) for s in stream.shards] == [
        (0, 113427455640312821154458202477256070484),
        (113427455640312821154458202477256070485, 226854911280625642308916404954512140969),
        (226854911280625642308916404954512140970, 340282366920938463463374607431768211455),
    ]


@pytest.mark.parametrize(
    ("partition_key", "md5", "of_two", "of_four"),
    [
        # MD5 digests computed by hand; the first hex digit says the quarter of 2^128.
        ("a", "0cc175b9c0f1b6a831c399e269772661", 0, 0),
        ("order-1", "6e7f85a9d0fe9b5dfb504c6f2991d744", 0, 1),
        ("b", "92eb5ffee6ae2fec3ad71c777531578f", 1, 2),
        ("user-1", "d6d7705392bc7af633328bea8c4c6904", 1, 3),
    ],
)
async def test_a_partition_key_goes_to_the_shard_holding_its_md5(
    clock: FakeClock, partition_key: str, md5: str, of_two: int, of_four: int
) -> None:
    assert hashlib.md5(partition_key.encode()).hexdigest() == md5
    for shards, expected in ((2, of_two), (4, of_four)):
        stream = Stream(f"s{shards}", clock, shards=shards)
        put = await stream.put_record(b"x", partition_key)
        assert put.shard_id == f"shardId-{expected:012d}"
        shard = stream.shards[expected]
        assert shard.starting_hash_key <= int(md5, 16) <= shard.ending_hash_key


async def test_records_of_one_partition_key_always_share_a_shard(clock: FakeClock) -> None:
    stream = Stream("keys", clock, shards=5)
    for key in (f"device-{n}" for n in range(50)):
        shard_ids = {(await stream.put_record(b"", key)).shard_id for _ in range(3)}
        [shard_id] = shard_ids
        shard = next(s for s in stream.shards if s.shard_id == shard_id)
        assert shard.starting_hash_key <= md5_hash_key(key) <= shard.ending_hash_key


@pytest.mark.parametrize(
    ("explicit_hash_key", "shard"),
    [("0", 0), (str(2**127 - 1), 0), (str(2**127), 1), (2**128 - 1, 1)],
)
async def test_an_explicit_hash_key_overrides_the_partition_key(
    clock: FakeClock, explicit_hash_key: str | int, shard: int
) -> None:
    stream = Stream("explicit", clock, shards=2)
    # "user-1" alone would go to shard 1.
    put = await stream.put_record(b"x", "user-1", explicit_hash_key=explicit_hash_key)
    assert put.shard_id == f"shardId-{shard:012d}"


# -- ordering and data -------------------------------------------------------------------------


async def test_sequence_numbers_grow_in_put_order_within_a_shard(clock: FakeClock) -> None:
    stream = Stream("ordered", clock)
    puts = [await stream.put_record(str(n), "k") for n in range(20)]
    numbers = [int(put.sequence_number) for put in puts]
    assert numbers == sorted(set(numbers))
    assert all(len(put.sequence_number) == 56 for put in puts)
    assert puts[0].sequence_number == stream.shards[0].starting_sequence_number
    records = read_all(stream, stream.iterator("shardId-000000000000", "TRIM_HORIZON"))
    assert [r.sequence_number for r in records] == [p.sequence_number for p in puts]
    assert datas(records) == [str(n).encode() for n in range(20)]


async def test_data_is_bytes_text_as_utf8_and_other_values_as_json(clock: FakeClock) -> None:
    stream = Stream("data", clock)
    for data in (b"\x00\xff", "héllo", {"id": 1, "tags": ["a"]}, [1, 2], b""):
        await stream.put_record(data, "k")
    records = read_all(stream, stream.iterator("shardId-000000000000", "TRIM_HORIZON"))
    assert datas(records) == [
        b"\x00\xff",
        "héllo".encode(),
        b'{"id":1,"tags":["a"]}',
        b"[1,2]",
        b"",
    ]
    assert records[2].json() == {"id": 1, "tags": ["a"]}
    assert records[0].partition_key == "k"
    assert records[0].approximate_arrival_timestamp == START


async def test_put_records_answers_in_order_and_keeps_each_shards_order(
    clock: FakeClock,
) -> None:
    stream = Stream("batch", clock, shards=4)
    keys = ["a", "order-1", "b", "user-1", "a", "b"]
    result = await stream.put_records(
        [PutRecordsEntry(data=f"{n}", partition_key=key) for n, key in enumerate(keys)]
        + [{"data": "6", "partition_key": "zz", "explicit_hash_key": "0"}]
    )
    assert result.failed_record_count == 0
    assert [r.shard_id[-1] for r in result.records] == ["0", "1", "2", "3", "0", "2", "0"]
    shard_zero = read_all(stream, stream.iterator("shardId-000000000000", "TRIM_HORIZON"))
    assert datas(shard_zero) == [b"0", b"4", b"6"]
    assert [r.sequence_number for r in shard_zero] == [
        result.records[n].sequence_number for n in (0, 4, 6)
    ]
    assert stream.counters.put == 7


# -- iterators ---------------------------------------------------------------------------------


async def test_latest_reads_only_records_put_after_it(clock: FakeClock) -> None:
    stream = Stream("latest", clock)
    await stream.put_record(b"old", "k")
    iterator = stream.iterator("shardId-000000000000", "LATEST")
    empty = stream.get_records(iterator)
    assert empty.records == []
    assert empty.millis_behind_latest == 0
    await stream.put_record(b"new", "k")
    assert datas(read_all(stream, empty.next_iterator)) == [b"new"]


async def test_at_and_after_sequence_number(clock: FakeClock) -> None:
    stream = Stream("sequence", clock)
    puts = [await stream.put_record(f"{n}", "k") for n in range(4)]
    shard_id = puts[0].shard_id
    at = stream.iterator(shard_id, "AT_SEQUENCE_NUMBER", sequence_number=puts[1].sequence_number)
    after = stream.iterator(
        shard_id, "AFTER_SEQUENCE_NUMBER", sequence_number=puts[1].sequence_number
    )
    assert datas(read_all(stream, at)) == [b"1", b"2", b"3"]
    assert datas(read_all(stream, after)) == [b"2", b"3"]
    last = stream.iterator(
        shard_id, "AFTER_SEQUENCE_NUMBER", sequence_number=puts[-1].sequence_number
    )
    assert stream.get_records(last).records == []
    await stream.put_record(b"4", "k")
    assert datas(read_all(stream, last)) == [b"4"]


async def test_at_timestamp_starts_at_the_first_record_arriving_then_or_later(
    clock: FakeClock,
) -> None:
    stream = Stream("time", clock)
    for n in range(3):
        await stream.put_record(f"{n}", "k")
        await clock.advance(10)
    shard_id = "shardId-000000000000"

    def from_time(timestamp: float | datetime) -> list[bytes]:
        return datas(
            read_all(stream, stream.iterator(shard_id, "AT_TIMESTAMP", timestamp=timestamp))
        )

    assert from_time(START + 10) == [b"1", b"2"]  # exactly when record 1 arrived
    assert from_time(START + 10.001) == [b"2"]  # the next (later) record
    assert from_time(START - 3600) == [b"0", b"1", b"2"]  # older than the trim horizon
    assert from_time(datetime.fromtimestamp(START + 20, tz=timezone.utc)) == [b"2"]
    future = stream.iterator(shard_id, "AT_TIMESTAMP", timestamp=START + 100)
    assert stream.get_records(future).records == []
    await stream.put_record(b"too early", "k")  # arrives at START + 30
    await clock.advance(70)
    await stream.put_record(b"on time", "k")  # arrives at START + 100
    assert datas(read_all(stream, future)) == [b"on time"]


async def test_an_iterator_expires_five_minutes_after_it_is_issued(clock: FakeClock) -> None:
    stream = Stream("expiry", clock)
    await stream.put_record(b"0", "k")
    iterator = stream.iterator("shardId-000000000000", "TRIM_HORIZON")
    await clock.advance(300)
    result = stream.get_records(iterator)  # 5 minutes exactly: still valid
    await clock.advance(300)
    assert stream.get_records(result.next_iterator).records == []  # a fresh one each read
    await clock.advance(0.5)
    with pytest.raises(ExpiredIterator, match=r"issued 300 s ago, over Kinesis's limit of 300 s"):
        stream.get_records(result.next_iterator)
    with pytest.raises(ExpiredIterator) as caught:
        stream.get_records(iterator)
    assert caught.value.code == "ExpiredIteratorException"


async def test_a_read_stops_at_the_limit_and_reports_how_far_behind_it_is(
    clock: FakeClock,
) -> None:
    stream = Stream("lag", clock)
    await stream.put_record(b"0", "k")
    await clock.advance(5)
    await stream.put_record(b"1", "k")
    await stream.put_record(b"2", "k")
    await clock.advance(2)
    first = stream.get_records(stream.iterator("shardId-000000000000", "TRIM_HORIZON"), limit=1)
    assert datas(first.records) == [b"0"]
    assert first.millis_behind_latest == 2_000  # record 1 has waited 2 s
    rest = stream.get_records(first.next_iterator, limit=5)
    assert datas(rest.records) == [b"1", b"2"]
    assert rest.millis_behind_latest == 0


async def test_a_read_returns_at_most_10_mib(clock: FakeClock) -> None:
    stream = Stream("big", clock)
    await stream.put_records(
        [PutRecordsEntry(data=bytes(MiB - 1), partition_key="k") for _ in range(4)]
    )
    await stream.put_records(
        [PutRecordsEntry(data=bytes(MiB - 1), partition_key="k") for _ in range(4)]
    )
    await stream.put_records(
        [PutRecordsEntry(data=bytes(MiB - 1), partition_key="k") for _ in range(3)]
    )
    first = stream.get_records(stream.iterator("shardId-000000000000", "TRIM_HORIZON"))
    assert len(first.records) == 10  # 10 x 1 MiB of data and key: exactly 10 MiB
    assert len(stream.get_records(first.next_iterator).records) == 1


@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        (
            ("shardId-000000000009", "LATEST"),
            ShardNotFound,
            "shard 'shardId-000000000009' does "
            "not exist; the stream's shards are shardId-000000000000 to shardId-000000000001",
        ),
        (("shardId-000000000000", "OLDEST"), StreamError, "position='OLDEST' is not one of"),
        (
            ("shardId-000000000000", "AT_SEQUENCE_NUMBER"),
            StreamError,
            "AT_SEQUENCE_NUMBER needs a sequence_number",
        ),
        (("shardId-000000000000", "AT_TIMESTAMP"), StreamError, "AT_TIMESTAMP needs a timestamp"),
    ],
)
async def test_bad_iterator_requests_are_refused(
    clock: FakeClock, arguments: tuple[str, Any], error: type[Exception], message: str
) -> None:
    stream = Stream("iterators", clock, shards=2)
    with pytest.raises(error, match=message.replace("(", r"\(")):
        stream.iterator(*arguments)


async def test_a_sequence_number_must_come_from_the_shard(clock: FakeClock) -> None:
    stream = Stream("numbers", clock, shards=2)
    other = await stream.put_record(b"", "a")  # shard 0
    mine = await stream.put_record(b"", "b")  # shard 1
    shard_id = mine.shard_id
    for sequence_number in (other.sequence_number, str(int(mine.sequence_number) + 2**32)):
        with pytest.raises(StreamError, match=f"was not issued by shard {shard_id}"):
            stream.iterator(shard_id, "AT_SEQUENCE_NUMBER", sequence_number=sequence_number)
    with pytest.raises(StreamError, match="is not a sequence number") as caught:
        stream.iterator(shard_id, "AFTER_SEQUENCE_NUMBER", sequence_number="12a")
    assert caught.value.code == "ValidationException"
    with pytest.raises(StreamError, match="sequence_number is not used with TRIM_HORIZON"):
        stream.iterator(shard_id, "TRIM_HORIZON", sequence_number=mine.sequence_number)


@pytest.mark.parametrize("limit", [0, 10_001, 2.5])
async def test_get_records_limit_is_1_to_10000(clock: FakeClock, limit: Any) -> None:
    stream = Stream("limits", clock)
    iterator = stream.iterator("shardId-000000000000", "LATEST")
    with pytest.raises(StreamError, match=f"stream 'limits': limit={limit!r} is"):
        stream.get_records(iterator, limit)


async def test_an_iterator_of_another_stream_is_refused(clock: FakeClock) -> None:
    one, two = Stream("one", clock), Stream("two", clock)
    with pytest.raises(StreamError, match="is not a shard iterator of this stream"):
        two.get_records(one.iterator("shardId-000000000000", "LATEST"))


# -- retention ---------------------------------------------------------------------------------


async def test_records_past_retention_are_trimmed_and_trim_horizon_moves(
    clock: FakeClock,
) -> None:
    stream = Stream("retained", clock)
    first = await stream.put_record(b"0", "k")
    await clock.advance(12 * 3600)
    await stream.put_record(b"1", "k")
    shard_id = first.shard_id
    assert datas(read_all(stream, stream.iterator(shard_id, "TRIM_HORIZON"))) == [b"0", b"1"]
    await clock.advance(12 * 3600)  # record 0 is 24 hours old
    assert datas(read_all(stream, stream.iterator(shard_id, "TRIM_HORIZON"))) == [b"1"]
    # An iterator behind the trim horizon reads on from it, as Kinesis's does.
    behind = stream.iterator(shard_id, "AT_SEQUENCE_NUMBER", sequence_number=first.sequence_number)
    assert datas(read_all(stream, behind)) == [b"1"]
    assert (stream.counters.put, stream.counters.trimmed) == (2, 1)
    await clock.advance(12 * 3600)
    assert read_all(stream, stream.iterator(shard_id, "TRIM_HORIZON")) == []
    assert stream.counters.trimmed == 2


async def test_a_longer_retention_keeps_records_longer(clock: FakeClock) -> None:
    stream = Stream("week", clock, retention_hours=168)
    await stream.put_record(b"0", "k")
    await clock.advance(167 * 3600)
    assert len(read_all(stream, stream.iterator("shardId-000000000000", "TRIM_HORIZON"))) == 1
    await clock.advance(3600)
    assert read_all(stream, stream.iterator("shardId-000000000000", "TRIM_HORIZON")) == []


async def test_trimming_many_records_keeps_reads_and_numbers_right(clock: FakeClock) -> None:
    stream = Stream("many", clock)
    old = [await stream.put_record(f"{n}", "k") for n in range(3000)]
    await clock.advance(3600)
    new = [await stream.put_record(f"new{n}", "k") for n in range(5)]
    await clock.advance(23 * 3600)
    records = read_all(stream, stream.iterator("shardId-000000000000", "TRIM_HORIZON"), limit=2)
    assert [r.sequence_number for r in records] == [p.sequence_number for p in new]
    after = stream.iterator(
        "shardId-000000000000", "AFTER_SEQUENCE_NUMBER", sequence_number=old[-1].sequence_number
    )
    assert datas(read_all(stream, after))[0] == b"new0"


# -- limits ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("bad name!", {}, "the name must have 1 to 128 characters"),
        ("s", {"shards": 0}, "shards=0 is below the minimum of 1"),
        ("s", {"shards": 10_001}, "shards=10001 is above the maximum of 10,000"),
        ("s", {"shards": "2"}, "shards='2' is not a whole number"),
        ("s", {"retention_hours": 23}, "retention_hours=23 is below the minimum of 24"),
        ("s", {"retention_hours": 8761}, "retention_hours=8761 is above the maximum of 8,760"),
    ],
)
def test_configuration_out_of_kinesis_ranges_is_refused(
    clock: FakeClock, name: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Stream(name, clock, **options)


@pytest.mark.parametrize(
    ("data", "partition_key", "options", "message", "code"),
    [
        (
            b"",
            "k" * 257,
            {},
            "partition_key is 257 characters; Kinesis takes 1 to 256 characters",
            "ValidationException",
        ),
        (b"", "", {}, "partition_key is empty; Kinesis takes 1 to 256", "ValidationException"),
        (b"", 7, {}, "partition_key=7 is of type int; it must be a str", "ValidationException"),
        (
            bytes(MiB - 1),
            "kk",
            {},
            "the record is 1,048,577 bytes of data and partition key, "
            "over Kinesis's limit of 1,048,576 bytes",
            "InvalidArgumentException",
        ),
        (
            object(),
            "k",
            {},
            "data of type object cannot be sent as JSON",
            "InvalidArgumentException",
        ),
        (
            b"",
            "k",
            {"explicit_hash_key": str(2**128)},
            f"explicit_hash_key='{2**128}' is not a whole number from 0 to 2^128 - 1",
            "InvalidArgumentException",
        ),
        (
            b"",
            "k",
            {"explicit_hash_key": "-1"},
            "explicit_hash_key='-1' is not a whole number",
            "InvalidArgumentException",
        ),
        (
            b"",
            "k",
            {"explicit_hash_key": "007"},
            "explicit_hash_key='007'",
            "InvalidArgumentException",
        ),
    ],
)
async def test_records_kinesis_would_refuse_are_refused(
    clock: FakeClock,
    data: Any,
    partition_key: Any,
    options: dict[str, Any],
    message: str,
    code: str,
) -> None:
    stream = Stream("strict", clock)
    with pytest.raises(
        RecordRejected, match="^" + re.escape(f"stream 'strict': {message}")
    ) as caught:
        await stream.put_record(data, partition_key, **options)
    assert caught.value.code == code
    assert stream.counters.put == 0


async def test_records_at_the_limits_are_accepted(clock: FakeClock) -> None:
    stream = Stream("edges", clock)
    await stream.put_record(bytes(MiB - 1), "k")  # 1 MiB with the key
    await stream.put_record(b"", "é" * 256)  # 256 characters, 512 bytes
    await stream.put_record(b"", "k", explicit_hash_key=str(2**128 - 1))
    assert stream.counters.put == 3


async def test_put_records_takes_1_to_500_records(clock: FakeClock) -> None:
    stream = Stream("batches", clock)
    entries = [PutRecordsEntry(data=b"", partition_key=f"{n}") for n in range(501)]
    with pytest.raises(RecordRejected, match="put_records has 501 records, over Kinesis's limit"):
        await stream.put_records(entries)
    with pytest.raises(RecordRejected, match="put_records has no records; Kinesis needs 1 to 500"):
        await stream.put_records([])
    assert len((await stream.put_records(entries[:500])).records) == 500


async def test_put_records_is_refused_whole_for_one_bad_entry_or_over_5_mib(
    clock: FakeClock,
) -> None:
    stream = Stream("whole", clock)
    with pytest.raises(RecordRejected, match=r"records\[1\]: partition_key is empty"):
        await stream.put_records(
            [{"data": b"a", "partition_key": "k"}, {"data": b"b", "partition_key": ""}]
        )
    with pytest.raises(RecordRejected, match=r"records\[0\]: .* is not a PutRecordsEntry"):
        await stream.put_records([{"data": b"a", "key": "k"}])
    big = [PutRecordsEntry(data=bytes(MiB - 1), partition_key="k") for _ in range(6)]
    with pytest.raises(
        RecordRejected,
        match="put_records carries 6,291,456 bytes of data and partition keys, over Kinesis's "
        r"limit of 5,242,880 bytes \(5 MiB\)",
    ):
        await stream.put_records(big)
    assert stream.counters.put == 0
    await stream.put_records(big[:5])  # exactly 5 MiB
    assert stream.counters.put == 5


# -- records as Lambda receives them -----------------------------------------------------------


@needs_corpus
async def test_a_batch_is_shaped_like_a_real_kinesis_event(clock: FakeClock) -> None:
    stream = Stream("simple-stream", clock)
    await stream.put_record(b"Hello World", "s1")
    await stream.put_record(b"again", "s1")
    records = read_all(stream, stream.iterator("shardId-000000000000", "TRIM_HORIZON"))
    assert_shaped_like(stream.lambda_event(records), "aws-lambda-go/kinesis-event.json")


async def test_a_lambda_record_decodes_back_to_the_stored_record(clock: FakeClock) -> None:
    stream = Stream("orders", clock, shards=2, region="eu-west-1", account="210987654321")
    await clock.advance(1.25004)
    put = await stream.put_record({"order": 7}, "user-1")
    [record] = read_all(stream, stream.iterator(put.shard_id, "TRIM_HORIZON"))
    raw = msgspec.json.encode(stream.lambda_event([record]))
    event = events.parse(raw)
    assert isinstance(event, KinesisStreamEvent)
    [lambda_record] = event.records
    assert msgspec.json.decode(raw)["Records"][0] == {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": "user-1",
            "sequenceNumber": put.sequence_number,
            "data": base64.b64encode(b'{"order":7}').decode(),
            "approximateArrivalTimestamp": START + 1.25,  # to the millisecond
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"shardId-000000000001:{put.sequence_number}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": "arn:aws:iam::210987654321:role/lambda-role",
        "awsRegion": "eu-west-1",
        "eventSourceARN": "arn:aws:kinesis:eu-west-1:210987654321:stream/orders",
    }
    assert lambda_record.kinesis.json() == {"order": 7}  # type: ignore[union-attr]
    role = "arn:aws:iam::210987654321:role/orders-consumer"
    custom = record.to_lambda_record("eu-west-1", stream.arn, invoke_identity_arn=role)
    assert custom.invoke_identity_arn == role


# -- waiting for records -----------------------------------------------------------------------


async def test_a_reader_sleeps_until_a_record_arrives(clock: FakeClock) -> None:
    stream = Stream("wait", clock, shards=2)
    shard_id = "shardId-000000000000"
    iterator = stream.iterator(shard_id, "LATEST")
    woke: list[float] = []

    async def reader() -> None:
        await stream.wait_for_records(shard_id, after=iterator)
        woke.append(clock.monotonic())

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(reader)
        await clock.advance(3)
        await stream.put_record(b"other shard", "b")
        await clock.advance(3)
        assert woke == []
        await stream.put_record(b"mine", "a")
        await clock.advance(0)
    assert woke == [6.0]
    put = await stream.put_record(b"later", "a")
    with anyio.fail_after(1):  # returns at once: newer records exist
        await stream.wait_for_records(shard_id)
        await stream.wait_for_records(shard_id, after=stream.shards[0].starting_sequence_number)
    with clock.timeout_scope(10) as scope:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(stream.wait_for_records, shard_id, put.sequence_number)
            await clock.advance(10)
    assert scope.cancelled_caught


# -- every record is read back once, in order ---------------------------------------------------

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), st.sampled_from("abcdefgh"), st.none()),
        st.tuples(st.just("put"), st.just("x"), st.integers(0, 2**128 - 1)),
        st.tuples(st.just("batch"), st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=6)),
        st.tuples(st.just("read"), st.integers(0, 3), st.integers(1, 4)),
        st.tuples(st.just("wait"), st.floats(0, 120)),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shards=st.integers(1, 4), operations=OPERATIONS)
async def test_every_record_put_is_read_back_once_in_order_per_shard(
    shards: int, operations: list[tuple[Any, ...]]
) -> None:
    clock = FakeClock()
    # Its own name in each example: on a file, the examples of one test share the store.
    stream = Stream(f"property-{next(EXAMPLES)}", clock, shards=shards)
    put: dict[str, list[tuple[bytes, str]]] = {s.shard_id: [] for s in stream.shards}
    read: dict[str, list[Record]] = {s.shard_id: [] for s in stream.shards}
    cursors = {s.shard_id: stream.iterator(s.shard_id, "TRIM_HORIZON") for s in stream.shards}
    serial = 0

    def follow(shard_id: str, limit: int) -> None:
        try:
            result = stream.get_records(cursors[shard_id], limit)
        except ExpiredIterator:  # renew it where the last read ended, as the KCL does
            last = read[shard_id][-1].sequence_number if read[shard_id] else None
            cursors[shard_id] = (
                stream.iterator(shard_id, "AFTER_SEQUENCE_NUMBER", sequence_number=last)
                if last is not None
                else stream.iterator(shard_id, "TRIM_HORIZON")
            )
            result = stream.get_records(cursors[shard_id], limit)
        read[shard_id].extend(result.records)
        cursors[shard_id] = result.next_iterator

    for operation in operations:
        kind = operation[0]
        if kind == "put":
            serial += 1
            data = f"{serial}".encode()
            result = await stream.put_record(data, operation[1], explicit_hash_key=operation[2])
            put[result.shard_id].append((data, result.sequence_number))
        elif kind == "batch":
            entries = [
                PutRecordsEntry(data=f"{serial + n + 1}", partition_key=key)
                for n, key in enumerate(operation[1])
            ]
            serial += len(entries)
            results = await stream.put_records(entries)
            for entry, answer in zip(entries, results.records, strict=True):
                put[answer.shard_id].append((entry.data.encode(), answer.sequence_number))
        elif kind == "read":
            follow(stream.shards[operation[1] % shards].shard_id, operation[2])
        else:
            await clock.advance(operation[1])
    for shard in stream.shards:
        while True:
            before = len(read[shard.shard_id])
            follow(shard.shard_id, 3)
            if len(read[shard.shard_id]) == before:
                break
        got = [(r.data, r.sequence_number) for r in read[shard.shard_id]]
        assert got == put[shard.shard_id]
        numbers = [int(number) for _, number in got]
        assert numbers == sorted(set(numbers))
        for record in read[shard.shard_id]:
            hash_key = md5_hash_key(record.partition_key)
            if record.partition_key != "x":  # "x" records carry an explicit hash key
                assert shard.starting_hash_key <= hash_key <= shard.ending_hash_key
    assert stream.counters.put == serial
