"""A bucket's objects on Redis: every process and host that opens the same server and prefix
sees one bucket.

A bucket is four keys (`redis_scripts` says which): its object keys in a sorted set, which
Redis orders by their UTF-8 bytes as S3 lists them, so a listing page is one range
(`ZRANGE BYLEX`) from its bound; the descriptions and the bodies in two hashes by key, so
HeadObject reads no body; and the bytes of every body in a counter. Bodies are Redis strings,
binary-safe and at most 512 MiB: a larger object is refused, naming the bucket, the key and
the limit.

Each call is one round trip through the backend's blocking client (`RedisBackend.blocking`):
a put or a delete is one Lua script, which the server runs whole, so a reader sees an object
before or after it, and a process killed while sending a body leaves the old object; a get is
one MULTI/EXEC of the description and the body (a body read in Lua is copied once more). A batch
(`batch()`, a listing) holds the bucket's lock (`faaslib.stores.redis.locked`), so no other
process writes the bucket between the listing's keys and their descriptions; a write outside
any batch waits while another process's batch holds the lock. Writes inside a batch wait in it
and go at its end, all in one script call, and the batch's reads see them first.
"""

from __future__ import annotations

import functools
import heapq
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import msgspec

from faaslib.sources.bucket.checks import BucketError, EntityTooLarge
from faaslib.sources.bucket.objects import ObjectInfo
from faaslib.sources.bucket.redis_scripts import STATE, WRITE
from faaslib.sources.bucket.store import StoredRecord
from faaslib.stores.redis.locked import WAIT, Batch, ResourceBusy, ResourceLock

if TYPE_CHECKING:
    from faaslib.stores.redis.connection import Client, RedisBackend

__all__ = ["MAXIMUM_BODY_BYTES", "RedisObjects"]

# A Redis string's most (`proto-max-bulk-len`, 512 MB by default): the largest body on Redis.
MAXIMUM_BODY_BYTES = 512 * 1024**2
# A scan fetches this many keys first, then 8 times as many at each fetch, up to _MOST_KEYS:
# a listing by delimiter rescans after each common prefix and needs few keys each time, but a
# round trip costs more than the keys it brings (a page of 100 keys: one fetch of 64, one of
# 512).
_FIRST_KEYS = 64
_GROWTH = 8
_MOST_KEYS = 1_024
_RETRY = 0.002  # seconds between two tries of a write while another process's batch holds the lock

_T = TypeVar("_T")
_Description = tuple[int, str, int, str, dict[str, str]]
_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(_Description).decode


class _Pending:
    """A batch's writes to one bucket, for its own reads: the record (None: deleted) at each
    key it wrote, and whether the server had an object there and of how many bytes (the server
    keeps that until the batch ends: the batch holds the lock)."""

    __slots__ = ("records", "server")

    def __init__(self) -> None:
        self.records: dict[str, StoredRecord | None] = {}
        self.server: dict[str, tuple[bool, int]] = {}


