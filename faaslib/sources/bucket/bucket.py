"""An S3-like bucket that lives in the app: put, get, head, delete, list and copy with S3's
semantics and limits, and S3 event notifications shaped exactly as Lambda receives them.

Delivery guarantee: S3 delivers event notifications **at least once**, typically within seconds
(sometimes a minute or longer), and **not in order**: a consumer must be idempotent, and orders
the events of one key by their `sequencer` (the greater hexadecimal value is the later event;
sequencers of different keys do not compare). This bucket delivers each notification exactly
once, synchronously, inside the call that changed the object and in the order of the changes;
code that relies on that relies on something S3 does not promise. The sequencers it writes grow
with every change, so code that orders by them as S3 documents works here as there.

Nothing is lost to a failing consumer: the object is stored (or deleted) before any `deliver`
runs, a `deliver` that raises is counted in `counters.notifications_failed`, and its event is
kept, whole, in `Bucket.undelivered`.

The events are S3's (`ObjectCreated:Put`, `ObjectCreated:Copy`,
`ObjectCreated:CompleteMultipartUpload`, `ObjectRemoved:Delete`); a
delete sends `ObjectRemoved:Delete` whether or not the key existed, as S3 does: its DeleteObject
succeeds (204) either way, and S3 leaves out the notifications of failed operations only. Where
this bucket is simpler than S3, on purpose:

- it is unversioned: no version ids, no delete markers;
- an object is written whole: `put`, or `put_parts` with every part of a multipart upload at
  once (the parts of one in progress are the caller's to keep); no POST or restore; the limits
  are checked on the body in memory, nothing streams;
- no storage classes, ACLs, tags, encryption, checksums or conditional requests;
- `last_modified` is the clock's time to the second, as S3 keeps it.

Its objects live where the app's store keeps state (`backend`): in memory by default, or in a
SQLite file, where they outlive the process and every `Bucket` of the same name on the file
sees the same objects (`store` is the seam). Its notification configurations, undelivered
events, counters and sequencer belong to the `Bucket` object, in the process.

A bucket belongs to one event loop and is not thread-safe.
"""

from __future__ import annotations

import builtins
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import anyio.lowlevel
import msgspec

from faaslib.clock import Clock
from faaslib.sources.bucket.checks import (
    DEFAULT_CONTENT_TYPE,
    MAXIMUM_LIST_KEYS,
    MAXIMUM_PARTS,
    BucketError,
    NoSuchKey,
    check_bucket_name,
    check_content_type,
    check_key,
    check_metadata,
    check_size,
    encode_body,
)
from faaslib.sources.bucket.listing import decode_token, encode_token, list_keys
from faaslib.sources.bucket.notifications import (
    Deliver,
    NotificationConfiguration,
    Notifications,
    UndeliveredNotification,
)
from faaslib.sources.bucket.objects import BucketCounters, ListResult, ObjectInfo, StoredObject
from faaslib.sources.bucket.store import StoredRecord, for_backend

if TYPE_CHECKING:
    from faaslib.stores import Backend

__all__ = ["Bucket"]


