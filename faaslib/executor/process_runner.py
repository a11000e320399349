"""The process-instance path of the runner: a function whose instances are processes speaking
Lambda's Runtime API (faaslib.runtime_api) instead of handlers called in this process.

Admission, pools, billing, metrics, START/END/REPORT and Tail logs stay the runner's: this
module starts an instance (its init timed from spawn to the first `/next`, under Lambda's init
limit), hands it one invocation under the function's timeout, and says in Lambda's words what
came of it: the runtime's response or error, `Sandbox.Timedout` (the process killed),
`Runtime.ExitError` (it died), `Runtime.OutOfMemory` (its memory guard says so).

Timeouts are measured on the app's clock, as every deadline is; the process itself lives in
real time, so under a `FakeClock` a handler that never returns times out only when the test
moves the clock.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from faaslib.errors import ResourceConflict
from faaslib.executor.instances import Instance
from faaslib.executor.outcomes import timeout_error
from faaslib.executor.record import INFO, record
from faaslib.invoke import MAX_SYNC_RESPONSE_BYTES, InvocationResult, request_id_text
from faaslib.marshal import encode_error, plain_error
from faaslib.runtime_api.process import RuntimeProcess, exit_reason
from faaslib.runtime_api.storage import ephemeral_storage, launch_needs

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    import anyio

    from faaslib.billing.costs import Budget
    from faaslib.clock import Clock
    from faaslib.context import ClientContext
    from faaslib.executor.deadlines import Deadlines
    from faaslib.executor.function import Function
    from faaslib.executor.variables import InvocationVariables
    from faaslib.logs import LogCapture
    from faaslib.runtime_api.functions import ProcessSpec

__all__ = ["ProcessInstance", "run_in_process", "start_instance"]


class Runner(Protocol):
    """What this path takes from the runner that calls it (`faaslib.executor.runner`), which
    imports this module: its clock, budget and deadlines."""

    clock: Clock
    budget: Budget | None
    deadlines: Deadlines

    def deadline_scope(
        self, timeout: float, start: float
    ) -> tuple[AbstractContextManager[anyio.CancelScope], int | None]: ...


_REAL_TIME = time.time  # the process's own clock, for the deadline it is sent

Error = dict[str, Any]


class _Output:
    """Where an instance's output lines go: the current invocation's capture (Tail), and the
    function's logger."""

    __slots__ = ("capture", "logger")

    def __init__(self, function: Function) -> None:
        self.logger = function.logger
        self.capture: LogCapture | None = None

    def line(self, text: str) -> None:
        capture = self.capture
        if capture is not None:
            capture.line(text)
        if self.logger.isEnabledFor(INFO):
            self.logger.info(text)


class ProcessInstance(Instance):
    """An instance whose handler runs in its own process; dropping it from its pool ends the
    process."""

    __slots__ = ("output", "process")

    def __init__(
        self,
        process: RuntimeProcess,
        output: _Output,
        log_stream_name: str,
        is_provisioned: bool,
        variables: InvocationVariables,
    ) -> None:
        super().__init__(_no_handler, log_stream_name, is_provisioned, variables)
        self.process = process
        self.output = output

    def close(self) -> None:
        self.process.close()


def _no_handler(event: Any, context: Any) -> Any:
    raise RuntimeError("a process instance's handler runs in its process")