class RedisObjects:
    """Bucket `name`'s objects on `backend`'s server, under its prefix."""

    def __init__(self, backend: RedisBackend, name: str) -> None:
        self.name = name
        self._backend = backend
        self._lock = ResourceLock(backend, "bucket", name)
        self._lock_key = backend.key("lock", "bucket", name)
        self._keys = backend.key("bucket", name, "keys")
        self._infos = backend.key("bucket", name, "infos")
        self._bodies = backend.key("bucket", name, "bodies")
        self._size = backend.key("bucket", name, "size")
        self._state = ("bucket", name)  # this bucket's entry in a batch's `state`
        self._scripts: dict[str, tuple[Client, Any]] = {}

    def __repr__(self) -> str:
        return f"<RedisObjects {self.name!r} on {self._backend.url!r}>"

    def batch(self) -> ResourceLock:
        return self._lock

    # -- reads -------------------------------------------------------------------------------

    def find(self, key: str) -> StoredRecord | None:
        pending = self._pending()
        if pending is not None and key in pending.records:
            return pending.records[key]

        field = key.encode()

        async def work(client: Client) -> tuple[Any, Any]:
            # MULTI/EXEC rather than a script: a body read in Lua is copied once more.
            async with client.pipeline(transaction=True) as pipeline:
                info, body = pipeline.hget(self._infos, field), pipeline.hget(self._bodies, field)
            return await info, await body

        info, body = self._call(work)
        return None if info is None else StoredRecord(_info(key, info), body)

    def info(self, key: str) -> ObjectInfo | None:
        pending = self._pending()
        if pending is not None and key in pending.records:
            record = pending.records[key]
            return None if record is None else record.info
        found = self._call(lambda client: client.hget(self._infos, key.encode()))
        return None if found is None else _info(key, found)

    def has(self, key: str) -> bool:
        pending = self._pending()
        if pending is not None and key in pending.records:
            return pending.records[key] is not None
        return bool(self._call(lambda client: client.hexists(self._infos, key.encode())))

    def scan(self, bound: str, after: bool) -> Iterator[str]:
        stored = self._scan(bound, after)
        pending = self._pending()
        if pending is None or not pending.records:
            return stored
        # The server's keys without those the batch deleted, merged with those it put.
        records = dict(pending.records)
        added = sorted(
            key
            for key, record in records.items()
            if record is not None and (key > bound if after else key >= bound)
        )
        kept = (key for key in stored if key not in records)
        return heapq.merge(kept, added)

    def infos(self, keys: Sequence[str]) -> list[ObjectInfo]:
        pending = self._pending()
        records = {} if pending is None else pending.records
        wanted = [key for key in keys if key not in records]
        found: dict[str, ObjectInfo] = {}
        for at in range(0, len(wanted), _MOST_KEYS):
            chunk = wanted[at : at + _MOST_KEYS]
            fields = [key.encode() for key in chunk]
            values = self._call(functools.partial(_descriptions, key=self._infos, fields=fields))
            for key, value in zip(chunk, values, strict=True):
                if value is None:
                    raise BucketError(
                        self.name,
                        f"key {key!r} was listed but has no description: the bucket changed "
                        "during the listing (its lock's lease ran out?)",
                        code="InternalError",
                    )
                found[key] = _info(key, value)
        infos = []
        for key in keys:
            record = records.get(key)
            infos.append(record.info if record is not None else found[key])
        return infos

    def keys(self) -> list[str]:
        pending = self._pending()
        if pending is not None and pending.records:
            return list(self.scan("", False))
        stored = self._call(lambda client: client.zrange(self._keys, 0, -1))
        return [key.decode() for key in stored]

    def count(self) -> int:
        count, _ = self._totals()
        return count

    def size(self) -> int:
        _, size = self._totals()
        return size

    # -- writes ------------------------------------------------------------------------------

    def put(self, info: ObjectInfo, body: bytes) -> None:
        if len(body) > MAXIMUM_BODY_BYTES:
            raise EntityTooLarge(
                self.name,
                f"object {info.key!r} is {len(body):,} bytes, over the Redis store's limit of "
                f"{MAXIMUM_BODY_BYTES:,} bytes (512 MiB, a Redis string's most); keep larger "
                "objects on the memory or SQLite store (S3 takes up to 5 GB in one PUT)",
            )
        if self._lock.batch is None:
            self._write(b"p", info.key, _describe(info), body)
            return
        with self._lock as batch:
            pending, previous = self._before_write(batch, info.key)
            key = info.key.encode()
            batch.writes.add("ZADD", self._keys, 0, key)
            batch.writes.add("HSET", self._infos, key, _describe(info))
            batch.writes.add("HSET", self._bodies, key, body)
            if len(body) != previous:
                batch.writes.add("INCRBY", self._size, len(body) - previous)
            pending.records[info.key] = StoredRecord(info, body)

    def delete(self, key: str) -> bool:
        if self._lock.batch is None:
            return self._write(b"d", key, b"", b"")
        with self._lock as batch:
            pending, previous = self._before_write(batch, key)
            existed = pending.records.get(key) is not None or (
                key not in pending.records and pending.server[key][0]
            )
            if existed:
                encoded = key.encode()
                batch.writes.add("ZREM", self._keys, encoded)
                batch.writes.add("HDEL", self._infos, encoded)
                batch.writes.add("HDEL", self._bodies, encoded)
                if previous:
                    batch.writes.add("INCRBY", self._size, -previous)
            pending.records[key] = None
            return existed

    # -- internals ---------------------------------------------------------------------------

    def _call(self, work: Callable[[Client], Awaitable[_T]]) -> _T:
        return self._backend.blocking(work)

    def _script(self, client: Client, source: str) -> Any:
        """`source` registered on `client`, once per client."""
        cached = self._scripts.get(source)
        if cached is None or cached[0] is not client:
            cached = self._scripts[source] = (client, client.register_script(source))
        return cached[1]

    def _pending(self) -> _Pending | None:
        """This bucket's writes in the batch open on this thread, if it holds the bucket."""
        batch = self._lock.batch
        if batch is None or self._lock_key not in batch.locks:
            return None
        pending: _Pending | None = batch.state.get(self._state)
        return pending

    def _before_write(self, batch: Batch, key: str) -> tuple[_Pending, int]:
        """The bucket's pending writes in `batch` (knowing the server's object at `key`), and
        the bytes of the body at `key` before this write."""
        pending = batch.state.get(self._state)
        if pending is None:
            pending = batch.state[self._state] = _Pending()
        if key not in pending.server:
            found = self._server([key])[2]
            pending.server[key] = found[0]
        if key in pending.records:
            record = pending.records[key]
            return pending, 0 if record is None else len(record.body)
        exists, size = pending.server[key]
        return pending, size if exists else 0

    def _server(self, keys: Sequence[str]) -> tuple[int, int, list[tuple[bool, int]]]:
        """The server's count of objects and of bytes, and whether it has each of `keys` and of
        how many bytes: one script call."""

        async def work(client: Client) -> Any:
            return await self._script(client, STATE)(
                keys=[self._keys, self._bodies, self._size], args=[key.encode() for key in keys]
            )

        found = self._call(work)
        pairs = [(bool(found[at]), int(found[at + 1])) for at in range(2, len(found), 2)]
        return int(found[0]), int(found[1]), pairs

    def _scan(self, bound: str, after: bool) -> Iterator[str]:
        """The server's keys from `bound` on, fetched lazily, more at each fetch."""
        start, limit = _scan_bound(bound, after), _FIRST_KEYS
        while True:
            found = self._call(functools.partial(_range, key=self._keys, start=start, limit=limit))
            for key in found:
                yield key.decode()
            if len(found) < limit:
                return
            start, limit = b"(" + found[-1], min(limit * _GROWTH, _MOST_KEYS)

    def _totals(self) -> tuple[int, int]:
        """(objects, bytes of their bodies), with this thread's batch's writes."""
        count, size, _ = self._server([])
        pending = self._pending()
        if pending is not None:
            for key, record in pending.records.items():
                had, bytes_before = pending.server[key]
                count += (record is not None) - had
                size += (0 if record is None else len(record.body)) - (bytes_before if had else 0)
        return count, size

    def _write(self, operation: bytes, key: str, description: bytes, body: bytes) -> bool:
        """Put or delete at `key` outside any batch, in one script call (more only while
        another process's batch holds the lock); whether there was an object there."""
        keys = [self._lock_key, self._keys, self._infos, self._bodies, self._size]
        args = [b"", operation, key.encode(), description, body]

        async def work(client: Client) -> Any:
            script = self._script(client, WRITE)
            with anyio.move_on_after(WAIT):
                while True:
                    existed = await script(keys=keys, args=args)
                    if existed is not None:
                        return existed
                    await anyio.sleep(_RETRY)
            return None

        existed = self._call(work)
        if existed is None:
            raise ResourceBusy(
                f"bucket {self.name!r}: another process's batch held its lock "
                f"{self._lock_key!r} for more than {WAIT:g} seconds; the write of key {key!r} "
                "was not made"
            )
        return bool(existed[0])


