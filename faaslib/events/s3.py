"""Amazon S3 event notifications, as a bucket delivers them to a function."""

from __future__ import annotations

import urllib.parse

import msgspec

from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "S3Bucket",
    "S3Entity",
    "S3Event",
    "S3EventRecord",
    "S3Identity",
    "S3Object",
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
