"""EventBridge on `app.aws`: boto3's `events` client (JSON protocol, `X-Amz-Target:
AWSEvents.<Operation>`) on the app's event buses.

Each operation is the call the Python API makes: PutEvents is `bus.put_events` (its per-entry
results as they are), PutRule is `bus.put_rule`, PutTargets is `bus.put_target` with
`app.rule_target` (a function's ARN: an Event invocation with the event, as `@app.on_event`
delivers it; a queue's ARN: a message), TestEventPattern is `faaslib.patterns`. Rules made by
`@app.on_event` are listed with the others.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse, json_response
from faaslib.errors import ConfigurationError
from faaslib.patterns import Pattern, compile_pattern
from faaslib.sources.bus import BusError, EventBus, PutEventsResultEntry, Rule

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["EventsService"]

Operation = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

_CONTENT_TYPE = "application/x-amz-json-1.1"
_RULE_NAME = re.compile(r"[.\-_A-Za-z0-9]{1,64}")
_LIMIT = 100
# What TestEventPattern needs an event to have (API_TestEventPattern.html).
_EVENT_FIELDS = ("id", "account", "source", "time", "region", "detail-type")


def _error(code: str, message: str) -> AwsError:
    return AwsError(code, message, 400)


class EventsService:
    """EventBridge's JSON protocol for `app`'s event buses: `EventsService(app)`, served by
    `app.aws`. What the buses do not have (archives, replays, connections, API destinations,
    schedules made by PutRule, disabled rules, input transformers, creating or deleting buses)
    answers an error naming it."""

    name = "events"

    def __init__(self, app: App) -> None:
        self.app = app
        self._operations: dict[str, Operation] = {
            "PutEvents": self._put_events,
            "PutRule": self._put_rule,
            "DescribeRule": self._describe_rule,
            "ListRules": self._list_rules,
            "DeleteRule": self._delete_rule,
            "PutTargets": self._put_targets,
            "ListTargetsByRule": self._list_targets_by_rule,
            "RemoveTargets": self._remove_targets,
            "TestEventPattern": self._test_event_pattern,
            "ListEventBuses": self._list_event_buses,
            "DescribeEventBus": self._describe_event_bus,
        }

    async def handle(self, request: AwsRequest) -> AwsResponse:
        """The answer to one EventBridge request (JSON protocol)."""
        operation = self._operations.get(request.operation or "")
        if request.protocol != "json" or operation is None:
            raise _error(
                "UnknownOperationException",
                f"faaslib does not emulate the EventBridge operation {request.operation!r} "
                f"(it serves: {', '.join(sorted(self._operations))})",
            )
        try:
            answer = await operation(request.json())
        except BusError as error:
            raise _error(error.code, str(error)) from None
        return json_response(answer, content_type=_CONTENT_TYPE)

    # -- buses --------------------------------------------------------------------------------

    def _bus(self, params: Mapping[str, Any], field: str = "EventBusName") -> EventBus:
        """The bus `params[field]` names (a name or an ARN; the default bus when absent)."""
        name = _string(params, field) or "default"
        if name.startswith("arn:"):
            name = name.rpartition(":event-bus/")[2]
        if name == "default":
            return self.app.bus()  # EventBridge's default bus always exists
        bus = self.app.buses.get(name)
        if bus is None:
            raise _error("ResourceNotFoundException", f"Event bus {name} does not exist.")
        return bus

    async def _list_event_buses(self, params: dict[str, Any]) -> dict[str, Any]:
        self.app.bus()
        prefix = _string(params, "NamePrefix") or ""
        names = sorted(name for name in self.app.buses if name.startswith(prefix))
        page, token = _page(names, params)
        buses = self.app.buses
        return {
            "EventBuses": [{"Name": name, "Arn": buses[name].arn} for name in page],
            **token,
        }

    async def _describe_event_bus(self, params: dict[str, Any]) -> dict[str, Any]:
        bus = self._bus(params, "Name")
        return {"Name": bus.name, "Arn": bus.arn}

    # -- events -------------------------------------------------------------------------------

    async def _put_events(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = params.get("Entries")
        if not isinstance(entries, list) or not 1 <= len(entries) <= 10:
            count = len(entries) if isinstance(entries, list) else 0
            raise _error(
                "ValidationException",
                f"1 validation error detected: Value at 'entries' failed to satisfy constraint: "
                f"Member must have length between 1 and 10 (it has {count})",
            )
        if any(not isinstance(entry, dict) for entry in entries):
            raise _error("ValidationException", "Each entry of Entries must be an object")
        if any(entry.get("EndpointId") for entry in entries):
            raise _error("ValidationException", "faaslib has no global endpoints (EndpointId)")
        # Entries may name different buses: each bus puts its own, in the request's order.
        groups: dict[str, list[int]] = {}
        results: list[PutEventsResultEntry | None] = [None] * len(entries)
        for index, entry in enumerate(entries):
            try:
                bus = self._bus(entry)
            except AwsError as error:
                results[index] = PutEventsResultEntry(
                    error_code=error.code, error_message=error.message
                )
                continue
            groups.setdefault(bus.name, []).append(index)
        for name, indexes in groups.items():
            bus = self.app.buses[name]
            put = await bus.put_events([_entry(entries[index], bus) for index in indexes])
            for index, result in zip(indexes, put.entries, strict=True):
                results[index] = result
        answer = [msgspec.to_builtins(result) for result in results]
        failed = sum(1 for result in answer if "EventId" not in result)
        return {"FailedEntryCount": failed, "Entries": answer}

    async def _test_event_pattern(self, params: dict[str, Any]) -> dict[str, Any]:
        pattern = _pattern(_required(params, "EventPattern"))
        try:
            event = msgspec.json.decode(_required(params, "Event"))
        except msgspec.DecodeError as error:
            raise _error("ValidationException", f"Parameter Event is not valid: {error}") from None
        missing = [f for f in _EVENT_FIELDS if not isinstance(event, dict) or f not in event]
        if missing:
            raise _error(
                "ValidationException",
                f"Parameter Event is not valid: it must be a JSON object with the fields "
                f"{', '.join(_EVENT_FIELDS)} (missing: {', '.join(missing)})",
            )
        return {"Result": pattern.matches(event)}

    # -- rules --------------------------------------------------------------------------------

    def _rule(self, bus: EventBus, name: str) -> Rule:
        rule = bus.rule(name)
        if rule is None:
            raise _error(
                "ResourceNotFoundException", f"Rule {name} does not exist on EventBus {bus.name}."
            )
        return rule

    async def _put_rule(self, params: dict[str, Any]) -> dict[str, Any]:
        name = _required(params, "Name")
        if not _RULE_NAME.fullmatch(name):
            raise _error(
                "ValidationException",
                f"Rule name {name!r} must have 1 to 64 characters: letters, digits, '.', '-', '_'",
            )
        if params.get("ScheduleExpression"):
            raise _error(
                "ValidationException",
                "faaslib's rules made by PutRule take an EventPattern; schedules are "
                "@app.on_schedule's (ScheduleExpression is not served)",
            )
        if params.get("State", "ENABLED") != "ENABLED":
            raise _error(
                "ValidationException",
                f"State {params['State']!r} is not served: faaslib's rules are ENABLED",
            )
        if params.get("Tags") or params.get("RoleArn"):
            raise _error("ValidationException", "faaslib's rules have no Tags and no RoleArn")
        pattern = _pattern(_required(params, "EventPattern"))
        bus = self._bus(params)
        rule = bus.put_rule(name, pattern, description=_string(params, "Description"))
        return {"RuleArn": rule.arn}

    async def _describe_rule(self, params: dict[str, Any]) -> dict[str, Any]:
        bus = self._bus(params)
        answer = _described(bus, self._rule(bus, _required(params, "Name")))
        answer["CreatedBy"] = bus.account
        return answer

    async def _list_rules(self, params: dict[str, Any]) -> dict[str, Any]:
        bus = self._bus(params)
        prefix = _string(params, "NamePrefix") or ""
        names = sorted(rule.name for rule in bus.rules if rule.name.startswith(prefix))
        page, token = _page(names, params)
        return {"Rules": [_described(bus, self._rule(bus, name)) for name in page], **token}

    async def _delete_rule(self, params: dict[str, Any]) -> dict[str, Any]:
        bus = self._bus(params)
        rule = self._rule(bus, _required(params, "Name"))
        if rule.targets:
            raise _error("ValidationException", "Rule can't be deleted since it has targets.")
        bus.remove_rule(rule.name)
        return {}

    # -- targets ------------------------------------------------------------------------------

    async def _put_targets(self, params: dict[str, Any]) -> dict[str, Any]:
        bus = self._bus(params)
        rule = self._rule(bus, _required(params, "Rule"))
        targets = params.get("Targets")
        if not isinstance(targets, list) or not 1 <= len(targets) <= 10:
            raise _error("ValidationException", "Targets must hold 1 to 10 targets")
        failed = []
        for target in targets:
            target_id = str(target.get("Id", ""))
            unsupported = sorted(set(target) - {"Id", "Arn"})
            try:
                if unsupported:
                    raise ConfigurationError(
                        f"faaslib's targets take Id and Arn only, not {', '.join(unsupported)}"
                    )
                made = self.app.rule_target(str(target.get("Arn", "")), id=target_id)
            except ConfigurationError as error:
                failed.append(
                    {
                        "TargetId": target_id,
                        "ErrorCode": "ValidationException",
                        "ErrorMessage": str(error),
                    }
                )
                continue
            bus.put_target(rule.name, made)
        return {"FailedEntryCount": len(failed), "FailedEntries": failed}

    async def _list_targets_by_rule(self, params: dict[str, Any]) -> dict[str, Any]:
        bus = self._bus(params)
        rule = self._rule(bus, _required(params, "Rule"))
        ids = list(rule.targets)
        page, token = _page(ids, params)
        return {
            "Targets": [{"Id": i, "Arn": rule.targets[i].arn} for i in page],
            **token,
        }

    async def _remove_targets(self, params: dict[str, Any]) -> dict[str, Any]:
        bus = self._bus(params)
        rule = self._rule(bus, _required(params, "Rule"))
        ids = params.get("Ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise _error("ValidationException", "Ids must hold 1 to 100 target ids")
        failed = []
        for target_id in ids:
            try:
                bus.remove_target(rule.name, str(target_id))
            except BusError as error:
                failed.append(
                    {
                        "TargetId": str(target_id),
                        "ErrorCode": "ResourceNotFoundException",
                        "ErrorMessage": str(error),
                    }
                )
        return {"FailedEntryCount": len(failed), "FailedEntries": failed}


def _described(bus: EventBus, rule: Rule) -> dict[str, Any]:
    answer = {
        "Name": rule.name,
        "Arn": rule.arn,
        "EventPattern": rule.pattern.text,
        "State": "ENABLED",
        "EventBusName": bus.name,
    }
    if rule.description is not None:
        answer["Description"] = rule.description
    return answer


def _entry(entry: Mapping[str, Any], bus: EventBus) -> dict[str, Any]:
    """A PutEvents entry as `bus.put_events` takes it (its bus by name, as the bus knows it)."""
    given = {key: value for key, value in entry.items() if key != "EventBusName"}
    return {**given, "EventBusName": bus.name}


def _pattern(text: Any) -> Pattern:
    try:
        return compile_pattern(text, owner="EventPattern")
    except ValueError as error:
        raise _error(
            "InvalidEventPatternException", f"Event pattern is not valid: {error}"
        ) from None


def _string(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is not None and not isinstance(value, str):
        raise _error("ValidationException", f"{name} must be a string")
    return value


def _required(params: Mapping[str, Any], name: str) -> str:
    value = _string(params, name)
    if not value:
        raise _error(
            "ValidationException",
            f"1 validation error detected: Value null at '{name}' failed to satisfy constraint: "
            "Member must not be null",
        )
    return value


def _page(names: list[str], params: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """One page of `names` (at most `Limit`, 100 by default) after the `NextToken`, and the
    next page's token, if any."""
    limit = params.get("Limit", _LIMIT)
    if not isinstance(limit, int) or not 1 <= limit <= _LIMIT:
        raise _error("ValidationException", f"Limit {limit!r} is not between 1 and {_LIMIT}")
    start = 0
    token = _string(params, "NextToken")
    if token is not None:
        try:
            start = int(base64.urlsafe_b64decode(token.encode()).decode())
        except (binascii.Error, ValueError):
            raise _error("ValidationException", f"The NextToken {token!r} is not valid") from None
    page = names[start : start + limit]
    after = start + limit
    return page, (
        {"NextToken": base64.urlsafe_b64encode(str(after).encode()).decode()}
        if after < len(names)
        else {}
    )
