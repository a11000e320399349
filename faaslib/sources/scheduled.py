"""A scheduled rule: a schedule expression driven by the app's clock, invoking its function with
EventBridge's Scheduled Event at each fire time (or the constant JSON of the target's `Input`).

The trigger sleeps on the clock until the next fire time, so a `FakeClock` advanced by a day
fires every tick of that day, each at its own time, in order. As EventBridge does, a tick is
fired once at most and never caught up on: a tick missed while the app was not running, or
while the process was suspended past several ticks, is counted as missed, not fired late (the
one tick the trigger wakes for is fired, with its own time in the event).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import anyio
import anyio.abc

from faaslib.clock import Clock
from faaslib.payloads import from_document
from faaslib.schedule import Schedule, scheduled_event
from faaslib.sources.base import Invoker
from faaslib.stores import Values

__all__ = ["ScheduleTrigger"]

_TICKS = "schedule-ticks"


class ScheduleTrigger:
    """Function `function` invoked by rule `rule_arn` on `schedule`."""

    def __init__(
        self,
        function: str,
        schedule: Schedule,
        rule_arn: str,
        clock: Clock,
        *,
        region: str,
        account: str,
        input: bytes | None = None,
        values: Values | None = None,
    ) -> None:
        self.function = function
        self.input = input  # the JSON document the rule sends instead of the Scheduled Event
        self.schedule = schedule
        self.rule_arn = rule_arn
        self.clock = clock
        self.region = region
        self.account = account
        self.fired = 0
        self.missed = 0
        self.undelivered: list[tuple[datetime, str]] = []
        self._last: datetime | None = None  # the last tick fired or passed over
        # Where the last tick is kept across restarts, and shared by the processes of a store.
        self._values = values
        self._key = f"{rule_arn} {function}"
        self._sleeping: anyio.CancelScope | None = None
        self._stopping = False

    def describe(self) -> str:
        zone = "" if self.schedule.timezone == "UTC" else f" ({self.schedule.timezone})"
        given = ", constant input" if self.input is not None else ""
        return f"schedule {self.schedule.expression}{zone}{given}"

    def next_fire_time(self) -> datetime | None:
        """When the schedule fires next, from now."""
        return self.schedule.next_fire_time(self._after(self._now()))

    async def run(
        self,
        invoker: Invoker,
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        self._stopping = False
        now = self._now()
        self._last = self._kept_last() or self._last
        if self._last is not None:  # the app ran before: what passed while it was stopped
            self._count_missed(self._last, now)
        self._last = max(self._last, now) if self._last is not None else now
        self._keep_last()
        task_status.started()
        clock = self.clock
        while not self._stopping:
            due = self.schedule.next_fire_time(self._last)
            if due is None:
                return  # the schedule never fires again (its years have run out)
            with anyio.CancelScope() as self._sleeping:
                await clock.sleep(max(0.0, due.timestamp() - clock.now()))
            self._sleeping = None
            if self._stopping:
                return
            # Queued before the tick is claimed (a kill in between would lose the tick: now
            # it runs, at least once), taken back if another process sharing the store
            # claimed the tick first.
            handle, refusal = self._fire(invoker, due)
            won = self._claim(due)  # claimed (the kept tick advanced) in any case
            if refusal is not None:
                if won:  # the tick was this process's to deliver: kept, not lost
                    self.undelivered.append((due, refusal))
            elif not won and invoker.withdraw_event(handle):
                self.fired -= 1
            now = self._now()
            self._count_missed(due, now)
            self._last = max(due, now)
            self._keep_last()

    def _fire(self, invoker: Invoker, due: datetime) -> tuple[object, str | None]:
        """Queue the tick's event: its handle, or why the Event queue refused it."""
        event: Any
        if self.input is not None:  # each tick gets its own copy, as each invocation does
            event = from_document(self.input)
        else:
            event = scheduled_event(self.rule_arn, due, region=self.region, account=self.account)
        try:
            handle = invoker.queue_event(self.function, event)
        except Exception as error:  # the Event queue refused it: kept by the caller
            return None, f"{type(error).__name__}: {error}"
        self.fired += 1
        return handle, None

    def _kept_last(self) -> datetime | None:
        """The last tick a previous run (or another process) kept in the store."""
        held = None if self._values is None else self._values.get(_TICKS, self._key)
        if not isinstance(held, int | float):
            return None
        kept = datetime.fromtimestamp(held, tz=timezone.utc)
        return kept if self._last is None else max(kept, self._last)

    def _keep_last(self) -> None:
        if self._values is not None and self._last is not None:
            self._values.advance(_TICKS, self._key, self._last.timestamp())

    def _claim(self, due: datetime) -> bool:
        """Whether this process fires tick `due`: of those sharing a store, the first to
        advance the kept last tick to it."""
        return self._values is None or self._values.advance(_TICKS, self._key, due.timestamp())

    def _count_missed(self, after: datetime, until: datetime) -> None:
        """Count the ticks after `after` up to `until`, which will not be fired."""
        moment = self.schedule.next_fire_time(after)
        while moment is not None and moment <= until:
            self.missed += 1
            moment = self.schedule.next_fire_time(moment)

    def _after(self, now: datetime) -> datetime:
        # Never ask for a tick at or before the last one again: a clock read a hair early
        # (float rounding) must not fire the same tick twice.
        return now if self._last is None else max(now, self._last)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now(), tz=timezone.utc)

    async def stop(self) -> None:
        self._stopping = True
        if self._sleeping is not None:
            self._sleeping.cancel()
        await anyio.lowlevel.checkpoint()

    def idle(self) -> bool:
        """Always: a schedule waits for time, which is not work in hand (else `wait_idle`
        would never return while a schedule is registered)."""
        return True

    async def wait_changed(self) -> None:
        await anyio.sleep_forever()

    def metrics(self) -> dict[str, Any]:
        upcoming = self.next_fire_time()
        return {
            "Invocations": self.fired,
            "MissedTicks": self.missed,
            "FailedInvocations": len(self.undelivered),
            "NextFireTime": None if upcoming is None else upcoming.isoformat(),
        }
