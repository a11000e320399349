"""The app's queues, buckets, topics, buses, streams and tables, by name and by ARN, and the
triggers bound to them.

An app declares a resource with `app.queue(name, **options)` (and `bucket`, `topic`, ...); asking
again by name returns the same one, and asking with options that differ from its own is an
error rather than a silent second configuration. A trigger or a redrive policy that names a
resource not declared yet declares it with the defaults, at once, so that a trigger is bound
(and delivering) from the moment it is registered: declare a resource that needs options before
the decorators that use it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from faaslib.clock import Clock
from faaslib.errors import ConfigurationError
from faaslib.sources.base import Trigger
from faaslib.sources.bucket.bucket import Bucket
from faaslib.sources.bus.bus import EventBus
from faaslib.sources.queue.queue import Queue
from faaslib.sources.stream.stream import Stream
from faaslib.sources.table.table import Table
from faaslib.sources.topic.topic import Topic

if TYPE_CHECKING:
    from faaslib.stores import Backend

__all__ = ["QUEUE_NAME_REUSE_SECONDS", "QueueDeletedRecently", "Resources"]

QUEUE_NAME_REUSE_SECONDS = 60


class QueueDeletedRecently(ConfigurationError):
    """A queue of this name was deleted less than 60 seconds ago (SQS's
    `QueueDeletedRecently`)."""


R = TypeVar("R", Queue, Bucket, Topic, EventBus, Stream, Table)


class Resources:
    """Everything the app's sources hold, for one region and account."""

    def __init__(
        self,
        app_name: str,
        clock: Clock,
        region: str,
        account: str,
        backend: Backend | None = None,
    ) -> None:
        self.app_name = app_name
        self.clock = clock
        self.backend = backend  # where the services' state lives (memory when None)
        self.region = region
        self.account = account
        self.queues: dict[str, Queue] = {}
        self.buckets: dict[str, Bucket] = {}
        self.topics: dict[str, Topic] = {}
        self.buses: dict[str, EventBus] = {}
        self.streams: dict[str, Stream] = {}
        self.tables: dict[str, Table] = {}
        self._options: dict[tuple[str, str], dict[str, Any]] = {}
        self._deleted_queues: dict[str, float] = {}  # name -> when (the clock's monotonic)
        self.triggers: list[Trigger] = []

    def queue(self, name: str, options: Mapping[str, Any]) -> Queue:
        values = dict(options)
        redrive = values.get("redrive")
        # A dead-letter queue named by the app's name for it; any other shape is the Queue's to
        # check.
        if isinstance(redrive, tuple | list) and len(redrive) == 2 and isinstance(redrive[0], str):
            target, count = redrive
            if target == name:
                raise ConfigurationError(
                    f"queue {name!r}: a queue cannot be its own dead-letter queue"
                )
            values["redrive"] = (self.queue(target, {}), count)
        deleted = self._deleted_queues.get(name)
        if deleted is not None and name not in self.queues:
            waited = self.clock.monotonic() - deleted
            if waited < QUEUE_NAME_REUSE_SECONDS:
                raise QueueDeletedRecently(
                    f"queue {name!r} was deleted {waited:.0f} seconds ago: SQS lets a queue of "
                    f"the same name be created {QUEUE_NAME_REUSE_SECONDS} seconds after it "
                    "deletes one"
                )
            del self._deleted_queues[name]
        return self._get(
            "queue", self.queues, name, options, values, partial(Queue, backend=self.backend)
        )

    def delete_queue(self, queue: Queue, held_by: Sequence[str] = ()) -> None:
        """Forget `queue` (its messages purged already), as SQS's DeleteQueue does, unless
        something of the app still sends to or reads from it: `held_by` (what the caller knows,
        such as functions' destinations) and the triggers, redrive policies, topic subscriptions
        and bus rules that name it. Its name may be declared again 60 seconds later, as SQS
        allows, on the app's clock."""
        users = [*held_by, *self._queue_users(queue)]
        if users:
            raise ConfigurationError(
                f"queue {queue.name!r} cannot be deleted: {'; '.join(users)} still use it "
                "(a queue the app's code relies on lasts as long as the app)"
            )
        del self.queues[queue.name]
        del self._options[("queue", queue.name)]
        self._deleted_queues[queue.name] = self.clock.monotonic()

    def _queue_users(self, queue: Queue) -> list[str]:
        users = [
            f"function {trigger.function!r}'s trigger ({trigger.describe()})"
            for trigger in self.triggers
            if getattr(trigger, "queue", None) is queue or getattr(trigger, "target", None) is queue
        ]
        users.extend(
            f"queue {other.name!r}'s redrive policy"
            for other in self.queues.values()
            if other.dead_letter_queue is queue
        )
        users.extend(
            f"topic {topic.name!r}'s subscription {subscription.arn}"
            for topic in self.topics.values()
            for subscription in topic.subscriptions
            if subscription.endpoint == queue.arn
        )
        users.extend(
            f"rule {rule.name!r} of event bus {bus.name!r}"
            for bus in self.buses.values()
            for rule in bus.rules
            if any(target.arn == queue.arn for target in rule.targets.values())
        )
        return users

    def bucket(self, name: str, options: Mapping[str, Any]) -> Bucket:
        return self._get(
            "bucket",
            self.buckets,
            name,
            options,
            dict(options),
            partial(Bucket, backend=self.backend),
        )

    def topic(self, name: str, options: Mapping[str, Any]) -> Topic:
        return self._get("topic", self.topics, name, options, dict(options), Topic)

    def bus(self, name: str, options: Mapping[str, Any]) -> EventBus:
        return self._get("event bus", self.buses, name, options, dict(options), EventBus)

    def stream(self, name: str, options: Mapping[str, Any]) -> Stream:
        return self._get(
            "stream",
            self.streams,
            name,
            options,
            dict(options),
            partial(Stream, backend=self.backend),
        )

    def table(self, name: str, options: Mapping[str, Any]) -> Table:
        return self._get(
            "table", self.tables, name, options, dict(options), partial(Table, backend=self.backend)
        )

    def _get(
        self,
        kind: str,
        held: dict[str, R],
        name: str,
        options: Mapping[str, Any],
        values: dict[str, Any],
        make: Callable[..., R],
    ) -> R:
        existing = held.get(name)
        if existing is not None:
            declared = self._options[(kind, name)]
            changed = {k: v for k, v in options.items() if declared.get(k, _DEFAULT) != v}
            if changed:
                shown = ", ".join(f"{k}={v!r}" for k, v in changed.items())
                before = ", ".join(f"{k}={v!r}" for k, v in declared.items())
                hint = (
                    f"with {before}"
                    if before
                    else "with the defaults (a trigger or redrive named it first: declare it, "
                    "with its options, before the decorators that use it)"
                )
                raise ConfigurationError(
                    f"{kind} {name!r} is already declared in App {self.app_name!r} {hint}; it "
                    f"cannot be declared again with {shown}"
                )
            return existing
        if "region" in values or "account" in values:
            raise ConfigurationError(
                f"{kind} {name!r}: region and account are the app's (App(region=..., "
                "account_id=...))"
            )
        resource = make(name, self.clock, region=self.region, account=self.account, **values)
        held[name] = resource
        self._options[(kind, name)] = dict(options)
        return resource

    def by_arn(self, arn: str) -> Queue | Topic | EventBus | None:
        """The queue, topic or event bus an ARN names, if the app declared it."""
        parts = arn.split(":")
        if len(parts) != 6 or parts[3] != self.region or parts[4] != self.account:
            return None
        if parts[2] == "sqs":
            return self.queues.get(parts[5])
        if parts[2] == "sns":
            return self.topics.get(parts[5])
        if parts[2] == "events" and parts[5].startswith("event-bus/"):
            return self.buses.get(parts[5].removeprefix("event-bus/"))
        return None


_DEFAULT = object()
