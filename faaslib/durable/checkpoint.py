"""Checkpoints: the handler's operation updates, checked as Lambda checks them and applied.

Each `OperationUpdate` (botocore's shape) changes one operation by its `Type` and `Action`:

| Type | Actions | what it makes |
|---|---|---|
| EXECUTION | SUCCEED, FAIL | the execution ends (no operation is kept) |
| STEP | START, RETRY, SUCCEED, FAIL | STARTED; PENDING until `NextAttemptTimestamp`; ended |
| WAIT | START, CANCEL | STARTED until `ScheduledEndTimestamp`; CANCELLED |
| CALLBACK | START | STARTED, with a `CallbackId`, until answered or timed out |
| CHAINED_INVOKE | START | STARTED until the target function's invocation or execution ends |
| CONTEXT | START, SUCCEED, FAIL | a child context: STARTED, then ended |

What the service must do after (end the execution, arm a callback's timers, invoke a target)
is returned as `Effect`s, for the service to carry out once the checkpoint is kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from faaslib.durable.execution import Document, Execution, callback_id
from faaslib.errors import InvalidParameterValue

__all__ = ["Effect", "apply_updates", "check_updates", "payload_bytes"]

ACTIONS = {
    "EXECUTION": ("SUCCEED", "FAIL"),
    "STEP": ("START", "RETRY", "SUCCEED", "FAIL"),
    "WAIT": ("START", "CANCEL"),
    "CALLBACK": ("START",),
    "CHAINED_INVOKE": ("START",),
    "CONTEXT": ("START", "SUCCEED", "FAIL"),
}
MAX_ERROR_BYTES = 32_768
MAX_PAYLOAD_BYTES = 6_291_456  # botocore's OperationPayload
MAX_CHAINED_INPUT_BYTES = 1_048_576
_ID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_SUB_TYPE = re.compile(r"^[a-zA-Z0-9_-]{1,32}$")
_NAME = re.compile(r"^[\x20-\x7E]{1,256}$")
_OPTIONS = {
    "StepOptions": ("NextAttemptDelaySeconds",),
    "WaitOptions": ("WaitSeconds",),
    "CallbackOptions": ("TimeoutSeconds", "HeartbeatTimeoutSeconds"),
    "ContextOptions": ("ReplayChildren",),
    "ChainedInvokeOptions": ("FunctionName", "TenantId", "XAmznTraceId"),
}


class Effect(NamedTuple):
    """Work a checkpoint leaves for the service: `kind` is "succeeded", "failed", "callback"
    or "chained"; `operation_id` and `value` (a payload, an error, options) say what."""

    kind: str
    operation_id: str | None
    value: Any


def _refuse(message: str) -> InvalidParameterValue:
    return InvalidParameterValue(message, function_name=None)


def payload_bytes(update: Document) -> int:
    """The bytes an update writes: its payload and its error, as sent."""
    size = 0
    payload = update.get("Payload")
    if isinstance(payload, str):
        size += len(payload.encode())
    if update.get("Error") is not None:
        size += len(json.dumps(update["Error"]))
    return size


def check_updates(execution: Execution, updates: Sequence[Any]) -> None:
    """Refuse the whole checkpoint, before any of it applies, as Lambda does: the first
    problem found, as `InvalidParameterValue` naming the update and the field."""
    if not isinstance(updates, list | tuple):
        raise _refuse(f"Updates must be a list of OperationUpdate, not {type(updates).__name__}")
    executions = [u for u in updates if isinstance(u, dict) and u.get("Type") == "EXECUTION"]
    if len(executions) > 1:
        raise _refuse("Cannot checkpoint multiple EXECUTION updates.")
    if executions and updates[-1] is not executions[0]:
        raise _refuse("EXECUTION checkpoint must be the last update.")
    started: dict[str, Document] = {}
    last: dict[str, Document] = {}
    for index, update in enumerate(updates):
        _check_shape(index, update)
        operation_id = update["Id"]
        previous = last.get(operation_id)
        if previous is not None and not (
            previous["Type"] in ("STEP", "CONTEXT")
            and previous["Action"] == "START"
            and update["Action"] != "START"
        ):
            raise _refuse("Cannot checkpoint multiple operations with the same ID.")
        parent_id = update.get("ParentId")
        if parent_id is not None:
            parent = started.get(parent_id) or execution.operations.get(parent_id)
            if parent is None or parent["Type"] != "CONTEXT":
                raise _refuse(f"Invalid parent operation id: Updates[{index}].ParentId.")
        current = execution.operations.get(operation_id)
        if previous is not None:  # a START earlier in this batch: the state it makes
            current = {"Type": previous["Type"], "Status": "STARTED"}
        _check_consistent(update, execution.operations.get(operation_id))
        _check_transition(update, current)
        if update["Action"] == "START":
            started[operation_id] = update
        last[operation_id] = update


def _check_shape(index: int, update: Any) -> None:
    where = f"Updates[{index}]"
    if not isinstance(update, dict):
        raise _refuse(f"{where} must be an OperationUpdate (an object)")
    operation_id = update.get("Id")
    if not isinstance(operation_id, str) or not _ID.match(operation_id):
        raise _refuse(
            f"{where}.Id={operation_id!r:.80} is not valid: 1 to 64 letters, digits, - or _"
        )
    kind = update.get("Type")
    if kind not in ACTIONS:
        raise _refuse(f"{where}.Type={kind!r:.40} is not valid: one of {', '.join(ACTIONS)}")
    action = update.get("Action")
    if action not in ("START", "SUCCEED", "FAIL", "RETRY", "CANCEL"):
        raise _refuse(
            f"{where}.Action={action!r:.40} is not valid: START, SUCCEED, FAIL, RETRY or CANCEL"
        )
    if action not in ACTIONS[kind]:
        raise _refuse(f"Invalid action for the given operation type: {kind} {action}.")
    for field, pattern in (("ParentId", _ID), ("SubType", _SUB_TYPE), ("Name", _NAME)):
        value = update.get(field)
        if value is not None and (not isinstance(value, str) or not pattern.match(value)):
            raise _refuse(f"{where}.{field}={value!r:.80} is not valid")
    payload = update.get("Payload")
    if payload is not None:
        if not isinstance(payload, str):
            raise _refuse(f"{where}.Payload must be a string, not {type(payload).__name__}")
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise _refuse(f"{where}.Payload is over the limit of {MAX_PAYLOAD_BYTES:,} bytes")
        if kind == "CHAINED_INVOKE" and len(payload.encode()) > MAX_CHAINED_INPUT_BYTES:
            raise _refuse(
                f"{where}.Payload: a chained invoke's input is over the limit of "
                f"{MAX_CHAINED_INPUT_BYTES:,} bytes"
            )
    error = update.get("Error")
    if error is not None:
        if not isinstance(error, dict):
            raise _refuse(f"{where}.Error must be an ErrorObject")
        if len(json.dumps(error)) > MAX_ERROR_BYTES:
            raise _refuse(f"Error object size must be less than {MAX_ERROR_BYTES} bytes.")
    for field, members in _OPTIONS.items():
        options = update.get(field)
        if options is None:
            continue
        if not isinstance(options, dict) or any(key not in members for key in options):
            raise _refuse(f"{where}.{field} is not valid: its members are {', '.join(members)}")
        for key in members:
            value = options.get(key)
            if (
                key.endswith("Seconds")
                and value is not None
                and (not isinstance(value, int) or isinstance(value, bool) or value < 0)
            ):
                raise _refuse(f"{where}.{field}.{key}={value!r} must be a whole number >= 0")
    wait = update.get("WaitOptions")
    if kind == "WAIT" and action == "START":
        seconds = (wait or {}).get("WaitSeconds")
        if not isinstance(seconds, int) or not 1 <= seconds <= 31_622_400:
            raise _refuse(
                f"{where}.WaitOptions.WaitSeconds={seconds!r} must be 1 to 31,622,400 seconds"
            )


def _check_consistent(update: Document, current: Document | None) -> None:
    if current is None:
        return
    for field, what in (
        ("Type", "operation type"),
        ("SubType", "operation subtype"),
        ("Name", "operation name"),
        ("ParentId", "parent operation id"),
    ):
        value = update.get(field)
        if value is not None and value != current.get(field):
            raise _refuse(
                f"Inconsistent {what}: {field}={value!r:.80} for operation {update['Id']!r}."
            )


def _check_transition(update: Document, current: Document | None) -> None:
    kind, action = update["Type"], update["Action"]
    status = None if current is None else current["Status"]
    if action == "FAIL" and update.get("Payload") is not None:
        raise _refuse("Cannot provide a Payload for FAIL action.")
    if action == "SUCCEED" and update.get("Error") is not None:
        raise _refuse("Cannot provide an Error for SUCCEED action.")
    if kind == "STEP" and current is not None:
        if action == "START" and status != "READY":
            raise _refuse("Invalid current STEP state to start.")
        if action in ("SUCCEED", "FAIL") and status not in ("STARTED", "READY"):
            raise _refuse("Invalid current STEP state to close.")
        if action == "RETRY" and status not in ("STARTED", "READY"):
            raise _refuse("Invalid current STEP state to re-attempt.")
    if kind == "STEP" and action == "RETRY":
        if update.get("StepOptions") is None:
            raise _refuse("Invalid StepOptions for the given action.")
        if update.get("Error") is not None and update.get("Payload") is not None:
            raise _refuse("Cannot provide both error and payload to RETRY a STEP.")
    if kind == "CONTEXT":
        if action == "START" and current is not None:
            raise _refuse("Cannot start a CONTEXT that already exist.")
        if action != "START" and current is not None and status != "STARTED":
            raise _refuse("Invalid current CONTEXT state to close.")
    if kind in ("WAIT", "CALLBACK", "CHAINED_INVOKE") and action == "START" and current:
        raise _refuse(f"Cannot start a {kind} that already exist.")
    if kind == "WAIT" and action == "CANCEL" and status != "STARTED":
        raise _refuse("Cannot cancel a WAIT that does not exist or has already completed.")
    if kind == "CHAINED_INVOKE":
        options = update.get("ChainedInvokeOptions")
        if not isinstance(options, dict) or not isinstance(options.get("FunctionName"), str):
            raise _refuse("Update for CHAINED_INVOKE operation requires ChainedInvokeOptions.")


def apply_updates(execution: Execution, updates: Sequence[Document], now: float) -> list[Effect]:
    """Apply checked `updates` to `execution`, with their history events; the work left."""
    effects: list[Effect] = []
    for update in updates:
        execution.written_bytes += payload_bytes(update)
        effect = _APPLY[update["Type"]](execution, update, now)
        if effect is not None:
            effects.append(effect)
    return effects


def _operation(update: Document, current: Document | None, status: str, now: float) -> Document:
    """The operation `update` makes: what it was, with the update's identity and `status`."""
    operation: Document = dict(current) if current else {"Id": update["Id"]}
    for field in ("ParentId", "Name", "Type", "SubType"):
        if update.get(field) is not None:
            operation[field] = update[field]
    operation["Status"] = status
    operation.setdefault("StartTimestamp", now)
    if status in ("SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT", "STOPPED"):
        operation.setdefault("EndTimestamp", now)
    return operation


