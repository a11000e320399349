"""Parsed expressions run against an item in DynamoDB's typed form (`{"a": {"S": "x"}}`):
conditions are true or false, updates give the new item, projections the attributes asked for.

As DynamoDB does, a comparison of values of different types is false rather than an error; an
update that cannot be applied (arithmetic on a string, a path through a missing map) is a
`ValidationException`.
"""

from __future__ import annotations

import base64
import copy
from decimal import Context, Decimal, InvalidOperation
from typing import Any

from faaslib.aws.dynamodb.expressions import (
    Arithmetic,
    Comparison,
    Function,
    Logical,
    Path,
    Update,
    Value,
    invalid,
)

__all__ = ["apply_update", "holds", "project", "resolve", "sort_key"]

Typed = dict[str, Any]
Item = dict[str, Typed]
_NUMBERS = Context(prec=38)
_SETS = {"SS": "S", "NS": "N", "BS": "B"}


def resolve(item: Item, path: Path) -> Typed | None:
    """The value at `path` in `item`, or None if there is none."""
    current: Any = {"M": item}
    for element in path:
        if isinstance(element, int):
            items = current.get("L") if isinstance(current, dict) else None
            if not isinstance(items, list) or element >= len(items):
                return None
            current = items[element]
        else:
            members = current.get("M") if isinstance(current, dict) else None
            if not isinstance(members, dict) or element not in members:
                return None
            current = members[element]
    return current if isinstance(current, dict) else None


