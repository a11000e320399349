"""The record of an invocation: its ledger row, its metrics, its END and REPORT lines, and the
`InvocationResult` its caller gets."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable
from typing import Any

from faaslib.billing.costs import Budget
from faaslib.clock import Clock
from faaslib.executor.function import Function
from faaslib.invoke import MAX_LOG_RESULT_BYTES, InvocationResult, request_id_text
from faaslib.logs import LogCapture, end_line, report_line, timeout_line

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

__all__ = ["ERROR", "INFO", "VERSION", "billed_ms", "log_stream_name", "platform_line", "record"]

VERSION = "$LATEST"
INFO = 20  # logging.INFO and logging.ERROR, without the attribute lookup
ERROR = 40

listeners: tuple[Callable[[Function, InvocationResult], None], ...] = ()
"""Called with each recorded invocation (the console's live feed); none unless one watches."""


def record(
    function: Function,
    request_number: int,
    capture: LogCapture | None,
    logging_on: bool,
    error: dict[str, Any] | None,
    body: bytes,
    duration_ms: float,
    init_duration_ms: float | None,
    timed_out: bool,
    on_provisioned: bool,
    budget: Budget | None,
    clock: Clock,
    max_memory_used_mb: int | None = None,
    error_logged: bool = False,
) -> InvocationResult:
    """Bill, count and log one invocation, and answer its caller. `max_memory_used_mb` is the
    instance's own peak when it has one (a process instance), else the host's is reported;
    `error_logged` says the runtime has logged the error already (a process instance's)."""
    billed = billed_ms(duration_ms + (init_duration_ms or 0.0))
    ledger = function.ledger
    if init_duration_ms is None:
        ledger.record(billed, on_provisioned)
    else:  # with the part of the billed duration that init added
        init_billed = billed - billed_ms(duration_ms)
        ledger.record(billed, on_provisioned, init_billed)
    if ledger.rows is not None:
        ledger.keep_row(request_id_text(request_number), billed, init_duration_ms, on_provisioned)
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
    if budget is not None:  # after the counts: its callback is the user's code
        budget.charge(ledger.charge(billed, on_provisioned))
    if error is not None and not error_logged and error.get("stackTrace"):
        _log_handler_error(function, capture, error)
    if logging_on or capture is not None:
        request_id = request_id_text(request_number)
        platform_line(function, capture, logging_on, end_line(request_id))
        platform_line(
            function,
            capture,
            logging_on,
            report_line(
                request_id,
                duration_ms,
                billed,
                function.memory,
                _max_memory_used_mb() if max_memory_used_mb is None else max_memory_used_mb,
                init_duration_ms,
            ),
        )
        if timed_out:
            platform_line(
                function,
                capture,
                logging_on,
                timeout_line(clock.now(), request_id, function.timeout),
            )
    result = InvocationResult(
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
    if listeners:
        for listener in listeners:
            listener(function, result)
    return result


def platform_line(
    function: Function, capture: LogCapture | None, logging_on: bool, line: str
) -> None:
    if capture is not None:
        capture.line(line)
    if logging_on:  # the record made directly: `Logger.info` would walk the stack for a caller
        logger = function.logger
        logger.handle(logger.makeRecord(logger.name, INFO, __file__, 0, line, (), None))


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


def billed_ms(duration_ms: float) -> int:
    """Lambda bills whole milliseconds, rounded up (at least 1); rounding to the nanosecond
    first keeps float noise (100.00000000001) from costing a millisecond."""
    if duration_ms < 1.0:  # most invocations here; rounded, it could only come to 0 or 1
        return 1
    return math.ceil(round(duration_ms, 6))


def log_stream_name(now: float) -> str:
    return time.strftime("%Y/%m/%d/[$LATEST]", time.gmtime(now)) + uuid.uuid4().hex


def _max_memory_used_mb() -> int:
    """The host process's peak resident memory: instances share one process, so this is the
    closest honest figure to Lambda's per-environment "Max Memory Used"."""
    if resource is None:
        return 0
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
