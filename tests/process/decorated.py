"""An app whose handlers are decorated with `isolation="process"` in their own module, as a
project writes them: each instance imports this module afresh (so it registers them again, at
no cost: a registration starts nothing)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from faaslib import App

app = App("decorated")


@app.function(isolation="process")
def plain(event: Any, context: Any) -> dict[str, Any]:
    return {"pid": os.getpid(), "handler": os.environ["_HANDLER"]}


@app.function(isolation="process")
class Counter:
    """faaslib's class form: `__init__` is the instance's init, `__call__` each event."""

    def __init__(self) -> None:
        self.count = 0
        self.pid = os.getpid()

    def __call__(self, event: Any, context: Any) -> list[int]:
        self.count += 1
        return [self.pid, self.count]


@app.function(isolation="process")
async def waits(event: Any, context: Any) -> str:
    await asyncio.sleep(0.01)
    return f"waited for {context.aws_request_id}"
