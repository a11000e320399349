"""Reading SQS's JSON requests and writing its answers: parameters checked as SQS checks them,
message attributes between SQS's typed shape and the queue's values, and their MD5 digest."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from faaslib.aws.protocol import AwsError
from faaslib.aws.sqs.errors import sqs_error
from faaslib.events.sqs import SQSMessageAttribute
from faaslib.sources.queue.messages import BATCH_ENTRIES

__all__ = [
    "AttributeValue",
    "attributes_md5",
    "check_batch",
    "entries",
    "integer",
    "json_attributes",
    "mapping",
    "missing",
    "queue_attributes",
    "required_integer",
    "required_string",
    "string",
    "strings",
]

AttributeValue = str | int | float | bytes

_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")


def string(params: Mapping[str, Any], name: str) -> str | None:
    """Parameter `name`, a string, if given."""
    value = params.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(name, value, "it is not a string")
    return value


def required_string(params: Mapping[str, Any], name: str) -> str:
    """Parameter `name`, a string; `MissingParameter` if absent."""
    value = string(params, name)
    if value is None:
        raise missing(name)
    return value


def integer(params: Mapping[str, Any], name: str, low: int, high: int) -> int | None:
    """Parameter `name`, if given: a whole number from `low` to `high`."""
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(name, value, "it is not a whole number")
    if not low <= value <= high:
        raise _invalid(name, value, f"Must be between {low} and {high}, if provided")
    return value


def required_integer(params: Mapping[str, Any], name: str, low: int, high: int) -> int:
    """Parameter `name`, a whole number from `low` to `high`; `MissingParameter` if absent."""
    value = integer(params, name, low, high)
    if value is None:
        raise missing(name)
    return value


def missing(name: str) -> AwsError:
    """SQS's `MissingParameter` for parameter `name`."""
    return sqs_error("MissingParameter", f"The request must contain the parameter {name}.")


def strings(params: Mapping[str, Any], name: str) -> list[str]:
    """Parameter `name`, a list of strings (empty if absent)."""
    value = params.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid(name, value, "it is not a list of strings")
    return value


def mapping(params: Mapping[str, Any], name: str) -> dict[str, Any]:
    """Parameter `name`, a JSON object (empty if absent)."""
    value = params.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid(name, value, "it is not a map")
    return value


