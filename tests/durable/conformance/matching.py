"""The conformance suite's rules for comparing an execution with a requirement, as faaslib's code.

AWS's runner (`aws-durable-execution-conformance-tests`, its `history.py`, `variables.py` and
`validate.py`) decides a requirement passes when

- each expected event finds the actual event with the same `EventId` (other actual events are
  ignored) and matches it: `{}` matches anything (don't care), `"*"` anything, `${/re/}` a value
  whose `str()` the regular expression finds, `${NAME}` binds NAME to the actual value the first
  time it is met (a Variable binds it before) and must equal it every later time; a mapping
  matches on the expected keys only, a list element by element and at the same length, and any
  other value must be equal (after the bound `${NAME}` inside a string are substituted);
- the execution's status equals `ExpectedResult.ExecutionStatus`, and when it SUCCEEDED and the
  requirement gives a `Result`, the result (JSON-decoded once, else the raw string) equals it
  (bound names substituted, no wildcards).

One quirk of the suite is kept on purpose, so that both judge alike: a string that starts with
`${` and ends with `}` is one placeholder even when it holds several (`${A}-${B}` binds the
name `A}-${B`). `tests/durable/conformance/test_matching.py` checks this module against AWS's
own `history.py` on real and mutated histories.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Bindings", "Verdict", "check_result", "match_history"]

_PLACEHOLDER = re.compile(r"^\$\{(.+)\}$")
_REGEX = re.compile(r"^\$\{/(.+)/\}$")
_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_GENERATED = re.compile(r"^\$\{GEN_STR:(\d+)\}$")


class Bindings:
    """The names a requirement binds: its Variables first, then what its history binds."""

    def __init__(self, variables: dict[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = {}
        for name, value in (variables or {}).items():
            generated = _GENERATED.match(value) if isinstance(value, str) else None
            if generated:
                alphabet = string.ascii_lowercase + string.digits
                value = "".join(secrets.choice(alphabet) for _ in range(int(generated[1])))
            self.values[name] = value if isinstance(value, str) else str(value)

    def substitute(self, data: Any) -> Any:
        """`data` with every bound `${NAME}` inside its strings replaced (unbound ones kept)."""
        if not self.values:
            return data
        if isinstance(data, str):
            return _REFERENCE.sub(
                lambda m: str(self.values[m[1]]) if m[1] in self.values else m[0], data
            )
        if isinstance(data, dict):
            return {key: self.substitute(value) for key, value in data.items()}
        if isinstance(data, list):
            return [self.substitute(item) for item in data]
        return data


@dataclass
class Verdict:
    """What a comparison found wrong (nothing: it passed), each error naming where."""

    errors: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return not self.errors


def match_history(
    expected: list[dict[str, Any]], actual: list[dict[str, Any]], bindings: Bindings
) -> Verdict:
    """Compare `expected` events (a requirement's ExpectedExecutionHistory) with `actual` ones
    (GetDurableExecutionHistory's Events), binding placeholders into `bindings`."""
    verdict = Verdict()
    by_id = {event["EventId"]: event for event in actual if event.get("EventId") is not None}
    for event in expected:
        event_id = event.get("EventId")
        if event_id is None:
            verdict.errors.append(f"expected event has no EventId: {event}")
        elif event_id not in by_id:
            verdict.errors.append(f"no actual event has EventId={event_id}")
        else:
            _match(event, by_id[event_id], f"Event[EventId={event_id}]", bindings, verdict)
    return verdict


def _match(expected: Any, actual: Any, path: str, bindings: Bindings, verdict: Verdict) -> None:
    if (isinstance(expected, dict) and not expected) or expected == "*":
        return
    if isinstance(expected, str):
        regex = _REGEX.match(expected)
        if regex:
            if not re.search(regex[1], str(actual)):
                verdict.errors.append(f"{path}: {actual!r} does not match /{regex[1]}/")
            return
        placeholder = _PLACEHOLDER.match(expected)
        if placeholder:
            name = placeholder[1]
            if name not in bindings.values:
                bindings.values[name] = actual
            elif bindings.values[name] != actual:
                verdict.errors.append(
                    f"{path}: ${{{name}}} is {bindings.values[name]!r} already, here {actual!r}"
                )
            return
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in expected.items():
            if key not in actual:
                verdict.errors.append(f"{path}.{key}: missing")
            else:
                _match(value, actual[key], f"{path}.{key}", bindings, verdict)
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            verdict.errors.append(f"{path}: {len(actual)} items, expected {len(expected)}")
            return
        for index, (item, got) in enumerate(zip(expected, actual, strict=True)):
            _match(item, got, f"{path}[{index}]", bindings, verdict)
        return
    wanted = bindings.substitute(expected) if isinstance(expected, str) else expected
    if wanted != actual:
        verdict.errors.append(f"{path}: expected {wanted!r}, got {actual!r}")


def check_result(
    expected: dict[str, Any], execution: dict[str, Any], bindings: Bindings
) -> Verdict:
    """Compare a requirement's ExpectedResult with GetDurableExecution's output: the status,
    and the result only when the execution SUCCEEDED and the requirement gives one."""
    verdict = Verdict()
    status = execution.get("Status")
    wanted_status = expected.get("ExecutionStatus")
    if wanted_status and status != wanted_status:
        verdict.errors.append(f"ExecutionStatus: expected {wanted_status!r}, got {status!r}")
        return verdict
    if status != "SUCCEEDED" or "Result" not in expected:
        return verdict
    raw = execution.get("Result")
    result: Any = None
    if raw is not None:
        try:
            result = json.loads(raw)
        except (json.JSONDecodeError, TypeError):
            result = raw
    wanted = bindings.substitute(expected["Result"])
    if result != wanted:
        verdict.errors.append(f"Result: expected {wanted!r}, got {result!r}")
    return verdict
