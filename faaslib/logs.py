"""Lambda's log lines, and the per-invocation capture behind `log_type="Tail"`.

Every invocation logs START, END and REPORT lines in Lambda's exact format to the logger
`faaslib.function.<name>` at INFO. When the caller asks for the tail, the invocation's own output
(prints to stdout/stderr and logging records, in Lambda's runtime format) is captured too. The
capture follows the invocation through a context variable, so concurrent invocations, and sync
handlers in worker threads, each get only their own lines.
"""

from __future__ import annotations

import base64
import logging
import sys
import threading
import time
from collections import deque
from contextvars import ContextVar
from typing import Any, Protocol, TextIO

from faaslib.clock import Clock

__all__ = [
    "LogCapture",
    "LogSink",
    "end_line",
    "report_line",
    "route_to",
    "start_line",
    "stop_routing_to",
    "timeout_line",
]

PLATFORM_LOGGER_PREFIX = "faaslib.function."


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(
    request_id: str,
    duration_ms: float,
    billed_duration_ms: int,
    memory_mb: int,
    max_memory_used_mb: int,
    init_duration_ms: float | None,
) -> str:
    """The REPORT line: tab-separated fields with a trailing tab, as CloudWatch shows it."""
    line = (
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {billed_duration_ms} ms\tMemory Size: {memory_mb} MB\t"
        f"Max Memory Used: {max_memory_used_mb} MB\t"
    )
    if init_duration_ms is not None:
        line += f"Init Duration: {init_duration_ms:.2f} ms\t"
    return line


def timeout_line(timestamp: float, request_id: str, timeout: float) -> str:
    return f"{iso_timestamp(timestamp)} {request_id} Task timed out after {timeout:.2f} seconds"


def iso_timestamp(timestamp: float) -> str:
    """`2026-01-01T00:00:00.000Z`: the UTC, millisecond form Lambda's logs use."""
    whole = int(timestamp)
    millis = int((timestamp - whole) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{millis:03d}Z"


class LogCapture:
    """The captured log of one invocation, bounded to what the tail can return.

    Used as a context manager around the invocation: on entry it routes the current context's
    output here; on exit it stops.
    """

    __slots__ = ("_chunks", "_size", "_token", "clock", "request_id")

    # Keep a little more than the 4 KB tail, so the cut falls on whole lines where it can.
    _KEEP_BYTES = 16 * 1024

    def __init__(self, request_id: str, clock: Clock) -> None:
        self.request_id = request_id
        self.clock = clock
        self._chunks: deque[str] = deque()
        self._size = 0
        self._token: Any = None

    def write(self, text: str) -> None:
        self._chunks.append(text)
        self._size += len(text)
        while self._size > self._KEEP_BYTES and len(self._chunks) > 1:
            self._size -= len(self._chunks.popleft())

    def line(self, text: str) -> None:
        self.write(text + "\n")

    def tail(self, limit: int) -> str:
        """The last `limit` bytes of the log, base64-encoded, as Lambda's `LogResult`."""
        data = "".join(self._chunks).encode("utf-8")[-limit:]
        return base64.b64encode(data).decode("ascii")

    def __enter__(self) -> LogCapture:
        _routing.start()
        self._token = _current.set(self)
        return self

    def __exit__(self, *exc_info: object) -> None:
        _current.reset(self._token)
        _routing.stop()


_current: ContextVar[LogCapture | None] = ContextVar("faaslib_log_capture", default=None)


class LogSink(Protocol):
    """Something else that wants what invocations write while it is routed to
    (`route_to`): the console's feed. It finds the invocation itself (a context variable)."""

    def write(self, text: str) -> None:
        """Text written to sys.stdout or sys.stderr (by anyone: the sink tells whose)."""
        ...

    def record(self, record: logging.LogRecord) -> None:
        """A logging record that reached the root logger."""
        ...


class _Tee:
    """Stands in for sys.stdout/sys.stderr while captures or sinks are routed to: writes go
    through, and are copied to the capture of the invocation that made them, if any, and to
    every sink."""

    def __init__(self, original: TextIO) -> None:
        self.original = original

    def write(self, text: str) -> int:
        capture = _current.get()
        if capture is not None:
            capture.write(text)
        for sink in _routing.sinks:
            sink.write(text)
        return self.original.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.original, name)


class _CaptureHandler(logging.Handler):
    """Copies logging records made inside an invocation into its capture, in the format of the
    Lambda Python runtime: `[LEVEL]<tab>timestamp<tab>request id<tab>message`; and hands every
    record to the sinks."""

    def emit(self, record: logging.LogRecord) -> None:
        for sink in _routing.sinks:
            sink.record(record)
        capture = _current.get()
        if capture is None or record.name.startswith(PLATFORM_LOGGER_PREFIX):
            return
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception:  # a bad log call in a handler must not break the invocation
            self.handleError(record)
            return
        capture.line(
            f"[{record.levelname}]\t{iso_timestamp(capture.clock.now())}\t"
            f"{capture.request_id}\t{message}"
        )


class _Routing:
    """Installs the tees and the logging handler while at least one capture or sink is
    routed to, and takes them away after the last one ends, so an app that never asks for a
    tail (and shows no console) changes nothing global."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._handler = _CaptureHandler()
        self._tees: list[tuple[str, _Tee]] = []
        self.sinks: tuple[LogSink, ...] = ()

    def start(self) -> None:
        with self._lock:
            self._users += 1
            if self._users > 1:
                return
            logging.getLogger().addHandler(self._handler)
            for name in ("stdout", "stderr"):
                tee = _Tee(getattr(sys, name))
                setattr(sys, name, tee)
                self._tees.append((name, tee))

    def stop(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users > 0:
                return
            logging.getLogger().removeHandler(self._handler)
            for name, tee in self._tees:
                if getattr(sys, name) is tee:  # leave it if someone replaced it since
                    setattr(sys, name, tee.original)
            self._tees.clear()


_routing = _Routing()


def route_to(sink: LogSink) -> None:
    """Hand `sink` what is printed and logged, until `stop_routing_to(sink)`."""
    with _routing._lock:
        _routing.sinks = (*_routing.sinks, sink)
    _routing.start()


def stop_routing_to(sink: LogSink) -> None:
    with _routing._lock:
        _routing.sinks = tuple(each for each in _routing.sinks if each is not sink)
    _routing.stop()
