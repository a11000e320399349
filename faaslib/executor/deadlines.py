"""Invocation deadlines on one timer, instead of a timer per invocation.

A cancel scope with a deadline puts a timer on the event loop's heap and takes it off again:
about half of what the scope costs, and more when a thousand invocations keep a thousand
timers on the heap. While an app runs on the real clock, its invocations enter plain cancel
scopes and `add` their deadlines here; one watcher task sleeps until the earliest and cancels
the scopes whose time has come.

On asyncio the targets are `TaskStopper`s, which cancel the invocation's task natively and need
no cancel scope at all (faaslib/executor/stopper.py says why); on trio, plain cancel scopes.

Deadlines are kept per timeout: invocations of a function with the same timeout register in the
order they started, so each queue is already sorted by deadline, and a finished invocation
leaves its queue in O(1).
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Protocol, cast

import anyio
import anyio.abc
import sniffio

from faaslib.executor.stopper import NATIVE, TaskStopper

__all__ = ["Deadlines", "Target"]


class Target(Protocol):
    """What a deadline cancels: a cancel scope, or a task's stopper."""

    def cancel(self) -> None: ...


class Deadlines:
    """The deadlines of one app's running invocations, and the task that enforces them."""

    __slots__ = ("_keys", "_nap", "_next_wake", "_queues", "native", "running", "scope_class")

    def __init__(self) -> None:
        self.running = False
        self.native = False  # the watcher runs on asyncio: invocations use TaskStoppers
        # The event loop's own CancelScope class: made directly, it skips anyio's per-call
        # lookup of the running backend. Valid in the loop the watcher runs in.
        self.scope_class: type[anyio.CancelScope] = anyio.CancelScope
        # timeout -> {key: (deadline on time.monotonic(), scope)}, in deadline order
        self._queues: dict[float, dict[int, tuple[float, Target]]] = {}
        self._keys = itertools.count()
        self._nap: anyio.CancelScope | None = None
        self._next_wake = math.inf

    def add(self, timeout: float, deadline: float, scope: Target) -> int:
        """Cancel `scope` at `deadline` (on `time.monotonic()`); returns the key to `remove` it
        by when the invocation ends."""
        key = next(self._keys)
        queue = self._queues.get(timeout)
        if queue is None:
            queue = self._queues[timeout] = {}
        queue[key] = (deadline, scope)
        if deadline < self._next_wake:  # the watcher sleeps past this deadline: re-arm it
            self._next_wake = deadline
            if self._nap is not None:
                self._nap.cancel()
        return key

    def remove(self, timeout: float, key: int) -> None:
        self._queues[timeout].pop(key, None)

    async def watch(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Cancel each scope at its deadline, until cancelled; then hand the deadlines still
        pending to anyio's own timers, so they hold after the app stops."""
        self.scope_class = type(anyio.CancelScope())
        if sniffio.current_async_library() == "trio":
            # anyio's scope on trio wraps trio's own, which anyio code inside a handler uses
            # natively: entered directly, it costs a tenth less
            import trio

            self.scope_class = trio.CancelScope  # type: ignore[assignment]
        self.native = NATIVE and sniffio.current_async_library() == "asyncio"
        self.running = True
        task_status.started()
        try:
            while True:
                now = time.monotonic()
                earliest = math.inf
                for queue in self._queues.values():
                    expired = []
                    for key, (deadline, scope) in queue.items():
                        if deadline > now:
                            earliest = min(earliest, deadline)
                            break
                        expired.append(key)
                        scope.cancel()
                    for key in expired:
                        del queue[key]
                # An emptied queue leaves the last wake time armed: a wake that finds nothing
                # due costs less than re-arming for every invocation that starts alone.
                if earliest < math.inf or self._next_wake <= now:
                    self._next_wake = earliest
                with anyio.CancelScope() as self._nap:
                    if self._next_wake == math.inf:
                        await anyio.sleep_forever()
                    else:
                        await anyio.sleep(self._next_wake - now)
                self._nap = None
        finally:
            self.running = False
            self.native = False
            self._nap = None
            self._next_wake = math.inf
            loop_now = anyio.current_time()
            now = time.monotonic()
            for queue in self._queues.values():
                for deadline, scope in queue.values():
                    if isinstance(scope, TaskStopper):
                        scope.hold(deadline - now)
                    else:  # anyio's cancel scope, or on trio trio's own
                        cast(anyio.CancelScope, scope).deadline = loop_now + (deadline - now)