def _result(update: Document) -> Document | None:
    payload = update.get("Payload")
    return None if payload is None else {"Payload": payload, "Truncated": False}


def _error(error: Document | None) -> Document | None:
    return None if error is None else {"Payload": error, "Truncated": False}


def _execution(execution: Execution, update: Document, now: float) -> Effect:
    if update["Action"] == "SUCCEED":
        return Effect("succeeded", None, update.get("Payload"))
    return Effect("failed", None, update.get("Error"))


def _step(execution: Execution, update: Document, now: float) -> None:
    current = execution.operations.get(update["Id"])
    action = update["Action"]
    details = dict((current or {}).get("StepDetails") or {"Attempt": 0})
    details.pop("NextAttemptTimestamp", None)
    if action == "START":
        operation = _operation(update, current, "STARTED", now)
        if current is not None:  # a retry's next attempt: a new start
            operation["StartTimestamp"] = now
        operation["StepDetails"] = details
        execution.touch(operation)
        execution.add_event("StepStarted", now, operation)
        return
    attempt = int(details.get("Attempt", 0)) + 1
    details["Attempt"] = attempt
    for field in ("Result", "Error"):
        details.pop(field, None)
    if update.get("Payload") is not None:
        details["Result"] = update["Payload"]
    if update.get("Error") is not None:
        details["Error"] = update["Error"]
    if action == "RETRY":
        delay = int((update.get("StepOptions") or {}).get("NextAttemptDelaySeconds") or 0)
        details["NextAttemptTimestamp"] = now + delay
        operation = _operation(update, current, "PENDING", now)
        operation["StepDetails"] = details
        execution.touch(operation)
        retry = {"CurrentAttempt": attempt, "NextAttemptDelaySeconds": delay}
        if update.get("Error") is not None:
            execution.add_event(
                "StepFailed", now, operation, Error=_error(update["Error"]), RetryDetails=retry
            )
        else:
            execution.add_event(
                "StepSucceeded", now, operation, Result=_result(update), RetryDetails=retry
            )
        return
    status = "SUCCEEDED" if action == "SUCCEED" else "FAILED"
    operation = _operation(update, current, status, now)
    operation["StepDetails"] = details
    execution.touch(operation)
    retry = {"CurrentAttempt": attempt}
    if status == "SUCCEEDED":
        execution.add_event(
            "StepSucceeded", now, operation, Result=_result(update), RetryDetails=retry
        )
    else:
        execution.add_event(
            "StepFailed", now, operation, Error=_error(update.get("Error")), RetryDetails=retry
        )


