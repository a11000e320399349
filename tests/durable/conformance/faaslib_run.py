"""A requirement run on faaslib: AWS's template loaded with `App.from_template`, the function
invoked as AWS's runner invokes it, time moved by a `FakeClock` whenever nothing else can happen.

AWS's runner invokes the function with `Qualifier=$LATEST` (synchronously, or with
InvocationType=Event for an `AsyncInvoke` requirement), reads GetDurableExecutionHistory and
GetDurableExecution, and answers callbacks with SendDurableExecutionCallback* through boto3. Here
the invoke and the reads go through `app.invoke` and `app.durable`; the callbacks, which the
requirements describe as an external system's, go through boto3 into `app.aws` (AWS's own wire
protocol), or through `app.durable.callback_*` when `callbacks="python"`.

Time: handlers run in worker threads, which a `FakeClock` does not wait for. So time moves only
when the app is quiet (no invocation running, every task blocked), and only to the next timer
due, as it would pass on AWS: a wait of an hour takes no real time and changes nothing else.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
import warnings
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

import anyio
import anyio.from_thread
import anyio.to_thread

from faaslib import App
from faaslib.aws.inprocess import answer
from faaslib.testing import FakeClock
from faaslib.testing.clock import settle
from tests.durable.conformance.ahead import Ahead
from tests.durable.conformance.matching import Verdict
from tests.durable.conformance.requirements import AWS, Requirement, requirements
from tests.durable.conformance.scenario import (
    TERMINAL,
    Callbacks,
    Outcome,
    Send,
    history_matches,
    judge,
    start,
)

__all__ = [
    "Run",
    "conformance_runs",
    "deployable",
    "next_deadline",
    "quiet",
    "run_on_faaslib",
]

Transport = Literal["boto3", "python"]
# Functions whose handler ends its process (`os._exit`, a simulated crash): they run in process
# instances, as every Lambda function does, so that the crash takes only the instance down.
PROCESS_ISOLATED = {"1-17", "1-18", "3-12"}
# Fake seconds past the function's ExecutionTimeout after which a run is called stuck.
_SLACK = 120.0
_MOST_STEPS = 20_000


class Run:
    """One requirement's run: its app, clock and bindings, and what came out."""

    def __init__(self, requirement: Requirement, clock: FakeClock, callbacks: Transport) -> None:
        self.requirement = requirement
        self.clock = clock
        self.transport = callbacks
        self.bindings, self.payload = start(requirement)
        self.variables = dict(self.bindings.values)  # bound before the history binds more
        self.outcome = Outcome()
        # The loader notes what it does not emulate (TenancyConfig, the DynamoDB table's
        # billing mode, ...) in warnings, which the test suite turns into errors.
        with warnings.catch_warnings(record=True) as self.notes:
            warnings.simplefilter("always")
            kind = ProcessApp if requirement.id in PROCESS_ISOLATED else App
            self.app = kind.from_template(deployable(requirement.suite), clock=clock)
        self.function = str(requirement.function)
        self.verdict = Verdict(["not run"])

    # -- time ---------------------------------------------------------------------------------

    async def quiet(self) -> None:
        await quiet(self.app)

    async def advance_to(self, target: float) -> None:
        """Let time pass to `target` (monotonic), timer by timer, the app quiet before each."""
        while True:
            await self.quiet()
            due = next_deadline(self.clock)
            if due is None or due > target:
                await self.clock.advance(max(0.0, target - self.clock.monotonic()))
                return
            await self.clock.advance(max(0.0, due - self.clock.monotonic()))

    def _budget(self) -> float:
        function = self.app._function(self.function)
        durable = function.config.durable
        return (durable.execution_timeout if durable is not None else 900) + _SLACK

    async def until(self, done: Callable[[], Awaitable[bool]]) -> None:
        """Look (`done()`) each time the app is quiet, then let time pass to the next timer due,
        until `done()`; an error in the outcome if nothing is left to happen first."""
        for _ in range(_MOST_STEPS):
            await self.quiet()
            if await done():
                return
            due = next_deadline(self.clock)
            if due is None or self.clock.monotonic() > self._budget():
                self.outcome.errors.append(
                    f"no progress: nothing pending at {self.clock.monotonic():.0f} s "
                    "(fake time) and the execution has not ended"
                )
                return
            await self.clock.advance(max(0.0, due - self.clock.monotonic()))
        self.outcome.errors.append(f"still running after {_MOST_STEPS} timer steps")

    # -- the requirement ----------------------------------------------------------------------

    async def run(self) -> Verdict:
        """Invoke the function as AWS's runner does and judge what it did."""
        async with self.app:
            if self.requirement.asynchronous:
                result = await self.app.invoke(
                    self.function, self.payload, invocation_type="Event", qualifier="$LATEST"
                )
                self.outcome.arn = result.durable_execution_arn
                if self.outcome.arn is None:
                    self.outcome.errors.append("Event invoke gave no DurableExecutionArn")
                    return judge(self.requirement, self.outcome, self.bindings)
                if await self._watch():
                    return judge(self.requirement, self.outcome, self.bindings)
            else:
                await self._invoke_and_wait()
            if self.outcome.arn is not None:
                await self._read()
        return judge(self.requirement, self.outcome, self.bindings)

    async def _invoke_and_wait(self) -> None:
        box: list[Any] = []

        async def call() -> None:
            box.append(await self.app.invoke(self.function, self.payload, qualifier="$LATEST"))

        async def returned() -> bool:
            await anyio.lowlevel.checkpoint()
            return bool(box)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(call)
            await self.until(returned)
            tasks.cancel_scope.cancel()
        if box:
            self.outcome.arn = box[0].durable_execution_arn
            if self.outcome.arn is None:
                self.outcome.errors.append(
                    f"RequestResponse invoke gave no DurableExecutionArn: {box[0].payload!r:.200}"
                )

    async def _read(self) -> None:
        arn = str(self.outcome.arn)
        self.outcome.events = await self.app.durable.history(arn, include_execution_data=True)
        self.outcome.execution = await self.app.durable.get(arn)

    async def _watch(self) -> bool:
        """Poll as AWS's runner polls, answering callbacks; True when a requirement with no
        ExpectedResult matched early (its polling stops there)."""
        callbacks = Callbacks(self.requirement, self.bindings)
        matched = False

        async def ended() -> bool:
            nonlocal matched
            await self._read()
            if self.outcome.execution.get("Status") in TERMINAL:
                return True
            sends = callbacks.due(self.outcome.events)
            while sends:  # a heartbeat leaves its callback open for the next action at once
                for send in sends:
                    await self._send(send)
                await self.quiet()
                await self._read()
                sends = callbacks.due(self.outcome.events)
            if self.requirement.expected_result is None and history_matches(
                self.requirement, self.outcome.events, self.bindings
            ):
                matched = True
            return matched

        await self.until(ended)
        self.outcome.errors += callbacks.errors
        return matched

    async def _send(self, send: Send) -> None:
        if send.delay:
            await self.advance_to(self.clock.monotonic() + send.delay)
        try:
            if self.transport == "python":
                await self._send_python(send)
            else:
                await anyio.to_thread.run_sync(self._send_boto3, send)
        except Exception as error:  # the service refused it: AWS's runner records it so
            self.outcome.errors.append(
                f"callback {send.operation} of {send.callback_id} refused: "
                f"{type(error).__name__}: {error}"
            )

    async def _send_python(self, send: Send) -> None:
        durable = self.app.durable
        if send.operation == "success":
            await durable.callback_success(send.callback_id, send.result_bytes())
        elif send.operation == "failure":
            await durable.callback_failure(send.callback_id, send.error())
        else:
            await durable.callback_heartbeat(send.callback_id)

    def _send_boto3(self, send: Send) -> None:
        token = _SENDER.set(self.app)
        try:
            self._send_with(_lambda_client(), send)
        finally:
            _SENDER.reset(token)

    @staticmethod
    def _send_with(client: Any, send: Send) -> None:
        extra: dict[str, Any] = {}
        if send.operation == "success":
            if send.payload is not None:
                extra["Result"] = send.result_bytes()
            client.send_durable_execution_callback_success(CallbackId=send.callback_id, **extra)
        elif send.operation == "failure":
            if send.error() is not None:
                extra["Error"] = send.error()
            client.send_durable_execution_callback_failure(CallbackId=send.callback_id, **extra)
        else:
            client.send_durable_execution_callback_heartbeat(CallbackId=send.callback_id)


