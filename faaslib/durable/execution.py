"""`Execution`: one durable execution's record, kept whole as one JSON document.

Operations and history events are kept in botocore's shapes (its member names), with every
timestamp as Unix seconds (a float) so that the record is JSON as it is; `public()` turns them
into the `datetime`s the Python API answers with, and `millis()` into the milliseconds the
durable event carries to the handler's SDK.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime, timezone
from typing import Any

from faaslib.errors import InvalidParameterValue

__all__ = [
    "ENDED",
    "Execution",
    "callback_id",
    "execution_arn",
    "handler_error",
    "millis",
    "public",
    "read_callback_id",
]

ENDED = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"})

Document = dict[str, Any]


def execution_arn(region: str, account_id: str, function: str, name: str, execution_id: str) -> str:
    """AWS's form (botocore's `DurableExecutionArn` pattern): the qualified function ARN, then
    `/durable-execution/{name}/{id}`."""
    return (
        f"arn:aws:lambda:{region}:{account_id}:function:{function}:$LATEST"
        f"/durable-execution/{name}/{execution_id}"
    )


def function_of(arn: str) -> str:
    """The name of the function an execution ARN (as `execution_arn` makes them) belongs to."""
    return arn.partition(":function:")[2].partition(":")[0]


def callback_id(arn: str, operation_id: str) -> str:
    """A callback's id carries where it belongs, so that answering it needs no index (and
    survives a restart): base64 of the execution's ARN and the operation's id."""
    return base64.b64encode(f"{arn}\n{operation_id}".encode()).decode()


def read_callback_id(value: object) -> tuple[str, str]:
    """The (execution ARN, operation id) of a callback id; `InvalidParameterValue` if it is not
    one of this service's."""
    try:
        if not isinstance(value, str) or not value:
            raise ValueError
        arn, operation_id = base64.b64decode(value, validate=True).decode().split("\n")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidParameterValue(
            f"CallbackId {value!r:.80} is not a valid callback id", function_name=None
        ) from None
    return arn, operation_id


