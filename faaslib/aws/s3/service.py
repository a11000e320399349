"""`S3Service`: S3's REST-XML operations on the app's buckets, found by method, path and query
as S3 finds them, each translated into the call the Python API makes (`app.bucket(name)`,
`Bucket.put/get/head/delete/copy/list`).

A request names its bucket in the path (`http://host/bucket/key`, path-style) or in the host
(`http://bucket.host/key`, virtual-hosted): the host is virtual-hosted when it is a bucket's name
in front of `localhost` or of an `s3.` host, or in front of any name when that bucket exists.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse
from faaslib.aws.s3 import wire
from faaslib.aws.s3.multipart import Multipart
from faaslib.aws.s3.notifications import NotificationOperations
from faaslib.aws.s3.objects import ObjectOperations
from faaslib.errors import ConfigurationError
from faaslib.sources.bucket import Bucket
from faaslib.sources.bucket.checks import BucketError

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["S3Service"]

# Query parameters that name a sub-resource of a bucket or an object: an operation of its own.
_SUBRESOURCES = frozenset(
    [
        "accelerate",
        "acl",
        "analytics",
        "attributes",
        "cors",
        "encryption",
        "intelligent-tiering",
        "inventory",
        "legal-hold",
        "lifecycle",
        "location",
        "logging",
        "metrics",
        "notification",
        "object-lock",
        "ownershipControls",
        "policy",
        "policyStatus",
        "publicAccessBlock",
        "replication",
        "requestPayment",
        "restore",
        "retention",
        "select",
        "session",
        "tagging",
        "torrent",
        "uploads",
        "versioning",
        "versions",
        "website",
        "delete",
        "uploadId",
    ]
)

# The parameters of ListBuckets, and the most buckets a page of it lists.
_LIST_BUCKETS = frozenset(["max-buckets", "continuation-token", "prefix", "bucket-region"])
_MAXIMUM_BUCKETS_LISTED = 10_000

Handler = Callable[[AwsRequest, Bucket, str], Awaitable[AwsResponse]]


class S3Service(ObjectOperations, Multipart):
    """S3's REST-XML protocol for `app`'s buckets: `S3Service(app)`, served by `app.aws`.

    Objects, keys, ETags, listings and notifications are the buckets' own; this class
    translates, and keeps the parts of multipart uploads until they are completed (a bucket
    takes them all at once). What S3 has and the buckets do not answers `NotImplemented`
    naming it.
    """

    name = "s3"

    def __init__(self, app: App) -> None:
        self.app = app
        Multipart.__init__(self)
        self._notifications = NotificationOperations(app)

    async def handle(self, request: AwsRequest) -> AwsResponse:
        """The answer to one S3 request."""
        bucket_name, key = self._bucket_and_key(request)
        try:
            if not bucket_name:
                if request.method == "GET" and _LIST_BUCKETS.issuperset(request.query):
                    return self._list_buckets(request)
                raise _not_implemented(f"{request.method} /")
            if not key:
                return await self._bucket_operation(request, bucket_name)
            handler = self._object_operation(request)
            return await handler(request, self._bucket(bucket_name), key)
        except BucketError as error:
            raise wire.from_bucket_error(error) from None

    # -- routing --------------------------------------------------------------------------------

    def _bucket_and_key(self, request: AwsRequest) -> tuple[str, str]:
        host = request.headers.get("host", "").rsplit(":", 1)[0].lower()
        label, dot, rest = host.partition(".")
        if dot and not _is_ip(host) and label != "s3":
            named = rest == "localhost" or rest.startswith(("s3.", "s3-"))
            if named or label in self.app.buckets:
                return label, request.path.lstrip("/")
        bucket_name, _, key = request.path.lstrip("/").partition("/")
        return bucket_name, key

    def _object_operation(self, request: AwsRequest) -> Handler:
        query, method = request.query, request.method
        copying = "x-amz-copy-source" in request.headers
        if "uploadId" in query:
            if method == "PUT" and "partNumber" in query and not copying:
                return self._upload_part
            if method == "POST":
                return self._complete_multipart_upload
            if method == "DELETE":
                return self._abort_multipart_upload
            raise _not_implemented("UploadPartCopy" if copying else "ListParts")
        if "uploads" in query and method == "POST":
            return self._create_multipart_upload
        _refuse_subresources(request)
        operations: dict[str, Handler] = {
            "PUT": self._copy_object if copying else self._put_object,
            "GET": self._get_object,
            "HEAD": self._head_object,
            "DELETE": self._delete_object,
        }
        try:
            return operations[method]
        except KeyError:
            raise _not_implemented(f"{method} on an object") from None

    async def _bucket_operation(self, request: AwsRequest, name: str) -> AwsResponse:
        method, query = request.method, request.query
        if method == "PUT" and not query:
            return self._create_bucket(request, name)
        if method == "POST" and "delete" in query:
            return await self._delete_objects(request, self._bucket(name))
        if method == "HEAD" and not query:
            region = self._bucket(name).region
            headers = [("x-amz-bucket-region", region), ("x-amz-request-id", request.request_id)]
            return AwsResponse(200, headers)
        if method == "GET" and query.get("list-type") == ["2"]:
            return await self._list_objects_v2(request, self._bucket(name))
        if method in ("PUT", "GET") and set(query) == {"notification"}:
            if method == "PUT":
                return self._notifications.put(request, self._bucket(name))
            return self._notifications.get(request, self._bucket(name))
        _refuse_subresources(request)
        what = {"GET": "ListObjects (version 1)", "DELETE": "DeleteBucket"}
        raise _not_implemented(what.get(method, f"{method} on a bucket"))

    # -- buckets --------------------------------------------------------------------------------

    def _bucket(self, name: str) -> Bucket:
        bucket = self.app.buckets.get(name)
        if bucket is None:
            raise wire.no_such_bucket(name)
        return bucket

    def _create_bucket(self, request: AwsRequest, name: str) -> AwsResponse:
        if name in self.app.buckets and request.region != "us-east-1":
            # us-east-1 answers 200 to its owner creating a bucket again; other regions refuse.
            raise AwsError(
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already "
                "own it.",
                409,
            )
        try:
            self.app.bucket(name)
        except ConfigurationError as error:
            raise AwsError("InvalidBucketName", str(error)) from None
        return AwsResponse(
            200, [("location", f"/{name}"), ("x-amz-request-id", request.request_id)]
        )

    def _list_buckets(self, request: AwsRequest) -> AwsResponse:
        query = {name: values[0] for name, values in request.query.items()}
        prefix, after = query.get("prefix", ""), query.get("continuation-token", "")
        region = query.get("bucket-region")
        limit = query.get("max-buckets", str(_MAXIMUM_BUCKETS_LISTED))
        if not limit.isdigit() or not 1 <= int(limit) <= _MAXIMUM_BUCKETS_LISTED:
            raise AwsError(
                "InvalidArgument",
                f"max-buckets must be between 1 and {_MAXIMUM_BUCKETS_LISTED}: {limit!r}",
            )
        found = [
            (name, bucket)
            for name, bucket in sorted(self.app.buckets.items())
            if name.startswith(prefix) and name > after and region in (None, bucket.region)
        ]
        page = found[: int(limit)]
        inner = [
            "<Owner><ID>faaslib</ID><DisplayName>faaslib</DisplayName></Owner><Buckets>",
            *(
                f"<Bucket>{wire.element('Name', name)}"
                f"{wire.element('BucketRegion', bucket.region)}</Bucket>"
                for name, bucket in page
            ),
            "</Buckets>",
        ]
        if len(found) > len(page):
            inner.append(wire.element("ContinuationToken", page[-1][0]))
        if prefix:
            inner.append(wire.element("Prefix", prefix))
        return wire.xml_response("ListAllMyBucketsResult", inner, request)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _refuse_subresources(request: AwsRequest) -> None:
    named = sorted(_SUBRESOURCES.intersection(request.query))
    if named:
        raise _not_implemented(f"{request.method} ?{named[0]}")


def _not_implemented(what: str) -> AwsError:
    return AwsError(
        "NotImplemented",
        f"faaslib's buckets do not implement {what} (faaslib serves: CreateBucket, ListBuckets, "
        "HeadBucket, PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects, CopyObject, "
        "ListObjectsV2, CreateMultipartUpload, UploadPart, CompleteMultipartUpload, "
        "AbortMultipartUpload, PutBucketNotificationConfiguration, "
        "GetBucketNotificationConfiguration)",
        501,
        sender_fault=False,
    )
