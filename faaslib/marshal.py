"""A handler's result and error as Lambda's Python runtime sends them back.

AWS's runtime interface client (`awslambdaric`) encodes a result with its JSON encoder: what
`json.dumps` accepts (dicts with str/int/float/bool/None keys, lists, tuples, str, int, float
with `NaN` and `Infinity`, bool, None) plus `Decimal` as a plain number; `bytes` pass through as
the raw response; anything else is `Runtime.MarshalError`, "Unable to marshal response: Object
of type set is not JSON serializable". faaslib marshals the same way, so that a handler that
passes here does not fail on Lambda. Its stack traces are formatted as the runtime formats them:
from (file, line, function, text) tuples, without Python 3.11's `~~~^^^` lines.

Results made only of dicts with str keys, lists, str, int, bool, None and finite floats are
encoded by msgspec (the common case, and the fastest); any other is given to the standard
library's C encoder, configured as the runtime configures its own.
"""

from __future__ import annotations

import asyncio
import json
import json.encoder
import math
import os
import sys
import traceback
from decimal import Decimal
from math import isfinite
from typing import Any

import anyio
import msgspec

from faaslib.payloads import (
    MAX_DEPTH,
    PayloadError,
    decode_json,
    encode_json,
)

__all__ = [
    "EXECUTION_ENV",
    "MarshalError",
    "RuntimeExit",
    "RuntimeFault",
    "decode_response",
    "encode_error",
    "error_payload",
    "handler_frames",
    "marshal_response",
    "plain_error",
]


class MarshalError(Exception):
    """The result has no JSON form the runtime could send; the message is the runtime's text
    after "Unable to marshal response: "."""


