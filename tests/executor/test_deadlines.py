"""Deadlines on the app's shared timer (real clock, inside `async with app`)."""

from __future__ import annotations

import threading
import time
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from faaslib import App, Context, InvocationResult

pytestmark = pytest.mark.anyio


def pending(app: App) -> int:
    return sum(len(queue) for queue in app._runner.deadlines._queues.values())


async def timed(app: App, name: str, results: dict[str, tuple[float, InvocationResult]]) -> None:
    start = time.monotonic()
    result = await app.invoke(name)
    results[name] = (time.monotonic() - start, result)


async def test_each_invocation_times_out_at_its_own_deadline() -> None:
    app = App()

    @app.function(timeout=5)
    async def patient(event: Any, context: Context) -> str:
        await anyio.sleep(0.3)
        return "done"

    @app.function(timeout=0.05)
    async def hasty(event: Any, context: Context) -> None:
        await anyio.sleep(10)

    @app.function(timeout=0.15)
    async def middling(event: Any, context: Context) -> None:
        await anyio.sleep(10)

    results: dict[str, tuple[float, InvocationResult]] = {}
    async with app:
        assert app._runner.deadlines.running
        async with anyio.create_task_group() as tasks:
            # the longest deadline first: the later, earlier ones must wake the watcher
            tasks.start_soon(timed, app, "patient", results)
            await anyio.sleep(0.01)
            tasks.start_soon(timed, app, "middling", results)
            tasks.start_soon(timed, app, "hasty", results)
        assert pending(app) == 0
    assert results["patient"][1].payload == "done"
    for name, (lower, upper) in {"hasty": (0.05, 0.14), "middling": (0.15, 0.25)}.items():
        elapsed, result = results[name]
        assert result.payload["errorType"] == "Sandbox.Timedout"
        assert lower <= elapsed < upper, (name, elapsed)


async def test_a_sync_handler_times_out_on_the_shared_timer() -> None:
    app = App()
    release = threading.Event()

    @app.function(timeout=0.05)
    def stuck(event: Any, context: Context) -> None:
        release.wait(5)

    async with app:
        assert app._runner.deadlines.running
        start = time.monotonic()
        result = await app.invoke("stuck")
        assert time.monotonic() - start < 1
        release.set()
    assert result.payload["errorType"] == "Sandbox.Timedout"


async def test_finished_invocations_leave_nothing_behind() -> None:
    app = App()

    # a timeout no pause of a loaded machine reaches (a collection of a big heap took 0.5 s and
    # timed 45 of these out in CI): the test is of what the deadlines leave, not of timing
    @app.function(timeout=10)
    async def quick(event: Any, context: Context) -> int:
        await anyio.lowlevel.checkpoint()
        return 1

    async with app:
        async with anyio.create_task_group() as tasks:
            for _ in range(200):
                tasks.start_soon(app.invoke, "quick")
        assert pending(app) == 0
        assert app.metrics("quick")["Errors"] == 0


async def test_deadlines_still_hold_after_the_app_stops() -> None:
    app = App()

    @app.function(timeout=0.2)
    async def outlives(event: Any, context: Context) -> None:
        await anyio.sleep(10)

    results: dict[str, tuple[float, InvocationResult]] = {}
    async with anyio.create_task_group() as tasks:
        async with app:
            tasks.start_soon(timed, app, "outlives", results)
            await anyio.sleep(0.02)  # registered on the shared timer, which now stops
        assert not app._runner.deadlines.running
    elapsed, result = results["outlives"]
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert 0.2 <= elapsed < 1


async def test_invocations_outside_a_running_app_use_their_own_timer() -> None:
    app = App()

    @app.function(timeout=0.05)
    async def alone(event: Any, context: Context) -> None:
        await anyio.sleep(10)

    with anyio.fail_after(2):
        result = await app.invoke("alone")
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert not app._runner.deadlines.running
