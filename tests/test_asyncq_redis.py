"""Event invocations on Redis, shared by a fleet: two apps on one key prefix, each with its own
backend (its own clients, as two processes have), and a real child process killed with
SIGKILL. The events one accepts, the other may run; retries carry their counts from one to the
other; a dead process's claims are taken over once its lease lapses; nothing runs twice without
a failure, and `pending_events()` shows the fleet's. A source's event (a bucket's put, a bus's
PutEvents, a topic's Publish) is in Redis before the operation returns: a process SIGKILLed
right after loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from faaslib import App, Context
from faaslib.stores import RedisBackend, open_store
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


@pytest.fixture
def url(redis_url: str) -> str:
    """A fresh key prefix on the suite's Redis server: the fleet of one test."""
    return f"{redis_url}?prefix=events{uuid.uuid4().hex[:10]}"


@pytest.fixture
def backends(url: str) -> Iterator[Callable[[], RedisBackend]]:
    """Backends on the test's prefix, one per "process", closed after the test."""
    opened: list[RedisBackend] = []

    def backend() -> RedisBackend:
        made = open_store(url)
        assert isinstance(made, RedisBackend)
        opened.append(made)
        return made

    yield backend
    for made in opened:
        made.close()


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Wait, in real time, for what another app does on its own (through Redis)."""
    with anyio.fail_after(seconds):
        while not condition():  # noqa: ASYNC110 - another app's doing, no event of ours
            await anyio.sleep(0.01)


async def test_events_one_app_accepts_run_in_the_other(
    backends: Callable[[], RedisBackend],
) -> None:
    ran: list[tuple[str, int]] = []
    apps = {}
    for name in ("a", "b"):
        app = apps[name] = App(name, store=backends(), concurrency=4, shutdown_timeout=0)

        async def work(event: Any, context: Context, name: str = name) -> None:
            await anyio.sleep(0.01)
            ran.append((name, event["id"]))

        app.function(name="work")(work)
    a, b = apps["a"], apps["b"]
    async with a:  # accepts them all, and leaves at once: what it has not run is the fleet's
        for number in range(30):
            result = await a.invoke("work", {"id": number}, invocation_type="Event")
            assert result.status_code == 202
    left = len(a.pending_events())
    assert 0 < left == 30 - len(ran)
    async with b:
        await until(lambda: len(ran) == 30)
        await b.wait_idle()
    assert sorted(number for _, number in ran) == list(range(30))  # each once
    assert Counter(name for name, _ in ran)["b"] == left
    assert a.metrics("work", this_process=True)["AsyncEventsReceived"] == 30  # accepted there
    assert b.metrics("work", this_process=True)["AsyncEventsReceived"] == left  # taken up there
    assert b.metrics("work", this_process=True)["AsyncEventOutcomes"]["Success"] == left
    for app in (a, b):  # the fleet's: each event received once, where it was accepted
        fleet = app.metrics("work")
        assert fleet["AsyncEventsReceived"] == 30
        assert fleet["AsyncEventOutcomes"]["Success"] == 30
        assert fleet["AsyncEventOutcomes"]["Pending"] == 0
    assert a.pending_events() == b.pending_events() == []


async def test_a_thousand_events_run_once_each_on_two_apps(
    backends: Callable[[], RedisBackend],
) -> None:
    ran: list[tuple[str, int]] = []
    apps = {}
    for name in ("a", "b"):
        app = apps[name] = App(name, store=backends(), concurrency=10, shutdown_timeout=0)

        async def work(event: Any, context: Context, name: str = name) -> None:
            await anyio.sleep(0.01)
            ran.append((name, event["id"]))

        app.function(name="work")(work)
    a, b = apps["a"], apps["b"]
    async with b:
        async with a:  # both dispatch while "a" accepts; then "a" leaves, "b" carries on
            for number in range(1000):
                await a.invoke("work", {"id": number}, invocation_type="Event")
        await until(lambda: len(ran) >= 1000)
        await b.wait_idle()
    numbers = Counter(number for _, number in ran)
    assert sorted(numbers) == list(range(1000))
    assert set(numbers.values()) == {1}  # none lost, none run twice
    by_app = Counter(name for name, _ in ran)
    assert by_app["a"] + by_app["b"] == 1000
    assert by_app["b"] > 0
    assert a.pending_events() == b.pending_events() == []


async def test_a_retry_runs_in_another_app_with_its_counts(
    backends: Callable[[], RedisBackend],
) -> None:
    clock = FakeClock()
    attempts: list[tuple[str, float]] = []
    failures: list[dict[str, Any]] = []
    apps = {}
    for name in ("a", "b"):
        app = apps[name] = App(name, store=backends(), clock=clock)

        async def flaky(event: Any, context: Context, name: str = name) -> None:
            attempts.append((name, clock.monotonic()))
            raise RuntimeError("down")

        app.function(name="flaky", maximum_retry_attempts=2, on_failure=failures.append)(flaky)
    a, b = apps["a"], apps["b"]

    async def advancing(condition: Callable[[], bool]) -> None:
        """Move the clock a second at a time (a throttle, while the fleet's processes share
        out its concurrency, waits a second) until `condition`."""
        with anyio.fail_after(10):
            while not condition():
                await clock.advance(1)
                await anyio.sleep(0.005)

    async with b:
        async with a:
            await a.invoke("flaky", {"order": 7}, invocation_type="Event")
            await advancing(lambda: len(attempts) == 1)
        # "a" stopped: its event, waiting to retry a minute later, is the fleet's
        (pending,) = b.pending_events()
        assert (pending.attempts, pending.payload) == (1, {"order": 7})
        await advancing(lambda: len(failures) == 1)
        await b.wait_idle()
    assert [name for name, _ in attempts] == ["a", "b", "b"]
    times = [moment for _, moment in attempts]
    assert times[1] - times[0] >= 60  # Lambda's intervals
    assert times[2] - times[1] >= 120
    (record,) = failures
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3  # counted across both
    assert record["requestPayload"] == {"order": 7}
    assert b.metrics("flaky", this_process=True)["AsyncEventsReceived"] == 1  # adopted
    assert b.metrics("flaky", this_process=True)["AsyncEventOutcomes"]["RetriesExhausted"] == 1
    assert b.metrics("flaky")["AsyncEventsReceived"] == 1  # the fleet's: received once
    assert b.metrics("flaky")["AsyncEventOutcomes"]["Pending"] == 0
    assert a.pending_events() == b.pending_events() == []


async def test_events_of_a_function_an_app_lacks_wait_for_one_that_has_it(
    backends: Callable[[], RedisBackend],
) -> None:
    ran: list[str] = []
    functions = {"both": ("alpha", "beta"), "alpha-only": ("alpha",), "beta-only": ("beta",)}
    apps = {}
    for name, names in functions.items():
        app = apps[name] = App(name, store=backends(), shutdown_timeout=0)
        for function in names:

            async def handler(event: Any, context: Context, where: str = name) -> None:
                if where == "both":  # never done there: it leaves them to the fleet
                    await anyio.sleep_forever()
                ran.append(f"{event['f']} in {where}")

            app.function(name=function)(handler)
    async with apps["alpha-only"]:
        async with apps["both"]:
            for function in ("beta", "alpha", "beta"):
                await apps["both"].invoke(function, {"f": function}, invocation_type="Event")
        await until(lambda: ran == ["alpha in alpha-only"])
        await anyio.sleep(0.2)  # a few exchanges: "alpha-only" leaves the betas alone
        assert ran == ["alpha in alpha-only"]
        assert apps["alpha-only"].pending_events() == []  # of the functions it knows
        waiting = [event.function_name for event in apps["beta-only"].pending_events()]
        assert waiting == ["beta", "beta"]  # seen from an app not running yet
        async with apps["beta-only"]:
            await until(lambda: len(ran) == 3)
            await apps["beta-only"].wait_idle()
    assert sorted(ran) == ["alpha in alpha-only", "beta in beta-only", "beta in beta-only"]


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import anyio

    import faaslib.asyncq.redis
    from faaslib import App

    faaslib.asyncq.redis.LEASE = 1.0  # its claims lapse a second after it dies
    url, marker = sys.argv[1], Path(sys.argv[2])
    app = App("doomed", store=url)

    def mark(path, text):  # whole, or not at all
        Path(f"{path}.tmp").write_text(text)
        Path(f"{path}.tmp").replace(path)

    @app.function(name="work")
    async def work(event, context):
        mark(marker, context.aws_request_id)
        await anyio.sleep_forever()  # killed mid-attempt

    async def main():
        async with app:
            result = await app.invoke("work", {"n": 1}, invocation_type="Event")
            mark(f"{marker}.accepted", result.request_id)  # answered 202
            await anyio.sleep_forever()

    anyio.run(main)
    """
)


