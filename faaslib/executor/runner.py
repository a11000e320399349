"""Runs one synchronous invocation, start to finish, the way Lambda does.

admission → an instance (warm, or cold with its init timed) → the handler under its deadline
(async on the loop, sync in a worker thread) → the response or error in Lambda's shape → the
START/END/REPORT lines. Whatever the handler does (raise, hang, exit, get cancelled) is contained
here and reported in Lambda's shape; only the caller's own cancellation passes through.
"""

from __future__ import annotations

import threading
import time
from contextlib import AbstractContextManager
from functools import partial
from types import CoroutineType
from typing import Any

import anyio
import anyio.lowlevel

from faaslib.billing.costs import Budget
from faaslib.clock import Clock, SystemClock
from faaslib.context import ClientContext, Context
from faaslib.errors import BudgetExceeded, ServiceError, TooManyRequests
from faaslib.executor.admission import Admission, Slots
from faaslib.executor.deadlines import Deadlines
from faaslib.executor.function import Function
from faaslib.executor.handoff import Handoff, Slot
from faaslib.executor.instances import Instance
from faaslib.executor.outcomes import (
    Outcome,
    caller_is_cancelled,
    handler_error,
    respond,
    scaling_throttle,
    thread_error,
    timeout_error,
)
from faaslib.executor.process_runner import run_in_process, start_instance
from faaslib.executor.record import (
    INFO,
    VERSION,
    billed_ms,
    log_stream_name,
    platform_line,
    record,
)
from faaslib.executor.stopper import Cancelled, TaskStopper, resume
from faaslib.executor.threads import WorkerUnavailable, run_in_worker
from faaslib.executor.variables import InvocationVariables, install, running
from faaslib.invoke import InvocationResult, new_request_id, new_request_number, request_id_text
from faaslib.logs import LogCapture, start_line
from faaslib.marshal import plain_error
from faaslib.payloads import decode_accepted, encode_json

__all__ = ["INIT_TIMEOUT_SECONDS", "DecodedEvent", "Runner"]

INIT_TIMEOUT_SECONDS = 10.0
PROVISIONED_INIT_TIMEOUT_SECONDS = 130.0
# A handler that never waits finishes without the invoke ever giving the event loop a turn: a
# caller invoking back to back would starve the app's own tasks (on Redis, the renewal of its
# concurrency lease, which then lapses). The invoke yields once per this much real time.
YIELD_EVERY = 0.01


