"""The seam between a bucket's semantics (`bucket`) and where its objects are: `ObjectStore`,
the operations a bucket asks of its store, and `StoredRecord`, an object as a store hands it
out. `memory.MemoryObjects` keeps them in the process (the default); `sqlite.SQLiteObjects` in
a database file (and, for large bodies, files beside it) shared by the processes of a host;
`redis.RedisObjects` on a Redis server shared by processes and hosts; `for_backend` picks by
the app's store.

What a store must guarantee, whatever keeps it: each operation is atomic (a reader sees an
object whole, before or after a put, never half of one); `batch()` makes the reads inside it
one consistent view; `scan` walks keys in UTF-8 binary order, which is Python's order of `str`
by code point, so the one listing walk in `listing` pages through both stores alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, NamedTuple, Protocol

from faaslib.errors import ConfigurationError
from faaslib.sources.bucket.objects import ObjectInfo

if TYPE_CHECKING:
    from faaslib.stores import Backend

__all__ = ["ObjectStore", "StoredRecord", "for_backend"]


class StoredRecord(NamedTuple):
    """An object as its store keeps it: what HeadObject says of it, and its body."""

    info: ObjectInfo
    body: bytes


class ObjectStore(Protocol):
    """The objects of one bucket, by key. The `ObjectInfo`s a store hands out may be its own:
    the bucket copies them before a caller sees them."""

    def batch(self) -> AbstractContextManager[object]:
        """Make the operations inside one atomic step (one transaction in a file), so that a
        listing's keys and their descriptions are read from the same state."""
        ...

    def find(self, key: str) -> StoredRecord | None:
        """The object at `key` with its body, or None."""
        ...

    def info(self, key: str) -> ObjectInfo | None:
        """What is known of the object at `key` without reading its body, or None."""
        ...

    def put(self, info: ObjectInfo, body: bytes) -> None:
        """Store `body` as `info.key`, replacing the object there (if any) at once."""
        ...

    def delete(self, key: str) -> bool:
        """Remove the object at `key`; whether there was one."""
        ...

    def scan(self, bound: str, after: bool) -> Iterator[str]:
        """The keys from `bound` on (from just after it when `after`), in order. The listing
        stops reading when it has a page, so a store may fetch keys lazily."""
        ...

    def infos(self, keys: Sequence[str]) -> list[ObjectInfo]:
        """The descriptions of `keys` (which exist, as a `scan` in the same `batch` found
        them), in their order."""
        ...

    def keys(self) -> list[str]:
        """Every key, in order."""
        ...

    def has(self, key: str) -> bool: ...

    def count(self) -> int: ...

    def size(self) -> int:
        """The bytes of every body together (CloudWatch's `BucketSizeBytes`)."""
        ...


def for_backend(backend: Backend | None, name: str) -> ObjectStore:
    """Bucket `name`'s store on `backend` (in memory when there is none)."""
    if backend is None or backend.kind == "memory":
        from faaslib.sources.bucket.memory import MemoryObjects

        return MemoryObjects()
    if backend.kind == "sqlite":
        from faaslib.sources.bucket.sqlite import SQLiteObjects

        return SQLiteObjects(backend.database, name)
    if backend.kind == "redis":
        from faaslib.sources.bucket.redis import RedisObjects

        return RedisObjects(backend, name)
    raise ConfigurationError(
        f"bucket {name!r}: store {backend!r} is of kind {backend.kind!r}, which keeps no "
        "buckets (the kinds are 'memory', 'sqlite' and 'redis')"
    )