def millis(value: Any) -> Any:
    """A copy of `value` with every `...Timestamp` (Unix seconds) in Unix milliseconds: the
    durable event's form, which the SDK reads."""
    if isinstance(value, dict):
        return {
            key: round(item * 1000)
            if key.endswith("Timestamp") and isinstance(item, float | int)
            else millis(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [millis(item) for item in value]
    return value


def public(value: Any) -> Any:
    """A copy of `value` with every `...Timestamp` a UTC `datetime`, as botocore gives them."""
    if isinstance(value, dict):
        return {
            key: datetime.fromtimestamp(item, timezone.utc)
            if key.endswith("Timestamp") and isinstance(item, float | int)
            else public(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [public(item) for item in value]
    return value


class Execution:
    """An execution's state: its operations, history and where its invocations stand.

    `sequence` counts changes to operations and `touched` holds each operation's last; the
    handler is answered with the operations changed since the last it saw (`seen`).
    `token_sequence` and `invocation` make the checkpoint token: a token from an earlier
    checkpoint or an earlier invocation is stale.
    """

    __slots__ = (
        "arn",
        "callbacks",
        "chained",
        "end",
        "error",
        "events",
        "execution_id",
        "failed_attempts",
        "function",
        "input",
        "invocation",
        "last_checkpoint",
        "name",
        "operations",
        "parent",
        "result",
        "retention_days",
        "seen",
        "sequence",
        "start",
        "status",
        "timeout",
        "token_sequence",
        "touched",
        "wake",
        "written_bytes",
    )

    def __init__(
        self,
        arn: str,
        name: str,
        function: str,
        payload: str,
        start: float,
        timeout: int,
        retention_days: int,
    ) -> None:
        self.arn = arn
        self.name = name
        self.function = function
        self.input = payload
        self.start = start
        self.timeout = timeout
        self.retention_days = retention_days
        self.execution_id = arn.rsplit("/", 1)[-1]
        self.end: float | None = None
        self.status = "RUNNING"
        self.result: str | None = None
        self.error: Document | None = None
        self.operations: dict[str, Document] = {}
        self.touched: dict[str, int] = {}
        self.events: list[Document] = []
        self.sequence = 0
        self.seen = 0
        self.token_sequence = 0
        self.invocation = ""
        self.failed_attempts = 0
        self.last_checkpoint: Document | None = None
        # callback id -> {"Operation", "Deadline", "HeartbeatDeadline", "Heartbeat"} (Unix s)
        self.callbacks: dict[str, Document] = {}
        # chained invoke operation id -> {"Function", "Payload", "Arn" (a durable target's
        # execution)}, until the target ends
        self.chained: dict[str, Document] = {}
        # (parent execution ARN, operation id) when a chained invoke started this one
        self.parent: tuple[str, str] | None = None
        # When an invocation is due though nothing changed: a failed one's retry, or one cut
        # short by a stop of the app. (A change the handler has not seen makes one due too.)
        self.wake: float | None = None
        self.written_bytes = 0  # the payloads checkpointed: data written, and retained

    # -- the record ---------------------------------------------------------------------------

    @property
    def is_ended(self) -> bool:
        return self.status in ENDED

    @property
    def deadline(self) -> float:
        return self.start + self.timeout

    def touch(self, operation: Document) -> None:
        """Keep `operation` (new or changed) and mark it changed."""
        self.sequence += 1
        self.operations[operation["Id"]] = operation
        self.touched[operation["Id"]] = self.sequence

    def unseen(self) -> list[Document]:
        """The operations changed since the handler last saw them, in creation order; from now
        on it has seen them."""
        seen = self.seen
        changed = [
            operation
            for operation_id, operation in self.operations.items()
            if self.touched.get(operation_id, 0) > seen
        ]
        self.seen = self.sequence
        return changed

    def add_event(
        self, event_type: str, now: float, operation: Document | None = None, **details: Any
    ) -> None:
        """Append a history event: `operation` gives its Id, Name, SubType and ParentId."""
        event: Document = {"EventType": event_type, "EventId": len(self.events) + 1}
        if operation is not None:
            for key, member in (("SubType", "SubType"), ("Id", "Id"), ("Name", "Name")):
                if operation.get(member) is not None:
                    event[key] = operation[member]
            event["EventTimestamp"] = now
            if operation.get("ParentId") is not None:
                event["ParentId"] = operation["ParentId"]
        else:
            event["EventTimestamp"] = now
        event[f"{event_type}Details"] = {
            key: value for key, value in details.items() if value is not None
        }
        self.events.append(event)

    def token(self) -> str:
        """The checkpoint token the handler may use now."""
        text = json.dumps([self.arn, self.token_sequence, self.invocation])
        return base64.b64encode(text.encode()).decode()

    def new_invocation(self) -> str:
        self.invocation = uuid.uuid4().hex
        return self.invocation

    def summary(self) -> Document:
        """The execution as ListDurableExecutionsByFunction lists it."""
        item: Document = {
            "DurableExecutionArn": self.arn,
            "DurableExecutionName": self.name,
            "FunctionArn": self.arn.split("/durable-execution/")[0],
            "Status": self.status,
            "StartTimestamp": self.start,
        }
        if self.end is not None:
            item["EndTimestamp"] = self.end
        return item

    # -- persistence --------------------------------------------------------------------------

    def to_document(self) -> Document:
        return {name: getattr(self, name) for name in self.__slots__} | {
            "parent": list(self.parent) if self.parent else None
        }

    @classmethod
    def from_document(cls, document: Document) -> Execution:
        execution = cls.__new__(cls)
        for name in cls.__slots__:
            setattr(execution, name, document.get(name))
        parent = document.get("parent")
        execution.parent = (parent[0], parent[1]) if parent else None
        execution.touched = {key: int(value) for key, value in execution.touched.items()}
        return execution


def read_token(token: object) -> tuple[str, int, str]:
    """The (ARN, sequence, invocation) a checkpoint token stands for."""
    try:
        if not isinstance(token, str):
            raise ValueError
        arn, sequence, invocation = json.loads(base64.b64decode(token, validate=True))
        return str(arn), int(sequence), str(invocation)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidParameterValue("Invalid checkpoint token", function_name=None) from None


def handler_error(payload: Any) -> Document:
    """Lambda's error object of a failed invocation, as an ErrorObject."""
    if not isinstance(payload, dict):
        return {"ErrorType": "Unhandled", "ErrorMessage": str(payload)[:1000]}
    error: Document = {
        "ErrorType": str(payload.get("errorType", "Unhandled")),
        "ErrorMessage": str(payload.get("errorMessage", "")),
    }
    trace = payload.get("stackTrace")
    if isinstance(trace, list) and trace:
        error["StackTrace"] = [str(line) for line in trace]
    return error
