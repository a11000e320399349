"""Where Event invocations end: destinations and dead-letter targets, and waiting for them."""

from __future__ import annotations

from typing import Any

import anyio

from faaslib.asyncq import EventQueue, PendingEvent, UndeliveredRecord
from faaslib.clock import Clock
from faaslib.config import AppConfig, function_arn
from faaslib.errors import (
    ConfigurationError,
)
from faaslib.executor import Function
from faaslib.payloads import encode_json
from faaslib.sources.bus import EventBus
from faaslib.sources.queue import Queue
from faaslib.sources.registry import Resources
from faaslib.sources.topic import Topic

__all__ = ["EventDestinations"]


class EventDestinations:
    """The app's Event invocations as its user sees them: destinations checked at start,
    records delivered, pending and undelivered ones listed, and waiting until all are done."""

    config: AppConfig
    name: str
    clock: Clock
    _functions: dict[str, Function]
    _start_work: dict[str, Function]  # among them, every function with a destination
    _events: EventQueue
    _resources: Resources

    def _check_destinations(self) -> None:
        resources = self._resources
        for function in self._start_work.values():
            for field in ("on_success", "on_failure", "dead_letter"):
                target = getattr(function.config, field)
                if not isinstance(target, str):
                    continue
                destination = self._destination(target)
                if destination is None:
                    known = ", ".join(sorted(self._functions))
                    queues = ", ".join(sorted(resources.queues)) or "none"
                    topics = ", ".join(sorted(resources.topics)) or "none"
                    buses = ", ".join(sorted(resources.buses)) or "none"
                    raise ConfigurationError(
                        f"function {function.name!r}: {field}={target!r} names no function, "
                        f"queue, topic or event bus of App {self.name!r} (its functions: "
                        f"{known}; queues: {queues}; topics: {topics}; event buses: {buses})"
                    )
                if field == "dead_letter" and not isinstance(destination, Queue | Topic):
                    raise ConfigurationError(
                        f"function {function.name!r}: dead_letter={target!r} is not a queue or "
                        "topic; Lambda's dead-letter queue is an SQS queue or an SNS topic"
                    )

    def _destination(self, target: str) -> Function | Queue | Topic | EventBus | None:
        """What a destination string names: a function (by name or ARN), a queue, a topic or
        an event bus."""
        if not target.startswith("arn:"):
            return self._functions.get(target)
        prefix = function_arn(self.config.region, self.config.account_id, "")
        if target.startswith(prefix):
            return self._functions.get(target.removeprefix(prefix).removesuffix(":$LATEST"))
        return self._resources.by_arn(target)

    async def _send_to(
        self, target: str, message: Any, attributes: dict[str, str | int] | None
    ) -> None:
        """Deliver an invocation record (or, for a dead-letter target, the event with Lambda's
        attributes) to a function, queue, topic or event bus; raises if it is refused."""
        destination = self._destination(target)
        if destination is None:
            raise LookupError(f"{target!r} names no function, queue, topic or event bus of the app")
        if isinstance(destination, Function):
            self._events.put(destination, encode_json(message), staged=True)
        elif isinstance(destination, Queue):
            await destination.send(message, attributes=attributes)
        elif isinstance(destination, Topic):
            await destination.publish(message, attributes=attributes)
        else:
            await _put_invocation_record(destination, message)

    def pending_events(self) -> list[PendingEvent]:
        """The Event invocations not yet ended: running, queued or waiting to retry."""
        return self._events.pending()

    def undelivered(self) -> list[UndeliveredRecord]:
        """Records a destination or dead-letter target failed to take, kept so none is lost."""
        return list(self._events.undelivered)

    async def wait_idle(self) -> None:
        """Wait until nothing is left to run: no Event invocation queued, waiting or running,
        and no trigger with work in hand or messages left in its queue.

        Under a fake clock, what waits for time (a retry, a visibility timeout) needs the clock
        advanced.
        """
        while True:
            await self._events.wait_idle()
            busy = next((t for t in self._resources.triggers if not t.idle()), None)
            if busy is None:
                if not len(self._events):
                    return
                continue
            await busy.wait_changed()

    async def drain(self, seconds: float | None = None) -> int:
        """Wait, up to `seconds` of the app's clock (for ever if None), for the app to be idle
        (see `wait_idle`); return how many Event invocations are still pending."""
        if seconds is None:
            await self.wait_idle()
        else:
            with self.clock.timeout_scope(seconds):
                await self.wait_idle()
        return len(self._events)


async def _put_invocation_record(bus: EventBus, record: Any) -> None:
    """An invocation record as Lambda puts it on an event bus destination: source `lambda`, the
    record as `detail`, the function's ARN as the resource."""
    context = record.get("requestContext", {}) if isinstance(record, dict) else {}
    outcome = "Success" if context.get("condition") == "Success" else "Failure"
    function_arn = context.get("functionArn")
    result = await bus._put(
        [
            {
                "Source": "lambda",
                "DetailType": f"Lambda Function Invocation Result - {outcome}",
                "Detail": record,
                "Resources": [function_arn] if isinstance(function_arn, str) else [],
            }
        ]
    )
    if result.failed_entry_count:
        entry = result.entries[0]
        raise ValueError(f"event bus {bus.name!r} refused the record: {entry.error_message}")
    await anyio.lowlevel.checkpoint()
