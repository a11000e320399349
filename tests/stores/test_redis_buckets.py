"""A bucket's objects on Redis: two processes on one server and prefix share one bucket, a put
killed while its body is on the wire leaves the old object whole, a body over a Redis string's
512 MiB is refused by name, a listing holds the bucket's lock so another process's writes wait
for it, a batch's writes go all at once at its end (read your writes inside it), and listings
page as on the memory store."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import anyio
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings

from faaslib import App
from faaslib.errors import ConfigurationError
from faaslib.sources.bucket import Bucket, EntityTooLarge
from faaslib.sources.bucket import redis as redis_objects
from faaslib.sources.bucket.objects import ObjectInfo
from faaslib.sources.bucket.redis import MAXIMUM_BODY_BYTES, RedisObjects
from faaslib.sources.bucket.store import for_backend
from faaslib.stores import MemoryBackend, RedisBackend
from faaslib.stores.redis.locked import ResourceBusy
from faaslib.testing import FakeClock
from tests.stores.alike import Listing, listing_pages, listings

ROOT = Path(__file__).parents[2]


@pytest.fixture
def url(redis_url: str) -> str:
    """A fresh prefix on the suite's server: an app of its own."""
    return f"{redis_url}?prefix=b{uuid.uuid4().hex[:12]}"


@pytest.fixture
def backends(url: str) -> Iterator[tuple[RedisBackend, RedisBackend]]:
    """Two backends on one prefix, each with its own connection: two processes' views."""
    one, other = RedisBackend(url), RedisBackend(url)
    yield one, other
    one.close()
    other.close()


def describe(key: str, body: bytes) -> ObjectInfo:
    return ObjectInfo(
        key=key,
        size=len(body),
        etag=f'"{hashlib.md5(body).hexdigest()}"',
        last_modified=datetime(2026, 1, 1, tzinfo=timezone.utc),
        content_type="binary/octet-stream",
        metadata={},
    )


def objects(backend: RedisBackend, name: str = "media") -> RedisObjects:
    store = for_backend(backend, name)
    assert isinstance(store, RedisObjects)
    return store


def test_a_store_of_an_unknown_kind_is_an_error_not_a_memory_bucket() -> None:
    class Elsewhere(MemoryBackend):
        kind = "elsewhere"  # type: ignore[assignment]

    with pytest.raises(ConfigurationError, match=r"bucket 'media'.*kind 'elsewhere'"):
        for_backend(Elsewhere(), "media")


# -- two processes, one bucket -------------------------------------------------------------------

CHILD = """
import sys
import anyio
from faaslib import App
from faaslib.stores import open_store
from faaslib.testing import FakeClock

backend = open_store(sys.argv[1])

async def main():
    bucket = App(clock=FakeClock(), store=backend).bucket("media")
    seen = await bucket.get("from-parent")
    await bucket.put("from-child", seen.body + b" and back", metadata={"by": "child"})
    await bucket.delete("doomed")
    print(",".join(info.key for info in (await bucket.list()).contents))

anyio.run(main)
backend.close()
"""


@pytest.mark.anyio
async def test_two_processes_share_one_bucket(
    url: str, backends: tuple[RedisBackend, RedisBackend]
) -> None:
    bucket = App(clock=FakeClock(), store=backends[0]).bucket("media")
    await bucket.put("from-parent", b"\x00binary\xff")
    await bucket.put("doomed", "to go")
    with anyio.fail_after(60):
        child = await anyio.run_process(
            [sys.executable, "-c", textwrap.dedent(CHILD), url], cwd=ROOT
        )
    assert child.stdout.decode().split() == ["from-child,from-parent"]
    got = await bucket.get("from-child")
    assert (got.body, got.metadata) == (b"\x00binary\xff and back", {"by": "child"})
    assert got.etag == f'"{hashlib.md5(got.body).hexdigest()}"'
    assert bucket.keys() == ["from-child", "from-parent"]
    metrics = bucket.metrics()
    assert (metrics["NumberOfObjects"], metrics["BucketSizeBytes"]) == (2, 8 + 17)
    # Another prefix is another app: it sees none of it.
    elsewhere = RedisBackend(url.replace("?prefix=b", "?prefix=c"))
    try:
        assert App(clock=FakeClock(), store=elsewhere).bucket("media").keys() == []
    finally:
        elsewhere.close()


def test_an_overwrite_and_a_delete_keep_the_counts_of_both_views(
    backends: tuple[RedisBackend, RedisBackend],
) -> None:
    one, other = objects(backends[0]), objects(backends[1])
    one.put(describe("a", b"12345"), b"12345")
    other.put(describe("a", b"12"), b"12")  # replaces: 2 bytes, not 7
    other.put(describe("b", b""), b"")  # an empty body is an object
    assert (one.count(), one.size(), one.has("b"), one.find("b")) == (
        2,
        2,
        True,
        (describe("b", b""), b""),
    )
    assert one.delete("a")
    assert not other.delete("a")
    assert (other.count(), other.size(), other.keys()) == (1, 0, ["b"])
    assert other.info("a") is None
    assert other.find("a") is None


