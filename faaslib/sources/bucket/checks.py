"""What a bucket refuses, as S3 refuses it: its limits, its errors (each with S3's error code),
and the checks of bucket names, keys, bodies, content types and user metadata."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from faaslib.errors import ConfigurationError
from faaslib.payloads import PayloadError, to_document

__all__ = [
    "DEFAULT_CONTENT_TYPE",
    "MAXIMUM_KEY_BYTES",
    "MAXIMUM_LIST_KEYS",
    "MAXIMUM_METADATA_BYTES",
    "MAXIMUM_PARTS",
    "MAXIMUM_SINGLE_PUT_BYTES",
    "BucketError",
    "EntityTooLarge",
    "InvalidBucketName",
    "KeyTooLong",
    "MetadataTooLarge",
    "NoSuchKey",
    "check_bucket_name",
    "check_content_type",
    "check_key",
    "check_metadata",
    "check_size",
    "encode_body",
]

# S3's limits.
MAXIMUM_KEY_BYTES = (
    1_024  # UTF-8: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
)
# The sum of the UTF-8 bytes of every name and value of the user metadata of one PUT:
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html
MAXIMUM_METADATA_BYTES = 2_048
MAXIMUM_SINGLE_PUT_BYTES = 5 * 1024**3  # 5 GB a PUT or a copy; larger objects need multipart
MAXIMUM_LIST_KEYS = 1_000
MAXIMUM_PARTS = 10_000  # of a multipart upload
DEFAULT_CONTENT_TYPE = "binary/octet-stream"  # what S3 stores when a request gives none

_BUCKET_NAME = re.compile(r"[a-z0-9.-]{3,63}")
_IP_ADDRESS = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token: x-amz-meta-NAME
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # what an HTTP header value cannot carry


class InvalidBucketName(ConfigurationError):
    """A bucket name S3's naming rules refuse."""

    code = "InvalidBucketName"


class BucketError(ValueError):
    """A request the bucket refuses, as S3 would. `code` is S3's error code (`InvalidArgument`,
    `NoSuchKey`, ...) so code that handles boto3's errors maps over; the message names the
    bucket, the field, the value and the limit."""

    code: str = "InvalidArgument"

    def __init__(self, bucket_name: str, message: str, *, code: str | None = None) -> None:
        super().__init__(f"bucket {bucket_name!r}: {message}")
        self.bucket_name = bucket_name
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return str(self.args[0])  # not KeyError's quoted form, for `NoSuchKey`


class NoSuchKey(BucketError, KeyError):
    """There is no object with that key (S3's 404). Also a `KeyError`, as a missing key is."""

    code = "NoSuchKey"


class KeyTooLong(BucketError):
    """A key over 1,024 bytes of UTF-8."""

    code = "KeyTooLongError"


class MetadataTooLarge(BucketError):
    """User metadata over 2 KB (the UTF-8 bytes of every name and value)."""

    code = "MetadataTooLarge"


class EntityTooLarge(BucketError):
    """A body over the 5 GB of a single PUT or copy."""

    code = "EntityTooLarge"


def check_bucket_name(name: Any) -> None:
    """S3's rules for general purpose bucket names:
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"""
    if not isinstance(name, str):
        raise InvalidBucketName(f"bucket {name!r}: the name is a {type(name).__name__}, not a str")
    rule = None
    if not 3 <= len(name) <= 63:
        rule = f"be 3 to 63 characters long (it has {len(name)})"
    elif not _BUCKET_NAME.fullmatch(name):
        wrong = next(char for char in name if not _BUCKET_NAME.fullmatch(char * 3))
        rule = f"have only lower-case letters, digits, '.' and '-' (it has {wrong!r})"
    elif not (name[0].isalnum() and name[-1].isalnum()):
        rule = "begin and end with a letter or a digit"
    elif ".." in name:
        rule = "not have two periods in a row"
    elif _IP_ADDRESS.fullmatch(name):
        rule = "not be formatted as an IP address"
    else:
        for prefix in _RESERVED_PREFIXES:
            if name.startswith(prefix):
                rule = f"not start with {prefix!r}, which S3 reserves"
        for suffix in _RESERVED_SUFFIXES:
            if name.endswith(suffix):
                rule = f"not end with {suffix!r}, which S3 reserves"
    if rule is not None:
        raise InvalidBucketName(f"bucket {name!r}: the name must {rule}")


