"""S3's multipart upload: CreateMultipartUpload, UploadPart, CompleteMultipartUpload and
AbortMultipartUpload.

A bucket takes the parts of an upload all at once (`Bucket.put_parts`), so the parts of an
upload in progress wait here, in the service's memory, until it is completed or aborted: an
app that stops loses its uploads in progress. The object has S3's multipart ETag
(`"MD5-OF-PART-MD5S-N"`) and notifies `ObjectCreated:CompleteMultipartUpload`.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field

from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse
from faaslib.aws.s3 import wire
from faaslib.aws.s3.objects import metadata_of
from faaslib.sources.bucket import Bucket
from faaslib.sources.bucket.checks import MAXIMUM_PARTS

__all__ = ["Multipart"]

_MINIMUM_PART_BYTES = 5 * 1024**2  # every part but the last
_MAXIMUM_PART_BYTES = 5 * 1024**3


@dataclass
class _Upload:
    bucket: Bucket
    key: str
    content_type: str
    metadata: dict[str, str]
    parts: dict[int, tuple[str, bytes]] = field(default_factory=dict)  # number: (ETag, data)


class Multipart:
    """The multipart operations of `S3Service`, and the uploads in progress."""

    def __init__(self) -> None:
        self._uploads: dict[str, _Upload] = {}

    async def _create_multipart_upload(
        self, request: AwsRequest, bucket: Bucket, key: str
    ) -> AwsResponse:
        upload_id = secrets.token_urlsafe(48)
        self._uploads[upload_id] = _Upload(
            bucket,
            key,
            request.headers.get("content-type") or "binary/octet-stream",
            metadata_of(request),
        )
        inner = [
            wire.element("Bucket", bucket.name),
            wire.element("Key", key),
            wire.element("UploadId", upload_id),
        ]
        return wire.xml_response("InitiateMultipartUploadResult", inner, request)

    async def _upload_part(self, request: AwsRequest, bucket: Bucket, key: str) -> AwsResponse:
        upload = self._upload(request, bucket, key)
        number_text = request.query["partNumber"][0]
        if not number_text.isdigit() or not 1 <= int(number_text) <= MAXIMUM_PARTS:
            raise AwsError(
                "InvalidArgument",
                f"Part number must be an integer between 1 and {MAXIMUM_PARTS}, inclusive",
            )
        data = wire.payload(request)
        if len(data) > _MAXIMUM_PART_BYTES:
            raise AwsError(
                "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
            )
        etag = f'"{hashlib.md5(data).hexdigest()}"'
        upload.parts[int(number_text)] = (etag, data)
        return AwsResponse(200, [("etag", etag), ("x-amz-request-id", request.request_id)])

    async def _complete_multipart_upload(
        self, request: AwsRequest, bucket: Bucket, key: str
    ) -> AwsResponse:
        upload = self._upload(request, bucket, key)
        listed = wire.parse_xml(request.body).findall("Part")
        if not listed:
            raise AwsError(
                "MalformedXML", "The XML you provided was not well-formed: it lists no Part"
            )
        numbers: list[int] = []
        for node in listed:
            number = int(node.findtext("PartNumber") or "0")
            stored = upload.parts.get(number)
            etag = (node.findtext("ETag") or "").strip()
            if stored is None or stored[0].strip('"') != etag.strip('"'):
                raise AwsError(
                    "InvalidPart",
                    "One or more of the specified parts could not be found. The part may not "
                    "have been uploaded, or the specified entity tag may not match the part's "
                    f"entity tag (part {number})",
                )
            if numbers and number <= numbers[-1]:
                raise AwsError("InvalidPartOrder", "The list of parts was not in ascending order.")
            numbers.append(number)
        for number in numbers[:-1]:
            if len(upload.parts[number][1]) < _MINIMUM_PART_BYTES:
                raise AwsError(
                    "EntityTooSmall",
                    f"Your proposed upload is smaller than the minimum allowed size (part "
                    f"{number} is under 5 MB and is not the last part)",
                )
        info = await bucket.put_parts(
            key,
            [upload.parts[number][1] for number in numbers],
            content_type=upload.content_type,
            metadata=upload.metadata,
        )
        del self._uploads[request.query["uploadId"][0]]
        inner = [
            wire.element("Location", f"/{bucket.name}/{key}"),
            wire.element("Bucket", bucket.name),
            wire.element("Key", key),
            wire.element("ETag", info.etag),
        ]
        return wire.xml_response("CompleteMultipartUploadResult", inner, request)

    async def _abort_multipart_upload(
        self, request: AwsRequest, bucket: Bucket, key: str
    ) -> AwsResponse:
        self._upload(request, bucket, key)
        del self._uploads[request.query["uploadId"][0]]
        return AwsResponse(204, [("x-amz-request-id", request.request_id)])

    def _upload(self, request: AwsRequest, bucket: Bucket, key: str) -> _Upload:
        upload = self._uploads.get(request.query["uploadId"][0])
        if upload is None or upload.bucket is not bucket or upload.key != key:
            raise AwsError(
                "NoSuchUpload",
                "The specified upload does not exist. The upload ID may be invalid, or the "
                "upload may have been aborted or completed.",
                404,
            )
        return upload
