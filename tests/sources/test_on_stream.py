"""`@app.on_stream`: Lambda's Kinesis event source mapping, with handlers written as for Lambda.

Under the fake clock: the Kinesis event's shape, the starting position fixed at registration,
order per shard and per partition key under concurrency, blocking on errors, bisection,
maximum_retry_attempts and maximum_record_age with Lambda's failure record, partial batch
responses, throttles, filters, the batching window and payload limit, IteratorAge, stop and
restart, configuration refusals, and a randomized soak of the whole."""

from __future__ import annotations

import base64
import json
import logging
import random
import zlib
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

import anyio
import pytest
from hypothesis import given
from hypothesis import strategies as st

from faaslib import App, ConfigurationError, Context
from faaslib.sources._common import batch_item_failures
from faaslib.sources.stream_mapping.failures import OnFailure, StreamMappingCounters
from faaslib.sources.stream_mapping.lanes import _unreported
from faaslib.testing import FakeClock
from faaslib.testing import settle as all_blocked
from tests.events import corpus
from tests.events.corpus import needs_corpus

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]

START = 1_767_225_600.0  # FakeClock's start, 2026-01-01T00:00:00Z
FIRST_SHARD = 0
SECOND_SHARD = 2**127  # with two shards, an explicit hash key in the second one's range


def payloads(event: dict[str, Any]) -> list[Any]:
    """Each record's data: JSON decoded, or text (`put_record` sends a str as it is)."""
    values = []
    for record in event["Records"]:
        data = base64.b64decode(record["kinesis"]["data"])
        try:
            values.append(json.loads(data))
        except ValueError:
            values.append(data.decode())
    return values


async def settle(app: App, clock: FakeClock, *, step: float = 60.0, rounds: int = 500) -> None:
    """Move time until every trigger is idle (retries wait on the clock), then wait for idle."""
    for _ in range(rounds):
        await all_blocked()
        if all(trigger.idle() for trigger in app.triggers()):
            await app.wait_idle()
            return
        await clock.advance(step)
    raise AssertionError("the app never became idle")


async def failure_records(app: App, queue: str) -> list[dict[str, Any]]:
    records = []
    while True:
        messages = await app.queue(queue).receive(10)
        if not messages:
            return records
        for message in messages:
            records.append(json.loads(message.body))
            await app.queue(queue).delete(message.receipt_handle)


# -- the event ------------------------------------------------------------------------------


