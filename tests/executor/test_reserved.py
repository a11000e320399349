"""Reserved and provisioned concurrency carve capacity out of the account, as on Lambda."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from faaslib import App, ConfigurationError, Context, TooManyRequests
from faaslib.testing import FakeClock
from tests.background import Invocations

pytestmark = pytest.mark.anyio


def sleeper(clock: FakeClock) -> Any:
    async def handler(event: Any, context: Context) -> None:
        await clock.sleep(1)

    return handler


async def test_reserved_concurrency_caps_the_function(clock: FakeClock) -> None:
    app = App(clock=clock, concurrency=10, unreserved_minimum=0)
    app.function(name="capped", reserved_concurrency=2)(sleeper(clock))
    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        running.start("capped")
        running.start("capped")
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(TooManyRequests) as raised:
            await app.invoke("capped")
        await clock.advance(1)
    assert raised.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert "reserved concurrency of 2 is in use" in str(raised.value)
    assert len(running.results) == 2


async def test_a_noisy_function_cannot_starve_a_reserved_one(clock: FakeClock) -> None:
    app = App(clock=clock, concurrency=10, unreserved_minimum=0)
    app.function(name="reserved", reserved_concurrency=4)(sleeper(clock))
    app.function(name="noisy")(sleeper(clock))
    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        for _ in range(6):
            running.start("noisy")
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(TooManyRequests) as raised:
            await app.invoke("noisy")  # the shared pool (10 - 4) is full
        for _ in range(4):
            running.start("reserved")  # its four slots are still there
        await anyio.wait_all_tasks_blocked()
        assert app._admission.in_use == 10
        await clock.advance(1)
    assert raised.value.reason == "ConcurrentInvocationLimitExceeded"
    assert "all 6 unreserved concurrent executions" in str(raised.value)
    assert sorted(r.function_name for r in running.results) == ["noisy"] * 6 + ["reserved"] * 4


async def test_reserved_concurrency_zero_throttles_every_invoke(app: App) -> None:
    @app.function(reserved_concurrency=0)
    def disabled(event: Any, context: Context) -> None:
        raise AssertionError("never runs")

    for _ in range(3):
        with pytest.raises(TooManyRequests) as raised:
            await app.invoke("disabled")
        assert raised.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
        assert "reserved concurrency is 0" in str(raised.value)


def handler(event: Any, context: Any) -> None: ...


def test_lambda_keeps_100_of_1000_unreserved() -> None:
    app = App()
    app.function(name="a", reserved_concurrency=600)(handler)
    app.function(name="b", reserved_concurrency=300)(handler)
    with pytest.raises(ConfigurationError) as raised:
        app.function(name="c", reserved_concurrency=1)(handler)
    assert str(raised.value) == (
        "function 'c': reserved_concurrency=1 would leave 99 of the account's concurrency of "
        "1000 unreserved (other functions take 900); at least 100 must stay unreserved "
        "(App(unreserved_minimum=...))"
    )
    with pytest.raises(ConfigurationError, match="provisioned_concurrency=1 would leave 99"):
        app.function(name="d", provisioned_concurrency=1)(handler)
    assert app.functions == ("a", "b")


@pytest.mark.parametrize(
    ("concurrency", "minimum"), [(1000, 100), (5000, 100), (50, 5), (10, 1), (9, 0), (1, 0)]
)
def test_a_small_account_keeps_a_tenth_unreserved(concurrency: int, minimum: int) -> None:
    app = App(concurrency=concurrency)
    app.function(name="most", reserved_concurrency=concurrency - minimum)(handler)
    if concurrency - minimum < concurrency:
        with pytest.raises(ConfigurationError, match=f"at least {minimum} must stay"):
            app.function(name="more", reserved_concurrency=1)(handler)


def test_provisioned_cannot_exceed_reserved() -> None:
    with pytest.raises(ConfigurationError, match="provisioned_concurrency=3 is more than"):
        App().function(name="f", reserved_concurrency=2, provisioned_concurrency=3)(handler)
