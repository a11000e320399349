"""An EventBridge-like event bus: `put_events` takes entries as PutEvents does, and every rule
whose event pattern matches an event hands it to its target.

As EventBridge does (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
and https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html):

- a request holds 1 to 10 entries; a request outside that, or whose entries together are larger
  than an event may be, is refused whole (`PutEventsRejected`, a ValidationException);
- each entry is checked alone and gets a result in the same place: an `EventId` when accepted,
  an `ErrorCode` and `ErrorMessage` when not, and the other entries go on (`FailedEntryCount`
  counts the refused ones). Source, DetailType and Detail are required, Detail must be a JSON
  object, and a custom event may not claim a source starting with "aws.";
- an accepted entry becomes the event every rule sees: `version`, `id`, `detail-type`, `source`,
  `account`, `time` (the entry's Time, or now, to the second), `region`, `resources`, `detail`;
- each rule whose pattern matches gets the event, once per rule, in the order the rules were
  added. A target that refuses it (the app's Event queue refusing an event over its limit) is
  counted in `FailedInvocations` and kept in `undelivered`, not lost silently.

Events are delivered when they are put, in order; rules' targets run later, as Event
invocations. The bus keeps no archive and has no replays, input transformers or cross-bus
routing: an entry's `EventBusName` must name this bus.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

import anyio.lowlevel
import msgspec

from faaslib.clock import Clock
from faaslib.errors import ConfigurationError
from faaslib.events import _fake
from faaslib.patterns import Pattern

__all__ = [
    "BusError",
    "EventBus",
    "PutEventsRejected",
    "PutEventsResult",
    "PutEventsResultEntry",
    "Rule",
    "UndeliveredEvent",
]

MAX_ENTRIES = 10
# Events up to 1 MB since January 2026 ("More room to build: serverless services now support
# payloads up to 1 MB", AWS Compute Blog); the API reference's older pages still say 256 KB.
MAX_ENTRIES_SIZE = 1_048_576
TIME_SIZE = 14  # what a Time field counts for in an entry's size (eb-putevent-size.html)
ENTRY_FIELDS = (
    "Source",
    "DetailType",
    "Detail",
    "Resources",
    "Time",
    "EventBusName",
    "TraceHeader",
)
_NAME = re.compile(r"[A-Za-z0-9._\-/]{1,256}")


class BusError(ValueError):
    """A request EventBridge would refuse; `code` is its error code."""

    code = "ValidationException"

    def __init__(self, bus_name: str, message: str) -> None:
        super().__init__(f"event bus {bus_name!r}: {message}")
        self.bus_name = bus_name


class PutEventsRejected(BusError):
    """The whole PutEvents request is refused: no entry was put."""


class PutEventsResultEntry(
    msgspec.Struct, frozen=True, kw_only=True, rename="pascal", omit_defaults=True
):
    """One entry's outcome: its event id, or why it was refused."""

    event_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None


class PutEventsResult(msgspec.Struct, frozen=True, kw_only=True, rename="pascal"):
    """PutEvents' answer: one result per entry, in the order given."""

    failed_entry_count: int
    entries: list[PutEventsResultEntry]

    def to_dict(self) -> dict[str, Any]:
        """The answer as boto3 returns it: `{"FailedEntryCount": 0, "Entries": [...]}`."""
        answer: dict[str, Any] = msgspec.to_builtins(self)
        return answer


class Rule(msgspec.Struct, kw_only=True):
    """A rule of the bus: its pattern and the target each matching event goes to."""

    name: str
    arn: str
    pattern: Pattern
    target: Callable[[dict[str, Any]], object]
    target_name: str
    matched: int = 0


class UndeliveredEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event a rule's target refused, with the reason, kept so it is not lost."""

    rule: str
    event: dict[str, Any]
    error: str


class BusCounters(msgspec.Struct, kw_only=True):
    """What went through the bus, named as CloudWatch's AWS/Events metrics."""

    PutEventsApproximateCallCount: int = 0
    PutEventsApproximateSuccessCount: int = 0
    PutEventsApproximateFailedCount: int = 0
    MatchedEvents: int = 0
    TriggeredRules: int = 0
    Invocations: int = 0
    FailedInvocations: int = 0


