"""What can go wrong, split the way Lambda splits it.

Lambda answers some invocations with an error status (the function was never run, or could not
be): those are `InvocationError`s, raised by `App.invoke`. A handler that fails still produces a
response (status 200 with `function_error`); `App.call` turns that into a `FunctionError`.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CallbackTimeout",
    "ConfigurationError",
    "DurableExecutionAlreadyStarted",
    "FunctionError",
    "InvalidParameterValue",
    "InvalidRequestContent",
    "InvocationError",
    "RequestTooLarge",
    "ResourceNotFound",
    "ServiceError",
    "TooManyRequests",
]


class ConfigurationError(ValueError):
    """A function or app was configured with a value Lambda would refuse.

    Raised at decoration or construction time, never during an invocation. The message names the
    function, the field, the value and the allowed range.
    """


class InvocationError(Exception):
    """Lambda refused or could not run the invocation; the handler did not produce a response.

    `status_code` is the HTTP status Lambda's Invoke API answers with and `error_code` the name of
    its exception (`TooManyRequestsException`, ...), so code that handles boto3 errors maps over.
    """

    status_code: int = 500
    error_code: str = "ServiceException"

    def __init__(self, message: str, *, function_name: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.function_name = function_name


class ServiceError(InvocationError):
    """Lambda could not run the invocation for a reason of its own, not the function's: its
    500 `ServiceException`. faaslib raises it when no worker thread can be started for a sync
    handler or a class's init; an Event invocation is retried later, with back-off."""

    status_code = 500
    error_code = "ServiceException"


class ResourceNotFound(InvocationError):
    """No function by that name (or qualifier) is registered: Lambda's 404."""

    status_code = 404
    error_code = "ResourceNotFoundException"


class ResourceConflict(InvocationError):
    """The function can't take this request in its current state: Lambda's 409. faaslib raises
    it for an Event invocation while the app is not running (nothing would run the event)."""

    status_code = 409
    error_code = "ResourceConflictException"


class TooManyRequests(InvocationError):
    """No concurrency was left for the invocation: Lambda's 429 throttle.

    `reason` is Lambda's throttle reason, e.g. `ConcurrentInvocationLimitExceeded`.
    """

    status_code = 429
    error_code = "TooManyRequestsException"

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        function_name: str | None = None,
        retry_after_seconds: float | None = None,
    ) -> None:
        super().__init__(message, function_name=function_name)
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds


class BudgetExceeded(TooManyRequests):
    """The app's budget is spent and it was told to throttle further invocations
    (`App(budget=..., throttle_over_budget=True)`); `reason` is `"BudgetExceeded"`.

    Not one of Lambda's throttles: AWS Budgets only alerts. It is a 429 so that callers that
    handle throttles handle it too.
    """


class RequestTooLarge(InvocationError):
    """The encoded request payload is over Lambda's limit for the invocation type: 413."""

    status_code = 413
    error_code = "RequestTooLargeException"


class InvalidRequestContent(InvocationError):
    """The payload is not JSON, or cannot be encoded as JSON: 400."""

    status_code = 400
    error_code = "InvalidRequestContentException"


class InvalidParameterValue(InvocationError):
    """An argument of the invocation itself is invalid (invocation type, log type, ...): 400."""

    status_code = 400
    error_code = "InvalidParameterValueException"


class DurableExecutionAlreadyStarted(InvocationError):
    """A durable execution of that name was started already, with another input: 409."""

    status_code = 409
    error_code = "DurableExecutionAlreadyStartedException"


class CallbackTimeout(InvocationError):
    """A durable execution's callback was answered after it closed (it timed out, was answered
    already, or its execution ended): 400."""

    status_code = 400
    error_code = "CallbackTimeoutException"


class FunctionError(Exception):
    """The handler failed; raised by `App.call` with the error Lambda would report.

    `error_type`, `error_message` and `stack_trace` are the `errorType`, `errorMessage` and
    `stackTrace` of Lambda's error payload; `result` is the full `InvocationResult`.
    """

    def __init__(
        self,
        function_name: str,
        error_type: str,
        error_message: str,
        stack_trace: list[str],
        result: Any = None,
    ) -> None:
        super().__init__(f"function {function_name!r} failed: {error_type}: {error_message}")
        self.function_name = function_name
        self.error_type = error_type
        self.error_message = error_message
        self.stack_trace = stack_trace
        self.result = result
