"""The stores side by side, in one run: memory (the default) against SQLite, with SQLite's own
floor beside them.

    python benchmarks/bench_store.py                 # asyncio
    python benchmarks/bench_store.py --backend trio
    python benchmarks/bench_store.py --quick         # fewer items, a smoke check

Rows: Event invocations of a trivial async handler, accepted (202s answered) and completed per
second; queue messages sent (batches of 10) and sent-to-handled through `@app.on_queue` at
batch 1 and 10, per second; how long one operation holds the event loop (a send, a receive of
10), p50 and p99; and the floor: one bare `INSERT` + `COMMIT` in the same file, the least a
durable acceptance can cost. SQLite runs with `synchronous=NORMAL` (the default: a kill loses
nothing, a power cut may lose the last transactions) and `FULL` (an fsync per commit). The
files are written under ~/.cache/faaslib (a real disk; /tmp may be memory).
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from faaslib import App
from faaslib.stores import Backend, MemoryBackend, SQLiteBackend

EVENT = {"order": 1, "items": ["a", "b"]}
FOLDER = Path(os.environ.get("FAASLIB_CACHE_DIR", Path.home() / ".cache" / "faaslib"))


async def trivial(event: Any, context: Any) -> Any:
    return event


def stores(folder: Path) -> list[tuple[str, Any]]:
    """(label, a maker of a fresh backend) for each store measured."""
    counter = iter(range(1_000_000))

    def sqlite(synchronous: str) -> Any:
        return lambda: SQLiteBackend(folder / f"bench-{next(counter)}.db", synchronous=synchronous)

    return [
        ("memory", MemoryBackend),
        ("sqlite (synchronous=NORMAL)", sqlite("NORMAL")),
        ("sqlite (synchronous=FULL)", sqlite("FULL")),
    ]


async def event_rates(store: Backend | str, count: int) -> tuple[float, float]:
    """Event invocations of a trivial handler accepted (202s answered) and completed per
    second."""
    app = App("bench", concurrency=1000, store=store)
    app.function(name="trivial")(trivial)
    async with app:
        start = time.perf_counter()
        for _ in range(count):
            await app.invoke("trivial", EVENT, invocation_type="Event")
        accepted = time.perf_counter() - start
        await app.wait_idle()
        completed = time.perf_counter() - start
        assert app.metrics("trivial")["AsyncEventOutcomes"]["Success"] == count
    return count / accepted, count / completed


async def queue_rates(make: Any, count: int) -> tuple[float, float, float]:
    """Messages sent per second (batches of 10), and sent-to-handled per second through
    `@app.on_queue` at batch 1 and at batch 10 (sending while the app runs)."""
    sent_1, batch_1 = await queue_rate(make(), count, 1)
    sent_10, batch_10 = await queue_rate(make(), count, 10)
    return max(sent_1, sent_10), batch_1, batch_10


async def queue_rate(store: Backend | str, count: int, batch_size: int) -> tuple[float, float]:
    """Messages sent per second (batches of 10, while the app runs), and sent-to-handled per
    second through `@app.on_queue` at `batch_size`."""
    app = App("bench", store=store)
    queue = app.queue("work")
    handled = 0

    async def handler(event: Any, context: Any) -> None:
        nonlocal handled
        handled += len(event["Records"])

    app.on_queue("work", batch_size=batch_size)(handler)
    async with app:
        start = time.perf_counter()
        for first in range(0, count, 10):
            await queue.send_batch([{"id": str(n), "body": str(first + n)} for n in range(10)])
        sent = time.perf_counter() - start
        await app.wait_idle()
        took = time.perf_counter() - start
    assert handled == count, (handled, count)
    assert queue.counters.deleted == count
    return count / sent, count / took


def hold_times(backend: Backend, count: int) -> tuple[float, float, float, float]:
    """Microseconds one send and one receive of 10 hold the loop: p50 and p99 of each."""
    app = App("bench", store=backend)
    queue = app.queue("hold")
    sends: list[float] = []
    receives: list[float] = []
    for number in range(count):
        start = time.perf_counter()
        queue._send_now(str(number))
        sends.append(time.perf_counter() - start)
    for _ in range(count // 10):
        start = time.perf_counter()
        queue._receive_now(10)
        receives.append(time.perf_counter() - start)

    def p(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] * 1e6

    return p(sends, 50), p(sends, 99), p(receives, 50), p(receives, 99)


def floor(folder: Path, count: int, synchronous: str) -> float:
    """Microseconds of a bare INSERT + COMMIT of a 100-byte row, WAL mode."""
    path = folder / f"floor-{synchronous}.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={synchronous}")
    connection.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body BLOB)")
    body = b"x" * 100
    start = time.perf_counter()
    for _ in range(count):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO rows (body) VALUES (?)", (body,))
        connection.execute("COMMIT")
    took = time.perf_counter() - start
    connection.close()
    return took / count * 1e6


WORKER = """
import sys, anyio
from faaslib import App

