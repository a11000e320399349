"""Account-level admission: never more than App.concurrency invocations at once."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import App, Context, TooManyRequests
from faaslib.executor import AccountPool
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


async def test_an_invoke_past_the_account_limit_is_throttled_at_once(clock: FakeClock) -> None:
    app = App(clock=clock, concurrency=3)
    ran: list[int] = []

    @app.function
    async def slow(event: Any, context: Context) -> None:
        ran.append(event)
        if event < 10:
            await clock.sleep(1)

    async with anyio.create_task_group() as tasks:
        for number in range(3):
            tasks.start_soon(app.invoke, "slow", number)
        await anyio.wait_all_tasks_blocked()
        with pytest.raises(TooManyRequests) as raised:
            await app.invoke("slow", 99)
        await clock.advance(1)
    error = raised.value
    assert error.status_code == 429
    assert error.error_code == "TooManyRequestsException"
    assert error.reason == "ConcurrentInvocationLimitExceeded"
    assert error.function_name == "slow"
    assert str(error).startswith("Rate Exceeded.")
    assert "all 3 concurrent executions" in str(error)
    assert sorted(ran) == [0, 1, 2]
    assert (await app.invoke("slow", 10)).function_error is None  # capacity is back


async def test_sync_handlers_count_against_the_same_limit() -> None:
    small = App(concurrency=1)
    entered = threading.Event()
    release = threading.Event()

    @small.function(timeout=30)
    def blocking(event: Any, context: Context) -> None:
        entered.set()
        release.wait(10)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(small.invoke, "blocking")
        await anyio.to_thread.run_sync(entered.wait, 10)
        with pytest.raises(TooManyRequests):
            await small.invoke("blocking")
        release.set()
    assert small._runner.admission.in_use == 0


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=8),
    steps=st.lists(st.booleans(), max_size=60),
)
def test_the_pool_never_admits_more_than_its_limit(limit: int, steps: list[bool]) -> None:
    """Random acquire/release sequences: the count never passes the limit, never goes negative,
    and every refused acquire happened exactly when the pool was full."""
    pool = AccountPool(limit)
    held = 0
    for is_acquire in steps:
        if is_acquire:
            try:
                pool.acquire("f")
            except TooManyRequests:
                assert held == limit
            else:
                held += 1
        elif held:
            pool.release()
            held -= 1
        assert pool.in_use == held
        assert 0 <= pool.in_use <= limit


def test_the_pool_holds_its_limit_under_threads() -> None:
    pool = AccountPool(5)
    peak = 0
    lock = threading.Lock()
    admitted = 0

    def worker() -> None:
        nonlocal peak, admitted
        for _ in range(2000):
            try:
                pool.acquire("f")
            except TooManyRequests:
                continue
            with lock:
                admitted += 1
                peak = max(peak, pool.in_use)
            pool.release()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert pool.in_use == 0
    assert 1 <= peak <= 5
    assert admitted > 0