def killed_mid_attempt(url: str, folder: Path) -> tuple[str, str]:
    """Run `CHILD` until its event is accepted and its attempt started, then SIGKILL it: the
    request ids it answered 202 with and its attempt ran with."""
    marker, accepted = folder / "attempt", folder / "attempt.accepted"
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(marker)])
    try:
        deadline = time.monotonic() + 30
        while not (marker.exists() and accepted.exists()):
            assert child.poll() is None, "the child process ended"
            assert time.monotonic() < deadline, "the child process never ran its event"
            time.sleep(0.01)
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    return accepted.read_text(), marker.read_text()


@pytest.mark.slow  # a child process to start (seconds) and a lease to lapse
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_claims_of_a_killed_process_are_taken_over_after_its_lease(
    url: str, backends: Callable[[], RedisBackend], tmp_path: Path, anyio_backend: str
) -> None:
    accepted, attempted = killed_mid_attempt(url, tmp_path)
    assert accepted == attempted
    runs: list[tuple[str, int]] = []
    survivor = App("survivor", store=backends())

    @survivor.function(name="work")
    async def work(event: Any, context: Context) -> None:
        runs.append((context.aws_request_id, event["n"]))

    (pending,) = survivor.pending_events()  # still claimed by the dead process
    assert pending.attempts == 0
    killed = time.monotonic()
    async with survivor:
        await until(lambda: len(runs) == 1)
        took = time.monotonic() - killed
        await survivor.wait_idle()
    assert runs == [(accepted, 1)]  # the same event, run again: at least once
    assert 0.5 < took < 5  # once the lease lapsed (1 s here), not before
    assert survivor.metrics("work")["AsyncEventOutcomes"]["Success"] == 1
    assert survivor.pending_events() == []


