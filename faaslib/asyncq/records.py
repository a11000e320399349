"""What the Event queue hands out: the records Lambda sends to destinations and dead-letter
targets, field for field, and the listings of pending and undelivered events."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import msgspec

from faaslib.asyncq.store import QueuedEvent
from faaslib.errors import TooManyRequests
from faaslib.invoke import InvocationResult, request_id_text
from faaslib.logs import iso_timestamp
from faaslib.payloads import decode_accepted, encodable, encode_json

if TYPE_CHECKING:
    from faaslib.executor import Function

__all__ = [
    "FUNCTION_ERROR_RETRY_DELAYS",
    "MAX_ASYNC_REQUEST_BYTES",
    "THROTTLE_RETRY_MAX_DELAY",
    "PendingEvent",
    "UndeliveredRecord",
    "dead_letter_attributes",
    "extra_requests",
    "invocation_record",
    "throttle_result",
]

# Lambda's asynchronous payload limit: 1 MB since 2025 (256 KB before).
MAX_ASYNC_REQUEST_BYTES = 1024 * 1024
# An async event over 256 KB is billed one more request per 64 KB started (Lambda's pricing).
_FREE_ASYNC_BYTES = 256 * 1024
_ASYNC_CHUNK_BYTES = 64 * 1024
FUNCTION_ERROR_RETRY_DELAYS = (60.0, 120.0)  # before the second and the third attempt
THROTTLE_RETRY_MAX_DELAY = 300.0


class PendingEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event still in the queue: waiting, waiting to retry, or running."""

    request_id: str
    function_name: str
    payload: Any
    attempts: int
    age_seconds: float


class UndeliveredRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A record a destination or dead-letter target did not take, kept so it is not lost."""

    function_name: str
    destination: str  # "on_success", "on_failure" or "dead_letter"
    target: str
    message: Any
    error: str


def invocation_record(event: QueuedEvent, condition: str, now: float) -> dict[str, Any]:
    """The record Lambda sends to a destination, field for field."""
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": iso_timestamp(now),
        "requestContext": {
            "requestId": request_id_text(event.request_number),
            "functionArn": f"{event.function.arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": event.attempts,
        },
        "requestPayload": decode_accepted(event.payload),
    }
    result = event.last
    if result is not None:
        response: dict[str, Any] = {"statusCode": result.status_code, "executedVersion": "$LATEST"}
        if result.function_error is not None:
            response["functionError"] = result.function_error
        record["responseContext"] = response
        record["responsePayload"] = _deliverable(result.payload)
    return record


def _deliverable(payload: Any) -> Any:
    """A response as a record can carry it: JSON text (a handler's bytes that are not JSON are
    given as text), lone surrogates escaped."""
    if isinstance(payload, bytes):
        return payload.decode("utf-8", "replace")
    try:
        encode_json(payload)
    except (UnicodeEncodeError, ValueError, TypeError, OverflowError):
        return encodable(payload)
    return payload


def dead_letter_attributes(event: QueuedEvent) -> dict[str, str | int]:
    """What Lambda adds to an event it sends to a dead-letter queue or topic: the request id,
    the invocation's HTTP status and the first kilobyte of the error message."""
    attributes: dict[str, str | int] = {"RequestID": request_id_text(event.request_number)}
    result = event.last
    if result is not None:
        attributes["ErrorCode"] = result.status_code  # a Number attribute
        error = result.payload
        message = error.get("errorMessage") if isinstance(error, dict) else None
        if isinstance(message, str):
            message = encodable(message)
            attributes["ErrorMessage"] = message.encode()[:1024].decode(errors="ignore")
    return attributes


def throttle_result(function: Function, event: QueuedEvent, throttle: TooManyRequests) -> Any:
    body = encode_json({"errorMessage": str(throttle), "errorType": throttle.error_code})
    return InvocationResult(
        function.name,
        429,
        event.request_number,
        body,
        None,
        "$LATEST",
        memory_size_mb=function.memory,
    )


def extra_requests(size: int) -> int:
    if size <= _FREE_ASYNC_BYTES:
        return 0
    return math.ceil((size - _FREE_ASYNC_BYTES) / _ASYNC_CHUNK_BYTES)
