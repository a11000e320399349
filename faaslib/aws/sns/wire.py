"""SNS's query protocol: the form parameters boto3 sends (`Attributes.entry.1.key`,
`MessageAttributes.entry.1.Value.StringValue`, `PublishBatchRequestEntries.member.1.Id`) read
back into values, and the XML answers botocore parses."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from faaslib.aws.protocol import AwsError, AwsResponse

__all__ = [
    "Entries",
    "indexed",
    "invalid",
    "map_of",
    "message_attributes",
    "required",
    "response",
]

NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/"


class Entries(dict[str, str]):
    """A map of the answer, written as SNS writes maps: `<entry><key/><value/></entry>`."""


def invalid(message: str, code: str = "InvalidParameter", status: int = 400) -> AwsError:
    """SNS's error for a request it refuses (a sender's fault)."""
    return AwsError(code, message, status)


def required(form: Mapping[str, str], name: str) -> str:
    """A required parameter; SNS's `InvalidParameter` when it is missing or empty."""
    value = form.get(name)
    if not value:
        raise invalid(f"Invalid parameter: {name} Reason: {name} is required")
    return value


def indexed(form: Mapping[str, str], prefix: str) -> list[dict[str, str]]:
    """The members of a list or map parameter, in order: `prefix.1.X=..` gives `{"X": ..}`."""
    members: dict[int, dict[str, str]] = {}
    for key, value in form.items():
        if not key.startswith(prefix + "."):
            continue
        number, _, rest = key[len(prefix) + 1 :].partition(".")
        if number.isdigit() and rest:
            members.setdefault(int(number), {})[rest] = value
    return [members[number] for number in sorted(members)]


def map_of(form: Mapping[str, str], name: str) -> dict[str, str]:
    """A string map parameter (`Attributes.entry.N.key` / `.value`)."""
    return {
        entry["key"]: entry.get("value", "")
        for entry in indexed(form, f"{name}.entry")
        if "key" in entry
    }


def message_attributes(form: Mapping[str, str], name: str) -> dict[str, Any]:
    """Message attributes as `Topic.publish` takes them: String as str, Number as int or
    float, Binary as bytes, String.Array as a list."""
    attributes: dict[str, Any] = {}
    for entry in indexed(form, f"{name}.entry"):
        key = entry.get("Name", "")
        kind = entry.get("Value.DataType")
        where = f"Invalid parameter: MessageAttributes Reason: attribute {key!r}"
        if kind == "String":
            attributes[key] = entry.get("Value.StringValue", "")
        elif kind == "Number":
            text = entry.get("Value.StringValue", "")
            try:
                attributes[key] = int(text) if text.lstrip("-").isdigit() else float(text)
            except ValueError:
                raise invalid(
                    f"{where}: {text!r} is not a Number", "ParameterValueInvalid"
                ) from None
        elif kind == "Binary":
            try:
                attributes[key] = base64.b64decode(entry.get("Value.BinaryValue", ""))
            except (binascii.Error, ValueError):
                raise invalid(
                    f"{where}: BinaryValue is not base64", "ParameterValueInvalid"
                ) from None
        elif kind == "String.Array":
            text = entry.get("Value.StringValue", "")
            try:
                values = json.loads(text)
            except ValueError:
                values = None
            if not isinstance(values, list):
                raise invalid(f"{where}: {text!r} is not a JSON array", "ParameterValueInvalid")
            attributes[key] = values
        else:
            raise invalid(
                f"{where}: DataType {kind!r} is not one faaslib's topics carry (String, Number, "
                "Binary, String.Array; no custom type labels)",
                "ParameterValueInvalid",
            )
    return attributes


def response(operation: str, result: Mapping[str, Any], request_id: str) -> AwsResponse:
    """The XML answer of `operation`, with `result` as its `{operation}Result`."""
    body = (
        f'<?xml version="1.0"?><{operation}Response xmlns="{NAMESPACE}">'
        f"<{operation}Result>{_render(result)}</{operation}Result>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return AwsResponse(200, [("content-type", "text/xml")], body.encode())


def _render(value: Any) -> str:
    if isinstance(value, Entries):
        return "".join(
            f"<entry><key>{_text(key)}</key><value>{_text(item)}</value></entry>"
            for key, item in value.items()
        )
    if isinstance(value, Mapping):
        return "".join(
            f"<{name}>{_render(item)}</{name}>" for name, item in value.items() if item is not None
        )
    if isinstance(value, list):
        return "".join(f"<member>{_render(item)}</member>" for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return _text(str(value))


def _text(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
