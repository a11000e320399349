"""What every part of a pattern shares: the error, the dialect (EventBridge's or SNS's), JSON
paths for messages, and reading a pattern from JSON text or a mapping once, up front."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

__all__ = [
    "EVENTBRIDGE",
    "MISSING",
    "Context",
    "Dialect",
    "InvalidPattern",
    "child_path",
    "decode",
    "describe",
]


class InvalidPattern(ValueError):
    """A pattern EventBridge would refuse; the message names the pattern, where and why.

    `path` is the JSON path of the offending field (`$.detail.price`), or None when the pattern
    as a whole is at fault; `reason` is the explanation without the owner and path.

    ```pycon
    >>> compile_pattern({"detail": {"price": [{"numeric": [">", "ten"]}]}})
    Traceback (most recent call last):
    InvalidPattern: pattern: at $.detail.price: numeric needs an operator then a number, ...
    ```
    """

    def __init__(self, owner: str, reason: str, path: str | None = None) -> None:
        super().__init__(f"{owner}: at {path}: {reason}" if path else f"{owner}: {reason}")
        self.owner = owner
        self.reason = reason
        self.path = path


@dataclass(frozen=True)
class Dialect:
    """Which operators a service accepts and the limits it puts on them.

    EventBridge and SNS filter with the same engine and differ only in what they let through;
    one compiler serves both, told the difference by this.
    """

    service: str
    numeric_limit: float  # |x| beyond this is refused in a pattern and never matches a range
    operators: frozenset[str]
    anything_but_forms: frozenset[str]  # the operators `anything-but` may wrap
    affix_ignore_case: bool  # `{"prefix": {"equals-ignore-case": ...}}` and its suffix twin
    max_depth: int  # objects nested in objects; deeper is refused before recursing


_ALL_OPERATORS = frozenset(
    {
        "prefix",
        "suffix",
        "anything-but",
        "numeric",
        "exists",
        "cidr",
        "equals-ignore-case",
        "wildcard",
    }
)

# EventBridge's numeric range, as its engine (aws/event-ruler ComparableNumber) enforces it and
# eb-create-pattern-operators.html documents: -5.0e9 to +5.0e9 inclusive. EventBridge documents
# no depth limit; its 2,048-character patterns cannot nest much past 300 levels, and faaslib
# stops at 100 so that compiling and matching never approach Python's recursion limit.
EVENTBRIDGE = Dialect(
    service="EventBridge",
    numeric_limit=5e9,
    operators=_ALL_OPERATORS,
    anything_but_forms=frozenset({"prefix", "suffix", "equals-ignore-case", "wildcard"}),
    affix_ignore_case=True,
    max_depth=100,
)


class _Missing:
    """The value of a field the event does not have (distinct from JSON null)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Context:
    """Who owns the pattern being compiled and which dialect it is written in."""

    owner: str
    dialect: Dialect

    def fail(self, path: str | None, reason: str) -> NoReturn:
        raise InvalidPattern(self.owner, reason, path)


_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*\Z")


def child_path(path: str, key: str) -> str:
    """`path` extended by `key`: `$.detail.state`, or `$["odd key"]` when a dot would mislead."""
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def describe(value: Any) -> str:
    """A value as the pattern's author wrote it, short enough for a message."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # json.loads would keep the last one silently; the author meant both.
            raise ValueError(f"key {key!r} appears twice in one object")
        result[key] = value
    return result


def decode(context: Context, pattern: Mapping[str, Any] | str) -> tuple[dict[str, Any], str]:
    """The pattern as plain decoded JSON (detached from the caller's objects) and its text.

    The text is what the caller sent when it is a string, else the compact JSON encoding: the
    size limits of both services are limits on that text.
    """
    if isinstance(pattern, str):
        text = pattern
        try:
            decoded = json.loads(
                pattern, object_pairs_hook=_refuse_duplicate_keys, parse_constant=_refuse_constant
            )
        except RecursionError:
            context.fail(None, "is nested too deeply to be read as JSON")
        except ValueError as error:
            context.fail(None, f"is not valid JSON: {error}")
    elif isinstance(pattern, Mapping):
        try:
            text = json.dumps(pattern, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except RecursionError:
            context.fail(None, "is nested too deeply to be encoded as JSON")
        except (TypeError, ValueError) as error:
            context.fail(None, f"is not JSON data ({error}); use strings, numbers, lists, dicts")
        decoded = json.loads(text)
    else:
        context.fail(
            None, f"must be a JSON object (a mapping or its JSON text), got {describe(pattern)}"
        )
    if not isinstance(decoded, dict):
        context.fail(
            None, f"must be a JSON object, got {describe(decoded)} (Filter is not an object)"
        )
    return decoded, text
