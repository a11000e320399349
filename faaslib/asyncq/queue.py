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

Where the events wait is the store's (`store.EventStore`): in memory, or in a SQLite file or on
Redis where they outlive the process, resuming after a restart (or in another process) with
their attempt counts and their age measured from their first acceptance.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc

from faaslib._signal import Signal, at_most
from faaslib.asyncq.records import (
    FUNCTION_ERROR_RETRY_DELAYS,
    MAX_ASYNC_REQUEST_BYTES,
    THROTTLE_RETRY_MAX_DELAY,
    PendingEvent,
    UndeliveredRecord,
    dead_letter_attributes,
    extra_requests,
    invocation_record,
    throttle_result,
)
from faaslib.asyncq.store import EventStore, QueuedEvent
from faaslib.clock import Clock
from faaslib.config import Destination
from faaslib.errors import RequestTooLarge, ServiceError, TooManyRequests
from faaslib.invoke import request_id_text
from faaslib.payloads import decode_accepted

if TYPE_CHECKING:
    from faaslib.executor import Function, Runner

__all__ = ["EventQueue"]

logger = logging.getLogger("faaslib.events")


class EventQueue:
    """The app's queue of Event invocations, and the dispatcher that runs them."""

    def __init__(
        self,
        clock: Clock,
        runner: Runner,
        send: Callable[[str, Any, dict[str, str | int] | None], Awaitable[None]],
        limit: int,
        store: EventStore,
    ) -> None:
        self.clock = clock
        self.runner = runner
        self._send = send  # to a destination named by a string: a function, queue or topic
        self._limit = limit  # at most this many events running at once: the account's limit
        self._store = store
        self._wakeup = anyio.Event()  # for the dispatcher: something to run
        self._changed = Signal()  # for waiters
        self.undelivered: list[UndeliveredRecord] = []

    def __len__(self) -> int:
        return self._store.count()

    # -- intake -----------------------------------------------------------------------------

    def put(self, function: Function, payload: bytes, *, staged: bool = False) -> QueuedEvent:
        """Queue `payload` (an encoded JSON request) for an Event invocation of `function`:
        durable when this returns, or, `staged`, once `accepted` returns (an Invoke, whose
        answer waits for it) or with the process's next changes (a destination's event)."""
        if len(payload) > MAX_ASYNC_REQUEST_BYTES:
            raise RequestTooLarge(
                f"Request must be smaller than {MAX_ASYNC_REQUEST_BYTES} bytes for the "
                f"InvokeAsync operation (function {function.name!r}: {len(payload):,} bytes)",
                function_name=function.name,
            )
        store = self._store
        event = QueuedEvent(function, payload, store.time(), self.clock.now())
        if staged:
            store.stage(event)
        else:
            store.add(event)
        function.metrics.async_received += 1
        self._wakeup.set()
        return event

    def withdraw(self, event: QueuedEvent) -> bool:
        """Take back `event` (from `put`) unless it has been claimed; whether it was."""
        if not self._store.withdraw(event):
            return False
        event.function.metrics.async_received -= 1
        self._moved()
        return True

    async def accepted(self, event: QueuedEvent) -> None:
        """Return once `event` (from a staged `put`) is durable in the store: an Invoke
        answers 202 after it, so nothing acknowledged is lost."""
        await self._store.accepted(event)

    def _moved(self) -> None:
        self._changed.set()
        self._wakeup.set()

    async def _until_moved(self) -> None:
        """Until an event here moves (or, on a shared store, a poll interval passes)."""
        with at_most(self._store.poll_interval):
            await self._changed.wait()

    # -- dispatch -----------------------------------------------------------------------------

    async def dispatch(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Run queued events as they fall due, until cancelled; an event whose attempt is
        cancelled goes back to the queue, as it was."""
        # A new event for this run: the last one may belong to an event loop that has ended.
        self._wakeup = anyio.Event()
        store = self._store
        try:
            async with anyio.create_task_group() as workers:
                # A shared store's exchange with other processes: beside the loop, so that the
                # loop, as in memory, never waits on the network (and a fake clock's time is
                # exact). Memory and SQLite have nothing to exchange: it returns at once.
                await workers.start(store.exchange, self._limit, self._room, self._moved)
                task_status.started()
                while True:
                    store.keep_alive()
                    for event in store.claim(self._limit - store.running()):
                        workers.start_soon(self._work, event)
                    if self._wakeup.is_set():
                        self._wakeup = anyio.Event()
                    await self._sleep(store.next_due())
        finally:  # after every attempt ended (a cancelled one went back to the store)
            with anyio.CancelScope(shield=True):
                await store.retire()

    async def _sleep(self, due: float | None) -> None:
        """Until woken, `due` passes on the store's time line, or the store's poll interval
        (events other processes added) passes."""
        with at_most(self._store.poll_interval):
            if due is None:
                await self._wakeup.wait()
                return
            with self.clock.timeout_scope(due - self._store.time()):
                await self._wakeup.wait()

    def _room(self) -> int:
        """How many more events this process could start now: below its limit and, in a fleet
        sharing the account's concurrency, within the share it holds (a claim beyond it would
        only be throttled, and wait here while another process had room)."""
        room = self._limit - self._store.running()
        fleet = self.runner.admission.fleet_room()
        return room if fleet is None else min(room, fleet)

    def _back_off(self, event: QueuedEvent) -> None:
        """Try `event` again after 1, 2, 4 ... seconds, at most 5 minutes apart (its age
        still ends it)."""
        event.throttles += 1
        self._store.retry(event, min(THROTTLE_RETRY_MAX_DELAY, 2.0 ** (event.throttles - 1)))

    def _next_ready(self) -> QueuedEvent | None:
        """The next ready event, now running, if the limit leaves room for one."""
        store = self._store
        return None if store.running() >= self._limit else store.claim_one()

    async def _work(self, event: QueuedEvent | None) -> None:
        """Attempt `event`, then whatever else is ready: a backlog costs no task per event."""
        while event is not None:
            await self._attempt(event)
            event = self._next_ready()

    async def _attempt(self, event: QueuedEvent) -> None:
        function = event.function
        config = function.config
        store = self._store
        ended: str | None = None
        settled = False  # ended or rescheduled: not to go back to the queue
        if event.adopted:  # accepted elsewhere: received here, for this process's metrics
            event.adopted = False
            function.metrics.async_adopted += 1
        try:
            age = store.time() - event.received
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
                        event.last = throttle_result(function, event, throttle)
                        ended = "RetriesExhausted"
                    else:
                        self._back_off(event)
                except ServiceError:  # Lambda's own failure: tried again, backing off alike
                    self._back_off(event)
                else:
                    event.attempts += 1
                    event.last = result
                    extra = extra_requests(len(event.payload))
                    if extra:
                        function.ledger.requests += extra
                    if result.function_error is None:
                        ended = "Success"
                    elif event.attempts <= config.maximum_retry_attempts:
                        function.metrics.async_retries += 1
                        store.retry(event, FUNCTION_ERROR_RETRY_DELAYS[event.attempts - 1])
                    else:
                        ended = "RetriesExhausted"
            settled = True
            if ended is not None:
                await self._end(event, ended)
        finally:
            if not settled:  # cancelled mid-attempt (the app is stopping): back in the queue
                store.release(event)
            elif ended is not None:  # after its records went out: a crash before re-runs it
                store.finish(event)
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
                attributes = dead_letter_attributes(event)
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
        while not self._store.empty():
            await self._until_moved()

    async def wait_settled(self) -> None:
        """Wait until no event is ready to run or running; those waiting to retry may stay."""
        while not self._store.settled():
            await self._until_moved()

    def pending(self) -> list[PendingEvent]:
        now = self._store.time()
        return [
            PendingEvent(
                request_id=request_id_text(event.request_number),
                function_name=event.function.name,
                payload=decode_accepted(event.payload),
                attempts=event.attempts,
                age_seconds=now - event.received,
            )
            for event in self._store.listing()
        ]