def _wait(execution: Execution, update: Document, now: float) -> None:
    current = execution.operations.get(update["Id"])
    if update["Action"] == "START":
        seconds = int(update["WaitOptions"]["WaitSeconds"])
        operation = _operation(update, None, "STARTED", now)
        operation["WaitDetails"] = {"ScheduledEndTimestamp": now + seconds}
        execution.touch(operation)
        execution.add_event(
            "WaitStarted", now, operation, Duration=seconds, ScheduledEndTimestamp=now + seconds
        )
        return
    operation = _operation(update, current, "CANCELLED", now)
    execution.touch(operation)
    execution.add_event("WaitCancelled", now, operation, Error=_error(update.get("Error")))


def _callback(execution: Execution, update: Document, now: float) -> Effect:
    options = update.get("CallbackOptions") or {}
    identifier = callback_id(execution.arn, update["Id"])
    operation = _operation(update, None, "STARTED", now)
    operation["CallbackDetails"] = {"CallbackId": identifier}
    execution.touch(operation)
    execution.add_event(
        "CallbackStarted",
        now,
        operation,
        CallbackId=identifier,
        HeartbeatTimeout=options.get("HeartbeatTimeoutSeconds") or None,
        Timeout=options.get("TimeoutSeconds") or None,
    )
    return Effect("callback", update["Id"], options)


