"""The SNS-like topic in one room: the `Topic` (`topic`), its limits (`checks`), the shapes it
hands out (`messages`) and the subscription filter policies it applies (`filter_policy`, which
only topics use).

The package re-exports what a user of a topic names, so `from faaslib.sources.topic import
Topic` reads as it always has; faaslib's own modules import from the module that defines a name.
"""

from faaslib.sources.topic.filter_policy import FilterPolicy, InvalidFilterPolicy
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
    "FilterPolicy",
    "InvalidFilterPolicy",
    "Notification",
    "PublishBatchEntry",
    "PublishBatchRejected",
    "PublishBatchResult",
    "PublishFailure",
    "PublishRejected",
    "PublishResult",
    "Subscription",
    "Topic",
    "TopicCounters",
    "TopicError",
]
