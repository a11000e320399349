"""Amazon S3 event notifications, as a bucket delivers them to a function."""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import Callable

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "S3Bucket",
    "S3Entity",
    "S3Event",
    "S3EventRecord",
    "S3Identity",
    "S3Object",
    "build_s3",
    "encode_key",
]


class S3Identity(AWSEvent, rename="camel"):
    principal_id: str | Unset = UNSET


class S3Bucket(AWSEvent, rename="camel"):
    name: str | Unset = UNSET
    owner_identity: S3Identity | Unset = UNSET
    arn: str | Unset = UNSET


class S3Object(AWSEvent, rename="camel"):
    key: str | Unset = UNSET
    size: int | Unset = UNSET
    e_tag: str | Unset = msgspec.field(default=UNSET, name="eTag")
    version_id: str | Unset = UNSET
    sequencer: str | Unset = UNSET
    # Added by the aws-lambda-go library to its own sample, not by S3; kept so it round-trips.
    url_decoded_key: str | Unset = UNSET

    @property
    def decoded_key(self) -> str:
        """The key as written: S3 sends it URL-encoded, with '+' for spaces."""
        return urllib.parse.unquote_plus(self.key if isinstance(self.key, str) else "")


class S3Entity(AWSEvent, rename="camel"):
    s3_schema_version: str | Unset = msgspec.field(default=UNSET, name="s3SchemaVersion")
    configuration_id: str | Unset = UNSET
    bucket: S3Bucket | Unset = UNSET
    object: S3Object | Unset = UNSET


class S3RequestParameters(AWSEvent):
    source_ip_address: str | Unset = msgspec.field(default=UNSET, name="sourceIPAddress")


class S3ResponseElements(AWSEvent):
    request_id: str | Unset = msgspec.field(default=UNSET, name="x-amz-request-id")
    id_2: str | Unset = msgspec.field(default=UNSET, name="x-amz-id-2")


class S3RestoreEventData(AWSEvent, rename="camel"):
    lifecycle_restoration_expiry_time: str | Unset = UNSET
    lifecycle_restore_storage_class: str | Unset = UNSET


class S3GlacierEventData(AWSEvent, rename="camel"):
    restore_event_data: S3RestoreEventData | Unset = UNSET


class S3TransitionEventData(AWSEvent, rename="camel"):
    destination_storage_class: str | Unset = UNSET


class S3LifecycleEventData(AWSEvent, rename="camel"):
    transition_event_data: S3TransitionEventData | Unset = UNSET


class S3IntelligentTieringEventData(AWSEvent, rename="camel"):
    destination_access_tier: str | Unset = UNSET


class S3ReplicationEventData(AWSEvent, rename="camel"):
    replication_rule_id: str | Unset = UNSET
    destination_bucket: str | Unset = UNSET
    s3_operation: str | Unset = msgspec.field(default=UNSET, name="s3Operation")
    request_time: str | Unset = UNSET
    failure_reason: str | Unset = UNSET


class S3EventRecord(AWSEvent, rename="camel"):
    event_version: str | Unset = UNSET
    event_source: str | Unset = UNSET
    aws_region: str | Unset = UNSET
    event_time: str | Unset = UNSET
    event_name: str | Unset = UNSET
    user_identity: S3Identity | Unset = UNSET
    request_parameters: S3RequestParameters | Unset = UNSET
    response_elements: S3ResponseElements | Unset = UNSET
    s3: S3Entity | Unset = UNSET
    glacier_event_data: S3GlacierEventData | Unset = UNSET
    restore_event_data: S3RestoreEventData | Unset = UNSET
    lifecycle_event_data: S3LifecycleEventData | Unset = UNSET
    intelligent_tiering_event_data: S3IntelligentTieringEventData | Unset = UNSET
    replication_event_data: S3ReplicationEventData | Unset = UNSET


class S3Event(AWSEvent):
    """S3 event notifications: one record per object created, deleted, restored, ..."""

    records: list[S3EventRecord] = msgspec.field(default_factory=list, name="Records")


# Builders


def build_s3(
    bucket: str = "my-bucket",
    key: str = "photos/cat.jpg",
    *,
    event_name: str = "ObjectCreated:Put",
    content: bytes | None = None,
    size: int = 1024,
    version_id: str | None = None,
    configuration_id: str = "faaslib-notification",
    now: float | None = None,
    region: str = _fake.REGION,
    e_tag: str | None = None,
    sequencer: str | None = None,
    request_id: str | None = None,
    host_id: str | None = None,
) -> S3Event:
    """The notification S3 sends for one object: the key URL-encoded as S3 encodes it, the
    `eTag` the MD5 of `content` when given (the ETag of a single-part upload), `size` its length.
    `ObjectRemoved:*` events carry no size or ETag, as S3's do not.

    A store that sends real notifications passes what it knows: the object's `e_tag` (unquoted)
    and `size`, the `sequencer` that orders the events of one key, and the `request_id`
    (`x-amz-request-id`) and `host_id` (`x-amz-id-2`) of the request, which every notification
    of one request shares. Left out, they are made up.

    ```pycon
    >>> build_s3("uploads", "a b.txt", content=b"hi").records[0].s3.object.key
    'a+b.txt'
    ```
    """
    removed = event_name.startswith("ObjectRemoved")
    s3_object = S3Object(
        key=encode_key(key),
        sequencer=sequencer if sequencer is not None else _fake.hex_id(18).upper(),
    )
    if not removed:
        s3_object.size = len(content) if content is not None else size
        if e_tag is not None:
            s3_object.e_tag = e_tag
        else:
            s3_object.e_tag = _fake.md5_hex(content) if content is not None else _fake.hex_id(32)
    if version_id is not None:
        s3_object.version_id = version_id
    principal = S3Identity(principal_id=_PRINCIPAL)
    record = S3EventRecord(
        event_version="2.1",
        event_source="aws:s3",
        aws_region=region,
        event_time=_fake.iso_time(now),
        event_name=event_name,
        user_identity=principal,
        request_parameters=S3RequestParameters(source_ip_address="127.0.0.1"),
        response_elements=S3ResponseElements(
            request_id=request_id if request_id is not None else _fake.hex_id(16).upper(),
            id_2=host_id if host_id is not None else _fake.b64(secrets.token_bytes(42)),
        ),
        s3=S3Entity(
            s3_schema_version="1.0",
            configuration_id=configuration_id,
            bucket=S3Bucket(
                name=bucket,
                owner_identity=principal,
                arn=_fake.arn("s3", bucket, region="", account=""),
            ),
            object=s3_object,
        ),
    )
    return S3Event(records=[record])


def encode_key(key: str) -> str:
    """`key` as an S3 notification carries it: URL-encoded, a space as '+', '/' kept. S3 matches
    a notification's prefix and suffix filters against this form of the key.

    ```pycon
    >>> encode_key("photos/a b=1.jpg")
    'photos/a+b%3D1.jpg'
    ```
    """
    return urllib.parse.quote_plus(key, safe="/~")


_PRINCIPAL = "AWS:AIDAIENQZJOLO23YVJ4VO"  # who made the request, as S3 names an IAM user

FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"s3": (S3Event,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"s3": build_s3}
