"""What an invocation came to, in Lambda's shape: the handler's result or error, a timeout, an
exit, a throttle; and the response body the runtime would send for it."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import anyio.lowlevel

from faaslib.errors import TooManyRequests
from faaslib.executor.function import Function
from faaslib.invoke import MAX_SYNC_RESPONSE_BYTES, request_id_text
from faaslib.marshal import (
    MarshalError,
    RuntimeExit,
    encode_error,
    error_payload,
    marshal_response,
    plain_error,
)

__all__ = [
    "Outcome",
    "caller_is_cancelled",
    "exit_error",
    "handler_error",
    "respond",
    "scaling_throttle",
    "thread_error",
    "timeout_error",
]

# (error payload or None, return value, whether the instance may serve again)
Outcome = tuple["dict[str, Any] | None", Any, bool]


def respond(outcome: Outcome, request_number: int) -> tuple[dict[str, Any] | None, bytes, bool]:
    """The error (or None), the response body and whether the instance may serve again, as the
    runtime would send them for `outcome`: a result it cannot encode is `Runtime.MarshalError`,
    one over 6 MB `Function.ResponseSizeTooLarge`, and what it would die of `Runtime.ExitError`."""
    error, value, keep = outcome
    if error is None:
        try:
            body = marshal_response(value)
        except MarshalError as failure:  # the runtime's own fault: its request id, no frames
            error = {
                "errorMessage": f"Unable to marshal response: {failure}",
                "errorType": "Runtime.MarshalError",
                "requestId": request_id_text(request_number),
                "stackTrace": [],
            }
        except RuntimeExit:
            return _died(request_number)
        else:
            if len(body) <= MAX_SYNC_RESPONSE_BYTES:
                return None, body, keep
            error = plain_error(
                "Function.ResponseSizeTooLarge",
                f"Response payload size ({len(body)} bytes) exceeded maximum allowed "
                f"payload size ({MAX_SYNC_RESPONSE_BYTES} bytes).",
            )
    try:
        return error, encode_error(error), keep
    except RuntimeExit:
        return _died(request_number)


def _died(request_number: int) -> tuple[dict[str, Any], bytes, bool]:
    error = exit_error(SystemExit(1), request_id_text(request_number))
    return error, encode_error(error), False


def handler_error(error: BaseException, request_id: str, keep: bool) -> Outcome:
    """The outcome of an exception that escaped the handler; one whose `str()` raises kills the
    runtime, as it does on Lambda."""
    try:
        return error_payload(error, request_id), None, keep
    except RuntimeExit:
        return exit_error(SystemExit(1), request_id), None, False


def scaling_throttle(function: Function) -> TooManyRequests:
    reserved = function.slots.reserved is not None
    share = (
        f", this process's share of the fleet's {function.scaling_rate}"
        if function.scaling_capacity < function.scaling_rate
        else ""
    )
    return TooManyRequests(
        f"Rate Exceeded. (function {function.name!r}: more than "
        f"{function.scaling_capacity:.0f} new instances within "
        f"{function.scaling_period:g} seconds{share})",
        reason=(
            "ReservedFunctionInvocationRateLimitExceeded"
            if reserved
            else "FunctionInvocationRateLimitExceeded"
        ),
        function_name=function.name,
    )


def timeout_error(function: Function, request_id: str) -> Outcome:
    """Lambda's answer when the handler runs past its timeout; the instance is thrown away."""
    message = f"RequestId: {request_id} Error: Task timed out after {function.timeout:.2f} seconds"
    return plain_error("Sandbox.Timedout", message), None, False


def exit_error(error: SystemExit, request_id: str) -> dict[str, Any]:
    """Lambda's answer when the runtime process exits during an invocation."""
    code = error.code
    status = 0 if code is None else code if isinstance(code, int) else 1
    if status == 0:
        message = f"RequestId: {request_id} Error: Runtime exited without providing a reason"
    else:
        message = f"RequestId: {request_id} Error: Runtime exited with error: exit status {status}"
    return plain_error("Runtime.ExitError", message)


def thread_error(error: BaseException, request_id: str) -> Outcome:
    """What a handler's exception that is not an ordinary error makes of the invocation."""
    if isinstance(error, SystemExit):
        return exit_error(error, request_id), None, False
    # KeyboardInterrupt, GeneratorExit, ...: the runtime process would be gone.
    return handler_error(error, request_id, isinstance(error, Exception))


async def caller_is_cancelled() -> bool:
    """Whether the invocation itself is being cancelled, not just its handler raising a
    cancellation exception of its own."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # not asyncio
        task = None
    cancelling = getattr(task, "cancelling", None)
    if cancelling is not None:
        return bool(cancelling())
    try:
        await anyio.lowlevel.checkpoint_if_cancelled()
    except anyio.get_cancelled_exc_class():
        return True
    return False
