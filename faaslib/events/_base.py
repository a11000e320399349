"""What every typed AWS event shares: exact round trips, strict types, lenient keys.

An event Struct names its fields the Python way and maps each to AWS's JSON key. A key AWS left
out stays out (`UNSET`), and a key AWS sent as null stays null, so `dump(parse(raw)) == raw` for
every key the Struct knows. Keys it does not know are ignored, as AWS adds fields over time.
"""

from __future__ import annotations

import base64
from typing import Any, TypeVar

import msgspec
from msgspec import UnsetType

from faaslib.payloads import PayloadError, check_document_depth, from_document

__all__ = [
    "UNSET",
    "AWSEvent",
    "EventValidationError",
    "Unset",
    "decode",
    "decode_document",
    "dump",
]

Unset = UnsetType
"""The type of `UNSET`, for annotations: `headers: dict[str, str] | Unset = UNSET`."""
UNSET: UnsetType = msgspec.UNSET
"""A field AWS left out of an event: it stays out when the event is dumped again, where a field
AWS sent as null stays null (msgspec's `UNSET`)."""
T = TypeVar("T")


class EventValidationError(ValueError):
    """An event is not of the shape its type says: names the type, the field path and the
    problem, e.g. `SQSEvent: Expected `str`, got `int` - at `$.Records[0].body``."""

    def __init__(self, type_name: str, problem: str) -> None:
        super().__init__(f"{type_name}: {problem}")
        self.type_name = type_name
        self.problem = problem


class AWSEvent(msgspec.Struct, omit_defaults=True, kw_only=True):
    """Base of every typed event: fields default to UNSET (left out when dumped)."""


class _Base64Data:
    """`decoded_data()` and `json()` for an event part whose payload travels base64-encoded in
    its `data` field (Kinesis, Firehose and Amazon MQ records). A mixin with no fields of its
    own, so each Struct keeps `data` where AWS puts it among its keys."""

    __slots__ = ()
    data: str | Unset

    def decoded_data(self) -> bytes:
        """The payload: `data` decoded from base64 (empty if absent)."""
        return base64.b64decode(self.data) if isinstance(self.data, str) else b""

    def json(self) -> Any:
        """The payload decoded from JSON (None if absent)."""
        return msgspec.json.decode(self.decoded_data() or b"null")


def decode(raw: Any, type: type[T]) -> T:
    """`raw` (JSON bytes or text, or the decoded dict) as a `type`, or `EventValidationError`.

    JSON text is held to faaslib's rule for every door (`faaslib.payloads`): UTF-8, nested at
    most `MAX_DEPTH` deep. A decoded value nested too deep to convert, or containing itself, is
    refused the same way.
    """
    name = getattr(type, "__name__", repr(type))
    try:
        if isinstance(raw, (bytes, bytearray, memoryview, str)):
            return msgspec.json.decode(check_document_depth(_utf8(raw, name)), type=type)
        return msgspec.convert(raw, type=type)
    except msgspec.ValidationError as error:
        raise EventValidationError(name, str(error)) from None
    except msgspec.DecodeError as error:
        raise EventValidationError(name, f"not JSON: {error}") from None
    except PayloadError as error:
        raise EventValidationError(name, str(error)) from None
    except UnicodeEncodeError as error:  # a key with a lone surrogate, matched against names
        found = error.object[error.start : error.end]
        raise EventValidationError(
            name, f"a string holds {found!r}, a lone surrogate, which UTF-8 cannot encode"
        ) from None
    except RecursionError:
        raise EventValidationError(
            name, "it contains itself, or is nested too deep to convert"
        ) from None


def decode_document(raw: bytes | bytearray | memoryview | str, name: str = "event") -> Any:
    """The value of the JSON text `raw`, held to faaslib's rule (`faaslib.payloads`), or
    `EventValidationError` naming why it is not one."""
    try:
        return from_document(_utf8(raw, name))
    except PayloadError as error:
        raise EventValidationError(name, str(error)) from None


def _utf8(raw: bytes | bytearray | memoryview | str, name: str) -> bytes:
    if not isinstance(raw, str):
        return bytes(raw)
    try:
        return raw.encode()
    except UnicodeEncodeError as error:
        found = raw[error.start : error.end]
        raise EventValidationError(
            name, f"a string holds {found!r}, a lone surrogate, which UTF-8 cannot encode"
        ) from None


def dump(event: msgspec.Struct) -> Any:
    """The event as AWS shapes it: JSON-compatible dicts and lists with AWS's keys."""
    return msgspec.to_builtins(event)
