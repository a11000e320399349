"""Event invocations: Lambda's asynchronous queue (`queue.EventQueue`: retries, maximum age,
destinations), the records it sends (`records`), and where its events wait (`store`, the seam
the memory and SQLite stores plug into)."""

from faaslib.asyncq.queue import EventQueue
from faaslib.asyncq.records import (
    MAX_ASYNC_REQUEST_BYTES,
    PendingEvent,
    UndeliveredRecord,
)
from faaslib.asyncq.store import QueuedEvent

__all__ = [
    "MAX_ASYNC_REQUEST_BYTES",
    "EventQueue",
    "PendingEvent",
    "QueuedEvent",
    "UndeliveredRecord",
]
