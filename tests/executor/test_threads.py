"""faaslib's worker threads: results, errors, context, cancellation, reuse and retirement."""

from __future__ import annotations

import contextvars
import threading
import time

import anyio
import pytest

from faaslib.executor import threads
from faaslib.executor.threads import run_in_worker
from tests.background import eventually

pytestmark = pytest.mark.anyio

request = contextvars.ContextVar[str]("request")


async def test_returns_the_result_from_another_thread() -> None:
    assert await run_in_worker(threading.get_ident) != threading.get_ident()
    assert await run_in_worker(divmod, 7, 2) == (3, 1)


async def test_raises_the_functions_error() -> None:
    def fails() -> None:
        raise LookupError("nope")

    with pytest.raises(LookupError, match="nope"):
        await run_in_worker(fails)


async def test_runs_in_a_copy_of_the_callers_context() -> None:
    request.set("abc")

    def change() -> str:
        value = request.get()
        request.set("changed in the thread")
        return value

    assert await run_in_worker(change) == "abc"
    assert request.get() == "abc"


async def test_sequential_calls_reuse_one_worker() -> None:
    first = await run_in_worker(threading.get_ident)
    assert all([await run_in_worker(threading.get_ident) == first for _ in range(20)])


async def test_concurrent_calls_get_their_own_workers() -> None:
    meeting = threading.Barrier(5, timeout=10)
    idents: list[int] = []

    def meet() -> None:
        meeting.wait()  # five must run at once to pass
        idents.append(threading.get_ident())

    async with anyio.create_task_group() as tasks:
        for _ in range(5):
            tasks.start_soon(run_in_worker, meet)
    assert len(set(idents)) == 5


async def test_a_cancelled_caller_stops_waiting_and_the_thread_finishes_alone() -> None:
    release = threading.Event()
    finished = threading.Event()

    def slow() -> str:
        release.wait(10)
        finished.set()
        return "late"

    with anyio.move_on_after(0.05) as scope:
        await run_in_worker(slow)
    assert scope.cancelled_caught
    assert not finished.is_set()
    release.set()
    await eventually(finished.is_set)
    assert await run_in_worker(lambda: "still works") == "still works"


async def test_a_caller_cancelled_beforehand_does_not_start_the_function() -> None:
    ran: list[int] = []
    with anyio.CancelScope() as scope:
        scope.cancel()
        await run_in_worker(ran.append, 1)
    await run_in_worker(lambda: None)  # anything queued would have run by now
    assert ran == []


async def test_an_idle_worker_retires(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "WORKER_IDLE_SECONDS", 0.02)
    await run_in_worker(lambda: None)  # a worker that waits with the short idle time
    worker = await run_in_worker(threading.current_thread)
    assert worker.name == "faaslib-worker"
    assert worker.daemon
    await eventually(lambda: not worker.is_alive())
    assert worker not in threads._workers.idle


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_a_thread_that_outlives_its_event_loop_ends_quietly(backend: str) -> None:
    release = threading.Event()
    finished = threading.Event()
    errors: list[BaseException | None] = []
    hook = threading.excepthook
    threading.excepthook = lambda arguments: errors.append(arguments.exc_value)

    def slow() -> None:
        release.wait(10)
        finished.set()

    async def main() -> None:
        with anyio.move_on_after(0.01):
            await run_in_worker(slow)

    try:
        anyio.run(main, backend=backend)
        release.set()
        assert finished.wait(10)
        time.sleep(0.05)  # the worker reports back to the closed loop, then idles
    finally:
        threading.excepthook = hook
    assert errors == []
