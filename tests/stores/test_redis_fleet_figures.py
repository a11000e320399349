"""On Redis the bill, the metrics and the scaling rate are the fleet's: apps on one prefix (here
two or three in one process, each with its own process id on the prefix, as separate processes
would be) see every process's invocations in `app.metrics()` and `app.costs`, their own with
`this_process`, and start no more new instances together than the scaling rate allows. The bill
is shared the same way by processes on one SQLite file."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from faaslib import App, TooManyRequests
from faaslib.metrics import Histogram

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def prefixed(redis_url: str) -> str:
    import uuid

    return f"{redis_url}?prefix=t{uuid.uuid4().hex[:12]}"


def make_app(url: str, **options: Any) -> App:
    app = App("fleet", store=url, **options)

    @app.function(memory=512)
    def work(event: dict[str, Any], context: object) -> dict[str, Any]:
        if event.get("fail"):
            raise ValueError("asked to fail")
        time.sleep(event.get("ms", 0) / 1000)
        return event

    return app


async def wait_for(check: Callable[[], bool], seconds: float = 5.0) -> None:
    with anyio.fail_after(seconds):
        while not check():  # noqa: ASYNC110 (figures another process sends once a second)
            await anyio.sleep(0.05)


async def test_metrics_add_up_over_the_processes_on_a_prefix(prefixed: str) -> None:
    one, two = make_app(prefixed), make_app(prefixed)
    async with one, two:
        for ms in (1, 2, 3, 4, 5):
            await one.invoke("work", {"ms": ms})
        for ms in (20, 30):
            await two.invoke("work", {"ms": ms})
        await two.invoke("work", {"fail": True})
        two.metrics()  # sends two's counts now, rather than at its next second

        fleet = one.metrics("work")
        own = one.metrics("work", this_process=True)
        theirs = two.metrics("work", this_process=True)
        assert (own["Invocations"], theirs["Invocations"], fleet["Invocations"]) == (5, 3, 8)
        assert (own["Errors"], fleet["Errors"]) == (0, 1)
        assert fleet["ColdStarts"] == 2  # one instance in each process
        assert one.metrics()["Invocations"] == 8  # the account's, too
        assert one.metrics(this_process=True)["Invocations"] == 5

        # the percentiles are those of every duration recorded (the buckets add up exactly);
        # the fleet's maximum, which caps them, is known to its bucket (1%) where another
        # process recorded it
        merged = Histogram()
        for app in (one, two):
            merged.merge(app._functions["work"].metrics.duration)
        expected = merged.summary()
        assert fleet["Duration"]["count"] == expected["count"] == 8
        assert fleet["Duration"]["sum"] == pytest.approx(expected["sum"], abs=0.01)
        for figure in ("p50", "p90", "p99", "max"):
            assert expected[figure] <= fleet["Duration"][figure] <= expected[figure] * 1.01

    # what they sent stays: a process starting later on the prefix sees the fleet's history
    three = make_app(prefixed)
    async with three:
        assert three.metrics("work")["Invocations"] == 8
        assert three.metrics("work", this_process=True)["Invocations"] == 0


@pytest.fixture(params=["sqlite", "redis"])
def shared(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store processes share: a SQLite file, or a fresh prefix on the suite's Redis."""
    if request.param == "redis":
        return str(request.getfixturevalue("prefixed"))
    return f"sqlite:///{tmp_path / 'app.db'}"


async def test_the_bill_is_the_fleets_and_each_process_keeps_its_own_part(shared: str) -> None:
    one, two = make_app(shared), make_app(shared)
    async with one, two:
        for _ in range(4):
            await one.invoke("work", {"ms": 3})
        for _ in range(6):
            await two.invoke("work", {"ms": 3})
        # each process sends its part and takes the others' in once a second
        await wait_for(lambda: one.costs.total().requests == 10)
        await wait_for(lambda: two.costs.total().requests == 10)
        assert one.costs.this_process().total().requests == 4
        assert two.costs.this_process().total().requests == 6
        both = one.costs.this_process().total().total + two.costs.this_process().total().total
        assert one.costs.total().total == both
        assert one.costs.by_function()["work"].requests == 10

        # a reset is the fleet's: the others' ledgers follow at their next second
        one.costs.reset()
        await one.invoke("work", {"ms": 1})
        await wait_for(lambda: two.costs.total().requests == 1)
        assert two.costs.this_process().total().requests == 6  # what it ran itself, still
        await wait_for(lambda: one.costs.total().requests == 1)


async def test_the_scaling_rate_is_shared_by_the_live_processes(prefixed: str) -> None:
    """Four new instances per minute for the fleet: two each for two processes, and a burst of
    eight concurrent calls in each starts four instances in all, the rest throttled with
    Lambda's reason."""
    one = make_app(prefixed, scaling_rate=4, scaling_period=60)
    two = make_app(prefixed, scaling_rate=4, scaling_period=60)
    async with one, two:
        await wait_for(lambda: one._grants is not None and one._grants.processes == 2)
        await wait_for(lambda: two._grants is not None and two._grants.processes == 2)
        reasons: list[str] = []

        async def call(app: App) -> None:
            try:
                await app.invoke("work", {"ms": 300})
            except TooManyRequests as error:
                reasons.append(error.reason)

        async with anyio.create_task_group() as tasks:
            for app in (one, two):
                for _ in range(8):
                    tasks.start_soon(call, app)
        started = sum(app.metrics("work", this_process=True)["ColdStarts"] for app in (one, two))
        assert started == 4
        assert reasons == ["FunctionInvocationRateLimitExceeded"] * 12
    # alone on the prefix, a process has the whole rate again
    three = make_app(prefixed, scaling_rate=4, scaling_period=60)
    async with three:
        assert three._functions["work"].scaling_capacity == 4


async def test_a_throttle_names_the_share(prefixed: str) -> None:
    one = make_app(prefixed, scaling_rate=2, scaling_period=60)
    two = make_app(prefixed, scaling_rate=2, scaling_period=60)
    async with one, two:
        await wait_for(lambda: one._grants is not None and one._grants.processes == 2)
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(one.invoke, "work", {"ms": 300})
            await anyio.sleep(0.05)
            with pytest.raises(TooManyRequests) as raised:
                await one.invoke("work", {"ms": 1})
        assert "more than 1 new instances within 60 seconds" in str(raised.value)
        assert "this process's share of the fleet's 2" in str(raised.value)
