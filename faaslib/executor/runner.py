"""Runs one synchronous invocation, start to finish, the way Lambda does.

admission → an instance (warm, or cold with its init timed) → the handler under its deadline
(async on the loop, sync in a worker thread) → the response or error in Lambda's shape → the
START/END/REPORT lines. Whatever the handler does (raise, hang, exit, get cancelled) is contained
here and reported in Lambda's shape; only the caller's own cancellation passes through.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import partial
from typing import Any

import anyio
import anyio.lowlevel

from faaslib.billing.costs import Budget
from faaslib.clock import Clock
from faaslib.context import ClientContext, Context
from faaslib.errors import BudgetExceeded, ServiceError, TooManyRequests
from faaslib.executor.admission import Admission, Slots
from faaslib.executor.deadlines import Deadlines
from faaslib.executor.function import Function
from faaslib.executor.instances import Instance
from faaslib.executor.threads import WorkerUnavailable, run_in_worker
from faaslib.invoke import (
    MAX_LOG_RESULT_BYTES,
    MAX_SYNC_RESPONSE_BYTES,
    InvocationResult,
    new_request_id,
    new_request_number,
    request_id_text,
)
from faaslib.logs import LogCapture, end_line, report_line, start_line, timeout_line
from faaslib.marshal import (
    MarshalError,
    encode_error,
    error_payload,
    marshal_response,
    plain_error,
)
from faaslib.payloads import decode_json

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

__all__ = ["INIT_TIMEOUT_SECONDS", "Runner"]

INIT_TIMEOUT_SECONDS = 10.0
PROVISIONED_INIT_TIMEOUT_SECONDS = 130.0
VERSION = "$LATEST"
INFO = 20  # logging.INFO and ERROR, without the attribute lookups
ERROR = 40

# (error payload or None, return value, whether the instance may serve again)
Outcome = tuple["dict[str, Any] | None", Any, bool]


class _Handoff:
    """Decides who gives the concurrency slot back when a sync handler runs in a thread.

    Normally the invocation does, after the thread returns. If the invocation stops waiting (its
    deadline passed, or its caller was cancelled) while the handler runs, the thread keeps the
    slot and gives it back when the handler finally returns. If it stops waiting before the
    handler started, the handler never starts and the invocation gives the slot back.
    """

    __slots__ = ("_abandoned", "_finished", "_lock", "_release", "_started")

    def __init__(self, lock: threading.Lock, release: Callable[[], None]) -> None:
        self._lock = lock
        self._release = release
        self._started = False
        self._finished = False
        self._abandoned = False

    def run(self, function: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        with self._lock:
            if self._abandoned:  # nobody waits for it any more: do not start
                return (False, None)
            self._started = True
        try:
            outcome: tuple[bool, Any] = (True, function(*args))
        except BaseException as error:  # contained: reported in Lambda's shape by the caller
            outcome = (False, error)
        with self._lock:
            self._finished = True
            abandoned = self._abandoned
        if abandoned:
            self._release()
        return outcome

    def abandon(self) -> bool:
        """Stop waiting for the thread; True if the thread now owns the slot."""
        with self._lock:
            self._abandoned = True
            return self._started and not self._finished


class _Slot:
    """The concurrency slot of one invocation; `handed_off` once a worker thread owns it."""

    __slots__ = ("handed_off",)

    def __init__(self) -> None:
        self.handed_off = False


class Runner:
    """Runs invocations of an app's functions under the account's concurrency."""

    def __init__(self, clock: Clock, admission: Admission) -> None:
        self.clock = clock
        self.admission = admission
        self.abandoned_threads = 0
        self.deadlines = Deadlines()
        self.budget: Budget | None = None
        self._lock = threading.Lock()

    async def run(
        self,
        function: Function,
        request: bytes,
        invoked_arn: str,
        client_context: ClientContext | None,
        tail: bool,
        request_number: int | None = None,
    ) -> InvocationResult:
        """Invoke `function` with the encoded `request`, under every limit; raises
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
        slot = _Slot()
        try:
            return await self._run(
                function, request, invoked_arn, client_context, tail, request_number, slot
            )
        except WorkerUnavailable as error:
            function.metrics.service_errors += 1
            raise ServiceError(
                f"function {function.name!r}: the invocation could not run: {error}",
                function_name=function.name,
            ) from None
        finally:
            if not slot.handed_off:
                self.admission.release(function.slots)

    async def _run(
        self,
        function: Function,
        request: bytes,
        invoked_arn: str,
        client_context: ClientContext | None,
        tail: bool,
        request_number: int | None,
        slot: _Slot,
    ) -> InvocationResult:
        capture = None
        try:
            clock = self.clock
            start = clock.monotonic()  # of the handler, unless an init comes first
            instance = function.instances.take(start)
            if instance is None and not function.may_scale_up(start):
                function.metrics.throttles += 1
                raise _scaling_throttle(function)
            if request_number is None:
                request_number = new_request_number()
            logging_on = function.logger.isEnabledFor(INFO)
            if tail or logging_on:
                request_id = request_id_text(request_number)
                if tail:
                    capture = LogCapture(request_id, clock)
                    capture.__enter__()
                self._platform_line(function, capture, logging_on, start_line(request_id, VERSION))

            init_duration_ms = None
            if instance is None:
                instance, init_duration_ms, init_error = await self._create(
                    function, request_id_text(request_number), slot
                )
                if init_error is not None:
                    return self._finish(
                        function,
                        request_number,
                        capture,
                        logging_on,
                        (init_error, None, False),
                        0.0,
                        init_duration_ms,
                        timed_out=False,
                        on_provisioned=False,
                    )
                assert instance is not None
                start = clock.monotonic()

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
            event = decode_json(request)
            finished = False
            try:
                if function.handler.is_async:
                    outcome, timed_out = await self._call_async(
                        function, instance, event, context, start
                    )
                else:
                    outcome, timed_out = await self._call_sync(
                        function, instance, event, context, start, slot
                    )
                finished = True
            finally:
                if not finished:  # the caller was cancelled: the instance's state is unknown
                    function.instances.discard(instance)
            end = clock.monotonic()
            duration_ms = (end - start) * 1000.0
            if outcome[2]:
                instance.invocations += 1
                function.instances.put_back(instance, end)
            else:
                function.instances.discard(instance)
            return self._finish(
                function,
                request_number,
                capture,
                logging_on,
                outcome,
                duration_ms,
                init_duration_ms,
                timed_out,
                instance.is_provisioned,
            )
        finally:
            if capture is not None:
                capture.__exit__(None, None, None)

    async def _call_async(
        self, function: Function, instance: Instance, event: Any, context: Context, start: float
    ) -> tuple[Outcome, bool]:
        outcome: Outcome | None = None
        timeout = function.timeout
        timer, key = self._timer(timeout, start)
        try:
            with timer as scope:
                try:
                    outcome = (None, await instance.handler(event, context), True)
                except Exception as error:
                    outcome = (error_payload(error, context.aws_request_id), None, True)
                except anyio.get_cancelled_exc_class() as error:
                    if scope.cancel_called or await _caller_is_cancelled():
                        raise
                    # The handler raised a cancellation nobody asked for: a crash of the handler.
                    outcome = (error_payload(error, context.aws_request_id), None, False)
                except BaseException as error:  # SystemExit, KeyboardInterrupt, GeneratorExit
                    # As from a sync handler's thread: the runtime process would be gone, so the
                    # instance is; the host is not.
                    outcome = _thread_error(error, context.aws_request_id)
        finally:
            if key is not None:
                self.deadlines.remove(timeout, key)
        # Lambda's deadline is hard: a handler that swallowed its cancellation, or computed
        # past its deadline without ever yielding to the timer, has still timed out.
        if outcome is None or scope.cancel_called or self.clock.monotonic() - start >= timeout:
            return _timeout_error(function, context.aws_request_id), True
        return outcome, False

    def _timer(
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
        slot: _Slot,
    ) -> tuple[Outcome, bool]:
        handoff = _Handoff(self._lock, partial(self._release_abandoned, function.slots))
        result: tuple[bool, Any] | None = None
        timer, key = self._timer(function.timeout, start)
        try:
            with timer:
                result = await run_in_worker(handoff.run, instance.handler, event, context)
        finally:
            if key is not None:
                self.deadlines.remove(function.timeout, key)
            if result is None:
                self._abandon(handoff, slot)
        if result is None:
            return _timeout_error(function, context.aws_request_id), True
        succeeded, value = result
        if succeeded:
            return (None, value, True), False
        return _thread_error(value, context.aws_request_id), False

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
            function.ledger.record_provisioned_init(_billed_ms(init_ms))
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
        self, function: Function, request_id: str, slot: _Slot | None
    ) -> tuple[Instance | None, float, dict[str, Any] | None]:
        """A new instance: on demand (a cold start, for the invocation holding `slot`), or
        provisioned (`slot` is None), with its init timed and limited.

        On demand, init is limited to 10 seconds, as on Lambda; provisioned init may take up to
        130 seconds or the function's timeout, whichever is longer. Returns the instance (None
        if init failed), the init duration in ms and the init error.
        """
        clock = self.clock
        log_stream = _log_stream_name(clock.now())
        spec = function.handler
        is_provisioned = slot is None
        function.instances.add(is_provisioned)
        start = clock.monotonic()
        if not spec.is_class:
            instance = Instance(spec.bind(spec.target), log_stream, is_provisioned)
            return instance, (clock.monotonic() - start) * 1000.0, None
        if slot is None:
            limit = max(PROVISIONED_INIT_TIMEOUT_SECONDS, function.timeout)
            handoff = _Handoff(self._lock, self._thread_returned)
        else:
            limit = INIT_TIMEOUT_SECONDS
            handoff = _Handoff(self._lock, partial(self._release_abandoned, function.slots))
        result: tuple[bool, Any] | None = None
        try:
            with clock.timeout_scope(limit):
                result = await run_in_worker(handoff.run, spec.target)
        finally:
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
            return None, init_ms, _thread_error(value, request_id)[0]
        return Instance(spec.bind(value), log_stream, is_provisioned), init_ms, None

    def _finish(
        self,
        function: Function,
        request_number: int,
        capture: LogCapture | None,
        logging_on: bool,
        outcome: Outcome,
        duration_ms: float,
        init_duration_ms: float | None,
        timed_out: bool,
        on_provisioned: bool,
    ) -> InvocationResult:
        error, value, _ = outcome
        if error is None:
            try:
                body = marshal_response(value)
            except MarshalError as failure:
                # As the runtime reports it: its own fault, with the request id, no frames.
                error = {
                    "errorMessage": f"Unable to marshal response: {failure}",
                    "errorType": "Runtime.MarshalError",
                    "requestId": request_id_text(request_number),
                    "stackTrace": [],
                }
            else:
                if len(body) > MAX_SYNC_RESPONSE_BYTES:
                    error = plain_error(
                        "Function.ResponseSizeTooLarge",
                        f"Response payload size ({len(body)} bytes) exceeded maximum allowed "
                        f"payload size ({MAX_SYNC_RESPONSE_BYTES} bytes).",
                    )
        if error is not None:
            body = encode_error(error)
        billed = _billed_ms(duration_ms + (init_duration_ms or 0.0))
        ledger = function.ledger
        if init_duration_ms is None:
            ledger.record(billed, on_provisioned)
        else:  # with the part of the billed duration that init added
            init_billed = billed - _billed_ms(duration_ms)
            ledger.record(billed, on_provisioned, init_billed)
        if ledger.rows is not None:
            ledger.keep_row(
                request_id_text(request_number), billed, init_duration_ms, on_provisioned
            )
        metrics = function.metrics
        metrics.invocations += 1
        metrics.duration.record(duration_ms)
        if error is not None:
            metrics.errors += 1
        if init_duration_ms is not None:
            metrics.cold_starts += 1
            metrics.init_duration.record(init_duration_ms)
        if on_provisioned:
            metrics.provisioned_invocations += 1
        elif function.instances.provisioned_target:
            metrics.spillover_invocations += 1
        if self.budget is not None:  # after the counts: its callback is the user's code
            self.budget.charge(ledger.charge(billed, on_provisioned))
        if error is not None and error.get("stackTrace"):
            self._log_handler_error(function, capture, error)
        if logging_on or capture is not None:
            request_id = request_id_text(request_number)
            self._platform_line(function, capture, logging_on, end_line(request_id))
            self._platform_line(
                function,
                capture,
                logging_on,
                report_line(
                    request_id,
                    duration_ms,
                    billed,
                    function.memory,
                    _max_memory_used_mb(),
                    init_duration_ms,
                ),
            )
            if timed_out:
                self._platform_line(
                    function,
                    capture,
                    logging_on,
                    timeout_line(self.clock.now(), request_id, function.timeout),
                )
        return InvocationResult(
            function.name,
            200,
            request_number,
            body,
            None if error is None else "Unhandled",
            VERSION,
            duration_ms,
            billed,
            init_duration_ms,
            function.memory,
            init_duration_ms is not None,
            None if capture is None else capture.tail(MAX_LOG_RESULT_BYTES),
        )

    @staticmethod
    def _platform_line(
        function: Function, capture: LogCapture | None, logging_on: bool, line: str
    ) -> None:
        if capture is not None:
            capture.line(line)
        if logging_on:
            function.logger.info(line)

    @staticmethod
    def _log_handler_error(
        function: Function, capture: LogCapture | None, error: dict[str, Any]
    ) -> None:
        """Log an exception that escaped the handler, as the Python runtime does."""
        text = (
            f"[ERROR] {error['errorType']}: {error['errorMessage']}\n"
            "Traceback (most recent call last):\n" + "".join(error["stackTrace"])
        ).rstrip("\n")
        if capture is not None:
            capture.line(text)
        if function.logger.isEnabledFor(ERROR):
            function.logger.error(text)

    def _abandon(self, handoff: _Handoff, slot: _Slot | None) -> None:
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


