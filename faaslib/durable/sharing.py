"""The service's side of a fleet (`fleet.Fleet`): which executions this process drives, taking
over those of processes that are gone, and changes made elsewhere applied by the owner.

`_executions` holds the executions this process drives and ended ones (which no longer
change); an execution another process drives is read from the store at each look
(`DurableExecutions._find`), never kept here, so every process answers from what the owner last
wrote.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc

from faaslib.durable.execution import Execution, function_of, read_callback_id
from faaslib.durable.fleet import BEAT, POLL, SCAN, Fleet
from faaslib.errors import InvalidParameterValue

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.durable.keep import Keeper

__all__ = ["Sharing"]

logger = logging.getLogger("faaslib.durable")

WATCH = 0.05  # real seconds between two looks at an execution another process drives


class Sharing:
    """Adopting executions, and routing outside changes to their owner."""

    _app: App
    _keeper: Keeper
    _fleet: Fleet
    _executions: dict[str, Execution]
    _running: set[str]
    _ends: dict[str, anyio.Event]

    if TYPE_CHECKING:

        def _remember(self, execution: Execution) -> None: ...

        def _resume(self, execution: Execution) -> None: ...

        def _find(self, arn: object) -> Execution: ...

        def _apply(self, arn: str, message: list[Any]) -> None: ...

    # -- driving ------------------------------------------------------------------------------

    def _adopt(self, arn: str) -> Execution | None:
        """`arn`, driven here from now on if this process may (it is this one's, or its owner
        is gone); None if another process drives it (or it is unknown)."""
        if arn in self._running:
            return self._executions[arn]
        if not self._runs_here(arn) or not self._fleet.take(arn):
            held = self._executions.get(arn)
            if held is not None and not held.is_ended:  # taken over while this one stopped
                del self._executions[arn]
            return None
        execution = self._keeper.read(arn) or self._executions.get(arn)  # memory: the latter
        if execution is None:
            return None
        self._remember(execution)
        if not execution.is_ended:
            self._resume(execution)
        return execution

    def _runs_here(self, arn: str) -> bool:
        """Whether this process has the execution's function (processes sharing a store may
        run different apps: an execution waits for one that has it)."""
        return function_of(arn) in self._app._functions

    def _take_over(self) -> None:
        """Drive the executions not yet ended that no live process drives (at start, those
        an earlier run left), and apply what was sent to the processes they belonged to."""
        fleet = self._fleet
        left = [arn for arn, held in self._executions.items() if not held.is_ended]
        gone: set[str] = set()
        for arn in dict.fromkeys([*self._keeper.active(), *left]):
            if arn in self._running:
                continue
            owner = fleet.owner(arn)
            if self._adopt(arn) is not None and owner != fleet.me:
                gone.add(owner or "")
        for process in gone:
            for message in fleet.receive(process):
                self._deliver(message)

    async def _keep_fleet(self) -> None:
        """While the app runs on a shared store: read the inbox, beat, and look for
        executions left by processes that are gone."""
        fleet = self._fleet
        beat = scan = fleet.wall()
        while True:
            await anyio.sleep(POLL)
            for message in fleet.receive():
                self._deliver(message)
            now = fleet.wall()
            if now - beat >= BEAT:
                fleet.beat()
                beat = now
            if now - scan >= SCAN:
                self._take_over()
                scan = now

    async def _until_ended(self, arn: str) -> None:
        """Until `arn` has ended, here or in the process that drives it."""
        ended = self._ends.setdefault(arn, anyio.Event())
        while not ended.is_set():
            if arn in self._running:
                await ended.wait()
                return
            with anyio.move_on_after(WATCH):
                await ended.wait()
            if self._find(arn).is_ended:  # remembered, and `ended` set, once ended
                ended.set()

    # -- changes from outside -----------------------------------------------------------------

    def _route(self, arn: str, message: list[Any]) -> None:
        """Apply `message` to `arn` here if this process drives it, else send it to the one
        that does."""
        self._fleet.send(arn, message, lambda: self._apply(arn, message), self._runs_here(arn))

    def _deliver(self, message: list[Any]) -> None:
        """A message from another process (or left to a process that is gone)."""
        try:
            kind = message[0]
            arn = message[1] if kind in ("stop", "chained") else read_callback_id(message[1])[0]
        except (IndexError, TypeError, ValueError, InvalidParameterValue):
            logger.warning("durable executions: a message no process sent: %r", message)
            return
        self._route(arn, message)
