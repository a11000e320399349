"""The console's live feed: every invocation the app records, with its log lines, kept in a
ring for the page to stream (server-sent events) and to open one by one.

The executor calls `faaslib.executor.record.listeners` for each recorded invocation; the feed
is one of them only while the console runs, so an app without a console pays one test of an
empty tuple. On the invoke path the feed does as little as it can (an identity test and an
append to a bounded deque): texts are written out later, for the entries a page asks for.

Log lines are collected by request id while the feed runs: logging records and prints made
inside an invocation (the invocation's context variable says which one, in worker threads too),
then Lambda's START, END and REPORT lines written from the result. A process instance's output
goes to its own process and is not collected.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from faaslib.clock import SystemClock
from faaslib.executor import record as records
from faaslib.executor.variables import running
from faaslib.invoke import request_id_text
from faaslib.logs import (
    PLATFORM_LOGGER_PREFIX,
    end_line,
    iso_timestamp,
    report_line,
    route_to,
    start_line,
    stop_routing_to,
)
from faaslib.payloads import from_document

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.executor import Function
    from faaslib.invoke import InvocationResult

__all__ = ["InvocationFeed", "console_invocation", "shorten"]

# What a page shows of an event or a response: the rest is counted, not sent.
SHOWN_BYTES = 4096
# Request ids whose log lines are kept at once (the oldest go first).
KEPT_LOGS = 2000
LINES_PER_INVOCATION = 200
# How often the time entries are stamped with is read from the app's clock.
TICK = 0.05

console_invocation: ContextVar[bytes | None] = ContextVar("faaslib_console_event", default=None)
"""The encoded event while the console itself invokes: the feed keeps it, and marks the
invocation as the console's (read only while one is in flight: `InvocationFeed.sending`)."""


