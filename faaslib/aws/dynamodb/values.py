"""DynamoDB's typed JSON values (`{"S": "x"}`, `{"N": "1"}`, ...) on the wire, checked as
DynamoDB checks them, and converted to and from the plain values the app's tables hold."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from faaslib.aws.dynamodb.expressions import invalid
from faaslib.events.streams import AttributeValue

__all__ = ["check_item", "check_value", "mapping", "plain_item", "required", "typed_item"]

Typed = dict[str, Any]
Item = dict[str, Typed]
_SCALARS = ("S", "N", "B")
_SETS = {"SS": "S", "NS": "N", "BS": "B"}


def required(params: Mapping[str, Any], field: str, kind: type = str) -> Any:
    """A parameter DynamoDB requires, of type `kind`."""
    value = params.get(field)
    if not isinstance(value, kind):
        raise invalid(
            f"1 validation error detected: Value null at '{field}' failed to satisfy constraint: "
            "Member must not be null"
        )
    return value


def mapping(value: Any, field: str) -> dict[str, Any]:
    """`value` if it is a JSON object, else `ValidationException` naming `field`."""
    if not isinstance(value, dict):
        raise invalid(f"{field} must be a map, not {type(value).__name__}")
    return value


def check_item(item: Any, field: str) -> Item:
    """`item` (an item, a key or `ExpressionAttributeValues`) if every value is well formed."""
    if not isinstance(item, dict):
        raise invalid(f"{field} must be a map of attribute values")
    for name, value in item.items():
        if not isinstance(name, str) or not name:
            raise invalid(f"{field}: an attribute name must be a non-empty string")
        check_value(value)
    return item


def check_value(value: Any, depth: int = 0) -> None:
    """A typed value as DynamoDB accepts it, or `ValidationException`."""
    if depth > 32:
        raise invalid("Nesting Levels have exceeded supported limits")
    if not isinstance(value, dict) or len(value) != 1:
        raise invalid(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
        )
    [(kind, content)] = value.items()
    if kind in _SCALARS:
        _check_scalar(kind, content)
    elif kind in _SETS:
        if not isinstance(content, list) or not content:
            raise invalid(f"One or more parameter values were invalid: An {kind} may not be empty")
        for member in content:
            _check_scalar(_SETS[kind], member)
        if len({_scalar(_SETS[kind], member) for member in content}) != len(content):
            raise invalid(
                f"One or more parameter values were invalid: Input collection {kind} "
                "contains duplicates."
            )
    elif kind == "L" and isinstance(content, list):
        for member in content:
            check_value(member, depth + 1)
    elif kind == "M" and isinstance(content, dict):
        for member in content.values():
            check_value(member, depth + 1)
    elif (kind == "BOOL" and isinstance(content, bool)) or (kind == "NULL" and content is True):
        pass
    else:
        raise invalid(f"Supplied AttributeValue has an invalid {kind!r} value: {content!r}")


def _check_scalar(kind: str, content: Any) -> None:
    if not isinstance(content, str):
        raise invalid(f"Supplied AttributeValue of type {kind} is not a string: {content!r}")
    try:
        _scalar(kind, content)
    except (InvalidOperation, binascii.Error, ValueError):
        if kind == "N":
            raise invalid(
                f"A value provided cannot be converted into a number: {content!r}"
            ) from None
        raise invalid(f"Supplied AttributeValue of type B is not base64: {content!r}") from None


def _scalar(kind: str, content: str) -> Any:
    if kind == "N":
        number = Decimal(content)
        if not number.is_finite():
            raise InvalidOperation
        return number
    if kind == "B":
        return base64.b64decode(content, validate=True)
    return content


def plain_item(item: Item) -> dict[str, Any]:
    """A checked typed item as the plain values `Table` takes (Decimal, bytes, set, ...)."""
    try:
        typed = msgspec.convert(item, dict[str, AttributeValue])
        return {name: value.value() for name, value in typed.items()}
    except (msgspec.ValidationError, ValueError) as error:
        raise invalid(f"One or more parameter values were invalid: {error}") from None


def typed_item(item: Mapping[str, Any] | None) -> Item | None:
    """A `Table`'s plain item in DynamoDB's typed form (None stays None)."""
    if item is None:
        return None
    typed = {name: AttributeValue.of(value) for name, value in item.items()}
    encoded: Item = msgspec.to_builtins(typed)
    return encoded
