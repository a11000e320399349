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

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

import anyio.lowlevel
import msgspec

from faaslib.clock import Clock
from faaslib.errors import ConfigurationError
from faaslib.patterns import Pattern
from faaslib.sources.bus.checks import (
    MAX_ENTRIES_SIZE,
    BusError,
    CheckedEntry,
    PutEventsRejected,
    check_entry,
    listed_entries,
)

__all__ = [
    "BusError",
    "EventBus",
    "PutEventsRejected",
    "PutEventsResult",
    "PutEventsResultEntry",
    "Rule",
    "RuleTarget",
    "UndeliveredEvent",
]

_NAME = re.compile(r"[A-Za-z0-9._\-/]{1,256}")


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


class RuleTarget(msgspec.Struct, frozen=True, kw_only=True):
    """One target of a rule: its `id` and `arn`, as PutTargets names them, and `deliver`, which
    takes each matching event (and may raise to refuse it)."""

    id: str
    arn: str
    deliver: Callable[[dict[str, Any]], object]


class Rule(msgspec.Struct, kw_only=True):
    """A rule of the bus: its pattern and the targets each matching event goes to, by id, in
    the order they were added. A rule without targets matches nothing, as on EventBridge."""

    name: str
    arn: str
    pattern: Pattern
    targets: dict[str, RuleTarget]
    description: str | None = None
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

    ```pycon
    >>> bus = EventBus("default", clock)
    >>> result = await bus.put_events(
    ...     [{"Source": "shop", "DetailType": "Order Placed", "Detail": '{"id": 1}'}]
    ... )
    >>> result.failed_entry_count
    0
    ```
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
        # The rules by name, beside the list (which keeps their order): looking a name up in
        # the list made adding N rules cost N² (17.6 µs a rule at 1,000).
        self._by_name: dict[str, Rule] = {}
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
        target_arn: str = "",
    ) -> Rule:
        """Add rule `name`: every event `pattern` matches is handed to `target` (which may
        raise to refuse it); `target_name` is the target's id (default `"1"`) and `target_arn`
        its ARN."""
        if self.rule(name) is not None:
            raise ConfigurationError(f"event bus {self.name!r}: rule {name!r} already exists")
        rule = self.put_rule(name, pattern)
        target_id = target_name or "1"
        rule.targets[target_id] = RuleTarget(id=target_id, arn=target_arn, deliver=target)
        return rule

    def rule(self, name: str) -> Rule | None:
        """The bus's rule `name`, or None."""
        return self._by_name.get(name)

    def put_rule(self, name: str, pattern: Pattern, *, description: str | None = None) -> Rule:
        """Rule `name` with `pattern`, as PutRule makes it: a new rule has no targets (and so
        matches nothing until `put_target`); an existing one takes the new pattern and keeps
        its targets."""
        rule = self.rule(name)
        if rule is not None:
            rule.pattern = pattern
            rule.description = description
            return rule
        where = "" if self.name == "default" else f"{self.name}/"
        rule = Rule(
            name=name,
            arn=f"arn:aws:events:{self.region}:{self.account}:rule/{where}{name}",
            pattern=pattern,
            targets={},
            description=description,
        )
        self.rules.append(rule)
        self._by_name[name] = rule
        return rule

    def put_target(self, rule: str, target: RuleTarget) -> None:
        """Add `target` to rule `rule` (replacing the target of the same id), as PutTargets
        does. Raises `BusError` for a rule the bus does not have."""
        self._rule(rule).targets[target.id] = target

    def remove_target(self, rule: str, target_id: str) -> None:
        """Remove the target `target_id` of rule `rule`; raises `BusError` for a rule or a
        target the bus does not have."""
        targets = self._rule(rule).targets
        if targets.pop(target_id, None) is None:
            raise BusError(self.name, f"rule {rule!r} has no target {target_id!r}")

    def remove_rule(self, name: str) -> None:
        """Delete rule `name`, as DeleteRule does: only once it has no targets left."""
        found = self._rule(name)
        if found.targets:
            raise BusError(
                self.name, f"rule {name!r} can't be deleted since it has targets; remove them first"
            )
        self.rules.remove(found)
        del self._by_name[name]

    def _rule(self, name: str) -> Rule:
        found = self.rule(name)
        if found is None:
            raise BusError(self.name, f"it has no rule {name!r}")
        return found

    # -- putting -------------------------------------------------------------------------------

    async def put_events(self, entries: Iterable[Mapping[str, Any]]) -> PutEventsResult:
        """Put 1 to 10 entries (mappings with PutEvents' keys: `Source`, `DetailType`, `Detail`
        as JSON text or a dict, and optionally `Resources`, `Time`, `EventBusName`,
        `TraceHeader`); each matching rule's target gets the event at once."""
        result = await self._put(entries)
        await anyio.lowlevel.checkpoint()  # an async call is a checkpoint, as anyio's are
        return result

    async def _put(self, entries: Iterable[Mapping[str, Any]]) -> PutEventsResult:
        listed = listed_entries(self.name, entries)
        checked: list[CheckedEntry] = [
            check_entry(self, index, entry) for index, entry in enumerate(listed)
        ]
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
            waiting = self._route(event)
            if waiting:
                await self._settle(waiting)
            results.append(PutEventsResultEntry(event_id=event["id"]))
        failed = sum(1 for result in results if result.event_id is None)
        return PutEventsResult(failed_entry_count=failed, entries=results)

    def _route(self, event: dict[str, Any]) -> list[tuple[str, dict[str, Any], Awaitable[object]]]:
        """Hand `event` to every matching rule's targets; the deliveries that must be awaited
        (a send to a queue on a shared store), for `put_events` to await."""
        counters = self.counters
        matched = False
        waiting: list[tuple[str, dict[str, Any], Awaitable[object]]] = []
        for rule in list(self.rules):
            if not rule.targets or not rule.pattern.matches(event):
                continue
            matched = True
            rule.matched += 1
            counters.TriggeredRules += 1
            for target in list(rule.targets.values()):
                try:
                    outcome = target.deliver(event)
                except Exception as error:
                    self._failed(rule.name, event, error)
                else:
                    if inspect.isawaitable(outcome):
                        waiting.append((rule.name, event, outcome))
                    else:
                        counters.Invocations += 1
        if matched:
            counters.MatchedEvents += 1
        return waiting

    async def _settle(self, waiting: list[tuple[str, dict[str, Any], Awaitable[object]]]) -> None:
        for rule, event, delivery in waiting:
            try:
                await delivery
            except Exception as error:
                self._failed(rule, event, error)
            else:
                self.counters.Invocations += 1

    def _failed(self, rule: str, event: dict[str, Any], error: Exception) -> None:
        self.counters.FailedInvocations += 1
        self.undelivered.append(UndeliveredEvent(rule=rule, event=event, error=f"{error}"))

    # -- reporting -----------------------------------------------------------------------------

    def metrics(self) -> dict[str, Any]:
        """The bus's counters, named as CloudWatch's AWS/Events metrics."""
        data: dict[str, Any] = msgspec.structs.asdict(self.counters)
        data["Rules"] = {rule.name: rule.matched for rule in self.rules}
        return data
