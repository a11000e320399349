"""The app's event-source API: `app.queue/bucket/topic/bus` and the decorators that bind a
function to them (`on_queue`, `on_object`, `on_topic`, `on_event`) or to a schedule
(`on_schedule`).

Kept apart from `App` so that the app module stays about invoking and lifetimes; `App` takes
these methods by inheritance and provides what they use (registration, the invoker, the
resources).
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import anyio.abc

from faaslib.config import function_arn
from faaslib.errors import ConfigurationError
from faaslib.patterns import Pattern, compile_pattern
from faaslib.payloads import PayloadError, to_document
from faaslib.schedule import Schedule, parse_schedule
from faaslib.sources.base import Invoker, PushTrigger, Trigger
from faaslib.sources.binding import FunctionBinding
from faaslib.sources.bucket.bucket import Bucket
from faaslib.sources.bucket.notifications import NotificationConfiguration
from faaslib.sources.bus.bus import EventBus, RuleTarget
from faaslib.sources.queue.mapping import QueueMapping
from faaslib.sources.queue.queue import Queue
from faaslib.sources.registry import Resources
from faaslib.sources.scheduled import ScheduleTrigger
from faaslib.sources.topic.messages import Notification
from faaslib.sources.topic.topic import Topic

if TYPE_CHECKING:
    from faaslib.config import FunctionConfig
    from faaslib.executor import Function

__all__ = ["EventSources", "ObjectNotification"]

# A handler, or the name of a function registered already (bound by name, as a template does).
HandlerT = TypeVar("HandlerT", bound=Callable[..., Any] | str)


class ObjectNotification:
    """A bucket's notification of a function, as `notify_function` made it: the `bucket`, the
    `function`'s name and the bucket's `configuration`; `remove()` ends it."""

    def __init__(
        self,
        resources: Resources,
        bucket: Bucket,
        function: str,
        configuration: NotificationConfiguration,
        trigger: PushTrigger,
    ) -> None:
        self.bucket = bucket
        self.function = function
        self.configuration = configuration
        self._resources = resources
        self._trigger = trigger

    def remove(self) -> None:
        """Stop the notifications, and take the trigger out of `app.triggers()`."""
        self.bucket.unsubscribe(self.configuration)
        if self._trigger in self._resources.triggers:
            self._resources.triggers.remove(self._trigger)


class EventSources(FunctionBinding):
    """Queues, buckets and topics of the app, and the triggers that bind functions to them."""

    name: str
    _resources: Resources
    _invoker: Invoker
    _functions: dict[str, Function]
    _aliases: dict[tuple[str, str], str]  # (kind, a template's logical id) -> the name
    _task_group: anyio.abc.TaskGroup | None

    if TYPE_CHECKING:

        def _destination(self, target: str) -> Function | Queue | Topic | EventBus | None: ...

    def _add_trigger(self, trigger: Trigger) -> None:
        raise NotImplementedError

    # -- resources ----------------------------------------------------------------------------

    @property
    def queues(self) -> Mapping[str, Queue]:
        """The app's queues by name, read-only (`app.queue(name)` declares one)."""
        return MappingProxyType(self._resources.queues)

    @property
    def topics(self) -> Mapping[str, Topic]:
        """The app's topics by name, read-only (`app.topic(name)` declares one)."""
        return MappingProxyType(self._resources.topics)

    @property
    def buses(self) -> Mapping[str, EventBus]:
        """The app's event buses by name, read-only (`app.bus(name)` declares one)."""
        return MappingProxyType(self._resources.buses)

    def queue(self, name: str, **options: Any) -> Queue:
        """The app's SQS-like queue `name`, declared with `options` the first time it is named.

        Options are `faaslib.sources.Queue`'s: `visibility_timeout` (default 30 s), `fifo`,
        `content_based_deduplication`, `delay_seconds`, `message_retention_period`,
        `maximum_message_size`, and `redrive=(dead_letter_queue_name, max_receive_count)`.
        Naming the queue again returns the same queue; naming it with other options is an error.
        """
        return self._resources.queue(self._aliases.get(("queue", name), name), options)

    async def delete_queue(self, name: str) -> int:
        """Delete queue `name` and its messages, as SQS's DeleteQueue does; how many messages
        went. Refused (`ConfigurationError` naming them) while a trigger, a redrive policy, a
        subscription, a rule or a function's destination uses the queue; a queue of the same
        name may be declared again 60 seconds later, as on SQS."""
        queue = self._resources.queues.get(name)
        if queue is None:
            raise ConfigurationError(f"App {self.name!r} has no queue {name!r}")
        held_by = [
            f"function {function.name!r}'s {field}"
            for function in self._functions.values()
            for field in ("on_success", "on_failure", "dead_letter")
            if isinstance(target := getattr(function.config, field), str)
            and self._destination(target) is queue
        ]
        self._resources.delete_queue(queue, held_by)  # refused before anything is lost
        purged = await queue.purge()
        if queue._remote is not None:  # its serials, key and deduplication window go too
            queue._remote.drop()
        return purged

    @property
    def buckets(self) -> Mapping[str, Bucket]:
        """The app's buckets by name, read-only (`app.bucket(name)` declares one)."""
        return MappingProxyType(self._resources.buckets)

    def bucket(self, name: str, **options: Any) -> Bucket:
        """The app's S3-like bucket `name` (see `faaslib.sources.Bucket`)."""
        return self._resources.bucket(self._aliases.get(("bucket", name), name), options)

    def topic(self, name: str, **options: Any) -> Topic:
        """The app's SNS-like topic `name`, declared with `options` (`fifo`,
        `content_based_deduplication`) the first time it is named."""
        return self._resources.topic(self._aliases.get(("topic", name), name), options)

    def bus(self, name: str = "default") -> EventBus:
        """The app's EventBridge-like event bus `name` (see `faaslib.sources.EventBus`):
        `await app.bus().put_events([...])` routes each event to the rules that match it."""
        return self._resources.bus(self._aliases.get(("bus", name), name), {})

    # -- triggers -----------------------------------------------------------------------------

    def triggers(self, function: str | None = None) -> list[Trigger]:
        """The app's triggers (or function `function`'s), in the order they were registered:
        each has `describe()` and `metrics()`."""
        triggers = self._resources.triggers
        if function is not None:
            function = self._aliases.get(("function", function), function)
        return [t for t in triggers if function is None or t.function == function]

    def on_queue(
        self,
        name: str,
        *,
        batch_size: int = 10,
        maximum_batching_window: int = 0,
        maximum_concurrency: int | None = None,
        report_batch_item_failures: bool = False,
        filter: Mapping[str, Any] | str | Sequence[Mapping[str, Any] | str] | None = None,
        **function_config: Any,
    ) -> Callable[[HandlerT], HandlerT]:
        """Register a function that processes batches of queue `name`: an SQS event source
        mapping with Lambda's limits and semantics (see `faaslib.sources.queue.mapping`).

        `function_config` takes `App.function`'s options. The queue's visibility timeout must be
        at least the function's timeout, as Lambda requires.
        """

        def register(target: HandlerT) -> HandlerT:
            queue = self.queue(name)
            made: list[QueueMapping] = []

            def check(config: FunctionConfig) -> None:  # before the function is registered
                made.append(
                    QueueMapping(
                        queue,
                        config.name,
                        config.timeout,
                        batch_size=batch_size,
                        maximum_batching_window=maximum_batching_window,
                        maximum_concurrency=maximum_concurrency,
                        report_batch_item_failures=report_batch_item_failures,
                        filter=filter,
                    )
                )

            self._function_for(target, function_config, check)
            self._add_trigger(made[0])
            return target

        return register

    def on_object(
        self,
        name: str,
        *,
        events: Iterable[str] = ("s3:ObjectCreated:*",),
        prefix: str = "",
        suffix: str = "",
        **function_config: Any,
    ) -> Callable[[HandlerT], HandlerT]:
        """Register a function that bucket `name` notifies of `events` on keys with `prefix`
        and `suffix`: each notification is an Event invocation, so retries and destinations
        apply."""

        def register(target: HandlerT) -> HandlerT:
            function = self._function_for(target, function_config)
            bucket = self.bucket(name)
            number = len(bucket.configurations) + 1
            self._notify(bucket, function.name, events, prefix, suffix, f"{function.name}-{number}")
            return target

        return register

    def notify_function(
        self,
        bucket: str,
        function: str,
        *,
        events: Iterable[str] = ("s3:ObjectCreated:*",),
        prefix: str = "",
        suffix: str = "",
        id: str | None = None,
    ) -> ObjectNotification:
        """Have bucket `bucket` notify the app's function `function` (by name) of `events` on
        keys with `prefix` and `suffix`, as `on_object` does, for a function registered
        already: each notification is an Event invocation. `id` is the configuration's id
        (S3's form of a generated one by default). `remove()` on what it returns undoes it.
        Raises `ConfigurationError` for a function the app lacks, and what `Bucket.subscribe`
        raises for a configuration S3 would refuse."""
        function = self._aliases.get(("function", function), function)
        if function not in self._functions:
            raise ConfigurationError(f"the app has no function {function!r}")
        return self._notify(self.bucket(bucket), function, events, prefix, suffix, id)

    def _notify(
        self,
        bucket: Bucket,
        function: str,
        events: Iterable[str],
        prefix: str,
        suffix: str,
        id: str | None,
    ) -> ObjectNotification:
        invoke_event = self._invoker.invoke_event
        configuration = bucket.subscribe(
            lambda event: invoke_event(function, event),
            events=events,
            prefix=prefix,
            suffix=suffix,
            id=id,
        )
        shown = ", ".join(configuration.events)
        where = f" {prefix}*{suffix}" if prefix or suffix else ""
        trigger = PushTrigger(function, f"bucket {bucket.name}{where} ({shown})", bucket.metrics)
        self._add_trigger(trigger)
        return ObjectNotification(self._resources, bucket, function, configuration, trigger)

    def on_topic(
        self,
        name: str,
        *,
        filter_policy: Mapping[str, Any] | str | None = None,
        filter_policy_scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes",
        **function_config: Any,
    ) -> Callable[[HandlerT], HandlerT]:
        """Subscribe a function to topic `name`: each message its filter policy accepts is an
        Event invocation with SNS's event, so retries and destinations apply."""

        def register(target: HandlerT) -> HandlerT:
            function = self._function_for(target, function_config)
            topic = self.topic(name)
            invoke_event = self._invoker.invoke_event
            topic.subscribe(
                lambda notification: invoke_event(function.name, notification.lambda_event()),
                filter_policy=filter_policy,
                filter_policy_scope=filter_policy_scope,
                protocol="lambda",
                endpoint=function.arn,
            )
            shown = " (filtered)" if filter_policy is not None else ""
            self._add_trigger(PushTrigger(function.name, f"topic {name}{shown}", topic.metrics))
            return target

        return register

    def on_event(
        self,
        pattern: Mapping[str, Any] | str,
        *,
        bus: str = "default",
        rule: str | None = None,
        **function_config: Any,
    ) -> Callable[[HandlerT], HandlerT]:
        """Register a function as the target of a rule on event bus `bus`: each event put on
        the bus that `pattern` (an EventBridge event pattern, as a dict or JSON text) matches is
        an Event invocation with the event, so retries and destinations apply.

        A pattern EventBridge would refuse is refused here, before anything is registered, with
        the path of the bad part. `rule` names the rule (default: the function's name, then a
        number).
        """

        def register(target: HandlerT) -> HandlerT:
            event_bus = self.bus(bus)
            made: list[tuple[str, Pattern]] = []

            def check(config: FunctionConfig) -> None:  # before the function is registered
                name = self._rule_name(rule, config.name)
                owner = f"function {config.name!r}: on_event rule {name!r} on bus {bus!r}"
                if event_bus.rule(name) is not None:  # by name: a scan made N rules cost N²
                    raise ConfigurationError(f"{owner}: the bus already has a rule of that name")
                try:
                    made.append((name, compile_pattern(pattern, owner=owner)))
                except ValueError as error:
                    raise ConfigurationError(str(error)) from None

            function = self._function_for(target, function_config, check)
            invoke_event = self._invoker.invoke_event
            added = event_bus.add_rule(
                *made[0],
                lambda event: invoke_event(function.name, event),
                target_name=function.name,
                target_arn=function.arn,
            )
            self._add_trigger(
                PushTrigger(
                    function.name,
                    f"bus {bus} rule {added.name}",
                    lambda: {"MatchedEvents": added.matched},
                )
            )
            return target

        return register

    def on_schedule(
        self,
        expression: str,
        *,
        timezone: str | None = None,
        rule: str | None = None,
        input: Any = None,
        **function_config: Any,
    ) -> Callable[[HandlerT], HandlerT]:
        """Register a function that a scheduled rule invokes: `rate(5 minutes)` or
        `cron(0/15 8-17 ? * MON-FRI *)` with EventBridge's syntax, on the wall clock of
        `timezone` (UTC by default). Each tick is an Event invocation with EventBridge's
        Scheduled Event, driven by the app's clock (see `faaslib.sources.scheduled`), or with
        `input`, constant JSON, as a rule target's `Input` replaces the event."""
        try:
            document = None if input is None else to_document(input)
        except PayloadError as error:
            raise ConfigurationError(f"on_schedule {expression!r}: input: {error}") from None

        def register(target: HandlerT) -> HandlerT:
            made: list[tuple[str, Schedule]] = []

            def check(config: FunctionConfig) -> None:  # before the function is registered
                name = self._rule_name(rule, config.name)
                try:
                    made.append((name, parse_schedule(expression, timezone=timezone)))
                except ValueError as error:
                    raise ConfigurationError(
                        f"function {config.name!r}: on_schedule rule {name!r}: {error}"
                    ) from None

            function = self._function_for(target, function_config, check)
            resources = self._resources
            name, schedule = made[0]
            self._add_trigger(
                ScheduleTrigger(
                    function.name,
                    schedule,
                    f"arn:aws:events:{resources.region}:{resources.account}:rule/{name}",
                    resources.clock,
                    region=resources.region,
                    account=resources.account,
                    input=document,
                    values=None if resources.backend is None else resources.backend.values,
                )
            )
            return target

        return register

    def _rule_name(self, rule: str | None, function: str) -> str:
        """The name of a function's rule: `rule`, or the function's name and its trigger's
        number, so that one function's rules (and schedules) have distinct ARNs. A function not
        registered yet has none: counting would scan every trigger (N² for N functions)."""
        known = function in self._functions or ("function", function) in self._aliases
        return rule or f"{function}-{len(self.triggers(function)) + 1 if known else 1}"

    def subscribe(
        self,
        topic: str,
        queue: str,
        *,
        raw_message_delivery: bool = False,
        filter_policy: Mapping[str, Any] | str | None = None,
        filter_policy_scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes",
    ) -> None:
        """Subscribe queue `queue` to topic `topic`, as an SQS subscription: each message the
        filter policy accepts arrives in SNS's JSON envelope, or as it was published with
        `raw_message_delivery` (its attributes then become message attributes)."""
        target = self.queue(queue)

        def deliver(notification: Notification) -> Awaitable[None] | None:
            if notification.raw_message_delivery:
                attributes = {
                    name: _attribute_value(data_type, value)
                    for name, (data_type, value) in notification.attributes.items()
                }
            else:
                attributes = {}
            message: dict[str, Any] = {
                "attributes": attributes or None,
                "group_id": notification.group_id,
                "deduplication_id": notification.deduplication_id,
            }
            if target._remote is not None:  # a shared store: the topic awaits the send
                return _sent(target._remote.send(notification.sqs_body(), **message))
            target._send_now(notification.sqs_body(), **message)
            return None

        self.topic(topic).subscribe(
            deliver,
            filter_policy=filter_policy,
            filter_policy_scope=filter_policy_scope,
            raw_message_delivery=raw_message_delivery,
            protocol="sqs",
            endpoint=target.arn,
        )

    def rule_target(self, arn: str, *, id: str) -> RuleTarget:
        """A target for an event bus's rule (`bus.put_target(rule, target)`), as PutTargets
        names it: the app's function by its ARN (each event is an Event invocation), the
        app's standard queue by its ARN (each event is a message) or its standard topic (each
        event is published, while the app runs). Raises `ConfigurationError` for an ARN that
        names none of them, or a FIFO queue or topic (which needs a message group id)."""
        resources = self._resources
        prefix = function_arn(resources.region, resources.account, "")
        if arn.startswith(prefix):
            function = self._functions.get(arn.removeprefix(prefix))
            if function is not None:
                name, invoke_event = function.name, self._invoker.invoke_event
                return RuleTarget(id=id, arn=arn, deliver=lambda event: invoke_event(name, event))
        queue = resources.by_arn(arn)
        if isinstance(queue, Queue | Topic) and queue.fifo:
            raise ConfigurationError(
                f"rule target {id!r}: the FIFO {arn!r} needs a message group id for each "
                "event (PutTargets' SqsParameters), which faaslib's rule targets do not take"
            )
        if isinstance(queue, Queue):
            remote = queue._remote
            if remote is not None:  # a shared store: the bus awaits the send
                return RuleTarget(id=id, arn=arn, deliver=lambda event: _sent(remote.send(event)))
            return RuleTarget(id=id, arn=arn, deliver=lambda event: queue._send_now(event))
        if isinstance(queue, Topic):
            topic = queue

            def publish(event: dict[str, Any]) -> None:  # SNS's delivery is async: the app's
                if self._task_group is None:
                    raise ConfigurationError(f"App {self.name!r} is not running to publish")
                self._task_group.start_soon(topic.publish, event)

            return RuleTarget(id=id, arn=arn, deliver=publish)
        raise ConfigurationError(
            f"rule target {id!r}: {arn!r} is not the ARN of a function, queue or topic of the app"
        )


def _attribute_value(data_type: str, value: str) -> str | int | float | bytes:
    """An SNS attribute as the queue takes it: numbers as numbers, binary as bytes, the rest
    (strings, and string arrays, which SQS has no type for) as text."""
    if data_type == "Number":
        return int(value) if value.lstrip("-").isdigit() else float(value)
    if data_type == "Binary":
        return base64.b64decode(value)
    return value


async def _sent(sending: Awaitable[object]) -> None:
    """A send awaited for its effect (a topic's or a rule's delivery has no answer to keep)."""
    await sending
