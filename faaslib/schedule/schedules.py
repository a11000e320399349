"""When a schedule fires: rates in absolute time, cron expressions on a time zone's wall clock.

Time zones and daylight saving time follow EventBridge Scheduler
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html, and
https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst):

- a cron expression is read on the wall clock of its time zone (UTC unless told otherwise, which
  is all a legacy EventBridge rule knows);
- when clocks spring forward, a cron time that does not exist that day is skipped, not moved;
- when clocks fall back, a repeated wall-clock time fires once, at its first occurrence;
- a rate is a duration: `rate(1 day)` is 24 hours after the last invocation, whatever DST does.

A rate schedule starts at `start`, the moment its rule is created (EventBridge Scheduler's
`StartDate`: the first invocation is at `start` itself), and fires every period after it. Without
`start` it is anchored at the Unix epoch, so `rate(5 minutes)` fires on the round five minutes of
UTC, which keeps previews and tests repeatable. `start` also holds back a cron schedule: nothing
fires before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from faaslib.schedule.cron import Cron, next_wall_time
from faaslib.schedule.expressions import InvalidSchedule, Rate, parse_expression

__all__ = ["Schedule", "next_fire_times", "parse_schedule"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MINUTE = timedelta(minutes=1)
_EARLIEST = datetime.min.replace(tzinfo=timezone.utc)
# Cron years run 1970-2199 on some zone's wall clock, and no zone is more than a day from UTC:
# outside this window a cron schedule has nothing to find, and inside it no date arithmetic
# comes near the years 1 and 9999 that datetime stops at.
_CRON_FROM = datetime(1969, 12, 30, tzinfo=timezone.utc)
_CRON_UNTIL = datetime(2200, 1, 2, tzinfo=timezone.utc)


class _OutOfRange(ValueError):
    """An aware datetime whose instant falls outside the years 1-9999 of UTC."""

    def __init__(self, name: str, moment: datetime, *, is_early: bool) -> None:
        side = "before 0001-01-01" if is_early else "after 9999-12-31"
        super().__init__(
            f"{name} {moment.isoformat()} is {side} in UTC, outside the range of datetime"
        )
        self.is_early = is_early


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule expression in its time zone; ask it when it fires.

    Fire times are aware datetimes in the schedule's time zone. Around a DST change two of them
    may show the same wall time with different offsets; compare them in UTC or by `.timestamp()`.

    ```pycon
    >>> schedule = parse_schedule("cron(0/15 8-17 ? * MON-FRI *)", timezone="Europe/Paris")
    >>> schedule.next_fire_time(datetime(2026, 3, 6, 17, 50, tzinfo=timezone.utc))
    datetime.datetime(2026, 3, 9, 8, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/Paris'))
    ```
    """

    expression: str
    timezone: str = "UTC"
    start: datetime | None = None
    _rule: Rate | Cron = field(init=False, repr=False, compare=False)
    _zone: tzinfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Validated once, here, so that asking for fire times trusts what it holds.
        object.__setattr__(self, "_rule", parse_expression(self.expression))
        try:
            zone = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise InvalidSchedule(
                self.expression,
                f"time zone {self.timezone!r} is not an IANA time zone name (e.g. "
                "'America/New_York'; install tzdata if the system has no time zone database)",
            ) from None
        object.__setattr__(self, "_zone", zone)
        if self.start is not None:
            try:
                start = _utc(self.start, "start")
                _local(start, zone, "start")
            except ValueError as error:
                raise InvalidSchedule(self.expression, str(error)) from None
            object.__setattr__(self, "start", start)

    @property
    def kind(self) -> Literal["rate", "cron"]:
        """Which of the two forms the expression takes."""
        return "rate" if isinstance(self._rule, Rate) else "cron"

    def next_fire_time(self, after: datetime) -> datetime | None:
        """The first fire time strictly after `after` (an aware datetime), or None if the
        schedule never fires again (its year field has run out, it names a day that never
        comes, such as `cron(0 0 30 2 ? *)`, or its next time is past the year 9999 that
        datetime can hold)."""
        try:
            return self._following(_utc(after, "after"), inclusive=False)
        except _OutOfRange as error:
            if not error.is_early:
                return None  # nothing can be later than datetime's last instant
            return self._following(_EARLIEST, inclusive=True)

    def fire_times(self, start: datetime, end: datetime) -> Iterator[datetime]:
        """Every fire time from `start` (included) up to `end` (excluded), in order.

        ```pycon
        >>> len(list(parse_schedule("rate(5 minutes)").fire_times(midnight, next_midnight)))
        288
        ```
        """
        first, stop = _bounded_utc(start, "start"), _bounded_utc(end, "end")
        if end < start:
            raise ValueError(
                f"fire_times: end {end.isoformat()} is before start {start.isoformat()}"
            )
        moment = self._following(first, inclusive=True)
        while moment is not None and moment < stop:
            yield moment
            moment = self.next_fire_time(moment)

    def _following(self, moment: datetime, *, inclusive: bool) -> datetime | None:
        """The first fire time after `moment` (UTC), or at it too when `inclusive`."""
        if self.start is not None and (moment < self.start or (inclusive and moment == self.start)):
            moment, inclusive = self.start, True  # the first fire may be at `start` itself
        if isinstance(self._rule, Rate):
            return self._next_rate(self._rule, moment, inclusive)
        return self._next_cron(self._rule, moment, inclusive)

    def _next_rate(self, rate: Rate, after: datetime, inclusive: bool) -> datetime | None:
        anchor = EPOCH if self.start is None else self.start
        if after < anchor or (inclusive and after == anchor):
            return anchor.astimezone(self._zone)
        try:
            periods, remainder = divmod(after - anchor, rate.period)
            if not (inclusive and not remainder):
                periods += 1
            return (anchor + periods * rate.period).astimezone(self._zone)
        except OverflowError:  # past the year 9999 that datetime can hold: never again
            return None

    def _next_cron(self, cron: Cron, after: datetime, inclusive: bool) -> datetime | None:
        if after >= _CRON_UNTIL:
            return None
        if after < _CRON_FROM:
            after, inclusive = _CRON_FROM, True
        # Start from the wall-clock minute holding `after`; a match there or in a repeated hour
        # may still be earlier in absolute time, so each candidate is checked against `after`.
        local = after.astimezone(self._zone)
        wall = local.replace(tzinfo=None, second=0, microsecond=0)
        while True:
            match = next_wall_time(cron, wall)
            if match is None:
                return None
            moment = _instant(match, self._zone)
            if moment is not None and (moment > after or (inclusive and moment == after)):
                return moment.astimezone(self._zone)
            wall = match + _MINUTE


