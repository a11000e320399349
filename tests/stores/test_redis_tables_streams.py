"""Tables and streams on Redis, shared by processes and hosts: two backends on one prefix are
two processes (each its own clients and threads); conditional writes are decided once across
them; a process killed mid-`TransactWriteItems` leaves all of it or none; stream numbering goes
on wherever the next put comes from; a batch that outlives its lease writes nothing."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
import threading
import time
import types
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from faaslib.clock import SystemClock
from faaslib.errors import ConfigurationError
from faaslib.sources.stream import Stream
from faaslib.sources.stream.store import for_backend as stream_store_for
from faaslib.sources.table import Table
from faaslib.sources.table.store import for_backend as item_store_for
from faaslib.stores import open_store
from faaslib.stores.redis import locked
from faaslib.stores.redis.connection import RedisBackend
from tests.stores.alike import assert_all_or_none, kill_writers

ROOT = Path(__file__).parents[2]


@pytest.fixture
def url(redis_url: str) -> str:
    """A fresh prefix on the suite's server: the state of this test only."""
    return f"{redis_url}?prefix=h3{uuid.uuid4().hex[:12]}"


@pytest.fixture
def two(url: str) -> Iterator[tuple[RedisBackend, RedisBackend]]:
    """Two backends on one prefix: what two processes (or hosts) of one app hold."""
    first, second = open_store(url), open_store(url)
    assert isinstance(first, RedisBackend)
    assert isinstance(second, RedisBackend)
    yield first, second
    first.close()
    second.close()


def _table(backend: RedisBackend) -> Table:
    return Table("orders", SystemClock(), key_schema=("pk", "sk"), backend=backend)


def test_two_processes_share_a_tables_items_and_its_stream(
    two: tuple[RedisBackend, RedisBackend],
) -> None:
    here, there = _table(two[0]), _table(two[1])
    assert here.stream_arn == there.stream_arn  # the label the first one made is kept
    here._put_now({"pk": "a", "sk": 1, "size": 3})
    there._put_now({"pk": "b", "sk": 1, "size": 4})
    here._put_now({"pk": "a", "sk": 1, "size": 5})  # a change of an item the other inserted
    there._delete_now({"pk": "b", "sk": 1})
    assert there._get_now({"pk": "a", "sk": 1}) == {"pk": "a", "sk": 1, "size": 5}
    assert here.items() == there.items() == [{"pk": "a", "sk": 1, "size": 5}]
    iterator = there.stream.iterator(there.stream.shards[0].shard_id, "TRIM_HORIZON")
    records = there.stream.get_records(iterator).records
    changes = [there.change(record) for record in records]
    assert [change.event_name for change in changes] == ["INSERT", "INSERT", "MODIFY", "REMOVE"]
    numbers = [int(record.sequence_number) for record in records]
    assert numbers == sorted(set(numbers))


def test_items_come_back_in_the_order_they_were_first_put(url: str) -> None:
    backend = open_store(url)
    assert isinstance(backend, RedisBackend)
    table = _table(backend)
    chance = random.Random(3)
    keys = [f"k{number}" for number in range(60)]
    chance.shuffle(keys)
    for key in keys:
        table._put_now({"pk": key, "sk": 0, "body": "x" * 100})
    table._put_now({"pk": keys[0], "sk": 0, "body": "changed"})  # keeps its place
    table._delete_now({"pk": keys[1], "sk": 0})
    table._put_now({"pk": keys[1], "sk": 0})  # put again: goes last
    assert [item["pk"] for item in table.items()] == [*keys[:1], *keys[2:], keys[1]]
    backend.close()


