"""S3's wire: XML bodies in and out, its dates, its errors, and what a PUT's body carries
(`Content-MD5`, `x-amz-checksum-*`, `aws-chunked` framing), checked as S3 checks them."""

from __future__ import annotations

import base64
import hashlib
import zlib
from datetime import datetime
from typing import TYPE_CHECKING
from xml.etree import ElementTree

from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse
from faaslib.sources.bucket.checks import BucketError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "NAMESPACE",
    "element",
    "from_bucket_error",
    "http_date",
    "iso_date",
    "no_such_bucket",
    "parse_xml",
    "payload",
    "text",
    "xml_response",
]

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"

# The HTTP status of each error code a bucket raises, as S3 answers it.
_STATUS = {"NoSuchKey": 404, "NoSuchBucket": 404, "NoSuchUpload": 404, "InvalidRange": 416}


def text(value: object) -> str:
    """`value` escaped for XML text."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def element(name: str, value: object) -> str:
    """`<name>value</name>`, the value escaped."""
    return f"<{name}>{text(value)}</{name}>"


def xml_response(
    root: str, inner: Iterable[str], request: AwsRequest, status: int = 200
) -> AwsResponse:
    """An XML answer whose root element `root` holds `inner`."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NAMESPACE}">'
        + "".join(inner)
        + f"</{root}>"
    )
    headers = [("content-type", "application/xml"), ("x-amz-request-id", request.request_id)]
    return AwsResponse(status, headers, body.encode())


def parse_xml(body: bytes) -> ElementTree.Element:
    """A request's XML body, with S3's namespace taken off every tag."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise AwsError(
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our "
            "published schema",
        ) from None
    for node in root.iter():
        node.tag = node.tag.rpartition("}")[2]
    return root


def iso_date(moment: datetime) -> str:
    """A date as S3's XML writes it: `2026-12-07T05:47:16.000Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def http_date(moment: datetime) -> str:
    """A date as S3's headers write it: `Mon, 07 Dec 2026 05:47:16 GMT`."""
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


def no_such_bucket(name: str) -> AwsError:
    return AwsError("NoSuchBucket", f"The specified bucket does not exist: {name!r}", 404)


def from_bucket_error(error: BucketError) -> AwsError:
    """A bucket's refusal as S3's error, with S3's status for its code."""
    return AwsError(error.code, str(error), _STATUS.get(error.code, 400))


def payload(request: AwsRequest) -> bytes:
    """The body of a PUT, unframed from `aws-chunked` if it was sent so, and checked against
    its `Content-MD5` and `x-amz-checksum-*` (CRC32, SHA-1, SHA-256; CRC32C and CRC64NVME,
    which Python's standard library cannot compute, are taken unchecked)."""
    headers = dict(request.headers)
    body = request.body
    if "aws-chunked" in headers.get("content-encoding", ""):
        body, trailers = _unchunk(body)
        headers.update(trailers)
    md5 = headers.get("content-md5")
    if md5 is not None and _b64(hashlib.md5(body).digest()) != md5:
        raise AwsError("BadDigest", "The Content-MD5 you specified did not match what we received.")
    for algorithm, compute in _CHECKSUMS.items():
        sent = headers.get(f"x-amz-checksum-{algorithm}")
        if sent is not None and compute(body) != sent:
            raise AwsError(
                "BadDigest",
                f"The {algorithm.upper()} you specified did not match the calculated checksum.",
            )
    return body


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


_CHECKSUMS: dict[str, Callable[[bytes], str]] = {
    "crc32": lambda body: _b64(zlib.crc32(body).to_bytes(4, "big")),
    "sha1": lambda body: _b64(hashlib.sha1(body).digest()),
    "sha256": lambda body: _b64(hashlib.sha256(body).digest()),
}


def _unchunk(body: bytes) -> tuple[bytes, dict[str, str]]:
    """The data of an `aws-chunked` body (`SIZE[;chunk-signature=...]\\r\\nDATA\\r\\n`..., a
    zero-size chunk, then trailers `name:value\\r\\n`), and its trailers."""
    data = bytearray()
    at = 0
    try:
        while True:
            end = body.index(b"\r\n", at)
            size = int(body[at:end].split(b";", 1)[0], 16)
            at = end + 2
            if size == 0:
                break
            data += body[at : at + size]
            at += size + 2
    except ValueError:
        raise AwsError("IncompleteBody", "The aws-chunked body is not well framed") from None
    trailers: dict[str, str] = {}
    for line in body[at:].split(b"\r\n"):
        name, colon, value = line.decode("latin-1").partition(":")
        if colon:
            trailers[name.strip().lower()] = value.strip()
    return bytes(data), trailers
