"""JSON documents as they cross faaslib's doors: what may be encoded, decoded and accepted.

Every door (Invoke, a queue's send, a topic's publish, `put_events`, `put_record`,
`events.parse`) takes the same JSON and refuses the same things, each with a message naming the
problem: a value JSON has no form for, a string UTF-8 cannot encode (a lone surrogate), a
structure that contains itself, and nesting deeper than `MAX_DEPTH`. The limit is decided at the
door so that whatever is accepted can later be wrapped in Lambda's records and envelopes (a few
levels more), delivered and decoded again: nothing is accepted and then lost.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from itertools import accumulate
from typing import Any

import msgspec

__all__ = [
    "MAX_DEPTH",
    "PayloadError",
    "check_document",
    "check_document_depth",
    "decode_accepted",
    "encodable",
    "from_document",
    "nesting_depth",
    "to_document",
]

# Python's runtime on Lambda decodes events with a recursive decoder that fails near Python's
# recursion limit (1,000 frames): a payload nested that deep is accepted by the Invoke API and
# then fails in the runtime. faaslib refuses it at the door instead, with room left below the
# recursion limit for the levels that records and envelopes add.
MAX_DEPTH = 512
"""How deep the arrays and objects of any payload faaslib accepts may nest."""


class PayloadError(ValueError):
    """A value that cannot cross a door as JSON; the message names why. Each door raises its own
    documented error from it (`InvalidRequestContent` for Invoke, ...)."""


def _encode_other(value: Any) -> Any:
    # Subclasses of str, int and float are what they extend, as json.dumps takes them.
    for base in (str, int, float):
        if isinstance(value, base):
            return base(value)
    # A pydantic model is sent as its JSON data, by its aliases.
    pydantic = sys.modules.get("pydantic")  # imported already if the value is a model
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    # Anything else is refused, named as the Python runtime's json.dumps names it.
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_encoder = msgspec.json.Encoder(enc_hook=_encode_other, decimal_format="number")
_decoder = msgspec.json.Decoder()
encode_json = _encoder.encode
decode_json = _decoder.decode


def to_document(value: Any) -> bytes:
    """`value` as a JSON document, or `PayloadError` saying why it has none."""
    try:
        body = encode_json(value)
    except RecursionError:
        raise PayloadError(_too_deep("it contains itself, or is")) from None
    except UnicodeEncodeError as error:
        raise PayloadError(_lone_surrogate(error)) from None
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError) as error:
        raise PayloadError(_unencodable(value, error)) from None
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH:  # else it cannot be too deep: no call
        check_document_depth(body)
    return body


def from_document(body: bytes | bytearray | memoryview | str) -> Any:
    """The value of the JSON document `body`, or `PayloadError` saying why it is not one."""
    if isinstance(body, str):
        try:
            body = body.encode("utf-8")
        except UnicodeEncodeError as error:
            raise PayloadError(_lone_surrogate(error)) from None
    try:
        value = decode_accepted(body)
    except RecursionError:
        raise PayloadError(_too_deep("it is")) from None
    except (msgspec.DecodeError, ValueError) as error:
        raise PayloadError(f"it is not JSON: {error}") from None
    check_document_depth(bytes(body))
    return value


def decode_accepted(body: bytes | bytearray | memoryview) -> Any:
    """The value of a JSON document, read as Python's runtime reads it: a number beyond a
    float's range (`1E+400`, valid JSON) is infinite there, where msgspec refuses it."""
    try:
        return decode_json(body)
    except msgspec.ValidationError:  # "Number out of range"
        return json.loads(bytes(body), parse_constant=_not_json)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def check_document(body: bytes) -> bytes:
    """`body` itself, if it is a JSON document faaslib accepts; else `PayloadError`."""
    from_document(body)
    return body


def check_document_depth(body: bytes) -> bytes:
    """`body`, if its arrays and objects nest at most `MAX_DEPTH` deep; else `PayloadError`."""
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and nesting_depth(body) > MAX_DEPTH:
        raise PayloadError(_too_deep("it is"))
    return body


_ESCAPES = (b"\\\\", b'\\"')
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_STEPS = tuple(1 if c in b"[{" else -1 for c in range(256))


def nesting_depth(body: bytes) -> int:
    """How deep the arrays and objects of the JSON text `body` nest (0 for a scalar).

    Counted on the bytes, at C speed, so that a big document costs no Python loop: escapes are
    dropped, the text inside strings is cut out, and what is left is a run of brackets.
    """
    for escape in _ESCAPES:
        body = body.replace(escape, b"")
    outside_strings = b"".join(body.split(b'"')[0::2])
    brackets = outside_strings.translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(0, *accumulate(map(_STEPS.__getitem__, brackets)))


def encodable(value: Any) -> Any:
    """`value` (decoded JSON) with every lone surrogate written as a backslash escape, so that
    it can be encoded again: what faaslib builds from a response (a destination's record, a
    dead-letter attribute) is always deliverable, whatever text the handler returned."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {encodable(key): encodable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [encodable(item) for item in value]
    return value


def _too_deep(subject: str) -> str:
    return f"{subject} nested more than {MAX_DEPTH} levels deep (faaslib's limit)"


def _lone_surrogate(error: UnicodeEncodeError) -> str:
    text = error.object[error.start : error.end]
    return f"a string holds {text!r}, a lone surrogate, which UTF-8 cannot encode"


def _unencodable(value: Any, error: BaseException) -> str:
    if isinstance(error, ValueError) and "decimal" in str(error):
        return "a Decimal that is NaN or infinite has no JSON form (JSON numbers are finite)"
    if isinstance(value, Decimal):
        return f"{value!r} has no JSON form"
    return f"it cannot be encoded as JSON: {error}"
