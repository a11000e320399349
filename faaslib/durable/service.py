"""`DurableExecutions`: Lambda's durable execution service for an app (`app.durable`).

The nine durable APIs as Python calls (dicts in botocore's shapes, timestamps as UTC
`datetime`s), which `app.aws` serves to the SDK inside handlers and to boto3 outside; and
starting executions, which `app.invoke` does for a durable function.
"""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc

from faaslib.durable.callbacks import Callbacks
from faaslib.durable.chained import ChainedInvokes
from faaslib.durable.checkpoint import Effect, apply_updates, check_updates, payload_bytes
from faaslib.durable.config import MAX_SYNC_EXECUTION_TIMEOUT_SECONDS
from faaslib.durable.execution import (
    Document,
    Execution,
    execution_arn,
    public,
    read_token,
)
from faaslib.durable.fleet import Fleet
from faaslib.durable.keep import Keeper
from faaslib.durable.reading import Reading
from faaslib.durable.replay import STATE_PAGE_BYTES, Replay
from faaslib.durable.sharing import Sharing
from faaslib.durable.usage import DurableUsage
from faaslib.errors import (
    CallbackTimeout,
    DurableExecutionAlreadyStarted,
    InvalidParameterValue,
    ResourceConflict,
    ResourceNotFound,
)
from faaslib.invoke import InvocationResult, encode_request, new_request_id

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.executor import Function

__all__ = ["DurableExecutions"]

_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


