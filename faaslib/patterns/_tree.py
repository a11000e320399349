"""A pattern's structure: an object matches when every field does (AND), a `$or` when one of its
branches does, and an object pattern meeting an array in the event when one element matches it
whole, so fields of different elements are never combined (EventBridge's array consistency)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from faaslib.patterns._leaf import Matcher, flattened
from faaslib.patterns._operators import compile_leaf
from faaslib.patterns._syntax import MISSING, Context, child_path, describe

__all__ = ["compile_root"]

OR = "$or"
# Operator names cannot be field names inside a `$or` branch: aws/event-ruler's
# RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP, which also reserves names for future operators.
_RESERVED_IN_OR = frozenset(
    {
        "exactly",
        "equals-ignore-case",
        "prefix",
        "suffix",
        "anything-but",
        "exists",
        "wildcard",
        "numeric",
        "cidr",
        "=",
        "<",
        "<=",
        ">",
        ">=",
        "regex",
        "not-wildcard",
        "not-equals-ignore-case",
        "date-after",
        "date-on-or-after",
        "date-before",
        "date-on-or-before",
        "in-date-range",
        "ip-address-in-range",
        "ip-address-not-in-range",
    }
)

_Trail = tuple[tuple[int, int], ...]  # the ($or number, branch index) pairs above a leaf


class _Compiler:
    def __init__(self, context: Context) -> None:
        self.context = context
        self.leaves: list[tuple[tuple[str, ...], _Trail, str]] = []
        self.or_count = 0

    def compile_object(
        self,
        pattern: dict[str, Any],
        path: str,
        keys: tuple[str, ...],
        trail: _Trail,
        depth: int,
        inside_or: bool,
    ) -> tuple[Matcher, bool]:
        context = self.context
        if not pattern:
            context.fail(path, "Empty objects are not allowed: give the object at least one field")
        if depth > context.dialect.max_depth:
            context.fail(
                path,
                f"objects and $or branches nest more than {context.dialect.max_depth} deep,"
                " over faaslib's limit",
            )
        fields: list[tuple[str, Matcher]] = []
        groups: list[tuple[Matcher, ...]] = []
        when_absent = True
        for key, value in pattern.items():
            if key == OR:
                branches = self.compile_or(value, child_path(path, OR), keys, trail, depth)
                groups.append(tuple(match for match, _ in branches))
                when_absent = when_absent and any(absent for _, absent in branches)
                continue
            here = child_path(path, key)
            if inside_or and key in _RESERVED_IN_OR:
                context.fail(
                    here,
                    f"{key!r} is an operator name, which cannot be a field name inside $or"
                    " (put operators inside a field's list)",
                )
            if isinstance(value, dict):
                match, absent = self.compile_object(
                    value, here, (*keys, key), trail, depth + 1, inside_or
                )
            elif isinstance(value, list):
                match, absent = compile_leaf(context, here, value)
                self.leaves.append(((*keys, key), trail, here))
            else:
                context.fail(
                    here,
                    f'"{key}" must be an object or an array: list the values to match,'
                    f" e.g. [{describe(value)}]",
                )
            fields.append((key, match))
            when_absent = when_absent and absent
        return _object_matcher(tuple(fields), tuple(groups), when_absent), when_absent

    def compile_or(
        self, value: Any, path: str, keys: tuple[str, ...], trail: _Trail, depth: int
    ) -> list[tuple[Matcher, bool]]:
        context = self.context
        if not isinstance(value, list):
            context.fail(path, f"$or takes a list of at least 2 objects, got {describe(value)}")
        if not all(isinstance(branch, dict) for branch in value):
            context.fail(
                path,
                f"Only JSON object is allowed in array of $or relationship, got {describe(value)}",
            )
        if len(value) < 2:
            context.fail(path, f"$or needs at least 2 objects to choose from, got {len(value)}")
        number = self.or_count
        self.or_count += 1
        return [
            self.compile_object(
                branch, f"{path}[{index}]", keys, (*trail, (number, index)), depth + 1, True
            )
            for index, branch in enumerate(value)
        ]

    def refuse_repeated_fields(self) -> None:
        """A field matched twice under one combination of `$or` branches is refused.

        EventBridge's compiler lets the last list silently replace the first; faaslib would AND
        them instead, so rather than disagree quietly it asks for one list.
        """
        seen: dict[tuple[str, ...], list[tuple[_Trail, str]]] = {}
        for keys, trail, path in self.leaves:
            for other_trail, other_path in seen.get(keys, ()):
                if not _are_alternatives(trail, other_trail):
                    self.context.fail(
                        path,
                        f"this field is also matched at {other_path}, and both apply at once;"
                        " merge their values into one list",
                    )
            seen.setdefault(keys, []).append((trail, path))


def _are_alternatives(first: _Trail, second: _Trail) -> bool:
    """Whether two leaves sit in different branches of one `$or` (so never both apply)."""
    for mine, theirs in zip(first, second, strict=False):
        if mine != theirs:
            return mine[0] == theirs[0]
    return False


def _objects(items: Any) -> Iterator[Mapping[str, Any]]:
    """The objects of a (possibly nested) event array, depth first."""
    return (item for item in flattened(items) if isinstance(item, Mapping))


def _object_matcher(
    fields: tuple[tuple[str, Matcher], ...],
    groups: tuple[tuple[Matcher, ...], ...],
    when_absent: bool,
) -> Matcher:
    def match(value: Any) -> bool:
        if value.__class__ is not dict:
            return elsewhere(value)
        get = value.get
        for key, field in fields:
            if not field(get(key, MISSING)):
                return False
        for branches in groups:
            for branch in branches:
                if branch(value):
                    break
            else:
                return False
        return True

    def elsewhere(value: Any) -> bool:
        if isinstance(value, Mapping):
            return match(dict(value))
        if isinstance(value, (list, tuple)):
            found = False
            for item in _objects(value):
                if match(item if item.__class__ is dict else dict(item)):
                    return True
                found = True
            if found:
                return False
        # Absent, a scalar, or an array without objects: none of this object's fields exist.
        return when_absent

    return match


def compile_root(context: Context, pattern: dict[str, Any]) -> Matcher:
    """The matcher of a whole pattern (an object), validated throughout."""
    compiler = _Compiler(context)
    match, _ = compiler.compile_object(pattern, "$", (), (), 1, False)
    compiler.refuse_repeated_fields()
    return match
