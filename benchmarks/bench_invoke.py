"""The invoke path beside its baselines, in interleaved rounds: each round runs every row once,
so a disturbance of the machine falls on all rows alike rather than on whichever ran then.

Rows say what they include. The baselines are the least faaslib must also do: a direct await; a
plain `anyio.CancelScope()` around it (a scope, without a timer); a scope with a deadline (the
loop timer a timeout would cost, which faaslib's deadline watcher avoids); and
`anyio.to_thread.run_sync` (the thread hand-off of a sync handler). faaslib is measured as
`app.invoke` (its payload left undecoded, as a caller that only checks the status would), with
the payload decoded, as `app.call`, with INFO logging on (Lambda's START/END/REPORT lines and the
platform's records formatted and written), and its sync path. Chalice's test client, a peer,
runs sync handlers inline: it is compared with both faaslib paths.
"""

from __future__ import annotations

import gc
import logging
import os
import statistics
import threading
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.lowlevel
import anyio.to_thread

from faaslib import App

EVENT = {"order": 1, "items": ["a", "b"]}


@dataclass
class Row:
    name: str
    includes: str
    rounds: list[float] = field(default_factory=list)  # µs per operation, one per round
    against: tuple[str, ...] = ()

    @property
    def best(self) -> float:
        return min(self.rounds)

    @property
    def median(self) -> float:
        return statistics.median(self.rounds)


async def trivial_async(event: Any, context: Any) -> Any:
    return event


def trivial_sync(event: Any, context: Any) -> Any:
    return event


@contextmanager
def info_logging() -> Iterator[None]:
    """INFO logging to a file, as an app that logs would have it (formatting and writing
    included; /dev/null, so the disk does not time it)."""
    root = logging.getLogger()
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 (closed below)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield
    finally:
        root.setLevel(level)
        root.removeHandler(handler)
        handler.stream.close()


@contextmanager
def quiet() -> Iterator[None]:
    yield


Plan = list[tuple[Row, Callable[[], Awaitable[Any]], int, Callable[[], Any]]]


async def interleaved(plan: Plan, rounds: int) -> None:
    """Run every row once per round, each for its count of operations, after a warm-up."""
    for _, operation, count, setting in plan:
        with setting():
            for _ in range(min(count, 200)):
                await operation()
    for _ in range(rounds):
        for row, operation, count, setting in plan:
            with setting():
                start = time.perf_counter()
                for _ in range(count):
                    await operation()
                row.rounds.append((time.perf_counter() - start) / count * 1e6)


DIRECT = "baseline: direct await"
SCOPE = "baseline: CancelScope() + await"
DEADLINE = "baseline: CancelScope(deadline) + await"
THREAD = "baseline: anyio.to_thread.run_sync"
INVOKE = "faaslib: app.invoke, async handler"
LOGGED = "faaslib: app.invoke, async, INFO logging"
PLATFORM = "faaslib: the same, platform_logs=True"
WAITS = "faaslib: app.invoke, handler waits once"
SCOPE_WAITS = "baseline: CancelScope() + await, waits once"
SYNC = "faaslib: app.invoke, sync handler"
CHALICE = "peer: Chalice test client lambda_.invoke"


