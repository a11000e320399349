"""Event sources that live inside the app: an SQS-like queue (`Queue`), with SQS's delivery
semantics, visibility timeouts, FIFO message groups, deduplication and dead-letter redrive."""

from faaslib.sources.queue import Queue
from faaslib.sources.queue_messages import (
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
    "QueuedMessage",
    "ReceiptHandleIsInvalid",
    "SendBatchResult",
    "SendResult",
]
