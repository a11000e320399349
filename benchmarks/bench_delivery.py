"""Delivery: Event invocations (accepted and completed separately, with a backlog), the memory
of a queued event, and messages from a queue through `@app.on_queue` beside the floor of the
handler awaited directly."""

from __future__ import annotations

import gc
import json
import sys
import time
import tracemalloc
from typing import Any

import anyio
import msgspec
from bench_invoke import EVENT, trivial_async  # benchmarks/, on the path when run from there

from faaslib import App


async def event_rates(count: int) -> tuple[float, float]:
    """Event invocations per second, with a backlog: accepted (the 202s answered while the
    handlers are held, so none completes meanwhile) and completed (the backlog run once they
    are let go, 1,000 at a time)."""
    app = App("bench", concurrency=1000)
    gate = anyio.Event()

    @app.function(name="held")
    async def held(event: Any, context: Any) -> Any:
        await gate.wait()
        return event

    async with app:
        start = time.perf_counter()
        for _ in range(count):
            await app.invoke("held", EVENT, invocation_type="Event")
        accepted = time.perf_counter() - start
        start = time.perf_counter()
        gate.set()
        await app.wait_idle()
        completed = time.perf_counter() - start
        assert app.metrics("held")["AsyncEventOutcomes"]["Success"] == count
    return count / accepted, count / completed


def queued_event_cost(count: int) -> tuple[float, int]:
    """Bytes per queued event (its record, request id and place in the queue), and the bytes
    of its payload, measured on a queue nobody drains."""
    app = App("bench")
    app.function(name="async")(trivial_async)
    function = app._functions["async"]
    payload = json.dumps(EVENT).encode()
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(count):
        app._events.put(function, bytes(payload))  # each event owns its payload, as on intake
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / count, sys.getsizeof(payload)


async def queue_rates(count: int, rounds: int) -> list[tuple[str, float]]:
    """Messages per second from a queue through `@app.on_queue` to a trivial handler, with
    batches of 1 and 10, beside the floor: the same handler awaited directly once per message
    with the SQS event it would get."""
    rows = []
    template = App("bench").queue("floor")
    await template.send("x")
    [message] = await template.receive()
    event = {"Records": [msgspec.to_builtins(message.to_record())]}
    done = 0

    async def handler(event: Any, context: Any) -> None:
        nonlocal done
        done += len(event["Records"])

    async def direct() -> float:
        start = time.perf_counter()
        for _ in range(count):
            await handler(event, None)
        return count / (time.perf_counter() - start)

    rows.append(
        ("floor: the handler awaited directly", max([await direct() for _ in range(rounds)]))
    )
    for batch_size in (1, 10):
        best = 0.0
        for _ in range(rounds):
            app = App("bench")
            queue = app.queue("work")
            app.on_queue("work", batch_size=batch_size)(handler)  # registered as "handler"
            for _ in range(0, count, 10):
                await queue.send_batch([{"id": str(n), "body": str(n)} for n in range(10)])
            done = 0
            start = time.perf_counter()
            async with app:
                await app.wait_idle()
            best = max(best, count / (time.perf_counter() - start))
            assert done == count
            assert queue.counters.deleted == count
        rows.append((f"faaslib: queue -> on_queue, batch {batch_size}", best))
    return rows