async def start_instance(
    function: Function,
    spec: ProcessSpec,
    log_stream: str,
    is_provisioned: bool,
    variables: InvocationVariables,
    request_id: str,
    capture: LogCapture | None,
    limit: float,
    runner: Runner,
) -> tuple[Instance | None, float, Error | None]:
    """A new process instance, initialized: from spawn to its runtime's first `/next`, within
    `limit` seconds. Returns it (None if its init failed), the init duration in ms and the
    init error in Lambda's shape. The caller has counted it in the pool; a failure is
    discarded here."""
    task_group = spec.host.task_group
    if task_group is None:
        function.instances.discard(None, is_provisioned)
        raise ResourceConflict(
            f"function {function.name!r} runs in process instances, which live while App "
            f"{spec.host.app_name!r} runs; invoke it inside `async with app:`",
            function_name=function.name,
        )
    try:
        launch = spec.launch
        environment = dict(spec.environment)
    except BaseException:  # the runtime is not there (ConfigurationError, naming what to install)
        function.instances.discard(None, is_provisioned)
        raise
    environment["AWS_LAMBDA_LOG_STREAM_NAME"] = log_stream
    environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = (
        "provisioned-concurrency" if is_provisioned else "on-demand"
    )
    endpoint_url = await spec.host.start_endpoint()
    if endpoint_url is not None:
        environment.setdefault("AWS_ENDPOINT_URL", endpoint_url)
    output = _Output(function)
    output.capture = capture
    guard = spec.guard() if spec.guard is not None else None
    storage = ephemeral_storage(  # /tmp: a disk of ephemeral_storage MB where the host can
        function.config.ephemeral_storage,
        function.name,
        launch_needs(launch.argv, launch.cwd, environment),
    )
    process = RuntimeProcess(
        launch.argv, launch.cwd, environment, function.arn, output.line, guard, storage
    )
    instance = ProcessInstance(process, output, log_stream, is_provisioned, variables)
    clock = runner.clock
    start = clock.monotonic()
    error: Error | None = None
    try:
        await task_group.start(process.run)
    except BaseException:
        function.instances.discard(None, is_provisioned)
        raise
    failure = process.spawn_error
    if failure is not None:  # the runtime could not be started at all
        function.instances.discard(None, is_provisioned)
        error = plain_error(
            "Runtime.InvalidEntrypoint",
            f"RequestId: {request_id} Error: fork/exec {launch.argv[0]}: "
            f"{failure.strerror or failure}",
        )
        return None, (clock.monotonic() - start) * 1000.0, error
    try:
        with clock.timeout_scope(limit) as scope:
            await process.server.ready.wait()
    except BaseException:
        process.close()
        function.instances.discard(None, is_provisioned)
        raise
    init_ms = (clock.monotonic() - start) * 1000.0
    process.drain()
    output.capture = None
    server = process.server
    if scope.cancel_called and not server.ready.is_set():
        error = plain_error(
            "Runtime.InitTimeout",
            f"RequestId: {request_id} Error: Init phase timed out after {limit:.2f} seconds",
        )
    elif server.init_error is not None:
        error = _posted_init_error(*server.init_error, request_id)
    elif not server.is_initialized:  # it exited before asking for work
        await process.exited.wait()
        error = _exit_error(process, request_id)
    if error is not None:
        process.close()
        function.instances.discard(None, is_provisioned)
        return None, init_ms, error

    def forget() -> None:  # it ended while idle: the next invocation starts a new one
        function.instances.remove_idle(instance)

    process.on_exit = forget
    return instance, init_ms, None


