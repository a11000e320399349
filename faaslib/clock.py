"""The one place faaslib reads time from.

Every deadline, duration, timestamp and idle expiry goes through a `Clock`, so that a test can
swap the real clock for `faaslib.testing.FakeClock` and move time forward without waiting.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

import anyio

__all__ = ["Clock", "SystemClock", "round_trips"]


class RoundTrips:
    """Round trips to a shared store (Redis) in progress in this process. A task awaiting its
    answer looks blocked to anyio's `wait_all_tasks_blocked` though the answer is on its way,
    so a `FakeClock` waits for these to end before it moves time: on Redis a test's time stays
    as exact as in memory."""

    __slots__ = ("in_progress",)

    def __init__(self) -> None:
        self.in_progress = 0


round_trips = RoundTrips()


@runtime_checkable
class Clock(Protocol):
    """Where time comes from.

    `now()` is wall-clock time (Unix seconds, for timestamps and log lines); `monotonic()` never
    goes backwards (seconds, for durations and deadlines). `timeout_scope(seconds)` gives a cancel
    scope that this clock cancels once `seconds` have passed on it.
    """

    def now(self) -> float: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...

    def timeout_scope(self, seconds: float) -> AbstractContextManager[anyio.CancelScope]: ...


class SystemClock:
    """The real clock: the system's wall time, and the event loop's own timer for deadlines."""

    __slots__ = ()

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)

    def timeout_scope(self, seconds: float) -> anyio.CancelScope:
        # The loop's clock is not always time.monotonic() (trio adds an offset), so the
        # deadline is taken from the loop itself.
        return anyio.CancelScope(deadline=anyio.current_time() + seconds)
