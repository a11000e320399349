"""Schedules at the ends of time and under hostile input: fire times near the years 1 and 9999
that datetime stops at, out-of-range starts, and generated expressions of every shape.

Pure functions: no event loop, so these tests run the same under asyncio and trio.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib.schedule import InvalidSchedule, Schedule, next_fire_times, parse_schedule

UTC = timezone.utc
ZONES = ["UTC", "Pacific/Kiritimati", "America/New_York", "Pacific/Pago_Pago"]
EXPRESSIONS = ["rate(5 minutes)", "rate(1 day)", "cron(0 0 * * ? *)", "cron(0 12 L * ? 2199)"]
FIRST = datetime.min.replace(tzinfo=UTC)
LAST = datetime.max.replace(tzinfo=UTC)
# Aware datetimes whose instants lie beyond datetime's range in UTC.
BEFORE_FIRST = datetime.min.replace(tzinfo=timezone(timedelta(hours=14)))
AFTER_LAST = datetime.max.replace(tzinfo=timezone(timedelta(hours=-14)))


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_after_the_last_instant_nothing_fires(expression: str, zone: str) -> None:
    schedule = parse_schedule(expression, timezone=zone)
    assert schedule.next_fire_time(LAST) is None
    assert schedule.next_fire_time(AFTER_LAST) is None
    start = LAST - timedelta(days=2)
    times = next_fire_times(expression, start, 1_000, timezone=zone)
    assert len(times) <= 2 * 24 * 12  # all that fit in the last two days, then none
    assert all(start < moment for moment in times)
    if expression.startswith("cron"):
        assert times == []


@pytest.mark.parametrize("zone", ZONES)
def test_a_cron_schedule_fires_first_in_1970_whatever_the_start(zone: str) -> None:
    schedule = parse_schedule("cron(0 0 1 1 ? *)", timezone=zone)
    for after in (FIRST, BEFORE_FIRST, datetime(1, 1, 1, tzinfo=UTC) + timedelta(hours=1)):
        first = schedule.next_fire_time(after)
        assert first is not None
        assert first.replace(tzinfo=None) == datetime(1970, 1, 1)


@pytest.mark.parametrize("zone", ZONES)
def test_a_cron_schedule_stops_after_2199(zone: str) -> None:
    schedule = parse_schedule("cron(0 0 * * ? *)", timezone=zone)
    last = schedule.next_fire_time(datetime(2199, 12, 30, 12, tzinfo=ZoneInfo(zone)))
    assert last is not None
    assert last.replace(tzinfo=None) == datetime(2199, 12, 31)
    assert schedule.next_fire_time(last) is None
    assert schedule.next_fire_time(datetime(5000, 1, 1, tzinfo=UTC)) is None


@pytest.mark.parametrize("zone", ZONES)
def test_a_rate_fires_until_the_year_9999_then_never(zone: str) -> None:
    near_end = datetime(9999, 12, 31, 23, 50, tzinfo=UTC)
    if zone == "Pacific/Kiritimati":  # 14 hours ahead: the year 10000 has begun there
        with pytest.raises(InvalidSchedule, match="falls outside the years 1-9999"):
            next_fire_times("rate(5 minutes)", near_end, 5, timezone=zone)
    else:
        times = next_fire_times("rate(5 minutes)", near_end, 5, timezone=zone)
        assert [moment.astimezone(UTC) for moment in times] == [near_end + timedelta(minutes=5)]
    assert parse_schedule("rate(1 day)", timezone=zone).next_fire_time(near_end) is None


def test_fire_times_over_all_of_datetime_holds_only_what_fires() -> None:
    schedule = parse_schedule("cron(0 0 1 1 ? 1970,2199)", timezone="Pacific/Kiritimati")
    times = list(schedule.fire_times(BEFORE_FIRST, AFTER_LAST))
    assert [moment.year for moment in times] == [1970, 2199]
    assert list(parse_schedule("rate(1 day)").fire_times(LAST, AFTER_LAST)) == []
    with pytest.raises(ValueError, match="is before start"):
        list(schedule.fire_times(AFTER_LAST, BEFORE_FIRST))


@pytest.mark.parametrize(
    "start",
    [
        datetime(1, 1, 1, tzinfo=UTC),  # 0000-12-31 in New York
        BEFORE_FIRST,
        AFTER_LAST,
    ],
)
def test_a_start_datetime_cannot_hold_is_refused(start: datetime) -> None:
    with pytest.raises(InvalidSchedule, match=r"start .* (outside|falls outside)"):
        parse_schedule("rate(5 minutes)", timezone="America/New_York", start=start)
    with pytest.raises(InvalidSchedule, match="start"):
        next_fire_times("rate(5 minutes)", start, 3, timezone="America/New_York")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 10**30, "2026-01-01", None])
def test_a_moment_that_is_not_a_datetime_is_a_value_error(value: Any) -> None:
    schedule = parse_schedule("rate(5 minutes)")
    with pytest.raises(ValueError, match="after must be a datetime"):
        schedule.next_fire_time(value)
    with pytest.raises(InvalidSchedule, match="start must be a datetime"):
        next_fire_times("rate(5 minutes)", value, 3)
    with pytest.raises(ValueError, match="must be a datetime"):
        list(schedule.fire_times(value, value))


@pytest.mark.parametrize(
    ("expression", "field"),
    [
        ("cron(" + "9" * 5_000 + " * * * ? *)", "minutes"),
        ("cron(0 0 ? * 1#" + "9" * 5_000 + " *)", "day-of-week"),
        ("cron(0 0 1 * ? " + "2" * 5_000 + ")", "year"),
    ],
    ids=["minutes", "nth-weekday", "year"],
)
def test_numbers_too_long_for_int_are_refused_naming_the_field(expression: str, field: str) -> None:
    with pytest.raises(InvalidSchedule) as info:
        parse_schedule(expression)
    assert info.value.field == field
    assert len(str(info.value)) < 400  # the message quotes the expression cut short


def test_a_rate_too_long_to_represent_parses_and_never_fires_again() -> None:
    schedule = parse_schedule("rate(" + "9" * 5_000 + " minutes)")
    assert schedule.next_fire_time(datetime(2026, 1, 1, tzinfo=UTC)) is None


def test_zero_padding_of_any_length_reads_as_the_number() -> None:
    schedule = parse_schedule("cron(0 0 " + "0" * 5_000 + "1 * ? *)")
    first = schedule.next_fire_time(datetime(2026, 1, 15, tzinfo=UTC))
    assert first == datetime(2026, 2, 1, tzinfo=UTC)


def _parse_or_refusal(text: Any, zone: str = "UTC") -> Schedule | InvalidSchedule:
    try:
        return parse_schedule(text, timezone=zone)
    except InvalidSchedule as error:
        return error


# Properties.

_cron_tokens = st.sampled_from(
    [
        *"*?LW#-,/",
        *("LW", "0", "1", "5", "7", "12", "15", "31", "59", "60", "1970", "2199", "2200"),
        *("MON", "FRI", "JAN", "DEC", "99999999999999999999"),
    ]
)
_cron_fields = st.lists(_cron_tokens, min_size=1, max_size=4).map("".join)
_cron_texts = st.lists(_cron_fields, min_size=5, max_size=7).map(
    lambda fields: f"cron({' '.join(fields)})"
)
_rate_texts = st.tuples(
    st.sampled_from(["0", "1", "5", "007", "9" * 40, "-1", "1.5", "\u0661"]),
    st.sampled_from(["minute", "minutes", "hour", "hours", "day", "days", "week", ""]),
).map(lambda parts: f"rate({parts[0]} {parts[1]})")
_any_texts = st.one_of(
    _cron_texts,
    _rate_texts,
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3),
)
_moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
) | st.sampled_from([FIRST, LAST, BEFORE_FIRST, AFTER_LAST])


@settings(max_examples=300, deadline=None)
@given(text=_any_texts, zone=st.sampled_from(ZONES), after=_moments)
def test_any_expression_parses_or_is_refused_and_answers_any_moment(
    text: str, zone: str, after: datetime
) -> None:
    schedule = _parse_or_refusal(text, zone)
    if isinstance(schedule, InvalidSchedule):
        assert str(schedule).startswith("schedule ")
        return
    following = schedule.next_fire_time(after)
    if following is not None:
        assert following > after
        assert following.tzinfo is not None


@settings(max_examples=100, deadline=None)
@given(
    expression=st.sampled_from([*EXPRESSIONS, "cron(0/15 8-17 ? * MON-FRI *)"]),
    zone=st.sampled_from(ZONES),
    start=_moments,
    count=st.integers(0, 4),
)
def test_next_fire_times_answers_a_short_list_or_refuses_the_start(
    expression: str, zone: str, start: datetime, count: int
) -> None:
    try:
        times = next_fire_times(expression, start, count, timezone=zone)
    except InvalidSchedule as error:
        refusal = error
    else:
        assert len(times) <= count
        assert times == sorted(times)
        assert all(moment > start for moment in times)
        return
    assert refusal.problem.startswith("start ")
    assert refusal.field is None
