"""A deadline that cancels an asyncio task natively, as `asyncio.timeout` does.

On asyncio an `anyio.CancelScope` costs about 3 µs to enter and leave, a third of an invoke.
Lambda's timeout needs no scope: at the deadline the handler's task is cancelled where it waits,
and the invoke takes that cancellation back (`Task.uncancel`, Python ≥ 3.11) if nothing else
cancelled the task meanwhile, exactly as the standard library's own timeout does. Like Lambda's
timeout, which stops the runtime whatever it is doing, it reaches even a wait the handler
shielded. On trio, and on Python 3.10, invocations keep their cancel scopes.

With no scope to keep in order, the deadline need not be armed before the handler starts: a
handler can only be cancelled where it waits, so its first step runs unwatched, and one that
never waits (most do not, and no cached answer does) costs no deadline at all; the clock still
holds it to its deadline afterwards. At its first wait the deadline is armed, before the event
loop sees the wait.
"""

from __future__ import annotations

import asyncio
import sys
import types
from collections.abc import Coroutine, Generator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faaslib.executor.deadlines import Deadlines

__all__ = ["NATIVE", "Cancelled", "TaskStopper", "resume"]

NATIVE = sys.version_info >= (3, 11)  # Task.cancelling() and Task.uncancel()
Cancelled = asyncio.CancelledError
_current_task = asyncio.current_task


class TaskStopper:
    """One invocation's deadline, made at the handler's first wait (it watches the current
    task from then on): it cancels the task once, and `settle` takes the cancellation back."""

    __slots__ = ("_cancelling", "_deadlines", "_key", "_timeout", "_timer", "fired", "task")

    def __init__(self, deadlines: Deadlines, timeout: float, deadline: float) -> None:
        self._deadlines = deadlines
        self._timeout = timeout
        task: Any = _current_task()
        self.task = task  # an asyncio.Task (its cancelling(): Python 3.11)
        self._cancelling = task.cancelling()  # requests pending before the handler waited
        self.fired = False
        self._timer: asyncio.TimerHandle | None = None
        self._key: int | None = deadlines.add(timeout, deadline, self)

    def cancel(self) -> None:
        if not self.fired and self._key is not None:
            self.fired = True
            self.task.cancel()

    def hold(self, delay: float) -> None:
        """Hold the deadline on a loop timer: the app's shared watcher has stopped."""
        self._timer = self.task.get_loop().call_later(max(delay, 0.0), self.cancel)

    def settle(self) -> bool:
        """Once the handler is done: stop watching it, and take back this stopper's own
        cancellation; True unless another cancellation of the task (its caller's) is pending
        too. Only the first call does anything."""
        key = self._key
        if key is None:
            return True
        self._key = None
        self._deadlines.remove(self._timeout, key)
        if self._timer is not None:
            self._timer.cancel()
        if not self.fired:
            return True
        return bool(self.task.uncancel() <= self._cancelling)


@types.coroutine
def resume(coroutine: Coroutine[Any, Any, Any], waits_on: Any) -> Generator[Any, Any, Any]:
    """Go on running `coroutine` from its first wait (`waits_on`, what it gave the event loop),
    passing each wait to the loop and each answer or exception back, as `await` would."""
    while True:
        try:
            answer = yield waits_on
        except GeneratorExit:
            coroutine.close()
            raise
        except BaseException as error:  # a cancellation, or what the loop throws in
            try:
                waits_on = coroutine.throw(error)
            except StopIteration as done:
                return done.value
        else:
            try:
                waits_on = coroutine.send(answer)
            except StopIteration as done:
                return done.value
