"""Instances: cold starts create them, warm invocations reuse them, idle ones expire."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest

from faaslib import App, Context, InstanceCounts
from faaslib.executor import INIT_TIMEOUT_SECONDS
from faaslib.testing import FakeClock
from tests.background import Invocations

pytestmark = pytest.mark.anyio


async def test_first_invoke_is_cold_and_the_next_is_warm(app: App) -> None:
    @app.function
    def hello(event: Any, context: Context) -> str:
        return "hi"

    cold = await app.invoke("hello")
    warm = await app.invoke("hello")
    assert cold.cold_start
    assert cold.init_duration_ms is not None
    assert not warm.cold_start
    assert warm.init_duration_ms is None
    assert app.instances("hello") == InstanceCounts(total=1, idle=1, busy=0)


async def test_class_init_runs_once_per_instance_and_is_reported_on_the_cold_start_only(
    app: App, clock: FakeClock
) -> None:
    inits: list[int] = []

    @app.function(memory=1024)
    class Classifier:
        def __init__(self) -> None:
            inits.append(1)
            self.calls = 0

        async def __call__(self, event: Any, context: Context) -> int:
            self.calls += 1
            return self.calls

    results = [await app.invoke("Classifier") for _ in range(5)]
    assert [r.payload for r in results] == [1, 2, 3, 4, 5]  # the same instance, its state kept
    assert len(inits) == 1
    assert [r.cold_start for r in results] == [True, False, False, False, False]
    assert results[0].init_duration_ms is not None
    assert all(r.init_duration_ms is None for r in results[1:])


async def test_init_duration_is_timed_and_billed_with_the_invocation(
    app: App, clock: FakeClock
) -> None:
    release = threading.Event()

    @app.function(memory=1024)
    class Slow:
        def __init__(self) -> None:
            release.wait(5)

        def __call__(self, event: Any, context: Context) -> None: ...

    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        running.start("Slow")
        await clock.advance(2.5)
        release.set()  # init returns; the task group waits for the invocation to finish
    results = running.results
    assert results[0].init_duration_ms == pytest.approx(2500.0)
    assert results[0].duration_ms == 0.0
    assert results[0].billed_duration_ms == 2500


async def test_fifty_concurrent_invokes_make_fifty_instances_and_the_next_fifty_reuse_them(
    app: App, clock: FakeClock
) -> None:
    @app.function
    async def slow(event: Any, context: Context) -> None:
        await clock.sleep(1)

    results: list[Any] = []
    for _ in range(2):
        async with anyio.create_task_group() as tasks:
            running = Invocations(app, tasks)
            for _ in range(50):
                running.start("slow")
            await anyio.wait_all_tasks_blocked()
            assert app.instances("slow") == InstanceCounts(total=50, idle=0, busy=50)
            await clock.advance(1)
        results += running.results
    assert [r.cold_start for r in results[:50]] == [True] * 50
    assert [r.cold_start for r in results[50:]] == [False] * 50
    assert app.instances("slow") == InstanceCounts(total=50, idle=50, busy=0)


async def test_fifty_concurrent_sync_invokes_run_in_fifty_threads(app: App) -> None:
    # anyio's default thread pool admits 40; faaslib must not cap sync handlers below the
    # account's concurrency.
    arrived = threading.Barrier(50, timeout=10)

    @app.function(timeout=30)
    def meet(event: Any, context: Context) -> int:
        return arrived.wait()

    with anyio.fail_after(20):
        async with anyio.create_task_group() as tasks:
            running = Invocations(app, tasks)
            for _ in range(50):
                running.start("meet")
    assert sorted(result.payload for result in running.results) == list(range(50))
    assert app.instances("meet").total == 50


async def test_an_init_failure_fails_the_invocation_and_the_instance_is_not_kept(
    app: App,
) -> None:
    attempts: list[int] = []

    @app.function
    class Flaky:
        def __init__(self) -> None:
            attempts.append(1)
            if len(attempts) == 1:
                raise RuntimeError("model file missing")

        def __call__(self, event: Any, context: Context) -> str:
            return "ready"

    failed = await app.invoke("Flaky")
    assert failed.function_error == "Unhandled"
    assert failed.cold_start
    assert failed.payload["errorType"] == "RuntimeError"
    assert failed.payload["errorMessage"] == "model file missing"
    assert "in __init__" in failed.payload["stackTrace"][0]
    assert app.instances("Flaky").total == 0
    retried = await app.invoke("Flaky")
    assert retried.payload == "ready"
    assert retried.cold_start


async def test_init_is_limited_to_ten_seconds(app: App, clock: FakeClock) -> None:
    release = threading.Event()

    @app.function(timeout=60)
    class Stuck:
        def __init__(self) -> None:
            release.wait(10)

        def __call__(self, event: Any, context: Context) -> None: ...

    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        running.start("Stuck")
        await clock.advance(INIT_TIMEOUT_SECONDS - 0.001)
        assert running.results == []
        await clock.advance(0.001)
    release.set()
    result = running.results[0]
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.InitTimeout"
    assert "Init phase timed out after 10.00 seconds" in result.payload["errorMessage"]
    assert result.init_duration_ms == pytest.approx(10_000.0)
    assert app.instances("Stuck").total == 0


async def test_idle_instances_are_not_reused_after_the_idle_timeout(clock: FakeClock) -> None:
    app = App(clock=clock, idle_timeout=60)

    @app.function
    def hello(event: Any, context: Context) -> None: ...

    assert (await app.invoke("hello")).cold_start
    await clock.advance(59.9)
    assert not (await app.invoke("hello")).cold_start
    await clock.advance(60)
    assert (await app.invoke("hello")).cold_start
    assert app.instances("hello").total == 1


async def test_a_running_app_scales_idle_functions_to_zero(clock: FakeClock) -> None:
    app = App(clock=clock, idle_timeout=60)

    @app.function(timeout=60)
    async def slow(event: Any, context: Context) -> None:
        await clock.sleep(event)

    async with app:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(app.invoke, "slow", 1)
            tasks.start_soon(app.invoke, "slow", 30)
            await clock.advance(30)
        assert app.instances("slow") == InstanceCounts(total=2, idle=2, busy=0)
        await clock.advance(60)  # the first has been idle 89 s, the second 60 s
        assert app.instances("slow").total <= 1
        await clock.advance(6)  # within a tenth of idle_timeout, both are gone
        assert app.instances("slow") == InstanceCounts(total=0, idle=0, busy=0)
