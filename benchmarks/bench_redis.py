"""faaslib on Redis beside memory and beside a Redis task queue (arq) on the same server, in one
run. Needs `pip install -e '.[bench]'` and a redis-server on PATH (or `--redis URL`).

    python benchmarks/bench_redis.py            # asyncio
    python benchmarks/bench_redis.py --quick    # fewer items, a smoke check

Rows:
- one process: Event invocations of a trivial handler accepted (202s answered) and completed
  per second; queue messages sent (batches of 10) and sent-to-handled through `@app.on_queue` at
  batch 1 and 10 — memory beside Redis;
- workers: a queue filled with N messages, then drained by 1, 2 and 4 worker processes
  (`@app.on_queue`, batch 10), and N arq jobs (the same trivial task) drained by 1, 2 and 4 arq
  workers: tasks per second from the first task run to the last (the processes' start-up left
  out), and items handled more than once;
- latency: one worker, a producer sending at a steady rate: send to handler, p50 and p99, for
  faaslib (batch 1) and arq;
- Redis calls: the commands the server ran per message and per Event invocation (INFO
  commandstats; a script counts once, plus the commands it runs inside), and the round trips:
  the script calls and other top-level commands.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import anyio
from bench_store import event_rates, queue_rate  # benchmarks/, on the path when this file runs

from faaslib import App
from faaslib.stores import open_store

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Commands a client sends itself (the rest run inside scripts): the round trips.
TOP_LEVEL = {"evalsha", "eval", "evalsha_ro", "eval_ro", "script", "ping", "hello", "client"}


@contextmanager
def redis_server(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("no redis-server on PATH: install it, or give --redis URL")
    sys.path.insert(0, ROOT)  # the suite's server helper, from the checkout this file is in
    from tests.redis_server import running

    with running(Path(tempfile.mkdtemp()), binary) as started:
        yield started


def fresh(url: str) -> str:
    return f"{url}?prefix=bench{uuid.uuid4().hex[:8]}"


def command_stats(url: str) -> dict[str, int]:
    """Calls of each command the server has run since it started."""
    import redis

    info = redis.Redis.from_url(url).info("commandstats")
    return {name.removeprefix("cmdstat_"): int(stats["calls"]) for name, stats in info.items()}


def calls_between(before: dict[str, int], after: dict[str, int]) -> tuple[int, int]:
    """(round trips, all commands) run between two `command_stats`, less the INFO itself."""
    delta = {name: after[name] - before.get(name, 0) for name in after}
    delta["info"] = delta.get("info", 0) - 1
    trips = sum(count for name, count in delta.items() if name.split("|")[0] in TOP_LEVEL)
    return trips, sum(delta.values())


# -- worker processes -------------------------------------------------------------------------

FAASLIB_WORKER = """
import signal, sys, time, anyio
from faaslib import App

async def main():
    app = App("bench", store=sys.argv[1])
    work = app.queue("work", visibility_timeout=60)
    handled, latencies, moments = 0, [], []

    @app.on_queue("work", batch_size=int(sys.argv[2]))
    async def handler(event, context):
        nonlocal handled
        handled += len(event["Records"])
        now = time.time()
        moments.append(now)
        latencies.extend(now - float(record["body"]) for record in event["Records"])

    async with app:
        if sys.argv[3] == "serve":  # until told to stop
            with anyio.open_signal_receiver(signal.SIGTERM) as signals:
                async for _ in signals:
                    break
        idle = 0
        while idle < 3:  # empty on three looks in a row: the queue is drained
            await anyio.sleep(0.05)
            empty = not (work.approximate_number_of_messages
                         or work.approximate_number_of_messages_not_visible)
            idle = idle + 1 if empty else 0
    span = f"{min(moments, default=0):.6f} {max(moments, default=0):.6f}"
    print(handled, span, " ".join(f"{value:.6f}" for value in latencies), flush=True)