# The app a boto3 call from this thread is for: one client serves every run (making one loads
# botocore's Lambda model, a third of a second), its hook sending each call to the caller's app.
_SENDER: ContextVar[App | None] = ContextVar("conformance_sender", default=None)


@functools.cache
def _lambda_client() -> Any:
    """A boto3 Lambda client whose calls `app.aws` answers (the app in `_SENDER`), made from a
    worker thread of that app's event loop."""
    import boto3.session
    import botocore.session

    core = botocore.session.get_session()

    def send(request: Any, **kwargs: Any) -> Any:
        app = _SENDER.get()
        if app is None:
            return None
        return answer(
            request, lambda call, arguments: anyio.from_thread.run(call, *arguments), app.aws
        )

    core.register("before-send", send)
    session = boto3.session.Session(
        botocore_session=core,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return session.client("lambda")


@functools.cache
def deployable(suite: str) -> Path:
    """AWS's template for `suite` beside a `lambda-build/` holding that suite's handlers, as
    AWS's build script lays it out (it copies every suite; one is enough here, and the app
    measures a smaller folder 20 times a template). The template is AWS's, unchanged."""
    folder = Path(tempfile.mkdtemp(prefix=f"faaslib-conformance-{suite}-"))
    atexit.register(shutil.rmtree, folder, True)
    (folder / "lambda-build").mkdir()
    (folder / "lambda-build" / suite).symlink_to(AWS / "handlers" / suite)
    template = folder / f"template_{suite}.yaml"
    shutil.copyfile(AWS / f"template_{suite}.yaml", template)
    return template


async def quiet(app: App) -> None:
    """Return once no invocation of `app` runs and every task of the loop is blocked."""
    pause = 0.0005
    while True:
        await settle()
        if app.metrics()["ConcurrentExecutions"]["now"] == 0:
            await settle()
            if app.metrics()["ConcurrentExecutions"]["now"] == 0:
                return
        # A handler is running in a thread or a process, in real time: look again soon, less
        # often the longer it takes (an invocation of the SDK lasts a tenth of a second).
        await anyio.sleep(pause)
        pause = min(pause * 2, 0.01)


def next_deadline(clock: FakeClock) -> float | None:
    """When the clock's next live timer falls due (its monotonic time), or None."""
    return clock.next_deadline()


class ProcessApp(App):
    """An app whose template functions run in process instances (awslambdaric behind Lambda's
    Runtime API), for handlers that end their process to simulate a crash."""

    def add_function(self, name: str, **options: Any) -> None:
        options.setdefault("isolation", "process")
        super().add_function(name, **options)


async def _finish(run: Run) -> Run:
    run.verdict = await run.run()
    return run


async def run_on_faaslib(requirement: Requirement, *, callbacks: Transport = "boto3") -> Run:
    """Run `requirement` on faaslib under a fresh FakeClock; the run, judged (`run.verdict`)."""
    run = Run(requirement, FakeClock(), callbacks)
    run.verdict = await run.run()
    return run


def conformance_runs() -> Ahead[Requirement, Run]:
    """Requirements run ahead, suite by suite; callbacks through boto3, except in the
    wait_for_callback suite (through `app.durable.callback_*`), so both doors are used."""

    def prepare(requirement: Requirement) -> Callable[[], Run]:
        transport: Transport = "python" if requirement.suite == "wait_for_callback" else "boto3"
        run = Run(requirement, FakeClock(), transport)
        return functools.partial(anyio.run, _finish, run, backend="asyncio")

    return Ahead(requirements(), prepare, lambda requirement: requirement.suite)