class DecodedEvent:
    """An event handed over as its value rather than as JSON (the HTTP front door's), which
    spares it a round trip through JSON: whoever makes one gives it a value of JSON's types
    only (no tuples, no NaN), made for this invocation alone (nothing shared with another), and
    has held its JSON to the synchronous payload limit. A process instance gets it encoded."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


# The slot of an invocation no worker thread can come to own (an async handler on a warm
# instance): never handed off, so one object serves them all.
_UNSHARED = Slot()


class Runner:
    """Runs invocations of an app's functions under the account's concurrency."""

    def __init__(self, clock: Clock, admission: Admission) -> None:
        self.clock = clock
        # The clock's monotonic(), read three times per invocation: the system clock's is
        # time.monotonic itself, without a method call around it.
        self._real_time = type(clock) is SystemClock
        self._monotonic = time.monotonic if self._real_time else clock.monotonic
        self.admission = admission
        self.abandoned_threads = 0
        self.deadlines = Deadlines()
        self.budget: Budget | None = None
        self.platform_logs = False  # App(platform_logs=...): START/END/REPORT to logging
        self._yielded = time.monotonic()  # when an invoke last gave the event loop a turn
        self._lock = threading.Lock()
        install()  # handlers see Lambda's variables in os.environ

    async def run(
        self,
        function: Function,
        request: bytes | DecodedEvent,
        invoked_arn: str,
        client_context: ClientContext | None,
        tail: bool,
        request_number: int | None = None,
    ) -> InvocationResult:
        """Invoke `function` with the encoded `request` (or its value), under every limit; raises
        `TooManyRequests` at once if it may not run now. `request_number` keeps an Event
        invocation's request id the same across its attempts."""
        budget = self.budget
        if budget is not None and budget.crossed and budget.throttles:
            function.metrics.throttles += 1
            raise BudgetExceeded(
                f"function {function.name!r}: the app's budget of ${budget.limit} is spent "
                f"(${budget.spent:.6f} so far), so invocations are throttled "
                "(App(throttle_over_budget=True))",
                reason="BudgetExceeded",
                function_name=function.name,
            )
        try:
            self.admission.acquire(function.slots, function.name)
        except TooManyRequests:
            function.metrics.throttles += 1
            raise
        slot = _UNSHARED  # a fresh Slot only where a worker thread could come to own it
        capture = None
        try:
            clock = self.clock
            monotonic = self._monotonic
            start = monotonic()  # of the handler, unless an init comes first
            instance = function.instances.take(start)
            if instance is None and not function.may_scale_up(start):
                function.metrics.throttles += 1
                raise scaling_throttle(function)
            if request_number is None:
                request_number = new_request_number()
            logging_on = self.platform_logs and function.logger.isEnabledFor(INFO)
            if tail or logging_on:
                request_id = request_id_text(request_number)
                if tail:
                    capture = LogCapture(request_id, clock)
                    capture.__enter__()
                platform_line(function, capture, logging_on, start_line(request_id, VERSION))

            init_duration_ms = None
            if instance is None:
                slot = Slot()
                instance, init_duration_ms, init_error = await self._create(
                    function, request_id_text(request_number), slot, capture
                )
                if init_error is not None:
                    error, body, _ = respond((init_error, None, False), request_number)
                    return record(
                        function,
                        request_number,
                        capture,
                        logging_on,
                        error,
                        body,
                        0.0,
                        init_duration_ms,
                        False,
                        False,
                        self.budget,
                        clock,
                        error_logged=function.process is not None,  # by the runtime, in its log
                    )
                assert instance is not None
                start = clock.monotonic()

            if function.process is not None:  # the one place the kind of instance matters
                return await run_in_process(
                    self,
                    function,
                    instance,
                    encode_json(request.value) if isinstance(request, DecodedEvent) else request,
                    request_number,
                    client_context,
                    start,
                    capture,
                    logging_on,
                    init_duration_ms,
                )
            context = Context(
                function.name,
                VERSION,
                invoked_arn,
                function.memory_text,
                request_number,
                function.log_group_name,
                instance.log_stream_name,
                clock,
                start + function.timeout,
                client_context,
            )
            event = request.value if isinstance(request, DecodedEvent) else decode_accepted(request)
            finished = False
            variables = running.set(instance.variables.begin(request_number))
            try:
                if function.handler.is_async:
                    outcome, timed_out = await self._call_async(
                        function, instance, event, context, start
                    )
                else:
                    if slot is _UNSHARED:
                        slot = Slot()
                    outcome, timed_out = await self._call_sync(
                        function, instance, event, context, start, slot
                    )
                finished = True
            finally:
                running.reset(variables)
                if not finished:  # the caller was cancelled: the instance's state is unknown
                    function.instances.discard(instance)
            end = monotonic()
            duration_ms = (end - start) * 1000.0
            error, body, keep = respond(outcome, request_number)
            if keep:
                instance.invocations += 1
                function.instances.put_back(instance, end)
            else:
                function.instances.discard(instance)
            result = record(
                function,
                request_number,
                capture,
                logging_on,
                error,
                body,
                duration_ms,
                init_duration_ms,
                timed_out,
                instance.is_provisioned,
                self.budget,
                clock,
            )
            now = end if self._real_time else time.monotonic()
            if now - self._yielded >= YIELD_EVERY:  # recorded: a cancellation cannot lose it
                self._yielded = now
                await anyio.lowlevel.cancel_shielded_checkpoint()
            return result
        except WorkerUnavailable as error:
            function.metrics.service_errors += 1
            raise ServiceError(
                f"function {function.name!r}: the invocation could not run: {error}",
                function_name=function.name,
            ) from None
        finally:
            if capture is not None:
                capture.__exit__(None, None, None)
            if not slot.handed_off:
                self.admission.release(function.slots)

    async def _call_async(
        self, function: Function, instance: Instance, event: Any, context: Context, start: float
    ) -> tuple[Outcome, bool]:
        timeout = function.timeout
        deadlines = self.deadlines
        outcome: Outcome | None = None
        if deadlines.native:  # asyncio: the deadline cancels the task itself, no scope
            stopper: TaskStopper | None = None  # made at the handler's first wait, if any
            try:
                awaitable = instance.handler(event, context)
                if type(awaitable) is CoroutineType:  # its first step, unwatched (stopper.py)
                    try:
                        waits_on = awaitable.send(None)
                    except StopIteration as done:
                        value = done.value
                    else:
                        stopper = TaskStopper(deadlines, timeout, start + timeout)
                        value = await resume(awaitable, waits_on)
                else:
                    stopper = TaskStopper(deadlines, timeout, start + timeout)
                    value = await awaitable
                outcome = None, value, True
            except Exception as error:
                outcome = handler_error(error, context.aws_request_id, True)
            except Cancelled as error:
                if stopper is not None and stopper.fired:
                    if not stopper.settle():
                        raise  # the caller was cancelled too
                elif await caller_is_cancelled():
                    raise
                else:  # the handler raised a cancellation nobody asked for: its crash
                    outcome = handler_error(error, context.aws_request_id, False)
            except BaseException as error:  # SystemExit, KeyboardInterrupt, GeneratorExit
                outcome = thread_error(error, context.aws_request_id)
            finally:
                # A handler that swallowed its cancellation leaves it pending: taken back here.
                if stopper is not None:
                    stopper.settle()
            timed_out = stopper is not None and stopper.fired
        else:
            timer, scope_key = self.deadline_scope(timeout, start)
            try:
                with timer as scope:
                    outcome = await self._await_handler(instance, event, context, scope)
            finally:
                if scope_key is not None:
                    deadlines.remove(timeout, scope_key)
            timed_out = scope.cancel_called
        # Lambda's deadline is hard: a handler that swallowed its cancellation, or computed
        # past its deadline without ever yielding to the timer, has still timed out.
        if outcome is None or timed_out or self._monotonic() - start >= timeout:
            return timeout_error(function, context.aws_request_id), True
        return outcome, False

    @staticmethod
    async def _await_handler(
        instance: Instance, event: Any, context: Context, scope: anyio.CancelScope
    ) -> Outcome:
        """The handler's outcome; only a cancellation from its deadline or its caller passes."""
        try:
            return None, await instance.handler(event, context), True
        except Exception as error:
            return handler_error(error, context.aws_request_id, True)
        except anyio.get_cancelled_exc_class() as error:
            if scope.cancel_called or await caller_is_cancelled():
                raise
            # The handler raised a cancellation nobody asked for: a crash of the handler.
            return handler_error(error, context.aws_request_id, False)
        except BaseException as error:  # SystemExit, KeyboardInterrupt, GeneratorExit
            # As from a sync handler's thread: the runtime process would be gone, so the
            # instance is; the host is not.
            return thread_error(error, context.aws_request_id)

    def deadline_scope(
        self, timeout: float, start: float
    ) -> tuple[AbstractContextManager[anyio.CancelScope], int | None]:
        """A cancel scope that ends `timeout` seconds after `start`, and its key on the app's
        shared timer, which holds the deadline while the app runs on the real clock (otherwise
        the clock arms a timer of its own). The caller removes the key when the scope exits."""
        deadlines = self.deadlines
        if deadlines.running:
            scope = deadlines.scope_class()
            return scope, deadlines.add(timeout, start + timeout, scope)
        return self.clock.timeout_scope(timeout - (self.clock.monotonic() - start)), None

    async def _call_sync(
        self,
        function: Function,
        instance: Instance,
        event: Any,
        context: Context,
        start: float,
        slot: Slot,
    ) -> tuple[Outcome, bool]:
        handoff = Handoff(self._lock, partial(self._release_abandoned, function.slots))
        result: tuple[bool, Any] | None = None
        timer, key = self.deadline_scope(function.timeout, start)
        try:
            with timer:
                result = await run_in_worker(handoff.run, instance.handler, event, context)
        finally:
            if key is not None:
                self.deadlines.remove(function.timeout, key)
            if result is None:
                self._abandon(handoff, slot)
        if result is None:
            return timeout_error(function, context.aws_request_id), True
        succeeded, value = result
        if succeeded:
            return (None, value, True), False
        return thread_error(value, context.aws_request_id), False

    async def provision(self, function: Function) -> bool:
        """Make one provisioned instance, outside any invocation; False if its init failed."""
        request_id = new_request_id()
        try:
            instance, init_ms, error = await self._create(function, request_id, None)
        except WorkerUnavailable as failure:
            function.metrics.service_errors += 1
            function.logger.error("provisioned instance of %r not made: %s", function.name, failure)
            return False
        if init_ms > 0:  # billed whether or not the instance ever serves a request
            function.ledger.record_provisioned_init(billed_ms(init_ms))
        if error is not None:
            function.logger.error(
                "provisioned instance of function %r failed to initialize: %s: %s",
                function.name,
                error.get("errorType"),
                error.get("errorMessage"),
            )
            return False
        assert instance is not None
        function.instances.put_back(instance, self.clock.monotonic())
        return True

    async def _create(
        self,
        function: Function,
        request_id: str,
        slot: Slot | None,
        capture: LogCapture | None = None,
    ) -> tuple[Instance | None, float, dict[str, Any] | None]:
        """A new instance: on demand (a cold start, for the invocation holding `slot`), or
        provisioned (`slot` is None), with its init timed and limited.

        On demand, init is limited to 10 seconds, as on Lambda; provisioned init may take up to
        130 seconds or the function's timeout, whichever is longer. Returns the instance (None
        if init failed), the init duration in ms and the init error.
        """
        clock = self.clock
        log_stream = log_stream_name(clock.now())
        spec = function.handler
        is_provisioned = slot is None
        function.instances.add(is_provisioned)
        start = clock.monotonic()
        variables = InvocationVariables(
            function.variables, log_stream, is_provisioned, None, clock, function.aws_route
        )
        if function.process is not None:
            limit = INIT_TIMEOUT_SECONDS
            if is_provisioned:
                limit = max(PROVISIONED_INIT_TIMEOUT_SECONDS, function.timeout)
            return await start_instance(
                function,
                function.process,
                log_stream,
                is_provisioned,
                variables,
                request_id,
                capture,
                limit,
                self,
            )
        if not spec.is_class:
            instance = Instance(spec.bind(spec.target), log_stream, is_provisioned, variables)
            return instance, (clock.monotonic() - start) * 1000.0, None
        if slot is None:
            limit = max(PROVISIONED_INIT_TIMEOUT_SECONDS, function.timeout)
            handoff = Handoff(self._lock, self._thread_returned)
        else:
            limit = INIT_TIMEOUT_SECONDS
            handoff = Handoff(self._lock, partial(self._release_abandoned, function.slots))
        result: tuple[bool, Any] | None = None
        token = running.set(variables)  # init sees its function's variables, no trace id
        try:
            with clock.timeout_scope(limit):
                result = await run_in_worker(handoff.run, spec.target)
        finally:
            running.reset(token)
            if result is None:
                self._abandon(handoff, slot)
            if result is None or not result[0]:
                function.instances.discard(None, is_provisioned)
        init_ms = (clock.monotonic() - start) * 1000.0
        if result is None:
            error = plain_error(
                "Runtime.InitTimeout",
                f"RequestId: {request_id} Error: Init phase timed out after {limit:.2f} seconds",
            )
            return None, init_ms, error
        succeeded, value = result
        if not succeeded:
            return None, init_ms, thread_error(value, request_id)[0]
        return Instance(spec.bind(value), log_stream, is_provisioned, variables), init_ms, None

    def _abandon(self, handoff: Handoff, slot: Slot | None) -> None:
        """Stop waiting for a worker thread; if it still runs, it gives the slot back later."""
        with self._lock:
            self.abandoned_threads += 1
        if handoff.abandon():
            if slot is not None:
                slot.handed_off = True
        else:
            with self._lock:
                self.abandoned_threads -= 1

    def _release_abandoned(self, slots: Slots) -> None:
        self._thread_returned()
        self.admission.release(slots)

    def _thread_returned(self) -> None:
        with self._lock:
            self.abandoned_threads -= 1