# -- a put killed mid-way ------------------------------------------------------------------------

WRITER = """
import sys
from faaslib.sources.bucket.store import for_backend
from faaslib.stores import RedisBackend
from tests.stores.test_redis_buckets import describe

store = for_backend(RedisBackend(sys.argv[1]), "media")  # killed: never closed
size = int(sys.argv[2])
print("ready", flush=True)
for number in range(1, 1_000_000):
    body = bytes([number % 256]) * size
    store.put(describe("k", body), body)
"""


@pytest.mark.parametrize("attempt", range(2))
def test_a_put_killed_while_sending_its_body_leaves_an_object_whole(
    backends: tuple[RedisBackend, RedisBackend], url: str, attempt: int
) -> None:
    """The writer is killed once a new object has landed and the server holds part of the
    next put's body in its query buffer: nothing of that put lands, and the object read is a
    whole one, with its own ETag and size."""
    backend = backends[0]
    store = objects(backend)
    size = 24 * 1024**2
    old = b"old" * 1000
    store.put(describe("k", old), old)
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), url, str(size)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"
        # Wait for a new object to land, then for a put half received: another client whose
        # query buffer holds over a MiB (a whole command is run as soon as it is in).
        deadline = time.monotonic() + 30
        while store.size() != size and time.monotonic() < deadline:
            time.sleep(0.005)
        mine = backend.blocking(lambda client: client.client_id())
        half = False
        while not half and time.monotonic() < deadline:
            clients = backend.blocking(lambda client: client.client_list())
            half = any(
                int(found["id"]) != mine and int(found["qbuf"]) > 1024**2 for found in clients
            )
        assert half, "never saw a put half-way through its body"
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        child.kill()
        child.wait()
        if child.stdout is not None:
            child.stdout.close()
    record = store.find("k")
    assert record is not None
    info, body = record
    assert len(body) == info.size == store.size()
    assert info.etag == f'"{hashlib.md5(body).hexdigest()}"'
    assert body == bytes([body[0]]) * size  # a new one, whole
    assert store.count() == 1


# -- the size limit --------------------------------------------------------------------------


def test_a_body_over_a_redis_strings_512_mib_is_refused_naming_bucket_key_and_limit(
    backends: tuple[RedisBackend, RedisBackend],
) -> None:
    store = objects(backends[0])
    store.put(describe("big.bin", b"before"), b"before")
    over = bytes(MAXIMUM_BODY_BYTES + 1)  # zero pages the system hands out lazily
    info = msgspec.structs.replace(describe("big.bin", b""), size=len(over))
    with pytest.raises(
        EntityTooLarge,
        match=r"bucket 'media': object 'big\.bin' is 536,870,913 bytes, over the Redis store's "
        r"limit of 536,870,912 bytes \(512 MiB",
    ) as raised:
        store.put(info, over)
    assert raised.value.code == "EntityTooLarge"
    assert store.find("big.bin") == (describe("big.bin", b"before"), b"before")


