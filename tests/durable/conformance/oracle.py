"""AWS's own history matcher (`history.py` and `variables.py` of the suite's wheel, vendored
unchanged under `aws/suite/`), to check `matching.py` against: both must judge alike."""

from __future__ import annotations

import copy
import random
import re
import sys
from typing import Any

from tests.durable.conformance.matching import Bindings, match_history
from tests.durable.conformance.requirements import AWS

__all__ = ["aws_verdict", "disagreement", "mutations"]


def aws_verdict(
    expected: list[dict[str, Any]], actual: list[dict[str, Any]], bound: dict[str, Any]
) -> tuple[bool, dict[str, Any]]:
    """AWS's verdict on `actual`, with `bound` names bound first: (passed, its bindings)."""
    if str(AWS / "suite") not in sys.path:
        sys.path.append(str(AWS / "suite"))
    from aws_durable_execution_conformance_tests.history import EventHistoryMatcher
    from aws_durable_execution_conformance_tests.variables import PlaceholderContext

    context = PlaceholderContext()
    for name, value in bound.items():
        context.bind(name, value)
    result = EventHistoryMatcher(context).match(expected, actual)
    return result.success, result.resolved_placeholders


def disagreement(
    expected: list[dict[str, Any]], actual: list[dict[str, Any]], bound: dict[str, Any]
) -> str | None:
    """None when faaslib's matcher and AWS's give the same verdict and bindings, else how not."""
    ours = Bindings()
    ours.values = dict(bound)
    try:
        verdict = match_history(expected, actual, ours)
    except re.error as error:  # a pattern that is no regular expression: AWS's raises too
        try:
            aws_verdict(expected, actual, dict(bound))
        except re.error:
            return None
        return f"faaslib's matcher raised {error!r}, AWS's did not"
    theirs, their_bindings = aws_verdict(expected, actual, dict(bound))
    if bool(verdict) != theirs:
        return f"faaslib's matcher says {bool(verdict)} ({verdict.errors}), AWS's {theirs}"
    if theirs and ours.values != their_bindings:
        return f"bindings differ: faaslib {ours.values}, AWS {their_bindings}"
    return None


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [path]


def _lists(value: Any) -> list[list[Any]]:
    """Every list inside `value` (itself included)."""
    found = [value] if isinstance(value, list) else []
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    for item in items:
        found += _lists(item)
    return found


def _set(document: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        document = document[key]
    document[path[-1]] = value


def mutations(
    events: list[dict[str, Any]], seed: int, count: int = 6
) -> list[list[dict[str, Any]]]:
    """`count` copies of `events`, each changed in one place: a leaf's value, a key dropped, a
    list grown or shrunk, an EventId moved, an event removed: the changes a wrong service
    would make."""
    rng = random.Random(seed)
    found = []
    for _ in range(count):
        changed = copy.deepcopy(events)
        if not changed:
            break
        index = rng.randrange(len(changed))
        event = changed[index]
        kind = rng.choice(("leaf", "leaf", "drop", "list", "event-id", "remove"))
        leaves = [leaf for leaf in _leaves(event) if leaf and leaf != ("EventId",)]
        if kind == "leaf" and leaves:
            path = rng.choice(leaves)
            _set(event, path, rng.choice((None, 0, 1, "x", "Step", True, [], {"k": 1})))
        elif kind == "drop" and leaves:
            path = rng.choice(leaves)
            parent = event
            for key in path[:-1]:
                parent = parent[key]
            if isinstance(parent, dict):
                del parent[path[-1]]
        elif kind == "list" and (lists := _lists(event)):
            grown = rng.choice(lists)
            if grown and rng.random() < 0.5:
                grown.pop()
            else:
                grown.append(copy.deepcopy(grown[-1]) if grown else None)
        elif kind == "event-id":
            event["EventId"] = int(event.get("EventId") or 0) + rng.choice((-1, 1))
        else:
            del changed[index]
        found.append(changed)
    return found
