"""What PutEvents accepts: the request's entries, and each entry checked alone and made into the
event every rule sees, with EventBridge's limits and error codes.

An entry's Detail must be a JSON object by faaslib's rule (`faaslib.payloads`): a Detail with a
lone surrogate, a non-finite Decimal, a self-reference or too deep a nesting is refused as
EventBridge refuses a malformed one (`MalformedDetail`, that entry only). A rule's target gets
the whole event, which carries the Detail one level down, so Detail may nest one level less than
an event may: whatever the bus accepts, its targets can take.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any, Protocol

from faaslib.clock import Clock
from faaslib.events import _fake
from faaslib.payloads import MAX_DEPTH, PayloadError, from_document, nesting_depth, to_document
from faaslib.sources._common import shown

__all__ = [
    "ENTRY_FIELDS",
    "MAX_DETAIL_DEPTH",
    "MAX_ENTRIES",
    "MAX_ENTRIES_SIZE",
    "TIME_SIZE",
    "BusError",
    "CheckedEntry",
    "PutEventsRejected",
    "check_entry",
    "listed_entries",
]

MAX_ENTRIES = 10
# Events up to 1 MB since January 2026 ("More room to build: serverless services now support
# payloads up to 1 MB", AWS Compute Blog); the API reference's older pages still say 256 KB.
MAX_ENTRIES_SIZE = 1_048_576
TIME_SIZE = 14  # what a Time field counts for in an entry's size (eb-putevent-size.html)
MAX_DETAIL_DEPTH = MAX_DEPTH  # the same limit as any payload: the envelope is not held to it
ENTRY_FIELDS = (
    "Source",
    "DetailType",
    "Detail",
    "Resources",
    "Time",
    "EventBusName",
    "TraceHeader",
)

# (the event, or None; the entry's size; PutEvents' error code and message, or None)
CheckedEntry = tuple[dict[str, Any] | None, int, tuple[str, str] | None]


class _Bus(Protocol):
    """What an entry's check needs of its bus."""

    name: str
    arn: str
    account: str
    region: str
    clock: Clock


class BusError(ValueError):
    """A request EventBridge would refuse; `code` is its error code."""

    code = "ValidationException"

    def __init__(self, bus_name: str, message: str) -> None:
        super().__init__(f"event bus {bus_name!r}: {message}")
        self.bus_name = bus_name


class PutEventsRejected(BusError):
    """The whole PutEvents request is refused: no entry was put."""


def listed_entries(bus_name: str, entries: Any) -> list[Any]:
    """The request's entries as a list; `PutEventsRejected` for anything but 1 to 10 of them."""
    if isinstance(entries, Mapping):
        raise PutEventsRejected(
            bus_name, "put_events takes a list of entries (mappings), not one entry"
        )
    if isinstance(entries, str | bytes | bytearray) or not isinstance(entries, Iterable):
        raise PutEventsRejected(
            bus_name,
            f"put_events takes a list of entries (mappings), not {type(entries).__name__} "
            f"{shown(entries)}",
        )
    listed = list(entries)
    if not 1 <= len(listed) <= MAX_ENTRIES:
        raise PutEventsRejected(
            bus_name,
            f"put_events has {len(listed)} entries; PutEvents takes 1 to {MAX_ENTRIES}",
        )
    return listed


def check_entry(bus: _Bus, index: int, entry: Any) -> CheckedEntry:
    """The event an entry makes (or None), its size, and why it is refused (or None).
    `PutEventsRejected` for an entry that refuses the whole request."""
    where = f"entries[{index}]"
    if not isinstance(entry, Mapping):
        raise PutEventsRejected(
            bus.name, f"{where} is {type(entry).__name__}, not a mapping of PutEvents' keys"
        )
    unknown = sorted(
        key if isinstance(key, str) else shown(key) for key in entry if key not in ENTRY_FIELDS
    )
    if unknown:
        raise PutEventsRejected(
            bus.name,
            f"{where} has unknown keys {', '.join(unknown)}; an entry takes "
            f"{', '.join(ENTRY_FIELDS)}",
        )
    source, detail_type, detail = entry.get("Source"), entry.get("DetailType"), entry.get("Detail")
    resources = entry.get("Resources", [])
    time = entry.get("Time")
    size = 0 if time is None else TIME_SIZE
    for value in (source, detail_type):
        size += _size(value) if isinstance(value, str) else 0
    detail_text, decoded, malformed = _detail(detail)
    size += _size(detail_text) if detail_text is not None else 0
    if isinstance(resources, list | tuple):
        size += sum(_size(r) for r in resources if isinstance(r, str))
    refusal = _refusal(bus, entry, source, detail_type, detail_text, malformed, resources)
    if refusal is not None:
        return None, size, refusal
    moment = _time(bus.name, bus.clock, where, time)
    event = {
        "version": "0",
        "id": _fake.request_id(),
        "detail-type": detail_type,
        "source": source,
        "account": bus.account,
        "time": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "region": bus.region,
        "resources": list(resources),
        "detail": decoded,
    }
    return event, size, None


