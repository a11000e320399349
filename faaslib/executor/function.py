"""A registered function as the executor sees it: its configuration, its handler and its
instances, with everything the invoke path needs worked out once, at registration."""

from __future__ import annotations

import logging

from faaslib.config import FunctionConfig
from faaslib.executor.admission import Slots
from faaslib.executor.handlers import HandlerSpec
from faaslib.executor.instances import InstancePool
from faaslib.logs import PLATFORM_LOGGER_PREFIX

__all__ = ["Function"]


class Function:
    """One function of an app.

    Holds the validated config and precomputed strings (ARN, log group, memory as the runtime
    reports it) so an invocation only reads attributes.
    """

    __slots__ = (
        "arn",
        "config",
        "handler",
        "instances",
        "log_group_name",
        "logger",
        "memory",
        "memory_text",
        "name",
        "slots",
        "timeout",
    )

    def __init__(
        self,
        config: FunctionConfig,
        handler: HandlerSpec,
        *,
        region: str,
        account_id: str,
        idle_timeout: float,
    ) -> None:
        self.config = config
        self.handler = handler
        self.name = config.name
        self.memory = config.memory
        self.memory_text = str(config.memory)
        self.timeout = float(config.timeout)
        self.arn = f"arn:aws:lambda:{region}:{account_id}:function:{config.name}"
        self.log_group_name = f"/aws/lambda/{config.name}"
        self.logger = logging.getLogger(PLATFORM_LOGGER_PREFIX + config.name)
        self.instances = InstancePool(idle_timeout)
        self.slots = Slots(config.reserved_concurrency, config.provisioned_concurrency)

    def __repr__(self) -> str:
        return f"Function(name={self.name!r}, memory={self.memory}, timeout={self.timeout})"
