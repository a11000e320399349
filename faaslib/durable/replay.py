"""The replay loop: each execution's task invokes its function until the execution ends.

An execution's task invokes the function with the durable event (its ARN, a checkpoint token
and the operations so far), reads the output (`{"Status": "SUCCEEDED" | "FAILED" | "PENDING"}`)
and, while it is PENDING, sleeps on the app's clock until the next thing that changes an
operation the handler has not seen: a wait's end, a step's next attempt, a callback answered or
timed out, a chained invoke's target ending. It invokes through the app's runner, so
concurrency, instances, billing and logs apply as to any invocation. A failed invocation (an
error, a timeout, a throttle) is retried after `RETRY_SECONDS`, up to `MAX_FAILED_ATTEMPTS` in
a row, then fails the execution, as the service does.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc

from faaslib.durable.execution import Document, Execution, handler_error, millis
from faaslib.errors import InvocationError
from faaslib.invoke import encode_request

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.durable.keep import Keeper

__all__ = ["Replay"]

logger = logging.getLogger("faaslib.durable")

MAX_FAILED_ATTEMPTS = 5
MAX_PENDING_WITHOUT_WORK = 3
RETRY_SECONDS = 5
SLACK = 0.001
STATE_PAGE_BYTES = 5 * 1024 * 1024
_END_EVENTS = {
    "SUCCEEDED": "ExecutionSucceeded",
    "FAILED": "ExecutionFailed",
    "TIMED_OUT": "ExecutionTimedOut",
    "STOPPED": "ExecutionStopped",
}
_CHAINED_EVENTS = {
    "SUCCEEDED": "ChainedInvokeSucceeded",
    "FAILED": "ChainedInvokeFailed",
    "TIMED_OUT": "ChainedInvokeTimedOut",
    "STOPPED": "ChainedInvokeStopped",
}
_CALLBACK_EVENTS = {
    "SUCCEEDED": "CallbackSucceeded",
    "FAILED": "CallbackFailed",
    "TIMED_OUT": "CallbackTimedOut",
}


def _add_outcome(
    execution: Execution,
    events: dict[str, str],
    status: str,
    now: float,
    operation: Document | None,
    result: str | None,
    error: Document | None,
) -> None:
    """The history event of an operation (or the execution) ending with `status`: its result
    when it succeeded, its error otherwise."""
    if status == "SUCCEEDED":
        payload = None if result is None else {"Payload": result, "Truncated": False}
        execution.add_event(events[status], now, operation, Result=payload)
    else:
        execution.add_event(events[status], now, operation, Error={"Payload": error or {}})


class Replay:
    """The executions' tasks and timers (the service's half that runs in the background)."""

    _app: App
    _keeper: Keeper
    _executions: dict[str, Execution]
    _tasks: anyio.abc.TaskGroup | None
    _pokes: dict[str, anyio.Event]
    _quiet: dict[str, anyio.Event]
    _ends: dict[str, anyio.Event]
    _running: set[str]

    if TYPE_CHECKING:

        def _route(self, arn: str, message: list[Any]) -> None: ...

    # -- the loop -----------------------------------------------------------------------------

    def _launch(self, execution: Execution) -> None:
        """Run `execution`'s task (the service is running)."""
        if self._tasks is None or execution.arn in self._running or execution.is_ended:
            return
        self._running.add(execution.arn)
        self._tasks.start_soon(self._drive, execution, name=f"durable {execution.arn}")

    async def _drive(self, execution: Execution) -> None:
        clock = self._app.clock
        try:
            while not execution.is_ended:
                now = clock.now()
                if self._fire_due(execution, now):
                    self._keeper.write(execution)
                if execution.is_ended:
                    break
                retry = execution.wake
                if self._has_unseen(execution) or (retry is not None and retry <= now + SLACK):
                    await self._invoke(execution)
                    continue
                poked = self._pokes[execution.arn] = anyio.Event()
                self._quiet.setdefault(execution.arn, anyio.Event()).set()
                with clock.timeout_scope(max(self._next_due(execution) - now, 0)):
                    await poked.wait()
        finally:
            self._running.discard(execution.arn)
            self._pokes.pop(execution.arn, None)
            self._quiet.pop(execution.arn, anyio.Event()).set()

    def _poke(self, arn: str) -> None:
        """Something changed: `arn`'s task looks again at what is due."""
        poked = self._pokes.get(arn)
        if poked is not None:
            poked.set()

    @staticmethod
    def _has_unseen(execution: Execution) -> bool:
        return any(sequence > execution.seen for sequence in execution.touched.values())

    @staticmethod
    def _next_due(execution: Execution) -> float:
        """The earliest moment something is due: a timer of an operation, a retry, the end."""
        moments = [execution.deadline]
        if execution.wake is not None:
            moments.append(execution.wake)
        for operation in execution.operations.values():
            status = operation["Status"]
            if operation["Type"] == "WAIT" and status == "STARTED":
                moments.append(operation["WaitDetails"]["ScheduledEndTimestamp"])
            elif operation["Type"] == "STEP" and status == "PENDING":
                moments.append(operation["StepDetails"]["NextAttemptTimestamp"])
        for callback in execution.callbacks.values():
            for key in ("Deadline", "HeartbeatDeadline"):
                if callback.get(key) is not None:
                    moments.append(callback[key])
        return min(moments)

    def _fire_due(self, execution: Execution, now: float) -> bool:
        """Move every operation whose moment has come; whether any changed."""
        if execution.is_ended:
            return False
        horizon = now + SLACK  # due within a millisecond is due: Lambda's timestamps are in ms
        if horizon >= execution.deadline:
            message = f"Execution timed out after {execution.timeout} seconds."
            self._end(execution, "TIMED_OUT", now, error={"ErrorMessage": message})
            return True
        changed = False
        for operation in list(execution.operations.values()):
            status = operation["Status"]
            if operation["Type"] == "WAIT" and status == "STARTED":
                end = operation["WaitDetails"]["ScheduledEndTimestamp"]
                if end <= horizon:
                    done = {**operation, "Status": "SUCCEEDED", "EndTimestamp": now}
                    execution.touch(done)
                    duration = round(end - operation["StartTimestamp"])
                    execution.add_event("WaitSucceeded", now, done, Duration=duration)
                    changed = True
            elif operation["Type"] == "STEP" and status == "PENDING":
                details = dict(operation["StepDetails"])
                if details["NextAttemptTimestamp"] <= horizon:
                    del details["NextAttemptTimestamp"]
                    execution.touch({**operation, "Status": "READY", "StepDetails": details})
                    changed = True
        for identifier, callback in list(execution.callbacks.items()):
            for key, kind, message in (
                ("Deadline", "Callback.Timeout", "Callback timed out"),
                ("HeartbeatDeadline", "Callback.Heartbeat", "Callback timed out on heartbeat"),
            ):
                moment = callback.get(key)
                if moment is not None and moment <= horizon and identifier in execution.callbacks:
                    error = {"ErrorType": kind, "ErrorMessage": message}
                    self._close_callback(execution, identifier, "TIMED_OUT", now, error=error)
                    changed = True
        return changed

    def _close_callback(
        self,
        execution: Execution,
        identifier: str,
        status: str,
        now: float,
        *,
        result: str | None = None,
        error: Document | None = None,
    ) -> None:
        callback = execution.callbacks.pop(identifier)
        operation = dict(execution.operations[callback["Operation"]])
        details = dict(operation.get("CallbackDetails") or {})
        if result is not None:
            details["Result"] = result
        if error is not None:
            details["Error"] = error
        operation.update(Status=status, EndTimestamp=now, CallbackDetails=details)
        execution.touch(operation)
        _add_outcome(execution, _CALLBACK_EVENTS, status, now, operation, result, error)

    # -- invocations --------------------------------------------------------------------------

    async def _invoke(self, execution: Execution) -> None:
        """One invocation of the execution's function, and what its output says."""
        app = self._app
        clock = app.clock
        function = app._functions.get(execution.function)
        if self._quiet.setdefault(execution.arn, anyio.Event()).is_set():
            self._quiet[execution.arn] = anyio.Event()  # busy until it waits again
        if function is None:
            error = {
                "ErrorType": "ResourceNotFoundException",
                "ErrorMessage": f"Function not found: {execution.function}",
            }
            self._end(execution, "FAILED", clock.now(), error=error)
            return
        execution.wake = None
        execution.new_invocation()
        body = self._durable_event(execution)
        self._keeper.write(execution)
        started = clock.now()
        output: Any = None
        request_id: str | None = None
        failure: Document | None = None
        async with anyio.create_task_group() as watch:
            watch.start_soon(self._time_out_at_deadline, execution)
            try:
                result = await app._runner.run(function, body, function.arn, None, False)
            except InvocationError as refused:  # throttled, or the function is gone
                failure = {"ErrorType": refused.error_code, "ErrorMessage": refused.message}
            else:
                request_id = result.request_id
                if result.function_error is not None:
                    failure = handler_error(result.payload)
                else:
                    output = result.payload
            watch.cancel_scope.cancel()
        ended = clock.now()
        execution.invocation = ""  # its token is spent: a late checkpoint is refused
        if execution.status in ("STOPPED", "TIMED_OUT"):  # meanwhile: that stands
            self._keeper.write(execution)
            return
        completed: dict[str, Any] = {
            "StartTimestamp": started,
            "EndTimestamp": ended,
            "RequestId": request_id or "",
        }
        if failure is not None:
            completed["Error"] = {"Payload": failure, "Truncated": False}
        execution.add_event("InvocationCompleted", ended, **completed)
        if failure is None:
            failure = self._apply_output(execution, output, ended)
        if failure is not None and not execution.is_ended:
            execution.failed_attempts += 1
            limit = MAX_FAILED_ATTEMPTS
            if failure.get("ErrorType") == "InvalidParameterValueException":
                limit = MAX_PENDING_WITHOUT_WORK
            if execution.failed_attempts >= limit:
                self._end(execution, "FAILED", ended, error=failure)
                return
            execution.wake = ended + RETRY_SECONDS
        elif failure is None:
            execution.failed_attempts = 0
        self._keeper.write(execution)

    def _apply_output(self, execution: Execution, output: Any, now: float) -> Document | None:
        """End the execution as the output says; the error, when the output is not valid."""
        if execution.is_ended:  # it ended by checkpoint (an EXECUTION update)
            return None
        status = output.get("Status") if isinstance(output, dict) else None
        if status == "SUCCEEDED":
            self._end(execution, "SUCCEEDED", now, result=output.get("Result"))
        elif status == "FAILED":
            self._end(execution, "FAILED", now, error=output.get("Error") or {})
        elif status == "PENDING":
            if not self._has_pending(execution) and not self._has_unseen(execution):
                return {
                    "ErrorType": "InvalidParameterValueException",
                    "ErrorMessage": "Cannot return PENDING status with no pending operations.",
                }
        else:
            error = {
                "ErrorType": "InvalidParameterValueException",
                "ErrorMessage": f"Invalid Status in invocation output: {status!r:.40}",
            }
            self._end(execution, "FAILED", now, error=error)
        return None

    @staticmethod
    def _has_pending(execution: Execution) -> bool:
        for operation in execution.operations.values():
            kind, status = operation["Type"], operation["Status"]
            if (kind == "STEP" and status == "PENDING") or (
                kind in ("WAIT", "CALLBACK", "CHAINED_INVOKE") and status == "STARTED"
            ):
                return True
        return False

    def _durable_event(self, execution: Execution) -> bytes:
        """The invocation's event: every operation (a page of them, if they are many)."""
        updated = [
            operation_id
            for operation_id, sequence in execution.touched.items()
            if sequence > execution.seen
        ]
        execution.seen = execution.sequence
        operations, marker = self._page(execution, None, STATE_PAGE_BYTES, 1000)
        state: Document = {"Operations": millis(operations)}
        if marker is not None:
            state["NextMarker"] = marker
        event = {
            "DurableExecutionArn": execution.arn,
            "CheckpointToken": execution.token(),
            "InitialExecutionState": state,
            "UpdatedOperationIds": updated,
        }
        return encode_request(event, execution.function)

    @staticmethod
    def _page(
        execution: Execution, marker: str | None, max_bytes: int, max_items: int
    ) -> tuple[list[Document], str | None]:
        """Operations from `marker` on, within `max_bytes` and `max_items`; the next marker."""
        start = 0 if marker is None else int(marker)
        operations = list(execution.operations.values())
        page: list[Document] = []
        size = 0
        for index in range(start, len(operations)):
            operation_size = len(json.dumps(operations[index]))
            if page and (size + operation_size > max_bytes or len(page) >= max_items):
                return page, str(index)
            page.append(operations[index])
            size += operation_size
        return page, None

    async def _time_out_at_deadline(self, execution: Execution) -> None:
        clock = self._app.clock
        await clock.sleep(max(execution.deadline - clock.now(), 0))
        if self._fire_due(execution, clock.now()):
            self._keeper.write(execution)

    # -- the end ------------------------------------------------------------------------------

    def _end(
        self,
        execution: Execution,
        status: str,
        now: float,
        *,
        result: str | None = None,
        error: Document | None = None,
    ) -> None:
        """End `execution` with `status`: its EXECUTION operation and history, the store, and
        whoever waits for it (callers of `wait`, a parent's chained invoke)."""
        execution.status = status
        execution.end = now
        execution.result = result
        execution.error = error
        execution.callbacks.clear()
        execution.wake = None
        operation = execution.operations.get(execution.execution_id)
        if operation is not None:
            execution.touch({**operation, "Status": status, "EndTimestamp": now})
        _add_outcome(execution, _END_EVENTS, status, now, operation, result, error)
        self._keeper.ended(execution)
        self._ends.setdefault(execution.arn, anyio.Event()).set()
        self._poke(execution.arn)
        if execution.parent is not None:  # to the process that drives the parent
            parent, operation_id = execution.parent
            self._route(parent, ["chained", parent, operation_id, status, now, result, error])

    def _chained_ended(
        self,
        execution: Execution,
        operation_id: str,
        status: str,
        now: float,
        result: str | None,
        error: Document | None,
    ) -> None:
        """A chained invoke's target ended: so does the operation, and the handler is due."""
        operation = execution.operations.get(operation_id)
        if execution.is_ended or operation is None or operation["Status"] != "STARTED":
            return
        details: Document = {}
        if status == "SUCCEEDED":
            if result is not None:
                details["Result"] = result
        else:
            details["Error"] = error or {}
        done = {**operation, "Status": status, "EndTimestamp": now, "ChainedInvokeDetails": details}
        execution.touch(done)
        _add_outcome(execution, _CHAINED_EVENTS, status, now, done, result, error)
        execution.chained.pop(operation_id, None)
        self._keeper.write(execution)
        self._poke(execution.arn)