async def _descriptions(client: Client, *, key: str, fields: list[bytes]) -> Any:
    return await client.hmget(key, fields)


async def _range(client: Client, *, key: str, start: bytes, limit: int) -> Any:
    from coredis import PureToken

    return await client.zrange(key, start, b"+", sortby=PureToken.BYLEX, offset=0, count=limit)


def _describe(info: ObjectInfo) -> bytes:
    return _encode(
        (
            info.size,
            info.etag,
            int(info.last_modified.timestamp()),
            info.content_type,
            info.metadata,
        )
    )


def _info(key: str, encoded: bytes) -> ObjectInfo:
    size, etag, modified, content_type, metadata = _decode(encoded)
    return ObjectInfo(
        key=key,
        size=size,
        etag=etag,
        last_modified=_moment(modified),
        content_type=content_type,
        metadata=metadata,
    )


@functools.lru_cache(maxsize=256)
def _moment(seconds: int) -> datetime:
    """A Last-Modified time (whole seconds): the objects of a listing share few of them, and a
    datetime is immutable, so each is made once."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def _scan_bound(bound: str, after: bool) -> bytes:
    if not bound and not after:
        return b"-"
    # A bound of a listing need not be valid Unicode (a start_after, a prefix's successor): its
    # lone surrogates encode to the bytes that keep code point order.
    return (b"(" if after else b"[") + bound.encode("utf-8", "surrogatepass")
