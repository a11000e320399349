"""Scaling: at most 1,000 new on-demand instances per function per 10 s; a bounded idle pool."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from faaslib import App, Context, TooManyRequests
from faaslib.testing import FakeClock
from tests.background import Invocations

pytestmark = pytest.mark.anyio


async def test_new_instances_past_the_scaling_rate_are_throttled(clock: FakeClock) -> None:
    app = App(clock=clock, scaling_rate=5, scaling_period=10)

    @app.function(timeout=600)
    async def slow(event: Any, context: Context) -> None:
        await clock.sleep(event)

    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        for _ in range(5):
            running.start("slow", 100)
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(TooManyRequests) as raised:
            await app.invoke("slow", 0)
        assert raised.value.reason == "FunctionInvocationRateLimitExceeded"
        assert "more than 5 new instances within 10 seconds" in str(raised.value)
        await clock.advance(2)  # refills continuously: one new instance per 2 s
        running.start("slow", 100)
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(TooManyRequests):
            await app.invoke("slow", 0)
        await clock.advance(100)
    assert len(running.results) == 6
    assert app.metrics("slow")["Throttles"] == 2


async def test_warm_instances_do_not_count_against_the_scaling_rate(clock: FakeClock) -> None:
    app = App(clock=clock, scaling_rate=1, scaling_period=10)

    @app.function
    def hello(event: Any, context: Context) -> None: ...

    for _ in range(20):
        assert (await app.invoke("hello")).function_error is None


async def test_reserved_functions_get_the_reserved_rate_reason(clock: FakeClock) -> None:
    app = App(clock=clock, scaling_rate=1, scaling_period=10)

    @app.function(reserved_concurrency=5, timeout=60)
    async def slow(event: Any, context: Context) -> None:
        await clock.sleep(1)

    async with anyio.create_task_group() as tasks:
        Invocations(app, tasks).start("slow")
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(TooManyRequests) as raised:
            await app.invoke("slow")
        await clock.advance(1)
    assert raised.value.reason == "ReservedFunctionInvocationRateLimitExceeded"


async def test_the_idle_pool_is_capped(clock: FakeClock) -> None:
    app = App(clock=clock, max_idle_instances=3)

    @app.function
    async def slow(event: Any, context: Context) -> None:
        await clock.sleep(1)

    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        for _ in range(10):
            running.start("slow")
        await anyio.wait_all_tasks_blocked()
        assert app.instances("slow").total == 10
        await clock.advance(1)
    assert app.instances("slow").total == 3
    assert app.instances("slow").idle == 3