def holds(condition: Any, item: Item) -> bool:
    """Whether `condition` (a parsed condition) is true of `item` (an empty item if none)."""
    if isinstance(condition, Logical):
        if condition.operator == "NOT":
            return not holds(condition.operands[0], item)
        if condition.operator == "AND":
            return all(holds(part, item) for part in condition.operands)
        return any(holds(part, item) for part in condition.operands)
    if isinstance(condition, Function):
        return _function_holds(condition, item)
    assert isinstance(condition, Comparison)
    values = [_operand(operand, item) for operand in condition.operands]
    left = values[0]
    if left is None:
        return False
    if condition.operator == "IN":
        return any(choice is not None and _equal(left, choice) for choice in values[1:])
    if condition.operator == "BETWEEN":
        low, high = values[1], values[2]
        return (
            low is not None
            and high is not None
            and _order(low, left) in (-1, 0)
            and _order(left, high) in (-1, 0)
        )
    right = values[1]
    if right is None:
        return False
    if condition.operator == "=":
        return _equal(left, right)
    if condition.operator == "<>":
        return not _equal(left, right)
    order = _order(left, right)
    if order is None:
        return False
    return {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[condition.operator]


def _function_holds(function: Function, item: Item) -> bool:
    name = function.name
    first = _operand(function.arguments[0], item)
    if name == "attribute_exists":
        return first is not None
    if name == "attribute_not_exists":
        return first is None
    second = _operand(function.arguments[1], item)
    if first is None or second is None:
        return False
    if name == "attribute_type":
        wanted = second.get("S")
        if wanted not in ("S", "N", "B", "SS", "NS", "BS", "BOOL", "NULL", "L", "M"):
            raise invalid(f"Invalid attribute type name found in type: {wanted!r}")
        return bool(_kind(first) == wanted)
    if name == "begins_with":
        for kind in ("S", "B"):
            if kind in first and kind in second:
                prefix = _plain(second) if kind == "B" else second[kind]
                whole = _plain(first) if kind == "B" else first[kind]
                return bool(whole.startswith(prefix))
        return False
    # contains
    kind = _kind(first)
    if kind == "S" and "S" in second:
        return bool(second["S"] in first["S"])
    if kind in _SETS and _SETS[kind] in second:
        return any(_equal({_SETS[kind]: member}, second) for member in first[kind])
    if kind == "L":
        return any(_equal(member, second) for member in first["L"])
    return False


def _operand(operand: Any, item: Item) -> Typed | None:
    if isinstance(operand, Value):
        return operand.typed
    if isinstance(operand, tuple):
        return resolve(item, operand)
    if isinstance(operand, Function) and operand.name == "size":
        path = operand.arguments[0]
        assert isinstance(path, tuple)  # the parser checked it
        value = resolve(item, path)
        if value is None:
            return None
        kind = _kind(value)
        if kind == "S":
            return {"N": str(len(value["S"].encode()))}
        if kind == "B":
            return {"N": str(len(_plain(value)))}
        if kind in ("SS", "NS", "BS", "L", "M"):
            return {"N": str(len(value[kind]))}
        return None
    return _update_value(operand, item)


def _kind(value: Typed) -> str:
    return next(iter(value))


def _plain(value: Typed) -> Any:
    """A scalar's comparable value: numbers as Decimal, binary as bytes."""
    kind = _kind(value)
    if kind == "N":
        return Decimal(value["N"])
    if kind == "B":
        return base64.b64decode(value["B"])
    return value[kind]


def _equal(left: Typed, right: Typed) -> bool:
    kind = _kind(left)
    if kind != _kind(right):
        return False
    if kind in _SETS:
        member = _SETS[kind]
        return {_plain({member: v}) for v in left[kind]} == {
            _plain({member: v}) for v in right[kind]
        }
    if kind == "L":
        return len(left["L"]) == len(right["L"]) and all(
            _equal(a, b) for a, b in zip(left["L"], right["L"], strict=True)
        )
    if kind == "M":
        return left["M"].keys() == right["M"].keys() and all(
            _equal(value, right["M"][name]) for name, value in left["M"].items()
        )
    return bool(_plain(left) == _plain(right))


def _order(left: Typed, right: Typed) -> int | None:
    kind = _kind(left)
    if kind != _kind(right) or kind not in ("S", "N", "B"):
        return None
    a, b = sort_key(left), sort_key(right)
    return int(a > b) - int(a < b)


def sort_key(value: Typed) -> Any:
    """How DynamoDB orders key values: numbers by value, strings and binary by their bytes."""
    plain = _plain(value)
    return plain.encode() if isinstance(plain, str) else plain


# -- updates ------------------------------------------------------------------------------------


def apply_update(update: Update, item: Item, key_names: tuple[str, ...]) -> Item:
    """The item after `update`; its values read the item as it was before."""
    written = [p for p, _ in update.set] + update.remove
    written += [p for p, _ in update.add] + [p for p, _ in update.delete]
    for path in written:
        if path[0] in key_names:
            raise invalid(
                f"One or more parameter values were invalid: Cannot update attribute {path[0]}. "
                "This attribute is part of the key"
            )
    new = copy.deepcopy(item)
    for path, operand in update.set:
        _put(new, path, _update_value(operand, item))
    for path in sorted(update.remove, key=_removal_order):
        _remove(new, path)
    for path, value in update.add:
        _put(new, path, _add(resolve(item, path), value.typed, path))
    for path, value in update.delete:
        remaining = _delete(resolve(item, path), value.typed, path)
        if remaining is None:
            _remove(new, path)
        else:
            _put(new, path, remaining)
    return new


def _removal_order(path: Path) -> tuple[Any, ...]:
    # Later list elements first, so removing [1] and [3] removes the elements meant.
    return tuple(-part if isinstance(part, int) else 0 for part in path)


def _update_value(operand: Any, item: Item) -> Typed:
    if isinstance(operand, Value):
        return operand.typed
    if isinstance(operand, tuple):
        value = resolve(item, operand)
        if value is None:
            raise invalid(
                "The provided expression refers to an attribute that does not exist in the item"
            )
        return value
    if isinstance(operand, Arithmetic):
        left = _update_value(operand.left, item)
        right = _update_value(operand.right, item)
        if "N" not in left or "N" not in right:
            raise invalid("An operand in the update expression has an incorrect data type")
        return {"N": _number(Decimal(left["N"]), Decimal(right["N"]), operand.operator)}
    assert isinstance(operand, Function)
    if operand.name == "if_not_exists":
        path = operand.arguments[0]
        if not isinstance(path, tuple):
            raise invalid("Operator or function requires a document path; if_not_exists")
        existing = resolve(item, path)
        return existing if existing is not None else _update_value(operand.arguments[1], item)
    if operand.name == "list_append":
        first, second = (_update_value(part, item) for part in operand.arguments)
        if "L" not in first or "L" not in second:
            raise invalid("An operand in the update expression has an incorrect data type")
        return {"L": [*first["L"], *second["L"]]}
    raise invalid(f"The function is not allowed in an update expression; function: {operand.name}")


def _number(left: Decimal, right: Decimal, operator: str) -> str:
    try:
        result = left + right if operator == "+" else left - right
        return str(_NUMBERS.plus(result).normalize(_NUMBERS))
    except InvalidOperation:
        raise invalid("Number overflow. Attempting to store a number with magnitude") from None


def _add(current: Typed | None, value: Typed, path: Path) -> Typed:
    kind = _kind(value)
    if kind not in ("N", *_SETS):
        raise invalid("Incorrect operand type for operator or function; operator: ADD")
    if current is None:
        return value
    if _kind(current) != kind:
        raise invalid("An operand in the update expression has an incorrect data type")
    if kind == "N":
        return {"N": _number(Decimal(current["N"]), Decimal(value["N"]), "+")}
    members = list(current[kind])
    seen = {_plain({_SETS[kind]: member}) for member in members}
    members += [m for m in value[kind] if _plain({_SETS[kind]: m}) not in seen]
    return {kind: members}


def _delete(current: Typed | None, value: Typed, path: Path) -> Typed | None:
    kind = _kind(value)
    if kind not in _SETS:
        raise invalid("Incorrect operand type for operator or function; operator: DELETE")
    if current is None:
        return None
    if _kind(current) != kind:
        raise invalid("An operand in the update expression has an incorrect data type")
    gone = {_plain({_SETS[kind]: member}) for member in value[kind]}
    remaining = [m for m in current[kind] if _plain({_SETS[kind]: m}) not in gone]
    return {kind: remaining} if remaining else None


def _parent(item: Item, path: Path) -> Any:
    if len(path) == 1:
        return {"M": item}
    return resolve(item, path[:-1])


def _put(item: Item, path: Path, value: Typed) -> None:
    parent = _parent(item, path)
    last = path[-1]
    if isinstance(last, int) and parent is not None and isinstance(parent.get("L"), list):
        items = parent["L"]
        if last < len(items):
            items[last] = value
        else:
            items.append(value)
        return
    if isinstance(last, str) and parent is not None and isinstance(parent.get("M"), dict):
        parent["M"][last] = value
        return
    raise invalid("The document path provided in the update expression is invalid for update")


def _remove(item: Item, path: Path) -> None:
    parent = _parent(item, path)
    last = path[-1]
    if parent is None:
        return
    if isinstance(last, int) and isinstance(parent.get("L"), list):
        if last < len(parent["L"]):
            del parent["L"][last]
    elif isinstance(last, str) and isinstance(parent.get("M"), dict):
        parent["M"].pop(last, None)


def project(item: Item, paths: list[Path]) -> Item:
    """The parts of `item` at `paths`, nested as they are in it (list elements projected keep
    their order, not their indexes, as DynamoDB returns them)."""
    result: Typed = {"M": {}}
    for path in paths:
        value = resolve(item, path)
        if value is not None:
            _place(result, path, copy.deepcopy(value))
    members: Item = result["M"]
    return members


def _place(container: Typed, path: Path, value: Typed) -> None:
    element = path[0]
    if len(path) == 1:
        if "M" in container:
            container["M"][element] = value
        else:
            container["L"].append(value)
        return
    fresh: Typed = {"L": []} if isinstance(path[1], int) else {"M": {}}
    if "M" in container:
        child = container["M"].setdefault(element, fresh)
    else:
        container["L"].append(fresh)
        child = fresh
    _place(child, path[1:], value)
