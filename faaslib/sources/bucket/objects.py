"""What a bucket hands out: an object's description and body, a page of a listing, and the
bucket's counters. Plain data, frozen where a caller could otherwise change the bucket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

__all__ = ["BucketCounters", "ListResult", "ObjectInfo", "StoredObject"]


class ObjectInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What S3 knows of an object without its body: HeadObject's answer.

    `etag` is quoted, as S3 returns it (`'"9b2cf535f27731c974343645a3985328"'`): the MD5 of the
    body, or for a multipart upload's, the MD5 of its parts' MD5s and their number (`"...-3"`).
    `metadata` is the user metadata, names lower-cased as S3 stores them.
    """

    key: str
    size: int
    etag: str
    last_modified: datetime
    content_type: str
    metadata: dict[str, str]
    version_id: str | None = None  # always None: the bucket is unversioned


class StoredObject(ObjectInfo, frozen=True, kw_only=True):
    """An object with its body, as GetObject returns it."""

    body: bytes

    def text(self, encoding: str = "utf-8") -> str:
        """The body decoded as text."""
        return self.body.decode(encoding)

    def json(self) -> Any:
        """The body decoded from JSON."""
        return msgspec.json.decode(self.body)


class ListResult(msgspec.Struct, frozen=True, kw_only=True):
    """One page of ListObjectsV2: the objects and common prefixes, in UTF-8 binary order.

    A common prefix counts once towards `max_keys`, however many keys it groups. When
    `is_truncated`, pass `next_continuation_token` to `Bucket.list` for the next page.
    """

    contents: list[ObjectInfo]
    common_prefixes: list[str]
    is_truncated: bool
    next_continuation_token: str | None
    key_count: int
    prefix: str
    delimiter: str | None
    start_after: str
    max_keys: int


class BucketCounters(msgspec.Struct, kw_only=True):
    """What went through the bucket, for metrics. `deletes` counts objects removed and
    `deletes_of_missing_keys` the deletes of keys that were not there (S3 answers both alike).
    Every event that matched a configuration was `notifications_delivered` or
    `notifications_failed`, and each failed one is in `Bucket.undelivered`."""

    puts: int = 0
    copies: int = 0
    deletes: int = 0
    deletes_of_missing_keys: int = 0
    gets: int = 0
    heads: int = 0
    lists: int = 0
    notifications_delivered: int = 0
    notifications_failed: int = 0