def shorten(text: str, limit: int = SHOWN_BYTES) -> str:
    """`text` cut to `limit` characters, saying how many more there were."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit:,} more characters)"


# One recorded invocation, a plain tuple (the cheapest thing to make on the invoke path):
# the function, the result, the time, and the event when the console sent it.
_Entry = tuple["Function", "InvocationResult", "float", "bytes | None"]


class InvocationFeed:
    """The app's recent invocations (the last `size`), newest last."""

    def __init__(self, app: App, size: int = 500) -> None:
        self.app = app
        self._entries: deque[_Entry] = deque(maxlen=size)
        self._logs: OrderedDict[str, list[str]] = OrderedDict()
        # Event invocations the console queued, by request id: they run in the app's own task.
        self._queued: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._sink = _FeedSink(self)
        self._users = 0
        self._sending = 0  # invocations the console has in flight
        # The time, by the app's clock, as of the last tick (`keep_time`): reading a clock on
        # the invoke path would cost more than the rest of the listener together.
        self._now = [app.clock.now()]
        # The app's functions (kept in step by `keep_time`): a tuning run's copies, with the
        # same names, are other objects, and not this app's invocations.
        self._own: set[Function] = set()
        self._recorded = self._listener(marking=False)
        self._recorded_marking = self._listener(marking=True)

    def _listener(self, marking: bool) -> Callable[[Function, InvocationResult], None]:
        """What the executor calls per invocation: a set membership test and a tuple appended
        to a bounded deque, with everything it needs bound as locals (a method's attribute
        lookups, or reading a clock, would each cost a few percent of a trivial invocation).
        While the console invokes, the `marking` listener stands in: it also reads the event
        the console sent, in the invocation's context."""
        own, append, now = self._own, self._entries.append, self._now
        made_here = console_invocation.get
        if marking:

            def recorded(function: Function, result: InvocationResult) -> None:
                if function in own:
                    append((function, result, now[0], made_here()))

        else:

            def recorded(function: Function, result: InvocationResult) -> None:
                if function in own:
                    append((function, result, now[0], None))

        return recorded

    def sending(self, more: int) -> None:
        """The console starts (`more=1`) or ends (`-1`) an invocation of its own: the marking
        listener stands in while any is in flight."""
        self._sending += more
        if self._users and self._sending == (1 if more > 0 else 0):
            old, new = (
                (self._recorded, self._recorded_marking)
                if more > 0
                else (self._recorded_marking, self._recorded)
            )
            records.listeners = tuple(new if each == old else each for each in records.listeners)

    def _know_functions(self) -> None:
        functions = self.app._functions  # the app's registry: read, never written
        if len(functions) != len(self._own):
            self._own.clear()
            self._own.update(functions.values())

    # -- watching -------------------------------------------------------------------------------

    async def keep_time(self) -> None:
        """Keep the time entries are stamped with, to within `TICK` seconds (the console's
        lifespan runs this while the feed runs)."""
        clock, now, ticks = self.app.clock, self._now, SystemClock()
        while True:
            now[0] = clock.now()
            self._know_functions()  # one registered while the app runs is seen within a tick
            await ticks.sleep(TICK)

    def start(self) -> None:
        """Listen to the executor and collect log lines (once, however many start it)."""
        with self._lock:
            self._users += 1
            if self._users > 1:
                return
        self._know_functions()
        listener = self._recorded_marking if self._sending else self._recorded
        records.listeners = (*records.listeners, listener)
        route_to(self._sink)

    def stop(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users > 0:
                return
        mine = (self._recorded, self._recorded_marking)
        records.listeners = tuple(each for each in records.listeners if each not in mine)
        stop_routing_to(self._sink)

    def queued(self, request_id: str, event: bytes) -> None:
        """The console queued `event` as Event invocation `request_id` (it runs later)."""
        with self._lock:
            self._queued[request_id] = event
            while len(self._queued) > KEPT_LOGS:
                self._queued.popitem(last=False)

    @property
    def is_running(self) -> bool:
        return self._users > 0

    def keep_line(self, request_id: str, line: str) -> None:
        with self._lock:
            lines = self._logs.get(request_id)
            if lines is None:
                lines = self._logs[request_id] = []
                while len(self._logs) > KEPT_LOGS:
                    self._logs.popitem(last=False)
            if len(lines) < LINES_PER_INVOCATION:
                lines.append(line)

    # -- reading --------------------------------------------------------------------------------

    def since(
        self, after: str | object | None, limit: int = 100
    ) -> tuple[list[dict[str, Any]], int, object | None]:
        """The entries after `after` (a request id, or the last marker this returned; all when
        it is gone or None), the newest `limit` of them; how many were passed over (a page that
        cannot keep up sees the latest, and the count of the rest); and the marker of the
        newest, to ask for what comes after it (found by identity: no text written)."""
        entries = list(self._entries)
        start = 0
        if after is not None:
            by_id = isinstance(after, str)
            for index in range(len(entries) - 1, -1, -1):
                entry = entries[index]
                if (entry[1].request_id == after) if by_id else (entry is after):
                    start = index + 1
                    break
        newer = entries[start:]
        skipped = max(0, len(newer) - limit)
        sources: dict[str, str] = {}
        summaries = [self._summary(entry, sources) for entry in newer[skipped:]]
        return summaries, skipped, (newer[-1] if newer else after)

    def detail(self, request_id: str) -> dict[str, Any] | None:
        """One recent invocation with its log lines, event and response (shortened)."""
        for entry in reversed(self._entries):
            result = entry[1]
            if result.request_id == request_id:
                event = entry[3] or self._queued.get(request_id)
                data = self._summary(entry)
                data["logs"] = self._log_lines(result)
                data["event"] = None if event is None else _text(event)
                data["response"] = None if result.raw_payload is None else _text(result.raw_payload)
                return data
        return None

    def _summary(self, entry: _Entry, sources: dict[str, str] | None = None) -> dict[str, Any]:
        function, result, moment, event = entry
        if event is None and self._queued:
            event = self._queued.get(result.request_id)
        return {
            "request_id": result.request_id,
            "function": result.function_name,
            "source": "console" if event is not None else self._source(function, sources),
            "time": iso_timestamp(moment),
            "status": result.status_code,
            "error": result.function_error,
            "duration_ms": round(result.duration_ms, 3),
            "billed_ms": result.billed_duration_ms,
            "cold_start": result.cold_start,
            "init_duration_ms": (
                None if result.init_duration_ms is None else round(result.init_duration_ms, 3)
            ),
        }

    def _source(self, function: Function, known: dict[str, str] | None = None) -> str:
        """The function's triggers, as the page names the source (the executor does not say
        which door an invocation came through; a function without triggers is invoked)."""
        if known is not None and function.name in known:
            return known[function.name]
        described = [trigger.describe() for trigger in self.app.triggers(function.name)]
        source = "; ".join(described) if described else "invoke"
        if known is not None:
            known[function.name] = source
        return source

    def _log_lines(self, result: InvocationResult) -> list[str]:
        request_id = result.request_id
        with self._lock:
            own = list(self._logs.get(request_id, ()))
        report = report_line(
            request_id,
            result.duration_ms,
            result.billed_duration_ms,
            result.memory_size_mb,
            0,
            result.init_duration_ms,
        ).replace("Max Memory Used: 0 MB\t", "")
        lines = [start_line(request_id, "$LATEST"), *own, *_error_lines(result)]
        lines += [end_line(request_id), report]
        return [shorten(line) for line in lines]


def _error_lines(result: InvocationResult) -> list[str]:
    """An unhandled error as the Python runtime logs it (the executor logs it to the
    function's logger, outside the invocation)."""
    if result.function_error is None or result.raw_payload is None:
        return []
    try:  # read from the bytes: `result.payload` is the caller's own copy
        error = from_document(result.raw_payload)
    except ValueError:
        return []
    if not isinstance(error, dict) or "errorType" not in error:
        return []
    trace = "".join(str(line) for line in error.get("stackTrace") or ())
    text = f"[ERROR] {error['errorType']}: {error.get('errorMessage', '')}"
    return [f"{text}\nTraceback (most recent call last):\n{trace}".rstrip("\n")]


def _text(body: bytes) -> str:
    return shorten(body.decode("utf-8", "replace"))


def _current_request_id() -> str | None:
    variables = running.get()
    # The running invocation's number: InvocationVariables keeps it for the trace id.
    number = None if variables is None else variables._request_number
    return None if number is None else request_id_text(number)


class _FeedSink:
    """What the feed keeps of what is printed and logged (`faaslib.logs.route_to`): the lines
    made inside an invocation, in the Python runtime's format, for that invocation."""

    __slots__ = ("_feed",)

    def __init__(self, feed: InvocationFeed) -> None:
        self._feed = feed

    def write(self, text: str) -> None:
        request_id = _current_request_id()
        if request_id is not None:
            for line in text.splitlines():
                if line:
                    self._feed.keep_line(request_id, line)

    def record(self, record: logging.LogRecord) -> None:
        request_id = _current_request_id()
        if request_id is None or record.name.startswith(PLATFORM_LOGGER_PREFIX):
            return
        try:
            message = record.getMessage()
        except Exception:  # a bad log call in a handler must not break its invocation
            return  # the root logger's other handlers report it
        self._feed.keep_line(
            request_id, f"[{record.levelname}]\t{iso_timestamp(record.created)}\t{message}"
        )
