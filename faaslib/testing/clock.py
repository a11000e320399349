"""A clock that moves only when the test says so, after trio's `MockClock`.

Sleepers and timeouts registered on a `FakeClock` fall due in deadline order as `advance()` walks
time forward, and each one's task runs until it blocks again before the next one falls due. Tests
of timeouts, remaining time, idle expiry, retries and schedules take no real time.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from datetime import datetime, timezone
from types import TracebackType

import anyio
import anyio.lowlevel

from faaslib.clock import round_trips

__all__ = ["FakeClock", "settle"]

# 2026-01-01T00:00:00Z: a fixed start, so timestamps in tests are repeatable.
DEFAULT_START = 1_767_225_600.0


class _Timer:
    """One pending wake-up. `action` is cleared when the waiter no longer needs it."""

    __slots__ = ("action", "deadline", "sequence")

    def __init__(self, deadline: float, sequence: int, action: Callable[[], object]) -> None:
        self.deadline = deadline
        self.sequence = sequence
        self.action: Callable[[], object] | None = action

    def __lt__(self, other: _Timer) -> bool:
        return (self.deadline, self.sequence) < (other.deadline, other.sequence)


class _FakeTimeout:
    """A cancel scope that the fake clock cancels when its deadline is reached."""

    __slots__ = ("_clock", "_timer", "scope")

    def __init__(self, clock: FakeClock, scope: anyio.CancelScope, timer: _Timer) -> None:
        self.scope = scope
        self._clock = clock
        self._timer = timer

    def __enter__(self) -> anyio.CancelScope:
        return self.scope.__enter__()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        self._clock._forget(self._timer)
        return bool(self.scope.__exit__(exc_type, exc, traceback))


class FakeClock:
    """A `faaslib.clock.Clock` whose time stands still until `advance()` moves it.

    ```pycon
    >>> clock = FakeClock()
    >>> app = App(clock=clock)
    >>> await clock.advance(3)   # every timeout and sleeper due within 3 s fires, in order
    ```
    """

    def __init__(self, start: float | datetime = DEFAULT_START) -> None:
        if isinstance(start, datetime):
            if start.tzinfo is None:
                start = start.replace(tzinfo=timezone.utc)
            start = start.timestamp()
        self._start = float(start)
        self._elapsed = 0.0
        self._timers: list[_Timer] = []
        self._sequence = itertools.count()
        self._dead = 0

    def now(self) -> float:
        return self._start + self._elapsed

    def monotonic(self) -> float:
        return self._elapsed

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await anyio.lowlevel.checkpoint()
            return
        event = anyio.Event()
        timer = self._schedule(self._elapsed + seconds, event.set)
        try:
            await event.wait()
        finally:
            self._forget(timer)

    def timeout_scope(self, seconds: float) -> _FakeTimeout:
        scope = anyio.CancelScope()
        if seconds <= 0:
            scope.cancel()
        return _FakeTimeout(self, scope, self._schedule(self._elapsed + seconds, scope.cancel))

    def next_deadline(self) -> float | None:
        """When the next sleeper or timeout falls due (in `monotonic()`'s time), or None: how
        far a test that drives time by what waits may `advance` to reach it."""
        live = [timer.deadline for timer in self._timers if timer.action is not None]
        return min(live) if live else None

    async def advance(self, seconds: float) -> None:
        """Move time forward by `seconds`, waking every sleeper and timeout due on the way.

        Each one falls due at its own deadline, in order, and the tasks it wakes run until they
        block again before time moves on.
        """
        if seconds < 0:
            raise ValueError(f"FakeClock.advance: seconds={seconds} must not be negative")
        target = self._elapsed + seconds
        await settle()
        while self._timers and self._timers[0].deadline <= target:
            deadline = self._timers[0].deadline
            self._elapsed = max(self._elapsed, deadline)
            fired = False
            while self._timers and self._timers[0].deadline == deadline:  # all due at once
                timer = heapq.heappop(self._timers)
                if timer.action is None:
                    self._dead -= 1
                    continue
                action, timer.action = timer.action, None
                action()
                fired = True
            if fired:
                await settle()
        self._elapsed = target
        await settle()

    def tick(self, seconds: float) -> None:
        """Move time forward at once, from any thread, waking nobody.

        For code that cannot await `advance()`: a sync handler or a class's `__init__` that
        should "take" `seconds`. Sleepers and timeouts that fall due meanwhile fire at the next
        `advance()` (`advance(0)` will do).
        """
        if seconds < 0:
            raise ValueError(f"FakeClock.tick: seconds={seconds} must not be negative")
        self._elapsed += seconds

    def _schedule(self, deadline: float, action: Callable[[], object]) -> _Timer:
        timer = _Timer(deadline, next(self._sequence), action)
        heapq.heappush(self._timers, timer)
        return timer

    def _forget(self, timer: _Timer) -> None:
        if timer.action is None:
            return
        timer.action = None
        self._dead += 1
        # Finished waits leave their timers behind; drop them once they are most of the heap.
        if self._dead > 64 and self._dead * 2 > len(self._timers):
            self._timers = [t for t in self._timers if t.action is not None]
            heapq.heapify(self._timers)
            self._dead = 0


async def settle() -> None:
    """Let every runnable task run until all are blocked again, and no round trip to a shared
    store is in progress (its task only looks blocked: its answer is on the way).

    `anyio.wait_all_tasks_blocked()` for tests of an app on Redis: there it would return while
    a send or a receive still awaits the server. A `FakeClock` settles this way whenever it
    moves time."""
    while True:
        await _settle_tasks()
        if not round_trips.in_progress:
            return
        await anyio.sleep(0.0002)


async def _settle_tasks() -> None:
    """Let every runnable task run until all are blocked again.

    On trio this is `wait_all_tasks_blocked`. anyio's asyncio version sleeps 0.1 s of real time
    whenever it finds a task ready to run, which adds up to minutes when thousands of tasks wake
    at one deadline; here such a task gets a plain checkpoint instead.
    """
    try:
        this = asyncio.current_task()
    except RuntimeError:  # not asyncio
        this = None
    if this is None:
        await anyio.wait_all_tasks_blocked()
        return
    loop = asyncio.get_running_loop()
    while True:
        await anyio.lowlevel.checkpoint()
        # Settled when every other task waits on a future that is not done, and no callback
        # (a finished task's done-callbacks, say, which wake its waiters) is queued to run.
        if not getattr(loop, "_ready", None) and all(
            task is this or _is_blocked(task) for task in asyncio.all_tasks()
        ):
            return


def _is_blocked(task: asyncio.Task[object]) -> bool:
    waiter = getattr(task, "_fut_waiter", None)  # as anyio's own test helper reads it
    return waiter is not None and not waiter.done()
