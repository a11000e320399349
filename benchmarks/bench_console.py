"""What the console costs the invoke path: `app.invoke` of a trivial async handler with no
console, beside the same with the console served (uvicorn, in the same event loop, on
127.0.0.1) and a live client following the invocations (server-sent events, read by a
separate process, as a browser would), in interleaved rounds: each round runs both rows, in
turn first, so a disturbance of the machine falls on both alike.

"Not mounted" is the invoke path as every app has it: the executor's one test of an empty
tuple of listeners (timed on its own below). The target (issue 26): under 5% when open,
nothing when not mounted. asyncio only (uvicorn's loop). Run alone:
`python benchmarks/bench_console.py [--rounds 41] [--invocations 50000]` (this process on the
first core, the client on the last).
"""

from __future__ import annotations

import argparse
import gc
import os
import socket
import statistics
import sys
import textwrap
import time
import timeit
from collections.abc import Callable
from typing import Any

import anyio
import anyio.abc
import uvicorn

from faaslib import App
from faaslib.console import Console
from faaslib.executor import record as records

EVENT = {"order": 1, "items": ["a", "b"]}

# The live client: a process reading the stream, counting the invocations it is sent.
CLIENT = textwrap.dedent(
    """
    import os, sys, httpx
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})  # the last core: its own
    seen = 0
    with httpx.stream("GET", sys.argv[1], timeout=None) as answer:
        print("connected", flush=True)
        try:
            for line in answer.iter_lines():
                seen += line.startswith("event: invocation")
        except (httpx.HTTPError, KeyboardInterrupt):
            pass
    """
)


async def trivial(event: Any, context: Any) -> Any:
    return event


async def timed_invokes(app: App, count: int) -> tuple[float, float]:
    """µs per `app.invoke`, over `count` of them back to back: in wall-clock time, and in this
    process's CPU time (which the console's own work, its listener and its sends to the live
    client on this loop, adds to; the client's reading, in its own process, does not)."""
    invoke = app.invoke
    gc.collect()  # a collection of an earlier round's garbage falls on none
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        await invoke("trivial", EVENT)
    wall = (time.perf_counter() - start) / count * 1e6
    return wall, (time.process_time() - cpu) / count * 1e6