class EventBus:
    """An event bus: put events with `put_events`, route them with rules.

    >>> bus = EventBus("default", clock)
    >>> result = await bus.put_events(
    ...     [{"Source": "shop", "DetailType": "Order Placed", "Detail": '{"id": 1}'}]
    ... )
    >>> result.failed_entry_count
    0
    """

    def __init__(
        self,
        name: str = "default",
        clock: Clock | None = None,
        *,
        region: str = "us-east-1",
        account: str = "123456789012",
    ) -> None:
        if not isinstance(name, str) or not _NAME.fullmatch(name) or name.startswith("aws."):
            raise ConfigurationError(
                f"event bus {name!r}: the name must have 1 to 256 characters: letters, digits, "
                "'.', '-', '_' or '/', and not start with 'aws.'"
            )
        if clock is None:
            from faaslib.clock import SystemClock

            clock = SystemClock()
        self.name = name
        self.clock = clock
        self.region = region
        self.account = account
        self.arn = f"arn:aws:events:{region}:{account}:event-bus/{name}"
        self.rules: list[Rule] = []
        self.undelivered: list[UndeliveredEvent] = []
        self.counters = BusCounters()

    def __repr__(self) -> str:
        return f"<EventBus {self.name!r}: {len(self.rules)} rules>"

    # -- rules ---------------------------------------------------------------------------------

    def add_rule(
        self,
        name: str,
        pattern: Pattern,
        target: Callable[[dict[str, Any]], object],
        *,
        target_name: str = "",
    ) -> Rule:
        """Add rule `name`: every event `pattern` matches is handed to `target` (which may
        raise to refuse it)."""
        if any(rule.name == name for rule in self.rules):
            raise ConfigurationError(f"event bus {self.name!r}: rule {name!r} already exists")
        where = "" if self.name == "default" else f"{self.name}/"
        rule = Rule(
            name=name,
            arn=f"arn:aws:events:{self.region}:{self.account}:rule/{where}{name}",
            pattern=pattern,
            target=target,
            target_name=target_name,
        )
        self.rules.append(rule)
        return rule

    # -- putting -------------------------------------------------------------------------------

    async def put_events(self, entries: Iterable[Mapping[str, Any]]) -> PutEventsResult:
        """Put 1 to 10 entries (mappings with PutEvents' keys: `Source`, `DetailType`, `Detail`
        as JSON text or a dict, and optionally `Resources`, `Time`, `EventBusName`,
        `TraceHeader`); each matching rule's target gets the event at once."""
        result = self._put_now(entries)
        await anyio.lowlevel.checkpoint()  # an async call is a checkpoint, as anyio's are
        return result

    def _put_now(self, entries: Iterable[Mapping[str, Any]]) -> PutEventsResult:
        listed = list(entries) if not isinstance(entries, Mapping | str | bytes) else None
        if listed is None:
            raise PutEventsRejected(
                self.name, "put_events takes a list of entries (mappings), not one entry"
            )
        if not 1 <= len(listed) <= MAX_ENTRIES:
            raise PutEventsRejected(
                self.name,
                f"put_events has {len(listed)} entries; PutEvents takes 1 to {MAX_ENTRIES}",
            )
        checked = [self._check(index, entry) for index, entry in enumerate(listed)]
        total = sum(size for _, size, _ in checked)
        if total > MAX_ENTRIES_SIZE:
            raise PutEventsRejected(
                self.name,
                f"the entries come to {total:,} bytes, over EventBridge's limit of "
                f'{MAX_ENTRIES_SIZE:,} ("Total size of the entries in the request is over the '
                'limit"; sizes count Source, DetailType, Detail, Resources and 14 for a Time)',
            )
        counters = self.counters
        counters.PutEventsApproximateCallCount += 1
        results = []
        for event, _, refusal in checked:
            if event is None:
                assert refusal is not None
                counters.PutEventsApproximateFailedCount += 1
                results.append(
                    PutEventsResultEntry(error_code=refusal[0], error_message=refusal[1])
                )
                continue
            counters.PutEventsApproximateSuccessCount += 1
            self._route(event)
            results.append(PutEventsResultEntry(event_id=event["id"]))
        failed = sum(1 for result in results if result.event_id is None)
        return PutEventsResult(failed_entry_count=failed, entries=results)

    def _route(self, event: dict[str, Any]) -> None:
        counters = self.counters
        matched = False
        for rule in self.rules:
            if not rule.pattern.matches(event):
                continue
            matched = True
            rule.matched += 1
            counters.TriggeredRules += 1
            try:
                rule.target(event)
            except Exception as error:
                counters.FailedInvocations += 1
                self.undelivered.append(
                    UndeliveredEvent(rule=rule.name, event=event, error=f"{error}")
                )
            else:
                counters.Invocations += 1
        if matched:
            counters.MatchedEvents += 1

    def _check(
        self, index: int, entry: Any
    ) -> tuple[dict[str, Any] | None, int, tuple[str, str] | None]:
        """The event an entry makes (or None), its size, and why it is refused (or None)."""
        where = f"entries[{index}]"
        if not isinstance(entry, Mapping):
            raise PutEventsRejected(
                self.name, f"{where} is {type(entry).__name__}, not a mapping of PutEvents' keys"
            )
        unknown = sorted(str(key) for key in entry if key not in ENTRY_FIELDS)
        if unknown:
            raise PutEventsRejected(
                self.name,
                f"{where} has unknown keys {', '.join(unknown)}; an entry takes "
                f"{', '.join(ENTRY_FIELDS)}",
            )
        source, detail_type, detail = (
            entry.get("Source"),
            entry.get("DetailType"),
            entry.get("Detail"),
        )
        resources = entry.get("Resources", [])
        time = entry.get("Time")
        size = 0 if time is None else TIME_SIZE
        for value in (source, detail_type):
            size += len(value.encode()) if isinstance(value, str) else 0
        detail_text = detail if isinstance(detail, str) else None
        if isinstance(detail, Mapping):
            try:
                detail_text = msgspec.json.encode(detail).decode()
            except (TypeError, msgspec.EncodeError) as error:
                raise PutEventsRejected(
                    self.name, f"{where}: Detail cannot be encoded as JSON: {error}"
                ) from None
        size += len(detail_text.encode()) if detail_text is not None else 0
        if isinstance(resources, list | tuple):
            size += sum(len(r.encode()) for r in resources if isinstance(r, str))
        decoded: Any = None
        if detail_text is not None:
            try:
                decoded = msgspec.json.decode(detail_text)
            except msgspec.DecodeError:
                decoded = msgspec.UNSET  # present, but not JSON
        refusal = self._refusal(entry, source, detail_type, detail_text, decoded, resources)
        if refusal is not None:
            return None, size, refusal
        moment = self._time(where, time)
        event = {
            "version": "0",
            "id": _fake.request_id(),
            "detail-type": detail_type,
            "source": source,
            "account": self.account,
            "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": list(resources),
            "detail": decoded,
        }
        return event, size, None

    def _refusal(
        self,
        entry: Mapping[str, Any],
        source: Any,
        detail_type: Any,
        detail: str | None,
        decoded: Any,
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
        if detail is None:
            return (
                "InvalidArgument",
                "Parameter Detail is not valid. Reason: Detail is a required argument (a JSON "
                "object, as text or a dict).",
            )
        if not isinstance(decoded, dict):
            return "MalformedDetail", "Detail is malformed: it must be a JSON object."
        if not isinstance(resources, list | tuple) or not all(
            isinstance(r, str) and r for r in resources
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
        bus = entry.get("EventBusName")
        if bus is not None and bus not in (self.name, self.arn):
            return (
                "InvalidArgument",
                f"EventBusName {bus!r} is not this bus ({self.name}); put the entry on that "
                "bus with app.bus(name).put_events",
            )
        return None

    def _time(self, where: str, value: Any) -> datetime:
        """An entry's Time as boto3 takes it: a datetime (naive is UTC), Unix seconds, or ISO
        8601 text; now when absent."""
        if value is None:
            return datetime.fromtimestamp(self.clock.now(), tz=timezone.utc)
        if isinstance(value, datetime):
            return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, tz=timezone.utc)
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                pass
            else:
                return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment
        raise PutEventsRejected(
            self.name,
            f"{where}: Time {value!r} is not a datetime, Unix seconds or ISO 8601 text",
        )

    # -- reporting -----------------------------------------------------------------------------

    def metrics(self) -> dict[str, Any]:
        """The bus's counters, named as CloudWatch's AWS/Events metrics."""
        data: dict[str, Any] = msgspec.structs.asdict(self.counters)
        data["Rules"] = {rule.name: rule.matched for rule in self.rules}
        return data
