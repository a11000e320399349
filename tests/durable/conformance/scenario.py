"""What AWS's runner does with a requirement, independent of what runs the execution.

AWS's runner (`validate.py`) invokes the function with the requirement's `Input`: synchronously,
then reads the history; or, for an `AsyncInvoke` requirement, with InvocationType=Event, then
polls the history until the execution ends, answering each new `CallbackStarted` with the first
unused `CallbackActions` entry whose `CallbackName` matches (`*`, `${/re/}` or the name; a
heartbeat leaves the callback open for a later action), after the action's `Delay`. A requirement
with no `ExpectedResult` stops as soon as its history matches. This module holds those decisions;
`faaslib_run.py` and `reference_run.py` supply the execution.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.durable.conformance.matching import Bindings, Verdict, check_result, match_history
from tests.durable.conformance.requirements import Requirement

__all__ = ["TERMINAL", "Callbacks", "Outcome", "judge", "start"]

TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED", "CANCELLED"})
_REGEX = re.compile(r"^\$\{/(.+)/\}$")


@dataclass
class Outcome:
    """How an execution ended up: its history's events, GetDurableExecution's output, and what
    went wrong driving it (no progress, a callback the service refused)."""

    arn: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    execution: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def start(requirement: Requirement) -> tuple[Bindings, Any]:
    """The requirement's bindings (its Variables generated) and the payload to invoke with."""
    bindings = Bindings(requirement.data.get("Variables"))
    return bindings, bindings.substitute(requirement.data.get("Input"))


@dataclass(frozen=True)
class Send:
    """One callback answer to send: `operation` is success, failure or heartbeat."""

    callback_id: str
    operation: str
    payload: Any
    delay: float

    def result_bytes(self) -> bytes | None:
        """A success's Result as AWS's runner sends it: the payload as JSON, or nothing."""
        return None if self.payload is None else json.dumps(self.payload).encode()

    def error(self) -> dict[str, Any] | None:
        """A failure's Error as AWS's runner sends it: the payload's four error fields."""
        if self.payload is None:
            return None
        if not isinstance(self.payload, dict):
            raise ValueError(f"a failure callback's Payload must be a mapping: {self.payload!r}")
        keys = ("ErrorType", "ErrorMessage", "ErrorData", "StackTrace")
        return {key: self.payload[key] for key in keys if key in self.payload} or None


class Callbacks:
    """The requirement's CallbackActions, handed out as AWS's poller hands them out."""

    def __init__(self, requirement: Requirement, bindings: Bindings) -> None:
        self.actions = requirement.callback_actions
        self.bindings = bindings
        self.used: set[int] = set()
        self.handled: set[str] = set()
        self.errors: list[str] = []

    def due(self, events: list[dict[str, Any]]) -> list[Send]:
        """The answers to send for the CallbackStarted events not answered yet."""
        sends = []
        for event in events:
            if event.get("EventType") != "CallbackStarted":
                continue
            callback_id = event.get("CallbackStartedDetails", {}).get("CallbackId")
            if not callback_id or callback_id in self.handled:
                continue
            index = self._action_for(str(event.get("Name", "")))
            if index is None:
                if self.actions:
                    self.errors.append(
                        f"no CallbackAction matches callback {event.get('Name')!r} "
                        f"(id={callback_id})"
                    )
                self.handled.add(callback_id)
                continue
            self.used.add(index)
            action = self.actions[index]
            operation = str(action["Operation"]).lower()
            if operation != "heartbeat":
                self.handled.add(callback_id)
            payload = self.bindings.substitute(action.get("Payload"))
            sends.append(Send(callback_id, operation, payload, float(action.get("Delay", 0))))
        return sends

    def _action_for(self, name: str) -> int | None:
        for index, action in enumerate(self.actions):
            if index in self.used:
                continue
            wanted = str(self.bindings.substitute(action["CallbackName"]))
            regex = _REGEX.match(wanted)
            if wanted in ("*", name) or (regex is not None and re.search(regex[1], name)):
                return index
        return None


def history_matches(
    requirement: Requirement, events: list[dict[str, Any]], bindings: Bindings
) -> bool:
    """Whether the history already matches, for a requirement with no ExpectedResult, whose
    polling AWS's runner stops there (bindings are kept only when it does)."""
    trial = Bindings()
    trial.values = dict(bindings.values)
    if requirement.expected_history and match_history(requirement.expected_history, events, trial):
        bindings.values = trial.values
        return True
    return False


def judge(requirement: Requirement, outcome: Outcome, bindings: Bindings) -> Verdict:
    """Every way the execution differs from the requirement: the driver's errors, the history's
    mismatches, then the result's (AWS's runner reports the first kind it finds)."""
    verdict = Verdict(list(outcome.errors))
    if requirement.expected_history:
        verdict.errors += match_history(
            requirement.expected_history, outcome.events, bindings
        ).errors
    elif not requirement.asynchronous:
        verdict.errors.append("the requirement has no ExpectedExecutionHistory")
    if requirement.expected_result:
        verdict.errors += check_result(
            requirement.expected_result, outcome.execution, bindings
        ).errors
    return verdict
