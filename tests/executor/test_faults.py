"""Fault injection: a handler that raises, hangs, exits or is cancelled never breaks the app.

After every fault the app must still serve invocations, and every concurrency slot must come back.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from typing import Any

import anyio
import pytest

from faaslib import App, Context, InstanceCounts
from faaslib.testing import FakeClock
from tests.background import Invocations, eventually

pytestmark = pytest.mark.anyio


def in_use(app: App) -> int:
    return app._runner.admission.in_use


async def still_serves(app: App) -> None:
    @app.function(name="canary")
    def canary(event: Any, context: Context) -> str:
        return "alive"

    assert await app.call("canary") == "alive"
    assert in_use(app) == 0


async def test_async_handler_is_cancelled_at_its_deadline(app: App, clock: FakeClock) -> None:
    cancelled: list[bool] = []

    @app.function(timeout=1)
    async def hang(event: Any, context: Context) -> None:
        try:
            await clock.sleep(3600)
        except anyio.get_cancelled_exc_class():
            cancelled.append(True)
            raise

    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        running.start("hang")
        await clock.advance(0.999)
        assert running.results == []
        await clock.advance(0.001)
    result = running.results[0]
    assert cancelled == [True]
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    assert result.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert result.duration_ms == pytest.approx(1000.0)
    assert result.billed_duration_ms == 1000
    assert app.instances("hang").total == 0  # a timed-out instance is discarded
    await still_serves(app)


async def test_a_handler_that_swallows_its_cancellation_still_times_out(
    app: App, clock: FakeClock
) -> None:
    @app.function(timeout=1)
    async def stubborn(event: Any, context: Context) -> str:
        try:
            await clock.sleep(10)
        except anyio.get_cancelled_exc_class():
            pass  # a handler should not do this; Lambda would have killed it anyway
        return "late answer"

    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        running.start("stubborn")
        await clock.advance(1)
    result = running.results[0]
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert app.instances("stubborn").total == 0
    await still_serves(app)


async def test_async_handler_that_never_awaits_the_clock_times_out_on_the_real_clock() -> None:
    app = App()

    @app.function(timeout=0.05)
    async def hang(event: Any, context: Context) -> None:
        await anyio.sleep(3600)

    with anyio.fail_after(5):
        result = await app.invoke("hang")
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 0.05 seconds" in result.payload["errorMessage"]
    assert 50 <= result.duration_ms < 1000


async def test_sync_handler_ends_at_its_deadline_and_its_thread_keeps_the_slot(
    clock: FakeClock,
) -> None:
    app = App(clock=clock, concurrency=2)
    started = threading.Event()
    release = threading.Event()
    finished = threading.Event()

    @app.function(timeout=2)
    def stuck(event: Any, context: Context) -> str:
        started.set()
        release.wait(30)
        finished.set()
        return "too late"

    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        running.start("stuck")
        await anyio.to_thread.run_sync(started.wait, 10)  # the handler runs in its thread
        await clock.advance(2)
    result = running.results[0]
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in result.payload["errorMessage"]
    assert app.instances("stuck").total == 0
    # the thread cannot be interrupted: it still runs, and still holds its concurrency slot
    assert app.abandoned_threads == 1
    assert in_use(app) == 1
    release.set()
    # The slot comes back from the worker thread itself, which cannot signal the loop.
    await eventually(lambda: not app.abandoned_threads and not in_use(app))
    assert finished.is_set()
    await still_serves(app)


async def test_a_raising_handler_keeps_its_instance(app: App) -> None:
    @app.function
    def fails(event: Any, context: Context) -> None:
        raise RuntimeError("boom")

    first = await app.invoke("fails")
    second = await app.invoke("fails")
    assert first.payload["errorType"] == second.payload["errorType"] == "RuntimeError"
    assert not second.cold_start  # the Python runtime survives an exception
    await still_serves(app)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (1, "Runtime exited with error: exit status 1"),
        (3, "Runtime exited with error: exit status 3"),
        ("fatal", "Runtime exited with error: exit status 1"),
        (None, "Runtime exited without providing a reason"),
        (0, "Runtime exited without providing a reason"),
    ],
)
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_sys_exit_is_contained_as_a_runtime_exit(
    app: App, kind: str, code: Any, message: str
) -> None:
    if kind == "sync":

        @app.function(name="exits")
        def exits(event: Any, context: Context) -> None:
            sys.exit(code)

    else:

        @app.function(name="exits")
        async def exits_async(event: Any, context: Context) -> None:
            sys.exit(code)

    result = await app.invoke("exits")
    assert result.function_error == "Unhandled"
    assert result.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: {message}",
    }
    assert app.instances("exits") == InstanceCounts(total=0, idle=0, busy=0)
    assert (await app.invoke("exits")).cold_start  # the runtime restarts
    await still_serves(app)


async def test_a_handler_that_raises_a_cancellation_of_its_own_is_a_function_error(
    app: App, anyio_backend: str
) -> None:
    @app.function
    async def cancels_itself(event: Any, context: Context) -> None:
        raise anyio.get_cancelled_exc_class()()

    if sys.version_info < (3, 11) or anyio_backend == "trio":
        pytest.skip("only asyncio on 3.11+ can tell a stray CancelledError from a real one")
    result = await app.invoke("cancels_itself")
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "CancelledError"
    assert app.instances("cancels_itself").total == 0
    await still_serves(app)


async def test_a_handler_awaiting_a_cancelled_future_does_not_break_the_app(
    app: App, anyio_backend: str
) -> None:
    if anyio_backend != "asyncio" or sys.version_info < (3, 11):
        pytest.skip("asyncio futures")

    @app.function
    async def awaits_cancelled(event: Any, context: Context) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.cancel()
        await future

    result = await app.invoke("awaits_cancelled")
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "CancelledError"
    await still_serves(app)


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_cancelling_the_caller_cancels_the_invocation_and_frees_its_slot(
    app: App, clock: FakeClock, kind: str
) -> None:
    release = threading.Event()
    if kind == "sync":

        @app.function(name="slow", timeout=60)
        def slow(event: Any, context: Context) -> None:
            release.wait(30)

    else:

        @app.function(name="slow", timeout=60)
        async def slow_async(event: Any, context: Context) -> None:
            await clock.sleep(30)

    with anyio.move_on_after(0.05) as scope:
        await app.invoke("slow")
    assert scope.cancelled_caught
    assert app.instances("slow").total == 0  # interrupted mid-flight: not reused
    if kind == "sync":
        assert in_use(app) == 1  # its thread still runs and holds the slot
        release.set()
        await eventually(lambda: not in_use(app))  # released from the worker thread
    await still_serves(app)


async def test_keyboard_interrupt_from_a_sync_handler_is_contained(app: App) -> None:
    @app.function
    def interrupt(event: Any, context: Context) -> None:
        raise KeyboardInterrupt

    result = await app.invoke("interrupt")
    assert result.payload["errorType"] == "KeyboardInterrupt"
    assert app.instances("interrupt").total == 0
    await still_serves(app)


@pytest.mark.parametrize("error", [KeyboardInterrupt, GeneratorExit])
async def test_a_base_exception_from_an_async_handler_is_contained_like_a_sync_one(
    app: App, error: type[BaseException]
) -> None:
    # It would end the runtime process on Lambda, so the instance is lost; the host goes on.
    @app.function
    async def interrupt(event: Any, context: Context) -> None:
        raise error("from the handler")

    result = await app.invoke("interrupt")
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == error.__name__
    assert result.payload["errorMessage"] == "from the handler"
    assert app.instances("interrupt").total == 0
    await still_serves(app)


async def test_a_sync_invocation_cancelled_before_its_thread_starts_frees_its_slot(
    app: App,
) -> None:
    ran: list[int] = []

    @app.function
    def never(event: Any, context: Context) -> None:
        ran.append(1)

    with anyio.CancelScope() as scope:
        scope.cancel()  # cancelled before the handler can reach a thread
        await app.invoke("never")
    assert in_use(app) == 0
    assert app.abandoned_threads == 0
    await anyio.to_thread.run_sync(lambda: None)  # let any queued thread work happen
    assert ran == []
    await still_serves(app)
