"""faaslib's invoke path beside its baselines and peers, measured in one run.

    python benchmarks/run.py                 # asyncio, the full table
    python benchmarks/run.py --backend trio
    python benchmarks/run.py --quick         # fewer iterations, for a smoke check

Every figure is the best of several rounds (the least disturbed by the rest of the machine),
in microseconds per sequential invocation of a trivial handler. Ratios compare each faaslib
figure with the baseline that does the least it must also do: a direct await, a bare
`anyio.CancelScope(deadline=...)` around the await (the timeout faaslib enforces), and
`anyio.to_thread.run_sync` (the thread hand-off a sync handler needs). Peers run only when
installed (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import logging
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import anyio.to_thread

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
    rows = anyio.run(run, arguments.iterations, arguments.rounds, backend=arguments.backend)
    print(
        f"faaslib invoke path — Python {platform.python_version()}, {arguments.backend}, "
        f"{platform.machine()}, {arguments.iterations:,} iterations x {arguments.rounds} rounds "
        f"(thread rows: a tenth), best round"
    )
    print(table(rows))


if __name__ == "__main__":
    sys.exit(main())