anyio.run(main)
"""

ARQ_WORKER = """
import sys, time
from arq.connections import RedisSettings
from arq.worker import run_worker

latencies, moments = [], []

async def task(ctx, sent):
    now = time.time()
    moments.append(now)
    latencies.append(now - sent)

class Settings:
    functions = [task]
    redis_settings = RedisSettings.from_dsn(sys.argv[1])
    queue_name = sys.argv[2]
    burst = sys.argv[3] == "drain"  # else until SIGTERM
    max_jobs = 100
    keep_result = 0
    poll_delay = 0.01

worker = run_worker(Settings)
span = f"{min(moments, default=0):.6f} {max(moments, default=0):.6f}"
print(worker.jobs_complete, span, " ".join(f"{value:.6f}" for value in latencies), flush=True)
"""


def collect(children: list[subprocess.Popen[str]]) -> tuple[int, float, list[float]]:
    """(items handled, seconds from the first handled to the last, send-to-handler latencies)
    over the worker processes: the span leaves out their start-up."""
    handled, latencies, firsts, lasts = 0, [], [], []
    for child in children:
        out = child.communicate()[0].split()
        handled += int(out[0])
        if int(out[0]):
            firsts.append(float(out[1]))
            lasts.append(float(out[2]))
        latencies.extend(float(value) for value in out[3:])
    return handled, max(lasts) - min(firsts), latencies


async def fill_faaslib(store: str, count: int) -> None:
    backend = open_store(store)
    try:
        async with backend.connected():  # type: ignore[union-attr]
            queue = App("bench", store=backend).queue("work", visibility_timeout=60)
            for _ in range(0, count, 10):
                await queue.send_batch(
                    [{"id": str(n), "body": repr(time.time())} for n in range(10)]
                )
    finally:
        backend.close()


async def fill_arq(url: str, queue_name: str, count: int) -> None:
    from arq import create_pool
    from arq.connections import RedisSettings

    pool = await create_pool(RedisSettings.from_dsn(url))
    try:
        for _ in range(count):
            await pool.enqueue_job("task", time.time(), _queue_name=queue_name)
    finally:
        await pool.aclose()


def drain(url: str, count: int, workers: int, peer: str) -> tuple[float, int]:
    """(tasks per second, handled more than once) for `workers` processes draining `count`."""
    store = fresh(url)
    queue_name = f"arq:{uuid.uuid4().hex[:8]}"
    if peer == "faaslib":
        anyio.run(fill_faaslib, store, count)
        command = [sys.executable, "-c", FAASLIB_WORKER, store, "10", "drain"]
    else:
        anyio.run(fill_arq, url, queue_name, count)
        command = [sys.executable, "-c", ARQ_WORKER, url, queue_name, "drain"]
    children = [
        subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(workers)
    ]
    handled, took, _ = collect(children)
    return count / took, handled - count


async def pace_faaslib(store: str, rate: float, seconds: float) -> None:
    backend = open_store(store)
    try:
        async with backend.connected():  # type: ignore[union-attr]
            queue = App("bench", store=backend).queue("work", visibility_timeout=60)
            for _ in range(int(rate * seconds)):
                await queue.send(repr(time.time()))
                await anyio.sleep(1 / rate)
    finally:
        backend.close()


async def pace_arq(url: str, queue_name: str, rate: float, seconds: float) -> None:
    from arq import create_pool
    from arq.connections import RedisSettings

    pool = await create_pool(RedisSettings.from_dsn(url))
    try:
        for _ in range(int(rate * seconds)):
            await pool.enqueue_job("task", time.time(), _queue_name=queue_name)
            await anyio.sleep(1 / rate)
    finally:
        await pool.aclose()


def latency(url: str, peer: str, rate: float, seconds: float) -> tuple[float, float]:
    """Send-to-handler p50 and p99 in ms, one worker, a producer at `rate` per second."""
    store = fresh(url)
    queue_name = f"arq:{uuid.uuid4().hex[:8]}"
    if peer == "faaslib":
        command = [sys.executable, "-c", FAASLIB_WORKER, store, "1", "serve"]
    else:
        command = [sys.executable, "-c", ARQ_WORKER, url, queue_name, "serve"]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    time.sleep(1.5)  # the worker is up and polling
    if peer == "faaslib":
        anyio.run(pace_faaslib, store, rate, seconds)
    else:
        anyio.run(pace_arq, url, queue_name, rate, seconds)
    time.sleep(0.5)
    child.terminate()
    _, _, latencies = collect([child])
    cuts = statistics.quantiles(latencies, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


def round_trips(url: str, count: int) -> list[tuple[str, float, float]]:
    """Round trips and commands per item: an Event invocation accepted and run, a message sent
    alone and handled at batch 1, and a message sent and handled in batches of 10."""
    rows = []
    for label, work in (
        ("Event invocation", lambda store: event_rates(store, count)),
        ("message, batch 1", lambda store: queue_rate(store, count, 1)),
        ("message, batch 10", lambda store: queue_rate(store, count, 10)),
    ):
        store = fresh(url)
        before = command_stats(url)
        anyio.run(work, store)
        trips, commands = calls_between(before, command_stats(url))
        rows.append((label, trips / count, commands / count))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--redis", help="a Redis server's URL (default: start one)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the items")
    arguments = parser.parse_args()
    scale = 10 if arguments.quick else 1
    with redis_server(arguments.redis) as url:
        print(f"# faaslib on Redis — {platform.python_version()}, {os.cpu_count()} cores, {url}")
        print("\n## One process (asyncio)\n")
        print(
            "| store  | Event accepted/s | Event completed/s | sent/s (batch 10) | "
            "send→handler/s batch 1 | batch 10 |"
        )
        print(
            "| ------ | ---------------: | ----------------: | ----------------: | "
            "---------------------: | -------: |"
        )
        for label, store in (("memory", "memory"), ("redis", None)):
            count = 20_000 // scale if label == "memory" else 5_000 // scale
            accepted, completed = anyio.run(event_rates, store or fresh(url), count)
            sent, batch1 = anyio.run(queue_rate, store or fresh(url), count, 1)
            _, batch10 = anyio.run(queue_rate, store or fresh(url), count, 10)
            print(
                f"| {label} | {accepted:,.0f} | {completed:,.0f} | {sent:,.0f} | "
                f"{batch1:,.0f} | {batch10:,.0f} |"
            )

        print("\n## Worker processes draining one queue (trivial task)\n")
        print(
            "| workers | faaslib tasks/s (batch 10) | handled twice | arq tasks/s | handled twice |"
        )
        print(
            "| ------: | -------------------------: | ------------: | ----------: | ------------: |"
        )
        count = 20_000 // scale
        for workers in (1, 2, 4):
            ours, ours_twice = drain(url, count, workers, "faaslib")
            theirs, theirs_twice = drain(url, count, workers, "arq")
            print(f"| {workers} | {ours:,.0f} | {ours_twice} | {theirs:,.0f} | {theirs_twice} |")

        rate, seconds = 500.0, 6.0 / scale
        print(f"\n## Latency, send to handler (one worker, {rate:.0f} sends/s)\n")
        print("| peer | p50 ms | p99 ms |")
        print("| ---- | -----: | -----: |")
        for peer in ("faaslib", "arq"):
            p50, p99 = latency(url, peer, rate, seconds)
            print(f"| {peer} | {p50:.2f} | {p99:.2f} |")

        print("\n## Redis calls per item (one process)\n")
        print("| item | round trips | commands run (scripts' inner ones included) |")
        print("| ---- | ----------: | -----------------------------------------: |")
        for label, trips, commands in round_trips(url, 2_000 // scale):
            print(f"| {label} | {trips:.2f} | {commands:.2f} |")


if __name__ == "__main__":
    main()
