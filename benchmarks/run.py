"""faaslib's invoke path beside its baselines and peers, measured in one run.

    python benchmarks/run.py                 # asyncio, the full table
    python benchmarks/run.py --backend trio
    python benchmarks/run.py --quick         # fewer iterations, for a smoke check

Every figure is the best of several rounds (the least disturbed by the rest of the machine).
Sequential rows are microseconds per invocation of a trivial handler. Ratios compare each faaslib
figure with the baseline that does the least it must also do: a direct await, a bare
`anyio.CancelScope(deadline=...)` around the await (the timeout faaslib enforces), and
`anyio.to_thread.run_sync` (the thread hand-off a sync handler needs). Then: 1,000 concurrent
invokers of a handler that yields once (so they interleave and each holds an instance), the
memory an idle warm instance costs, Event invocations accepted and completed per second, the
memory of a queued event, and whether each target is met. Peers run only
when installed (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import platform
import sys
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread
import msgspec
import pydantic
from bench_sources import bus_rates, stream_rates  # benchmarks/, on the path when this file runs

from faaslib import App

Row = tuple[str, float, str]  # name, microseconds per op, what it is compared with

EVENT = {"order": 1, "items": ["a", "b"]}


async def trivial_async(event: Any, context: Any) -> Any:
    return event


def trivial_sync(event: Any, context: Any) -> Any:
    return event


async def measure(operation: Callable[[], Awaitable[Any]], iterations: int, rounds: int) -> float:
    """The best round's mean, in microseconds per operation."""
    for _ in range(min(iterations, 200)):  # warm up: instances, caches, thread pool
        await operation()
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(iterations):
            await operation()
        best = min(best, (time.perf_counter() - start) / iterations)
    return best * 1e6


