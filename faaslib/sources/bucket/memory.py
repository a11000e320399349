"""A bucket's objects in the process's memory (the default store): a dict by key for the
objects, and the keys kept sorted beside it for listing, so a page starts with one bisection
whatever the size of the bucket."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence

from faaslib.sources.bucket.objects import ObjectInfo
from faaslib.sources.bucket.store import StoredRecord
from faaslib.stores.memory import NO_BATCH, NoBatch

__all__ = ["MemoryObjects"]


class MemoryObjects:
    """Objects in a dict, and their keys in a sorted list (code point order is UTF-8 binary
    order)."""

    __slots__ = ("_keys", "_objects")

    def __init__(self) -> None:
        self._objects: dict[str, StoredRecord] = {}
        self._keys: list[str] = []

    def batch(self) -> NoBatch:
        return NO_BATCH

    def find(self, key: str) -> StoredRecord | None:
        return self._objects.get(key)

    def info(self, key: str) -> ObjectInfo | None:
        found = self._objects.get(key)
        return None if found is None else found.info

    def put(self, info: ObjectInfo, body: bytes) -> None:
        key = info.key
        if key not in self._objects:
            bisect.insort(self._keys, key)
        self._objects[key] = StoredRecord(info, body)

    def delete(self, key: str) -> bool:
        if self._objects.pop(key, None) is None:
            return False
        del self._keys[bisect.bisect_left(self._keys, key)]
        return True

    def scan(self, bound: str, after: bool) -> Iterator[str]:
        keys = self._keys
        index = bisect.bisect_right(keys, bound) if after else bisect.bisect_left(keys, bound)
        # Indexing from a range, in C: a listing runs with no await inside, so the keys do not
        # change under it.
        return map(keys.__getitem__, range(index, len(keys)))

    def infos(self, keys: Sequence[str]) -> list[ObjectInfo]:
        objects = self._objects
        return [objects[key].info for key in keys]

    def keys(self) -> list[str]:
        return list(self._keys)

    def has(self, key: str) -> bool:
        return key in self._objects

    def count(self) -> int:
        return len(self._objects)

    def size(self) -> int:
        return sum(record.info.size for record in self._objects.values())
