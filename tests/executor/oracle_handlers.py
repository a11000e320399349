"""Handlers run both by faaslib and by AWS's runtime interface client (test_marshal_oracle.py).

The client imports this file from a temporary task root, so it imports nothing from `tests`
and nothing outside the standard library. Stack traces name its lines: keep the raising lines
where they are, or the traces change on both sides alike.
"""

from __future__ import annotations

import enum
import os
from collections import namedtuple
from datetime import datetime
from decimal import Decimal
from typing import Any

Point = namedtuple("Point", ["x", "y"])


class Name(str):
    """A str subclass, as enum-like libraries return."""


class Level(enum.IntEnum):
    HIGH = 3


class WithAsDict:
    """Not a tuple, but with a namedtuple's `_asdict`."""

    def _asdict(self) -> dict[str, int]:
        return {"q": 1}


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text for you")


def returns_datetime(event: Any, context: Any) -> Any:
    return {"t": datetime(2026, 1, 1)}


def returns_set(event: Any, context: Any) -> Any:
    return {"s": {1, 2}}


def returns_bytes(event: Any, context: Any) -> Any:
    return b"abc"


def returns_nested_bytes(event: Any, context: Any) -> Any:
    return {"b": b"abc"}


def returns_nested_invalid_utf8(event: Any, context: Any) -> Any:
    return {"b": b"\xff"}


def returns_bytes_key(event: Any, context: Any) -> Any:
    return {b"k": 1}


def returns_json_bytes(event: Any, context: Any) -> Any:
    return b'{"a": 1}'


def returns_nan(event: Any, context: Any) -> Any:
    return float("nan")


def returns_inf(event: Any, context: Any) -> Any:
    return float("inf")


def returns_negative_inf_in_a_list(event: Any, context: Any) -> Any:
    return [float("-inf"), 1.5]


def returns_object(event: Any, context: Any) -> Any:
    return object()


def returns_decimal(event: Any, context: Any) -> Any:
    return Decimal("1.10")


def returns_decimal_nan(event: Any, context: Any) -> Any:
    return Decimal("NaN")


def returns_decimal_negative_zero(event: Any, context: Any) -> Any:
    return Decimal("-0")


def returns_decimal_exponent(event: Any, context: Any) -> Any:
    return Decimal("1E+2")


def returns_decimal_infinity(event: Any, context: Any) -> Any:
    return {"d": Decimal("Infinity")}


def returns_tuple(event: Any, context: Any) -> Any:
    return (1, 2)


def returns_big_int(event: Any, context: Any) -> Any:
    return 2**80


def returns_non_str_keys(event: Any, context: Any) -> Any:
    # True == 1: the dict keeps the key 1 with the value "bool key"
    return {1: "int key", 2.5: "float key", True: "bool key", None: "none key"}  # noqa: F601


def returns_bool_keys(event: Any, context: Any) -> Any:
    return {True: "yes", False: "no"}


def returns_tuple_key(event: Any, context: Any) -> Any:
    return {(1, 2): "tuple key"}


def returns_self_referencing_list(event: Any, context: Any) -> Any:
    value: list[Any] = [1]
    value.append(value)
    return value


def returns_str_subclass(event: Any, context: Any) -> Any:
    return {"name": Name("x")}


def returns_int_enum(event: Any, context: Any) -> Any:
    return {"level": Level.HIGH}


def returns_namedtuple(event: Any, context: Any) -> Any:
    return Point(1, 2)


def returns_object_with_asdict(event: Any, context: Any) -> Any:
    return {"o": WithAsDict()}


def returns_bytearray(event: Any, context: Any) -> Any:
    return bytearray(b"abc")


def returns_none(event: Any, context: Any) -> Any:
    return None


def returns_lone_surrogate(event: Any, context: Any) -> Any:
    return "a\udcffb"


def returns_non_ascii(event: Any, context: Any) -> Any:
    return {"café": "naïve ☃"}


def returns_deep_list(event: Any, context: Any) -> Any:
    value: list[Any] = []
    for _ in range(1000):
        value = [value]
    return value


def returns_event(event: Any, context: Any) -> Any:
    return event


def raises_value_error(event: Any, context: Any) -> Any:
    raise ValueError("plain")


def raises_with_lone_surrogate(event: Any, context: Any) -> Any:
    name = os.fsdecode(b"report-\xff.csv")  # a file name that is not UTF-8
    raise FileNotFoundError(f"no such report: {name}")


def raises_unprintable(event: Any, context: Any) -> Any:
    raise Unprintable()


def raises_key_error(event: Any, context: Any) -> Any:
    raise KeyError("k")


def raises_two_calls_deep(event: Any, context: Any) -> Any:
    return _parse(event)


def _parse(event: Any) -> Any:
    return _field(event, "missing")


def _field(event: Any, key: str) -> Any:
    return int(event[key]) + 1


def raises_from_a_cause(event: Any, context: Any) -> Any:
    try:
        return 1 / 0
    except ZeroDivisionError as error:
        raise LookupError("wrapped") from error