def _size(text: str) -> int:
    # A lone surrogate is refused later, with its reason; until then it counts as UTF-8 would.
    return len(text.encode("utf-8", "surrogatepass"))


def _detail(detail: Any) -> tuple[str | None, Any, str | None]:
    """An entry's Detail as text (None when there is none), its value, and why it is not a JSON
    document faaslib accepts (or None)."""
    if isinstance(detail, Mapping):
        try:
            text = to_document(detail).decode()
        except PayloadError as error:
            return "", None, str(error)
    elif isinstance(detail, str):
        text = detail
    else:
        return None, None, None
    problem = _not_utf8(text)
    if problem is not None:
        return text, None, problem
    body = text.encode()
    if body.count(b"[") + body.count(b"{") > MAX_DETAIL_DEPTH:
        depth = nesting_depth(body)
        if depth > MAX_DETAIL_DEPTH:
            return (
                text,
                None,
                (
                    f"it nests {depth:,} levels deep; the event carries it one level down and may "
                    f"nest at most {MAX_DEPTH} levels (faaslib's limit), so Detail at most "
                    f"{MAX_DETAIL_DEPTH}"
                ),
            )
    try:
        value = from_document(body)
    except PayloadError as error:
        return text, None, str(error)
    if not isinstance(value, dict):
        return text, None, "it must be a JSON object"
    return text, value, None


def _refusal(
    bus: Any,
    entry: Mapping[str, Any],
    source: Any,
    detail_type: Any,
    detail: str | None,
    malformed: str | None,
    resources: Any,
) -> tuple[str, str] | None:
    """PutEvents' per-entry error code and message for an entry it would not put."""
    for field, value in (("Source", source), ("DetailType", detail_type)):
        if not isinstance(value, str) or not value:
            return (
                "InvalidArgument",
                f"Parameter {field} is not valid. Reason: {field} is a required argument "
                "(a non-empty string).",
            )
        problem = _not_utf8(value)
        if problem is not None:
            return "InvalidArgument", f"Parameter {field} is not valid. Reason: {problem}."
    if detail is None:
        return (
            "InvalidArgument",
            "Parameter Detail is not valid. Reason: Detail is a required argument (a JSON "
            "object, as text or a dict).",
        )
    if malformed is not None:
        return "MalformedDetail", f"Detail is malformed: {malformed}."
    if not isinstance(resources, list | tuple) or not all(
        isinstance(r, str) and r and _not_utf8(r) is None for r in resources
    ):
        return (
            "InvalidArgument",
            "Parameter Resources is not valid. Reason: Resources must be a list of ARNs.",
        )
    if source.startswith("aws."):
        return (
            "NotAuthorizedForSourceException",
            f"Not authorized for the source {source!r}: sources starting with 'aws.' are "
            "AWS services' own.",
        )
    name = entry.get("EventBusName")
    if name is not None and name not in (bus.name, bus.arn):
        return (
            "InvalidArgument",
            f"EventBusName {shown(name)} is not this bus ({bus.name}); put the entry on that "
            "bus with app.bus(name).put_events",
        )
    return None


def _not_utf8(text: str) -> str | None:
    """Why `text` is not UTF-8 text (it holds a lone surrogate), or None."""
    try:
        text.encode()
    except UnicodeEncodeError as error:
        found = text[error.start : error.end]
        return f"it holds {found!r}, a lone surrogate, which UTF-8 cannot encode"
    return None


def _time(bus_name: str, clock: Clock, where: str, value: Any) -> datetime:
    """An entry's Time as boto3 takes it, in UTC: a datetime (naive is UTC), Unix seconds, or
    ISO 8601 text; now when absent."""
    try:
        if value is None:
            return datetime.fromtimestamp(clock.now(), tz=timezone.utc)
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(value, datetime):
            moment = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
            return moment.astimezone(timezone.utc)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, tz=timezone.utc)
    except (ValueError, OverflowError, OSError):  # not a time, or beyond years 1 to 9999
        pass
    raise PutEventsRejected(
        bus_name,
        f"{where}: Time {shown(value)} is not a datetime, Unix seconds or ISO 8601 text "
        "within years 1 to 9999",
    )