def test_a_batch_reads_its_own_writes_and_sends_them_at_its_end(
    two: tuple[RedisBackend, RedisBackend],
) -> None:
    here, there = _table(two[0]), _table(two[1])
    with here._batch():
        here._put_now({"pk": "a", "sk": 1})
        here._put_now({"pk": "b", "sk": 1})
        here._delete_now({"pk": "a", "sk": 1})
        assert here._get_now({"pk": "b", "sk": 1}) == {"pk": "b", "sk": 1}
        assert here._get_now({"pk": "a", "sk": 1}) is None
        assert [item["pk"] for item in here.items()] == ["b"]
        assert there.items() == []  # nothing reached the server yet
    assert [item["pk"] for item in there.items()] == ["b"]
    assert len(_all_records(there.stream)) == 3


def test_a_batch_that_raises_writes_nothing(two: tuple[RedisBackend, RedisBackend]) -> None:
    here, there = _table(two[0]), _table(two[1])

    def change_and_fail() -> None:
        with here._batch():
            here._put_now({"pk": "a", "sk": 1})
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError, match="changed my mind"):
        change_and_fail()
    assert there.items() == []
    assert _all_records(there.stream) == []
    here._put_now({"pk": "a", "sk": 1})  # the lock was released
    assert len(there.items()) == 1


