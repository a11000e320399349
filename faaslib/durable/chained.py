"""Chained invokes (`context.invoke`): the service invokes the target function itself.

A durable target gets an execution of its own, whose end ends the operation (`Replay._end`);
any other target is invoked once, as `app.invoke` would, and its response ends it. A target
that does not exist fails the operation in the checkpoint's own answer, so the handler sees
the failure without suspending.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import anyio.abc

from faaslib.durable.execution import Document, Execution, handler_error
from faaslib.errors import InvocationError, ResourceNotFound

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.durable.keep import Keeper
    from faaslib.executor import Function

__all__ = ["ChainedInvokes"]

_FUNCTION_ARN = re.compile(
    r"^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(:[^:]+)?$"
)


class ChainedInvokes:
    """Starting chained invokes' targets and ending their operations."""

    _app: App
    _keeper: Keeper
    _tasks: anyio.abc.TaskGroup | None

    if TYPE_CHECKING:

        def _start(
            self, function: Function, payload: str, name: str | None, parent: Any = None
        ) -> Execution: ...

        def _chained_ended(
            self,
            execution: Execution,
            operation_id: str,
            status: str,
            now: float,
            result: str | None,
            error: Document | None,
        ) -> None: ...

    def _target(self, name: str) -> Function:
        """The function a ChainedInvokeOptions.FunctionName names (a name, `name:qualifier`
        or an ARN in the app's region and account)."""
        app = self._app
        match = _FUNCTION_ARN.match(name)
        if match is not None:
            region, account, function, _ = match.groups()
            if region != app.config.region or account != app.config.account_id:
                raise ResourceNotFound(
                    f"Function not found: {name} (a chained invoke reaches only functions in "
                    f"{app.config.region}, account {app.config.account_id})",
                    function_name=function,
                )
            name = function
        return app._function(name.split(":")[0])

    def _start_chained(self, execution: Execution, update: Document, now: float) -> str | None:
        """A chained invoke was checkpointed: start a durable target's execution, or say to
        invoke a plain target (its operation id); a missing target fails the operation."""
        operation_id = update["Id"]
        options = update["ChainedInvokeOptions"]
        operation = execution.operations[operation_id]
        payload = update.get("Payload")
        details: Document = {"FunctionName": options["FunctionName"]}
        if options.get("TenantId") is not None:
            details["TenantId"] = options["TenantId"]
        try:
            target = self._target(options["FunctionName"])
        except InvocationError as error:
            execution.add_event("ChainedInvokeStarted", now, operation, **details)
            failure = {"ErrorType": error.error_code, "ErrorMessage": error.message}
            self._chained_ended(execution, operation_id, "FAILED", now, None, failure)
            return None
        details["Input"] = {"Payload": payload, "Truncated": False}
        details["ExecutedVersion"] = "$LATEST"
        record: Document = {"Function": target.name, "Payload": payload}
        if target.config.durable is not None:
            child = self._start(target, payload or "null", None, (execution.arn, operation_id))
            record["Arn"] = details["DurableExecutionArn"] = child.arn
        execution.chained[operation_id] = record
        execution.add_event("ChainedInvokeStarted", now, operation, **details)
        return None if "Arn" in record else operation_id

    def _dispatch_chained(self, execution: Execution, operation_id: str) -> None:
        if self._tasks is not None:
            self._tasks.start_soon(self._invoke_target, execution, operation_id)

    def _resume_chained(self, execution: Execution) -> None:
        """After a restart, plain targets whose answer was lost are invoked again."""
        for operation_id, record in execution.chained.items():
            if "Arn" not in record:
                self._dispatch_chained(execution, operation_id)

    async def _invoke_target(self, execution: Execution, operation_id: str) -> None:
        record = execution.chained[operation_id]
        payload = record["Payload"]
        body = None if payload is None else payload.encode()
        try:
            result = await self._app.invoke(record["Function"], body)
        except InvocationError as error:
            failure = {"ErrorType": error.error_code, "ErrorMessage": error.message}
            self._chained_ended(
                execution, operation_id, "FAILED", self._app.clock.now(), None, failure
            )
            return
        now = self._app.clock.now()
        if result.function_error is None:
            text = None if result.raw_payload is None else result.raw_payload.decode()
            self._chained_ended(execution, operation_id, "SUCCEEDED", now, text, None)
            return
        failure = handler_error(result.payload)
        self._chained_ended(execution, operation_id, "FAILED", now, None, failure)
