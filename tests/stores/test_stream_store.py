"""Streams, stream mappings' checkpoints and tables on the SQLite store: what one process put is
there for the next (records, sequence numbers, items and their stream records), processes
sharing a file number a shard's records as one, and a mapped function resumes after its
checkpoint, receiving again only the batch that was in flight when its process died."""

from __future__ import annotations

import base64
import itertools
import json
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from faaslib import App, Context
from faaslib.clock import SystemClock
from faaslib.errors import ConfigurationError
from faaslib.sources.stream import Record, Stream
from faaslib.sources.table import Table
from faaslib.stores import SQLiteBackend
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).parents[2]


def read_all(stream: Stream, shard_id: str) -> list[Record]:
    return stream.get_records(stream.iterator(shard_id, "TRIM_HORIZON")).records


async def test_records_and_their_sequence_numbers_survive_a_reopen(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "app.db"
    first = Stream("clicks", clock, shards=2, backend=SQLiteBackend(path))
    put = [await first.put_record({"n": n}, partition_key=f"user-{n}") for n in range(20)]
    await clock.advance(60)
    late = await first.put_record({"n": "late"}, partition_key="user-0")
    # The process is gone: another opens the file (its own connection, a new Stream object).
    second = Stream("clicks", clock, shards=2, backend=SQLiteBackend(path))
    assert second.shards == first.shards  # the starting sequence numbers are the kept ones
    assert second.created_at == first.created_at
    for shard in second.shards:
        kept = read_all(second, shard.shard_id)
        assert kept == read_all(first, shard.shard_id)
        assert [int(r.sequence_number) for r in kept] == sorted(
            int(p.sequence_number) for p in [*put, late] if p.shard_id == shard.shard_id
        )
    shard_id = late.shard_id
    before = [p for p in put if p.shard_id == shard_id]
    # Every iterator type works on the reopened stream.
    at = second.iterator(shard_id, "AT_SEQUENCE_NUMBER", sequence_number=before[1].sequence_number)
    assert second.get_records(at).records[0].sequence_number == before[1].sequence_number
    after = second.iterator(
        shard_id, "AFTER_SEQUENCE_NUMBER", sequence_number=before[-1].sequence_number
    )
    assert [r.json() for r in second.get_records(after).records] == [{"n": "late"}]
    since = second.iterator(shard_id, "AT_TIMESTAMP", timestamp=clock.now() - 30)
    assert [r.json() for r in second.get_records(since).records] == [{"n": "late"}]
    latest = second.iterator(shard_id, "LATEST")
    assert second.get_records(latest).records == []
    # Numbering goes on from where the first process stopped.
    again = await second.put_record({"n": "again"}, partition_key="user-0")
    assert int(again.sequence_number) > int(late.sequence_number)
    assert [r.json() for r in second.get_records(latest).records] == [{"n": "again"}]


async def test_records_are_trimmed_by_the_time_they_arrived_in_the_earlier_process(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    path = tmp_path / "app.db"
    first = Stream("short", clock, backend=SQLiteBackend(path))
    await first.put_record("old", partition_key="k")
    await clock.advance(23 * 3600)
    await first.put_record("new", partition_key="k")
    await clock.advance(3600)  # the first record is 24 hours old; no process ran meanwhile
    second = Stream("short", clock, backend=SQLiteBackend(path))
    [kept] = read_all(second, second.shards[0].shard_id)
    assert kept.data == b"new"
    assert second.counters.trimmed == 1


async def test_a_kept_stream_keeps_its_shard_count(tmp_path: Path) -> None:
    clock = FakeClock()
    Stream("fixed", clock, shards=2, backend=SQLiteBackend(tmp_path / "app.db"))
    with pytest.raises(ConfigurationError, match=r"shards=3.* with 2 shards"):
        Stream("fixed", clock, shards=3, backend=SQLiteBackend(tmp_path / "app.db"))


async def test_two_streams_on_one_file_number_one_shard_as_one(tmp_path: Path) -> None:
    clock = FakeClock()
    one = Stream("shared", clock, backend=SQLiteBackend(tmp_path / "app.db"))
    two = Stream("shared", clock, backend=SQLiteBackend(tmp_path / "app.db"))
    numbers = []
    for n in range(30):
        writer = one if n % 3 else two
        numbers.append(int((await writer.put_record(str(n), partition_key="k")).sequence_number))
    assert numbers == sorted(set(numbers))
    shard_id = one.shards[0].shard_id
    for reader in (one, two):
        assert [r.data.decode() for r in read_all(reader, shard_id)] == [str(n) for n in range(30)]


async def test_a_waiting_reader_sees_a_record_another_process_put(tmp_path: Path) -> None:
    clock = SystemClock()  # processes share a file on real time: a fake clock never polls
    reader = Stream("waits", clock, backend=SQLiteBackend(tmp_path / "app.db"))
    writer = Stream("waits", clock, backend=SQLiteBackend(tmp_path / "app.db"))
    shard_id = reader.shards[0].shard_id
    woke = anyio.Event()

    async def wait() -> None:
        await reader.wait_for_records(shard_id)
        woke.set()

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(wait)
        await anyio.sleep(0.1)
        assert not woke.is_set()
        await writer.put_record("hello", partition_key="k")  # no Signal of the reader's is set
        with anyio.fail_after(2):
            await woke.wait()


CHILD = """
import sys, anyio
from faaslib.clock import SystemClock
from faaslib.sources.stream import Stream
from faaslib.stores import SQLiteBackend

async def main():
    stream = Stream("shared", SystemClock(), shards=2, backend=SQLiteBackend(sys.argv[1]))
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(int(sys.argv[2])):
        put = await stream.put_record(f"child-{n}", partition_key=f"key-{n % 4}")
        print(put.shard_id, put.sequence_number, flush=True)
        await anyio.sleep(0)

anyio.run(main)
"""


async def test_two_processes_putting_at_once_keep_each_shard_in_order(tmp_path: Path) -> None:
    from faaslib.clock import SystemClock

    path = tmp_path / "app.db"
    count = 300
    stream = Stream("shared", SystemClock(), shards=2, backend=SQLiteBackend(path))
    async with await anyio.open_process(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(path), str(count)], cwd=ROOT
    ) as child:
        assert child.stdout is not None
        assert child.stdin is not None
        output = b""
        while b"ready\n" not in output:
            output += await child.stdout.receive()
        await child.stdin.send(b"go\n")
        while output.count(b"\n") < 2:  # the child is putting: put alongside it
            output += await child.stdout.receive()
        mine = []
        for n in range(count):
            mine.append(await stream.put_record(f"parent-{n}", partition_key=f"key-{n % 4}"))
            await anyio.lowlevel.checkpoint()
        async for chunk in child.stdout:
            output += chunk
        assert await child.wait() == 0
    theirs = [line.split() for line in output.decode().splitlines()[1:]]
    assert len(theirs) == count
    for shard in stream.shards:
        records = read_all(stream, shard.shard_id)
        numbers = [int(r.sequence_number) for r in records]
        assert numbers == sorted(set(numbers))
        # Each process's own puts are in order in the shard, whoever took the write lock first.
        by_writer = {"parent": [], "child": []}  # type: dict[str, list[int]]
        for record, number in zip(records, numbers, strict=True):
            by_writer[record.data.decode().split("-")[0]].append(number)
        assert by_writer["parent"] == [
            int(p.sequence_number) for p in mine if p.shard_id == shard.shard_id
        ]
        assert by_writer["child"] == [int(n) for s, n in theirs if s == shard.shard_id]
    assert sum(len(read_all(stream, shard.shard_id)) for shard in stream.shards) == 2 * count


class Crash(Exception):
    """The process dies: the app is dropped without stopping."""


def stream_app(
    path: Path,
    clock: FakeClock,
    seen: list[list[int]],
    *,
    hang_on: int | None = None,
    hung: anyio.Event | None = None,
    **options: Any,
) -> App:
    app = App(clock=clock, store=f"sqlite:///{path}")

    @app.on_stream("clicks", batch_size=2, **options)
    async def consume(event: Any, context: Context) -> None:
        numbers = [
            json.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in event["Records"]
        ]
        seen.append(numbers)
        if hang_on in numbers:
            assert hung is not None
            hung.set()
            await anyio.sleep_forever()  # the process dies with this batch in flight

    return app


async def put(app: App, numbers: range) -> None:
    for n in numbers:
        await app.stream("clicks").put_record({"n": n}, partition_key="k")


async def crash_when(app: App, hung: anyio.Event) -> None:
    """Run `app` until its function hangs, then drop it as a killed process leaves it."""
    async with app:
        with anyio.fail_after(5):
            await hung.wait()
        raise Crash


async def test_a_mapping_resumes_after_its_checkpoint_in_a_new_app(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "app.db"
    seen: list[list[int]] = []
    first = stream_app(path, clock, seen, starting_position="TRIM_HORIZON")
    await put(first, range(4))
    async with first:
        await first.wait_idle()
    assert seen == [[0, 1], [2, 3]]
    # While no app runs, records arrive; the next app delivers them, not the earlier ones.
    hung = anyio.Event()
    second = stream_app(path, clock, seen, hang_on=6, hung=hung, starting_position="TRIM_HORIZON")
    await put(second, range(4, 8))
    with pytest.raises(Crash):
        await crash_when(second, hung)
    assert seen[2:] == [[4, 5], [6, 7]]
    third = stream_app(path, clock, seen, starting_position="TRIM_HORIZON")
    await put(third, range(8, 10))
    async with third:
        await third.wait_idle()
    # The batch in flight when the second app died comes again (at least once); no other does.
    assert seen[4:] == [[6, 7], [8, 9]]


async def test_a_mapping_registered_with_latest_keeps_its_start_before_any_batch(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    path = tmp_path / "app.db"
    seen: list[list[int]] = []
    first = stream_app(path, clock, seen)  # LATEST, fixed now
    await put(first, range(2))  # put after the registration: to be delivered
    # That app never ran; a new one registers the same mapping, with LATEST again.
    second = stream_app(path, clock, seen)
    async with second:
        await second.wait_idle()
    assert seen == [[0, 1]]


def lane_of(key: str, lanes: int) -> int:
    """The lane a partition key's records go to (see stream_mapping.lanes)."""
    return zlib.crc32(key.encode()) % lanes


async def test_parallel_lanes_resume_each_from_its_own_checkpoint(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "app.db"
    seen: list[int] = []
    done = anyio.Event()
    blocked = lane_of("key-0", 4)
    healthy = {n for n in range(40, 60) if lane_of(f"key-{n % 5}", 4) != blocked}

    def lanes_app(factor: int, *, failing: bool = False) -> App:
        app = App(clock=clock, store=f"sqlite:///{path}")

        @app.on_stream(
            "clicks", batch_size=3, parallelization_factor=factor, starting_position="TRIM_HORIZON"
        )
        async def consume(event: Any, context: Context) -> None:
            numbers = [json.loads(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]
            if failing and any(n % 5 == 0 for n in numbers):
                raise RuntimeError("key-0 fails: its lane is held")
            seen.extend(numbers)
            if healthy <= set(seen):
                done.set()

        return app

    async def put_keyed(app: App, numbers: range) -> None:
        for n in numbers:
            await app.stream("clicks").put_record(n, partition_key=f"key-{n % 5}")

    first = lanes_app(4)
    await put_keyed(first, range(40))
    async with first:
        await first.wait_idle()
    assert sorted(seen) == list(range(40))
    seen.clear()
    second = lanes_app(4, failing=True)  # one lane is held at its first batch, from 40 on
    await put_keyed(second, range(40, 60))
    async with second:
        with anyio.fail_after(5):
            await done.wait()
    assert set(seen) == healthy
    seen.clear()
    third = lanes_app(4)  # each lane resumes after its own last batch
    await put_keyed(third, range(60, 70))
    async with third:
        await third.wait_idle()
    assert sorted(seen) == sorted({*range(40, 70)} - healthy)
    seen.clear()
    fourth = lanes_app(1)  # fewer lanes: from the lowest checkpoint, so none is skipped
    await put_keyed(fourth, range(70, 80))
    async with fourth:
        await fourth.wait_idle()
    assert seen == list(range(70, 80))  # one lane: the shard's order


def table_app(path: Path, clock: FakeClock, seen: list[str]) -> App:
    app = App(clock=clock, store=f"sqlite:///{path}")
    app.table("users", key_schema=("id",))

    @app.on_table("users", batch_size=10, starting_position="TRIM_HORIZON")
    async def changed(event: Any, context: Context) -> None:
        for record in event["Records"]:
            seen.append(f"{record['eventName']} {record['dynamodb']['Keys']['id']['S']}")

    return app


async def test_a_table_mapping_resumes_after_its_checkpoint(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "app.db"
    seen: list[str] = []
    first = table_app(path, clock, seen)
    async with first:
        await first.table("users").put_item({"id": "u1"})
        await first.table("users").put_item({"id": "u2"})
        await first.wait_idle()
    assert seen == ["INSERT u1", "INSERT u2"]
    await clock.advance(60)  # a new process labels nothing anew: the stream ARN is kept
    second = table_app(path, clock, seen)
    assert second.table("users").stream_arn == first.table("users").stream_arn
    await second.table("users").delete_item({"id": "u1"})
    async with second:
        await second.wait_idle()
    assert seen == ["INSERT u1", "INSERT u2", "REMOVE u1"]


async def test_table_items_and_their_stream_records_survive_a_reopen(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "app.db"
    first = Table("users", clock, key_schema=("id",), backend=SQLiteBackend(path))
    await first.put_item({"id": "u1", "name": "Ann", "tags": {"a", "b"}, "age": 30})
    await first.put_item({"id": "u2", "name": "Bo"})
    await first.update_item({"id": "u1"}, {"name": "Ana"}, remove=["age"])
    await first.delete_item({"id": "u2"})
    await first.put_item({"id": "u1", "name": "Ana", "tags": {"a", "b"}})  # no change
    await clock.advance(5)
    second = Table("users", clock, key_schema=("id",), backend=SQLiteBackend(path))
    assert second.stream_arn == first.stream_arn
    assert second.items() == first.items() == [{"id": "u1", "name": "Ana", "tags": {"a", "b"}}]
    assert await second.get_item({"id": "u2"}) is None
    records = read_all(second.stream, second.stream.shards[0].shard_id)
    changes = [second.change(record) for record in records]
    assert [change.event_name for change in changes] == ["INSERT", "INSERT", "MODIFY", "REMOVE"]
    assert {c.event_source_arn for c in changes} == {first.stream_arn}
    # Writes go on in the reopened table, numbered after the first process's.
    await second.update_item({"id": "u1"}, {"name": "Anna"})
    [change] = read_all(second.stream, second.stream.shards[0].shard_id)[4:]
    assert second.change(change).event_name == "MODIFY"
    assert int(change.sequence_number) > int(records[-1].sequence_number)
    assert await first.get_item({"id": "u1"}) == {"id": "u1", "name": "Anna", "tags": {"a", "b"}}


async def test_a_table_stream_and_a_kinesis_stream_of_one_name_are_apart(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = SQLiteBackend(tmp_path / "app.db")
    stream = Stream("orders", clock, backend=backend)
    table = Table("orders", clock, backend=backend)
    await stream.put_record("kinesis", partition_key="k")
    await table.put_item({"pk": "1"})
    [record] = read_all(stream, stream.shards[0].shard_id)
    assert record.data == b"kinesis"
    [change] = read_all(table.stream, table.stream.shards[0].shard_id)
    assert table.change(change).event_name == "INSERT"


async def test_a_kept_table_keeps_its_key_schema(tmp_path: Path) -> None:
    clock = FakeClock()
    Table("keyed", clock, key_schema=("id",), backend=SQLiteBackend(tmp_path / "app.db"))
    with pytest.raises(ConfigurationError, match=r"key_schema=\('pk',\).* \('id',\)"):
        Table("keyed", clock, key_schema=("pk",), backend=SQLiteBackend(tmp_path / "app.db"))


CONSUMER = """
import os, sys, anyio
from faaslib import App

async def main():
    app = App("crash", store=f"sqlite:///{sys.argv[1]}")
    log = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    @app.on_stream("clicks", batch_size=10, starting_position="TRIM_HORIZON")
    async def consume(event, context):
        await anyio.sleep(0.001)
        lines = "".join(f"{r['kinesis']['sequenceNumber']}\\n" for r in event["Records"])
        os.write(log, lines.encode())  # one write: a kill never leaves half of it

    async with app:
        await app.wait_idle()

anyio.run(main)
"""


@pytest.mark.slow
def test_a_mapping_killed_again_and_again_delivers_every_record_at_least_once(
    tmp_path: Path,
) -> None:
    import random
    import signal
    import time

    from faaslib.clock import SystemClock

    count, kills = 8_000, 6
    path, log = tmp_path / "app.db", tmp_path / "delivered.log"
    stream = Stream("clicks", SystemClock(), backend=SQLiteBackend(path))
    put = [int(stream._put_now(str(n), partition_key="k").sequence_number) for n in range(count)]

    def start() -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(CONSUMER), str(path), str(log)], cwd=ROOT
        )

    def read_log() -> list[int]:
        return [int(line) for line in log.read_text().split()] if log.exists() else []

    chance = random.Random(21)
    mid_stream = 0
    for _ in range(kills):
        before = len(read_log())
        child = start()
        deadline = time.monotonic() + 30
        while len(read_log()) == before and time.monotonic() < deadline:
            time.sleep(0.005)  # until this life delivers, then kill it at a random moment
        time.sleep(chance.uniform(0, 0.1))
        child.send_signal(signal.SIGKILL)
        child.wait()
        mid_stream += 0 < len(set(read_log())) < count
    assert start().wait(timeout=60) == 0
    print(f"\n{kills} kills ({mid_stream} mid-stream): {len(read_log()) - count} run again")
    assert mid_stream == kills
    delivered = read_log()
    assert set(delivered) == set(put)
    # At least once, not many times: a kill repeats at most the batch in flight.
    assert len(delivered) - count <= kills * 10
    # And the records came in order, each life going on from where the previous one stopped.
    restarts = sum(later < earlier for earlier, later in itertools.pairwise(delivered))
    assert restarts <= kills


WRITER = """
import sys, anyio
from faaslib.clock import SystemClock
from faaslib.sources.table import Table
from faaslib.stores import SQLiteBackend

async def main():
    table = Table("counters", SystemClock(), backend=SQLiteBackend(sys.argv[1]))
    item = await table.get_item({"pk": "x"})
    n = 0 if item is None else int(item["n"]) + 1
    print("ready", flush=True)
    while True:
        await table.update_item({"pk": "x"}, {"n": n})
        n += 1

anyio.run(main)
"""


@pytest.mark.slow
def test_a_table_write_killed_mid_way_never_leaves_an_item_without_its_stream_record(
    tmp_path: Path,
) -> None:
    import random
    import signal
    import time

    from faaslib.clock import SystemClock

    path = tmp_path / "app.db"
    chance = random.Random(21)
    for _ in range(4):
        child = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(WRITER), str(path)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"
        time.sleep(chance.uniform(0.05, 0.2))  # writing as fast as it can
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    table = Table("counters", SystemClock(), backend=SQLiteBackend(path))
    item = await_item(table)
    records = read_all(table.stream, table.stream.shards[0].shard_id)
    values = [int(json.loads(r.data)["dynamodb"]["NewImage"]["n"]["N"]) for r in records]
    # Every value the item took has its record, in order, and the last is the item as it is.
    assert values == list(range(len(values)))
    assert int(item["n"]) == values[-1] > 100


def await_item(table: Table) -> dict[str, Any]:
    item = anyio.run(table.get_item, {"pk": "x"})
    assert item is not None
    return item