class RuntimeFault(Exception):
    """A fault the runtime reports itself, under its own error type and with no stack trace,
    as awslambdaric's `FaultException`: `Runtime.ImportModuleError`,
    `Runtime.UserCodeSyntaxError`, `Runtime.HandlerNotFound`, `Runtime.MalformedHandlerName`."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class RuntimeExit(Exception):
    """What the runtime itself would die of while sending a response or an error (an exception
    whose `str()` raises; on python3.12+ runtimes, text with a lone surrogate): the caller gets
    `Runtime.ExitError` and the instance is lost."""


# The runtime escapes non-ASCII text up to python3.11 and writes UTF-8 from python3.12 on
# (`ensure_ascii=False`), where a lone surrogate can no longer be sent at all.
RUNTIME_ESCAPES_NON_ASCII = sys.version_info < (3, 12)
EXECUTION_ENV = f"AWS_Lambda_python{sys.version_info[0]}.{sys.version_info[1]}"

_TOO_DEEP = "maximum recursion depth exceeded while encoding a JSON object"


def marshal_response(value: Any) -> bytes:
    """The response body for a handler's `value`; `MarshalError` if the runtime could not encode
    it, `RuntimeExit` if it would die sending it. A body nested deeper than `MAX_DEPTH` is
    refused too (faaslib's limit: callers and records must be able to decode it)."""
    if isinstance(value, bytes):
        return value  # the runtime sends bytes as they are (content type application/unknown)
    try:
        plain = _is_plain(value, MAX_DEPTH)
    except RecursionError:  # it contains itself: the runtime's path says so
        plain = False
    if plain:  # within the depth limit, too
        try:
            return encode_json(value)
        except UnicodeEncodeError:  # a lone surrogate: as the runtime writes it
            pass
    return _encode_as_the_runtime(value)


def _is_plain(value: Any, levels: int) -> bool:
    """Whether `value` is made only of what msgspec and the runtime encode alike: dicts with str
    keys, lists, str, int, bool, None and finite floats, nested at most `levels` deep (exact
    types; checked inline, as this walk runs for every result)."""
    kind = type(value)
    if kind is dict or kind is list:
        if levels == 0:
            return False
        levels -= 1
    if kind is dict:
        for key in value:
            if type(key) is not str:
                return False
        items = value.values()
    elif kind is list:
        items = value
    else:
        return kind is str or kind is int or kind is bool or value is None or _is_finite(value)
    for item in items:
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue
        if kind is float:
            if not isfinite(item):
                return False
        elif not _is_plain(item, levels):
            return False
    return True


def _is_finite(value: Any) -> bool:
    return type(value) is float and isfinite(value)


def _runtime_form(value: Any, containers: set[int], depth: int = 0) -> Any:
    """`value` as the runtime's encoder (simplejson) reads it, in the standard library's types:
    bytes are UTF-8 text, namedtuples (anything with `_asdict()`) are objects, tuples are
    arrays. What it cannot read is left for the encoder to refuse, with the runtime's words.
    One frame per level, so that faaslib's depth limit, not Python's, is what a deep value
    meets."""
    if isinstance(value, str | int | float) or value is None:
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8")
    as_dict = getattr(value, "_asdict", None) if not isinstance(value, list | dict) else None
    if as_dict is not None and callable(as_dict):
        value = as_dict()
        if not isinstance(value, dict):
            raise TypeError(f"_asdict() must return a dict, not {type(value).__name__}")
    elif not isinstance(value, list | tuple | dict):
        return value  # a Decimal, or what the encoder's default() refuses
    key = id(value)
    if key in containers:
        raise ValueError("Circular reference detected")
    depth += 1
    if depth > MAX_DEPTH:
        raise PayloadError(f"it is nested more than {MAX_DEPTH} levels deep (faaslib's limit)")
    containers.add(key)
    form: Any
    if isinstance(value, dict):
        form = {}
        for name, item in value.items():
            if isinstance(name, bytes):
                name = name.decode("utf-8")
            form[name] = _runtime_form(item, containers, depth)
    else:
        form = []
        for item in value:
            form.append(_runtime_form(item, containers, depth))
    containers.discard(key)
    return form


class _DecimalText:
    """Decimals stand in the C encoder's output as marker strings, then are put back as the
    numbers the runtime writes (`str(decimal)`, raw); a NaN Decimal is written as `NaN`."""

    def __init__(self) -> None:
        self.nonce = os.urandom(8).hex()
        self.numbers: list[str] = []

    def default(self, value: Any) -> Any:
        if isinstance(value, Decimal):
            if value.is_nan():
                return math.nan
            self.numbers.append(str(value))
            return self._marker(len(self.numbers) - 1)
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

    def _marker(self, index: int) -> str:
        return f"{self.nonce}:{index}"

    def put_back(self, text: str) -> str:
        for index, number in enumerate(self.numbers):
            text = text.replace(f'"{self._marker(index)}"', number, 1)
        return text


_escape = (
    json.encoder.encode_basestring_ascii
    if RUNTIME_ESCAPES_NON_ASCII
    else json.encoder.encode_basestring
)


def _encode_as_the_runtime(value: Any) -> bytes:
    decimals = _DecimalText()
    try:
        form = _runtime_form(value, set())
        make_encoder = json.encoder.c_make_encoder  # type: ignore[attr-defined]
        if make_encoder is not None:
            encode = make_encoder(
                None, decimals.default, _escape, None, ":", ",", False, False, True
            )  # (no cycle markers: the form has none; allow_nan: NaN and Infinity, as the runtime)
            text = "".join(encode(form, 0))
        else:  # no C accelerator: the same encoder in Python
            text = json.JSONEncoder(
                ensure_ascii=RUNTIME_ESCAPES_NON_ASCII,
                separators=(",", ":"),
                default=decimals.default,
            ).encode(form)
    except RecursionError:
        raise MarshalError(_TOO_DEEP) from None
    except Exception as error:
        raise MarshalError(_text(error)) from None
    if decimals.numbers:
        text = decimals.put_back(text)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as error:  # python3.12+: the runtime dies posting it
        raise RuntimeExit(str(error)) from None


def decode_response(body: bytes) -> Any:
    """The caller's copy of a response: its JSON value, with `NaN` and `Infinity` as the
    runtime may write them; a body that is not JSON (a handler returned bytes) as the bytes."""
    try:
        return decode_json(body)
    except (msgspec.DecodeError, RecursionError):
        pass
    try:
        return json.loads(body)  # NaN, Infinity, and escaped lone surrogates
    except (ValueError, RecursionError):
        return body


def error_payload(
    error: BaseException, request_id: str, error_type: str | None = None
) -> dict[str, Any]:
    """Lambda's error object, `{"errorMessage", "errorType", "requestId", "stackTrace"}`, as the
    Python runtime builds it. `RuntimeExit` if its `str()` raises: the runtime dies of it."""
    try:
        message = str(error)
    except Exception as failure:
        raise RuntimeExit(f"str() of {type(error).__name__} raised {failure!r}") from None
    if isinstance(error, RuntimeFault):
        return {
            "errorMessage": message,
            "errorType": error.error_type,
            "requestId": request_id,
            "stackTrace": [],
        }
    return {
        "errorMessage": message,
        "errorType": error_type or type(error).__name__,
        "requestId": request_id,
        "stackTrace": handler_frames(error),
    }


_PACKAGE_DIRS = tuple(
    os.path.dirname(path) + os.sep for path in (__file__, anyio.__file__, asyncio.__file__) if path
)


def handler_frames(error: BaseException) -> list[str]:
    """The traceback of `error` from the handler down, without faaslib's or anyio's frames, as
    the runtime formats it: from plain tuples, so no column markers.

    The runtime strips its own bootstrap frames the same way.
    """
    frames = [
        (frame.filename, frame.lineno, frame.name, frame.line)
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith(_PACKAGE_DIRS)
    ]
    return traceback.format_list(frames)  # type: ignore[arg-type]  # tuples, as the runtime


def plain_error(error_type: str, message: str) -> dict[str, Any]:
    """An error the runtime raises itself (a timeout, an exit), which carries no stack trace."""
    return {"errorType": error_type, "errorMessage": message}


def encode_error(error: dict[str, Any]) -> bytes:
    """An error object's body, as the runtime writes it: text with a lone surrogate (a file name
    from `os.fsdecode`) is escaped up to python3.11; from python3.12 the runtime dies of it
    (`RuntimeExit`)."""
    try:
        return encode_json(error)
    except UnicodeEncodeError as failure:
        if not RUNTIME_ESCAPES_NON_ASCII:
            raise RuntimeExit(str(failure)) from None
        return json.dumps(error, separators=(",", ":")).encode("ascii")


def _text(error: BaseException) -> str:
    try:
        return str(error)
    except Exception:
        return f"<exception str() failed> ({type(error).__name__})"
