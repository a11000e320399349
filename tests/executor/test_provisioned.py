"""Provisioned concurrency: instances made at start, served first, spilled over, resized."""

from __future__ import annotations

import logging
import threading
from typing import Any

import anyio
import pytest

from faaslib import App, ConfigurationError, Context, InstanceCounts
from faaslib.testing import FakeClock
from tests.background import Invocations, eventually

pytestmark = pytest.mark.anyio


def counting_class(inits: list[int], clock: FakeClock, calls: list[int] | None = None) -> type:
    class Model:
        def __init__(self) -> None:
            inits.append(1)

        async def __call__(self, event: Any, context: Context) -> None:
            if calls is not None:
                calls.append(1)
            await clock.sleep(1)

    return Model


async def test_provisioned_instances_are_initialized_when_the_app_starts(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    inits: list[int] = []
    app.function(name="model", provisioned_concurrency=3)(counting_class(inits, clock))
    assert app.instances("model").total == 0
    async with app:
        assert len(inits) == 3  # before `async with` hands over
        assert app.instances("model") == InstanceCounts(total=3, idle=3, busy=0)


async def test_the_first_n_concurrent_invocations_are_warm_and_the_next_spills_over(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    inits: list[int] = []
    calls: list[int] = []
    app.function(name="model", provisioned_concurrency=2)(counting_class(inits, clock, calls))
    async with app, anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        for _ in range(3):
            running.start("model")
        await eventually(lambda: len(calls) == 3)  # the third waits for its init in a thread
        metrics = app.metrics("model")
        assert metrics["ProvisionedConcurrentExecutions"]["now"] == 2
        assert metrics["ProvisionedConcurrencyUtilization"]["now"] == 1.0
        await clock.advance(1)
    cold = [r.cold_start for r in running.results]
    assert sorted(cold) == [False, False, True]  # the third ran on a new on-demand instance
    assert len(inits) == 3
    metrics = app.metrics("model")
    assert metrics["ProvisionedConcurrencyInvocations"] == 2
    assert metrics["ProvisionedConcurrencySpilloverInvocations"] == 1
    assert metrics["ColdStarts"] == 1
    assert metrics["ProvisionedConcurrentExecutions"]["max"] == 2


async def test_provisioned_instances_never_expire(clock: FakeClock) -> None:
    app = App(clock=clock, idle_timeout=60)

    @app.function(provisioned_concurrency=1)
    def hello(event: Any, context: Context) -> None: ...

    async with app:
        await clock.advance(3600)
        assert app.instances("hello").total == 1
        assert not (await app.invoke("hello")).cold_start


async def test_provisioned_concurrency_changes_at_run_time(clock: FakeClock) -> None:
    app = App(clock=clock)
    inits: list[int] = []
    app.function(name="model", provisioned_concurrency=1)(counting_class(inits, clock))
    async with app:
        await app.set_provisioned_concurrency("model", 4)
        assert len(inits) == 4
        assert app.instances("model") == InstanceCounts(total=4, idle=4, busy=0)
        await app.set_provisioned_concurrency("model", 1)
        assert app.instances("model") == InstanceCounts(total=1, idle=1, busy=0)
        with pytest.raises(ConfigurationError, match="provisioned_concurrency=-1"):
            await app.set_provisioned_concurrency("model", -1)
        with pytest.raises(ConfigurationError, match="provisioned_concurrency=901 would leave"):
            await app.set_provisioned_concurrency("model", 901)
    assert app.instances("model").total == 1


async def test_lowering_provisioned_concurrency_retires_busy_instances_when_they_finish(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    inits: list[int] = []
    app.function(name="model", provisioned_concurrency=2)(counting_class(inits, clock))
    async with app, anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        running.start("model")
        running.start("model")
        await anyio.wait_all_tasks_blocked()
        await app.set_provisioned_concurrency("model", 0)
        assert app.instances("model").total == 2  # both busy
        await clock.advance(1)
    assert app.instances("model") == InstanceCounts(total=0, idle=0, busy=0)


async def test_a_lost_provisioned_instance_is_replaced(clock: FakeClock) -> None:
    app = App(clock=clock, idle_timeout=60)

    @app.function(provisioned_concurrency=1)
    def exits(event: Any, context: Context) -> None:
        raise SystemExit(1)

    async with app:
        await app.invoke("exits")
        assert app.instances("exits").total == 0
        await clock.advance(6)  # one maintenance sweep
        assert app.instances("exits") == InstanceCounts(total=1, idle=1, busy=0)


async def test_a_failing_provisioned_init_is_logged_and_the_function_still_runs(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    app = App(clock=clock)

    @app.function(provisioned_concurrency=1)
    class Broken:
        calls = 0

        def __init__(self) -> None:
            Broken.calls += 1
            if Broken.calls == 1:
                raise RuntimeError("no model")

        def __call__(self, event: Any, context: Context) -> str:
            return "ok"

    with caplog.at_level(logging.ERROR):
        async with app:
            assert app.instances("Broken").total == 0
            result = await app.invoke("Broken")
    assert result.payload == "ok"
    assert result.cold_start
    assert "provisioned instance of function 'Broken' failed to initialize" in caplog.text
    assert "RuntimeError: no model" in caplog.text


async def test_the_app_can_start_without_waiting_for_provisioning(clock: FakeClock) -> None:
    app = App(clock=clock, wait_for_provisioned=False)
    inits: list[int] = []
    opened = threading.Event()  # the inits wait for it: a loaded machine cannot finish them first

    class Gated(counting_class(inits, clock)):  # type: ignore[misc]
        def __init__(self) -> None:
            opened.wait(10)
            super().__init__()

    app.function(name="model", provisioned_concurrency=2)(Gated)
    async with app:
        assert app.instances("model").idle == 0  # `async with` did not wait
        opened.set()
        await eventually(lambda: app.instances("model").idle == 2)
        assert app.instances("model") == InstanceCounts(total=2, idle=2, busy=0)
        assert len(inits) == 2
