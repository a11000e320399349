"""S3's object operations on a bucket: PutObject, GetObject (with ranges), HeadObject,
DeleteObject, DeleteObjects, CopyObject and ListObjectsV2."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING
from urllib.parse import unquote

from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse
from faaslib.aws.s3 import wire
from faaslib.sources.bucket import Bucket, ObjectInfo
from faaslib.sources.bucket.checks import BucketError

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["ObjectOperations", "metadata_of", "object_headers"]

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_MAXIMUM_DELETE_KEYS = 1_000


def metadata_of(request: AwsRequest) -> dict[str, str]:
    """The user metadata of a request: its `x-amz-meta-*` headers, names without the prefix."""
    return {
        name[len("x-amz-meta-") :]: value
        for name, value in request.headers.items()
        if name.startswith("x-amz-meta-")
    }


def object_headers(info: ObjectInfo, request: AwsRequest) -> list[tuple[str, str]]:
    """What GetObject and HeadObject say of an object in headers."""
    headers = [
        ("etag", info.etag),
        ("last-modified", wire.http_date(info.last_modified)),
        ("content-type", info.content_type),
        ("accept-ranges", "bytes"),
        ("x-amz-request-id", request.request_id),
    ]
    headers += [(f"x-amz-meta-{name}", value) for name, value in info.metadata.items()]
    return headers


class ObjectOperations:
    """The object operations of `S3Service`."""

    app: App

    def _bucket(self, name: str) -> Bucket:
        raise NotImplementedError

    async def _put_object(self, request: AwsRequest, bucket: Bucket, key: str) -> AwsResponse:
        for header in ("if-match", "if-none-match"):
            if header in request.headers:  # ignoring it would overwrite what it protects
                raise AwsError(
                    "NotImplemented",
                    f"faaslib's buckets have no conditional writes ({header} on PutObject)",
                    501,
                    sender_fault=False,
                )
        info = await bucket.put(
            key,
            wire.payload(request),
            content_type=request.headers.get("content-type") or "binary/octet-stream",
            metadata=metadata_of(request),
        )
        return AwsResponse(200, [("etag", info.etag), ("x-amz-request-id", request.request_id)])

    async def _get_object(self, request: AwsRequest, bucket: Bucket, key: str) -> AwsResponse:
        found = await bucket.get(key)
        headers = object_headers(found, request)
        unchanged = _precondition(request, found)
        if unchanged is not None:
            return AwsResponse(unchanged, headers)
        asked = request.headers.get("range")
        if asked is None:
            return AwsResponse(200, headers, found.body)
        span = _range(asked, found.size)
        if span is None:
            return AwsResponse(200, headers, found.body)
        first, last = span
        headers.append(("content-range", f"bytes {first}-{last}/{found.size}"))
        return AwsResponse(206, headers, found.body[first : last + 1])

    async def _head_object(self, request: AwsRequest, bucket: Bucket, key: str) -> AwsResponse:
        info = await bucket.head(key)
        unchanged = _precondition(request, info)
        if unchanged is not None:
            return AwsResponse(unchanged, object_headers(info, request))
        # The size of the body a GET would send, which a HEAD sends without the body.
        headers = [*object_headers(info, request), ("content-length", str(info.size))]
        return AwsResponse(200, headers)

    async def _delete_object(self, request: AwsRequest, bucket: Bucket, key: str) -> AwsResponse:
        await bucket.delete(key)
        return AwsResponse(204, [("x-amz-request-id", request.request_id)])

    async def _delete_objects(self, request: AwsRequest, bucket: Bucket) -> AwsResponse:
        root = wire.parse_xml(wire.payload(request))
        objects = root.findall("Object")
        if len(objects) > _MAXIMUM_DELETE_KEYS:
            raise AwsError(
                "MalformedXML",
                f"DeleteObjects takes at most {_MAXIMUM_DELETE_KEYS} keys; got {len(objects)}",
            )
        quiet = (root.findtext("Quiet") or "").strip().lower() == "true"
        results: list[str] = []
        for node in objects:
            key = node.findtext("Key") or ""
            try:
                await bucket.delete(key)
            except BucketError as error:
                results.append(
                    f"<Error>{wire.element('Key', key)}{wire.element('Code', error.code)}"
                    f"{wire.element('Message', error)}</Error>"
                )
                continue
            if not quiet:
                results.append(f"<Deleted>{wire.element('Key', key)}</Deleted>")
        return wire.xml_response("DeleteResult", results, request)

    async def _copy_object(self, request: AwsRequest, bucket: Bucket, key: str) -> AwsResponse:
        source = unquote(request.headers["x-amz-copy-source"].split("?", 1)[0]).lstrip("/")
        source_name, _, source_key = source.partition("/")
        if not source_key:
            raise AwsError(
                "InvalidArgument", f"Copy Source must mention the source bucket and key: {source}"
            )
        origin = self._bucket(source_name)
        replace = request.headers.get("x-amz-metadata-directive", "COPY").upper() == "REPLACE"
        info = await bucket.copy(
            source_key,
            key,
            source=origin,
            metadata=metadata_of(request) if replace else None,
            content_type=request.headers.get("content-type") if replace else None,
        )
        inner = [wire.element("ETag", info.etag), wire.element("LastModified", _iso(info))]
        return wire.xml_response("CopyObjectResult", inner, request)

    async def _list_objects_v2(self, request: AwsRequest, bucket: Bucket) -> AwsResponse:
        query = {name: values[0] for name, values in request.query.items()}
        try:
            max_keys = int(query.get("max-keys", "1000"))
        except ValueError:
            raise AwsError("InvalidArgument", "Provided max-keys not an integer") from None
        if max_keys < 0:
            raise AwsError("InvalidArgument", "max-keys cannot be negative")
        page = await bucket.list(
            query.get("prefix", ""),
            delimiter=query.get("delimiter") or None,
            start_after=query.get("start-after", ""),
            max_keys=max_keys,
            continuation_token=query.get("continuation-token"),
        )
        inner = [
            wire.element("Name", bucket.name),
            wire.element("Prefix", page.prefix),
            wire.element("KeyCount", page.key_count),
            wire.element("MaxKeys", page.max_keys),
            wire.element("IsTruncated", "true" if page.is_truncated else "false"),
        ]
        if page.delimiter:
            inner.append(wire.element("Delimiter", page.delimiter))
        if page.start_after:
            inner.append(wire.element("StartAfter", page.start_after))
        if "continuation-token" in query:
            inner.append(wire.element("ContinuationToken", query["continuation-token"]))
        if page.next_continuation_token:
            inner.append(wire.element("NextContinuationToken", page.next_continuation_token))
        inner += [
            f"<Contents>{wire.element('Key', info.key)}"
            f"{wire.element('LastModified', _iso(info))}{wire.element('ETag', info.etag)}"
            f"{wire.element('Size', info.size)}"
            "<StorageClass>STANDARD</StorageClass></Contents>"
            for info in page.contents
        ]
        inner += [
            f"<CommonPrefixes>{wire.element('Prefix', prefix)}</CommonPrefixes>"
            for prefix in page.common_prefixes
        ]
        return wire.xml_response("ListBucketResult", inner, request)


def _precondition(request: AwsRequest, info: ObjectInfo) -> int | None:
    """The status of a GET or HEAD its conditional headers stop, as S3 and RFC 9110 decide
    (`If-Match` before `If-Unmodified-Since`, `If-None-Match` before `If-Modified-Since`):
    412 `PreconditionFailed`, raised, or 304 Not Modified, returned; None to go on."""
    headers = request.headers
    if_match = headers.get("if-match")
    if if_match is not None:
        if not _etag_matches(if_match, info.etag):
            raise AwsError(
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold (If-Match)",
                412,
            )
    elif _before(headers.get("if-unmodified-since"), info, modified=True):
        raise AwsError(
            "PreconditionFailed",
            "At least one of the pre-conditions you specified did not hold (If-Unmodified-Since)",
            412,
        )
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        return 304 if _etag_matches(if_none_match, info.etag) else None
    if _before(headers.get("if-modified-since"), info, modified=False):
        return 304
    return None


def _etag_matches(listed: str, etag: str) -> bool:
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in listed.split(",")}
    return "*" in tags or etag.strip('"') in tags


def _before(date: str | None, info: ObjectInfo, *, modified: bool) -> bool:
    """With `modified`, whether the object changed after `date` (If-Unmodified-Since fails);
    without, whether it did not (If-Modified-Since answers 304). A date S3 cannot read is
    ignored, as S3 ignores it."""
    if date is None:
        return False
    try:
        moment = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return False
    if moment.tzinfo is None:
        return False
    return info.last_modified > moment if modified else info.last_modified <= moment


def _iso(info: ObjectInfo) -> str:
    return wire.iso_date(info.last_modified)


def _range(asked: str, size: int) -> tuple[int, int] | None:
    """The first and last byte of a `Range: bytes=...` header; `InvalidRange` when it starts
    past the object's end; None for a header S3 ignores (it cannot read it, or it ends before
    it starts): the whole object is sent."""
    match = _RANGE.fullmatch(asked.strip())
    if match is None or not (match.group(1) or match.group(2)):
        return None
    start, end = match.group(1), match.group(2)
    if not start:  # the last `end` bytes
        length = int(end)
        if length == 0 or size == 0:
            raise _invalid_range(size)
        return max(size - length, 0), size - 1
    first = int(start)
    if end and int(end) < first:
        return None
    if first >= size:
        raise _invalid_range(size)
    return first, min(int(end), size - 1) if end else size - 1


def _invalid_range(size: int) -> AwsError:
    return AwsError("InvalidRange", f"The requested range is not satisfiable (size {size})", 416)
