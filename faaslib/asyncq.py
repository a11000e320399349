"""Event invocations: Lambda's asynchronous queue, retries, maximum age and destinations.

An Event invocation answers 202 at once; its event waits in the app's queue as a plain record
(no task, no thread) until a dispatcher runs it under the same concurrency rules as a synchronous
invoke. As on Lambda:

- a function error (a raised exception, a timeout, an exit) is retried `maximum_retry_attempts`
  times, one minute after the first attempt and two minutes after the second;
- a throttle returns the event to the queue, to be tried again after 1 s, 2 s, 4 s ... at most
  5 minutes apart, for as long as the event is younger than `maximum_event_age`;
- an event older than its maximum age is dropped (`EventAgeExceeded`), one that failed every
  attempt too (`RetriesExhausted`): both go to `on_failure` (and the original event to
  `dead_letter`), a success to `on_success`, as Lambda's invocation records.

Every received event ends in exactly one of succeeded, retries exhausted, age exceeded, or is still
pending (`app.pending_events()`); a destination that fails keeps its record in
`app.undelivered()`. Nothing is lost silently.
"""

from __future__ import annotations

import heapq
import inspect
import itertools
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import msgspec

from faaslib._signal import Signal
from faaslib.clock import Clock
from faaslib.config import Destination
from faaslib.errors import RequestTooLarge, ServiceError, TooManyRequests
from faaslib.invoke import (
    InvocationResult,
    new_request_number,
    request_id_text,
)
from faaslib.logs import iso_timestamp
from faaslib.payloads import decode_accepted, encodable, encode_json

if TYPE_CHECKING:
    from faaslib.executor import Function, Runner

__all__ = ["MAX_ASYNC_REQUEST_BYTES", "EventQueue", "PendingEvent", "UndeliveredRecord"]

# Lambda's asynchronous payload limit: 1 MB since 2025 (256 KB before).
MAX_ASYNC_REQUEST_BYTES = 1024 * 1024
# An async event over 256 KB is billed one more request per 64 KB started (Lambda's pricing).
_FREE_ASYNC_BYTES = 256 * 1024
_ASYNC_CHUNK_BYTES = 64 * 1024
FUNCTION_ERROR_RETRY_DELAYS = (60.0, 120.0)  # before the second and the third attempt
THROTTLE_RETRY_MAX_DELAY = 300.0
logger = logging.getLogger("faaslib.events")


class QueuedEvent:
    """One accepted event: a record of plain fields, about 300 bytes beside its payload."""

    __slots__ = (
        "attempts",
        "function",
        "last",
        "payload",
        "received",
        "received_at",
        "request_number",
        "throttles",
    )

    def __init__(self, function: Function, payload: bytes, received: float, now: float) -> None:
        self.function = function
        self.payload = payload
        self.request_number = new_request_number()
        self.received = received  # on the clock's monotonic time, for its age
        self.received_at = now  # wall time, for records
        self.attempts = 0  # invocations that ran (throttles do not count)
        self.throttles = 0
        self.last: InvocationResult | None = None


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