class DurableExecutions(Replay, Reading, Callbacks, ChainedInvokes, Sharing):
    """The durable executions of an app's durable functions (`@app.function(durable=...)`).

    ```pycon
    >>> arn = await app.durable.start("order", {"id": 7}, name="order-7")
    >>> execution = await app.durable.wait(arn)
    >>> execution["Status"], execution["Result"]
    ```

    Every accepted checkpoint is written to the app's store before it is answered; when the
    app starts again on a durable store (`App(store="sqlite:///...")`) the executions not yet
    ended resume, their timers re-armed from the times kept. Processes sharing a store (a
    SQLite file, a Redis prefix) share the executions: each is driven by one process, taken
    over by another when that one is gone; a callback or a stop sent to any process reaches it
    (`fleet`, `sharing`).
    """

    def __init__(self, app: App) -> None:
        self._app = app
        self._keeper = Keeper(app.store)
        self._fleet = Fleet(app.store)
        self._executions: dict[str, Execution] = {}
        self._names: dict[tuple[str, str], str] = {}
        self._tasks: anyio.abc.TaskGroup | None = None
        self._pokes: dict[str, anyio.Event] = {}
        self._quiet: dict[str, anyio.Event] = {}
        self._ends: dict[str, anyio.Event] = {}
        self._running: set[str] = set()
        self.usage: DurableUsage = app._durable_usage
        """What the executions used, as Lambda bills it (see `faaslib.durable.usage`); in
        `app.costs` beside compute."""

    async def run(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Run the executions' tasks while the app runs; resume those not yet ended."""
        async with anyio.create_task_group() as tasks:
            self._tasks = tasks
            if self._keeper.is_durable:
                durable = [f.name for f in self._app._functions.values() if f.config.durable]
                self.usage.keep_in(self._app.store.values, durable)
            fleet = self._fleet
            try:
                fleet.beat()
                self._take_over()
                task_status.started()
                if fleet.shared:
                    await self._keep_fleet()
                else:
                    await anyio.sleep_forever()
            finally:
                self._tasks = None
                fleet.leave()  # the others may take what is left at once

    def _resume(self, execution: Execution) -> None:
        """Run an execution kept from before the app (re)started. An invocation that was
        running when it stopped never answered: it is due again, as a failed one would be."""
        if execution.invocation:
            execution.invocation = ""
            execution.wake = self._app.clock.now()
        self._resume_chained(execution)
        self._launch(execution)

    # -- starting -----------------------------------------------------------------------------

    async def start(self, function: str, payload: Any = None, *, name: str | None = None) -> str:
        """Start an execution of durable function `function` with `payload` (JSON, as for
        `app.invoke`); its ARN. A `name` makes the start idempotent: the same name with the
        same input is the same execution, with another input `DurableExecutionAlreadyStarted`.
        """
        target = self._app._function(function)
        body = encode_request(payload, target.name)
        await anyio.lowlevel.checkpoint()
        return self._start(target, body.decode(), name).arn

    def _start(
        self, function: Function, payload: str, name: str | None, parent: Any = None
    ) -> Execution:
        config = function.config.durable
        if config is None:
            raise InvalidParameterValue(
                f"function {function.name!r} is not durable: register it with "
                "durable=DurableConfig(...) to start durable executions of it",
                function_name=function.name,
            )
        if self._tasks is None:
            raise ResourceConflict(
                f"function {function.name!r}: App {self._app.name!r} is not running, so nothing "
                "would run a durable execution; start it inside `async with app:`",
                function_name=function.name,
            )
        if name is not None:
            if not isinstance(name, str) or not _NAME.match(name):
                raise InvalidParameterValue(
                    f"function {function.name!r}: DurableExecutionName={name!r:.80} is not "
                    "valid: 1 to 64 letters, digits, - or _",
                    function_name=function.name,
                )
            known = self._by_name(function.name, name)
            if known is not None:
                if known.input != payload:
                    raise DurableExecutionAlreadyStarted(
                        f"function {function.name!r}: a durable execution named {name!r} has "
                        "already been started with another input",
                        function_name=function.name,
                    )
                if not known.is_ended:  # found in the store: it runs, and resumes on restart
                    self._keeper.make_active(known)
                    known = self._adopt(known.arn) or known  # unless another process runs it
                return known
        region, account = self._app.config.region, self._app.config.account_id
        name = name or str(uuid.uuid4())
        arn = execution_arn(region, account, function.name, name, str(uuid.uuid4()))
        now = self._app.clock.now()
        execution = Execution(
            arn, name, function.name, payload, now, config.execution_timeout,
            config.retention_days,
        )  # fmt: skip
        execution.parent = parent
        operation: Document = {
            "Id": execution.execution_id,
            "Name": name,
            "Type": "EXECUTION",
            "Status": "STARTED",
            "StartTimestamp": now,
            "ExecutionDetails": {"InputPayload": payload},
        }
        execution.touch(operation)
        execution.add_event(
            "ExecutionStarted",
            now,
            operation,
            Input={"Payload": payload, "Truncated": False},
            ExecutionTimeout=config.execution_timeout,
        )
        execution.written_bytes += len(payload.encode())
        self._remember(execution)
        self._fleet.own(execution.arn)  # before it is active: no other process takes it
        self._keeper.added(execution)
        self.usage.started(execution)
        self._launch(execution)
        return execution

    def _remember(self, execution: Execution) -> None:
        self._executions[execution.arn] = execution
        self._names[(execution.function, execution.name)] = execution.arn
        if execution.is_ended:
            self._ends.setdefault(execution.arn, anyio.Event()).set()

    def _by_name(self, function: str, name: str) -> Execution | None:
        """The execution of `function` named `name`, unless its retention has passed."""
        arn = self._names.get((function, name)) or self._keeper.named(function, name)
        try:
            return None if arn is None else self._find(arn)
        except ResourceNotFound:  # forgotten: the name is free again
            return None

    async def invoke(
        self,
        function: Function,
        request: bytes,
        invocation_type: str,
        name: str | None,
    ) -> InvocationResult:
        """`app.invoke` of a durable function: RequestResponse starts (or finds) the execution
        and answers with its result when it ends; Event answers 202 at once."""
        if function.config.durable is None:
            raise InvalidParameterValue(
                f"function {function.name!r} is not durable, so it takes no "
                f"durable_execution_name (given {name!r:.80})",
                function_name=function.name,
            )
        if invocation_type == "DryRun":
            await anyio.lowlevel.checkpoint()
            return InvocationResult(function.name, 204, new_request_id())
        sync = invocation_type == "RequestResponse"
        if sync and function.config.durable.execution_timeout > MAX_SYNC_EXECUTION_TIMEOUT_SECONDS:
            raise InvalidParameterValue(
                f"function {function.name!r}: a durable function whose execution_timeout "
                f"({function.config.durable.execution_timeout:,} s) is over "
                f"{MAX_SYNC_EXECUTION_TIMEOUT_SECONDS} s can't be invoked synchronously; "
                "invoke it with invocation_type='Event'",
                function_name=function.name,
            )
        if invocation_type not in ("RequestResponse", "Event"):
            raise InvalidParameterValue(
                f"function {function.name!r}: invocation_type={invocation_type!r} is not valid; "
                "use 'RequestResponse', 'Event' or 'DryRun'",
                function_name=function.name,
            )
        execution = self._start(function, request.decode(), name)
        result = InvocationResult(function.name, 202 if not sync else 200, new_request_id())
        result.durable_execution_arn = execution.arn
        if not sync:
            await anyio.lowlevel.checkpoint()
            return result
        await self._until_ended(execution.arn)
        execution = self._find(execution.arn)
        if execution.status == "SUCCEEDED":
            result.raw_payload = (execution.result or "null").encode()
        else:
            error = execution.error or {}
            result.function_error = "Unhandled"
            result.raw_payload = encode_request(
                {
                    "errorType": error.get("ErrorType", execution.status),
                    "errorMessage": error.get("ErrorMessage", ""),
                },
                function.name,
            )
        return result

    # -- a change sent from another process (`Sharing._route`) --------------------------------

    def _apply(self, arn: str, message: list[Any]) -> None:
        """Apply a callback's answer, a stop or a chained target's end to `arn`, driven here."""
        execution = self._adopt(arn)
        if execution is None or execution.is_ended:
            return  # forgotten, or ended since: nothing left to change
        kind, *rest = message
        if kind == "stop":
            _, error, now = rest
            self._end(execution, "STOPPED", now, error=error)
        elif kind == "chained":
            _, operation_id, status, now, result, error = rest
            self._chained_ended(execution, operation_id, status, now, result, error)
        else:
            callback_id = rest[0]
            try:
                execution, callback = self._open_callback(callback_id)
            except (CallbackTimeout, ResourceNotFound):
                return  # answered, or timed out, since it was sent
            now = self._app.clock.now()
            if kind == "success":
                self._close_callback(execution, callback_id, "SUCCEEDED", now, result=rest[1])
            elif kind == "failure":
                self._close_callback(execution, callback_id, "FAILED", now, error=rest[1])
            elif callback.get("Heartbeat"):
                callback["HeartbeatDeadline"] = now + callback["Heartbeat"]
            self._changed(execution)

    # -- reading ------------------------------------------------------------------------------

    def _find(self, arn: object) -> Execution:
        if isinstance(arn, str):
            execution = self._executions.get(arn)
            if execution is None:  # not driven here: as the store has it now
                execution = self._keeper.read(arn)
                if execution is not None and execution.is_ended:
                    self._remember(execution)
            if execution is not None and not self._expired(execution):
                return execution
            if execution is not None:  # its retention has passed: forgotten
                self._executions.pop(execution.arn, None)
                self._ends.pop(execution.arn, None)
                if self._names.get((execution.function, execution.name)) == execution.arn:
                    del self._names[(execution.function, execution.name)]
        raise ResourceNotFound(f"Durable execution not found: {arn!r:.300}", function_name=None)

    def _expired(self, execution: Execution) -> bool:
        """An ended execution is kept for its retention period, then forgotten."""
        end = execution.end
        return end is not None and self._app.clock.now() > end + execution.retention_days * 86400

    # -- the handler's calls ------------------------------------------------------------------

    def _current(self, arn: object, token: object) -> Execution:
        """The execution a checkpoint token is for, if the token is its current one."""
        token_arn, sequence, invocation = read_token(token)
        try:
            execution = self._find(arn)
        except ResourceNotFound:
            raise InvalidParameterValue("Invalid checkpoint token", function_name=None) from None
        if (
            token_arn != execution.arn
            or execution.is_ended
            or sequence != execution.token_sequence
            or not invocation
            or invocation != execution.invocation
        ):
            raise InvalidParameterValue("Invalid checkpoint token", function_name=None)
        return execution

    async def state(
        self, arn: str, checkpoint_token: str, marker: str | None = None, max_items: int = 1000
    ) -> dict[str, Any]:
        """GetDurableExecutionState: a page of the operations, for the running invocation."""
        execution = self._current(arn, checkpoint_token)
        count = len(execution.operations)
        if marker is not None and (
            not isinstance(marker, str) or not marker.isdigit() or int(marker) > count
        ):
            raise InvalidParameterValue(f"Invalid marker: {marker!r:.80}", function_name=None)
        if not isinstance(max_items, int) or max_items < 0:
            raise InvalidParameterValue(
                f"MaxItems={max_items!r} must be a whole number from 0 to 1000",
                function_name=None,
            )
        items = max(1, min(max_items or 100, 1000))
        operations, next_marker = self._page(execution, marker, STATE_PAGE_BYTES, items)
        await anyio.lowlevel.checkpoint()
        answer: Document = {"Operations": operations}
        if next_marker is not None:
            answer["NextMarker"] = next_marker
        return public(answer)  # type: ignore[no-any-return]

    async def checkpoint(
        self,
        arn: str,
        checkpoint_token: str,
        updates: list[dict[str, Any]] | None = None,
        client_token: str | None = None,
    ) -> dict[str, Any]:
        """CheckpointDurableExecution: apply the handler's operation updates, keep them, and
        answer with a new token and the operations changed since the handler last saw them.

        A token from an earlier checkpoint, an earlier invocation or an ended execution is
        refused (`InvalidParameterValue`, "Invalid checkpoint token"); the same call again with
        the same `client_token` gets the same answer.
        """
        cached = self._cached(arn, checkpoint_token, client_token)
        if cached is not None:
            return cached
        execution = self._current(arn, checkpoint_token)
        updates = [] if updates is None else updates
        check_updates(execution, updates)
        updates = list(updates)
        now = self._app.clock.now()
        written = sum(payload_bytes(update) for update in updates if isinstance(update, dict))
        effects = apply_updates(execution, updates, now)
        execution.token_sequence += 1
        chained = self._apply_effects(execution, effects, now)
        self.usage.checkpointed(execution, len(updates), written)
        self._fire_due(execution, now)
        answer: Document = {"NewExecutionState": {"Operations": execution.unseen()}}
        if not execution.is_ended:
            answer["CheckpointToken"] = execution.token()
        execution.last_checkpoint = {
            "ClientToken": client_token,
            "Token": checkpoint_token,
            "Answer": answer,
        }
        self._keeper.write(execution)  # kept before it is answered
        for operation_id in chained:
            self._dispatch_chained(execution, operation_id)
        await anyio.lowlevel.checkpoint()
        return public(answer)  # type: ignore[no-any-return]

    def _cached(self, arn: str, token: str, client_token: str | None) -> dict[str, Any] | None:
        if not client_token:
            return None
        execution = self._executions.get(arn) if isinstance(arn, str) else None
        last = None if execution is None else execution.last_checkpoint
        if last and last["ClientToken"] == client_token and last["Token"] == token:
            return public(last["Answer"])  # type: ignore[no-any-return]
        return None

    def _apply_effects(self, execution: Execution, effects: list[Effect], now: float) -> list[str]:
        """Carry out what the updates left to do; the chained invokes to dispatch."""
        chained: list[str | None] = []
        for effect in effects:
            if effect.kind == "succeeded":
                self._end(execution, "SUCCEEDED", now, result=effect.value)
            elif effect.kind == "failed":
                self._end(execution, "FAILED", now, error=effect.value or {})
            elif effect.kind == "callback":
                operation = execution.operations[str(effect.operation_id)]
                identifier = operation["CallbackDetails"]["CallbackId"]
                timeout = effect.value.get("TimeoutSeconds") or 0
                heartbeat = effect.value.get("HeartbeatTimeoutSeconds") or 0
                execution.callbacks[identifier] = {
                    "Operation": effect.operation_id,
                    "Deadline": now + timeout if timeout else None,
                    "Heartbeat": heartbeat,
                    "HeartbeatDeadline": now + heartbeat if heartbeat else None,
                }
            elif effect.kind == "chained":
                chained.append(self._start_chained(execution, effect.value, now))
        return [operation_id for operation_id in chained if operation_id]
