"""The app the console's tests look at: functions with logs, a queue drained by a function with
a dead-letter queue, a bucket, a topic, a bus rule, a stream, a table and a schedule."""

from __future__ import annotations

import logging
import threading
from typing import Any

from faaslib import App

logger = logging.getLogger("tests.console.shop")


def make_shop(gate: threading.Event | None = None) -> App:
    """The shop; `gate` (when given) holds each `drain` invocation until it is set."""
    app = App("shop")
    dead_letters = app.queue("orders-dlq")
    app.queue("orders", redrive=(dead_letters, 1))
    app.queue("slow")
    app.queue("returns", redrive=(app.queue("returns-dlq"), 1))  # no function: tests drive it
    # a failed job is back after a second, and dead-lettered on its second receive
    app.queue("jobs", visibility_timeout=1, redrive=(app.queue("jobs-dlq"), 1))
    failed_once: set[str] = set()
    app.bucket("uploads")
    app.topic("news")
    app.stream("clicks", shards=2)
    app.table("carts", key_schema=("id",))

    @app.function(memory=256)
    def resize(event: Any, context: Any) -> Any:
        logger.warning("resizing %s", event.get("key"))
        print(f"printed by {context.function_name}")
        return {"resized": event.get("key")}

    @app.function
    def fail(event: Any, context: Any) -> Any:
        raise ValueError("no such size")

    @app.on_queue("orders", batch_size=5)
    def orders(event: Any, context: Any) -> Any:
        for record in event["Records"]:
            if record["body"] == "poison":
                raise ValueError("poison")
        return None

    @app.on_queue("slow", batch_size=1, maximum_concurrency=2)
    def drain(event: Any, context: Any) -> Any:
        if gate is not None:
            gate.wait(20)
        return None

    @app.on_queue("jobs", batch_size=1, timeout=1)
    def work(event: Any, context: Any) -> Any:
        body = event["Records"][0]["body"]
        if body not in failed_once:  # the first attempt fails, the next (a redrive) succeeds
            failed_once.add(body)
            raise RuntimeError(f"job {body} failed")
        return None

    @app.on_topic("news")
    def read_news(event: Any, context: Any) -> Any:
        return None

    @app.on_event({"source": ["shop"]}, rule="shop-events")
    def on_shop_event(event: Any, context: Any) -> Any:
        return None

    @app.on_stream("clicks", batch_size=10)
    def count_clicks(event: Any, context: Any) -> Any:
        return None

    @app.on_schedule("rate(1 hour)")
    def hourly(event: Any, context: Any) -> Any:
        return None

    return app
