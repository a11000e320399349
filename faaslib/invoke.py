"""What crosses the Invoke boundary: payloads as JSON, their limits, results and error shapes.

Payloads cross as JSON both ways, as on Lambda: the handler decodes its own copy of the request,
and the caller decodes its own copy of the response. Sizes are checked on the encoded bytes.
"""

from __future__ import annotations

import base64
import os
import random
from typing import Any, Literal

from faaslib.errors import InvalidRequestContent, RequestTooLarge
from faaslib.marshal import decode_response
from faaslib.payloads import (
    PayloadError,
    check_document,
    to_document,
)

__all__ = [
    "MAX_SYNC_REQUEST_BYTES",
    "MAX_SYNC_RESPONSE_BYTES",
    "InvocationResult",
    "InvocationType",
    "LogType",
]

InvocationType = Literal["RequestResponse", "Event", "DryRun"]
LogType = Literal["None", "Tail"]

# Lambda's synchronous limits as it enforces them: the request must be under 6 MiB, and the
# response may be up to 6,291,556 bytes (6 MiB and 100 bytes), the figure in its error message.
MAX_SYNC_REQUEST_BYTES = 6 * 1024 * 1024
MAX_SYNC_RESPONSE_BYTES = MAX_SYNC_REQUEST_BYTES + 100
MAX_CLIENT_CONTEXT_BYTES = 3583
MAX_LOG_RESULT_BYTES = 4096


def encode_request(payload: Any, function_name: str) -> bytes:
    """The request body for `payload`: bytes are taken as a JSON document, anything else encoded.

    No payload is sent as `{}`, which is what a handler receives on Lambda when the caller
    sends none. What is not JSON, or nests deeper than `MAX_DEPTH`, is refused here, before
    anything is accepted (`InvalidRequestContent`).
    """
    if payload is None:
        return b"{}"
    try:
        if isinstance(payload, (bytes, bytearray, memoryview)):
            body = check_document(bytes(payload))
        else:
            body = to_document(payload)
    except PayloadError as error:
        problem = (
            "Could not parse request body into json"
            if isinstance(payload, (bytes, bytearray, memoryview))
            else "Could not encode the payload as JSON"
        )
        raise InvalidRequestContent(
            f"{problem}: {error} (function {function_name!r})", function_name=function_name
        ) from None
    if len(body) > MAX_SYNC_REQUEST_BYTES:
        within_sync_limit(body, function_name)
    return body


def within_sync_limit(body: bytes, function_name: str) -> bytes:
    """`body`, if it fits the synchronous payload limit; else Lambda's `RequestTooLarge`."""
    if len(body) > MAX_SYNC_REQUEST_BYTES:
        raise RequestTooLarge(
            f"Request must be smaller than {MAX_SYNC_REQUEST_BYTES} bytes for the "
            f"InvokeFunction operation (function {function_name!r}: {len(body):,} bytes)",
            function_name=function_name,
        )
    return body


# A private generator, seeded from the OS: request ids stay unique even if a handler seeds the
# global `random`, and cost a fraction of uuid.uuid4(), which reads the OS every time.
_ids = random.Random(os.urandom(32))
if hasattr(os, "register_at_fork"):  # a forked child must not repeat its parent's ids
    os.register_at_fork(after_in_child=lambda: _ids.seed(os.urandom(32)))
_VERSION_4 = (0x4 << 76) | (0x2 << 62)
_VERSION_MASK = ~((0xF << 76) | (0x3 << 62))


def new_request_number() -> int:
    """A random version 4 UUID as a number. Most invocations never show their request id, so
    the invoke path carries the number and writes it out only when it is read."""
    return (_ids.getrandbits(128) & _VERSION_MASK) | _VERSION_4


def request_id_text(number: int) -> str:
    """The canonical form of a request id, as Lambda's are: 8-4-4-4-12 hex digits."""
    text = f"{number:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def new_request_id() -> str:
    """A random (version 4) UUID in its canonical form."""
    return request_id_text(new_request_number())


class InvocationResult:
    """What `App.invoke` answers, with the fields of Lambda's Invoke response and REPORT line.

    `payload` is decoded from the response bytes on first access (the caller's own copy);
    `raw_payload` holds the bytes. `log_result` is the last 4 KB of the invocation's log,
    base64-encoded as Lambda returns it, when `log_type="Tail"` was asked for; `log_tail` is the
    same text decoded.
    """

    __slots__ = (
        "_payload",
        "_request_id",
        "billed_duration_ms",
        "cold_start",
        "durable_execution_arn",
        "duration_ms",
        "executed_version",
        "function_error",
        "function_name",
        "init_duration_ms",
        "log_result",
        "memory_size_mb",
        "raw_payload",
        "status_code",
    )

    _UNSET: Any = object()

    def __init__(  # the invoke path passes these by position: it is a little faster
        self,
        function_name: str,
        status_code: int,
        request_id: str | int,
        raw_payload: bytes | None = None,
        function_error: str | None = None,
        executed_version: str | None = "$LATEST",
        duration_ms: float = 0.0,
        billed_duration_ms: int = 0,
        init_duration_ms: float | None = None,
        memory_size_mb: int = 128,
        cold_start: bool = False,
        log_result: str | None = None,
    ) -> None:
        self.function_name = function_name
        self.status_code = status_code
        self._request_id = request_id  # or its number, written out when first read
        self.raw_payload = raw_payload
        self.function_error = function_error
        self.executed_version = executed_version
        self.duration_ms = duration_ms
        self.billed_duration_ms = billed_duration_ms
        self.init_duration_ms = init_duration_ms
        self.memory_size_mb = memory_size_mb
        self.cold_start = cold_start
        self.log_result = log_result
        self.durable_execution_arn: str | None = None
        """The durable execution an invoke of a durable function started (or found)."""
        self._payload = self._UNSET

    @property
    def request_id(self) -> str:
        """The invocation's request id (`context.aws_request_id` in the handler)."""
        value = self._request_id
        if isinstance(value, int):
            value = self._request_id = request_id_text(value)
        return value

    @property
    def payload(self) -> Any:
        """The response decoded from JSON: the handler's return value, or Lambda's error object
        (the raw bytes when a handler returned bytes that are not JSON)."""
        if self._payload is self._UNSET:
            self._payload = None if self.raw_payload is None else decode_response(self.raw_payload)
        return self._payload

    @property
    def log_tail(self) -> str | None:
        """`log_result` decoded: the tail of the invocation's log as text."""
        if self.log_result is None:
            return None
        return base64.b64decode(self.log_result).decode("utf-8", errors="replace")

    def __repr__(self) -> str:
        error = f", function_error={self.function_error!r}" if self.function_error else ""
        return (
            f"InvocationResult(function_name={self.function_name!r}, "
            f"status_code={self.status_code}{error}, request_id={self.request_id!r}, "
            f"duration_ms={self.duration_ms:.2f}, billed_duration_ms={self.billed_duration_ms}, "
            f"cold_start={self.cold_start})"
        )
