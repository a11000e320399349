"""A bucket's objects in a SQLite file: small and large ones survive a reopen, a large body is a
file beside the database written atomically (what a process killed half-way leaves is never
read, and is swept), an overwrite or a delete removes the old file, two buckets on one file see
one bucket, and a listing pages identically on the memory and the SQLite store."""

from __future__ import annotations

import hashlib
import os
import sys
import textwrap
import time
import uuid
from pathlib import Path

import anyio
import pytest
from hypothesis import HealthCheck, given, settings

from faaslib import App
from faaslib.sources.bucket import Bucket, BucketError
from faaslib.sources.bucket.sqlite import INLINE_LIMIT, ORPHAN_AGE, objects_folder
from faaslib.stores import MemoryBackend, SQLiteBackend
from faaslib.testing import FakeClock
from tests.stores.alike import Listing, listing_pages, listings

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).parents[2]
SMALL = b"s" * 1024
LARGE = bytes(range(256)) * (INLINE_LIMIT // 256 + 1)  # just over the limit: a file


def files(backend: SQLiteBackend, bucket: str = "media") -> list[Path]:
    folder = objects_folder(backend.database, bucket)
    return sorted(folder.iterdir()) if folder.is_dir() else []


def age(path: Path, seconds: float) -> None:
    """Make `path` look written `seconds` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


async def test_small_and_large_objects_survive_a_reopen(tmp_path: Path) -> None:
    clock = FakeClock()
    first = Bucket("media", clock, backend=SQLiteBackend(tmp_path / "app.db"))
    small = await first.put("notes/a.txt", SMALL, metadata={"Owner": "ann"})
    large = await first.put("video/b.bin", LARGE, content_type="video/mp4")
    parts = await first.put_parts("video/c.bin", [LARGE, b"tail"])
    await clock.advance(5)
    # A new process: its own connection to the file, and a new Bucket.
    second = Bucket("media", clock, backend=SQLiteBackend(tmp_path / "app.db"))
    assert second.keys() == ["notes/a.txt", "video/b.bin", "video/c.bin"]
    got = await second.get("notes/a.txt")
    assert (got.body, got.etag, got.metadata) == (SMALL, small.etag, {"owner": "ann"})
    assert got.last_modified == small.last_modified
    got = await second.get("video/b.bin")
    assert (got.body, got.content_type, got.etag) == (LARGE, "video/mp4", large.etag)
    assert (await second.get("video/c.bin")).body == LARGE + b"tail"
    assert await second.head("video/c.bin") == parts
    assert (await second.list("video/")).contents == [large, parts]
    metrics = second.metrics()
    total = len(SMALL) + len(LARGE) * 2 + 4
    assert (metrics["NumberOfObjects"], metrics["BucketSizeBytes"]) == (3, total)
    assert (len(second), "video/b.bin" in second, "video/x" in second) == (3, True, False)
    # Another bucket on the same file is another bucket.
    assert Bucket("other", clock, backend=SQLiteBackend(tmp_path / "app.db")).keys() == []


async def test_an_apps_buckets_keep_their_objects_in_its_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    first = App(clock=FakeClock(), store=url)
    await first.bucket("media").put("k", {"answer": 42})
    second = App(clock=FakeClock(), store=url)
    assert (await second.bucket("media").get("k")).json() == {"answer": 42}


async def test_a_body_over_the_inline_limit_is_a_file_beside_the_database(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / "app.db")
    bucket = Bucket("media", FakeClock(), backend=backend)
    await bucket.put("inline", b"i" * INLINE_LIMIT)  # at the limit: in its row
    assert files(backend) == []
    await bucket.put("big/one", LARGE)
    [file] = files(backend)
    assert file.parent == tmp_path / "app.db.objects" / "media"
    assert file.read_bytes() == LARGE
    # A safe name whatever the key: a hash of it and a part of its own.
    assert file.name.startswith(hashlib.sha256(b"big/one").hexdigest()[:32] + "-")
    assert (await bucket.get("big/one")).body == LARGE


async def test_an_overwrite_or_a_delete_removes_the_old_file(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / "app.db")
    bucket = Bucket("media", FakeClock(), backend=backend)
    await bucket.put("k", LARGE)
    [first] = files(backend)
    await bucket.put("k", LARGE[::-1])
    [second] = files(backend)
    assert second != first
    assert second.read_bytes() == LARGE[::-1]
    await bucket.put("k", SMALL)  # now in its row
    assert files(backend) == []
    await bucket.put("k", LARGE)
    await bucket.copy("k", "copy")
    assert len(files(backend)) == 2
    assert await bucket.delete("k")
    [left] = files(backend)
    assert left.read_bytes() == LARGE
    assert (await bucket.get("copy")).body == LARGE
    assert await bucket.delete("copy")
    assert files(backend) == []
    assert bucket.keys() == []


async def test_two_buckets_on_one_file_see_the_same_objects(tmp_path: Path) -> None:
    clock = FakeClock()
    backend = SQLiteBackend(tmp_path / "app.db")
    one = Bucket("media", clock, backend=backend)
    other = Bucket("media", clock, backend=SQLiteBackend(tmp_path / "app.db"))
    await one.put("a", SMALL)
    await one.put("b", LARGE)
    assert (await other.get("a")).body == SMALL
    assert (await other.get("b")).body == LARGE
    await other.put("b", b"replaced")  # the file `one` wrote goes
    assert (await one.get("b")).body == b"replaced"
    assert files(backend) == []
    assert await other.delete("a")
    with pytest.raises(BucketError, match="The specified key does not exist"):
        await one.head("a")
    assert [info.key for info in (await one.list()).contents] == ["b"]


async def test_a_file_no_row_names_is_never_read_and_is_swept_once_old(tmp_path: Path) -> None:
    backend = SQLiteBackend(tmp_path / "app.db")
    bucket = Bucket("media", FakeClock(), backend=backend)
    await bucket.put("k", LARGE)
    [kept] = files(backend)
    # What a process killed half-way leaves: a temporary file, and a renamed one whose row
    # was never committed (named as a put of the same key names its file).
    folder = kept.parent
    temporary = folder / ".tmp-half-written"
    temporary.write_bytes(b"half")
    orphan = folder / f"{hashlib.sha256(b'k').hexdigest()[:32]}-{uuid.uuid4().hex[:16]}"
    orphan.write_bytes(b"never committed")
    assert (await bucket.get("k")).body == LARGE
    # Young files may be another process's writes in progress: a reopen leaves them.
    Bucket("media", FakeClock(), backend=SQLiteBackend(tmp_path / "app.db"))
    assert files(backend) == sorted([kept, temporary, orphan])
    for path in (kept, temporary, orphan):
        age(path, ORPHAN_AGE + 1)
    reopened = Bucket("media", FakeClock(), backend=SQLiteBackend(tmp_path / "app.db"))
    assert files(backend) == [kept]  # an old file a row names stays
    assert (await reopened.get("k")).body == LARGE


CRASH = """
import os, sys
import anyio
from faaslib.sources.bucket import Bucket
from faaslib.stores import SQLiteBackend
from faaslib.testing import FakeClock

database, when = sys.argv[1], sys.argv[2]
replace = os.replace

def crashing(source, target):
    if when == "before-rename":
        os._exit(9)
    replace(source, target)
    os._exit(9)  # renamed, and the row that would name the file never committed

os.replace = crashing

async def main():
    bucket = Bucket("media", FakeClock(), backend=SQLiteBackend(database))
    await bucket.put("k", b"new" * 30_000)

anyio.run(main)
"""


@pytest.mark.parametrize("when", ["before-rename", "after-rename"])
async def test_a_process_killed_while_writing_a_body_leaves_the_old_object(
    tmp_path: Path, when: str
) -> None:
    database = tmp_path / "app.db"
    backend = SQLiteBackend(database)
    bucket = Bucket("media", FakeClock(), backend=backend)
    await bucket.put("k", LARGE)
    [old] = files(backend)
    with anyio.fail_after(60):
        child = await anyio.run_process(
            [sys.executable, "-c", textwrap.dedent(CRASH), str(database), when],
            cwd=ROOT,
            check=False,
        )
    assert child.returncode == 9, child.stderr.decode()
    [left] = [path for path in files(backend) if path != old]
    assert left.name.startswith(".tmp-") is (when == "before-rename")
    assert left.stat().st_size == len(b"new" * 30_000)  # whole: only the commit was missing
    assert (await bucket.get("k")).body == LARGE  # the old object, whole
    age(left, ORPHAN_AGE + 1)
    Bucket("media", FakeClock(), backend=SQLiteBackend(database))
    assert files(backend) == [old]


async def test_a_body_file_removed_behind_the_stores_back_is_an_error_naming_it(
    tmp_path: Path,
) -> None:
    backend = SQLiteBackend(tmp_path / "app.db")
    bucket = Bucket("media", FakeClock(), backend=backend)
    await bucket.put("k", LARGE)
    [file] = files(backend)
    file.unlink()
    with pytest.raises(BucketError, match=f"key 'k': its body file .*{file.name}.* is missing"):
        await bucket.get("k")
    assert (await bucket.head("k")).size == len(LARGE)  # HeadObject reads no body


# -- listing: the same pages on both stores --------------------------------------------------


@pytest.fixture(scope="module")
def shared_file(tmp_path_factory: pytest.TempPathFactory) -> SQLiteBackend:
    """One database for every example: each example lists a bucket of its own in it."""
    return SQLiteBackend(tmp_path_factory.mktemp("listing") / "app.db")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(listing=listings(max_operations=30))
def test_listings_page_identically_on_memory_and_sqlite(
    shared_file: SQLiteBackend, listing: Listing
) -> None:
    name = f"media-{uuid.uuid4().hex[:12]}"
    clock = FakeClock()
    memory = Bucket(name, clock, backend=MemoryBackend())
    sqlite = Bucket(name, clock, backend=shared_file)

    async def both() -> None:
        expected = await listing_pages(memory, listing)
        assert await listing_pages(sqlite, listing) == expected
        assert expected[0] == sorted(expected[0], key=lambda key: key.encode())

    anyio.run(both, backend="asyncio")


WRITER = """
import sys
import anyio
from faaslib.sources.bucket import Bucket
from faaslib.stores import SQLiteBackend
from faaslib.testing import FakeClock

database, size, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

async def main():
    bucket = Bucket("media", FakeClock(), backend=SQLiteBackend(database))
    for number in range(count):
        await bucket.put("k", bytes([number % 256]) * size)

anyio.run(main)
"""


async def test_a_reader_sees_whole_bodies_while_another_process_overwrites_them(
    tmp_path: Path,
) -> None:
    """A reader that finds a row whose file the writer then removes reads the row again: each
    get is one version, whole, and the one its ETag names."""
    database = tmp_path / "app.db"
    backend = SQLiteBackend(database)
    bucket = Bucket("media", FakeClock(), backend=backend)
    size = INLINE_LIMIT + 1
    await bucket.put("k", bytes(size))
    seen: set[int] = set()  # the versions read
    async with await anyio.open_process(
        [sys.executable, "-c", textwrap.dedent(WRITER), str(database), str(size), "150"],
        cwd=ROOT,
    ) as writer:
        with anyio.fail_after(60):
            while writer.returncode is None:
                got = await bucket.get("k")
                assert got.body == bytes([got.body[0]]) * size
                assert got.etag == f'"{hashlib.md5(got.body).hexdigest()}"'
                seen.add(got.body[0])
    assert writer.returncode == 0
    assert len(seen) > 1  # the reads went on while it wrote
    assert (await bucket.get("k")).body == bytes([149]) * size
    assert len(files(backend)) == 1
