"""EventBridge schedule expressions: when `rate(5 minutes)` or `cron(0/15 8-17 ? * MON-FRI *)`
fires, and the event it sends.

```pycon
>>> from faaslib.schedule import parse_schedule
>>> first_monday = parse_schedule("cron(0 9 ? * 2#1 *)", timezone="Europe/London")
>>> first_monday.next_fire_time(datetime(2026, 1, 1, tzinfo=timezone.utc))
datetime.datetime(2026, 1, 5, 9, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/London'))
>>> len(list(parse_schedule("rate(5 minutes)").fire_times(midnight, next_midnight)))
288
```

Syntax and limits are EventBridge's (see `faaslib.schedule.expressions`); time zones, daylight
saving time and where a rate starts are EventBridge Scheduler's (see
`faaslib.schedule.schedules`). A bad expression raises `InvalidSchedule`, a `ValueError` that
quotes the expression and names the field and the reason.
"""

from __future__ import annotations

from faaslib.schedule.event import scheduled_event
from faaslib.schedule.expressions import InvalidSchedule
from faaslib.schedule.schedules import Schedule, next_fire_times, parse_schedule

__all__ = ["InvalidSchedule", "Schedule", "next_fire_times", "parse_schedule", "scheduled_event"]
