"""The S3-like bucket in one room: the `Bucket` (`bucket`), its limits and errors (`checks`),
how it lists keys (`listing`), what it stores (`objects`) and the event notifications it sends
(`notifications`).

The package re-exports what a user of a bucket names, so `from faaslib.sources.bucket import
Bucket` reads as it always has; faaslib's own modules import from the module that defines a name.
"""

from faaslib.sources.bucket.bucket import (
    Bucket,
    BucketCounters,
    BucketError,
    EntityTooLarge,
    InvalidBucketName,
    InvalidNotificationConfiguration,
    KeyTooLong,
    ListResult,
    MetadataTooLarge,
    NoSuchKey,
    NotificationConfiguration,
    ObjectInfo,
    StoredObject,
    UndeliveredNotification,
)

__all__ = [
    "Bucket",
    "BucketCounters",
    "BucketError",
    "EntityTooLarge",
    "InvalidBucketName",
    "InvalidNotificationConfiguration",
    "KeyTooLong",
    "ListResult",
    "MetadataTooLarge",
    "NoSuchKey",
    "NotificationConfiguration",
    "ObjectInfo",
    "StoredObject",
    "UndeliveredNotification",
]
