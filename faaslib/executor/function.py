"""A registered function as the executor sees it: its configuration, its handler and its
instances, with everything the invoke path needs worked out once, at registration."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from faaslib.billing.ledger import FunctionLedger
from faaslib.config import FunctionConfig, function_arn
from faaslib.executor.admission import Slots
from faaslib.executor.handlers import HandlerSpec
from faaslib.executor.instances import InstancePool
from faaslib.executor.variables import function_variables
from faaslib.logs import PLATFORM_LOGGER_PREFIX
from faaslib.metrics import FunctionMetrics

if TYPE_CHECKING:
    from faaslib.runtime_api.functions import ProcessSpec

__all__ = ["Function"]


class Function:
    """One function of an app.

    Holds the validated config and precomputed strings (ARN, log group, memory as the runtime
    reports it) so an invocation only reads attributes.
    """

    __slots__ = (
        "arn",
        "aws_route",
        "config",
        "durable",
        "handler",
        "instances",
        "ledger",
        "log_group_name",
        "logger",
        "memory",
        "memory_text",
        "metrics",
        "name",
        "process",
        "scaling_capacity",
        "scaling_checked",
        "scaling_per_second",
        "scaling_period",
        "scaling_rate",
        "scaling_tokens",
        "slots",
        "timeout",
        "variables",
    )

    def __init__(
        self,
        config: FunctionConfig,
        handler: HandlerSpec,
        *,
        region: str,
        account_id: str,
        idle_timeout: float,
        max_idle_instances: int,
        scaling_rate: int,
        scaling_period: float,
        ledger: FunctionLedger,
        process: ProcessSpec | None = None,
    ) -> None:
        self.config = config
        self.handler = handler
        self.name = config.name
        self.memory = config.memory
        self.memory_text = str(config.memory)
        self.durable = config.durable is not None  # its invokes start durable executions
        self.timeout = float(config.timeout)
        self.arn = function_arn(region, account_id, config.name)
        self.log_group_name = f"/aws/lambda/{config.name}"
        self.aws_route: object = None  # where its handlers' AWS SDK calls go (the app sets it)
        # How its instances start as processes (faaslib.executor.process_runner), or None: its
        # handler runs in this process.
        self.process = process
        target = handler.target
        handler_name = handler.name or f"{getattr(target, '__module__', '?')}.{_describe(target)}"
        self.variables = function_variables(self, region, handler_name)
        self.logger = logging.getLogger(PLATFORM_LOGGER_PREFIX + config.name)
        self.instances = InstancePool(
            idle_timeout, max_idle_instances, config.provisioned_concurrency
        )
        self.slots = Slots(config.reserved_concurrency, config.provisioned_concurrency)
        self.metrics = FunctionMetrics()
        self.ledger = ledger
        # Lambda's scaling rate: a bucket of new on-demand instances, refilled continuously
        # (unused rate does not accrue past one full bucket).
        self.scaling_rate = scaling_rate
        self.scaling_period = scaling_period
        self.scaling_capacity = float(scaling_rate)
        self.scaling_per_second = scaling_rate / scaling_period
        self.scaling_tokens = float(scaling_rate)
        self.scaling_checked: float | None = None

    def share_scaling(self, processes: int) -> None:
        """Scale at 1/`processes` of the rate: each live process of a fleet takes an equal
        part, so together they start no more new instances than Lambda's rate allows (each at
        least one per period, so that none is left unable to start any)."""
        capacity = max(1.0, self.scaling_rate / max(1, processes))
        if capacity != self.scaling_capacity:
            self.scaling_capacity = capacity
            self.scaling_per_second = capacity / self.scaling_period
            self.scaling_tokens = min(self.scaling_tokens, capacity)

    def may_scale_up(self, now: float) -> bool:
        """Take one new-instance token if the scaling rate allows it now."""
        if self.scaling_checked is not None:
            self.scaling_tokens = min(
                self.scaling_capacity,
                self.scaling_tokens + (now - self.scaling_checked) * self.scaling_per_second,
            )
        self.scaling_checked = now
        if self.scaling_tokens < 1.0:
            return False
        self.scaling_tokens -= 1.0
        return True

    def __repr__(self) -> str:
        return f"Function(name={self.name!r}, memory={self.memory}, timeout={self.timeout})"


def _describe(target: object) -> str:
    return str(getattr(target, "__qualname__", None) or type(target).__name__)