class EventQueue:
    """The app's queue of Event invocations, and the dispatcher that runs them."""

    def __init__(
        self,
        clock: Clock,
        runner: Runner,
        send: Callable[[str, Any, dict[str, str | int] | None], Awaitable[None]],
        limit: int,
    ) -> None:
        self.clock = clock
        self.runner = runner
        self._send = send  # to a destination named by a string: a function, queue or topic
        self._limit = limit  # at most this many events running at once: the account's limit
        self._ready: deque[QueuedEvent] = deque()
        self._waiting: list[tuple[float, int, QueuedEvent]] = []  # (due, sequence, event)
        self._sequence = itertools.count()
        self._running: set[QueuedEvent] = set()
        self._wakeup = anyio.Event()  # for the dispatcher: something to run
        self._changed = Signal()  # for waiters
        self.undelivered: list[UndeliveredRecord] = []

    def __len__(self) -> int:
        return len(self._ready) + len(self._waiting) + len(self._running)

    # -- intake -----------------------------------------------------------------------------

    def put(self, function: Function, payload: bytes) -> QueuedEvent:
        """Queue `payload` (an encoded JSON request) for an Event invocation of `function`."""
        if len(payload) > MAX_ASYNC_REQUEST_BYTES:
            raise RequestTooLarge(
                f"Request must be smaller than {MAX_ASYNC_REQUEST_BYTES} bytes for the "
                f"InvokeAsync operation (function {function.name!r}: {len(payload):,} bytes)",
                function_name=function.name,
            )
        event = QueuedEvent(function, payload, self.clock.monotonic(), self.clock.now())
        function.metrics.async_received += 1
        self._ready.append(event)
        self._wakeup.set()
        return event

    def _moved(self) -> None:
        self._changed.set()
        self._wakeup.set()

    async def _until_moved(self) -> None:
        await self._changed.wait()

    # -- dispatch -----------------------------------------------------------------------------

    async def dispatch(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Run queued events as they fall due, until cancelled; an event whose attempt is
        cancelled goes back to the queue, as it was."""
        # A new event for this run: the last one may belong to an event loop that has ended.
        self._wakeup = anyio.Event()
        async with anyio.create_task_group() as workers:
            task_status.started()
            while True:
                self._promote_due()
                while (event := self._next_ready()) is not None:
                    workers.start_soon(self._work, event)
                if self._wakeup.is_set():
                    self._wakeup = anyio.Event()
                if not self._waiting:
                    await self._wakeup.wait()
                    continue
                with self.clock.timeout_scope(self._waiting[0][0] - self.clock.monotonic()):
                    await self._wakeup.wait()

    def _promote_due(self) -> None:
        now = self.clock.monotonic()
        waiting = self._waiting
        while waiting and waiting[0][0] <= now:
            self._ready.append(heapq.heappop(waiting)[2])

    def _retry_later(self, event: QueuedEvent, delay: float) -> None:
        due = self.clock.monotonic() + delay
        heapq.heappush(self._waiting, (due, next(self._sequence), event))

    def _back_off(self, event: QueuedEvent) -> None:
        """Try `event` again after 1, 2, 4 ... seconds, at most 5 minutes apart (its age
        still ends it)."""
        event.throttles += 1
        self._retry_later(event, min(THROTTLE_RETRY_MAX_DELAY, 2.0 ** (event.throttles - 1)))

    def _next_ready(self) -> QueuedEvent | None:
        """The next ready event, now running, if the limit leaves room for one."""
        if not self._ready or len(self._running) >= self._limit:
            return None
        event = self._ready.popleft()
        self._running.add(event)
        return event

    async def _work(self, event: QueuedEvent | None) -> None:
        """Attempt `event`, then whatever else is ready: a backlog costs no task per event."""
        while event is not None:
            await self._attempt(event)
            event = self._next_ready()

    async def _attempt(self, event: QueuedEvent) -> None:
        function = event.function
        config = function.config
        ended: str | None = None
        settled = False  # ended or rescheduled: not to go back to the queue
        try:
            age = self.clock.monotonic() - event.received
            if age > config.maximum_event_age:
                ended = "EventAgeExceeded"
            else:
                function.metrics.async_age.record(age * 1000.0)
                try:
                    result = await self.runner.run(
                        function, event.payload, function.arn, None, False, event.request_number
                    )
                except TooManyRequests as throttle:
                    if function.slots.reserved == 0:  # Lambda sends these on without retrying
                        event.last = _throttle_result(function, event, throttle)
                        ended = "RetriesExhausted"
                    else:
                        self._back_off(event)
                except ServiceError:  # Lambda's own failure: tried again, backing off alike
                    self._back_off(event)
                else:
                    event.attempts += 1
                    event.last = result
                    extra = _extra_requests(len(event.payload))
                    if extra:
                        function.ledger.requests += extra
                    if result.function_error is None:
                        ended = "Success"
                    elif event.attempts <= config.maximum_retry_attempts:
                        function.metrics.async_retries += 1
                        self._retry_later(event, FUNCTION_ERROR_RETRY_DELAYS[event.attempts - 1])
                    else:
                        ended = "RetriesExhausted"
            settled = True
            if ended is not None:
                await self._end(event, ended)
        finally:
            self._running.discard(event)
            if not settled:  # cancelled mid-attempt (the app is stopping): back in the queue
                self._ready.appendleft(event)
            self._moved()

    # -- outcomes -----------------------------------------------------------------------------

    async def _end(self, event: QueuedEvent, condition: str) -> None:
        function = event.function
        config = function.config
        metrics = function.metrics
        if condition == "Success":
            metrics.async_succeeded += 1
            target: Destination | None = config.on_success
            kind = "on_success"
        else:
            if condition == "EventAgeExceeded":
                metrics.async_expired += 1
            else:
                metrics.async_failed += 1
            target = config.on_failure
            kind = "on_failure"
            if config.dead_letter is not None:
                original = decode_accepted(event.payload)
                attributes = _dead_letter_attributes(event)
                if not await self._deliver(
                    event, "dead_letter", config.dead_letter, original, attributes
                ):
                    metrics.dead_letter_errors += 1
        if target is None:
            return
        record = invocation_record(event, condition, self.clock.now())
        if not await self._deliver(event, kind, target, record):
            metrics.destination_delivery_failures += 1

    async def _deliver(
        self,
        event: QueuedEvent,
        kind: str,
        target: Destination,
        message: Any,
        attributes: dict[str, str | int] | None = None,
    ) -> bool:
        """Hand `message` to `target`; on failure keep it in `undelivered`."""
        try:
            if isinstance(target, str):
                await self._send(target, message, attributes)
            else:
                answer = target(message)
                if inspect.isawaitable(answer):
                    await answer
        except Exception as error:
            shown = target if isinstance(target, str) else getattr(target, "__name__", repr(target))
            logger.warning(
                "function %r: %s destination %s failed: %s: %s",
                event.function.name,
                kind,
                shown,
                type(error).__name__,
                error,
            )
            self.undelivered.append(
                UndeliveredRecord(
                    function_name=event.function.name,
                    destination=kind,
                    target=str(shown),
                    message=message,
                    error=f"{type(error).__name__}: {error}",
                )
            )
            return False
        return True

    # -- waiting and shutting down --------------------------------------------------------------

    async def wait_idle(self) -> None:
        """Wait until no event is queued, waiting to retry or running."""
        while len(self):
            await self._until_moved()

    async def wait_settled(self) -> None:
        """Wait until no event is ready to run or running; those waiting to retry may stay."""
        while self._ready or self._running:
            await self._until_moved()

    def pending(self) -> list[PendingEvent]:
        now = self.clock.monotonic()
        events = [*self._running, *self._ready, *(entry[2] for entry in sorted(self._waiting))]
        return [
            PendingEvent(
                request_id=request_id_text(event.request_number),
                function_name=event.function.name,
                payload=decode_accepted(event.payload),
                attempts=event.attempts,
                age_seconds=now - event.received,
            )
            for event in events
        ]


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


def _dead_letter_attributes(event: QueuedEvent) -> dict[str, str | int]:
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


def _throttle_result(function: Function, event: QueuedEvent, throttle: TooManyRequests) -> Any:
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


def _extra_requests(size: int) -> int:
    if size <= _FREE_ASYNC_BYTES:
        return 0
    return math.ceil((size - _FREE_ASYNC_BYTES) / _ASYNC_CHUNK_BYTES)
