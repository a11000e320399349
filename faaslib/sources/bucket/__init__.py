"""The S3-like bucket in one room: the `Bucket` (`bucket`), its limits and errors (`checks`),
how it lists keys (`listing`), what it stores (`objects`) and the event notifications it sends
(`notifications`).

The package re-exports what a user of a bucket names, so `from faaslib.sources.bucket import
Bucket` reads as it always has; faaslib's own modules import from the module that defines a name.
"""

from faaslib.sources.bucket.bucket import Bucket
from faaslib.sources.bucket.checks import (
    BucketError,
    EntityTooLarge,
    InvalidBucketName,
    KeyTooLong,
    MetadataTooLarge,
    NoSuchKey,
)
from faaslib.sources.bucket.notifications import (
    InvalidNotificationConfiguration,
    NotificationConfiguration,
    UndeliveredNotification,
)
from faaslib.sources.bucket.objects import BucketCounters, ListResult, ObjectInfo, StoredObject

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
