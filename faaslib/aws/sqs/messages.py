"""SQS's message operations: sending, receiving (long polls included), deleting and changing
visibility, one message or a batch, translated into the queue's own calls."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from faaslib.aws.protocol import AwsError, AwsRequest
from faaslib.aws.sqs import wire
from faaslib.aws.sqs.errors import sqs_error
from faaslib.sources.queue import Queue
from faaslib.sources.queue.messages import (
    DELAY_SECONDS,
    MESSAGES_PER_RECEIVE,
    VISIBILITY_TIMEOUT,
    WAIT_SECONDS,
    BatchEntry,
    Message,
    QueueError,
    SendResult,
)

__all__ = ["MessageOperations"]

_DELAY = (DELAY_SECONDS[0], int(DELAY_SECONDS[1]))
_VISIBILITY = (VISIBILITY_TIMEOUT[0], int(VISIBILITY_TIMEOUT[1]))
_WAIT = (WAIT_SECONDS[0], int(WAIT_SECONDS[1]))
_SYSTEM_ATTRIBUTES = {
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageDeduplicationId",
    "MessageGroupId",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
}


class MessageOperations:
    """The operations on a queue's messages; `SqsService` supplies `_queue`."""

    def _queue(self, params: Mapping[str, Any]) -> Queue:
        raise NotImplementedError

    # -- sending ------------------------------------------------------------------------------

    async def _send_message(self, request: AwsRequest, params: dict[str, Any]) -> dict[str, Any]:
        queue = self._queue(params)
        body, options = _outgoing(params)
        return _sent(await queue.send(body, **options))

    async def _send_message_batch(
        self, request: AwsRequest, params: dict[str, Any]
    ) -> dict[str, Any]:
        queue = self._queue(params)
        entries = wire.entries(params)
        batch: list[BatchEntry] = []
        failed: list[dict[str, Any]] = []
        for entry in entries:
            try:
                body, options = _outgoing(entry)
            except AwsError as error:
                failed.append(_failure(entry["Id"], error.code, error.message))
                continue
            batch.append(BatchEntry(id=entry["Id"], body=body, **options))
        successful: list[dict[str, Any]] = []
        if batch:
            result = await queue.send_batch(batch)
            for entry_id, sent in result.successful.items():
                successful.append({"Id": entry_id, **_sent(sent)})
            for entry_id, failure in result.failed.items():
                failed.append(_failure(entry_id, failure.code, failure.message))
        order = {entry["Id"]: position for position, entry in enumerate(entries)}
        successful.sort(key=lambda item: order[item["Id"]])
        failed.sort(key=lambda item: order[item["Id"]])
        return {"Successful": successful, "Failed": failed}

    # -- receiving ----------------------------------------------------------------------------

    async def _receive_message(self, request: AwsRequest, params: dict[str, Any]) -> dict[str, Any]:
        queue = self._queue(params)
        count = wire.integer(params, "MaxNumberOfMessages", *MESSAGES_PER_RECEIVE) or 1
        visibility = wire.integer(params, "VisibilityTimeout", *_VISIBILITY)
        wait = wire.integer(params, "WaitTimeSeconds", *_WAIT) or 0
        if params.get("ReceiveRequestAttemptId") is not None:
            raise sqs_error(
                "UnsupportedOperation",
                "ReceiveRequestAttemptId: faaslib queues do not deduplicate receive attempts.",
            )
        system = set(wire.strings(params, "AttributeNames"))
        system |= set(wire.strings(params, "MessageSystemAttributeNames"))
        wanted = _attribute_filter(wire.strings(params, "MessageAttributeNames"))
        messages = await queue.receive(count, wait=wait, visibility_timeout=visibility)
        if not messages:
            return {}
        return {"Messages": [_received(message, system, wanted) for message in messages]}

    # -- deleting -----------------------------------------------------------------------------

    async def _delete_message(self, request: AwsRequest, params: dict[str, Any]) -> dict[str, Any]:
        queue = self._queue(params)
        handle = wire.required_string(params, "ReceiptHandle")
        await queue.delete(handle)
        return {}

    async def _delete_message_batch(
        self, request: AwsRequest, params: dict[str, Any]
    ) -> dict[str, Any]:
        queue = self._queue(params)
        handles: dict[str, str] = {}
        failed: list[dict[str, Any]] = []
        for entry in wire.entries(params):
            handle = entry.get("ReceiptHandle")
            if isinstance(handle, str):
                handles[entry["Id"]] = handle
            else:
                error = wire.missing("ReceiptHandle")
                failed.append(_failure(entry["Id"], error.code, error.message))
        result = await queue.delete_batch(handles) if handles else None
        successful = [{"Id": entry_id} for entry_id in (result.successful if result else [])]
        for entry_id, failure in (result.failed if result else {}).items():
            failed.append(_failure(entry_id, failure.code, failure.message))
        return {"Successful": successful, "Failed": failed}

    # -- visibility ---------------------------------------------------------------------------

    async def _change_message_visibility(
        self, request: AwsRequest, params: dict[str, Any]
    ) -> dict[str, Any]:
        queue = self._queue(params)
        handle = wire.required_string(params, "ReceiptHandle")
        timeout = wire.required_integer(params, "VisibilityTimeout", *_VISIBILITY)
        await queue.change_visibility(handle, timeout)
        return {}

    async def _change_message_visibility_batch(
        self, request: AwsRequest, params: dict[str, Any]
    ) -> dict[str, Any]:
        queue = self._queue(params)
        successful: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        for entry in wire.entries(params):
            try:
                handle = wire.required_string(entry, "ReceiptHandle")
                timeout = wire.required_integer(entry, "VisibilityTimeout", *_VISIBILITY)
                await queue.change_visibility(handle, timeout)
            except AwsError as error:
                failed.append(_failure(entry["Id"], error.code, error.message))
            except QueueError as error:
                failed.append(_failure(entry["Id"], error.code, str(error)))
            else:
                successful.append({"Id": entry["Id"]})
        return {"Successful": successful, "Failed": failed}