@needs_corpus
async def test_a_batch_arrives_as_a_kinesis_event_shaped_like_a_real_one(clock: FakeClock) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    events: list[dict[str, Any]] = []

    @app.on_stream("clicks", batch_size=10)
    async def clicks(event: dict[str, Any], context: Context) -> None:
        events.append(event)

    async with app:
        first = await stream.put_record({"page": "/"}, partition_key="user-1")
        await stream.put_record(b"\x00raw", partition_key="user-2")
        await app.wait_idle()
    [event] = events
    sample = corpus.load("aws-lambda-go/kinesis-event.json")["Records"][0]
    record = event["Records"][0]
    assert list(event) == ["Records"]
    assert set(record) == set(sample)
    assert set(record["kinesis"]) == set(sample["kinesis"])
    assert record["eventSource"] == "aws:kinesis"
    assert record["eventName"] == "aws:kinesis:record"
    assert record["eventSourceARN"] == stream.arn
    assert record["eventID"] == f"shardId-000000000000:{first.sequence_number}"
    assert record["kinesis"]["sequenceNumber"] == first.sequence_number
    assert record["kinesis"]["partitionKey"] == "user-1"
    assert record["kinesis"]["approximateArrivalTimestamp"] == START
    assert base64.b64decode(event["Records"][1]["kinesis"]["data"]) == b"\x00raw"
    metrics = app.triggers("clicks")[0].metrics()
    assert metrics["records_succeeded"] == 2
    assert metrics["invocations"] == 1


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        ("LATEST", ["later", "after"]),
        ("TRIM_HORIZON", ["old", "newer", "later", "after"]),
        ("AT_TIMESTAMP", ["newer", "later", "after"]),
    ],
)
async def test_the_starting_position_is_fixed_when_the_mapping_is_registered(
    clock: FakeClock, position: str, expected: list[str]
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    await stream.put_record("old", partition_key="k")
    await clock.advance(5)
    await stream.put_record("newer", partition_key="k")
    seen: list[str] = []

    @app.on_stream(
        "clicks",
        starting_position=position,
        starting_position_timestamp=START + 3 if position == "AT_TIMESTAMP" else None,
    )
    async def clicks(event: dict[str, Any], context: Context) -> None:
        seen.extend(base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"])

    await stream.put_record("later", partition_key="k")  # before the app runs: delivered
    async with app:
        await all_blocked()
        await stream.put_record("after", partition_key="k")
        await app.wait_idle()
    assert seen == expected


async def test_at_timestamp_takes_a_datetime(clock: FakeClock) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    await stream.put_record("old", partition_key="k")
    await clock.advance(10)
    await stream.put_record("new", partition_key="k")
    seen: list[str] = []

    @app.on_stream(
        "clicks",
        starting_position="AT_TIMESTAMP",
        starting_position_timestamp=datetime.fromtimestamp(START + 5, tz=timezone.utc),
    )
    async def clicks(event: dict[str, Any], context: Context) -> None:
        seen.extend(base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"])

    async with app:
        await app.wait_idle()
    assert seen == ["new"]


# -- order and concurrency ------------------------------------------------------------------------


async def test_order_holds_per_shard_while_shards_run_at_once(clock: FakeClock) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks", shards=4)
    seen: defaultdict[str, list[int]] = defaultdict(list)
    running: defaultdict[str, int] = defaultdict(int)
    most: defaultdict[str, int] = defaultdict(int)
    mixed: list[set[str]] = []

    @app.on_stream("clicks", batch_size=7)
    async def clicks(event: dict[str, Any], context: Context) -> None:
        shards = {r["eventID"].split(":")[0] for r in event["Records"]}
        if len(shards) > 1:
            mixed.append(shards)
        shard = shards.pop()
        running[shard] += 1
        most[shard] = max(most[shard], running[shard])
        await clock.sleep(0.5)
        seen[shard].extend(int(r["kinesis"]["sequenceNumber"]) for r in event["Records"])
        running[shard] -= 1

    async with app:
        for number in range(200):
            await stream.put_record({"n": number}, partition_key=f"user-{number % 23}")
        await settle(app, clock, step=0.5)
    assert mixed == []
    assert len(seen) == 4
    assert all(numbers == sorted(numbers) for numbers in seen.values())
    assert sum(len(numbers) for numbers in seen.values()) == 200
    assert set(most.values()) == {1}  # one batch per shard at a time
    assert app.triggers("clicks")[0].metrics()["ConcurrentBatches"]["max"] == 4


async def test_parallelization_runs_a_shard_in_lanes_and_keeps_order_per_key(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    seen: defaultdict[str, list[int]] = defaultdict(list)
    running: set[str] = set()
    overlaps: list[set[str]] = []

    @app.on_stream("clicks", batch_size=5, parallelization_factor=4)
    async def clicks(event: dict[str, Any], context: Context) -> None:
        keys = {r["kinesis"]["partitionKey"] for r in event["Records"]}
        if keys & running:  # two batches of one key at once
            overlaps.append(keys & running)
        running.update(keys)
        await clock.sleep(1)
        for record in event["Records"]:
            seen[record["kinesis"]["partitionKey"]].append(payloads({"Records": [record]})[0])
        running.difference_update(keys)

    async with app:
        for number in range(120):
            await stream.put_record(number, partition_key=f"key-{number % 10}")
        await settle(app, clock, step=1)
    assert overlaps == []
    assert sorted(n for numbers in seen.values() for n in numbers) == list(range(120))
    assert all(numbers == sorted(numbers) for numbers in seen.values())
    metrics = app.triggers("clicks")[0].metrics()
    assert metrics["ConcurrentBatches"]["max"] > 1
    assert "4 batches per shard" in app.triggers("clicks")[0].describe()


async def test_a_failing_batch_blocks_its_shard_while_the_others_go_on(clock: FakeClock) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks", shards=2)
    seen: list[tuple[float, str]] = []
    attempts: defaultdict[str, int] = defaultdict(int)

    @app.on_stream("clicks", batch_size=1)
    async def clicks(event: dict[str, Any], context: Context) -> None:
        [name] = payloads(event)
        attempts[name] += 1
        if name == "bad" and attempts[name] <= 3:
            raise RuntimeError("the database is down")
        seen.append((clock.monotonic(), name))

    async with app:
        await stream.put_record("bad", partition_key="a", explicit_hash_key=FIRST_SHARD)
        await stream.put_record("a1", partition_key="a", explicit_hash_key=FIRST_SHARD)
        for name in ("b1", "b2"):
            await stream.put_record(name, partition_key="b", explicit_hash_key=SECOND_SHARD)
        await all_blocked()
        assert [name for _, name in seen] == ["b1", "b2"]  # the other shard goes on
        await settle(app, clock, step=1)
    assert seen == [(0.0, "b1"), (0.0, "b2"), (7.0, "bad"), (7.0, "a1")]  # after 1 + 2 + 4 s
    metrics = app.triggers("clicks")[0].metrics()
    assert metrics["retries"] == 3
    assert metrics["failed_batches"] == 3


# -- failures --------------------------------------------------------------------------------------


async def test_bisection_isolates_a_poison_record_in_log2_of_the_batch_steps(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    app.queue("failed")
    sizes: list[int] = []

    @app.on_stream(
        "clicks",
        batch_size=16,
        bisect_batch_on_function_error=True,
        maximum_retry_attempts=0,
        on_failure="failed",
    )
    async def clicks(event: dict[str, Any], context: Context) -> None:
        numbers = payloads(event)
        sizes.append(len(numbers))
        if 5 in numbers:
            raise ValueError("poison")

    puts = await stream.put_records(
        [{"data": number, "partition_key": "k"} for number in range(16)]
    )
    async with app:
        await settle(app, clock, step=1)
    # 16 fails, then 0-7 fails, 0-3 passes, 4-7 fails, 4-5 fails, 4 passes, 5 is given up,
    # 6-7 and 8-15 pass: the poison is alone after log2(16) = 4 splits.
    assert sizes == [16, 8, 4, 4, 2, 1, 1, 2, 8]
    [record] = await failure_records(app, "failed")
    poison = puts.records[5].sequence_number
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 5  # every batch that held it
    info = record["KinesisBatchInfo"]
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (poison, poison)
    assert info["batchSize"] == 1
    metrics = app.triggers("clicks")[0].metrics()
    assert metrics["bisections"] == 4
    assert metrics["records_succeeded"] == 15
    assert metrics["discarded"] == {"RetryAttemptsExhausted": 1, "RecordAgeExceeded": 0}


async def test_exhausted_retries_send_lambdas_failure_record_and_processing_goes_on(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    failed = app.queue("failed")
    request_ids: list[str] = []
    handled: list[str] = []

    @app.on_stream("clicks", maximum_retry_attempts=2, on_failure=failed.arn)
    async def clicks(event: dict[str, Any], context: Context) -> None:
        names = payloads(event)
        if "bad" in names:
            request_ids.append(context.aws_request_id)
            raise RuntimeError("no")
        handled.extend(names)

    puts = await stream.put_records(
        [{"data": name, "partition_key": "k"} for name in ("first", "bad", "last")]
    )
    async with app:
        await settle(app, clock, step=1)
        await stream.put_record("next", partition_key="k")
        await app.wait_idle()
    assert len(request_ids) == 3  # the first invocation and two retries
    assert handled == ["next"]
    [record] = await failure_records(app, "failed")
    assert list(record) == [
        "requestContext",
        "responseContext",
        "version",
        "timestamp",
        "KinesisBatchInfo",
    ]
    assert record["requestContext"] == {
        "requestId": request_ids[-1],
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:clicks",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 3,
    }
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["version"] == "1.0"
    assert record["timestamp"] == "2026-01-01T00:00:03.000Z"  # failed at 0, 1 and 3 s
    assert record["KinesisBatchInfo"] == {
        "shardId": "shardId-000000000000",
        "startSequenceNumber": puts.records[0].sequence_number,
        "endSequenceNumber": puts.records[2].sequence_number,
        "approximateArrivalOfFirstRecord": "2026-01-01T00:00:00.000Z",
        "approximateArrivalOfLastRecord": "2026-01-01T00:00:00.000Z",
        "batchSize": 3,
        "streamArn": stream.arn,
    }


async def test_records_older_than_the_maximum_age_are_discarded_before_a_retry(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    app.topic("failed")
    delivered: list[Any] = []
    app.subscribe("failed", "failed-copy", raw_message_delivery=True)
    invoked_at: list[float] = []

    @app.on_stream("clicks", maximum_record_age=60, on_failure="failed")
    async def clicks(event: dict[str, Any], context: Context) -> None:
        invoked_at.append(clock.monotonic())
        if "bad" in payloads(event):
            raise RuntimeError("no")
        delivered.extend(payloads(event))

    async with app:
        await stream.put_record("bad", partition_key="k")
        await all_blocked()
        await clock.advance(40)
        await stream.put_record("good", partition_key="k")  # 40 s younger: survives
        await settle(app, clock, step=1)
    assert invoked_at == [0, 1, 3, 7, 15, 31, 63]  # at 63 s "bad" is too old: "good" goes alone
    assert delivered == ["good"]
    [record] = await failure_records(app, "failed-copy")
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 6
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["KinesisBatchInfo"]["batchSize"] == 1
    assert app.triggers("clicks")[0].metrics()["discarded"]["RecordAgeExceeded"] == 1


async def test_a_throttled_batch_is_retried_without_spending_a_retry_attempt(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    handled: list[float] = []

    @app.on_stream("clicks", maximum_retry_attempts=0, reserved_concurrency=1, timeout=60)
    async def clicks(event: dict[str, Any], context: Context) -> None:
        if "hold" in event:
            await clock.sleep(10)
            return
        handled.append(clock.monotonic())

    async with app, anyio.create_task_group() as tasks:
        tasks.start_soon(app.invoke, "clicks", {"hold": True})
        await all_blocked()
        await stream.put_record("x", partition_key="k")
        await settle(app, clock, step=1)
    assert handled == [15.0]  # throttled at 0, 1, 3 and 7 s; the hold ends at 10 s
    metrics = app.triggers("clicks")[0].metrics()
    assert metrics["throttles"] == 4
    assert metrics["retries"] == 0
    assert metrics["records_succeeded"] == 1
    assert app.metrics("clicks")["Throttles"] == 4


async def test_records_throttled_past_their_maximum_age_are_described_without_a_response(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    app.queue("failed")

    @app.on_stream(
        "clicks", maximum_record_age=60, on_failure="failed", reserved_concurrency=1, timeout=900
    )
    async def clicks(event: dict[str, Any], context: Context) -> None:
        if "hold" in event:
            await clock.sleep(500)

    async with app, anyio.create_task_group() as tasks:
        tasks.start_soon(app.invoke, "clicks", {"hold": True})
        await all_blocked()
        await stream.put_record("x", partition_key="k")
        await settle(app, clock, step=10)
        await clock.advance(500)  # the hold ends
    [record] = await failure_records(app, "failed")
    assert list(record) == ["requestContext", "version", "timestamp", "KinesisBatchInfo"]
    assert record["requestContext"]["condition"] == "RecordAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["timestamp"] == "2026-01-01T00:01:03.000Z"  # 1 + 2 + 4 + ... + 32 s


async def test_records_trimmed_while_their_shard_is_blocked_are_lost_and_reported(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    app.queue("failed")

    @app.on_stream("clicks", on_failure="failed")
    async def clicks(event: dict[str, Any], context: Context) -> None:
        raise RuntimeError("never")

    async with app:
        await stream.put_record("blocker", partition_key="k")
        await all_blocked()
        await clock.advance(1)
        lost = await stream.put_record("unread", partition_key="k")
        await settle(app, clock, step=3600)
    records = await failure_records(app, "failed")
    assert [r["requestContext"]["condition"] for r in records] == ["RecordAgeExceeded"] * 2
    assert records[0]["requestContext"]["approximateInvokeCount"] > 1000  # retried for a day
    assert "responseContext" not in records[1]
    assert records[1]["KinesisBatchInfo"]["startSequenceNumber"] == lost.sequence_number
    metrics = app.triggers("clicks")[0].metrics()
    assert metrics["lost_to_retention"] == 1
    assert metrics["discarded"]["RecordAgeExceeded"] == 2


async def test_without_a_destination_discarded_records_are_counted(clock: FakeClock) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")

    @app.on_stream("clicks", maximum_retry_attempts=1)
    async def clicks(event: dict[str, Any], context: Context) -> None:
        raise RuntimeError("no")

    async with app:
        await stream.put_records([{"data": n, "partition_key": "k"} for n in range(3)])
        await settle(app, clock, step=1)
    metrics = app.triggers("clicks")[0].metrics()
    assert metrics["discarded"]["RetryAttemptsExhausted"] == 3
    assert metrics["on_failure_sent"] == 0


async def test_a_destination_that_refuses_a_failure_record_keeps_it(clock: FakeClock) -> None:
    app = App(clock=clock)
    small = app.queue("small", maximum_message_size=1024)
    destination = OnFailure(small)
    counters = StreamMappingCounters()
    await destination.send({"note": "x" * 2000}, counters, "clicks")
    assert counters.on_failure_refused == 1
    assert destination.undelivered[0].record == {"note": "x" * 2000}
    assert "over the maximum_message_size of 1,024 bytes" in destination.undelivered[0].reason


# -- partial batch responses -----------------------------------------------------------------------


async def test_a_partial_response_checkpoints_at_the_lowest_reported_record(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    batches: list[list[int]] = []

    @app.on_stream("clicks", report_batch_item_failures=True)
    async def clicks(event: dict[str, Any], context: Context) -> dict[str, Any]:
        numbers = payloads(event)
        batches.append(numbers)
        if len(batches) > 1:
            return {"batchItemFailures": []}
        records = event["Records"]
        sequence = {
            n: r["kinesis"]["sequenceNumber"] for n, r in zip(numbers, records, strict=True)
        }
        return {"batchItemFailures": [{"itemIdentifier": sequence[n]} for n in (3, 1)]}

    await stream.put_records([{"data": n, "partition_key": "k"} for n in range(6)])
    async with app:
        await settle(app, clock, step=1)
    assert batches == [[0, 1, 2, 3, 4, 5], [1, 2, 3, 4, 5]]
    metrics = app.triggers("clicks")[0].metrics()
    assert metrics["partial_batches"] == 1
    assert metrics["retries"] == 1
    assert metrics["records_succeeded"] == 6


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"batchItemFailures": [{"itemIdentifier": "123"}]}, "not the sequence number of"),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, "is not a sequence number"),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, "is not a sequence number"),
        ({"batchItemFailures": [{"id": "x"}]}, "has no itemIdentifier"),
        ({"batchItemFailures": "all"}, "is not a list"),
        ("done", "not an object"),
    ],
)
async def test_a_malformed_partial_response_fails_the_whole_batch(
    clock: FakeClock, answer: Any, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")

    @app.on_stream("clicks", report_batch_item_failures=True, maximum_retry_attempts=0)
    async def clicks(event: dict[str, Any], context: Context) -> Any:
        return answer

    with caplog.at_level(logging.WARNING, logger="faaslib.sources"):
        async with app:
            await stream.put_records([{"data": n, "partition_key": "k"} for n in range(2)])
            await app.wait_idle()
    metrics = app.triggers("clicks")[0].metrics()
    assert metrics["failed_batches"] == 1
    assert metrics["discarded"]["RetryAttemptsExhausted"] == 2
    assert problem in caplog.text
    assert "function 'clicks'" in caplog.text


@pytest.mark.parametrize(
    "answer", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}]
)
async def test_the_empty_partial_responses_are_complete_successes(
    clock: FakeClock, answer: Any
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")

    @app.on_stream("clicks", report_batch_item_failures=True)
    async def clicks(event: dict[str, Any], context: Context) -> Any:
        return answer

    async with app:
        await stream.put_records([{"data": n, "partition_key": "k"} for n in range(3)])
        await app.wait_idle()
    assert app.triggers("clicks")[0].metrics()["records_succeeded"] == 3


@given(st.lists(st.integers(0, 10**56), min_size=1, max_size=20, unique=True), st.data())
def test_a_partial_response_is_read_as_exactly_the_records_it_names(
    numbers: list[int], data: st.DataObject
) -> None:
    ids = {str(number) for number in numbers}
    chosen = data.draw(st.sets(st.sampled_from(sorted(ids))))
    items = [{"itemIdentifier": identifier} for identifier in chosen]
    read = batch_item_failures({"batchItemFailures": items}, ids, "sequence number", "record")
    assert read == (None, chosen)
    stranger = data.draw(st.text(min_size=1).filter(lambda text: text not in ids))
    answer = {"batchItemFailures": [*items, {"itemIdentifier": stranger}]}
    problem, failed = batch_item_failures(answer, ids, "sequence number", "record")
    assert problem is not None
    assert failed == set()


@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 12)), max_size=12))
def test_records_lost_to_retention_are_reported_once_whichever_lane_notices(
    gaps: list[tuple[int, int]],
) -> None:
    reported: list[tuple[int, int]] = []
    seen: set[int] = set()
    for low, length in gaps:
        wanted = set(range(low, low + length + 1))
        for first, last in _unreported(reported, low, low + length):
            part = set(range(first, last + 1))
            assert part <= wanted
            assert not part & seen
            seen |= part
        assert wanted <= seen


# -- filters, batching, metrics ----------------------------------------------------------------


async def test_filters_skip_records_without_invoking(clock: FakeClock) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    seen: list[bytes] = []

    @app.on_stream(
        "clicks",
        filter=[{"data": {"kind": ["paid"]}}, '{"partitionKey": [{"prefix": "raw"}]}'],
    )
    async def clicks(event: dict[str, Any], context: Context) -> None:
        seen.extend(base64.b64decode(r["kinesis"]["data"]) for r in event["Records"])

    async with app:
        await stream.put_record({"kind": "paid"}, partition_key="a")
        await stream.put_record({"kind": "free"}, partition_key="a")
        await stream.put_record(b"not json", partition_key="a")  # no data to match: dropped
        await stream.put_record(b"not json", partition_key="raw-1")  # metadata alone matches
        await stream.put_record(b"{", partition_key="b")
        await app.wait_idle()
    assert seen == [b'{"kind":"paid"}', b"not json"]
    metrics = app.triggers("clicks")[0].metrics()
    assert metrics["filtered"] == 3
    assert metrics["invocations"] == 1


async def test_a_batching_window_gathers_records_put_over_time(clock: FakeClock) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    batches: list[tuple[float, list[int]]] = []

    @app.on_stream("clicks", batch_size=3, maximum_batching_window=5)
    async def clicks(event: dict[str, Any], context: Context) -> None:
        batches.append((clock.monotonic(), payloads(event)))

    async with app:
        for number in range(4):
            await stream.put_record(number, partition_key="k")
            await clock.advance(1)
        await clock.advance(10)
        await app.wait_idle()
    assert batches == [(2.0, [0, 1, 2]), (8.0, [3])]  # full at 2 s; the window closes at 8 s


async def test_a_batch_never_exceeds_the_6_mb_payload(clock: FakeClock) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    sizes: list[int] = []

    @app.on_stream("clicks", batch_size=100)
    def clicks(event: dict[str, Any], context: Context) -> None:
        sizes.append(len(event["Records"]))

    for _ in range(6):
        await stream.put_record(b"x" * 1_000_000, partition_key="k")
    async with app:
        await app.wait_idle()
    assert sizes == [4, 2]  # 1.33 MB each in base64: a fifth would pass 6 MB


async def test_iterator_age_is_the_age_of_the_last_record_when_its_batch_is_sent(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")

    @app.on_stream("clicks")
    async def clicks(event: dict[str, Any], context: Context) -> None:
        await clock.sleep(1)

    await stream.put_record("a", partition_key="k")
    await clock.advance(2.5)
    await stream.put_record("b", partition_key="k")
    await clock.advance(5)
    async with app:
        await settle(app, clock, step=1)
        assert app.triggers("clicks")[0].metrics()["IteratorAge"] == {"latest": 5000, "max": 5000}
        await stream.put_record("c", partition_key="k")
        await settle(app, clock, step=1)
    assert app.triggers("clicks")[0].metrics()["IteratorAge"] == {"latest": 0, "max": 5000}


async def test_a_stop_and_a_new_run_resume_where_the_mapping_left_off(clock: FakeClock) -> None:
    app = App(clock=clock)
    stream = app.stream("clicks")
    app.queue("failed")
    seen: list[str] = []
    attempts: list[str] = []

    @app.on_stream("clicks", batch_size=1, maximum_retry_attempts=1, on_failure="failed")
    async def clicks(event: dict[str, Any], context: Context) -> None:
        [name] = payloads(event)
        attempts.append(name)
        if name == "bad":
            raise RuntimeError("no")
        seen.append(name)

    async with app:
        await stream.put_record("one", partition_key="k")
        await stream.put_record("bad", partition_key="k")
        await all_blocked()
    assert attempts == ["one", "bad"]  # "bad" waits to retry when the app stops
    await stream.put_record("two", partition_key="k")
    await clock.advance(600)  # its iterator has long expired
    async with app:
        await settle(app, clock, step=1)
    assert seen == ["one", "two"]
    assert attempts == ["one", "bad", "bad", "two"]  # its retry count survived the stop
    [record] = await failure_records(app, "failed")
    assert record["requestContext"]["approximateInvokeCount"] == 2


async def test_one_function_reads_two_streams(clock: FakeClock) -> None:
    app = App(clock=clock)
    clicks_stream = app.stream("clicks")
    views_stream = app.stream("views", shards=2)
    sources: list[str] = []

    @app.on_stream("clicks")
    @app.on_stream("views", memory=256)
    async def track(event: dict[str, Any], context: Context) -> None:
        sources.extend(r["eventSourceARN"].rsplit("/", 1)[1] for r in event["Records"])

    async with app:
        await clicks_stream.put_record("c", partition_key="k")
        await views_stream.put_record("v", partition_key="k")
        await app.wait_idle()
    assert sorted(sources) == ["clicks", "views"]
    assert [t.describe() for t in app.triggers("track")] == [
        "stream views (batch 100, 2 shards)",
        "stream clicks (batch 100, 1 shard)",
    ]


# -- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batch_size": 0}, "batch_size=0 is below the minimum of 1"),
        ({"batch_size": 10_001}, "batch_size=10001 is above the maximum of 10,000"),
        ({"maximum_batching_window": 301}, "maximum_batching_window=301 is above the maximum"),
        ({"maximum_batching_window": 1.5}, "maximum_batching_window=1.5 is not a whole number"),
        ({"maximum_retry_attempts": -2}, "maximum_retry_attempts=-2 is below the minimum of -1"),
        ({"maximum_retry_attempts": 10_001}, "maximum_retry_attempts=10001 is above"),
        ({"maximum_record_age": 59}, "maximum_record_age=59 is below the minimum of 60"),
        ({"maximum_record_age": 0}, "maximum_record_age=0 is below the minimum of 60"),
        ({"maximum_record_age": 604_801}, "maximum_record_age=604801 is above the maximum"),
        ({"parallelization_factor": 0}, "parallelization_factor=0 is below the minimum of 1"),
        ({"parallelization_factor": 11}, "parallelization_factor=11 is above the maximum of 10"),
        ({"bisect_batch_on_function_error": "yes"}, "is not True or False"),
        ({"starting_position": "EARLIEST"}, "starting_position='EARLIEST' is not one of"),
        ({"starting_position": "AT_TIMESTAMP"}, "needs starting_position_timestamp"),
        (
            {"starting_position_timestamp": START},
            "starting_position_timestamp is only for starting_position='AT_TIMESTAMP'",
        ),
        (
            {"starting_position": "AT_TIMESTAMP", "starting_position_timestamp": "noon"},
            "starting_position_timestamp='noon' is not Unix seconds",
        ),
        (
            {
                "starting_position": "AT_TIMESTAMP",
                "starting_position_timestamp": datetime(2026, 1, 1),
            },
            "datetime with a time zone",
        ),
        ({"on_failure": "missing"}, "on_failure='missing' names no queue or topic of the app"),
        ({"on_failure": "orders.fifo"}, "is a FIFO queue; Lambda sends a stream's failure"),
        ({"on_failure": "alerts.fifo"}, "is a FIFO topic"),
        ({"on_failure": "both"}, "names both a queue and a topic"),
        ({"filter": {"body": ["x"]}}, "filters on body; a Kinesis event source mapping filters"),
        ({"filter": {"$or": [{"data": {"a": [1]}}, {"eventName": ["x"]}]}}, "filters on eventName"),
        ({"filter": {"data": ["x"]}}, "data must be matched with an object"),
        ({"filter": [{"data": {"a": [1]}}] * 6}, "filter has 6 patterns"),
        ({"filter": {"data": {"a": [{"numeric": [">"]}]}}}, "filter pattern 1"),
    ],
)
def test_a_mapping_lambda_would_refuse_is_refused_before_the_function_is_registered(
    options: dict[str, Any], message: str
) -> None:
    app = App()
    app.stream("clicks")
    app.queue("orders.fifo", fifo=True)
    app.topic("alerts.fifo", fifo=True)
    app.queue("both")
    app.topic("both")

    def clicks(event: Any, context: Context) -> None: ...

    with pytest.raises(ConfigurationError, match="function 'clicks': on_stream") as refused:
        app.on_stream("clicks", **options)(clicks)
    assert message in str(refused.value)
    assert app.functions == ()
    assert app.triggers() == []