def test_a_batch_holds_the_table_until_it_ends(
    two: tuple[RedisBackend, RedisBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(locked, "WAIT", 0.3)
    here, there = _table(two[0]), _table(two[1])
    with here._batch():
        here._put_now({"pk": "a", "sk": 1})
        with pytest.raises(locked.ResourceBusy, match=r"table 'arn:aws:dynamodb:.*orders'"):
            there._put_now({"pk": "b", "sk": 1})
    there._put_now({"pk": "b", "sk": 1})
    assert sorted(item["pk"] for item in here.items()) == ["a", "b"]


def test_a_batch_that_outlives_its_lease_writes_nothing(
    two: tuple[RedisBackend, RedisBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    here, there = _table(two[0]), _table(two[1])
    monkeypatch.setattr(locked, "LEASE", 0.1)

    def slow_batch() -> None:
        with here._batch():
            here._put_now({"pk": "slow", "sk": 1})
            time.sleep(0.3)  # the lease runs out: another process may take the table
            there._put_now({"pk": "fast", "sk": 1})

    with pytest.raises(locked.LockLost, match="none of the batch's writes"):
        slow_batch()
    assert [item["pk"] for item in there.items()] == ["fast"]
    assert len(_all_records(there.stream)) == 1


def test_conditional_writes_from_two_threads_have_one_winner_each(
    two: tuple[RedisBackend, RedisBackend],
) -> None:
    """The read and the write of a check-and-put are one batch: of two writers racing for each
    key, exactly one finds it free, and the item is the winner's."""
    tables = [_table(backend) for backend in two]
    keys = 40
    won: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def race(index: int) -> None:
        table = tables[index]
        start.wait()
        for key in range(keys):
            with table._batch():
                if table._get_now({"pk": str(key), "sk": 0}) is None:
                    table._put_now({"pk": str(key), "sk": 0, "writer": index})
                    won[index].append(key)

    threads = [threading.Thread(target=race, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won[0] + won[1]) == list(range(keys))
    owners = {int(item["pk"]): int(item["writer"]) for item in tables[0].items()}
    assert owners == {key: 0 if key in won[0] else 1 for key in range(keys)}
    assert len(_all_records(tables[1].stream)) == keys  # one INSERT per key, no MODIFY


def test_stream_numbering_goes_on_across_processes_and_restarts(
    two: tuple[RedisBackend, RedisBackend], url: str
) -> None:
    here = Stream("clicks", SystemClock(), shards=2, backend=two[0])
    there = Stream("clicks", SystemClock(), shards=2, backend=two[1])
    assert here.shards == there.shards
    assert here.created_at == there.created_at
    put = [
        (stream._put_now(f"record {number}".encode(), "one key").sequence_number)
        for number in range(10)
        for stream in (here, there)
    ]
    assert [int(number) for number in put] == sorted({int(number) for number in put})
    later_backend = open_store(url)  # a process started later
    later = Stream("clicks", SystemClock(), shards=2, backend=later_backend)
    put.append(later._put_now(b"after a restart", "one key").sequence_number)
    assert int(put[-1]) > int(put[-2])
    records = _all_records(later)
    assert [record.sequence_number for record in records] == put
    assert [record.data for record in records][-1] == b"after a restart"
    with pytest.raises(ConfigurationError, match=r"shards=3, but the store .* keeps it with 2"):
        Stream("clicks", SystemClock(), shards=3, backend=later_backend)
    later_backend.close()


def test_an_unknown_backend_kind_is_an_error_not_a_memory_store() -> None:
    backend = types.SimpleNamespace(kind="etcd")
    with pytest.raises(ConfigurationError, match="no item store for a 'etcd' backend"):
        item_store_for(backend, "arn", ("pk",), "label")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="no record store for a 'etcd' backend"):
        stream_store_for(backend, "arn", 1, SystemClock())  # type: ignore[arg-type]


def _all_records(stream: Stream) -> list:  # type: ignore[type-arg]
    records = []
    for shard in stream.shards:
        iterator = stream.iterator(shard.shard_id, "TRIM_HORIZON")
        records += stream.get_records(iterator).records
    return sorted(records, key=lambda record: int(record.sequence_number))


# -- processes -------------------------------------------------------------------------------

CONDITIONAL = """
import sys
from faaslib import App
from faaslib.testing import TestClient

app = App(store=sys.argv[1])
app.table("seats", key_schema=("pk",))
with TestClient(app) as client:
    dynamodb = client.boto3_session().client("dynamodb")
    print("ready", flush=True)
    sys.stdin.readline()
    for seat in range(int(sys.argv[2])):
        try:
            dynamodb.put_item(
                TableName="seats",
                Item={"pk": {"S": str(seat)}, "by": {"S": sys.argv[3]}},
                ConditionExpression="attribute_not_exists(pk)",
            )
            print(seat, flush=True)
        except dynamodb.exceptions.ConditionalCheckFailedException:
            pass
        dynamodb.update_item(
            TableName="seats",
            Key={"pk": {"S": "count"}},
            UpdateExpression="ADD tries :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )
app.store.close()  # the blocking client's thread, which the app leaves open
"""


def test_conditional_writes_from_two_processes_have_one_winner_each(url: str) -> None:
    pytest.importorskip("boto3", reason="the writes go through boto3, as an app sends them")
    seats = 30
    children = [
        subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(CONDITIONAL), url, str(seats), name],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for name in ("first", "second")
    ]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        child.stdin.flush()
    won = {}
    for name, child in zip(("first", "second"), children, strict=True):
        output, _ = child.communicate(timeout=60)
        assert child.returncode == 0
        won[name] = [int(line) for line in output.split()]
    assert sorted(won["first"] + won["second"]) == list(range(seats))
    backend = open_store(url)
    assert isinstance(backend, RedisBackend)
    table = Table("seats", SystemClock(), key_schema=("pk",), backend=backend)
    kept = {item["pk"]: item for item in table.items()}
    for name, taken in won.items():
        assert all(kept[str(seat)]["by"] == name for seat in taken)
    assert kept["count"]["tries"] == 2 * seats  # every read-modify-write counted once
    backend.close()


@pytest.mark.slow
def test_a_transaction_killed_mid_way_leaves_all_its_items_or_none(url: str) -> None:
    pytest.importorskip("boto3", reason="the transactions go through boto3, as an app sends them")
    # A lock a killed process held frees itself when its lease runs out; the next writer waits
    # for it (at most `locked.LEASE`).
    kill_writers(url, 4)
    backend = open_store(url)
    assert isinstance(backend, RedisBackend)
    table = Table("orders", SystemClock(), key_schema=("pk",), backend=backend)
    parts = assert_all_or_none(table)
    changes = Counter(
        str(table.change(record).dynamodb.keys["pk"].string).split("-")[0]  # type: ignore[union-attr]
        for record in _all_records(table.stream)
    )
    assert changes == parts  # every item kept has its stream record, and no other is there
    backend.close()
