"""Worker threads for sync handlers and class inits: a hand-off lighter than `to_thread`.

`anyio.to_thread.run_sync` takes a capacity-limiter token and passes two checkpoints on every
call; admission already bounds how many handlers run, so faaslib hands a call to an idle worker
and parks the task on one future (asyncio) or one reschedule (trio), which costs a third less
per call. Waiting is always abandoned on cancellation: the caller stops waiting, and the thread
runs on until its function returns, as Python cannot stop a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import queue
import sys
import threading
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import anyio.lowlevel
import sniffio

__all__ = ["WorkerUnavailable", "run_in_worker"]

T = TypeVar("T")

# A worker idle this long (real seconds) exits; anyio's workers use the same figure.
WORKER_IDLE_SECONDS = 10.0


class WorkerUnavailable(RuntimeError):
    """No worker thread could be started (the process is out of threads or memory): the
    invocation could not run, through no fault of its handler."""


class _Worker(threading.Thread):
    """One worker thread: waits for jobs on its own queue, rejoins the idle stack after each.

    Daemonic, so a handler that never returns cannot keep the process from exiting (Lambda
    would have killed its runtime).
    """

    def __init__(self, pool: _Workers) -> None:
        super().__init__(name="faaslib-worker", daemon=True)
        self.pool = pool
        # a job runs its function and returns what hands the outcome back to the caller
        self.jobs: queue.SimpleQueue[Callable[[], Callable[[], None]]] = queue.SimpleQueue()
        self.loop: asyncio.AbstractEventLoop | None = None  # made if a handler asks for one

    def run(self) -> None:
        pool = self.pool
        while True:
            try:
                job = self.jobs.get(timeout=WORKER_IDLE_SECONDS)
            except queue.Empty:
                with pool.lock:
                    if self in pool.idle:  # nobody took it meanwhile: retire
                        pool.idle.remove(self)
                        if self.loop is not None and not self.loop.is_running():
                            self.loop.close()
                        return
                continue  # taken just now: its job is on the way
            deliver = job()
            del job
            # Idle again before the caller hears back, so its next call finds this worker.
            with pool.lock:
                pool.idle.append(self)
            deliver()
            del deliver


class _Workers:
    """Idle workers on a stack, so the most recently used (its cache warm) is reused first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: list[_Worker] = []

    def submit(self, job: Callable[[], Callable[[], None]]) -> None:
        with self.lock:
            worker = self.idle.pop() if self.idle else None
        if worker is None:
            _give_workers_event_loops()
            worker = _Worker(self)
            try:
                worker.start()
            except RuntimeError as error:  # "can't start new thread"
                raise WorkerUnavailable(f"no worker thread could be started: {error}") from None
        worker.jobs.put(job)

    def forget_after_fork(self) -> None:
        self.lock = threading.Lock()
        self.idle = []  # the parent's threads do not exist in the child


class _WorkerLoops(asyncio.AbstractEventLoopPolicy):
    """The event loop policy in force, except that a faaslib worker thread gets an event loop
    of its own when its handler asks for one: on Lambda a sync handler runs on the runtime's
    main thread, where `asyncio.get_event_loop()` works (Mangum and others rely on it)."""

    def __init__(self, policy: asyncio.AbstractEventLoopPolicy) -> None:
        self.policy = policy

    def get_event_loop(self) -> asyncio.AbstractEventLoop:
        try:
            return self.policy.get_event_loop()
        except RuntimeError:  # no loop in this thread
            if not isinstance(threading.current_thread(), _Worker):
                raise
            loop = self.policy.new_event_loop()
            self.policy.set_event_loop(loop)
            worker = threading.current_thread()
            assert isinstance(worker, _Worker)
            worker.loop = loop  # closed when the worker retires
            return loop

    def set_event_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self.policy.set_event_loop(loop)

    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        return self.policy.new_event_loop()

    def get_child_watcher(self) -> Any:  # Python < 3.14 on Unix
        return self.policy.get_child_watcher()

    def set_child_watcher(self, watcher: Any) -> None:
        self.policy.set_child_watcher(watcher)


def _give_workers_event_loops() -> None:
    with warnings.catch_warnings():  # the policy API is deprecated from Python 3.14
        warnings.simplefilter("ignore", DeprecationWarning)
        policy = asyncio.get_event_loop_policy()
        if not isinstance(policy, _WorkerLoops):
            asyncio.set_event_loop_policy(_WorkerLoops(policy))


_workers = _Workers()
# sniffio's record of the async library running the current task (trio sets it; asyncio is
# found another way): a handler's thread has none, so that code it runs on an event loop of its
# own (Mangum's FastAPI) finds asyncio, as on Lambda.
_async_library: contextvars.ContextVar[str | None] = sniffio.current_async_library_cvar
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_workers.forget_after_fork)


async def run_in_worker(function: Callable[..., T], *args: Any) -> T:
    """Run `function(*args)` in a worker thread and return its result (or raise its error).

    It runs in a copy of the caller's context variables, as with `to_thread`, so what the
    invocation set up (its log capture) follows it. A caller already cancelled does not start
    it. Cancelling the caller stops the waiting at once; the thread finishes on its own.
    """
    await anyio.lowlevel.checkpoint_if_cancelled()
    context = contextvars.copy_context()
    if _async_library.get() is not None:  # a trio task's marker; the thread runs no trio
        context.run(_async_library.set, None)
    run = context.run
    trio = sys.modules.get("trio")
    if trio is not None and trio.lowlevel.in_trio_task():
        return await _run_on_trio(trio, run, function, args)
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def job() -> Callable[[], None]:
        try:
            result = run(function, *args)
        except BaseException as error:  # handed to the waiting task, to raise there
            outcome: tuple[bool, Any] = (False, error)
        else:
            outcome = (True, result)

        def deliver() -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
                loop.call_soon_threadsafe(_settle_future, future, outcome)

        return deliver

    _workers.submit(job)
    return await future


def _settle_future(future: asyncio.Future[Any], outcome: tuple[bool, Any]) -> None:
    if future.done():  # its waiter was cancelled
        return
    succeeded, value = outcome
    if succeeded:
        future.set_result(value)
    else:
        future.set_exception(value)


async def _run_on_trio(
    trio: Any, run: Callable[..., Any], function: Callable[..., T], args: tuple[Any, ...]
) -> T:
    lowlevel = trio.lowlevel
    token = lowlevel.current_trio_token()
    task = lowlevel.current_task()
    waiting = [True]  # read and written only in trio's thread

    def wake(outcome: Any) -> None:
        if waiting[0]:
            waiting[0] = False
            lowlevel.reschedule(task, outcome)

    def job() -> Callable[[], None]:
        outcome = run(_capture, function, args)

        def deliver() -> None:
            with contextlib.suppress(trio.RunFinishedError):  # the run has ended: nobody waits
                token.run_sync_soon(wake, outcome)

        return deliver

    def abort(raise_cancel: Any) -> Any:
        waiting[0] = False
        return lowlevel.Abort.SUCCEEDED

    _workers.submit(job)
    result: T = await lowlevel.wait_task_rescheduled(abort)
    return result


def _capture(function: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    import outcome  # trio's own dependency, present whenever trio is

    return outcome.capture(function, *args)