def test_the_limits_themselves_are_accepted() -> None:
    app = App()

    @app.on_stream(
        "clicks",
        batch_size=10_000,
        maximum_batching_window=300,
        maximum_retry_attempts=10_000,
        maximum_record_age=604_800,
        parallelization_factor=10,
    )
    def clicks(event: Any, context: Context) -> None: ...

    @app.on_stream("clicks", batch_size=1, maximum_record_age=60, maximum_retry_attempts=-1)
    def other(event: Any, context: Context) -> None: ...

    assert len(app.triggers()) == 2


# -- soak ------------------------------------------------------------------------------------------


async def test_a_randomized_soak_loses_nothing_and_keeps_order_per_key(clock: FakeClock) -> None:
    """Thousands of records over several shards and keys, a function that fails at random
    (raising, or reporting partial failures, and a few poison records): each record ends
    processed once or inside a failure record's range, and successes come in order per key."""
    chance = random.Random(20260101)
    app = App(clock=clock)
    stream = app.stream("clicks", shards=3)
    app.queue("failed")
    succeeded: dict[str, list[int]] = defaultdict(list)  # key -> numbers, in success order
    poison = set(chance.sample(range(3000), 6))

    @app.on_stream(
        "clicks",
        batch_size=40,
        parallelization_factor=2,
        bisect_batch_on_function_error=True,
        report_batch_item_failures=True,
        maximum_retry_attempts=3,
        maximum_record_age=90,
        on_failure="failed",
    )
    async def clicks(event: dict[str, Any], context: Context) -> dict[str, Any]:
        records = event["Records"]
        numbers = payloads(event)
        await clock.sleep(0.05)
        roll = chance.random()
        if roll < 0.15 or poison & set(numbers):
            raise RuntimeError("failed at random")
        cut = chance.randrange(len(records)) if roll < 0.3 else len(records)
        for record, number in zip(records[:cut], numbers[:cut], strict=True):
            succeeded[record["kinesis"]["partitionKey"]].append(number)
        failures = [{"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in records[cut:]]
        return {"batchItemFailures": chance.sample(failures, len(failures))}

    put: dict[int, tuple[str, str, str]] = {}  # number -> (key, shard, sequence number)

    async def put_chunk(start: int) -> None:
        entries = [
            {"data": n, "partition_key": f"key-{chance.randrange(17)}"}
            for n in range(start, start + 250)
        ]
        result = await stream.put_records(entries)
        for entry, outcome in zip(entries, result.records, strict=True):
            put[entry["data"]] = (entry["partition_key"], outcome.shard_id, outcome.sequence_number)
        await clock.advance(chance.random() * 3)

    async with app:  # stopped halfway, with batches in hand and waiting to retry
        for start in range(0, 1500, 250):
            await put_chunk(start)
        # The app's stop waits for the invocations under way, which sleep on this clock.
        while app.triggers("clicks")[0].metrics()["ConcurrentBatches"]["now"]:
            await clock.advance(0.01)
    await clock.advance(5)
    async with app:
        for start in range(1500, 3000, 250):
            await put_chunk(start)
        await settle(app, clock, step=30)

    # A failure record names a range of its shard; with parallelization, the range holds only
    # the records of its lane (the CRC-32 of the key, mod 2), and batchSize counts them.
    def lane(key: str) -> int:
        return zlib.crc32(key.encode()) % 2

    by_position = {(shard, int(sequence)): number for number, (_, shard, sequence) in put.items()}
    given_up: list[int] = []
    for record in await failure_records(app, "failed"):
        info = record["KinesisBatchInfo"]
        low, high = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
        first_key = put[by_position[(info["shardId"], low)]][0]
        covered = [
            number
            for (shard, sequence), number in by_position.items()
            if shard == info["shardId"]
            and low <= sequence <= high
            and lane(put[number][0]) == lane(first_key)
        ]
        assert len(covered) == info["batchSize"]
        given_up.extend(covered)
    done = [n for numbers in succeeded.values() for n in numbers]
    assert len(done) == len(set(done))  # nothing succeeded twice
    assert len(given_up) == len(set(given_up))  # nothing given up twice
    assert sorted(done + given_up) == sorted(put)  # each record once, succeeded or given up
    assert poison.isdisjoint(done)
    for numbers in succeeded.values():
        assert numbers == sorted(numbers)
    metrics = app.triggers("clicks")[0].metrics()
    assert metrics["records_succeeded"] == len(done)
    assert metrics["records_succeeded"] + sum(metrics["discarded"].values()) == 3000
    assert metrics["bisections"] > 0
    assert metrics["partial_batches"] > 0
    assert metrics["ConcurrentBatches"]["max"] > 3
