"""A parsed cron expression, and the search for the next wall-clock minute it matches.

The search walks the calendar field by field (year, month, day, hour, minute) and never minute by
minute, so the next `cron(0 0 29 2 ? *)` after 2025 or the proof that `cron(0 0 30 2 ? *)` never
fires costs a few thousand steps at most: the year field stops at 2199.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime

__all__ = [
    "Cron",
    "DayRule",
    "DaysOfMonth",
    "DaysOfWeek",
    "LastDayOfMonth",
    "LastWeekdayOfMonth",
    "LastWeekdayOfWeek",
    "NearestWeekday",
    "NthWeekdayOfWeek",
    "aws_weekday",
    "next_wall_time",
]

SUNDAY, SATURDAY = 1, 7  # EventBridge numbers the week 1 = SUN ... 7 = SAT


def aws_weekday(day: date) -> int:
    """The day of the week as EventBridge numbers it: 1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _nearest_weekday(year: int, month: int, day: int) -> int:
    """The weekday closest to `day` without leaving the month, as Quartz's `W` (which
    EventBridge's cron follows): a Saturday moves back to Friday unless it is the 1st, which moves
    on to Monday the 3rd; a Sunday moves on to Monday unless it ends the month, which moves back
    to Friday."""
    weekday = aws_weekday(date(year, month, day))
    if weekday == SATURDAY:
        return day + 2 if day == 1 else day - 1
    if weekday == SUNDAY:
        return day - 2 if day == _last_day(year, month) else day + 1
    return day


@dataclass(frozen=True)
class DaysOfMonth:
    """Plain days of the month (`1,15`, `10-20`, `*`); a day the month lacks never fires."""

    days: tuple[int, ...]

    def days_in(self, year: int, month: int) -> list[int]:
        last = _last_day(year, month)
        return [day for day in self.days if day <= last]


@dataclass(frozen=True)
class LastDayOfMonth:
    """`L` in day-of-month."""

    def days_in(self, year: int, month: int) -> list[int]:
        return [_last_day(year, month)]


@dataclass(frozen=True)
class LastWeekdayOfMonth:
    """`LW`: the last Monday-to-Friday day of the month."""

    def days_in(self, year: int, month: int) -> list[int]:
        return [_nearest_weekday(year, month, _last_day(year, month))]


@dataclass(frozen=True)
class NearestWeekday:
    """`15W`: the weekday nearest the 15th. A month without that day (`31W` in April) has no
    nearest weekday to it and does not fire."""

    day: int

    def days_in(self, year: int, month: int) -> list[int]:
        if self.day > _last_day(year, month):
            return []
        return [_nearest_weekday(year, month, self.day)]


@dataclass(frozen=True)
class DaysOfWeek:
    """Days of the week, 1 = SUN ... 7 = SAT (`MON-FRI`, `1,7`, `*`, and `L` alone = SAT)."""

    weekdays: frozenset[int]

    def days_in(self, year: int, month: int) -> list[int]:
        first = aws_weekday(date(year, month, 1))
        return [
            day
            for day in range(1, _last_day(year, month) + 1)
            if (first - 1 + day - 1) % 7 + 1 in self.weekdays
        ]


@dataclass(frozen=True)
class LastWeekdayOfWeek:
    """`5L`: the last Thursday of the month."""

    weekday: int

    def days_in(self, year: int, month: int) -> list[int]:
        last = _last_day(year, month)
        back = (aws_weekday(date(year, month, last)) - self.weekday) % 7
        return [last - back]


@dataclass(frozen=True)
class NthWeekdayOfWeek:
    """`3#2`: the second Tuesday of the month; a month without a fifth one does not fire."""

    weekday: int
    nth: int

    def days_in(self, year: int, month: int) -> list[int]:
        first = (self.weekday - aws_weekday(date(year, month, 1))) % 7 + 1
        day = first + 7 * (self.nth - 1)
        return [day] if day <= _last_day(year, month) else []


DayRule = (
    DaysOfMonth
    | LastDayOfMonth
    | LastWeekdayOfMonth
    | NearestWeekday
    | DaysOfWeek
    | LastWeekdayOfWeek
    | NthWeekdayOfWeek
)


@dataclass(frozen=True)
class Cron:
    """The six fields of a cron expression, resolved to sorted values. `days` is whichever of
    day-of-month and day-of-week is not `?`."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: DayRule
    months: tuple[int, ...]
    years: tuple[int, ...]


def next_wall_time(cron: Cron, start: datetime) -> datetime | None:
    """The first wall-clock minute at or after `start` (naive, on a whole minute) that `cron`
    matches, or None if none is left before the year field runs out."""
    for year in cron.years[bisect_left(cron.years, start.year) :]:
        same_year = year == start.year
        for month in cron.months:
            if same_year and month < start.month:
                continue
            same_month = same_year and month == start.month
            for day in cron.days.days_in(year, month):
                if same_month and day < start.day:
                    continue
                same_day = same_month and day == start.day
                for hour in cron.hours:
                    if same_day and hour < start.hour:
                        continue
                    same_hour = same_day and hour == start.hour
                    for minute in cron.minutes:
                        if same_hour and minute < start.minute:
                            continue
                        return datetime(year, month, day, hour, minute)
    return None