def _instant(wall: datetime, zone: tzinfo) -> datetime | None:
    """The one instant a wall-clock time stands for in `zone`: its first occurrence when clocks
    fall back (fold=0), None when clocks spring forward over it."""
    moment = wall.replace(tzinfo=zone).astimezone(timezone.utc)
    if moment.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return moment


def _utc(moment: datetime, name: str) -> datetime:
    """`moment` in UTC; `ValueError` if it is not an aware datetime, `_OutOfRange` (a
    `ValueError` too) if its instant is outside the years 1-9999 of UTC."""
    if not isinstance(moment, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(moment).__name__}")
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{name} {moment.isoformat()} is naive; give it a time zone "
            "(e.g. datetime.now(timezone.utc))"
        )
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise _OutOfRange(name, moment, is_early=moment.year < 5000) from None


def _bounded_utc(moment: datetime, name: str) -> datetime:
    """`moment` in UTC, an instant beyond datetime's range held at its nearest end."""
    try:
        return _utc(moment, name)
    except _OutOfRange as error:
        return _EARLIEST if error.is_early else datetime.max.replace(tzinfo=timezone.utc)


def _local(moment: datetime, zone: tzinfo, name: str) -> datetime:
    """`moment` on `zone`'s clock; `ValueError` if that clock would show a year outside 1-9999."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        raise ValueError(
            f"{name} {moment.isoformat()} falls outside the years 1-9999 in time zone {zone}"
        ) from None


def parse_schedule(
    expression: str, *, timezone: str | None = None, start: datetime | None = None
) -> Schedule:
    """`expression` (`rate(...)` or `cron(...)`) read in `timezone` (an IANA name such as
    "America/New_York"; UTC by default), starting at `start` if given; or `InvalidSchedule`.

    `parse_schedule("rate(1 minutes)")` raises `InvalidSchedule: schedule 'rate(1 minutes)':
    unit field 'minutes': must be singular ('minute') for a value of 1`.
    """
    return Schedule(expression, "UTC" if timezone is None else timezone, start)


def next_fire_times(
    expression: str, start: datetime, n: int, *, timezone: str | None = None
) -> list[datetime]:
    """The next `n` fire times strictly after `start`, as the console previews them for a rule
    created at `start` (so a rate counts its periods from `start`). Fewer than `n` when the
    schedule stops firing first; a `start` outside what datetime can hold in `timezone` raises
    `InvalidSchedule`."""
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"next_fire_times: n={n!r} must be a whole number, 0 or more")
    if not isinstance(start, datetime):  # `start=None` would mean "no start" to a Schedule
        raise InvalidSchedule(expression, f"start must be a datetime, got {type(start).__name__}")
    schedule = parse_schedule(expression, timezone=timezone, start=start)
    times: list[datetime] = []
    moment: datetime | None = start
    while len(times) < n and moment is not None:
        moment = schedule.next_fire_time(moment)
        if moment is not None:
            times.append(moment)
    return times
