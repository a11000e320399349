"""SQS's errors as its JSON protocol writes them: the error's shape name as the code, and the
`x-amzn-query-error` header with the code SQS's older query protocol used, which botocore reads
(SQS is `awsQueryCompatible`) to raise the modeled exception (`QueueDoesNotExist`) with the
legacy code in `Error.Code` (`AWS.SimpleQueueService.NonExistentQueue`), as AWS's SQS does."""

from __future__ import annotations

from faaslib.aws.protocol import AwsError
from faaslib.sources.queue.messages import QueueError

__all__ = ["from_queue_error", "legacy_code", "queue_does_not_exist", "sqs_error"]

# The query protocol's code of each error whose code changed with the JSON protocol.
_LEGACY_CODES = {
    "QueueDoesNotExist": "AWS.SimpleQueueService.NonExistentQueue",
    "QueueNameExists": "QueueAlreadyExists",
    "QueueDeletedRecently": "AWS.SimpleQueueService.QueueDeletedRecently",
    "UnsupportedOperation": "AWS.SimpleQueueService.UnsupportedOperation",
    "TooManyEntriesInBatchRequest": "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
    "EmptyBatchRequest": "AWS.SimpleQueueService.EmptyBatchRequest",
    "BatchEntryIdsNotDistinct": "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
    "BatchRequestTooLong": "AWS.SimpleQueueService.BatchRequestTooLong",
    "InvalidBatchEntryId": "AWS.SimpleQueueService.InvalidBatchEntryId",
    "MessageNotInflight": "AWS.SimpleQueueService.MessageNotInflight",
    "PurgeQueueInProgress": "AWS.SimpleQueueService.PurgeQueueInProgress",
}


def legacy_code(code: str) -> str:
    """The query protocol's code of SQS's error `code` (the JSON protocol's name)."""
    return _LEGACY_CODES.get(code, code)


def sqs_error(code: str, message: str, status: int = 400) -> AwsError:
    """SQS's error `code` (the JSON protocol's name), a sender's fault, with its query code."""
    legacy = legacy_code(code)
    return AwsError(code, message, status, headers=[("x-amzn-query-error", f"{legacy};Sender")])


def queue_does_not_exist(queue: str) -> AwsError:
    """SQS's answer for a queue URL or name that names no queue of the app."""
    return sqs_error(
        "QueueDoesNotExist", f"The specified queue does not exist: {queue} (faaslib app queues)"
    )


def from_queue_error(error: QueueError) -> AwsError:
    """A queue's refusal (`MessageRejected`, `BatchRejected`, `ReceiptHandleIsInvalid`, ...),
    with the code the queue gives it, which is SQS's."""
    return sqs_error(error.code, str(error))
