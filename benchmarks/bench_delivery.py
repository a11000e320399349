"""Delivery: Event invocations (accepted and completed separately, with a backlog), the memory
of a queued event, and messages from queues through `@app.on_queue` beside the floor of the
handler awaited directly: one queue mapped to one function, and 100 queues each mapped to its
own, start to stop and steady.

    python benchmarks/bench_delivery.py            # the queue rows alone: best, median, worst
    python benchmarks/bench_delivery.py --quick
"""

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


FUNCTIONS = (1, 100)  # mapped functions, each reading its own queue
BATCH_SIZES = (1, 10)


def _row_names(batch_size: int, functions: int) -> tuple[str, str]:
    """The names of a run's two rows: start to stop, and steady. The one-function rows keep
    the names run.py's targets and compare.py's figures know them by."""
    if functions == 1:
        return (
            f"faaslib: queue -> on_queue, batch {batch_size}",
            f"steady: 1 queue -> 1 fn, batch {batch_size}",
        )
    return (
        f"faaslib: {functions} queues -> {functions} fns, batch {batch_size}",
        f"steady: {functions} queues -> {functions} fns, batch {batch_size}",
    )


async def queue_run(count: int, batch_size: int, functions: int) -> tuple[float, float]:
    """One run: `count` messages sent in batches of 10 to `functions` queues in turn (so spread
    evenly) before the app starts, each queue mapped by `@app.on_queue` to a function of its own
    (a trivial async handler). Messages per second from `async with app` to its end (start,
    every message handled and deleted, `wait_idle`, stop), and steady: the messages handled
    after the app has started over the time from then to the last one handled (from the start
    if none was left by then)."""
    app = App("bench")
    handled = 0
    last = 0.0

    async def handler(event: Any, context: Any) -> None:
        nonlocal handled, last
        handled += len(event["Records"])
        last = time.perf_counter()

    queues = []
    for number in range(functions):
        app.function(name=f"handler-{number}")(handler)
        queues.append(app.queue(f"work-{number}"))
        app.on_queue(f"work-{number}", batch_size=batch_size)(f"handler-{number}")
    for sent in range(0, count, 10):
        entries = [{"id": str(n), "body": str(sent + n)} for n in range(10)]
        await queues[sent // 10 % functions].send_batch(entries)
    gc.collect()  # the garbage of the rows before is not this row's to collect
    start = time.perf_counter()
    async with app:
        started = time.perf_counter()
        handled_at_start = handled
        await app.wait_idle()
    end = time.perf_counter()
    assert handled == count, (handled, count)
    assert sum(queue.counters.deleted for queue in queues) == count
    if handled_at_start < count:
        steady = (count - handled_at_start) / (last - started)
    else:  # the start handled them all (a quick run's few messages): from the start, then
        steady = count / (last - start)
    return count / (end - start), steady


async def queue_rounds(count: int, rounds: int) -> dict[str, list[float]]:
    """Messages per second from queues through `@app.on_queue` to a trivial handler, in
    interleaved rounds (each round runs every row once, so a disturbance of the machine falls
    on all rows alike), beside the floor: the same handler awaited directly once per message
    with the SQS event it would get. Batches of 1 and 10, from one queue mapped to one
    function and from 100 queues each mapped to its own (the same messages spread over them:
    100 mappings' start and stop and 100 cold starts are in the start-to-stop row, not in the
    steady one)."""
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

    floor = "floor: the handler awaited directly"
    rows: dict[str, list[float]] = {floor: []}
    for batch_size in BATCH_SIZES:
        for functions in FUNCTIONS:
            for name in _row_names(batch_size, functions):
                rows[name] = []
    for _ in range(rounds):
        rows[floor].append(await direct())
        for batch_size in BATCH_SIZES:
            for functions in FUNCTIONS:
                rates = await queue_run(count, batch_size, functions)
                for name, rate in zip(_row_names(batch_size, functions), rates, strict=True):
                    rows[name].append(rate)
    return rows


async def queue_rates(count: int, rounds: int) -> list[tuple[str, float]]:
    """`queue_rounds`' rows, each with its best round (the floor first)."""
    return [(name, max(rates)) for name, rates in (await queue_rounds(count, rounds)).items()]


def main() -> None:
    """The queue rows alone, with the best, median and worst round of each."""
    import argparse
    import statistics

    parser = argparse.ArgumentParser(description="queue -> handler throughput, by rounds")
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2,000 messages, 3 rounds")
    arguments = parser.parse_args()
    count, rounds = (2_000, 3) if arguments.quick else (arguments.messages, arguments.rounds)
    rows = anyio.run(queue_rounds, count, rounds, backend=arguments.backend)
    print(
        f"Queue to handler ({count:,} messages, queued before the app starts), "
        f"{arguments.backend}, {rounds} interleaved rounds: messages/s"
    )
    print(f"  {'measurement':<42}  {'best':>9}  {'median':>9}  {'worst':>9}")
    for name, rates in rows.items():
        print(
            f"  {name:<42}  {max(rates):>9,.0f}  {statistics.median(rates):>9,.0f}  "
            f"{min(rates):>9,.0f}"
        )


if __name__ == "__main__":
    main()
