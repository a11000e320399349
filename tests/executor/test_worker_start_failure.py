"""When no worker thread can be started, an invocation fails as Lambda's own failure.

Issue 16, item 6: `RuntimeError: can't start new thread` (a low `ulimit`, a process out of
threads) is a 500 `ServiceError`, counted in `ServiceErrors`, with its concurrency slot given
back; an Event invocation is retried with back-off, never in a spin, and the app still stops.

Thread start is made to fail for real at the boundary we do not own: `threading.Thread.start`,
for faaslib's worker threads only, with the idle workers of earlier tests set aside.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from faaslib import App, Context, ServiceError
from faaslib.executor import threads
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


class ThreadStarts:
    """Whether faaslib's worker threads may start, and how many starts were refused."""

    def __init__(self) -> None:
        self.failing = True
        self.refused = 0


@pytest.fixture
def thread_starts(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadStarts]:
    control = ThreadStarts()
    real_start = threading.Thread.start

    def start(self: threading.Thread) -> None:
        if control.failing and self.name == "faaslib-worker":
            control.refused += 1
            raise RuntimeError("can't start new thread")
        real_start(self)

    pool = threads._workers
    with pool.lock:  # idle workers would serve without a start: set them aside
        idle = list(pool.idle)
        pool.idle.clear()
    monkeypatch.setattr(threading.Thread, "start", start)
    try:
        yield control
    finally:
        monkeypatch.undo()
        with pool.lock:
            pool.idle.extend(idle)


async def run_out(app: App, clock: FakeClock, until: float) -> None:
    """Advance the fake clock a second at a time until no Event invocation is pending, never
    while a handler runs: its thread runs in real time, and a clock racing ahead of it (a loaded
    machine) would time it out."""
    while app.pending_events() and clock.monotonic() < until:
        while app.metrics()["ConcurrentExecutions"]["now"]:  # noqa: ASYNC110 - a worker thread signals nothing to wait on
            await anyio.sleep(0.001)
        await clock.advance(1)
    await app.wait_idle()


async def test_a_sync_invoke_without_a_worker_thread_is_a_service_error(
    app: App, thread_starts: ThreadStarts
) -> None:
    runs: list[Any] = []

    @app.function
    def work(event: Any, context: Context) -> str:
        runs.append(event)
        return "done"

    with pytest.raises(ServiceError) as raised:
        await app.invoke("work", {"n": 1})
    error = raised.value
    assert (error.status_code, error.error_code) == (500, "ServiceException")
    assert error.function_name == "work"
    assert "can't start new thread" in error.message
    assert "'work'" in error.message
    with pytest.raises(ServiceError):
        await app.call("work", {"n": 2})
    assert runs == []
    assert thread_starts.refused == 2
    metrics = app.metrics("work")
    assert metrics["ServiceErrors"] == 2
    assert metrics["Invocations"] == 0  # nothing ran, nothing billed
    assert metrics["ConcurrentExecutions"]["now"] == 0
    assert app.metrics()["ConcurrentExecutions"]["now"] == 0
    assert app.costs.by_function()["work"].requests == 0

    thread_starts.failing = False
    assert await app.call("work", {"n": 3}) == "done"
    assert runs == [{"n": 3}]
    assert app.metrics("work")["Invocations"] == 1


async def test_a_reserved_slot_is_given_back_after_a_service_error(
    clock: FakeClock, thread_starts: ThreadStarts
) -> None:
    app = App(clock=clock)

    @app.function(reserved_concurrency=1)
    def single(event: Any, context: Context) -> str:
        return "done"

    for _ in range(3):  # each would be throttled if the one slot were kept
        with pytest.raises(ServiceError):
            await app.invoke("single")
    assert app.metrics("single")["Throttles"] == 0
    thread_starts.failing = False
    assert await app.call("single") == "done"


async def test_an_async_handler_needs_no_worker_thread(
    app: App, thread_starts: ThreadStarts
) -> None:
    @app.function
    async def light(event: Any, context: Context) -> str:
        return "done"

    assert await app.call("light") == "done"
    assert thread_starts.refused == 0


async def test_an_event_without_a_worker_thread_backs_off_then_succeeds(
    clock: FakeClock, thread_starts: ThreadStarts
) -> None:
    app = App(clock=clock)
    successes: list[dict[str, Any]] = []
    runs: list[Any] = []

    # A long timeout: the fake clock moves on while a handler's thread runs in real time.
    @app.function(maximum_retry_attempts=0, on_success=successes.append, timeout=900)
    def work(event: Any, context: Context) -> str:
        runs.append(event)
        return "done"

    async with app:
        accepted = await app.invoke("work", {"n": 1}, invocation_type="Event")
        for _ in range(10):  # ten seconds of fake time
            await clock.advance(1)
        # Tried at 0, 1, 3 and 7 s (backing off 1, 2, 4 s): a handful, never a spin.
        assert 2 <= thread_starts.refused <= 6
        assert app.metrics("work")["ServiceErrors"] == thread_starts.refused
        [pending] = app.pending_events()
        assert pending.request_id == accepted.request_id
        assert pending.attempts == 0  # the handler never ran
        assert runs == []

        thread_starts.failing = False
        await run_out(app, clock, until=600)
    assert runs == [{"n": 1}]
    [record] = successes
    assert record["requestContext"]["requestId"] == accepted.request_id
    assert record["requestContext"]["condition"] == "Success"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert app.pending_events() == []
    assert app.metrics("work")["Invocations"] == 1
    assert app.metrics()["ConcurrentExecutions"]["now"] == 0


async def test_an_app_stops_while_no_worker_thread_can_start(
    clock: FakeClock, thread_starts: ThreadStarts
) -> None:
    app = App(clock=clock)
    runs: list[Any] = []

    @app.function(maximum_retry_attempts=0, timeout=900)
    def work(event: Any, context: Context) -> str:
        runs.append(event)
        return "done"

    async with app:
        for n in range(3):
            await app.invoke("work", {"n": n}, invocation_type="Event")
        await clock.advance(5)
    refused = thread_starts.refused
    assert 3 <= refused <= 3 * 4
    assert len(app.pending_events()) == 3  # kept, to run when the app runs again
    assert runs == []

    thread_starts.failing = False
    async with app:
        await run_out(app, clock, until=1200)
    assert sorted(event["n"] for event in runs) == [0, 1, 2]
    assert app.metrics("work")["AsyncEventOutcomes"] == {
        "Success": 3,
        "RetriesExhausted": 0,
        "EventAgeExceeded": 0,
        "Pending": 0,
    }


class Model:
    """A class handler: its `__init__` runs in a worker thread."""

    inits = 0

    def __init__(self) -> None:
        Model.inits += 1

    async def __call__(self, event: Any, context: Context) -> int:
        return Model.inits


async def test_a_provisioned_class_handler_without_a_worker_thread_does_not_stop_the_app(
    clock: FakeClock, thread_starts: ThreadStarts
) -> None:
    app = App(clock=clock)
    Model.inits = 0
    app.function(name="model", provisioned_concurrency=1)(Model)

    async with app:
        assert app.instances("model").total == 0
        assert app.metrics("model")["ServiceErrors"] >= 1
        with pytest.raises(ServiceError):  # a cold start needs a thread for init too
            await app.invoke("model")
        assert Model.inits == 0
        assert app.metrics()["ConcurrentExecutions"]["now"] == 0

        thread_starts.failing = False
        result = await app.invoke("model")
        assert (result.status_code, result.function_error, result.payload) == (200, None, 1)
    assert Model.inits >= 1
