"""Typed handler input: a handler that annotates its event with a Struct or a pydantic model
receives one, converted from the JSON Lambda would hand it.

The converter is chosen once, at registration; a handler without such an annotation pays
nothing. A conversion failure raises `EventValidationError`, which the runtime reports as the
function's error (errorType "EventValidationError", the message naming the field path), as a
handler that validated its own input would.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import msgspec

from faaslib.events._base import EventValidationError

__all__ = ["event_converter"]

Converter = Callable[[Any], Any]


def event_converter(annotation: Any) -> Converter | None:
    """The function turning a decoded event into `annotation`, or None if the annotation asks
    for no conversion (none, `dict`, `Any`, ...)."""
    if not isinstance(annotation, type):
        return None
    if issubclass(annotation, msgspec.Struct):
        return _struct_converter(annotation)
    pydantic = sys.modules.get("pydantic")  # imported already if the annotation is a model
    if pydantic is not None and issubclass(annotation, pydantic.BaseModel):
        return _model_converter(annotation)
    return None


def _struct_converter(struct: type[msgspec.Struct]) -> Converter:
    def convert(event: Any) -> Any:
        try:
            return msgspec.convert(event, struct)
        except msgspec.ValidationError as error:
            raise EventValidationError(struct.__name__, str(error)) from None

    return convert


def _model_converter(model: Any) -> Converter:
    from pydantic import ValidationError

    def convert(event: Any) -> Any:
        try:
            return model.model_validate(event)
        except ValidationError as error:
            problems = "; ".join(
                f"{problem['msg']} - at `{_path(problem['loc'])}`" for problem in error.errors()
            )
            raise EventValidationError(model.__name__, problems) from None

    return convert


def _path(location: tuple[int | str, ...]) -> str:
    """pydantic's error location as msgspec writes paths: `$.Records[0].body`."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location)
