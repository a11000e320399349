"""FakeClock: time stands still until advance(), which wakes sleepers and timeouts in order."""

from __future__ import annotations

from datetime import datetime, timezone

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib.clock import Clock, SystemClock
from faaslib.testing import FakeClock


def test_both_clocks_satisfy_the_protocol() -> None:
    assert isinstance(SystemClock(), Clock)
    assert isinstance(FakeClock(), Clock)


def test_fake_clock_starts_at_a_fixed_time_or_the_one_given() -> None:
    assert FakeClock().now() == datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()
    assert FakeClock(start=100.0).now() == 100.0
    assert (
        FakeClock(start=datetime(2030, 5, 1)).now()
        == datetime(2030, 5, 1, tzinfo=timezone.utc).timestamp()
    )
    assert FakeClock().monotonic() == 0.0


@pytest.mark.anyio
async def test_advance_moves_both_readings(clock: FakeClock) -> None:
    start = clock.now()
    await clock.advance(2.5)
    assert clock.monotonic() == 2.5
    assert clock.now() == start + 2.5
    with pytest.raises(ValueError, match="must not be negative"):
        await clock.advance(-1)


@pytest.mark.anyio
async def test_sleepers_wake_in_deadline_order_at_their_own_time(clock: FakeClock) -> None:
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.monotonic()))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(sleeper, "late", 3)
        tasks.start_soon(sleeper, "early", 1)
        tasks.start_soon(sleeper, "middle", 2)
        tasks.start_soon(sleeper, "now", 0)
        await clock.advance(2)
        assert woke == [("now", 0.0), ("early", 1.0), ("middle", 2.0)]
        await clock.advance(5)
    assert woke[-1] == ("late", 3.0)
    assert clock.monotonic() == 7.0


@pytest.mark.anyio
async def test_a_woken_task_runs_before_time_moves_on(clock: FakeClock) -> None:
    seen: list[float] = []

    async def chain() -> None:
        await clock.sleep(1)
        seen.append(clock.monotonic())
        await clock.sleep(1)  # scheduled at 1 s, so due at 2 s, within the same advance
        seen.append(clock.monotonic())

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(chain)
        await clock.advance(5)
    assert seen == [1.0, 2.0]


@pytest.mark.anyio
async def test_timeout_scope_cancels_at_its_deadline_only(clock: FakeClock) -> None:
    outcomes: list[str] = []

    async def guarded(seconds: float, work: float) -> None:
        with clock.timeout_scope(seconds) as scope:
            await clock.sleep(work)
        outcomes.append(f"{seconds}:{'timed out' if scope.cancelled_caught else 'done'}")

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(guarded, 1, 5)
        tasks.start_soon(guarded, 5, 1)
        await clock.advance(10)
    assert sorted(outcomes) == ["1:timed out", "5:done"]


@pytest.mark.anyio
async def test_finished_waits_do_not_pile_up(clock: FakeClock) -> None:
    for _ in range(1000):
        with clock.timeout_scope(60):
            await anyio.lowlevel.checkpoint()
    assert len(clock._timers) < 200


@settings(max_examples=50, deadline=None)
@given(durations=st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=20))
def test_any_set_of_sleepers_wakes_sorted_by_deadline(durations: list[float]) -> None:
    async def main() -> list[float]:
        clock = FakeClock()
        woke: list[float] = []

        async def sleeper(seconds: float) -> None:
            await clock.sleep(seconds)
            woke.append(clock.monotonic())

        async with anyio.create_task_group() as tasks:
            for seconds in durations:
                tasks.start_soon(sleeper, seconds)
            await clock.advance(100)
        return woke

    woke = anyio.run(main)
    assert woke == sorted(woke)
    assert sorted(woke) == pytest.approx(sorted(durations))


@pytest.mark.anyio
async def test_next_deadline_is_the_earliest_live_sleeper_or_timeout(clock: FakeClock) -> None:
    assert clock.next_deadline() is None
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(clock.sleep, 30)
        tasks.start_soon(clock.sleep, 10)
        await clock.advance(0)
        assert clock.next_deadline() == 10
        with clock.timeout_scope(5):
            assert clock.next_deadline() == 5
        assert clock.next_deadline() == 10  # a scope left is no longer due
        await clock.advance(10)
        assert clock.next_deadline() == 30
        await clock.advance(20)
    assert clock.next_deadline() is None
