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


def cancellations_pending() -> int:
    """The current task's pending cancellation requests (asyncio ≥ 3.11), else 0."""
    try:
        import asyncio

        task = asyncio.current_task()
    except RuntimeError:  # trio
        return 0
    cancelling = getattr(task, "cancelling", None)
    return cancelling() if cancelling is not None else 0


async def test_a_handler_that_swallows_its_deadline_leaves_its_caller_uncancelled() -> None:
    app = App()
    swallowed = []

    @app.function(timeout=0.05)
    async def stubborn(event: Any, context: Context) -> str:
        try:
            await anyio.sleep(10)
        except anyio.get_cancelled_exc_class():
            swallowed.append(True)
        return "finished anyway"

    async with app:
        results = []
        for _ in range(2):
            results.append(await app.invoke("stubborn"))
            assert cancellations_pending() == 0
            await anyio.sleep(0.01)  # the caller goes on: no cancellation is left for it
    assert swallowed == [True, True]
    assert [result.payload["errorType"] for result in results] == ["Sandbox.Timedout"] * 2
    assert app.metrics("stubborn")["ConcurrentExecutions"]["now"] == 0


async def test_a_caller_cancelled_as_its_invocation_times_out_stays_cancelled() -> None:
    app = App()
    outer = anyio.CancelScope()
    finished = []

    @app.function(timeout=0.05)
    async def cancels_its_caller(event: Any, context: Context) -> None:
        try:
            await anyio.sleep(10)
        except anyio.get_cancelled_exc_class():
            outer.cancel()  # the caller is cancelled too, while the deadline's cancellation runs
            raise

    async with app:
        with outer:
            await app.invoke("cancels_its_caller")
            await anyio.lowlevel.checkpoint()
            finished.append(True)
        assert outer.cancelled_caught
        assert cancellations_pending() == 0
        assert app.metrics("cancels_its_caller")["ConcurrentExecutions"]["now"] == 0
        assert pending(app) == 0
    assert finished == []


async def test_a_task_group_in_a_handler_is_cancelled_at_the_deadline() -> None:
    app = App()
    children_cleaned = []

    async def child() -> None:
        try:
            await anyio.sleep(10)
        finally:
            children_cleaned.append(True)

    @app.function(timeout=0.05)
    async def fans_out(event: Any, context: Context) -> None:
        async with anyio.create_task_group() as tasks:
            for _ in range(3):
                tasks.start_soon(child)

    async with app:
        start = time.monotonic()
        result = await app.invoke("fans_out")
        elapsed = time.monotonic() - start
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert children_cleaned == [True, True, True]
    assert elapsed < 1


async def test_many_invocations_time_out_while_others_succeed_in_the_same_task() -> None:
    app = App()

    @app.function(timeout=0.02)
    async def sometimes_slow(event: Any, context: Context) -> str:
        if event["slow"]:
            await anyio.sleep(1)
        await anyio.lowlevel.checkpoint()
        return "ok"

    async with app:
        outcomes = []
        for n in range(20):
            result = await app.invoke("sometimes_slow", {"slow": n % 4 == 0})
            payload = result.payload
            outcomes.append(payload if payload == "ok" else payload["errorType"])
            assert cancellations_pending() == 0
    assert outcomes == ["Sandbox.Timedout" if n % 4 == 0 else "ok" for n in range(20)]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_native_cancellation_of_the_caller_is_not_taken_for_the_deadline() -> None:
    import asyncio

    app = App()

    @app.function(timeout=0.05)
    async def cancels_its_caller(event: Any, context: Context) -> None:
        try:
            await anyio.sleep(10)
        except asyncio.CancelledError:
            task = asyncio.current_task()  # the caller's: the handler runs in it
            assert task is not None
            # While the handler cleans up, its caller is cancelled natively, as asyncio.timeout()
            # or a server's disconnect would.
            asyncio.get_running_loop().call_soon(task.cancel)
            await asyncio.sleep(0)
            raise

    outcome: list[Any] = []

    async def call() -> None:
        task = asyncio.current_task()
        assert task is not None
        try:
            outcome.append(await app.invoke("cancels_its_caller"))
        except asyncio.CancelledError:
            outcome.append(("cancelled", task.uncancel()))

    async with app:
        await asyncio.ensure_future(call())
        assert app.metrics("cancels_its_caller")["ConcurrentExecutions"]["now"] == 0
        assert pending(app) == 0
    assert outcome == [("cancelled", 0)]  # the one request left was the caller's own


async def test_the_deadline_reaches_a_shielded_wait_on_asyncio_only(anyio_backend: str) -> None:
    app = App()

    @app.function(timeout=0.05)
    async def shields(event: Any, context: Context) -> str:
        with anyio.CancelScope(shield=True):
            await anyio.sleep(0.4)
        return "done"

    async with app:
        start = time.monotonic()
        result = await app.invoke("shields")
        elapsed = time.monotonic() - start
    assert result.payload["errorType"] == "Sandbox.Timedout"  # past its deadline either way
    if anyio_backend == "asyncio":  # the task is cancelled natively, as Lambda stops a runtime
        assert elapsed < 0.35
    else:  # trio's cancel scope respects the handler's shield
        assert elapsed >= 0.4
