"""faaslib: AWS Lambda as a Python library.

Register real Lambda handlers with decorators and run them in this process with Lambda's
semantics: concurrency limits, cold and warm instances, timeouts, Lambda's error shapes and log
lines, and a bill (`app.costs`, `faaslib.billing`) computed as AWS computes it.
"""

from faaslib.app import App, InstanceCounts
from faaslib.asyncq import PendingEvent, UndeliveredRecord
from faaslib.clock import Clock, SystemClock
from faaslib.config import FunctionConfig
from faaslib.context import ClientContext, CognitoIdentity, Context
from faaslib.errors import (
    BudgetExceeded,
    ConfigurationError,
    FunctionError,
    InvalidParameterValue,
    InvalidRequestContent,
    InvocationError,
    RequestTooLarge,
    ResourceConflict,
    ResourceNotFound,
    ServiceError,
    TooManyRequests,
)
from faaslib.invoke import InvocationResult

__version__ = "0.1.0"
"""faaslib's version."""

__all__ = [
    "App",
    "BudgetExceeded",
    "ClientContext",
    "Clock",
    "CognitoIdentity",
    "ConfigurationError",
    "Context",
    "FunctionConfig",
    "FunctionError",
    "InstanceCounts",
    "InvalidParameterValue",
    "InvalidRequestContent",
    "InvocationError",
    "InvocationResult",
    "PendingEvent",
    "RequestTooLarge",
    "ResourceConflict",
    "ResourceNotFound",
    "ServiceError",
    "SystemClock",
    "TooManyRequests",
    "UndeliveredRecord",
    "__version__",
]
