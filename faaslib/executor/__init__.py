"""The executor: admission under concurrency limits, instances, and running handlers.

It knows nothing about event sources; invocations reach it only through the invoker (`App`).
"""

from faaslib.executor.admission import Admission, Slots
from faaslib.executor.function import Function
from faaslib.executor.handlers import HandlerSpec, resolve_handler
from faaslib.executor.instances import Instance, InstancePool
from faaslib.executor.runner import INIT_TIMEOUT_SECONDS, Runner

__all__ = [
    "INIT_TIMEOUT_SECONDS",
    "Admission",
    "Function",
    "HandlerSpec",
    "Instance",
    "InstancePool",
    "Runner",
    "Slots",
    "resolve_handler",
]