# -- a source's events: in Redis before the source's operation returns -------------------------

SOURCES = ("uploaded", "ordered", "told")


def observer(backend: RedisBackend, ran: list[tuple[str, Any]] | None = None) -> App:
    """Another process's app with the same functions: it reads (or runs) the fleet's events."""
    app = App("observer", store=backend, shutdown_timeout=0)
    for name in SOURCES:

        async def work(event: Any, context: Context, name: str = name) -> None:
            if ran is not None:
                ran.append((name, event))

        app.function(name=name)(work)
    return app


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_sources_event_is_in_redis_when_its_operation_returns(
    backends: Callable[[], RedisBackend], anyio_backend: str
) -> None:
    gate = anyio.Event()
    app = App("sources", store=backends(), shutdown_timeout=5)

    @app.on_object("uploads")
    async def uploaded(event: Any, context: Context) -> None:
        await gate.wait()

    @app.on_event({"source": ["shop"]})
    async def ordered(event: Any, context: Context) -> None:
        await gate.wait()

    @app.on_topic("news")
    async def told(event: Any, context: Context) -> None:
        await gate.wait()

    other = observer(backends())

    def seen() -> list[str]:  # no await between the operation and this read
        return sorted(pending.function_name for pending in other.pending_events())

    async with app:
        await app.bucket("uploads").put("a.txt", "x")
        assert seen() == ["uploaded"]
        await app.bus().put_events([{"Source": "shop", "DetailType": "order", "Detail": "{}"}])
        assert seen() == ["ordered", "uploaded"]
        await app.topic("news").publish("hello")
        assert seen() == ["ordered", "told", "uploaded"]
        gate.set()
        await app.wait_idle()
    assert seen() == []
    for name in SOURCES:
        assert app.metrics(name)["AsyncEventOutcomes"]["Success"] == 1
        assert app.metrics(name)["AsyncEventsReceived"] == 1


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_sources_event_outside_a_run_waits_in_the_pool_for_any_process(
    backends: Callable[[], RedisBackend], anyio_backend: str
) -> None:
    """A bucket written while its app is not running (a setup step, a script) notifies anyway:
    the event goes to the pool, and the first process that runs takes it."""
    app = App("writer", store=backends())

    @app.on_object("uploads")
    async def uploaded(event: Any, context: Context) -> None:
        raise AssertionError("the writer never runs")

    await app.bucket("uploads").put("early.txt", "x")
    ran: list[tuple[str, Any]] = []
    other = observer(backends(), ran)
    (pending,) = other.pending_events()
    assert pending.function_name == "uploaded"
    async with other:
        await other.wait_idle()
    assert [(name, event["Records"][0]["s3"]["object"]["key"]) for name, event in ran] == [
        ("uploaded", "early.txt")
    ]
    assert other.pending_events() == []


