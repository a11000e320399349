"""The protocol between event sources and the app: a source reaches functions only through an
`Invoker`, and the app starts, watches and stops each `Trigger` without knowing what it is.

Two kinds of trigger, as on Lambda:

- **polled** (an event source mapping: queues, streams): the trigger runs its own pollers while
  the app runs, and invokes synchronously (`Invoker.invoke`), because what happens to the
  records depends on the answer;
- **pushed** (bucket notifications, topic subscriptions, bus rules, schedules): the service
  hands the event over and forgets it, as an Event invocation (`Invoker.invoke_event`), so the
  async queue's retries, maximum age and destinations apply.

Neither kind sees the executor: the invoker checks and queues the request as it would any
other, and a trigger stays testable against a fake invoker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import anyio
import anyio.abc

from faaslib.invoke import InvocationResult

__all__ = ["Invoker", "PushTrigger", "Trigger"]


class Invoker(Protocol):
    """What a source may ask of the app: the Invoke API's synchronous and Event types."""

    async def invoke(self, function: str, event: Any) -> InvocationResult:
        """Invoke `function` with `event` (a JSON value, or bytes of a JSON document) and wait
        for the result; a throttle raises `TooManyRequests` as the Invoke API answers 429."""
        ...

    def invoke_event(self, function: str, event: Any) -> None:
        """Queue an Event invocation of `function`; it runs while the app runs, with retries and
        destinations. Raises `RequestTooLarge` for an event over the async payload limit."""
        ...

    def queue_event(self, function: str, event: Any) -> object:
        """`invoke_event`, with a handle for `withdraw_event`."""
        ...

    def withdraw_event(self, handle: object) -> bool:
        """Take back an Event invocation just queued (`queue_event`'s handle) that must not run
        after all, unless it has started; whether it was taken back. A schedule queues its
        tick's event before it claims the tick, so that no kill in between loses the tick, and
        takes it back when another process claimed the tick first."""
        ...


class Trigger(Protocol):
    """One function's binding to one source, started and stopped with the app."""

    function: str
    """The name of the function the trigger invokes."""

    def describe(self) -> str:
        """A one-line description of the trigger for tables, e.g. "queue orders (batch 10)"."""
        ...

    async def run(
        self,
        invoker: Invoker,
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Deliver until cancelled (the app is stopping). Report `task_status.started()` once
        delivering; a pushed trigger that needs no task of its own returns after that."""
        ...

    async def stop(self) -> None:
        """Take no new work, and return once what is in hand is done (the app is stopping)."""
        ...

    def idle(self) -> bool:
        """True when the trigger has nothing in hand and nothing waiting it could deliver now
        or later by itself (what the Event queue holds is the app's to count)."""
        ...

    async def wait_changed(self) -> None:
        """Return after the trigger's state changes (a batch ends, a message arrives): the
        app's `wait_idle` rechecks `idle()` then."""
        ...

    def metrics(self) -> dict[str, Any]:
        """The trigger's counters, named as CloudWatch names them where it has a name."""
        ...


class PushTrigger:
    """A pushed trigger: the source calls the invoker when it has an event, so the trigger
    has no task, is always idle, and only describes and counts."""

    def __init__(self, function: str, description: str, metrics: Callable[[], dict[str, Any]]):
        self.function = function
        self._description = description
        self._metrics = metrics

    def describe(self) -> str:
        return self._description

    async def run(
        self,
        invoker: Invoker,
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        task_status.started()

    async def stop(self) -> None:
        await anyio.lowlevel.checkpoint()

    def idle(self) -> bool:
        return True

    async def wait_changed(self) -> None:
        await anyio.sleep_forever()

    def metrics(self) -> dict[str, Any]:
        return self._metrics()