def entries(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A batch's `Entries`, refused whole as SQS refuses them: none, over 10, an `Id` malformed
    or repeated."""
    value = params.get("Entries")
    if value is None or value == []:
        raise sqs_error(
            "EmptyBatchRequest", "There should be at least one entry in the request (Entries)."
        )
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise _invalid("Entries", value, "it is not a list of entries")
    check_batch([entry.get("Id") for entry in value])
    return value


def check_batch(ids: list[Any]) -> None:
    """Refuse a batch's entry ids as SQS does."""
    if len(ids) > BATCH_ENTRIES:
        raise sqs_error(
            "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {BATCH_ENTRIES}. You have sent {len(ids)}.",
        )
    for entry_id in ids:
        if not isinstance(entry_id, str) or not _BATCH_ID.fullmatch(entry_id):
            raise sqs_error(
                "InvalidBatchEntryId",
                f"A batch entry id can only contain alphanumeric characters, hyphens and "
                f"underscores. It can be at most 80 letters long: {entry_id!r}",
            )
    repeated = sorted({entry_id for entry_id in ids if ids.count(entry_id) > 1})
    if repeated:
        raise sqs_error("BatchEntryIdsNotDistinct", f"Id {repeated[0]} repeated.")


# -- message attributes -------------------------------------------------------------------------


def queue_attributes(wire: Mapping[str, Any]) -> dict[str, AttributeValue]:
    """SQS's `MessageAttributes` as the queue's values: `String` as str, `Number` as the int or
    float its text is, `Binary` as bytes.

    The queue holds a number as an int or a float and a type without a custom label, so a
    custom label (`Number.int`) or a number whose text an int or float would not give back
    exactly (`007`, `1e5`) is refused rather than changed on the way through.
    """
    values: dict[str, AttributeValue] = {}
    for name, attribute in wire.items():
        if not isinstance(attribute, dict):
            raise _invalid(f"MessageAttributes.{name}", attribute, "it is not a map")
        data_type = attribute.get("DataType")
        if not isinstance(data_type, str) or not data_type:
            raise sqs_error(
                "MissingParameter", f"The message attribute '{name}' must contain a DataType."
            )
        if attribute.get("StringListValues") or attribute.get("BinaryListValues"):
            raise sqs_error(
                "InvalidParameterValue",
                f"The message attribute '{name}': list values are not implemented by SQS.",
            )
        kind, _, label = data_type.partition(".")
        if label:
            raise sqs_error(
                "UnsupportedOperation",
                f"The message attribute '{name}' has the custom type {data_type!r}: faaslib "
                "queues keep the types String, Number and Binary without custom labels.",
            )
        values[name] = _attribute_value(name, kind, attribute)
    return values


def _attribute_value(name: str, kind: str, attribute: Mapping[str, Any]) -> AttributeValue:
    text = attribute.get("StringValue")
    if kind == "Binary":
        encoded = attribute.get("BinaryValue")
        if not isinstance(encoded, str):
            raise sqs_error(
                "InvalidParameterValue",
                f"The message attribute '{name}' with type 'Binary' must use field 'BinaryValue'.",
            )
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise _invalid(f"MessageAttributes.{name}.BinaryValue", encoded, "not base64") from None
    if kind not in ("String", "Number"):
        raise sqs_error(
            "InvalidParameterValue",
            f"The type of message attribute '{name}' is invalid: {kind!r}. You must use "
            "String, Number or Binary.",
        )
    if not isinstance(text, str):
        raise sqs_error(
            "InvalidParameterValue",
            f"The message attribute '{name}' with type '{kind}' must use field 'StringValue'.",
        )
    if kind == "String":
        return text
    number: int | float
    try:
        number = int(text) if _INTEGER.fullmatch(text) else float(text)
    except ValueError:
        raise sqs_error(
            "InvalidParameterValue",
            f"Can't cast the value of message (user) attribute '{name}' to a number: {text!r}.",
        ) from None
    if str(number) != text:
        raise sqs_error(
            "UnsupportedOperation",
            f"The Number attribute '{name}' = {text!r} would reach receivers as "
            f"{str(number)!r}: faaslib queues hold numbers as int or float; send "
            f"{str(number)!r} instead.",
        )
    return number


def json_attributes(
    attributes: Mapping[str, SQSMessageAttribute],
) -> dict[str, dict[str, str]]:
    """A received message's attributes in SQS's JSON shape."""
    wire: dict[str, dict[str, str]] = {}
    for name, attribute in attributes.items():
        value: dict[str, str] = {"DataType": str(attribute.data_type)}
        if isinstance(attribute.binary_value, str):
            value["BinaryValue"] = attribute.binary_value
        else:
            value["StringValue"] = str(attribute.string_value)
        wire[name] = value
    return wire


def attributes_md5(wire: Mapping[str, Mapping[str, str]]) -> str:
    """`MD5OfMessageAttributes` by SQS's algorithm: per attribute, in name order, the
    length-prefixed name, data type and value, with transport type 1 (string) or 2 (binary)."""

    def prefixed(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data

    encoded = bytearray()
    for name in sorted(wire):
        value = wire[name]
        encoded += prefixed(name.encode()) + prefixed(value["DataType"].encode())
        if "BinaryValue" in value:
            encoded += b"\x02" + prefixed(base64.b64decode(value["BinaryValue"]))
        else:
            encoded += b"\x01" + prefixed(value["StringValue"].encode())
    return hashlib.md5(encoded, usedforsecurity=False).hexdigest()


def _invalid(name: str, value: Any, reason: str) -> AwsError:
    shown = repr(value)
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    return sqs_error(
        "InvalidParameterValue", f"Value {shown} for parameter {name} is invalid. Reason: {reason}."
    )
