"""A bucket's objects in a SQLite file: they outlive the process, and every process on the host
that opens the file sees the same bucket.

An object is one row: its key (UTF-8 bytes, so the index orders keys as S3 lists them), what
HeadObject says of it, and its body when the body is small. A body above `INLINE_LIMIT` is a
file of its own in `<database>.objects/<bucket>/`, and the row names the file: a database is
at its best with small rows (a large one spreads over overflow pages, written again to the WAL
and then to the file at each change), and a file costs one write.

A large body is written atomically: to a temporary file in the same folder, flushed and
fsynced, renamed to a fresh name (`os.replace`), and only then is the row that names it
committed. A reader follows the row, so it never sees a body half written, and a file no row
names is never read. The file an overwrite or a delete leaves behind is removed once the change
has committed. A process that dies between the rename and the commit leaves a file no row
names: opening the bucket sweeps such orphans once they are `ORPHAN_AGE` old (the age keeps
the sweep off the files other processes are writing now), inside a write transaction, and a
writer checks its file is still there inside the transaction that commits the row, so a slow
writer's file is either swept before its row is written (the put fails) or kept.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import secrets
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import msgspec

from faaslib.sources.bucket.checks import BucketError
from faaslib.sources.bucket.objects import ObjectInfo
from faaslib.sources.bucket.store import StoredRecord
from faaslib.stores.sqlite import Database
from faaslib.stores.sqlite.database import Transaction

__all__ = ["INLINE_LIMIT", "ORPHAN_AGE", "SQLiteObjects", "objects_folder"]

# A body of more bytes than this is a file beside the database, not a column of its row.
INLINE_LIMIT = 64 * 1024
# An unreferenced file younger than this (real seconds, by its modification time) may be one
# another process is writing now, so the sweep on open leaves it.
ORPHAN_AGE = 600.0
# A scan fetches this many keys first, then 4 times as many at each fetch, up to _MOST_KEYS:
# a listing by delimiter rescans after each common prefix and needs few keys each time.
_FIRST_KEYS = 8
_MOST_KEYS = 1_024
_TEMPORARY = ".tmp-"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS bucket_objects (
    bucket TEXT NOT NULL, key BLOB NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
    modified INTEGER NOT NULL, content_type TEXT NOT NULL, metadata BLOB NOT NULL,
    file TEXT, body BLOB,
    PRIMARY KEY (bucket, key)
);
"""
_INFO = "key, size, etag, modified, content_type, metadata"

_encode_metadata = msgspec.json.Encoder().encode
_decode_metadata = msgspec.json.Decoder(dict[str, str]).decode


def objects_folder(database: Database, bucket: str) -> Path:
    """The folder of bucket `bucket`'s large bodies: beside the database file."""
    return database.path.with_name(database.path.name + ".objects") / bucket


