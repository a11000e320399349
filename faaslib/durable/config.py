"""`DurableConfig`: a durable function's settings, as Lambda's `DurableConfig` takes them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "MAX_EXECUTION_TIMEOUT_SECONDS",
    "MAX_SYNC_EXECUTION_TIMEOUT_SECONDS",
    "DurableConfig",
    "read_durable_config",
]

# Lambda's limits (botocore's lambda model: ExecutionTimeout 1..31,622,400 seconds, a year and
# a day; RetentionPeriodInDays 1..90, 14 by default).
MAX_EXECUTION_TIMEOUT_SECONDS = 31_622_400
# A synchronous (RequestResponse) invoke waits for the execution's end, so Lambda takes it only
# for a function whose execution timeout is at most 15 minutes; longer ones are invoked
# asynchronously (Event).
MAX_SYNC_EXECUTION_TIMEOUT_SECONDS = 900
# AWS's member names, as a template or CreateFunction spells them.
_AWS_NAMES = {"ExecutionTimeout": "execution_timeout", "RetentionPeriodInDays": "retention_days"}


class DurableConfig(BaseModel):
    """What makes a function durable: its executions checkpoint, suspend and replay.

    `execution_timeout` (seconds, 1 to 31,622,400) bounds a whole execution, across all its
    invocations and waits; `retention_days` (1 to 90, default 14) is how long an ended
    execution's state and history are kept, and billed as data retained.

    ```python
    from faaslib.durable import DurableConfig

    config = DurableConfig(execution_timeout=3600)
    assert config.retention_days == 14
    ```
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    execution_timeout: int = Field(ge=1, le=MAX_EXECUTION_TIMEOUT_SECONDS)
    retention_days: int = Field(default=14, ge=1, le=90)


def read_durable_config(value: Any) -> Any:
    """What `durable=` may be given, for the model to validate: a `DurableConfig`, a dict of
    its fields, or AWS's `{"ExecutionTimeout": ..., "RetentionPeriodInDays": ...}` (turned into
    its fields here)."""
    if isinstance(value, Mapping) and any(key in _AWS_NAMES for key in value):
        unknown = [key for key in value if key not in _AWS_NAMES and key != "KMSKeyArn"]
        if unknown:
            raise ValueError(
                f"unknown DurableConfig field {unknown[0]!r}; Lambda's are ExecutionTimeout and "
                "RetentionPeriodInDays"
            )
        value = {_AWS_NAMES[key]: item for key, item in value.items() if key in _AWS_NAMES}
    return value
