"""The SQS-like queue in one room: the `Queue` users hold (`queue`), the synchronous steps it
takes (`core`), the limits it enforces (`checks`), the shapes it hands out (`messages`), where
its messages wait (`store`, the seam a durable store plugs into) and the Lambda event source
mapping that feeds a function from it (`mapping`).

The package re-exports what a user of a queue names, so `from faaslib.sources.queue import
Queue` reads as it always has; faaslib's own modules import from the module that defines a name.
"""

from faaslib.sources.queue.mapping import QueueMapping, QueueMappingConfig
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
from faaslib.sources.queue.queue import Queue

__all__ = [
    "BatchEntry",
    "BatchFailure",
    "BatchRejected",
    "DeleteBatchResult",
    "Message",
    "MessageNotInflight",
    "MessageRejected",
    "Queue",
    "QueueCounters",
    "QueueError",
    "QueueMapping",
    "QueueMappingConfig",
    "QueuedMessage",
    "ReceiptHandleIsInvalid",
    "SendBatchResult",
    "SendResult",
]