KILLED_AS_PUT_RETURNS = textwrap.dedent(
    """
    import os, signal, sys

    import anyio

    import faaslib.asyncq.redis
    from faaslib import App

    faaslib.asyncq.redis.LEASE = 1.0  # its claims lapse a second after it dies
    app = App("doomed", store=sys.argv[1])

    @app.on_object("uploads")
    async def uploaded(event, context):
        await anyio.sleep_forever()

    async def main():
        async with app:
            await app.bucket("uploads").put("last-words.txt", "x")
            os.kill(os.getpid(), signal.SIGKILL)  # before the loop turns again

    anyio.run(main)
    """
)


@pytest.mark.slow  # a child process to start (a second or two) and a lease to lapse
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_process_killed_as_its_bucket_put_returns_loses_no_notification(
    url: str, backends: Callable[[], RedisBackend], anyio_backend: str
) -> None:
    child = await anyio.run_process([sys.executable, "-c", KILLED_AS_PUT_RETURNS, url], check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    killed = time.monotonic()
    ran: list[tuple[str, Any]] = []
    survivor = observer(backends(), ran)
    (pending,) = survivor.pending_events()  # held by the dead process, until its lease lapses
    assert (pending.function_name, pending.attempts) == ("uploaded", 0)
    async with survivor:
        with anyio.fail_after(10):
            while not ran:  # noqa: ASYNC110 - the dead process's lease lapses on Redis's clock
                await anyio.sleep(0.01)
        took = time.monotonic() - killed
        await survivor.wait_idle()
    (name, event), *others = ran
    assert not others
    assert (name, event["Records"][0]["s3"]["object"]["key"]) == ("uploaded", "last-words.txt")
    assert took < 5  # the child's lease was a second
    assert survivor.pending_events() == []


KILLED_AS_A_TICK_IS_CLAIMED = textwrap.dedent(
    """
    import os, signal, sys

    import anyio

    import faaslib.asyncq.redis
    import faaslib.sources.scheduled
    from faaslib import App
    from faaslib.testing import FakeClock

    faaslib.asyncq.redis.LEASE = 1.0

    def killed(self, due):  # the process dies as it claims the tick
        os.kill(os.getpid(), signal.SIGKILL)

    faaslib.sources.scheduled.ScheduleTrigger._claim = killed
    clock = FakeClock()
    app = App("doomed", store=sys.argv[1], clock=clock)

    @app.on_schedule("rate(1 minute)")
    async def tick(event, context):
        await anyio.sleep_forever()

    async def main():
        async with app:
            await clock.advance(60)

    anyio.run(main)
    """
)


@pytest.mark.slow  # a child process to start and a lease to lapse
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_process_killed_as_it_claims_a_schedules_tick_loses_no_tick(
    url: str, backends: Callable[[], RedisBackend], anyio_backend: str
) -> None:
    """A schedule queues its tick's event before it claims the tick (and takes the event back
    if another process claimed it): killed in between, the tick still runs, elsewhere."""
    child = await anyio.run_process(
        [sys.executable, "-c", KILLED_AS_A_TICK_IS_CLAIMED, url], check=False
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    ran: list[Any] = []
    # On the child's time line (a FakeClock from the same start): on the real one the tick,
    # fired in fake 2026, would be months past Lambda's maximum event age.
    clock = FakeClock()
    survivor = App("survivor", store=backends(), shutdown_timeout=0, clock=clock)

    @survivor.function(name="tick")
    async def tick(event: Any, context: Context) -> None:
        ran.append(event)

    async with survivor:
        await clock.advance(60)  # to the tick: the event is due
        await until(lambda: bool(ran))
        await survivor.wait_idle()
    ((event,),) = (ran,)
    assert event["detail-type"] == "Scheduled Event"
    assert event["time"].endswith("T00:01:00Z")  # the tick the dead process was firing


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_two_apps_on_one_prefix_fire_each_tick_once(
    backends: Callable[[], RedisBackend], anyio_backend: str
) -> None:
    """Both queue each tick's event; the one that loses the claim takes its event back (from
    Redis at its next exchange), so each tick runs once and nothing is left."""
    clock = FakeClock()
    fired: list[str] = []
    apps = [App(f"app{n}", store=backends(), clock=clock) for n in range(2)]
    for app in apps:

        @app.on_schedule("rate(1 minute)", name="tick")
        async def tick(event: Any, context: Context) -> None:
            fired.append(event["time"])

    async with apps[0], apps[1]:
        await clock.advance(300)
        await until(lambda: len(fired) >= 5)
        for app in apps:
            await app.wait_idle()
        await until(lambda: apps[0].pending_events() == [])
    assert sorted(fired) == sorted(set(fired))
    assert len(fired) == 5
    assert sum(app.triggers("tick")[0].fired for app in apps) == 5
