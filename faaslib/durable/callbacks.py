"""Callbacks answered from outside (`SendDurableExecutionCallback{Success,Failure,Heartbeat}`)
and executions stopped (`StopDurableExecution`): what changes an execution between its
invocations, and makes the next one due."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import anyio.lowlevel

from faaslib.durable.execution import Document, Execution, read_callback_id
from faaslib.errors import CallbackTimeout, InvalidParameterValue, ResourceNotFound

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.durable.keep import Keeper

__all__ = ["Callbacks"]

MAX_RESULT_BYTES = 262_144  # Lambda's limit on a callback's result (256 KB)


class Callbacks:
    """The callback and stop calls of `DurableExecutions`."""

    _app: App
    _keeper: Keeper
    _executions: dict[str, Execution]

    if TYPE_CHECKING:

        def _find(self, arn: object) -> Execution: ...

        def _poke(self, arn: str) -> None: ...

        def _fire_due(self, execution: Execution, now: float) -> bool: ...

        def _route(self, arn: str, message: list[Any]) -> None: ...

    def _open_callback(self, callback_id: str) -> tuple[Execution, Document]:
        """The execution and callback of `callback_id`, if it still waits for an answer;
        `CallbackTimeout` if it timed out or was answered, `ResourceNotFound` if unknown."""
        arn, operation_id = read_callback_id(callback_id)
        try:
            execution = self._find(arn)
        except ResourceNotFound:
            raise ResourceNotFound(
                f"Callback not found: {callback_id!r:.120} (no durable execution {arn})",
                function_name=None,
            ) from None
        if self._executions.get(arn) is execution:  # driven here (else: the store's copy)
            self._fire_due(execution, self._app.clock.now())  # a timeout due now comes first
        operation = execution.operations.get(operation_id)
        if operation is None or operation.get("Type") != "CALLBACK":
            raise ResourceNotFound(f"Callback not found: {callback_id!r:.120}", function_name=None)
        callback = execution.callbacks.get(callback_id)
        if callback is None or execution.is_ended:
            raise CallbackTimeout(
                f"Callback {callback_id!r:.120} is closed ({operation['Status']}): it timed "
                "out, was answered already, or its execution ended",
                function_name=None,
            )
        return execution, callback

    async def callback_success(self, callback_id: str, result: bytes | str | None = None) -> None:
        """SendDurableExecutionCallbackSuccess: the callback succeeds with `result`. An empty
        result is none, as over the wire (an empty body)."""
        if not result:
            result = None
        if isinstance(result, bytes | bytearray):
            try:
                result = bytes(result).decode()
            except UnicodeDecodeError:
                raise InvalidParameterValue(
                    "Result must be UTF-8 text", function_name=None
                ) from None
        if result is not None and not isinstance(result, str):
            raise InvalidParameterValue(
                f"Result must be bytes or str, not {type(result).__name__}", function_name=None
            )
        if result is not None and len(result.encode()) > MAX_RESULT_BYTES:
            raise InvalidParameterValue(
                f"Result is over the limit of {MAX_RESULT_BYTES:,} bytes", function_name=None
            )
        execution, _ = self._open_callback(callback_id)  # refused here if it is closed
        self._route(execution.arn, ["success", callback_id, result])
        await anyio.lowlevel.checkpoint()

    async def callback_failure(self, callback_id: str, error: dict[str, Any] | None = None) -> None:
        """SendDurableExecutionCallbackFailure: the callback fails with `error` (an
        ErrorObject: ErrorType, ErrorMessage, ErrorData, StackTrace)."""
        if error is not None and not isinstance(error, dict):
            raise InvalidParameterValue(
                f"Error must be an ErrorObject (a dict), not {type(error).__name__}",
                function_name=None,
            )
        execution, _ = self._open_callback(callback_id)
        self._route(execution.arn, ["failure", callback_id, dict(error or {})])
        await anyio.lowlevel.checkpoint()

    async def callback_heartbeat(self, callback_id: str) -> None:
        """SendDurableExecutionCallbackHeartbeat: the callback's heartbeat timeout starts again."""
        execution, callback = self._open_callback(callback_id)
        if callback.get("Heartbeat"):
            self._route(execution.arn, ["heartbeat", callback_id])
        await anyio.lowlevel.checkpoint()

    async def stop(self, arn: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
        """StopDurableExecution: the execution ends STOPPED (with `error`, or Lambda's);
        `{"StopTimestamp": ...}`. A running invocation's later checkpoints are refused."""
        execution = self._find(arn)
        if error is not None and not isinstance(error, dict):
            raise InvalidParameterValue(
                f"Error must be an ErrorObject (a dict), not {type(error).__name__}",
                function_name=None,
            )
        stopped = execution.end
        if stopped is None:
            stop_error = dict(error) if error else {"ErrorMessage": "Execution stopped"}
            stopped = self._app.clock.now()
            self._route(execution.arn, ["stop", execution.arn, stop_error, stopped])
        await anyio.lowlevel.checkpoint()
        return {"StopTimestamp": datetime.fromtimestamp(stopped, timezone.utc)}

    def _changed(self, execution: Execution) -> None:
        self._keeper.write(execution)
        self._poke(execution.arn)
