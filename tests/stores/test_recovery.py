"""Recovery on start: an app opened on the file another app left (stopped, or dropped without
stopping as a killed process leaves it) resumes what that app accepted, by Lambda's and SQS's
rules. The processes-killed-with-SIGKILL versions are in test_crash.py."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faaslib import App, Context
from faaslib.sources.queue import Queue
from faaslib.stores import SQLiteBackend, open_store
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


async def test_messages_in_flight_reappear_after_their_visibility_timeout(tmp_path: Path) -> None:
    clock = FakeClock()
    first = Queue("orders", clock, visibility_timeout=30, backend=SQLiteBackend(tmp_path / "q.db"))
    for number in range(3):
        await first.send({"n": number})
    taken = await first.receive(2)
    assert len(taken) == 2
    # The process is gone: a new one opens the file (the clock moved on 10 s meanwhile).
    await clock.advance(10)
    second = Queue("orders", clock, visibility_timeout=30, backend=SQLiteBackend(tmp_path / "q.db"))
    assert second.approximate_number_of_messages == 1
    assert second.approximate_number_of_messages_not_visible == 2
    [waiting] = await second.receive(10)
    assert waiting.json() == {"n": 2}
    await clock.advance(20)  # 30 s after the first receive
    again = await second.receive(10)
    assert sorted(message.json()["n"] for message in again) == [0, 1]
    assert {message.receive_count for message in again} == {2}
    # A receipt handle the first process was given still names its message's old receive.
    assert not await second.delete(taken[0].receipt_handle)
    assert await second.delete(again[0].receipt_handle)


async def test_a_handle_from_one_process_deletes_in_another(tmp_path: Path) -> None:
    clock = FakeClock()
    first = Queue("orders", clock, backend=SQLiteBackend(tmp_path / "q.db"))
    second = Queue("orders", clock, backend=SQLiteBackend(tmp_path / "q.db"))
    await first.send("hello")
    [message] = await first.receive()
    assert await second.receive() == []  # in flight: the other process does not get it
    assert await second.delete(message.receipt_handle)
    assert first.snapshot() == []


def failing_app(store: str, clock: FakeClock, records: list[Any], **config: Any) -> App:
    app = App(clock=clock, store=store)

    @app.function(on_failure=records.append, **config)
    async def flaky(event: Any, context: Context) -> None:
        raise RuntimeError(f"attempt failed for {event['id']}")

    return app


async def test_event_invocations_resume_with_their_attempt_counts(tmp_path: Path) -> None:
    clock = FakeClock()
    records: list[Any] = []
    first = failing_app(url(tmp_path), clock, records)
    async with first:
        await first.invoke("flaky", {"id": 1}, invocation_type="Event")
        await clock.advance(1)  # its first attempt fails: the second waits a minute
        [pending] = first.pending_events()
        assert pending.attempts == 1
    request_id = pending.request_id
    await clock.advance(30)
    second = failing_app(url(tmp_path), clock, records)
    [resumed] = second.pending_events()
    assert (resumed.request_id, resumed.attempts, resumed.age_seconds) == (request_id, 1, 31)
    async with second:
        for _ in range(200):
            await clock.advance(1)
        await second.wait_idle()
    [record] = records
    context = record["requestContext"]
    assert (context["requestId"], context["condition"]) == (request_id, "RetriesExhausted")
    assert context["approximateInvokeCount"] == 3
    assert second.pending_events() == []
    # the second process took the event up: its metrics count it as received there
    outcomes = second.metrics("flaky")["AsyncEventOutcomes"]
    assert (second.metrics("flaky")["AsyncEventsReceived"], outcomes["Pending"]) == (1, 0)


async def test_an_event_is_as_old_as_its_first_acceptance_after_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    records: list[Any] = []
    first = failing_app(url(tmp_path), clock, records, maximum_event_age=90)
    async with first:
        await first.invoke("flaky", {"id": 1}, invocation_type="Event")
        await clock.advance(1)  # its first attempt fails: the second waits a minute
    await clock.advance(100)  # down for longer than the event may live
    second = failing_app(url(tmp_path), clock, records, maximum_event_age=90)
    async with second:
        await clock.advance(1)
        await second.wait_idle()
    [record] = records
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"]["functionError"] == "Unhandled"  # from the first process


def scheduled_app(store: str, clock: FakeClock, fired: list[Any]) -> App:
    app = App(clock=clock, store=store)

    @app.on_schedule("rate(1 minute)", name="tick")
    async def tick(event: Any, context: Context) -> None:
        fired.append(event["time"])

    return app


async def test_schedules_count_the_ticks_missed_while_no_process_ran(tmp_path: Path) -> None:
    clock = FakeClock()
    fired: list[Any] = []
    first = scheduled_app(url(tmp_path), clock, fired)
    async with first:
        await clock.advance(180)
        await first.wait_idle()
    assert len(fired) == 3
    await clock.advance(600)
    second = scheduled_app(url(tmp_path), clock, fired)
    async with second:
        await clock.advance(60)
        await second.wait_idle()
    assert len(fired) == 4
    assert second.triggers("tick")[0].metrics()["MissedTicks"] == 10


async def test_two_apps_on_one_file_fire_each_tick_once(tmp_path: Path) -> None:
    clock = FakeClock()
    fired: list[Any] = []
    apps = [scheduled_app(url(tmp_path), clock, fired) for _ in range(2)]
    async with apps[0], apps[1]:
        await clock.advance(300)
        for app in apps:
            await app.wait_idle()
    assert len(fired) == len(set(fired)) == 5
    # Each process queues a tick's event before claiming the tick; the one that lost the claim
    # takes its event back, uncounted.
    assert sum(app.triggers("tick")[0].fired for app in apps) == 5
    assert apps[0].pending_events() == []  # the events taken back are gone from the file


def refused_schedule_app(store: str, clock: FakeClock) -> App:
    """A schedule whose every tick the Event queue refuses: its input is over Lambda's
    1 MB limit for an Event invocation."""
    app = App(clock=clock, store=store)

    @app.on_schedule("rate(1 minute)", name="tick", input={"blob": "x" * 1_100_000})
    async def tick(event: Any, context: Context) -> None:
        raise AssertionError("a refused tick ran")

    return app


async def test_a_refused_tick_is_kept_in_undelivered_and_counted() -> None:
    clock = FakeClock()
    app = refused_schedule_app("memory", clock)
    async with app:
        await clock.advance(180)
        await app.wait_idle()
    trigger = app.triggers("tick")[0]
    assert [error.split(":")[0] for _, error in trigger.undelivered] == ["RequestTooLarge"] * 3
    assert trigger.metrics()["FailedInvocations"] == 3
    assert trigger.fired == 0


async def test_two_apps_on_one_file_keep_each_refused_tick_once(tmp_path: Path) -> None:
    # Both processes queue each tick before claiming it and both are refused; only the one
    # that claimed the tick keeps it as undelivered (the other's was never its to deliver).
    clock = FakeClock()
    apps = [refused_schedule_app(url(tmp_path), clock) for _ in range(2)]
    async with apps[0], apps[1]:
        await clock.advance(300)
        for app in apps:
            await app.wait_idle()
    kept = [due for app in apps for due, _ in app.triggers("tick")[0].undelivered]
    assert len(kept) == len(set(kept)) == 5
    assert sum(app.triggers("tick")[0].metrics()["FailedInvocations"] for app in apps) == 5


def test_a_store_url_faaslib_cannot_open_is_a_clear_error(tmp_path: Path) -> None:
    from faaslib.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="third slash"):
        open_store("sqlite://app.db")
    with pytest.raises(ConfigurationError, match=r"folder .* does not exist"):
        open_store(f"sqlite:///{tmp_path / 'missing' / 'app.db'}")
    with pytest.raises(ConfigurationError, match="names no store"):
        open_store("postgres://localhost/app")
    (tmp_path / "text.db").write_text("not a database, just text " * 100)
    with pytest.raises(ConfigurationError, match="cannot be opened as a database"):
        open_store(f"sqlite:///{tmp_path / 'text.db'}")


def billed_app(store: str, clock: FakeClock) -> App:
    app = App(clock=clock, store=store)

    @app.function(memory=1024)
    async def work(event: Any, context: Context) -> None:
        return None  # 1 ms billed on the fake clock

    return app


async def test_the_bill_adds_up_across_runs_and_processes(tmp_path: Path) -> None:
    clock = FakeClock()
    memory = billed_app("memory", clock)
    async with memory:
        for _ in range(5):
            await memory.invoke("work", {})
    one_run = memory.costs.by_function()["work"]
    first, other = billed_app(url(tmp_path), clock), billed_app(url(tmp_path), clock)
    async with first, other:
        for _ in range(3):
            await first.invoke("work", {})
        for _ in range(2):
            await other.invoke("work", {})
    later = billed_app(url(tmp_path), clock)
    async with later:
        bill = later.costs.by_function()["work"]
        assert bill == one_run  # the five invocations of the two processes, and their cost
        assert later.costs.total().total == memory.costs.total().total
        later.costs.reset()
    assert billed_app(url(tmp_path), clock).costs.by_function()["work"].requests == 0


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    url=st.one_of(
        st.text(max_size=40),
        st.from_regex(
            r"\A(sqlite|redis|rediss|redis\+cluster|redis\+sentinel|memory)://[^\x00]{0,30}\Z"
        ),
    )
)
def test_any_store_url_opens_or_is_a_configuration_error(tmp_path: Path, url: str) -> None:
    from faaslib.errors import ConfigurationError

    folder = tmp_path / "urls"
    folder.mkdir(exist_ok=True)
    previous = os.getcwd()
    os.chdir(folder)  # a relative SQLite path lands here
    try:
        backend = open_store(url)
    except ConfigurationError as error:
        refused = str(error)
        assert refused.startswith(("store=", "SQLite store:")), refused
    else:
        assert backend.kind in ("memory", "sqlite", "redis")  # Redis connects when used
        backend.close()
    finally:
        os.chdir(previous)
