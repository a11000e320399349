"""`context()`: a Lambda context for calling a handler directly, without an app.

```pycon
>>> from faaslib.testing import context, events
>>> handler(events.sqs({"id": 1}), context("orders", timeout=30))
```

The context is the one an app would build (`faaslib.Context`), so a handler sees the same
attributes and the same quirks (`memory_limit_in_mb` is a `str`, as in AWS's runtime).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from typing import Any

from faaslib.clock import Clock
from faaslib.config import FunctionConfig, function_arn, validate
from faaslib.context import ClientContext, CognitoIdentity, Context
from faaslib.invoke import new_request_id
from faaslib.testing.clock import FakeClock

__all__ = ["context"]


def context(
    function_name: str = "test",
    *,
    memory: int = 128,
    timeout: float = 3,
    remaining_ms: int | None = None,
    request_id: str | None = None,
    clock: Clock | None = None,
    client_context: Mapping[str, Any] | None = None,
    identity: CognitoIdentity | None = None,
    region: str = "us-east-1",
    account_id: str = "123456789012",
    log_stream_name: str | None = None,
) -> Context:
    """A `faaslib.Context` for an invocation of `function_name` that starts now.

    `memory` and `timeout` are checked against Lambda's limits, as `@app.function` checks them.
    `get_remaining_time_in_millis()` counts down from `remaining_ms` (default: the whole
    `timeout`) on `clock`; the default clock is a new `FakeClock`, so the time left stays put
    unless the test moves it (`clock.tick(1)` in a sync test). `request_id` defaults to a fresh
    UUID; `client_context` is the caller's `{"client": ..., "custom": ..., "env": ...}`.
    """
    config: FunctionConfig = validate(
        FunctionConfig,
        f"context(function_name={function_name!r})",
        {"name": function_name, "memory": memory, "timeout": timeout},
    )
    if remaining_ms is None:
        seconds_left: float = config.timeout
    elif not 0 <= remaining_ms <= config.timeout * 1000:
        raise ValueError(
            f"context(function_name={function_name!r}): remaining_ms={remaining_ms:,} is "
            f"outside 0 to the timeout of {config.timeout * 1000:,.0f} ms (pass a longer "
            "timeout=...)"
        )
    else:
        seconds_left = remaining_ms / 1000
    clock = clock if clock is not None else FakeClock()
    if log_stream_name is None:  # the shape an instance's stream has: date, version, id
        day = time.strftime("%Y/%m/%d", time.gmtime(clock.now()))
        log_stream_name = f"{day}/[$LATEST]{uuid.uuid4().hex}"
    return Context(
        config.name,
        "$LATEST",
        function_arn(region, account_id, config.name),
        str(config.memory),
        request_id if request_id is not None else new_request_id(),
        f"/aws/lambda/{config.name}",
        log_stream_name,
        clock,
        clock.monotonic() + seconds_left,
        None if client_context is None else ClientContext(client_context),
        identity,
    )
