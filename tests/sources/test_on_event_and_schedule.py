"""`app.bus().put_events` with `@app.on_event` rules, and `@app.on_schedule`, under the fake clock:
PutEvents' per-entry results and limits, pattern routing, Event-invocation retries and
destinations (an event bus among them), and schedules firing exactly on time."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from faaslib import App, ConfigurationError, Context
from faaslib.events import EventBridgeEvent, ScheduledEvent
from faaslib.schedule import next_fire_times
from faaslib.sources.bus import PutEventsRejected
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio

ORDER = {"Source": "shop", "DetailType": "Order Placed", "Detail": '{"id": 1, "total": 120}'}


# -- the bus -------------------------------------------------------------------------------------


async def test_put_events_routes_each_event_to_the_rules_whose_patterns_match(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    big: list[EventBridgeEvent] = []
    every: list[dict[str, Any]] = []

    @app.on_event({"source": ["shop"], "detail": {"total": [{"numeric": [">=", 100]}]}})
    async def big_orders(event: EventBridgeEvent, context: Context) -> None:
        big.append(event)

    @app.on_event({"source": [{"prefix": "sh"}]})
    async def audit(event: dict[str, Any], context: Context) -> None:
        every.append(event)

    async with app:
        result = await app.bus().put_events(
            [
                ORDER,
                {**ORDER, "Detail": {"id": 2, "total": 5}, "Resources": ["arn:aws:s3:::b"]},
                {**ORDER, "Source": "warehouse"},
            ]
        )
        await app.wait_idle()
    assert result.failed_entry_count == 0
    ids = [entry.event_id for entry in result.entries]
    assert all(isinstance(i, str) and len(i) == 36 for i in ids)
    assert [event.detail for event in big] == [{"id": 1, "total": 120}]
    assert sorted(event["detail"]["id"] for event in every) == [1, 2]
    received = next(event for event in every if event["detail"]["id"] == 2)
    assert list(received) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert received["id"] == ids[1]
    assert received["resources"] == ["arn:aws:s3:::b"]
    assert received["time"] == "2026-01-01T00:00:00Z"
    assert received["detail-type"] == "Order Placed"
    metrics = app.bus().metrics()
    assert metrics["PutEventsApproximateSuccessCount"] == 3
    assert metrics["MatchedEvents"] == 2  # the warehouse event matched no rule
    assert metrics["TriggeredRules"] == 3
    assert metrics["Rules"] == {"big_orders-1": 1, "audit-1": 2}
    assert [t.describe() for t in app.triggers()] == [
        "bus default rule big_orders-1",
        "bus default rule audit-1",
    ]


async def test_each_entry_gets_its_own_result_and_bad_ones_do_not_stop_the_rest(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    seen: list[dict[str, Any]] = []

    @app.on_event({"source": [{"exists": True}]})
    async def anything(event: dict[str, Any], context: Context) -> None:
        seen.append(event)

    bad = [
        {"DetailType": "x", "Detail": "{}"},
        {"Source": "shop", "Detail": "{}"},
        {"Source": "shop", "DetailType": "x"},
        {"Source": "shop", "DetailType": "x", "Detail": "{not json"},
        {"Source": "shop", "DetailType": "x", "Detail": "[1, 2]"},
        {"Source": "aws.s3", "DetailType": "x", "Detail": "{}"},
        {"Source": "shop", "DetailType": "x", "Detail": "{}", "Resources": "arn:one"},
        {"Source": "shop", "DetailType": "x", "Detail": "{}", "EventBusName": "other"},
    ]
    async with app:
        result = await app.bus().put_events([ORDER, *bad[:9]])
        second = await app.bus().put_events([*bad[7:], {**ORDER, "EventBusName": "default"}])
        await app.wait_idle()
    assert result.failed_entry_count == 8
    codes = [(entry.error_code, entry.error_message) for entry in result.entries]
    assert codes[0] == (None, None)
    assert [code for code, _ in codes[1:]] == [
        "InvalidArgument",
        "InvalidArgument",
        "InvalidArgument",
        "MalformedDetail",
        "MalformedDetail",
        "NotAuthorizedForSourceException",
        "InvalidArgument",
        "InvalidArgument",
    ]
    assert "Source is a required argument" in str(codes[1][1])
    assert "DetailType is a required argument" in str(codes[2][1])
    assert "Detail is a required argument" in str(codes[3][1])
    assert "'other' is not this bus" in str(codes[8][1])
    assert second.failed_entry_count == 1
    assert second.entries[1].event_id is not None
    assert len(seen) == 2
    assert result.to_dict()["FailedEntryCount"] == 8
    assert result.to_dict()["Entries"][0] == {"EventId": result.entries[0].event_id}
    assert result.to_dict()["Entries"][6] == {
        "ErrorCode": "NotAuthorizedForSourceException",
        "ErrorMessage": codes[6][1],
    }


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([], "put_events has 0 entries; PutEvents takes 1 to 10"),
        ([ORDER] * 11, "put_events has 11 entries; PutEvents takes 1 to 10"),
        (ORDER, "takes a list of entries"),
        ([ORDER, "text"], "entries[1] is str, not a mapping"),
        ([{**ORDER, "detail": "{}"}], "entries[0] has unknown keys detail"),
        ([{**ORDER, "Time": "yesterday"}], "entries[0]: Time 'yesterday' is not a datetime"),
        (
            [{**ORDER, "Detail": json.dumps({"x": "a" * 600_000})}] * 2,
            "over EventBridge's limit of 1,048,576",
        ),
    ],
)
async def test_a_request_put_events_refuses_whole_puts_nothing(
    clock: FakeClock, entries: Any, message: str
) -> None:
    app = App(clock=clock)
    bus = app.bus()
    with pytest.raises(PutEventsRejected, match="event bus 'default': ") as caught:
        await bus.put_events(entries)
    assert message in str(caught.value)
    assert caught.value.code == "ValidationException"
    assert bus.metrics()["PutEventsApproximateSuccessCount"] == 0


async def test_entry_size_counts_the_fields_as_eventbridge_does(clock: FakeClock) -> None:
    # Source + DetailType + Detail + Resources, and 14 bytes for a Time: exactly at the limit
    # is accepted, one byte more refuses the request.
    app = App(clock=clock)
    bus = app.bus()
    fixed = len("shop") + len("x") + len("arn:r") + 14 + len('{"k":""}')
    text = "a" * (1_048_576 - fixed)
    entry = {
        "Source": "shop",
        "DetailType": "x",
        "Detail": json.dumps({"k": text}, separators=(",", ":")),
        "Resources": ["arn:r"],
        "Time": datetime(2026, 1, 1, tzinfo=timezone.utc),
    }
    assert (await bus.put_events([entry])).failed_entry_count == 0
    with pytest.raises(PutEventsRejected, match="1,048,577 bytes"):
        await bus.put_events([{**entry, "DetailType": "xy"}])


async def test_an_entry_time_is_the_event_time_to_the_second(clock: FakeClock) -> None:
    app = App(clock=clock)
    times: list[str] = []

    @app.on_event({"source": ["shop"]})
    async def handler(event: dict[str, Any], context: Context) -> None:
        times.append(event["time"])

    async with app:
        await app.bus().put_events(
            [
                {**ORDER, "Time": datetime(2025, 5, 6, 7, 8, 9, 500_000, tzinfo=timezone.utc)},
                {**ORDER, "Time": 1_700_000_000},
                {**ORDER, "Time": "2024-02-29T12:00:00Z"},
            ]
        )
        await app.wait_idle()
    assert sorted(times) == ["2023-11-14T22:13:20Z", "2024-02-29T12:00:00Z", "2025-05-06T07:08:09Z"]


async def test_an_invalid_pattern_is_refused_at_registration_naming_the_bad_part(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    with pytest.raises(ConfigurationError) as caught:

        @app.on_event({"detail": {"price": [{"numeric": [">", "ten"]}]}})
        async def priced(event: dict[str, Any], context: Context) -> None:
            pass

    message = str(caught.value)
    assert "function 'priced': on_event rule 'priced-1' on bus 'default'" in message
    assert "$.detail.price" in message
    assert "priced" not in app.functions  # nothing half-registered
    assert app.triggers() == []
    assert app.bus().rules == []


async def test_two_rules_of_one_name_on_a_bus_are_refused(clock: FakeClock) -> None:
    app = App(clock=clock)

    @app.on_event({"source": ["a"]}, rule="orders")
    async def first(event: dict[str, Any], context: Context) -> None:
        pass

    with pytest.raises(ConfigurationError, match="already has a rule of that name"):

        @app.on_event({"source": ["b"]}, rule="orders")
        async def second(event: dict[str, Any], context: Context) -> None:
            pass

    assert "second" not in app.functions


async def test_rules_on_a_custom_bus_see_only_its_events(clock: FakeClock) -> None:
    app = App(clock=clock)
    seen: list[str] = []

    @app.on_event({"source": ["shop"]}, bus="orders")
    async def on_orders(event: dict[str, Any], context: Context) -> None:
        seen.append(event["detail-type"])

    async with app:
        await app.bus().put_events([{**ORDER, "DetailType": "on default"}])
        await app.bus("orders").put_events([{**ORDER, "DetailType": "on orders"}])
        await app.wait_idle()
    assert seen == ["on orders"]
    assert app.bus("orders").rules[0].arn == (
        "arn:aws:events:us-east-1:123456789012:rule/orders/on_orders-1"
    )
    assert app.bus("orders").arn == "arn:aws:events:us-east-1:123456789012:event-bus/orders"


async def test_a_failing_target_is_retried_then_sent_to_its_on_failure_queue(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    failures = app.queue("failures")
    attempts: list[float] = []

    @app.on_event({"source": ["shop"]}, on_failure=failures.arn)
    async def flaky(event: dict[str, Any], context: Context) -> None:
        attempts.append(clock.now())
        raise RuntimeError("down")

    async with app:
        await app.bus().put_events([ORDER])
        await clock.advance(0)
        await clock.advance(60)
        await clock.advance(120)
        await app.wait_idle()
        [message] = await failures.receive(10)
    assert [round(t - attempts[0]) for t in attempts] == [0, 60, 180]
    record = message.json()
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"]["detail"] == {"id": 1, "total": 120}
    assert record["requestPayload"]["source"] == "shop"


async def test_an_event_bus_is_a_destination_for_invocation_records(clock: FakeClock) -> None:
    app = App(clock=clock)
    audit = app.bus("audit")
    records: list[dict[str, Any]] = []

    @app.function(on_success=audit.arn)
    async def work(event: dict[str, Any], context: Context) -> dict[str, int]:
        return {"done": event["n"]}

    @app.on_event(
        {"source": ["lambda"], "detail-type": ["Lambda Function Invocation Result - Success"]},
        bus="audit",
    )
    async def watch(event: dict[str, Any], context: Context) -> None:
        records.append(event)

    async with app:
        await app.invoke("work", {"n": 7}, invocation_type="Event")
        await app.wait_idle()
    [event] = records
    assert event["source"] == "lambda"
    assert event["resources"] == [event["detail"]["requestContext"]["functionArn"]]
    assert event["resources"][0].startswith("arn:aws:lambda:us-east-1:123456789012:function:work")
    assert event["detail"]["requestContext"]["condition"] == "Success"
    assert event["detail"]["responsePayload"] == {"done": 7}


async def test_an_event_bus_cannot_be_a_dead_letter_queue(clock: FakeClock) -> None:
    app = App(clock=clock)
    audit = app.bus("audit")

    @app.function(dead_letter=audit.arn)
    async def work(event: dict[str, Any], context: Context) -> None:
        pass

    with pytest.raises(ConfigurationError, match=r"dead_letter=.* is not a queue or topic"):
        async with app:
            pass


# -- schedules -----------------------------------------------------------------------------------


async def test_a_day_of_fake_time_fires_rate_5_minutes_288_times_on_the_minute(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    events: list[ScheduledEvent] = []

    @app.on_schedule("rate(5 minutes)")
    async def tick(event: ScheduledEvent, context: Context) -> None:
        events.append(event)

    async with app:
        await clock.advance(86_400)
        await app.wait_idle()
    assert len(events) == 288
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    expected = [start + timedelta(minutes=5 * n) for n in range(1, 289)]
    assert sorted(event.time for event in events) == [
        moment.strftime("%Y-%m-%dT%H:%M:%SZ") for moment in expected
    ]
    first = events[0]
    assert first.detail_type == "Scheduled Event"
    assert first.source == "aws.events"
    assert first.detail == {}
    assert first.resources == ["arn:aws:events:us-east-1:123456789012:rule/tick-1"]
    assert len({event.id for event in events}) == 288
    [trigger] = app.triggers("tick")
    assert trigger.metrics()["Invocations"] == 288
    assert trigger.metrics()["MissedTicks"] == 0
    assert trigger.metrics()["NextFireTime"] == "2026-01-02T00:05:00+00:00"


async def test_a_cron_schedule_fires_exactly_its_fire_times_over_a_week(clock: FakeClock) -> None:
    app = App(clock=clock)
    fired: list[str] = []

    @app.on_schedule("cron(0/15 8-17 ? * MON-FRI *)")
    async def office(event: dict[str, Any], context: Context) -> None:
        fired.append(event["time"])

    async with app:
        await clock.advance(7 * 86_400)
        await app.wait_idle()
    # Independently: every quarter hour from 08:00 to 17:45 on the five weekdays of the week
    # starting Thursday 2026-01-01.
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    expected = [
        start + timedelta(days=day, hours=hour, minutes=minute)
        for day in range(7)
        for hour in range(8, 18)
        for minute in (0, 15, 30, 45)
        if (start + timedelta(days=day)).weekday() < 5
    ]
    assert len(expected) == 5 * 10 * 4
    assert sorted(fired) == [moment.strftime("%Y-%m-%dT%H:%M:%SZ") for moment in expected]
    assert sorted(fired) == [
        moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        for moment in next_fire_times("cron(0/15 8-17 ? * MON-FRI *)", start, 200)
    ]


async def test_a_schedule_in_a_time_zone_fires_on_its_wall_clock(clock: FakeClock) -> None:
    app = App(clock=clock)
    fired: list[str] = []

    @app.on_schedule("cron(0 9 * * ? *)", timezone="Europe/Paris")
    async def morning(event: dict[str, Any], context: Context) -> None:
        fired.append(event["time"])

    async with app:
        await clock.advance(2 * 86_400)
        await app.wait_idle()
    assert fired == ["2026-01-01T08:00:00Z", "2026-01-02T08:00:00Z"]  # 09:00 CET is 08:00 UTC
    assert app.triggers("morning")[0].describe() == "schedule cron(0 9 * * ? *) (Europe/Paris)"


async def test_ticks_missed_while_stopped_or_overslept_are_not_fired_late_nor_twice(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    fired: list[str] = []

    @app.on_schedule("rate(1 hour)")
    async def hourly(event: dict[str, Any], context: Context) -> None:
        fired.append(event["time"])

    async with app:
        await clock.advance(2 * 3600)  # 01:00 and 02:00
        await app.wait_idle()
    await clock.advance(3 * 3600)  # 03:00, 04:00, 05:00 pass while the app is stopped
    async with app:
        await clock.advance(3600)  # 06:00
        clock.tick(3 * 3600 + 1)  # the process is suspended over 07:00, 08:00 and 09:00
        await clock.advance(0)  # it wakes at 09:00:01: only the 07:00 tick it slept for fires
        await clock.advance(3600)  # 10:00
        await app.wait_idle()
    assert fired == [
        "2026-01-01T01:00:00Z",
        "2026-01-01T02:00:00Z",
        "2026-01-01T06:00:00Z",
        "2026-01-01T07:00:00Z",
        "2026-01-01T10:00:00Z",
    ]
    metrics = app.triggers("hourly")[0].metrics()
    assert metrics["Invocations"] == 5
    assert metrics["MissedTicks"] == 5  # 03:00, 04:00, 05:00, 08:00, 09:00


@pytest.mark.parametrize(
    ("expression", "timezone_name", "message"),
    [
        ("rate(1 minutes)", None, "must be singular ('minute') for a value of 1"),
        ("cron(0 0 * * * *)", None, "day-of-month"),
        ("cron(0 0 * *)", None, "six fields"),
        ("every 5 minutes", None, "every 5 minutes"),
        ("rate(5 minutes)", "Mars/Olympus", "time zone 'Mars/Olympus'"),
    ],
)
async def test_an_invalid_schedule_is_refused_at_registration(
    clock: FakeClock, expression: str, timezone_name: str | None, message: str
) -> None:
    app = App(clock=clock)
    with pytest.raises(ConfigurationError) as caught:

        @app.on_schedule(expression, timezone=timezone_name)
        async def job(event: dict[str, Any], context: Context) -> None:
            pass

    assert str(caught.value).startswith("function 'job': on_schedule rule 'job-1': ")
    assert message in str(caught.value)
    assert "job" not in app.functions


async def test_a_schedules_constant_input_replaces_the_scheduled_event(clock: FakeClock) -> None:
    """A rule target's `Input` (SAM's Schedule `Input`): each tick delivers that JSON, a fresh
    copy each time, instead of EventBridge's Scheduled Event."""
    app = App(clock=clock)
    events: list[dict[str, Any]] = []

    @app.on_schedule("rate(1 hour)", input={"report": "hourly", "items": [1, 2]})
    async def report(event: dict[str, Any], context: Context) -> None:
        events.append(event)
        event["items"].append("changed by the handler")

    async with app:
        for _ in range(3):
            await clock.advance(3600)
            await app.wait_idle()
    assert events == [{"report": "hourly", "items": [1, 2, "changed by the handler"]}] * 3
    assert [t.describe() for t in app.triggers("report")] == [
        "schedule rate(1 hour), constant input"
    ]


def test_a_schedule_input_that_is_not_json_is_refused_at_registration() -> None:
    with pytest.raises(ConfigurationError, match=r"on_schedule 'rate\(1 hour\)': input: "):
        App().on_schedule("rate(1 hour)", input={"not JSON": object()})


async def test_a_failing_scheduled_invocation_is_retried_as_an_event_invocation(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    attempts: list[str] = []

    @app.on_schedule("cron(30 0 1 1 ? 2026)", maximum_retry_attempts=1)
    async def once(event: dict[str, Any], context: Context) -> None:
        attempts.append(event["time"])
        raise RuntimeError("fail")

    async with app:
        await clock.advance(3600)
        await app.wait_idle()
    assert attempts == ["2026-01-01T00:30:00Z"] * 2
    assert app.triggers("once")[0].metrics()["NextFireTime"] is None  # 2026's only tick passed
