"""The seam between the Event queue's semantics (`queue.EventQueue`: attempts, retries, age,
destinations) and where accepted events wait: `EventStore`, and `QueuedEvent`, an event as a
store hands it out. `memory.MemoryEvents` keeps them in the process (the default);
`sqlite.SQLiteEvents` in a database file, where they survive the process and any process
sharing the file may run them; `redis.RedisEvents` on Redis, shared by every process and host
on the app's prefix.

What a store must guarantee: an event `add`ed (or `stage`d, once `accepted` returns) stays
until `finish`ed, whatever happens to the process; an event is
`claim`ed by one dispatcher at a time (a claim of a process that died is free again once its
lease lapses); its attempt count, throttles, last result and first
acceptance time persist with each `retry`, so a restart resumes it where it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

import anyio
import anyio.abc

from faaslib.clock import Clock
from faaslib.invoke import InvocationResult, new_request_number

if TYPE_CHECKING:
    from faaslib.executor import Function
    from faaslib.stores import Backend

__all__ = ["EventStore", "QueuedEvent", "for_backend"]


class QueuedEvent:
    """One accepted event: a record of plain fields, about 300 bytes beside its payload."""

    __slots__ = (
        "adopted",
        "attempts",
        "due",
        "function",
        "key",
        "last",
        "payload",
        "received",
        "received_at",
        "request_number",
        "throttles",
    )

    def __init__(self, function: Function, payload: bytes, received: float, now: float) -> None:
        self.function = function
        self.payload = payload
        self.request_number = new_request_number()
        self.received = received  # on the store's time line, for its age
        self.received_at = now  # wall time, for records
        self.attempts = 0  # invocations that ran (throttles do not count)
        self.throttles = 0
        self.last: InvocationResult | None = None
        self.key = 0  # the store's own name for it (a row id in a file)
        self.due = received  # when it is next ready, for a store that keeps it beside it
        # Accepted by another process (or an earlier run) and taken up here: this process's
        # metrics count it as received when it first runs it.
        self.adopted = False


class EventStore(Protocol):
    """Where the app's accepted Event invocations wait, on the store's time line (`time()`)."""

    def time(self) -> float: ...

    def add(self, event: QueuedEvent) -> None:
        """Accept `event`, ready now; durable when this returns (a source's event: the
        source's own operation has returned, so nothing else would write it)."""
        ...

    def stage(self, event: QueuedEvent) -> None:
        """Accept `event`, ready now; durable once `accepted(event)` returns, or with the
        changes this process writes next (a destination's event, written no later than the
        end of the attempt that sent it). A store shared over the network writes the events
        of concurrent callers together; this default, for the stores whose `add` is durable
        at once, adds it."""
        self.add(event)

    def withdraw(self, event: QueuedEvent) -> bool:
        """Remove `event` (just `add`ed) unless a dispatcher has claimed it; whether it was."""
        ...

    def claim(self, limit: int) -> list[QueuedEvent]:
        """Up to `limit` ready events, now running here, oldest due first."""
        ...

    def claim_one(self) -> QueuedEvent | None:
        """The next ready event, now running here (a worker's next, after its last)."""
        ...

    def retry(self, event: QueuedEvent, delay: float) -> None:
        """`event`'s attempt is over: run it again `delay` seconds from now, with its counts."""
        ...

    def release(self, event: QueuedEvent) -> None:
        """`event`'s attempt was cancelled before it ended: ready again at once, unchanged."""
        ...

    def finish(self, event: QueuedEvent) -> None:
        """`event` has ended (succeeded, retries exhausted or too old): it leaves the store."""
        ...

    def running(self) -> int:
        """Events claimed here and not yet retried, released or finished."""
        ...

    def count(self) -> int:
        """Every event in the store: ready, waiting to retry, or running anywhere."""
        ...

    def empty(self) -> bool:
        """Whether no event is in the store (cheaper than `count() == 0` in a file)."""
        ...

    def settled(self) -> bool:
        """Whether no event is ready or running (some may wait to retry)."""
        ...

    def next_due(self) -> float | None:
        """When the next event waiting to retry is due, if any."""
        ...

    def listing(self) -> list[QueuedEvent]:
        """Every event of a known function: running, ready, then waiting, in due order."""
        ...

    def keep_alive(self) -> None:
        """Renew this process's claims (a durable store's lease; nothing in memory)."""
        ...

    async def retire(self) -> None:
        """This process stops dispatching: its claims are free for others at once (the
        dispatcher awaits it shielded, after its last attempt ended)."""
        ...

    async def exchange(
        self,
        limit: int,
        room: Callable[[], int],
        moved: Callable[[], None],
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """Started by the dispatcher beside it, for as long as it runs: a store shared over
        the network keeps this process's events in step with the others' here (`limit`: how
        many events the dispatcher runs at once; `room()`: how many more it could start now;
        `moved`: to call when events arrived or the counts changed).

        This default, for a store that subclasses the protocol, reports started and returns:
        memory and a file on the host hold every event the dispatcher may run."""
        task_status.started()

    async def accepted(self, event: QueuedEvent) -> None:
        """Return once `event` (just `stage`d) is durable: before an Invoke answers 202. At
        once where `stage` already made it so."""
        ...

    poll_interval: float | None
    """How often a dispatcher looks for events other processes added (None: never)."""


def for_backend(
    backend: Backend | None, clock: Clock, lookup: Callable[[str], Function | None]
) -> EventStore:
    """The Event queue's store on `backend` (in memory when there is none); `lookup` finds a
    function by name for events read back from a file or Redis."""
    if backend is not None and backend.kind == "sqlite":
        from faaslib.asyncq.sqlite import SQLiteEvents

        return SQLiteEvents(backend.database, clock, lookup)
    if backend is not None and backend.kind == "redis":
        from faaslib.asyncq.redis import RedisEvents

        return RedisEvents(backend, clock, lookup)
    from faaslib.asyncq.memory import MemoryEvents

    return MemoryEvents(clock)
