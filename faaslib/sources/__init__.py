"""Event sources that live inside the app, each with its AWS service's semantics: an SQS-like
`Queue`, an S3-like `Bucket`, an SNS-like `Topic`, an EventBridge-like `EventBus`, a
Kinesis-like `Stream` and a DynamoDB-like `Table`; scheduled rules (`ScheduleTrigger`); and the
protocol (`Invoker`, `Trigger`) by which the app runs the triggers bound to them.

Each store works alone (give it a clock) or as the app's (`app.queue(name)`, ...).
"""

from faaslib.sources.base import Invoker, PushTrigger, Trigger
from faaslib.sources.bucket import (
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
)
from faaslib.sources.bus.bus import (
    BusError,
    EventBus,
    PutEventsRejected,
    PutEventsResult,
    PutEventsResultEntry,
    Rule,
    RuleTarget,
    UndeliveredEvent,
)
from faaslib.sources.decorators import ObjectNotification
from faaslib.sources.queue import Queue
from faaslib.sources.queue.mapping import QueueMapping
from faaslib.sources.queue.messages import (
    BatchEntry,
    BatchFailure,
    BatchRejected,
    DeleteBatchResult,
    Message,
    MessageNotInflight,
    MessageRejected,
    QueueCounters,
    QueuedMessage,
    QueueError,
    ReceiptHandleIsInvalid,
    SendBatchResult,
    SendResult,
)
from faaslib.sources.scheduled import ScheduleTrigger
from faaslib.sources.stream.records import (
    ExpiredIterator,
    GetRecordsResult,
    PutRecordResult,
    PutRecordsEntry,
    PutRecordsResult,
    Record,
    RecordRejected,
    Shard,
    ShardIterator,
    ShardNotFound,
    StreamCounters,
    StreamError,
)
from faaslib.sources.stream.stream import Stream
from faaslib.sources.stream_mapping.failures import StreamMappingCounters, UndeliveredFailure
from faaslib.sources.stream_mapping.mapping import StreamMapping
from faaslib.sources.stream_mapping.settings import StreamMappingConfig
from faaslib.sources.table.table import Table, TableError
from faaslib.sources.topic.messages import (
    Notification,
    PublishBatchEntry,
    PublishBatchRejected,
    PublishBatchResult,
    PublishFailure,
    PublishRejected,
    PublishResult,
    Subscription,
    TopicCounters,
    TopicError,
)
from faaslib.sources.topic.topic import Topic

__all__ = [
    "BatchEntry",
    "BatchFailure",
    "BatchRejected",
    "Bucket",
    "BucketCounters",
    "BucketError",
    "BusError",
    "DeleteBatchResult",
    "EntityTooLarge",
    "EventBus",
    "ExpiredIterator",
    "GetRecordsResult",
    "InvalidBucketName",
    "InvalidNotificationConfiguration",
    "Invoker",
    "KeyTooLong",
    "ListResult",
    "Message",
    "MessageNotInflight",
    "MessageRejected",
    "MetadataTooLarge",
    "NoSuchKey",
    "Notification",
    "NotificationConfiguration",
    "ObjectInfo",
    "ObjectNotification",
    "PublishBatchEntry",
    "PublishBatchRejected",
    "PublishBatchResult",
    "PublishFailure",
    "PublishRejected",
    "PublishResult",
    "PushTrigger",
    "PutEventsRejected",
    "PutEventsResult",
    "PutEventsResultEntry",
    "PutRecordResult",
    "PutRecordsEntry",
    "PutRecordsResult",
    "Queue",
    "QueueCounters",
    "QueueError",
    "QueueMapping",
    "QueuedMessage",
    "ReceiptHandleIsInvalid",
    "Record",
    "RecordRejected",
    "Rule",
    "RuleTarget",
    "ScheduleTrigger",
    "SendBatchResult",
    "SendResult",
    "Shard",
    "ShardIterator",
    "ShardNotFound",
    "StoredObject",
    "Stream",
    "StreamCounters",
    "StreamError",
    "StreamMapping",
    "StreamMappingConfig",
    "StreamMappingCounters",
    "Subscription",
    "Table",
    "TableError",
    "Topic",
    "TopicCounters",
    "TopicError",
    "Trigger",
    "UndeliveredEvent",
    "UndeliveredFailure",
]