def _chained_invoke(execution: Execution, update: Document, now: float) -> Effect:
    operation = _operation(update, None, "STARTED", now)
    operation["ChainedInvokeDetails"] = {}
    execution.touch(operation)
    return Effect("chained", update["Id"], update)


def _context(execution: Execution, update: Document, now: float) -> None:
    current = execution.operations.get(update["Id"])
    action = update["Action"]
    status = {"START": "STARTED", "SUCCEED": "SUCCEEDED", "FAIL": "FAILED"}[action]
    operation = _operation(update, current, status, now)
    details: Document = dict(operation.get("ContextDetails") or {})
    replay = (update.get("ContextOptions") or {}).get("ReplayChildren")
    if replay is not None:
        details["ReplayChildren"] = bool(replay)
    if update.get("Payload") is not None:
        details["Result"] = update["Payload"]
    if update.get("Error") is not None:
        details["Error"] = update["Error"]
    operation["ContextDetails"] = details
    execution.touch(operation)
    if action == "START":
        execution.add_event("ContextStarted", now, operation)
    elif action == "SUCCEED":
        execution.add_event("ContextSucceeded", now, operation, Result=_result(update))
    else:
        execution.add_event("ContextFailed", now, operation, Error=_error(update.get("Error")))


_APPLY: dict[str, Any] = {
    "EXECUTION": _execution,
    "STEP": _step,
    "WAIT": _wait,
    "CALLBACK": _callback,
    "CHAINED_INVOKE": _chained_invoke,
    "CONTEXT": _context,
}