async def invoke_rows(iterations: int, rounds: int) -> list[Row]:
    app = App("bench")
    app.function(name="async")(trivial_async)
    app.function(name="sync")(trivial_sync)
    app.function(name="waits")(yielding)
    context = object()
    threads = max(iterations // 10, 100)

    async def direct() -> Any:
        return await trivial_async(EVENT, context)

    async def scope() -> Any:
        with anyio.CancelScope():
            return await trivial_async(EVENT, context)

    async def deadline() -> Any:
        with anyio.CancelScope(deadline=anyio.current_time() + 3):
            return await trivial_async(EVENT, context)

    async def to_thread() -> Any:
        return await anyio.to_thread.run_sync(trivial_sync, EVENT, context)

    async def scope_waits() -> Any:
        with anyio.CancelScope():
            return await yielding(EVENT, context)

    async def invoke() -> Any:
        return await app.invoke("async", EVENT)

    async def invoke_waits() -> Any:
        return await app.invoke("waits", EVENT)

    @contextmanager
    def platform_lines() -> Iterator[None]:
        app.platform_logs = True
        try:
            with info_logging():
                yield
        finally:
            app.platform_logs = False

    async def decoded() -> Any:
        return (await app.invoke("async", EVENT)).payload

    async def call() -> Any:
        return await app.call("async", EVENT)

    async def invoke_sync() -> Any:
        return (await app.invoke("sync", EVENT)).payload

    plan: Plan = [
        (Row(DIRECT, "the handler awaited"), direct, iterations, quiet),
        (Row(SCOPE, "a cancel scope without a deadline"), scope, iterations, quiet),
        (Row(DEADLINE, "a cancel scope with a loop timer"), deadline, iterations, quiet),
        (
            Row(
                INVOKE,
                "request encoded, limits, instance, timeout, metrics, bill; payload left undecoded",
                against=(SCOPE, DEADLINE),
            ),
            invoke,
            iterations,
            quiet,
        ),
        (
            Row(
                "faaslib: app.invoke + payload decoded",
                "the same, and the answer decoded",
                against=(SCOPE,),
            ),
            decoded,
            iterations,
            quiet,
        ),
        (
            Row(
                "faaslib: app.call, async handler",
                "the Pythonic form: payload decoded",
                against=(SCOPE,),
            ),
            call,
            iterations,
            quiet,
        ),
        (
            Row(
                LOGGED,
                "the same as app.invoke, the root logger at INFO writing to /dev/null "
                "(Lambda's platform lines off, the default)",
                against=(INVOKE,),
            ),
            invoke,
            iterations,
            info_logging,
        ),
        (
            Row(
                PLATFORM,
                "START/END/REPORT formatted and written to /dev/null too",
                against=(INVOKE,),
            ),
            invoke,
            iterations,
            platform_lines,
        ),
        (
            Row(SCOPE_WAITS, "the same scope, the handler waiting once"),
            scope_waits,
            iterations,
            quiet,
        ),
        (
            Row(WAITS, "app.invoke of that handler: its deadline armed", against=(SCOPE_WAITS,)),
            invoke_waits,
            iterations,
            quiet,
        ),
        (Row(THREAD, "a worker thread hand-off"), to_thread, threads, quiet),
        (
            Row(SYNC, "the handler in a worker thread; payload decoded", against=(THREAD,)),
            invoke_sync,
            threads,
            quiet,
        ),
    ]
    peer = chalice_plan(iterations)
    async with app:
        await interleaved(plan + peer, rounds)
    return [row for row, *_ in plan + peer]


def chalice_plan(iterations: int) -> Plan:
    try:
        from chalice import Chalice
        from chalice.test import Client
    except ImportError:
        return []
    chalice_app = Chalice(app_name="bench")
    chalice_app.log.setLevel(logging.WARNING)
    chalice_app.lambda_function(name="trivial")(trivial_sync)
    client = Client(chalice_app)
    client.__enter__()  # held for the process's life: a benchmark run

    async def invoke() -> Any:
        return client.lambda_.invoke("trivial", EVENT).payload

    row = Row(CHALICE, "runs the sync handler inline, payload decoded", against=(INVOKE, SYNC))
    return [(row, invoke, iterations, quiet)]


def table(rows: list[Row]) -> str:
    best = {row.name: row.best for row in rows}
    width = max(len(row.name) for row in rows)
    lines = [
        f"{'measurement':<{width}}  {'best µs':>8}  {'median':>8}  ratio (best / best)",
        "-" * (width + 60),
    ]
    for row in rows:
        ratios = ", ".join(
            f"{row.best / best[other]:.2f}x {other.split(': ', 1)[1]}" for other in row.against
        )
        lines.append(f"{row.name:<{width}}  {row.best:>8.2f}  {row.median:>8.2f}  {ratios}")
    lines.append("")
    lines += [f"  {row.name.split(': ', 1)[1]}: {row.includes}" for row in rows]
    return "\n".join(lines)


# -- many invokers at once, and what an idle instance holds ------------------------------


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

    # Lambda's longest timeout: under tracemalloc, starting 10,000 invocations can take longer
    # than the default 3 s, and one that timed out would leave no idle instance to measure (on
    # trio the check failed in 2 runs of 5 that way).
    @app.function(name="waits", timeout=900)
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
