"""The async handler path: whichever way a handler goes (answering at once, suspending,
opening its own cancel scopes, raising before or after waiting, being cancelled while it waits),
the outcome is Lambda's."""

from __future__ import annotations

import inspect
import sys
from typing import Any

import anyio
import anyio.lowlevel
import pytest

from faaslib import App, Context
from faaslib.clock import SystemClock
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


class JumpingClock(SystemClock):
    """The real clock, which a handler can move forward without waiting."""

    __slots__ = ("offset",)

    def __init__(self) -> None:
        self.offset = 0.0

    def monotonic(self) -> float:
        return super().monotonic() + self.offset


async def test_a_handler_that_answers_at_once_but_past_its_deadline_has_timed_out() -> None:
    clock = JumpingClock()
    app = App(clock=clock)

    @app.function(timeout=2)
    async def busy(event: Any, context: Context) -> str:
        clock.offset += 2.5  # "computes" for 2.5 s without ever waiting
        return "too late"

    result = await app.invoke("busy")
    assert result.payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in result.payload["errorMessage"]
    assert app.instances("busy").total == 0


async def test_a_handler_that_answers_at_once_within_its_deadline_succeeds() -> None:
    clock = JumpingClock()
    app = App(clock=clock)

    @app.function(timeout=2)
    async def quick(event: Any, context: Context) -> str:
        clock.offset += 1.5
        return "in time"

    result = await app.invoke("quick")
    assert result.payload == "in time"
    assert result.duration_ms >= 1500


async def test_results_and_errors_cross_many_suspensions(app: App, clock: FakeClock) -> None:
    @app.function
    async def steps(event: Any, context: Context) -> int:
        total = 0
        for number in range(event["n"]):
            await anyio.lowlevel.checkpoint()
            total += number
        if event.get("fail"):
            raise ValueError(f"failed after {total}")
        return total

    assert await app.call("steps", {"n": 10}) == 45
    result = await app.invoke("steps", {"n": 3, "fail": True})
    assert result.payload["errorMessage"] == "failed after 3"
    assert any("raise ValueError" in frame for frame in result.payload["stackTrace"])
    assert not any("faaslib" in frame for frame in result.payload["stackTrace"])


async def test_a_handler_may_open_its_own_cancel_scopes_before_it_first_waits(
    app: App, clock: FakeClock
) -> None:
    # The invocation's scope must enclose the handler's whole run, its first step included.
    @app.function(timeout=5)
    async def scoped(event: Any, context: Context) -> str:
        with anyio.move_on_after(1):
            await anyio.sleep(0.01)
        with anyio.CancelScope():
            await anyio.lowlevel.checkpoint()
        return "ok"

    assert await app.call("scoped") == "ok"
    real = App()
    real.function(name="scoped", timeout=5)(scoped)
    assert await real.call("scoped") == "ok"
    async with real:  # on the app's shared timer
        assert await real.call("scoped") == "ok"


async def test_cancelling_the_caller_runs_the_handlers_cleanup(app: App, clock: FakeClock) -> None:
    cleaned: list[str] = []

    @app.function(timeout=60)
    async def holds(event: Any, context: Context) -> None:
        try:
            await anyio.lowlevel.checkpoint()
            await clock.sleep(30)
        finally:
            cleaned.append("released")

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(app.invoke, "holds")
        await anyio.wait_all_tasks_blocked()
        tasks.cancel_scope.cancel()
    assert cleaned == ["released"]
    assert app.instances("holds").total == 0


async def test_a_cancellation_the_handler_raises_after_waiting_is_a_function_error(
    app: App, anyio_backend: str
) -> None:
    if sys.version_info < (3, 11) or anyio_backend == "trio":
        pytest.skip("only asyncio on 3.11+ can tell a stray CancelledError from a real one")

    @app.function
    async def cancels_later(event: Any, context: Context) -> None:
        await anyio.lowlevel.checkpoint()
        raise anyio.get_cancelled_exc_class()()

    result = await app.invoke("cancels_later")
    assert result.payload["errorType"] == "CancelledError"
    assert app.instances("cancels_later").total == 0


@pytest.mark.skipif(
    not hasattr(inspect, "markcoroutinefunction"), reason="inspect.markcoroutinefunction: 3.12+"
)
async def test_a_handler_returning_another_kind_of_awaitable_is_awaited(app: App) -> None:
    class Later:
        def __await__(self) -> Any:
            yield from anyio.lowlevel.checkpoint().__await__()
            return "from an awaitable"

    def handler(event: Any, context: Context) -> Later:
        return Later()

    app.function(name="awaitable")(inspect.markcoroutinefunction(handler))
    assert await app.call("awaitable") == "from an awaitable"
