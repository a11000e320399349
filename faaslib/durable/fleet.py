"""Which process drives each durable execution, when processes share a store.

Several processes on one store (a Redis prefix, a SQLite file) all see every execution, but
only one may run an execution's invocations and timers: two would replay it twice and write
over each other. So each execution has an owner (`owner:{arn}`, a process id), set by the
process that starts it and changed only by `Values.swap`, so that of the processes that try to
take an execution over, one does. A process renews its own liveness (`alive:{id}`, a wall-clock
time `LEASE` seconds ahead) every `BEAT`; one that stops renewing it (killed, or stopped: it
gives it up as it stops) is gone, and the others take its executions over at their next scan
(at once for a process of the same host seen dead by its pid, `stores.liveness`).

What changes an execution from outside (a callback answered, a stop, a chained invoke's target
ending in another process) is done by its owner: another process checks it against the stored
execution (so that a caller gets the same errors) and sends it to the owner's inbox
(`inbox:{id}`, a list changed by `swap`), which the owner reads every `POLL`. A message sent
as the owner changed is sent again to the new one; the receiver ignores what no longer applies
(a callback already answered, an execution ended), so a message applied twice does nothing
more. Times are hosts' wall clocks: keep them in sync, as for the rest of a fleet.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from faaslib.stores import Backend
from faaslib.stores.liveness import is_gone, new_process_id

__all__ = ["BEAT", "LEASE", "POLL", "Fleet"]

NAMESPACE = "durable"
LEASE = 10.0  # seconds a process counts as alive after its last beat
BEAT = 1.0  # seconds between two beats
POLL = 0.05  # seconds between two looks at the inbox
SCAN = 1.0  # seconds between two looks for executions of processes that are gone


class Fleet:
    """This process's part in the fleet of processes sharing the store. On the memory store
    there is no other process: everything is this one's, and nothing is written."""

    __slots__ = ("_values", "me", "shared", "wall")

    def __init__(self, store: Backend, wall: Callable[[], float] = time.time) -> None:
        self.shared = store.kind != "memory"
        self._values = store.values
        self.me = new_process_id()
        self.wall = wall  # real time: it says whether a process is alive, whatever the app's clock

    # -- liveness -----------------------------------------------------------------------------

    def beat(self) -> None:
        if self.shared:
            self._values.put(NAMESPACE, f"alive:{self.me}", self.wall() + LEASE)

    def leave(self) -> None:
        """This process stops driving executions: the others may take them at once."""
        if self.shared:
            self._values.put(NAMESPACE, f"alive:{self.me}", 0)

    def alive(self, process: str) -> bool:
        if process == self.me:
            return True
        until = self._values.get(NAMESPACE, f"alive:{process}")
        return isinstance(until, int | float) and until > self.wall() and not is_gone(process)

    # -- owners -------------------------------------------------------------------------------

    def owner(self, arn: str) -> str | None:
        if not self.shared:
            return self.me
        held = self._values.get(NAMESPACE, f"owner:{arn}")
        return held if isinstance(held, str) else None

    def own(self, arn: str) -> None:
        """A new execution, started here."""
        if self.shared:
            self._values.put(NAMESPACE, f"owner:{arn}", self.me)

    def take(self, arn: str) -> bool:
        """Whether this process drives `arn` now: it is this one's, or its owner is gone (or
        there is none) and this process took it over before any other did."""
        owner = self.owner(arn)
        if owner == self.me:
            return True
        if owner is not None and self.alive(owner):
            return False
        return self._values.swap(NAMESPACE, f"owner:{arn}", owner, self.me)

    # -- messages -----------------------------------------------------------------------------

    def send(
        self, arn: str, message: list[Any], apply: Callable[[], None], may_take: bool = True
    ) -> None:
        """Have `arn`'s owner apply `message`, or `apply` it here if this process drives it
        (or, `may_take`, takes it over now). An owner that is gone, where this process may not
        take its executions (it lacks the function), keeps the message in its inbox for the
        process that takes them over; "" stands for no owner."""
        while True:
            if may_take and self.take(arn):
                apply()
                return
            owner = self.owner(arn) or ""
            self._append(f"inbox:{owner}", message)
            if (self.owner(arn) or "") == owner:  # else the new owner may have read it already
                return

    def receive(self, process: str | None = None) -> list[list[Any]]:
        """Take the messages in `process`'s inbox (this process's by default)."""
        key = f"inbox:{self.me if process is None else process}"
        while True:
            held = self._values.get(NAMESPACE, key)
            if not held:
                return []
            if self._values.swap(NAMESPACE, key, held, None):
                return list(held)

    def _append(self, key: str, message: list[Any]) -> None:
        while True:
            held = self._values.get(NAMESPACE, key)
            if self._values.swap(NAMESPACE, key, held, [*(held or []), message]):
                return
