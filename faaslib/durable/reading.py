"""Reading executions: GetDurableExecution, its history, the executions of a function, and
waiting for an execution to end (or to suspend, for tests on a `FakeClock`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel

from faaslib.durable.execution import Document, Execution, public
from faaslib.errors import ResourceNotFound

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.durable.keep import Keeper

__all__ = ["Reading"]


class Reading:
    """The reading calls of `DurableExecutions`."""

    _app: App
    _keeper: Keeper
    _executions: dict[str, Execution]
    _quiet: dict[str, anyio.Event]
    _ends: dict[str, anyio.Event]
    _running: set[str]

    if TYPE_CHECKING:

        def _find(self, arn: object) -> Execution: ...

        def _next_due(self, execution: Execution) -> float: ...

        async def _until_ended(self, arn: str) -> None: ...

    async def get(self, arn: str) -> dict[str, Any]:
        """GetDurableExecution: the execution's status, input and result or error."""
        execution = self._find(arn)
        await anyio.lowlevel.checkpoint()
        answer: Document = execution.summary()  # its ARN, name, function, status and times
        answer["InputPayload"] = execution.input
        answer["Version"] = "$LATEST"
        answer["DurableConfig"] = {
            "ExecutionTimeout": execution.timeout,
            "RetentionPeriodInDays": execution.retention_days,
        }
        if execution.result is not None:
            answer["Result"] = execution.result
        if execution.error is not None:
            answer["Error"] = execution.error
        if execution.end is None:
            answer["ExpectedExecutionTimeoutTimestamp"] = execution.deadline
        return public(answer)  # type: ignore[no-any-return]

    async def wait(self, arn: str, timeout: float | None = None) -> dict[str, Any]:  # noqa: ASYNC109
        """Wait until the execution ends (at most `timeout` seconds of the app's clock, then
        `TimeoutError`); GetDurableExecution's answer then."""
        execution = self._find(arn)
        ended = self._ends.setdefault(execution.arn, anyio.Event())
        if execution.is_ended:
            ended.set()
        if timeout is None:
            await self._until_ended(execution.arn)
        else:
            with self._app.clock.timeout_scope(timeout):
                await self._until_ended(execution.arn)
            if not ended.is_set():
                raise TimeoutError(f"durable execution {arn} did not end within {timeout} s")
        return await self.get(arn)

    async def settled(self, arn: str) -> float | None:
        """Return once the execution has ended or is suspended (no invocation running and
        nothing due now): the seconds until its next timer falls due (a wait's end, a retry,
        a callback's timeout, the execution's), or None once it has ended.

        Under a `FakeClock`, what a test advances by: time moved while an invocation runs
        would move under the handler too (and may time it out).
        """
        execution = self._find(arn)
        while not execution.is_ended:
            if execution.arn not in self._running:  # the app is not running: nothing moves
                return max(self._next_due(execution) - self._app.clock.now(), 0.0)
            quiet = self._quiet.setdefault(execution.arn, anyio.Event())
            await quiet.wait()
            if self._quiet.get(execution.arn) is quiet and not execution.is_ended:
                return max(self._next_due(execution) - self._app.clock.now(), 0.0)
        await anyio.lowlevel.checkpoint()
        return None

    async def history(
        self, arn: str, *, include_execution_data: bool = True
    ) -> list[dict[str, Any]]:
        """GetDurableExecutionHistory's events, oldest first (without payloads when
        `include_execution_data` is False)."""
        execution = self._find(arn)
        await anyio.lowlevel.checkpoint()
        events = execution.events
        if not include_execution_data:
            events = [_without_data(event) for event in events]
        return public(events)  # type: ignore[no-any-return]

    async def list(
        self,
        function: str,
        *,
        status: str | list[str] | None = None,
        name: str | None = None,
        started_after: datetime | float | None = None,
        started_before: datetime | float | None = None,
        reverse: bool = False,
    ) -> list[dict[str, Any]]:
        """ListDurableExecutionsByFunction's items, oldest first (`reverse`: newest first);
        `started_after`/`started_before` are datetimes or Unix seconds."""
        target = self._app._function(function)
        if isinstance(started_after, datetime):
            started_after = started_after.timestamp()
        if isinstance(started_before, datetime):
            started_before = started_before.timestamp()
        arns = dict.fromkeys(self._keeper.of_function(target.name))
        arns.update((e.arn, None) for e in self._executions.values() if e.function == target.name)
        statuses = {status} if isinstance(status, str) else set(status or ())
        items = []
        for arn in arns:
            try:
                execution = self._find(arn)
            except ResourceNotFound:
                continue
            if statuses and execution.status not in statuses:
                continue
            if name is not None and execution.name != name:
                continue
            if started_after is not None and execution.start < started_after:
                continue
            if started_before is not None and execution.start > started_before:
                continue
            items.append(execution.summary())
        items.sort(key=lambda item: item["StartTimestamp"], reverse=reverse)
        await anyio.lowlevel.checkpoint()
        return public(items)  # type: ignore[no-any-return]


def _without_data(event: Document) -> Document:
    """An event without the execution's data (inputs, results, errors)."""
    copy = dict(event)
    for key, details in event.items():
        if key.endswith("Details") and isinstance(details, dict):
            copy[key] = {
                member: value
                for member, value in details.items()
                if member not in ("Input", "Result", "Error")
            }
    return copy