def check_key(bucket: str, field: str, key: Any) -> None:
    """That `key` is a key S3 takes: 1 to 1,024 bytes of UTF-8."""
    if not isinstance(key, str):
        raise BucketError(bucket, f"{field}={key!r} is a {type(key).__name__}, not a str")
    try:
        size = len(key.encode())
    except UnicodeEncodeError as error:
        raise BucketError(
            bucket,
            f"{field}={key!r} is not valid Unicode: {error.reason} at position {error.start}",
        ) from None
    if size == 0:
        raise BucketError(bucket, f"{field} is empty; a key has at least 1 byte")
    if size > MAXIMUM_KEY_BYTES:
        raise KeyTooLong(
            bucket, f"{field} is {size:,} bytes, over S3's limit of {MAXIMUM_KEY_BYTES:,}"
        )


def check_size(bucket: str, key: str, size: int) -> None:
    """That an object of `size` bytes fits a single PUT or copy (5 GB), the limit this bucket
    also keeps a multipart upload's object to."""
    if size > MAXIMUM_SINGLE_PUT_BYTES:
        raise EntityTooLarge(
            bucket,
            f"object {key!r} is {size:,} bytes, over S3's limit of "
            f"{MAXIMUM_SINGLE_PUT_BYTES:,} bytes (5 GB) for a single PUT or copy; S3 takes "
            "larger objects (up to 5 TB) by multipart upload, which this bucket, holding "
            "objects in memory, keeps to the same 5 GB",
        )


def encode_body(bucket: str, key: str, body: Any) -> tuple[bytes, str]:
    """The bytes of `body` and the content type they get when the request names none: bytes as
    they are, a str as UTF-8, any other value as JSON."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body), DEFAULT_CONTENT_TYPE
    if isinstance(body, str):
        try:
            return body.encode(), "text/plain; charset=utf-8"
        except UnicodeEncodeError as error:
            raise BucketError(
                bucket,
                f"the body of {key!r} is not valid Unicode: {error.reason} at position "
                f"{error.start}",
            ) from None
    try:
        return to_document(body), "application/json"
    except PayloadError as error:
        raise BucketError(
            bucket,
            f"the body of {key!r}, a {type(body).__name__}, is not bytes, str or a value that "
            f"encodes as JSON: {error}",
        ) from None


def check_content_type(bucket: str, content_type: Any) -> str | None:
    """`content_type` if it can travel as a Content-Type header (None stays None)."""
    if content_type is None:
        return None
    if not isinstance(content_type, str) or not content_type or _CONTROL.search(content_type):
        raise BucketError(
            bucket,
            f"content_type={content_type!r} is not a header value (a non-empty str without "
            "control characters)",
        )
    return content_type


def check_metadata(bucket: str, metadata: Mapping[str, str] | None) -> dict[str, str]:
    """User metadata, names lower-cased as S3 stores them, within S3's 2 KB."""
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise BucketError(bucket, f"metadata={metadata!r} is not a mapping of str to str")
    checked: dict[str, str] = {}
    size = 0
    for name, value in metadata.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise BucketError(
                bucket,
                f"metadata: the name {name!r} is not an HTTP header name (letters, digits and "
                "!#$%&'*+-.^_`|~), as x-amz-meta-NAME must be",
            )
        if not isinstance(value, str) or _CONTROL.search(value):
            raise BucketError(
                bucket,
                f"metadata[{name!r}]={value!r} is not a header value (a str without control "
                "characters)",
            )
        lowered = name.lower()
        if lowered in checked:
            raise BucketError(
                bucket, f"metadata: two names are {lowered!r} once lower-cased, as S3 stores them"
            )
        checked[lowered] = value
        size += len(name.encode()) + len(value.encode())
    if size > MAXIMUM_METADATA_BYTES:
        raise MetadataTooLarge(
            bucket,
            f"metadata is {size:,} bytes (names and values, UTF-8), over S3's limit of "
            f"{MAXIMUM_METADATA_BYTES:,}",
        )
    return checked
