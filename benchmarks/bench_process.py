"""Process instances beside the in-process path, in one run.

    python benchmarks/bench_process.py                 # asyncio
    python benchmarks/bench_process.py --backend trio
    python benchmarks/bench_process.py --quick         # fewer iterations, a smoke check

Rows: the warm invoke latency (p50, p99) of a trivial Python handler in a process instance
(awslambdaric behind faaslib's Runtime API) and in process (sync: a worker thread; async: the
loop); cold start (spawn to the runtime's first `/next`: Lambda's Init Duration); invocations
per second of a CPU-bound handler with 2 and 8 instances, process against in-process threads
(which share one GIL, so only processes scale with cores); the memory of an idle instance
(the resident set of its process; in process, the heap an instance keeps).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import textwrap
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio

from faaslib import App

HANDLERS = textwrap.dedent(
    """
    import os

    def trivial(event, context):
        return event

    def busy(event, context):
        total = 0
        for number in range(event["n"]):
            total += number * number
        return os.getpid()
    """
)
EVENT = {"order": 1, "items": ["a", "b"]}
BUSY_N = 300_000  # about 20 ms of one core in CPython


def trivial(event: Any, context: Any) -> Any:
    return event


async def trivial_async(event: Any, context: Any) -> Any:
    return event


def busy(event: Any, context: Any) -> int:
    total = 0
    for number in range(event["n"]):
        total += number * number
    return os.getpid()


async def latencies(call: Callable[[], Awaitable[Any]], iterations: int) -> tuple[float, float]:
    """p50 and p99 of `call`, in microseconds, after a warm-up."""
    for _ in range(min(iterations, 300)):
        await call()
    samples = []
    for _ in range(iterations):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return samples[len(samples) // 2] * 1e6, samples[int(len(samples) * 0.99)] * 1e6


async def throughput(app: App, name: str, concurrency: int, seconds: float) -> float:
    """Invocations per second of `name` with `concurrency` callers, each keeping one in flight."""
    count = 0
    stop = time.perf_counter() + seconds

    async def caller() -> None:
        nonlocal count
        while time.perf_counter() < stop:
            await app.call(name, {"n": BUSY_N})
            count += 1

    async with anyio.create_task_group() as tasks:  # warm every instance first
        for _ in range(concurrency):
            tasks.start_soon(app.call, name, {"n": 1})
    started = time.perf_counter()
    async with anyio.create_task_group() as tasks:
        for _ in range(concurrency):
            tasks.start_soon(caller)
    return count / (time.perf_counter() - started)


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def run(iterations: int, seconds: float, code: Path) -> list[tuple[str, str, str]]:
    app = App("bench-process", concurrency=100)
    app.add_function("trivial", handler="handlers.trivial", code=code, isolation="process")
    app.add_function("busy", handler="handlers.busy", code=code, isolation="process", timeout=60)
    for index in range(10):
        app.add_function(f"cold{index}", handler="handlers.trivial", code=code, isolation="process")
    app.function(name="in_sync")(trivial)
    app.function(name="in_async")(trivial_async)
    app.function(name="in_busy", timeout=60)(busy)
    rows: list[tuple[str, str, str]] = []
    async with app:
        for name, label in (
            ("trivial", "process instance (awslambdaric)"),
            ("in_sync", "in-process, sync handler"),
            ("in_async", "in-process, async handler"),
        ):
            p50, p99 = await latencies(lambda name=name: app.call(name, EVENT), iterations)
            rows.append((f"warm invoke, {label}", f"{p50:.0f} us", f"p99 {p99:.0f} us"))

        inits = []
        for index in range(10):
            result = await app.invoke(f"cold{index}", EVENT)
            assert result.init_duration_ms is not None
            inits.append(result.init_duration_ms)
        rows.append(
            (
                "cold start, spawn to first /next",
                f"{statistics.median(inits):.1f} ms",
                f"min {min(inits):.1f}, max {max(inits):.1f} ms (Init Duration)",
            )
        )

        for concurrency in (1, 2, 8):
            process = await throughput(app, "busy", concurrency, seconds)
            threads = await throughput(app, "in_busy", concurrency, seconds)
            rows.append(
                (
                    f"CPU-bound ({BUSY_N:,} squares), {concurrency} instance(s)",
                    f"{process:.1f}/s process",
                    f"{threads:.1f}/s in-process threads ({process / threads:.2f}x)",
                )
            )

        pids: set[int] = set()

        async def remember_pid() -> None:
            pids.add(await app.call("busy", {"n": 1}))

        async with anyio.create_task_group() as tasks:  # the 8 instances made above, idle now
            for _ in range(8):
                tasks.start_soon(remember_pid)
        sizes = [rss_mb(pid) for pid in pids]
        rows.append(
            (
                "memory of an idle instance (RSS)",
                f"{statistics.median(sizes):.1f} MB",
                f"{len(sizes)} processes; in process an instance is an object",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", default="asyncio", choices=["asyncio", "trio"])
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args()
    iterations, seconds = (300, 0.5) if options.quick else (3000, 3.0)
    # Not under /tmp: an instance's /tmp is then its own disk, as users' code gets it (code
    # under /tmp would be hidden by that disk, and instances would fall back to a folder).
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "faaslib"
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as folder:
        code = Path(folder)
        (code / "handlers.py").write_text(HANDLERS)
        rows = anyio.run(run, iterations, seconds, code, backend=options.backend)
    print(
        f"faaslib process instances, {options.backend}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}"
    )
    width = max(len(row[0]) for row in rows)
    for name, figure, note in rows:
        print(f"  {name:<{width}}  {figure:>16}  {note}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