async def run_in_process(
    runner: Runner,
    function: Function,
    instance: Instance,
    request: bytes,
    request_number: int,
    client_context: ClientContext | None,
    start: float,
    capture: LogCapture | None,
    logging_on: bool,
    init_duration_ms: float | None,
) -> InvocationResult:
    """One invocation on a process instance, recorded as the runner records any."""
    assert isinstance(instance, ProcessInstance)
    process = instance.process
    output = instance.output
    output.capture = capture
    request_id = request_id_text(request_number)
    clock = runner.clock
    remaining = function.timeout - (clock.monotonic() - start)
    trace_id = instance.variables.begin(request_number).trace_id()
    context_header = None if client_context is None else _client_context_header(client_context)
    timer, key = runner.deadline_scope(function.timeout, start)
    answer = None
    finished = False
    try:
        with timer as scope:
            answer = await process.invoke(
                request_id,
                request,
                int((_REAL_TIME() + remaining) * 1000),
                trace_id,
                context_header,
            )
        finished = True
    finally:
        if key is not None:
            runner.deadlines.remove(function.timeout, key)
        if not finished:  # the caller was cancelled: the instance's state is unknown
            output.capture = None
            function.instances.discard(instance)
            instance.close()
    end = clock.monotonic()
    duration_ms = (end - start) * 1000.0
    timed_out = False
    keep = True
    error: Error | None = None
    body = b""
    if scope.cancel_called and answer is None:
        timed_out = True
        process.drain()  # what it printed before it was stopped
        process.close()
        error = _timed_out(function, request_id)
        body = encode_error(error)
        keep = False
    elif answer is None:  # the process ended during the invocation
        await process.exited.wait()
        error = _exit_error(process, request_id)
        body = encode_error(error)
        keep = False
    elif answer.too_large:
        error = plain_error(
            "Function.ResponseSizeTooLarge",
            f"Response payload size ({answer.too_large} bytes) exceeded maximum allowed "
            f"payload size ({MAX_SYNC_RESPONSE_BYTES} bytes).",
        )
        body = encode_error(error)
    elif answer.error_type is not None:
        error = _posted_error(answer.error_type, answer.body)
        body = answer.body
        guard = process.guard
        if guard is not None and guard.was_exceeded(process.pid, None, answer.error_type):
            error = _out_of_memory(request_id)
            body = encode_error(error)
            keep = False
    else:
        body = answer.body
    output.capture = None
    # Read only for a REPORT line: a cgroup's peak costs a file read (~50 us on cgroup v1).
    max_memory = process.peak_mb() if logging_on or capture is not None else 0
    if keep and not process.exited.is_set():
        instance.invocations += 1
        function.instances.put_back(instance, end)
    else:
        function.instances.discard(instance)
        instance.close()
    return record(
        function,
        request_number,
        capture,
        logging_on,
        error,
        body,
        duration_ms,
        init_duration_ms,
        timed_out,
        instance.is_provisioned,
        runner.budget,
        clock,
        max_memory_used_mb=max_memory,
    )


def _posted_error(error_type: str, body: bytes) -> Error:
    """The error a runtime posted, as the record counts it (its own log already shows it, so
    no stack trace is kept to log again)."""
    try:
        posted = msgspec.json.decode(body)
    except msgspec.DecodeError:
        posted = None
    message = ""
    if isinstance(posted, dict):
        error_type = str(posted.get("errorType") or error_type)
        message = str(posted.get("errorMessage", ""))
    return {"errorType": error_type, "errorMessage": message}


def _posted_init_error(error_type: str, body: bytes, request_id: str) -> Error:
    """The init error a runtime posted, whole, as Lambda answers the invocation that met it
    (with that invocation's request id: Lambda runs a failed init again in the invoke phase)."""
    try:
        posted = msgspec.json.decode(body)
    except msgspec.DecodeError:
        posted = None
    if not isinstance(posted, dict):
        return plain_error(error_type, body.decode("utf-8", "replace"))
    posted.setdefault("errorType", error_type)
    if not posted.get("requestId"):
        posted["requestId"] = request_id
    return posted


def _exit_error(process: RuntimeProcess, request_id: str) -> Error:
    guard = process.guard
    if guard is not None and guard.was_exceeded(process.pid, process.returncode):
        return _out_of_memory(request_id)
    code = process.returncode
    if code == 0:
        return plain_error(
            "Runtime.ExitError",
            f"RequestId: {request_id} Error: Runtime exited without providing a reason",
        )
    return plain_error(
        "Runtime.ExitError",
        f"RequestId: {request_id} Error: Runtime exited with error: {exit_reason(code)}",
    )


def _timed_out(function: Function, request_id: str) -> Error:
    error = timeout_error(function, request_id)[0]
    assert error is not None
    return error


def _out_of_memory(request_id: str) -> Error:
    return plain_error(
        "Runtime.OutOfMemory",
        f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    )


def _client_context_header(client_context: ClientContext) -> bytes:
    """The client context as Lambda sends it to the runtime: its JSON."""
    client = client_context.client
    data: dict[str, Any] = {
        "client": None
        if client is None
        else {name: getattr(client, name) for name in client.__slots__},
        "custom": client_context.custom,
        "env": client_context.env,
    }
    return msgspec.json.encode(data)
