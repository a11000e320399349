"""Lambda's reserved environment variables, as each invocation's handler sees them.

On Lambda every function has its own environment: `AWS_LAMBDA_FUNCTION_NAME`, its memory, its
log group and stream, `AWS_REGION`, `AWS_EXECUTION_ENV`, and per invocation the X-Ray trace id
`_X_AMZN_TRACE_ID`, which libraries such as Powertools read with `os.getenv`. In one process,
functions share `os.environ`; so faaslib gives `os.environ` a class that looks a key up first in
the running invocation's variables (a context variable, which follows the handler into its
worker thread and the tasks it starts) and then in the process's own. Outside an invocation
nothing changes; no function sees another's values.

A thread the handler starts itself (a pool of its own, AWS's durable execution SDK running the
workflow and its checkpoints) sees the function's environment on Lambda too, and its AWS calls
reach AWS; a new thread's context starts empty, so importing faaslib makes a thread started
during an invocation run in a copy of the starter's context (as Python 3.14 does with
`thread_inherit_context`): its `os.environ`, its routed AWS calls and its log lines are the
invocation's. Threads started outside invocations are untouched.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextvars import ContextVar, copy_context
from typing import TYPE_CHECKING, Any

from faaslib.marshal import EXECUTION_ENV

if TYPE_CHECKING:
    from faaslib.clock import Clock
    from faaslib.executor.function import Function

__all__ = ["InvocationVariables", "function_variables", "install", "running"]


running: ContextVar[InvocationVariables | None] = ContextVar("faaslib_variables", default=None)


def function_variables(function: Function, region: str, handler_name: str) -> dict[str, str]:
    """The variables every instance of `function` sees: its `environment`, then those Lambda
    sets (the configuration refuses reserved keys, so neither hides the other)."""
    return {
        **function.config.environment,
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": function.memory_text,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": function.log_group_name,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_EXECUTION_ENV": EXECUTION_ENV,
        "_HANDLER": handler_name,
    }


class InvocationVariables:
    """An instance's variables: its function's, its own, and its current invocation's trace id
    (written out only if the handler reads it, stamped with the app's clock when first read)."""

    __slots__ = (
        "_clock",
        "_function",
        "_provisioned",
        "_request_number",
        "_stream",
        "_trace_id",
        "route",
    )

    def __init__(
        self,
        function: dict[str, str],
        log_stream_name: str,
        provisioned: bool,
        request_number: int | None,
        clock: Clock,
        route: Any = None,
    ) -> None:
        self.route = route  # where the handler's AWS SDK calls go (faaslib.aws.route), if routed
        self._function = function
        self._stream = log_stream_name
        self._provisioned = provisioned
        self._request_number = request_number
        self._clock = clock
        self._trace_id: str | None = None

    def begin(self, request_number: int) -> InvocationVariables:
        """These variables, for the instance's next invocation (one at a time, as on Lambda,
        where the runtime rewrites `_X_AMZN_TRACE_ID` in its process's environment)."""
        self._request_number = request_number
        self._trace_id = None
        return self

    def get(self, key: str) -> str | None:
        value = self._function.get(key)
        if value is not None:
            return value
        if key == "AWS_LAMBDA_LOG_STREAM_NAME":
            return self._stream
        if key == "AWS_LAMBDA_INITIALIZATION_TYPE":
            return "provisioned-concurrency" if self._provisioned else "on-demand"
        if key == "_X_AMZN_TRACE_ID" and self._request_number is not None:
            return self.trace_id()
        return None

    def keys(self) -> list[str]:
        names = [*self._function, "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE"]
        if self._request_number is not None:
            names.append("_X_AMZN_TRACE_ID")
        return names

    def trace_id(self) -> str:
        """An X-Ray trace header in Lambda's form, derived from the request id (not sampled:
        nothing is sent to X-Ray)."""
        if self._trace_id is None:
            number = self._request_number or 0
            root = f"1-{int(self._clock.now()):08x}-{number & ((1 << 96) - 1):024x}"
            self._trace_id = f"Root={root};Parent={number >> 64:016x};Sampled=0"
        return self._trace_id


class _LambdaEnviron(os._Environ):  # type: ignore[type-arg]  # the class of os.environ
    """`os.environ`, looking up the running invocation's variables first."""

    def __getitem__(self, key: str) -> str:
        variables = running.get()
        if variables is not None:
            value = variables.get(key)
            if value is not None:
                return value
        return str(super().__getitem__(key))

    def __iter__(self) -> Iterator[str]:
        variables = running.get()
        if variables is None:
            yield from super().__iter__()
            return
        extra = variables.keys()
        yield from extra
        for key in super().__iter__():
            if key not in extra:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        return dict(self)


def install() -> None:
    """Give `os.environ` (the object itself: references held elsewhere see it too) the class
    that looks up invocations' variables. Idempotent; harmless outside invocations."""
    if type(os.environ) is os._Environ:
        os.environ.__class__ = _LambdaEnviron


def _start_in_context(thread: threading.Thread) -> None:
    """`Thread.start`, the thread running in a copy of the starter's context when it starts
    inside an invocation."""
    if running.get() is not None:
        run = thread.run
        context = copy_context()
        thread.run = lambda: context.run(run)  # type: ignore[method-assign]
    _thread_start(thread)


# Threads: once, when faaslib is imported, so that anything wrapping `Thread.start` later (a
# test's fault injection, a profiler) wraps this and is undone to it, never under it.
_thread_start = threading.Thread.start
threading.Thread.start = _start_in_context  # type: ignore[method-assign,assignment]