class SQLiteObjects:
    """Bucket `name`'s objects in `database`; bodies above `INLINE_LIMIT` in files beside it."""

    def __init__(self, database: Database, name: str) -> None:
        database.ensure(_SCHEMA)
        self._database = database
        self._connection = database.connection
        self.name = name
        self.folder = objects_folder(database, name)
        self._sweep()

    def batch(self) -> Transaction:
        return self._database.transaction()

    def find(self, key: str) -> StoredRecord | None:
        missing = None
        while True:
            row = self._connection.execute(
                f"SELECT {_INFO}, file, body FROM bucket_objects WHERE bucket = ? AND key = ?",
                (self.name, key.encode()),
            ).fetchone()
            if row is None:
                return None
            info, file, body = _info(row), row[6], row[7]
            if file is None:
                return StoredRecord(info, body)
            if file == missing:
                raise BucketError(
                    self.name,
                    f"key {key!r}: its body file {str(self.folder / file)!r} is missing "
                    "(removed outside faaslib)",
                    code="InternalError",
                )
            try:
                data = (self.folder / file).read_bytes()
            except FileNotFoundError:
                # Another process replaced the object and removed this file after its commit:
                # the row names the new one now.
                missing = file
                continue
            if len(data) != info.size:
                raise BucketError(
                    self.name,
                    f"key {key!r}: its body file {str(self.folder / file)!r} has "
                    f"{len(data):,} bytes, not the {info.size:,} the object has",
                    code="InternalError",
                )
            return StoredRecord(info, data)

    def info(self, key: str) -> ObjectInfo | None:
        row = self._connection.execute(
            f"SELECT {_INFO} FROM bucket_objects WHERE bucket = ? AND key = ?",
            (self.name, key.encode()),
        ).fetchone()
        return None if row is None else _info(row)

    def put(self, info: ObjectInfo, body: bytes) -> None:
        file = self._write(info.key, body) if len(body) > INLINE_LIMIT else None
        try:
            with self._database.transaction() as connection:
                if file is not None and not (self.folder / file).exists():
                    raise BucketError(
                        self.name,
                        f"key {info.key!r}: its body file {file!r} was swept as an orphan "
                        f"before the object was stored (written over {ORPHAN_AGE:.0f} s ago); "
                        "put it again",
                        code="InternalError",
                    )
                key = info.key.encode()
                old = connection.execute(
                    "SELECT file FROM bucket_objects WHERE bucket = ? AND key = ?",
                    (self.name, key),
                ).fetchone()
                connection.execute(
                    "INSERT INTO bucket_objects (bucket, key, size, etag, modified, "
                    "content_type, metadata, file, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, "
                    "etag = excluded.etag, modified = excluded.modified, "
                    "content_type = excluded.content_type, metadata = excluded.metadata, "
                    "file = excluded.file, body = excluded.body",
                    (
                        self.name,
                        key,
                        info.size,
                        info.etag,
                        int(info.last_modified.timestamp()),
                        info.content_type,
                        _encode_metadata(info.metadata),
                        file,
                        None if file is not None else body,
                    ),
                )
                if old is not None and old[0] is not None:
                    self._database.on_commit(functools.partial(_remove, self.folder / old[0]))
        except BaseException:
            if file is not None:
                _remove(self.folder / file)  # no row names it
            raise

    def delete(self, key: str) -> bool:
        with self._database.transaction() as connection:
            where = (self.name, key.encode())
            row = connection.execute(
                "SELECT file FROM bucket_objects WHERE bucket = ? AND key = ?", where
            ).fetchone()
            if row is None:
                return False
            connection.execute("DELETE FROM bucket_objects WHERE bucket = ? AND key = ?", where)
            if row[0] is not None:
                self._database.on_commit(functools.partial(_remove, self.folder / row[0]))
            return True

    def scan(self, bound: str, after: bool) -> Iterator[str]:
        # A bound of a listing need not be valid Unicode (a start_after, a prefix's successor):
        # its lone surrogates encode to the bytes that keep code point order.
        start = bound.encode("utf-8", "surrogatepass")
        query = "SELECT key FROM bucket_objects WHERE bucket = ? AND key {} ? ORDER BY key LIMIT ?"
        statement = query.format(">" if after else ">=")
        limit = _FIRST_KEYS
        while True:
            rows = self._connection.execute(statement, (self.name, start, limit)).fetchall()
            for (key,) in rows:
                yield key.decode()
            if len(rows) < limit:
                return
            start, statement = rows[-1][0], query.format(">")
            limit = min(limit * 4, _MOST_KEYS)

    def infos(self, keys: Sequence[str]) -> list[ObjectInfo]:
        if not keys:
            return []
        found: dict[str, ObjectInfo] = {}
        for at in range(0, len(keys), _MOST_KEYS):
            chunk = [key.encode() for key in keys[at : at + _MOST_KEYS]]
            rows = self._connection.execute(
                f"SELECT {_INFO} FROM bucket_objects WHERE bucket = ? "
                f"AND key IN ({', '.join('?' * len(chunk))})",
                (self.name, *chunk),
            ).fetchall()
            for row in rows:
                info = _info(row)
                found[info.key] = info
        return [found[key] for key in keys]

    def keys(self) -> list[str]:
        rows = self._connection.execute(
            "SELECT key FROM bucket_objects WHERE bucket = ? ORDER BY key", (self.name,)
        ).fetchall()
        return [key.decode() for (key,) in rows]

    def has(self, key: str) -> bool:
        row = self._connection.execute(
            "SELECT 1 FROM bucket_objects WHERE bucket = ? AND key = ?", (self.name, key.encode())
        ).fetchone()
        return row is not None

    def count(self) -> int:
        row = self._connection.execute(
            "SELECT count(*) FROM bucket_objects WHERE bucket = ?", (self.name,)
        ).fetchone()
        return int(row[0])

    def size(self) -> int:
        row = self._connection.execute(
            "SELECT coalesce(sum(size), 0) FROM bucket_objects WHERE bucket = ?", (self.name,)
        ).fetchone()
        return int(row[0])

    # -- the files of large bodies ---------------------------------------------------------------

    def _write(self, key: str, body: bytes) -> str:
        """Write `body` to a new file under a fresh name, durably; its name (no row names it
        yet)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # A safe name whatever the key: a hash of it (for a person looking in the folder) and a
        # part of its own, as an overwrite's file lives beside the one it replaces until the
        # commit.
        name = f"{hashlib.sha256(key.encode()).hexdigest()[:32]}-{secrets.token_hex(8)}"
        temporary = self.folder / f"{_TEMPORARY}{name}"
        durable = self._database.synchronous != "OFF"
        try:
            with open(temporary, "xb") as file:
                file.write(body)
                file.flush()
                if durable:
                    os.fsync(file.fileno())
            os.replace(temporary, self.folder / name)
        except BaseException:
            _remove(temporary)
            raise
        if durable:
            _sync_folder(self.folder)  # the rename, before a row can name the file
        return name

    def _sweep(self) -> None:
        """Remove the files no row names that are older than `ORPHAN_AGE`: what a process left
        when it died between writing a body and committing its row."""
        if not self.folder.is_dir():
            return
        # File times are the file system's, real ones: not the app's clock, which may be fake.
        oldest = time.time() - ORPHAN_AGE
        with self._database.transaction() as connection:
            named = {
                file
                for (file,) in connection.execute(
                    "SELECT file FROM bucket_objects WHERE bucket = ? AND file IS NOT NULL",
                    (self.name,),
                )
            }
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    if entry.name in named or not entry.is_file(follow_symlinks=False):
                        continue
                    try:
                        if entry.stat(follow_symlinks=False).st_mtime < oldest:
                            os.unlink(entry.path)
                    except FileNotFoundError:
                        pass

    def __repr__(self) -> str:
        return f"<SQLiteObjects {self.name!r} in {str(self._database.path)!r}>"


def _info(row: Any) -> ObjectInfo:
    return ObjectInfo(
        key=row[0].decode(),
        size=row[1],
        etag=row[2],
        last_modified=_moment(row[3]),
        content_type=row[4],
        metadata=_decode_metadata(row[5]),
    )


@functools.lru_cache(maxsize=256)
def _moment(seconds: int) -> datetime:
    """A Last-Modified time (whole seconds): the objects of a listing share few of them, and a
    datetime is immutable, so each is made once."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def _remove(path: Path) -> None:
    """Remove a file no row names (any more); one that cannot be is an orphan for the sweep,
    never an error of the operation that committed."""
    with contextlib.suppress(OSError):
        os.unlink(path)


def _sync_folder(folder: Path) -> None:
    """Make the folder's entries (a rename into it) durable, where the system allows it."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # a system whose folders cannot be synced (Windows)
    finally:
        os.close(descriptor)
