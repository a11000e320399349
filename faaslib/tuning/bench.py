"""Running a function at one memory size on one architecture, and measuring each invocation.

The function runs on a bench: a separate `App` holding a copy of it (same handler, timeout,
environment, ephemeral storage; the memory size and architecture under test), so the user's
app is not disturbed: its bill, metrics, instances and concurrency never see a tuning
invocation. The copy's AWS SDK calls still reach the user's app (while it runs), as the
original's do. Each bench is new, so its first invocation is a cold start: its init is timed
(`cold=True` reports it) and it is not counted with the warm invocations that follow.

What is measured, by kind of instance:
- in-process: each invocation's wall time, and the CPU time of the thread that ran the handler
  (`time.thread_time()` in the worker thread of a sync handler; for an async handler, the event
  loop thread's while the handler's own code runs, step by step between its waits, so that
  the loop's work meanwhile is not counted; invocations run one at a time), and the time
  that thread waited for one of the host's CPUs (`faaslib.tuning.usage`), taken off the wall
  time: a busy host's queue is not the function's. The durations are then modelled
  (`faaslib.tuning.model`), each size's from every size's measurements (`Bench.samples`). A
  class handler's `__init__` is timed the same way.
- a process instance under a cgroup CPU quota (`faaslib.tuning.cpu_limit`): the durations as
  they came, measured.
- a process instance without a writable cgroup: its process's CPU time around each invocation
  (`/proc`), then modelled as in-process.
"""

from __future__ import annotations

import statistics
import time
import types
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

from faaslib.config import STAND_IN_CREDENTIALS
from faaslib.errors import FunctionError
from faaslib.executor.handlers import HandlerSpec
from faaslib.executor.record import billed_ms
from faaslib.runtime_api.functions import ProcessSpec
from faaslib.runtime_api.limits import MemoryGuard, memory_guard
from faaslib.tuning.cpu_limit import CpuLimitedGuard
from faaslib.tuning.model import model_duration
from faaslib.tuning.usage import Reading, process_usage, thread_usage

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.executor.function import Function
    from faaslib.invoke import InvocationResult

__all__ = ["Bench", "Samples"]


class Samples(msgspec.Struct, kw_only=True):
    """A memory size's durations and billed ms (at its share), and its init."""

    durations_ms: list[float]
    billed_ms: list[int]
    init_ms: float | None
    kind: str  # "measured" | "modelled"


class _Meter:
    """The CPU time and run-queue wait of the last invocation and of the last init, written
    by the wrappers."""

    __slots__ = ("cpu_ms", "delay_ms", "init_cpu_ms", "init_delay_ms")

    def __init__(self) -> None:
        self.cpu_ms = 0.0
        self.delay_ms = 0.0
        self.init_cpu_ms = 0.0
        self.init_delay_ms = 0.0

    def record(self, start: Reading) -> None:
        end = thread_usage()
        self.cpu_ms = end[0] - start[0]
        self.delay_ms = end[1] - start[1]