@pytest.mark.anyio
async def test_a_bucket_on_redis_refuses_what_its_store_cannot_hold(
    backends: tuple[RedisBackend, RedisBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(redis_objects, "MAXIMUM_BODY_BYTES", 1_000)
    bucket = Bucket("media", FakeClock(), backend=backends[0])
    await bucket.put("k", b"x" * 1_000)  # at the limit
    with pytest.raises(EntityTooLarge, match="object 'k' is 1,001 bytes"):
        await bucket.put("k", b"y" * 1_001)
    with pytest.raises(EntityTooLarge, match="object 'copy' is 1,001 bytes"):
        await bucket.put_parts("copy", [b"y" * 1_000, b"y"])
    assert (await bucket.get("k")).body == b"x" * 1_000
    assert bucket.keys() == ["k"]


# -- the lock: a listing against another process's writes ------------------------------------


def test_a_write_waits_while_another_process_holds_the_buckets_batch(
    backends: tuple[RedisBackend, RedisBackend],
) -> None:
    reader, writer = objects(backends[0]), objects(backends[1])
    writer.put(describe("a", b"1"), b"1")
    done = threading.Event()

    def write() -> None:
        writer.put(describe("b", b"2"), b"2")
        done.set()

    with reader.batch():
        assert reader.keys() == ["a"]
        thread = threading.Thread(target=write)
        thread.start()
        assert not done.wait(0.3)  # the write waits for the batch
        assert list(reader.scan("", False)) == ["a"]
        assert reader.infos(["a"]) == [describe("a", b"1")]
    assert done.wait(10)
    thread.join()
    assert reader.keys() == ["a", "b"]


def test_a_write_gives_up_naming_the_bucket_when_the_lock_is_held_too_long(
    backends: tuple[RedisBackend, RedisBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    holder, writer = objects(backends[0]), objects(backends[1])
    monkeypatch.setattr(redis_objects, "WAIT", 0.2)
    with holder.batch():
        started = time.monotonic()
        with pytest.raises(
            ResourceBusy, match=r"bucket 'media'.*the write of key 'k' was not made"
        ):
            writer.put(describe("k", b"v"), b"v")
        assert time.monotonic() - started >= 0.2
    assert writer.keys() == []


def test_a_dead_holders_lock_frees_the_bucket_when_its_lease_runs_out(
    backends: tuple[RedisBackend, RedisBackend],
) -> None:
    backend = backends[0]
    store = objects(backend)
    lock = backend.key("lock", "bucket", "media")
    # What a process killed inside a batch leaves: its lock, with its lease.
    assert backend.blocking(lambda client: client.set(lock, "dead", px=300))
    started = time.monotonic()
    store.put(describe("k", b"v"), b"v")
    assert 0.2 < time.monotonic() - started < 5
    assert store.keys() == ["k"]


# -- writes inside a batch -------------------------------------------------------------------


def test_a_batchs_writes_are_read_inside_it_and_land_together_at_its_end(
    backends: tuple[RedisBackend, RedisBackend],
) -> None:
    store, other = objects(backends[0]), objects(backends[1])
    store.put(describe("b", b"bb"), b"bb")
    store.put(describe("d", b"dddd"), b"dddd")
    with store.batch():
        store.put(describe("a", b"a"), b"a")
        store.put(describe("d", b"D"), b"D")  # replaces 4 bytes with 1
        assert store.delete("b")
        assert not store.delete("b")
        assert not store.delete("x")
        store.put(describe("c", b"ccc"), b"ccc")
        with store.batch():  # nested: one batch
            assert store.delete("c")
            store.put(describe("c", b"cc"), b"cc")
        # Read your writes...
        assert store.keys() == ["a", "c", "d"]
        assert list(store.scan("a", True)) == ["c", "d"]
        assert (store.count(), store.size(), store.has("b"), store.info("b")) == (3, 4, False, None)
        assert store.find("d") == (describe("d", b"D"), b"D")
        assert store.infos(["a", "d"]) == [describe("a", b"a"), describe("d", b"D")]
        # ...which no other process sees yet.
        assert other.keys() == ["b", "d"]
        assert (other.count(), other.size()) == (2, 6)
    assert other.keys() == ["a", "c", "d"]
    assert (other.count(), other.size()) == (3, 4)
    assert other.find("c") == (describe("c", b"cc"), b"cc")


def test_a_batch_that_raises_writes_nothing(backends: tuple[RedisBackend, RedisBackend]) -> None:
    store = objects(backends[0])
    store.put(describe("kept", b"k"), b"k")

    def abandoned() -> None:
        with store.batch():
            store.put(describe("new", b"n"), b"n")
            assert store.delete("kept")
            raise RuntimeError("abandoned")

    with pytest.raises(RuntimeError, match="abandoned"):
        abandoned()
    assert store.keys() == ["kept"]
    assert (store.count(), store.size()) == (1, 1)
    objects(backends[1]).put(describe("after", b"a"), b"a")  # the lock was released


# -- listing: the same pages as the memory store ---------------------------------------------


@pytest.fixture(scope="module")
def shared_server(redis_url: str) -> Iterator[RedisBackend]:
    """One prefix for every example: each example lists a bucket of its own on it."""
    backend = RedisBackend(f"{redis_url}?prefix=l{uuid.uuid4().hex[:12]}")
    yield backend
    backend.close()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listing=listings(max_operations=25))
def test_listings_page_identically_on_memory_and_redis(
    shared_server: RedisBackend, listing: Listing
) -> None:
    name = f"media-{uuid.uuid4().hex[:12]}"
    clock = FakeClock()
    memory = Bucket(name, clock, backend=MemoryBackend())
    redis = Bucket(name, clock, backend=shared_server)

    async def walk(bucket: Bucket) -> list[Any]:
        pages = await listing_pages(bucket, listing)
        return [*pages, bucket.metrics()["BucketSizeBytes"], len(bucket)]

    async def both() -> None:
        assert await walk(redis) == await walk(memory)

    with pytest.MonkeyPatch.context() as monkeypatch:
        # Fetches of 2 keys, then 16, ...: a page of a few keys spans several of them.
        monkeypatch.setattr(redis_objects, "_FIRST_KEYS", 2)
        anyio.run(both, backend="asyncio")
