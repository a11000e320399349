"""EventBridge schedule expressions, read exactly as EventBridge documents them.

- `rate(value unit)`: a positive whole number and minute(s)/hour(s)/day(s), singular only for 1
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rate-expressions.html).
- `cron(minutes hours day-of-month month day-of-week year)`: six fields; `?` in exactly one of the
  two day fields; `L`, `W` in day-of-month; `L`, `#` in day-of-week; 1 = SUN; years 1970-2199
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html).

Cron's finest field is the minute, so no expression fires more often than once a minute, the
minimum EventBridge allows; the smallest rate is `rate(1 minute)`. Day-of-week takes no `/`, as
the page's table says, and `L-3` (an offset from the last day) is not in the page's syntax either.

What the page leaves open follows Quartz, the scheduler EventBridge's cron dialect comes from:
`L` alone in day-of-week is Saturday (the last day of the week); `L`, `LW`, `nW`, `nL` and `n#k`
stand alone in their field; a range may wrap around the end of a cyclic field (`22-2` hours,
`FRI-MON`), but not in the year field. A step larger than its field (`*/90` minutes) is refused
rather than silently meaning "once an hour".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from faaslib.schedule.cron import (
    Cron,
    DayRule,
    DaysOfMonth,
    DaysOfWeek,
    LastDayOfMonth,
    LastWeekdayOfMonth,
    LastWeekdayOfWeek,
    NearestWeekday,
    NthWeekdayOfWeek,
)

__all__ = ["InvalidSchedule", "Rate", "parse_expression"]

CRON_DOCS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cron-expressions.html"
_UNITS = {"minute": 60, "hour": 3_600, "day": 86_400}
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


class InvalidSchedule(ValueError):
    """A schedule expression (or its time zone or start) EventBridge would refuse. The message
    quotes the expression, names the field and its text, and says why:

    `schedule 'cron(0 25 * * ? *)': hours field '25': 25 is outside 0-23`
    """

    def __init__(
        self, expression: object, problem: str, *, field: str | None = None, text: str = ""
    ) -> None:
        where = f"{field} field {_quote(text)}: " if field is not None else ""
        super().__init__(f"schedule {_quote(expression)}: {where}{problem}")
        self.expression = expression
        self.field = field
        self.problem = problem


@dataclass(frozen=True)
class Rate:
    """`rate(value unit)`: a fixed interval of absolute time."""

    value: int
    unit: str

    @property
    def period(self) -> timedelta:
        return timedelta(seconds=self.value * _UNITS[self.unit.rstrip("s")])


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()  # spelled names for low, low + 1, ...
    wraps: bool = True  # may a range run past the end back to the start?
    steps: bool = True  # is `/` allowed?


_MINUTES = _Field("minutes", 0, 59)
_HOURS = _Field("hours", 0, 23)
_DAY_OF_MONTH = _Field("day-of-month", 1, 31)
_MONTH = _Field("month", 1, 12, _MONTHS)
_DAY_OF_WEEK = _Field("day-of-week", 1, 7, _WEEKDAYS, steps=False)
_YEAR = _Field("year", 1970, 2199, wraps=False)


class _FieldError(Exception):
    """Why one field is wrong; `_parse_cron` adds the expression and the field."""


def parse_expression(expression: str) -> Rate | Cron:
    """`expression` as a `Rate` or a `Cron`, or `InvalidSchedule` saying what is wrong."""
    if not isinstance(expression, str):
        raise InvalidSchedule(expression, f"expected a string, got {type(expression).__name__}")
    text = expression.strip()
    for kind in ("rate", "cron"):
        if text.startswith(f"{kind}(") and text.endswith(")"):
            inner = text[len(kind) + 1 : -1]
            return (
                _parse_rate(expression, inner) if kind == "rate" else _parse_cron(expression, inner)
            )
    raise InvalidSchedule(
        expression, "expected 'rate(value unit)' or 'cron(fields)', e.g. 'rate(5 minutes)'"
    )


def _parse_rate(expression: str, inner: str) -> Rate:
    parts = inner.split()
    if len(parts) != 2:
        raise InvalidSchedule(
            expression,
            f"a rate has two fields, 'value unit', separated by a space; got {len(parts)}",
        )
    value_text, unit = parts
    if not (value_text.isascii() and value_text.isdigit()):
        raise InvalidSchedule(
            expression, "must be a positive whole number", field="value", text=value_text
        )
    value = _whole_number(value_text)
    if value < 1:
        raise InvalidSchedule(expression, "must be at least 1", field="value", text=value_text)
    singular = unit[:-1] if unit.endswith("s") else unit
    if singular not in _UNITS:
        raise InvalidSchedule(
            expression,
            "is not one of minute, minutes, hour, hours, day, days",
            field="unit",
            text=unit,
        )
    # rate(1 hours) and rate(5 hour) are both refused by EventBridge (eb-rate-expressions).
    if value == 1 and unit != singular:
        raise InvalidSchedule(
            expression, f"must be singular ('{singular}') for a value of 1", field="unit", text=unit
        )
    if value > 1 and unit == singular:
        raise InvalidSchedule(
            expression,
            f"must be plural ('{singular}s') for a value of {value}",
            field="unit",
            text=unit,
        )
    return Rate(value, unit)


def _parse_cron(expression: str, inner: str) -> Cron:
    fields = inner.split()
    if len(fields) != 6:
        hint = ""
        if len(fields) == 5:
            hint = " (a Unix crontab line needs the sixth, the year: add '*')"
        elif len(fields) == 7:
            hint = " (EventBridge has no seconds field)"
        raise InvalidSchedule(
            expression,
            "a cron expression has six fields, minutes hours day-of-month month day-of-week "
            f"year; got {len(fields)}{hint}",
        )
    minutes, hours, day_of_month, month, day_of_week, year = fields
    # "If you specify a value or a * in one of the fields, you must use a ? in the other."
    if (day_of_month == "?") == (day_of_week == "?"):
        problem = (
            "both day-of-month and day-of-week are '?'"
            if day_of_month == "?"
            else f"day-of-month {day_of_month!r} and day-of-week {day_of_week!r} are both set"
        )
        raise InvalidSchedule(
            expression, f"{problem}; exactly one of the two must be '?' (see {CRON_DOCS})"
        )
    current = _MINUTES
    try:
        values = []
        for current, text in ((_MINUTES, minutes), (_HOURS, hours), (_MONTH, month), (_YEAR, year)):
            values.append(tuple(sorted(_parse_values(text, current))))
        if day_of_week == "?":
            current, text = _DAY_OF_MONTH, day_of_month
            days: DayRule = _parse_day_of_month(day_of_month)
        else:
            current, text = _DAY_OF_WEEK, day_of_week
            days = _parse_day_of_week(day_of_week)
    except _FieldError as error:
        raise InvalidSchedule(expression, str(error), field=current.name, text=text) from None
    return Cron(values[0], values[1], days, values[2], values[3])


def _parse_day_of_month(text: str) -> DayRule:
    upper = text.upper()
    if upper == "L":
        return LastDayOfMonth()
    if upper == "LW":
        return LastWeekdayOfMonth()
    if upper.startswith("L"):
        raise _FieldError("only 'L' (last day) and 'LW' (last weekday) may start with 'L'")
    if upper.endswith("W"):
        _alone(text, "W", "'15W'")
        return NearestWeekday(_parse_number(text[:-1], _DAY_OF_MONTH))
    if "L" in upper or "W" in upper:
        raise _FieldError("'L' and 'W' go alone or at the end ('L', 'LW', '15W')")
    return DaysOfMonth(tuple(sorted(_parse_values(text, _DAY_OF_MONTH))))


def _parse_day_of_week(text: str) -> DayRule:
    upper = text.upper()
    if "#" in upper:
        # "If you use '#', you can define only one expression in the day-of-week field."
        if "," in upper:
            raise _FieldError("'#' allows only one expression in day-of-week ('3#1,6#3' is two)")
        weekday_text, _, nth_text = upper.partition("#")
        nth = _parse_number(nth_text, _Field("#", 1, 5), what="the week after '#'")
        return NthWeekdayOfWeek(_parse_number(weekday_text, _DAY_OF_WEEK), nth)
    if upper == "L":
        return DaysOfWeek(frozenset({7}))  # the last day of the week: SAT
    if upper.endswith("L"):
        _alone(text, "L", "'6L'")
        return LastWeekdayOfWeek(_parse_number(upper[:-1], _DAY_OF_WEEK))
    return DaysOfWeek(frozenset(_parse_values(text, _DAY_OF_WEEK)))


def _alone(text: str, mark: str, example: str) -> None:
    if any(separator in text for separator in ",-/*"):
        raise _FieldError(f"'{mark}' takes a single day (e.g. {example}), not a list or range")


def _parse_values(text: str, field: _Field) -> set[int]:
    """The values a list of `*`, `a`, `a-b`, `a/s`, `a-b/s` and `*/s` items selects."""
    if text == "?":
        raise _FieldError("'?' is only allowed in day-of-month or day-of-week")
    values: set[int] = set()
    for item in text.split(","):
        if not item:
            raise _FieldError("has an empty item in its list")
        span, slash, step_text = item.partition("/")
        if slash and not field.steps:
            raise _FieldError(f"'/' is not allowed in {field.name} (see {CRON_DOCS})")
        if span == "*":
            first, last = field.low, field.high
        elif "-" in span:
            first_text, _, last_text = span.partition("-")
            first, last = _parse_number(first_text, field), _parse_number(last_text, field)
        else:
            first = _parse_number(span, field)
            last = field.high if slash else first
        step = 1
        if slash:
            step = _parse_number(step_text, _Field("step", 1, field.high - field.low), what="step")
        if first <= last:
            selected = list(range(first, last + 1))
        elif field.wraps:  # 22-2: 22, 23, 0, 1, 2
            selected = list(range(first, field.high + 1)) + list(range(field.low, last + 1))
        else:
            raise _FieldError(f"the range {span!r} runs backwards")
        values.update(selected[::step])
    return values


def _parse_number(text: str, field: _Field, *, what: str = "") -> int:
    upper = text.upper()
    if field.names and upper in field.names:
        return field.low + field.names.index(upper)
    if not text:
        raise _FieldError(f"{what or 'a value'} is missing")
    if not (text.isascii() and text.isdigit()):
        names = f" or a name {field.names[0]}-{field.names[-1]}" if field.names else ""
        raise _FieldError(f"{what + ' ' if what else ''}{text!r} is not a number{names}")
    value = _whole_number(text)
    if not field.low <= value <= field.high:
        extra = ""
        if field is _DAY_OF_WEEK:
            extra = " (1 = SUN ... 7 = SAT; EventBridge does not use 0)"
        elif what == "step":
            extra = " (a cron step cannot pass its field; use rate() for longer intervals)"
        shown = _shorten(text.lstrip("0") or "0")
        raise _FieldError(f"{what or 'value'} {shown} is outside {field.low}-{field.high}{extra}")
    return value


def _whole_number(digits: str) -> int:
    """ASCII digits as an int; a number of more than 18 digits counts as 10**18, which is past
    every limit, so that no text is long enough to hit Python's cap on converting digits."""
    significant = digits.lstrip("0")
    return int(significant or "0") if len(significant) <= 18 else 10**18


def _quote(value: object) -> str:
    """`repr(value)`, cut short: a message must stay readable whatever the caller sent."""
    shown = repr(value)
    return shown if len(shown) <= 100 else f"{shown[:80]}... ({len(shown):,} characters)"


def _shorten(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}...({len(text):,} digits)"