async def run(iterations: int, rounds: int) -> list[Row]:
    app = App("bench")
    app.function(name="async")(trivial_async)
    app.function(name="sync")(trivial_sync)
    context = object()
    thread_iterations = max(iterations // 10, 100)

    async def direct() -> Any:
        return await trivial_async(EVENT, context)

    async def cancel_scope() -> Any:
        with anyio.CancelScope(deadline=anyio.current_time() + 3):
            return await trivial_async(EVENT, context)

    async def to_thread() -> Any:
        return await anyio.to_thread.run_sync(trivial_sync, EVENT, context)

    async def invoke_async() -> Any:
        return await app.invoke("async", EVENT)

    async def invoke_sync() -> Any:
        return await app.invoke("sync", EVENT)

    scope = "baseline: CancelScope(deadline) + await"
    thread = "baseline: anyio.to_thread.run_sync"
    plan = [
        ("baseline: direct await", direct, iterations, ""),
        (scope, cancel_scope, iterations, ""),
        ("faaslib: app.invoke, async handler", invoke_async, iterations, scope),
        (thread, to_thread, thread_iterations, ""),
        ("faaslib: app.invoke, sync handler", invoke_sync, thread_iterations, thread),
    ]
    rows: list[Row] = []
    async with app:
        for name, operation, count, against in plan:
            rows.append((name, await measure(operation, count, rounds), against))
    peer = await chalice_row(iterations, rounds)
    if peer is not None:
        rows.append(peer)
    return rows


async def chalice_row(iterations: int, rounds: int) -> Row | None:
    try:
        from chalice import Chalice
        from chalice.test import Client
    except ImportError:
        return None
    chalice_app = Chalice(app_name="bench")
    chalice_app.log.setLevel(logging.WARNING)
    chalice_app.lambda_function(name="trivial")(trivial_sync)
    with Client(chalice_app) as client:

        async def invoke() -> Any:
            return client.lambda_.invoke("trivial", EVENT)

        figure = await measure(invoke, iterations, rounds)
    return (
        "peer: Chalice test client lambda_.invoke",
        figure,
        "faaslib: app.invoke, async handler",
    )


async def yielding(event: Any, context: Any) -> Any:
    await anyio.lowlevel.checkpoint()  # as a handler doing I/O would
    return event


async def throughput(invoke: Callable[[], Awaitable[Any]], invokers: int, each: int) -> float:
    """Invocations per second, `invokers` tasks each invoking `each` times back to back."""

    async def invoker() -> None:
        for _ in range(each):
            await invoke()

    start = time.perf_counter()
    async with anyio.create_task_group() as tasks:
        for _ in range(invokers):
            tasks.start_soon(invoker)
    return invokers * each / (time.perf_counter() - start)


async def concurrent_rows(invokers: int, each: int, rounds: int) -> list[tuple[str, float]]:
    app = App("bench", concurrency=invokers)
    app.function(name="yielding")(yielding)
    context = object()

    async def bare() -> Any:
        with anyio.CancelScope(deadline=anyio.current_time() + 3):
            return await yielding(EVENT, context)

    async def invoke() -> Any:
        return await app.invoke("yielding", EVENT)

    rows = []
    async with app:
        for name, operation in (
            ("baseline: CancelScope(deadline) + await", bare),
            ("faaslib: app.invoke, async handler", invoke),
        ):
            await throughput(operation, invokers, 2)  # warm up: the instances exist
            best = max([await throughput(operation, invokers, each) for _ in range(rounds)])
            rows.append((name, best))
        assert app.metrics()["Throttles"] == 0
    return rows


async def idle_instance_cost(count: int) -> tuple[float, int, int]:
    """Bytes per idle warm instance, and the tasks and threads held while they sit idle."""
    app = App("bench", concurrency=count, max_idle_instances=count, scaling_rate=count)
    release = anyio.Event()

    @app.function(name="waits")
    async def waits(event: Any, context: Any) -> None:
        await release.wait()

    async with app:
        threads_before = threading.active_count()
        tasks_before = len(anyio.get_running_tasks())
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        async with anyio.create_task_group() as tasks:
            for _ in range(count):
                tasks.start_soon(app.invoke, "waits")
            await anyio.wait_all_tasks_blocked()
            release.set()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert app.instances("waits").idle == count
        held_tasks = len(anyio.get_running_tasks()) - tasks_before
        held_threads = threading.active_count() - threads_before
    return (after - before) / count, held_tasks, held_threads


async def event_rates(count: int) -> tuple[float, float]:
    """Event invocations per second: accepted (202s answered) and completed (handled)."""
    app = App("bench", concurrency=1000)
    app.function(name="async")(trivial_async)
    async with app:
        start = time.perf_counter()
        for _ in range(count):
            await app.invoke("async", EVENT, invocation_type="Event")
        accepted = time.perf_counter() - start
        await app.wait_idle()
        completed = time.perf_counter() - start
        assert app.metrics("async")["AsyncEventOutcomes"]["Success"] == count
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


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "events"


class _SQSRecordModel(pydantic.BaseModel):
    messageId: str
    receiptHandle: str
    body: str
    attributes: dict[str, str]
    messageAttributes: dict[str, dict[str, Any]]
    md5OfBody: str
    eventSource: str
    eventSourceARN: str
    awsRegion: str


class _SQSEventModel(pydantic.BaseModel):
    Records: list[_SQSRecordModel]


class _HTTPModel(pydantic.BaseModel):
    method: str
    path: str
    protocol: str
    sourceIp: str
    userAgent: str


class _RequestContextV2Model(pydantic.BaseModel):
    accountId: str
    apiId: str
    domainName: str
    domainPrefix: str
    http: _HTTPModel
    requestId: str
    routeKey: str
    stage: str
    time: str
    timeEpoch: int
    authorizer: dict[str, Any] | None = None
    authentication: dict[str, Any] | None = None


class _HTTPEventV2Model(pydantic.BaseModel):
    version: str
    routeKey: str
    rawPath: str
    rawQueryString: str
    cookies: list[str] | None = None
    headers: dict[str, str]
    queryStringParameters: dict[str, str] | None = None
    requestContext: _RequestContextV2Model
    body: str | None = None
    pathParameters: dict[str, str] | None = None
    isBase64Encoded: bool
    stageVariables: dict[str, str] | None = None


def decode_rows(iterations: int, rounds: int) -> list[tuple[str, float, float, float]] | None:
    """µs to decode a typical HTTP API v2 event and an SQS batch of 10: faaslib.events beside
    json.loads and a pydantic model of the same shape."""
    from faaslib import events

    try:
        http = (CORPUS / "powertools" / "apiGatewayProxyV2Event.json").read_bytes()
        sqs_sample = json.loads((CORPUS / "powertools" / "sqsEvent.json").read_bytes())
    except OSError:
        return None
    record = sqs_sample["Records"][0]
    sqs = json.dumps({"Records": [record] * 10}).encode()
    cases = [
        ("HTTP API v2 event", http, events.APIGatewayProxyEventV2, _HTTPEventV2Model),
        ("SQS batch of 10", sqs, events.SQSEvent, _SQSEventModel),
    ]
    rows = []
    for name, raw, struct, model in cases:

        def best(operation: Callable[[], object], raw: bytes = raw) -> float:
            timings = []
            for _ in range(rounds):
                start = time.perf_counter()
                for _ in range(iterations):
                    operation()
                timings.append((time.perf_counter() - start) / iterations * 1e6)
            return min(timings)

        typed = best(lambda raw=raw, struct=struct: events.parse(raw, type=struct))
        plain = best(lambda raw=raw: json.loads(raw))
        pydantic_figure = best(lambda raw=raw, model=model: model.model_validate_json(raw))
        rows.append((name, typed, plain, pydantic_figure))
    return rows


def table(rows: list[Row]) -> str:
    figures = {name: value for name, value, _ in rows}
    width = max(len(name) for name, _, _ in rows)
    lines = [f"{'measurement':<{width}}  {'µs/invoke':>10}  ratio", "-" * (width + 40)]
    for name, value, against in rows:
        ratio = ""
        if against:
            ratio = f"{value / figures[against]:.2f}x {against.split(': ', 1)[1]}"
        lines.append(f"{name:<{width}}  {value:>10.2f}  {ratio}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1,000 iterations, 3 rounds")
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.iterations, arguments.rounds = 1_000, 3
    backend = arguments.backend
    rows = anyio.run(run, arguments.iterations, arguments.rounds, backend=backend)
    print(
        f"faaslib invoke path — Python {platform.python_version()}, {backend}, "
        f"{platform.machine()}, {arguments.iterations:,} iterations x {arguments.rounds} rounds "
        f"(thread rows: a tenth), best round"
    )
    print(table(rows))

    each = max(arguments.iterations // 200, 5)
    concurrent = anyio.run(concurrent_rows, 1000, each, arguments.rounds, backend=backend)
    print(f"\n1,000 concurrent invokers x {each} invocations, a handler that yields once")
    print(f"{'measurement':<42}  {'invocations/s':>13}  ratio")
    print("-" * 80)
    for name, rate in concurrent:
        ratio = (
            f"{rate / concurrent[0][1]:.2f}x the baseline's rate"
            if name != concurrent[0][0]
            else ""
        )
        print(f"{name:<42}  {rate:>13,.0f}  {ratio}")

    per_instance, held_tasks, held_threads = anyio.run(idle_instance_cost, 10_000, backend=backend)
    print(
        f"\nidle warm instances: {per_instance:,.0f} bytes each (10,000 measured with "
        f"tracemalloc); tasks held: {held_tasks}, threads held: {held_threads}"
    )

    events = 20_000 if not arguments.quick else 2_000
    accepted, completed = anyio.run(event_rates, events, backend=backend)
    per_event, payload_bytes = queued_event_cost(100_000)
    print(f"\nEvent invocations ({events:,} of a trivial async handler)")
    print(f"  accepted: {accepted:,.0f} events/s    completed: {completed:,.0f} events/s")
    print(
        f"  queued: {per_event:,.0f} bytes per event, of which {payload_bytes} are its payload "
        "(100,000 measured with tracemalloc)"
    )

    messages = 20_000 if not arguments.quick else 2_000
    queued = anyio.run(queue_rates, messages, arguments.rounds, backend=backend)
    floor = queued[0][1]
    print(f"\nQueue to handler ({messages:,} messages, queued before the app starts)")
    print(f"  {'measurement':<40}  {'messages/s':>11}  ratio")
    for name, rate in queued:
        ratio = f"{floor / rate:.1f}x the floor's time per message" if rate != floor else ""
        print(f"  {name:<40}  {rate:>11,.0f}  {ratio}")

    routed = bus_rates(20_000 if not arguments.quick else 2_000, arguments.rounds)
    print("\nEvent bus: events through 20 rules (each rule's pattern tried on each event)")
    print(f"  {'measurement':<42}  {'events/s':>9}  {'patterns/s':>10}  ratio")
    for name, rate, _ in routed:
        ratio = f"{routed[0][1] / rate:.1f}x the floor's time" if name != routed[0][0] else ""
        print(f"  {name:<42}  {rate:>9,.0f}  {rate * 20:>10,.0f}  {ratio}")
    print(f"  (both find the same {routed[1][2]:.2f} matching rules per event)")

    records = 20_000 if not arguments.quick else 2_000
    streamed = anyio.run(stream_rates, records, arguments.rounds, backend=backend)
    print(
        f"\nStream to handler, one shard ({records:,} records of 100 bytes, put before the app "
        "starts)"
    )
    print(f"  {'measurement':<42}  {'records/s':>10}  ratio")
    for name, rate in streamed:
        ratio = f"{streamed[0][1] / rate:.1f}x the floor's time" if name != streamed[0][0] else ""
        print(f"  {name:<42}  {rate:>10,.0f}  {ratio}")

    try:
        from bench_http import http_rates
    except ImportError as missing:  # uvicorn and starlette come with the bench extra
        print(f"\nHTTP: skipped ({missing.name} is not installed: pip install -e '.[bench]')")
    else:
        served = http_rates(each=200 if not arguments.quick else 50)
        print("\nHTTP: GET /items/{id} answering JSON, 32 keep-alive connections, one uvicorn")
        print(f"  {'measurement':<42}  {'requests/s':>10}  ratio")
        for name, rate in served:
            ratio = (
                f"{served[0][1] / rate:.2f}x the baseline's time" if name != served[0][0] else ""
            )
            print(f"  {name:<42}  {rate:>10,.0f}  {ratio}")

    try:
        from bench_aws import aws_section
    except ImportError as missing:  # boto3 and moto[server] come with the bench extra
        print(
            f"\nAWS endpoints: skipped ({missing.name} is not installed: pip install -e '.[bench]')"
        )
    else:
        print(aws_section(calls=200 if not arguments.quick else 50, rounds=arguments.rounds))

    decoded = decode_rows(arguments.iterations // 4, arguments.rounds)
    if decoded is None:
        print("\nevent decoding: skipped (the corpus in ../shared is not here)")
    else:
        print("\nDecoding typed events (µs each)")
        print(f"  {'event':<20} {'faaslib.events':>15} {'json.loads':>11} {'pydantic':>9}")
        for name, typed, plain, pydantic_figure in decoded:
            print(
                f"  {name:<20} {typed:>15.2f} {plain:>11.2f} {pydantic_figure:>9.2f}"
                f"   (pydantic takes {pydantic_figure / typed:.1f}x as long, "
                f"json.loads {plain / typed:.1f}x)"
            )

    figures = {name: value for name, value, _ in rows}
    scope = figures["baseline: CancelScope(deadline) + await"]
    invoke = figures["faaslib: app.invoke, async handler"]
    sync_ratio = (
        figures["faaslib: app.invoke, sync handler"] / figures["baseline: anyio.to_thread.run_sync"]
    )
    chalice = figures.get("peer: Chalice test client lambda_.invoke")
    targets = [
        ("async invoke <= 1.5x bare cancel scope", f"{invoke / scope:.2f}x", invoke / scope <= 1.5),
        ("sync invoke <= 1.2x to_thread.run_sync", f"{sync_ratio:.2f}x", sync_ratio <= 1.2),
        (
            ">= 3x faster than Chalice's test client",
            "Chalice not installed" if chalice is None else f"{chalice / invoke:.2f}x",
            chalice is not None and chalice / invoke >= 3,
        ),
        (
            ">= 50,000 invocations/s from 1,000 invokers",
            f"{concurrent[1][1]:,.0f}/s",
            concurrent[1][1] >= 50_000,
        ),
        (
            "<= 2 KB per idle instance, no task or thread",
            f"{per_instance:,.0f} B, {held_tasks} tasks, {held_threads} threads",
            per_instance <= 2048 and held_tasks == 0 and held_threads == 0,
        ),
    ]
    targets.append(
        (
            "<= ~1 KB per queued event beyond its payload",
            f"{per_event - payload_bytes:,.0f} B",
            per_event - payload_bytes <= 1024,
        )
    )
    print("\ntargets (issues 3 and 5)")
    for name, figure, met in targets:
        print(f"  {'met    ' if met else 'NOT MET'}  {name:<46} {figure}")


if __name__ == "__main__":
    sys.exit(main())
