"""Account-level admission: never more than App.concurrency invocations at once."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import App, Context, TooManyRequests
from faaslib.executor import Admission, Slots
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
    assert "all 3 unreserved concurrent executions of the account" in str(error)
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


FUNCTIONS = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(min_value=0, max_value=4)),  # reserved
        st.integers(min_value=0, max_value=3),  # provisioned
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=12),
    functions=FUNCTIONS,
    steps=st.lists(st.tuples(st.booleans(), st.integers(min_value=0, max_value=3)), max_size=80),
)
def test_random_interleavings_never_exceed_any_limit(
    limit: int, functions: list[tuple[int | None, int]], steps: list[tuple[bool, int]]
) -> None:
    """Acquire and release in any order: no limit is ever passed, counts never go negative,
    and an acquire is refused exactly when the model says the function has no slot left."""
    all_slots = [
        Slots(reserved, provisioned if reserved is None else min(provisioned, reserved))
        for reserved, provisioned in functions
    ]
    if Admission.carve_out(all_slots) > limit:
        return  # registration would have refused this configuration
    admission = Admission(limit)
    for slots in all_slots:
        admission.add(slots)
    held = [0] * len(all_slots)
    for is_acquire, index in steps:
        index %= len(all_slots)
        slots = all_slots[index]
        if is_acquire:
            shared_used = sum(
                max(0, held[i] - s.provisioned)
                for i, s in enumerate(all_slots)
                if s.reserved is None
            )
            if slots.reserved is not None:
                has_room = held[index] < slots.reserved
            else:
                has_room = held[index] < slots.provisioned or shared_used < admission.shared_limit
            try:
                admission.acquire(slots, f"f{index}")
            except TooManyRequests:
                assert not has_room
            else:
                assert has_room
                held[index] += 1
        elif held[index]:
            admission.release(slots)
            held[index] -= 1
        assert admission.in_use == sum(held) <= limit
        assert admission.shared_in_use <= admission.shared_limit
        for count, s in zip(held, all_slots, strict=True):
            assert s.in_use == count
            assert s.reserved is None or count <= s.reserved
        unreserved = sum(c for c, s in zip(held, all_slots, strict=True) if s.reserved is None)
        assert admission.unreserved_in_use == unreserved


def test_admission_holds_its_limit_under_threads() -> None:
    admission = Admission(5)
    slots = Slots(None, 0)
    admission.add(slots)
    peak = 0
    lock = threading.Lock()
    admitted = 0

    def worker() -> None:
        nonlocal peak, admitted
        for _ in range(2000):
            try:
                admission.acquire(slots, "f")
            except TooManyRequests:
                continue
            with lock:
                admitted += 1
                peak = max(peak, admission.in_use)
            admission.release(slots)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert admission.in_use == 0
    assert admitted > 0
    assert 1 <= peak <= admission.most_in_use <= 5