class Bucket:
    """An S3 bucket: objects by key, and event notifications for functions.

    ```pycon
    >>> bucket = Bucket("media", clock)
    >>> bucket.subscribe(print, events=["s3:ObjectCreated:*"], suffix=".jpg")
    >>> info = await bucket.put("photos/cat.jpg", b"...", content_type="image/jpeg")
    >>> (await bucket.get("photos/cat.jpg")).body
    b'...'
    ```

    The name follows S3's naming rules (`InvalidBucketName` otherwise). The ARN is
    `arn:aws:s3:::NAME`: S3's leave out the region and the account.
    """

    def __init__(
        self,
        name: str,
        clock: Clock,
        *,
        region: str = "us-east-1",
        account: str = "123456789012",
        backend: Backend | None = None,
    ) -> None:
        check_bucket_name(name)
        self.name = name
        self.clock = clock
        self.region = region
        self.account = account
        self._backend = backend  # where its state lives (memory when None)
        self.arn = f"arn:aws:s3:::{name}"
        self.counters = BucketCounters()
        # Where its objects are: in memory, or in the backend's file (`store` for the seam).
        self._objects = for_backend(backend, name)
        self._notifications = Notifications(name, region)
        self._sequence = 0

    def __repr__(self) -> str:
        return f"<Bucket {self.name!r}: {self._objects.count()} objects>"

    def __len__(self) -> int:
        return self._objects.count()

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._objects.has(key)

    def metrics(self) -> dict[str, Any]:
        """CloudWatch's `AWS/S3` storage and request metrics of the bucket (a copy is a PUT
        request, as S3 counts it), and its notifications delivered and failed."""
        counters = self.counters
        return {
            "NumberOfObjects": self._objects.count(),
            "BucketSizeBytes": self._objects.size(),
            "PutRequests": counters.puts + counters.copies,
            "GetRequests": counters.gets,
            "HeadRequests": counters.heads,
            "DeleteRequests": counters.deletes + counters.deletes_of_missing_keys,
            "ListRequests": counters.lists,
            "NotificationsDelivered": counters.notifications_delivered,
            "NotificationsFailed": counters.notifications_failed,
        }

    def keys(self) -> list[str]:
        """Every key, in UTF-8 binary order (the order `list` returns them in)."""
        return self._objects.keys()

    # -- objects ---------------------------------------------------------------------------

    async def put(
        self,
        key: str,
        body: Any,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        """Store `body` under `key`, replacing any object there, and notify
        `ObjectCreated:Put`.

        A `str` is stored as UTF-8 (content type `text/plain; charset=utf-8`), bytes as they
        are (`binary/octet-stream`), any other value as JSON (`application/json`), unless
        `content_type` says otherwise. `metadata` is user metadata (at most 2 KB).
        """
        await anyio.lowlevel.checkpoint()
        check_key(self.name, "key", key)
        data, default_type = encode_body(self.name, key, body)
        info = self._store(
            key,
            data,
            check_content_type(self.name, content_type) or default_type,
            check_metadata(self.name, metadata),
            hashlib.md5(data).hexdigest(),
        )
        self.counters.puts += 1
        self._publish("ObjectCreated:Put", info)
        return info

    async def put_parts(
        self,
        key: str,
        parts: Sequence[bytes],
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> ObjectInfo:
        """Store the parts of a multipart upload, joined, under `key`, and notify
        `ObjectCreated:CompleteMultipartUpload`, as S3's CompleteMultipartUpload does. The ETag
        is S3's for such an object: the MD5 of the parts' MD5s, a dash and the number of parts
        (`"...-3"`). Up to 10,000 parts; S3's 5 MB minimum of a part but the last is the
        caller's to check, as it sees the parts arrive."""
        await anyio.lowlevel.checkpoint()
        check_key(self.name, "key", key)
        if not parts or len(parts) > MAXIMUM_PARTS:
            raise BucketError(self.name, f"{len(parts)} parts: an upload has 1 to {MAXIMUM_PARTS}")
        if not all(isinstance(part, bytes) for part in parts):
            raise BucketError(self.name, f"key {key!r}: every part must be bytes")
        digests = b"".join(hashlib.md5(part).digest() for part in parts)
        info = self._store(
            key,
            b"".join(parts),
            check_content_type(self.name, content_type) or DEFAULT_CONTENT_TYPE,
            check_metadata(self.name, metadata),
            f"{hashlib.md5(digests).hexdigest()}-{len(parts)}",
        )
        self.counters.puts += 1
        self._publish("ObjectCreated:CompleteMultipartUpload", info)
        return info

    async def get(self, key: str) -> StoredObject:
        """The object at `key`, with its body; `NoSuchKey` if there is none."""
        await anyio.lowlevel.checkpoint()
        info, data = self._find(key)
        self.counters.gets += 1
        return StoredObject(**msgspec.structs.asdict(_copy(info)), body=data)

    async def head(self, key: str) -> ObjectInfo:
        """What S3 knows of the object at `key`, without its body; `NoSuchKey` if none."""
        await anyio.lowlevel.checkpoint()
        check_key(self.name, "key", key)
        info = self._objects.info(key)
        if info is None:
            raise _no_such_key(self.name, "key", key)
        self.counters.heads += 1
        return _copy(info)

    async def delete(self, key: str) -> bool:
        """Delete the object at `key`; whether there was one. S3 answers 204 either way and
        notifies `ObjectRemoved:Delete` either way, so this does too."""
        await anyio.lowlevel.checkpoint()
        check_key(self.name, "key", key)
        existed = self._objects.delete(key)
        if existed:
            self.counters.deletes += 1
        else:
            self.counters.deletes_of_missing_keys += 1
        self._count(
            self._notifications.publish(
                "ObjectRemoved:Delete", key, now=self.clock.now(), sequencer=self._sequencer()
            )
        )
        return existed

    async def copy(
        self,
        source_key: str,
        key: str,
        *,
        source: Bucket | None = None,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
    ) -> ObjectInfo:
        """Copy the object at `source_key` (of `source`, this bucket by default) to `key`, and
        notify `ObjectCreated:Copy`.

        S3's metadata directive: with neither `metadata` nor `content_type` the copy keeps the
        source's (COPY); with either, it takes the ones given (REPLACE), and the other is left
        empty (metadata) or `binary/octet-stream` (content type). The ETag is the source's, the
        MD5 of the same body. Copying an object onto itself needs REPLACE, as on S3.
        """
        await anyio.lowlevel.checkpoint()
        origin = self if source is None else source
        if not isinstance(origin, Bucket):
            raise BucketError(self.name, f"source={origin!r} is not a Bucket")
        check_key(self.name, "key", key)
        info, data = origin._find(source_key, field="source_key")
        replace = metadata is not None or content_type is not None
        if origin is self and source_key == key and not replace:
            raise BucketError(
                self.name,
                "This copy request is illegal because it is trying to copy an object to itself "
                "without changing the object's metadata, storage class, website redirect "
                f"location or encryption attributes (key {key!r}); pass metadata= or "
                "content_type= to replace them",
                code="InvalidRequest",
            )
        if replace:
            new_type = check_content_type(self.name, content_type) or DEFAULT_CONTENT_TYPE
            new_metadata = check_metadata(self.name, metadata)
        else:
            new_type, new_metadata = info.content_type, dict(info.metadata)
        # A copy is written in one piece: a multipart source's ETag gives way to the MD5.
        etag = info.etag.strip('"')
        md5 = hashlib.md5(data).hexdigest() if "-" in etag else etag
        copied = self._store(key, data, new_type, new_metadata, md5)
        self.counters.copies += 1
        self._publish("ObjectCreated:Copy", copied)
        return copied

    async def list(
        self,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        start_after: str = "",
        max_keys: int = MAXIMUM_LIST_KEYS,
        continuation_token: str | None = None,
    ) -> ListResult:
        """ListObjectsV2: the keys that start with `prefix`, after `start_after` (or where
        `continuation_token` left off), in UTF-8 binary order, at most `max_keys` of them
        (0 to 1,000; S3 never returns more than 1,000). With a `delimiter`, the keys that have
        it after the prefix are grouped into one common prefix each, up to and with it."""
        await anyio.lowlevel.checkpoint()
        for field, value in (("prefix", prefix), ("start_after", start_after)):
            if not isinstance(value, str):
                raise BucketError(self.name, f"{field}={value!r} is not a str")
        if delimiter is not None and not isinstance(delimiter, str):
            raise BucketError(self.name, f"delimiter={delimiter!r} is not a str")
        if isinstance(max_keys, bool) or not isinstance(max_keys, int) or max_keys < 0:
            raise BucketError(self.name, f"max_keys={max_keys!r} is not a whole number >= 0")
        marker = None
        if continuation_token is not None:
            marker = decode_token(continuation_token)
            if marker is None:
                raise BucketError(
                    self.name,
                    f"continuation_token={continuation_token!r}: The continuation token "
                    "provided is incorrect",
                )
        objects = self._objects
        with objects.batch():  # the keys and their descriptions from one state
            page = list_keys(
                objects.scan,
                prefix,
                delimiter or None,
                start_after,
                min(max_keys, MAXIMUM_LIST_KEYS),
                marker,
            )
            contents = [_copy(info) for info in objects.infos(page.keys)]
        self.counters.lists += 1
        token = None
        if page.is_truncated and page.last is not None:
            token = encode_token(page.last)
        return ListResult(
            contents=contents,
            common_prefixes=page.common_prefixes,
            is_truncated=page.is_truncated,
            next_continuation_token=token,
            key_count=len(page.keys) + len(page.common_prefixes),
            prefix=prefix,
            delimiter=delimiter or None,
            start_after=start_after,
            max_keys=max_keys,
        )

    # -- notifications -----------------------------------------------------------------------

    def subscribe(
        self,
        deliver: Deliver,
        *,
        events: Iterable[str] | str = ("s3:ObjectCreated:*",),
        prefix: str = "",
        suffix: str = "",
        id: str | None = None,
    ) -> NotificationConfiguration:
        """Call `deliver(event)` for every change of an object that `events` names (S3's event
        types, `s3:ObjectCreated:*` by default) and whose key starts with `prefix` and ends with
        `suffix`; `event` is the whole notification, `{"Records": [record]}`, as Lambda gets it.

        The filters match the key URL-encoded, as S3 matches them: a space is '+', `=` is
        `%3D`. `id` is the event's `configurationId` (S3 makes one up if None). Raises
        `InvalidNotificationConfiguration` for what S3 refuses, overlaps with another
        configuration of a shared event type among them.
        """
        return self._notifications.subscribe(
            deliver, events=events, prefix=prefix, suffix=suffix, id=id
        )

    def unsubscribe(self, configuration: NotificationConfiguration | str) -> None:
        """Remove a configuration (or the one with that id)."""
        self._notifications.unsubscribe(configuration)

    @property
    def configurations(self) -> builtins.list[NotificationConfiguration]:
        """The notification configurations, in the order they were made."""
        return self._notifications.configurations

    @property
    def undelivered(self) -> builtins.list[UndeliveredNotification]:
        """The events whose `deliver` raised, oldest first; the list is the bucket's own, so a
        consumer that delivers them again may remove them."""
        return self._notifications.undelivered

    # -- internals -----------------------------------------------------------------------------

    def _store(
        self, key: str, data: bytes, content_type: str, metadata: dict[str, str], md5: str
    ) -> ObjectInfo:
        check_size(self.name, key, len(data))
        info = ObjectInfo(
            key=key,
            size=len(data),
            etag=f'"{md5}"',
            last_modified=datetime.fromtimestamp(int(self.clock.now()), tz=timezone.utc),
            content_type=content_type,
            metadata=metadata,
        )
        self._objects.put(info, data)
        return _copy(info)

    def _publish(self, event_name: str, info: ObjectInfo) -> None:
        self._count(
            self._notifications.publish(
                event_name,
                info.key,
                now=self.clock.now(),
                sequencer=self._sequencer(),
                size=info.size,
                e_tag=info.etag.strip('"'),
            )
        )

    def _count(self, outcome: tuple[int, int]) -> None:
        self.counters.notifications_delivered += outcome[0]
        self.counters.notifications_failed += outcome[1]

    def _sequencer(self) -> str:
        """The next sequencer: 18 hex digits that grow with every change of the bucket (so with
        every change of a key), from the clock's milliseconds when it runs ahead."""
        self._sequence = max(self._sequence + 1, int(self.clock.now() * 1000) << 16)
        return f"{self._sequence:018X}"

    def _find(self, key: str, *, field: str = "key") -> StoredRecord:
        check_key(self.name, field, key)
        found = self._objects.find(key)
        if found is None:
            raise _no_such_key(self.name, field, key)
        return found


def _no_such_key(bucket: str, field: str, key: str) -> NoSuchKey:
    return NoSuchKey(bucket, f"{field}={key!r}: The specified key does not exist.")


def _copy(info: ObjectInfo) -> ObjectInfo:
    """`info` with its own metadata dict, so a caller's change cannot reach the stored object."""
    return msgspec.structs.replace(info, metadata=dict(info.metadata))