class _TimedSpec(HandlerSpec):
    """A handler spec like `spec`, whose handler (and class init) records its thread's CPU
    time on `meter`."""

    __slots__ = ("meter",)

    def __init__(self, spec: HandlerSpec, meter: _Meter) -> None:
        target = spec.target
        name = spec.name or f"{getattr(target, '__module__', '?')}.{_describe(target)}"
        if spec.is_class:
            target = _timed_init(target, meter)
        super().__init__(target, spec.is_class, spec.is_async, spec.convert, spec.is_typed, name)
        self.meter = meter

    def bind(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        bound = super().bind(handler)
        meter = self.meter
        if self.is_async:

            async def timed_async(event: Any, context: Any) -> Any:
                return await _timed_steps(bound(event, context), meter)

            return timed_async

        def timed(event: Any, context: Any) -> Any:
            start = thread_usage()
            try:
                return bound(event, context)
            finally:
                meter.record(start)

        return timed


@types.coroutine
def _timed_steps(awaitable: Any, meter: _Meter) -> Generator[Any, Any, Any]:
    """Await `awaitable`, adding up the CPU time and run-queue wait of its own steps only
    (each run of its code between two waits): the event loop's work while it waits, other
    tasks' and the loop's own wake-ups, is not the handler's."""
    steps = awaitable.__await__()
    cpu = delay = 0.0
    sent: Any = None
    thrown: BaseException | None = None
    try:
        while True:
            start = thread_usage()
            try:
                waits_on = steps.send(sent) if thrown is None else steps.throw(thrown)
            except StopIteration as done:
                return done.value
            finally:
                end = thread_usage()
                cpu += end[0] - start[0]
                delay += end[1] - start[1]
            try:
                sent, thrown = (yield waits_on), None
            except GeneratorExit:
                steps.close()
                raise
            except BaseException as error:  # a cancellation, passed on to the handler
                sent, thrown = None, error
    finally:
        meter.cpu_ms, meter.delay_ms = cpu, delay


def _timed_init(target: Callable[[], Any], meter: _Meter) -> Callable[[], Any]:
    def init() -> Any:
        start = thread_usage()
        try:
            return target()
        finally:
            end = thread_usage()
            meter.init_cpu_ms = end[0] - start[0]
            meter.init_delay_ms = end[1] - start[1]

    return init


class Bench:
    """Function `function` at `memory` on `architecture`, on a bench app of its own: entered
    (`async with`), its instance started by a cold invocation; `run` then runs one warm
    invocation and keeps its duration (measured) or its wall and CPU time (modelled);
    `samples()` gives the size's durations. `cpu_mechanism` is the
    process instances' CPU limit (`cgroup-v2`, `cgroup-v1` or `none`)."""

    def __init__(
        self, app: App, function: Function, memory: int, architecture: str, cpu_mechanism: str
    ) -> None:
        from faaslib.app import App

        self.memory = memory
        self.architecture = architecture
        self._bench = App(
            name=app.name,
            architecture=architecture,
            region=app.config.region,
            account_id=app.config.account_id,
            prices=app._prices,
            route_aws_calls=False,
            concurrency=1,
        )
        self._meter = _Meter()
        self._copy = _register_copy(
            app, self._bench, function, memory, architecture, cpu_mechanism, self._meter
        )
        self._is_process = self._copy.process is not None
        self.is_measured = self._is_process and cpu_mechanism != "none"
        self._pid: int | None = None
        self._durations: list[float] = []  # measured
        self._billed: list[int] = []
        self.readings: list[Reading] = []  # modelled: (wall less the wait for a CPU, CPU) ms
        self._process_usage: list[Reading] = []  # each warm invocation's (CPU, wait) ms
        self._usage_after_first: Reading | None = None
        self._first: InvocationResult | None = None

    async def __aenter__(self) -> Bench:
        await self._bench.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self._bench.__aexit__(*exc_info)

    async def start(self, request: bytes) -> None:
        """The cold invocation: starts the instance, times its init; not counted."""
        self._first = await self._invoke(request)
        if self._is_process and not self.is_measured:
            self._pid = _instance_pid(self._copy)
            if self._pid is not None:
                self._usage_after_first = _process_usage(self._pid)

    async def run(self, request: bytes) -> None:
        """One warm invocation, its duration kept (measured, or modelled at the memory size)."""
        pid = self._pid
        before = None if pid is None else _process_usage(pid)
        result = await self._invoke(request)
        assert result.duration_ms is not None
        if self.is_measured:
            self._durations.append(result.duration_ms)
            self._billed.append(result.billed_duration_ms or billed_ms(result.duration_ms))
            return
        if pid is not None and before is not None:
            after = _process_usage(pid)
            cpu, delay = after[0] - before[0], after[1] - before[1]
            self._process_usage.append((cpu, delay))
        else:
            cpu, delay = self._meter.cpu_ms, self._meter.delay_ms
        self.readings.append((max(0.0, result.duration_ms - delay), cpu))

    def init_reading(self) -> Reading | None:
        """The cold start's init as the model takes it: (wall less the wait for a CPU, CPU
        time) in ms; None for a measured bench or without an init."""
        init_ms = None if self._first is None else self._first.init_duration_ms
        if init_ms is None or self.is_measured:
            return None
        if self._pid is not None:
            # the process's usage until after its first invocation, less a warm one's
            first = self._usage_after_first or (0.0, 0.0)
            usage = self._process_usage or [(0.0, 0.0)]
            init_cpu = max(0.0, first[0] - statistics.median(cpu for cpu, _ in usage))
            init_delay = max(0.0, first[1] - statistics.median(wait for _, wait in usage))
        else:
            init_cpu, init_delay = self._meter.init_cpu_ms, self._meter.init_delay_ms
        return max(0.0, init_ms - init_delay), init_cpu

    def samples(self, readings: Sequence[Reading], inits: Sequence[Reading]) -> Samples:
        """This size's durations: measured, its own; modelled, the model at this size of
        `readings` and `inits`, the (wall, CPU) of every modelled invocation and init of the
        run (what the host measured does not depend on the size it was told: pooled, the
        sizes differ by Lambda's share alone, not by the host's noise between them)."""
        if self.is_measured:
            init_ms = None if self._first is None else self._first.init_duration_ms
            return Samples(
                durations_ms=list(self._durations),
                billed_ms=list(self._billed),
                init_ms=init_ms,
                kind="measured",
            )
        durations = [model_duration(wall, cpu, self.memory) for wall, cpu in readings]
        modelled_inits = [model_duration(wall, cpu, self.memory) for wall, cpu in inits]
        return Samples(
            durations_ms=durations,
            billed_ms=[billed_ms(duration) for duration in durations],
            init_ms=statistics.median(modelled_inits) if modelled_inits else None,
            kind="modelled",
        )

    async def _invoke(self, request: bytes) -> InvocationResult:
        result = await self._bench.invoke(self._copy.name, request)
        if result.function_error is None:
            return result
        # A tuning run stops at the first error, as Power Tuning's does once its retries are spent.
        error = result.payload if isinstance(result.payload, dict) else {}
        raise FunctionError(
            result.function_name,
            str(error.get("errorType", result.function_error)),
            f"at {self.memory} MB while tuning: {error.get('errorMessage', '')}",
            list(error.get("stackTrace", [])),
            result,
        )


def _process_usage(pid: int) -> Reading:
    usage = process_usage(pid)
    return (0.0, 0.0) if usage is None else usage


def _register_copy(
    app: App,
    bench: App,
    function: Function,
    memory: int,
    architecture: str,
    cpu_mechanism: str,
    meter: _Meter,
) -> Function:
    """The copy of `function` on `bench`, at `memory` on `architecture`."""
    config = function.config
    options: dict[str, Any] = {
        "name": config.name,
        "memory": memory,
        "timeout": config.timeout,
        "ephemeral_storage": config.ephemeral_storage,
        "environment": dict(config.environment),
        "architecture": architecture,
        "runtime": config.runtime,
        "description": config.description,
    }
    original = function.process
    if original is None:
        copy = bench._register(
            function.handler.target, options, spec=_TimedSpec(function.handler, meter)
        )
        copy.aws_route = app._aws_route
        if app._aws_route is not None:  # as the app's own functions: stand-in keys
            copy.variables.update(STAND_IN_CREDENTIALS)
        return copy
    host = bench._process_host
    if app._aws_route is not None:  # its SDK calls reach the user's app.aws, as the original's
        host.aws_app = lambda: app.aws
    label = f"{host.app_name}-{config.name}"
    runtime = original.runtime

    def guard() -> MemoryGuard:
        if cpu_mechanism == "none":
            return memory_guard(memory, label, runtime=runtime)
        return CpuLimitedGuard(memory, label, cpu_mechanism=cpu_mechanism, runtime=runtime)

    # The original's launch: a Node.js function's heap flags stay those of its own memory.
    process = ProcessSpec(lambda: original.launch, runtime, original.handler, host, guard)
    spec = HandlerSpec(_runs_in_its_process, False, False, name=original.handler)
    options["isolation"] = "process"
    copy = bench._register(None, options, spec=spec, process=process)
    process.prepare(copy.name, memory, app.config.region, config.environment)
    return copy


def _instance_pid(function: Function) -> int | None:
    """The process id of the function's idle process instance (taken and put straight back)."""
    pool = function.instances
    now = time.monotonic()
    instance = pool.take(now)
    if instance is None:
        return None
    pool.put_back(instance, instance.last_used)
    process = getattr(instance, "process", None)
    return getattr(process, "pid", None)


def _runs_in_its_process(event: Any, context: Any) -> Any:
    raise RuntimeError("a process instance's handler runs in its own process")


def _describe(target: object) -> str:
    return str(getattr(target, "__qualname__", None) or type(target).__name__)