def _billed_ms(duration_ms: float) -> int:
    """Lambda bills whole milliseconds, rounded up (at least 1); rounding to the nanosecond
    first keeps float noise (100.00000000001) from costing a millisecond."""
    return math.ceil(round(duration_ms, 6)) or 1


def _scaling_throttle(function: Function) -> TooManyRequests:
    reserved = function.slots.reserved is not None
    return TooManyRequests(
        f"Rate Exceeded. (function {function.name!r}: more than "
        f"{function.scaling_capacity:.0f} new instances within "
        f"{function.scaling_capacity / function.scaling_per_second:g} seconds)",
        reason=(
            "ReservedFunctionInvocationRateLimitExceeded"
            if reserved
            else "FunctionInvocationRateLimitExceeded"
        ),
        function_name=function.name,
    )


def _timeout_error(function: Function, request_id: str) -> Outcome:
    message = f"RequestId: {request_id} Error: Task timed out after {function.timeout:.2f} seconds"
    return plain_error("Sandbox.Timedout", message), None, False


def _exit_error(error: SystemExit, request_id: str) -> dict[str, Any]:
    code = error.code
    status = 0 if code is None else code if isinstance(code, int) else 1
    if status == 0:
        message = f"RequestId: {request_id} Error: Runtime exited without providing a reason"
    else:
        message = f"RequestId: {request_id} Error: Runtime exited with error: exit status {status}"
    return plain_error("Runtime.ExitError", message)


def _thread_error(error: BaseException, request_id: str) -> Outcome:
    """What a handler's exception that is not an ordinary error makes of the invocation."""
    if isinstance(error, SystemExit):
        return _exit_error(error, request_id), None, False
    if isinstance(error, Exception):
        return error_payload(error, request_id), None, True
    # KeyboardInterrupt, GeneratorExit, ...: the runtime process would be gone.
    return error_payload(error, request_id), None, False


async def _caller_is_cancelled() -> bool:
    """Whether the invocation itself is being cancelled, not just its handler raising a
    cancellation exception of its own."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # not asyncio
        task = None
    cancelling = getattr(task, "cancelling", None)
    if cancelling is not None:
        return bool(cancelling())
    try:
        await anyio.lowlevel.checkpoint_if_cancelled()
    except anyio.get_cancelled_exc_class():
        return True
    return False


def _log_stream_name(now: float) -> str:
    return time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime(now)) + uuid.uuid4().hex


def _max_memory_used_mb() -> int:
    """The host process's peak resident memory: instances share one process, so this is the
    closest honest figure to Lambda's per-environment "Max Memory Used"."""
    if resource is None:
        return 0
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