def _outgoing(params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """A `SendMessage` (or batch entry): its body and the options of `Queue.send`."""
    body = wire.required_string(params, "MessageBody")
    if params.get("MessageSystemAttributes"):
        raise sqs_error(
            "UnsupportedOperation",
            "MessageSystemAttributes (AWSTraceHeader): faaslib queues do not carry X-Ray "
            "trace headers.",
        )
    attributes = wire.queue_attributes(wire.mapping(params, "MessageAttributes"))
    return body, {
        "attributes": attributes or None,
        "delay_seconds": wire.integer(params, "DelaySeconds", *_DELAY),
        "group_id": wire.string(params, "MessageGroupId"),
        "deduplication_id": wire.string(params, "MessageDeduplicationId"),
    }


def _sent(result: SendResult) -> dict[str, Any]:
    answer = {"MessageId": result.message_id, "MD5OfMessageBody": result.md5_of_body}
    if result.md5_of_message_attributes is not None:
        answer["MD5OfMessageAttributes"] = result.md5_of_message_attributes
    if result.sequence_number is not None:
        answer["SequenceNumber"] = result.sequence_number
    return answer


def _received(message: Message, system: set[str], wanted: re.Pattern[str] | None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "MessageId": message.message_id,
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": message.md5_of_body,
        "Body": message.body,
    }
    every = "All" in system
    chosen = {name: value for name, value in message.attributes.items() if every or name in system}
    if chosen:
        answer["Attributes"] = chosen
    if wanted is not None and message.message_attributes:
        returned = wire.json_attributes(
            {
                name: value
                for name, value in message.message_attributes.items()
                if wanted.fullmatch(name)
            }
        )
        if returned:
            # The digest of what is returned, as SDKs that check it (Java's) compute it.
            answer["MD5OfMessageAttributes"] = wire.attributes_md5(returned)
            answer["MessageAttributes"] = returned
    return answer


def _attribute_filter(names: list[str]) -> re.Pattern[str] | None:
    """The message attributes `MessageAttributeNames` asks for: `All` or `.*` for every one,
    `prefix.*` for those under a prefix, else the names given."""
    if not names:
        return None
    patterns = []
    for name in names:
        if name in ("All", ".*"):
            return re.compile(".*", re.DOTALL)
        if name.endswith(".*"):
            patterns.append(re.escape(name[:-1]) + ".*")
        else:
            patterns.append(re.escape(name))
    return re.compile("|".join(patterns), re.DOTALL)


def _failure(entry_id: str, code: str, message: str) -> dict[str, Any]:
    return {"Id": entry_id, "SenderFault": True, "Code": code, "Message": message}