async def main():
    app = App("bench", store=f"sqlite:///{sys.argv[1]}")
    work = app.queue("work", visibility_timeout=60)
    handled = 0

    @app.on_queue("work", batch_size=10)
    async def handler(event, context):
        nonlocal handled
        handled += len(event["Records"])
        await anyio.sleep(float(sys.argv[2]))  # the handler's own I/O

    async with app:
        while work.approximate_number_of_messages or (
            work.approximate_number_of_messages_not_visible
        ):
            await anyio.sleep(0.05)
    print(handled, flush=True)

anyio.run(main)
"""


def worker_rates(folder: Path, count: int, io_seconds: float) -> list[tuple[int, float, int]]:
    """Messages handled per second by 1, 2 and 4 worker processes sharing one SQLite file,
    the queue filled before they start: (workers, messages/s, messages handled twice)."""
    rates = []
    for workers in (1, 2, 4):
        path = folder / f"workers-{workers}-{io_seconds}.db"
        backend = SQLiteBackend(path)
        queue = App("bench", store=backend).queue("work", visibility_timeout=60)
        for first in range(0, count, 10):
            queue._send_batch_now([{"id": str(n), "body": str(first + n)} for n in range(10)])
        backend.close()
        start = time.perf_counter()
        children = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, str(path), str(io_seconds)],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(workers)
        ]
        handled = sum(int(child.communicate()[0]) for child in children)
        took = time.perf_counter() - start
        rates.append((workers, count / took, handled - count))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--quick", action="store_true", help="a tenth of the items")
    arguments = parser.parse_args()
    backend = arguments.backend
    events = 2_000 if arguments.quick else 20_000
    messages = 2_000 if arguments.quick else 20_000
    FOLDER.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=FOLDER) as name:
        folder = Path(name)
        print(
            f"stores — Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
            f"{backend}, {platform.machine()}, {os.cpu_count()} cores; files in {FOLDER}"
        )
        print(
            f"\n{'store':<30} {'events/s':>9} {'events/s':>9} {'sent/s':>9} "
            f"{'handled/s':>9} {'handled/s':>9} {'send µs':>13} {'receive µs':>13}"
        )
        print(
            f"{'':<30} {'accepted':>9} {'completed':>9} {'(batch 10)':>9} "
            f"{'batch 1':>9} {'batch 10':>9} {'p50 / p99':>13} {'p50 / p99':>13}"
        )
        print("-" * 108)
        for label, make in stores(folder):
            accepted, completed = anyio.run(event_rates, make(), events, backend=backend)
            sent, batch_1, batch_10 = anyio.run(queue_rates, make, messages, backend=backend)
            send_50, send_99, receive_50, receive_99 = hold_times(make(), 5_000)
            print(
                f"{label:<30} {accepted:>9,.0f} {completed:>9,.0f} {sent:>9,.0f} "
                f"{batch_1:>9,.0f} {batch_10:>9,.0f} {f'{send_50:.0f} / {send_99:.0f}':>13} "
                f"{f'{receive_50:.0f} / {receive_99:.0f}':>13}"
            )
        print()
        for synchronous in ("NORMAL", "FULL"):
            cost = floor(folder, 5_000, synchronous)
            print(
                f"floor: bare INSERT + COMMIT, synchronous={synchronous}: {cost:,.1f} µs "
                f"({1e6 / cost:,.0f} transactions/s)"
            )
        print(
            f"\nworker processes on one SQLite file ({messages:,} messages queued before they "
            "start, @app.on_queue batch 10; each process's start, about 0.4 s, included)"
        )
        for io_seconds in (0.0, 0.005):
            kind = (
                "trivial handler" if not io_seconds else f"handler waiting {io_seconds * 1000:g} ms"
            )
            for workers, rate, twice in worker_rates(folder, messages, io_seconds):
                print(
                    f"  {kind:<26} {workers} process(es): {rate:>9,.0f} msgs/s"
                    f"   handled twice: {twice}"
                )


if __name__ == "__main__":
    main()
