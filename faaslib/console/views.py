"""What the console shows, as plain JSON-ready data, read through the app's public APIs only:
its functions, its services and its costs. Nothing here changes the app (the actions do that,
in `faaslib.console.actions`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from faaslib.console.live import shorten
from faaslib.sources.scheduled import ScheduleTrigger

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.sources.queue import Queue
    from faaslib.tuning import TuneResult

__all__ = ["costs", "event_families", "functions", "services"]

# How many items of a service a page lists (DLQ messages, object keys, table items).
LISTED = 50


def functions(app: App) -> dict[str, Any]:
    """Each function: its configuration, triggers, instances, concurrency and counts."""
    listed = []
    for name in app.functions:
        config = app.function_configuration(name)
        instances = app.instances(name)
        metrics = app.metrics(name, this_process=True)
        provisioned = metrics["ProvisionedConcurrentExecutions"]
        listed.append(
            {
                "name": name,
                "handler": app.function_handler(name),
                "configuration": config.model_dump(mode="json"),
                "triggers": [trigger.describe() for trigger in app.triggers(name)],
                "instances": {
                    "total": instances.total,
                    "warm": instances.idle,
                    "busy": instances.busy,
                    "provisioned": config.provisioned_concurrency,
                    "provisioned_busy": provisioned["now"],
                    "cold_starts": metrics["ColdStarts"],
                },
                "concurrency": {
                    "now": metrics["ConcurrentExecutions"]["now"],
                    "max": metrics["ConcurrentExecutions"]["max"],
                    "reserved": config.reserved_concurrency,
                    "provisioned": config.provisioned_concurrency,
                },
                "metrics": {
                    "Invocations": metrics["Invocations"],
                    "Errors": metrics["Errors"],
                    "Throttles": metrics["Throttles"],
                    "Duration": metrics["Duration"],
                },
            }
        )
    account = app.metrics(this_process=True)
    return {
        "app": app.name,
        "region": app.config.region,
        "account_concurrency": app.config.concurrency,
        "concurrent_executions": account["ConcurrentExecutions"],
        "functions": listed,
    }


def services(app: App) -> dict[str, Any]:
    """The app's queues, buckets, topics, buses, streams, tables and schedules."""
    dead_letter_of: dict[str, list[str]] = {}
    for name, queue in app.queues.items():
        if queue.dead_letter_queue is not None:
            dead_letter_of.setdefault(queue.dead_letter_queue.name, []).append(name)
    return {
        "queues": [
            _queue(queue, dead_letter_of.get(name, [])) for name, queue in app.queues.items()
        ],
        "buckets": [
            {
                "name": name,
                "objects": len(bucket),
                "keys": bucket.keys()[:LISTED],
                "metrics": bucket.metrics(),
            }
            for name, bucket in app.buckets.items()
        ],
        "topics": [
            {
                "name": name,
                "arn": topic.arn,
                "fifo": topic.fifo,
                "subscriptions": [
                    {"protocol": s.protocol, "endpoint": s.endpoint} for s in topic.subscriptions
                ],
                "metrics": topic.metrics(),
            }
            for name, topic in app.topics.items()
        ],
        "buses": [
            {
                "name": name,
                "rules": [
                    {
                        "name": rule.name,
                        "pattern": rule.pattern.text,
                        "targets": [target.arn for target in rule.targets.values()],
                        "matched": rule.matched,
                    }
                    for rule in bus.rules
                ],
                "metrics": bus.metrics(),
            }
            for name, bus in app.buses.items()
        ],
        "streams": [_stream(app, name) for name in app.streams],
        "tables": [
            {
                "name": name,
                "key_schema": list(table.key_schema),
                "stream_view_type": table.stream_view_type,
                "items": len(table.items()),
            }
            for name, table in app.tables.items()
        ],
        "schedules": [
            {
                "function": trigger.function,
                "schedule": trigger.describe(),
                "next_fire_time": _iso(trigger.next_fire_time()),
                "fired": trigger.fired,
                "missed": trigger.missed,
            }
            for trigger in app.triggers()
            if isinstance(trigger, ScheduleTrigger)
        ],
    }


def _queue(queue: Queue, dead_letter_of: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": queue.name,
        "arn": queue.arn,
        "fifo": queue.fifo,
        "visible": queue.approximate_number_of_messages,
        "in_flight": queue.approximate_number_of_messages_not_visible,
        "delayed": queue.approximate_number_of_messages_delayed,
        "oldest_age": round(queue.approximate_age_of_oldest_message, 3),
        "dead_letter_queue": (
            None if queue.dead_letter_queue is None else queue.dead_letter_queue.name
        ),
        "max_receive_count": queue.max_receive_count if queue.dead_letter_queue else None,
        "dead_letter_of": dead_letter_of,
        "metrics": queue.metrics(),
        "messages": None,
    }
    if dead_letter_of:  # a dead-letter queue: what it holds is why a person looks
        data["messages"] = [
            {
                "message_id": message.message_id,
                "state": message.state,
                "receive_count": message.receive_count,
                "body": shorten(message.body, 1024),
            }
            for message in queue.snapshot()[:LISTED]
        ]
    return data


def _stream(app: App, name: str) -> dict[str, Any]:
    stream = app.streams[name]
    mappings = [
        trigger
        for trigger in app.triggers()
        if getattr(getattr(trigger, "source", None), "name", None) == name
    ]
    return {
        "name": name,
        "arn": stream.arn,
        "shards": [shard.shard_id for shard in stream.shards],
        "records_put": stream.counters.put,
        "mappings": [
            {
                "function": trigger.function,
                "trigger": trigger.describe(),
                "IteratorAge": trigger.metrics().get("IteratorAge"),
            }
            for trigger in mappings
        ],
    }


def costs(app: App, tunings: list[TuneResult], since: float) -> dict[str, Any]:
    """The bill by function, a month at the rate measured since `since` (the app clock's
    `now()` when the console started), the budget, and the tuning results."""
    bill = app.costs.to_dict()
    data: dict[str, Any] = {"bill": bill, "projection": None, "budget": None, "tunings": []}
    invoked = sum(int(function["requests"]) for function in bill["functions"].values())
    elapsed = app.clock.now() - since
    if invoked and elapsed > 0:
        month = int(invoked * 730 * 3600 / elapsed)
        projected = app.costs.project(month)
        data["projection"] = {
            "invocations": month,
            "functions": {name: str(b.total) for name, b in projected.items()},
            "total": str(sum((b.total for b in projected.values()), start=0)),
        }
    budget = app.costs.budget
    if budget is not None:
        data["budget"] = {
            "limit": str(budget.limit),
            "spent": str(budget.spent),
            "crossed": budget.crossed,
            "throttles": budget.throttles,
        }
    for result in tunings:
        data["tunings"].append(
            {
                "function": result.function,
                "recommended": result.recommended,
                "architecture": result.recommended_architecture,
                "why": result.why,
                "table": result.table(),
            }
        )
    return data


def event_families() -> dict[str, Any]:
    """The event families `faaslib events` builds, each with its builder's first line."""
    from faaslib.events import BUILDERS, FAMILIES

    return {
        "families": [
            {"name": name, "summary": _first_line(FAMILIES[name][0].__doc__)} for name in BUILDERS
        ]
    }


def _first_line(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split())[:120]


def _iso(moment: Any) -> str | None:
    return None if moment is None else moment.isoformat()