class ServedConsole:
    """The console under uvicorn in this event loop, and a client process following it."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.server: uvicorn.Server | None = None
        self.client: anyio.abc.Process | None = None
        # The console's lifespan: its feed and its sampler (the app runs already: left alone).
        self.lifespan = console.lifespan()

    async def open(self, tasks: anyio.abc.TaskGroup) -> None:
        await self.lifespan.__aenter__()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(self.console, lifespan="off", log_level="warning")
        self.server = uvicorn.Server(config)
        tasks.start_soon(self.server.serve, [sock])
        await until(lambda: self.server is not None and self.server.started)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/api/invocations/stream"
        self.client = await anyio.open_process([sys.executable, "-c", CLIENT, url])
        await until(lambda: self.console.streams >= 1)  # connected, and followed

    async def close(self) -> None:
        assert self.server is not None
        assert self.client is not None
        self.client.terminate()
        await self.client.wait()
        self.server.should_exit = True
        await until(lambda: not self.console.streams)
        await anyio.sleep(0.2)  # uvicorn's own shutdown
        await self.lifespan.__aexit__(None, None, None)  # no listener remains


async def until(condition: Callable[[], bool]) -> None:
    """Wait for a flag uvicorn or the console sets (they have no event to wait on)."""
    while not condition():  # noqa: ASYNC110 - flags of theirs, with no event to wait on
        await anyio.sleep(0.01)


async def measure(rounds: int, invocations: int) -> dict[str, list[tuple[float, float]]]:
    app = App("bench")
    app.function(name="trivial")(trivial)
    console = Console(app)
    figures: dict[str, list[tuple[float, float]]] = {"not mounted": [], "open, live client": []}
    async with app, anyio.create_task_group() as tasks:
        await timed_invokes(app, invocations)  # warm: instances, caches
        for number in range(rounds):
            order = list(figures) if number % 2 == 0 else list(reversed(figures))
            for row in order:
                if row == "not mounted":
                    assert records.listeners == ()
                    figures[row].append(await timed_invokes(app, invocations))
                    continue
                served = ServedConsole(console)
                await served.open(tasks)
                assert records.listeners != ()
                figures[row].append(await timed_invokes(app, invocations))
                await anyio.sleep(0.5)  # the client is sent what it has not seen yet
                await served.close()
        tasks.cancel_scope.cancel()
    return figures


def listener_ns() -> float:
    """ns per call of the console's listener itself (an invocation of the app's function)."""

    async def measure_listener() -> float:
        app = App("bench")
        app.function(name="trivial")(trivial)
        console = Console(app)
        async with console.lifespan():
            await app.invoke("trivial", EVENT)
            [listener] = records.listeners
            function = app._functions["trivial"]
            result = await app.invoke("trivial", EVENT)
            number = 200_000
            start = time.perf_counter()
            for _ in range(number):
                listener(function, result)
            return (time.perf_counter() - start) / number * 1e9

    return anyio.run(measure_listener, backend="asyncio")


def empty_listeners_ns() -> float:
    """ns per `if listeners:` on the empty tuple: all the executor does without a console."""
    number = 2_000_000
    timer = timeit.Timer("if records.listeners: pass", globals={"records": records})
    return min(timer.repeat(5, number)) / number * 1e9


def _own_core() -> None:
    """Keep this process on the first core and the client on the last (a browser is another
    process, on another core): without it the scheduler moves them about and one row's rounds
    spread from 6.8 to 11 µs between runs minutes apart."""
    if hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) > 1:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def main() -> None:
    _own_core()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--invocations", type=int, default=50_000)
    args = parser.parse_args()
    figures = anyio.run(measure, args.rounds, args.invocations, backend="asyncio")
    seam, listener = empty_listeners_ns(), listener_ns()
    print(f"{args.rounds} interleaved rounds of {args.invocations:,} app.invoke (async handler)")
    print(f"{'row':<22}{'median µs':>10}{'best µs':>10}{'CPU median':>12}{'CPU best':>10}")
    for row, values in figures.items():
        wall, cpu = [v[0] for v in values], [v[1] for v in values]
        print(
            f"{row:<22}{statistics.median(wall):>10.2f}{min(wall):>10.2f}"
            f"{statistics.median(cpu):>12.2f}{min(cpu):>10.2f}"
        )
    closed, opened = figures["not mounted"], figures["open, live client"]
    for kind, at in (("wall-clock", 0), ("CPU", 1)):
        ratios = [o[at] / c[at] for o, c in zip(opened, closed, strict=True)]
        median_of_rows = statistics.median(o[at] for o in opened) / statistics.median(
            c[at] for c in closed
        )
        best = min(o[at] for o in opened) / min(c[at] for c in closed)
        print(
            f"console open, {kind}: {(median_of_rows - 1) * 100:+.1f}% (medians), "
            f"{(best - 1) * 100:+.1f}% (best), {(statistics.median(ratios) - 1) * 100:+.1f}% "
            f"(median of the rounds' ratios: {', '.join(f'{(r - 1) * 100:+.0f}%' for r in ratios)})"
            "; target < 5%"
        )
    best_closed = min(c[0] for c in closed)
    closed_median = statistics.median(c[0] for c in closed)
    print(
        f"the console's listener alone: {listener:.0f} ns per invocation "
        f"({listener / (best_closed * 1000) * 100:.1f}% of the best invoke)"
    )
    print(
        f"not mounted: the executor's test of no listeners, {seam:.1f} ns per invocation "
        f"({seam / (closed_median * 1000) * 100:.2f}% of an invoke)"
    )


if __name__ == "__main__":
    main()
