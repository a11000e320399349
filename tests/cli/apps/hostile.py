"""An app for the CLI's hardening tests: handlers whose errors and output hold text that no
encoding can write, and an App whose invoke fails as faaslib itself must not, so that the
command's last line of defence is tested without waiting for a faaslib bug."""

from __future__ import annotations

import os
import sys
from typing import Any

import anyio

from faaslib import App, Context

# A file name that is not UTF-8, as os.listdir gives it: it holds a lone surrogate.
FILE_NAME = os.fsdecode(b"report-\xff.csv")

app = App("hostile")


@app.function
def surrogate(event: Any, context: Context) -> None:
    raise ValueError(FILE_NAME)


@app.function
def printer(event: Any, context: Context) -> str:
    print(f"reading {FILE_NAME}")
    print(f"cannot read {FILE_NAME}", file=sys.stderr)
    return "done"


class FaultyApp(App):
    """An App whose invoke raises what no documented error is: `RecursionError` while Lambda's
    checks run (function `check`), `UnicodeEncodeError` once the handler ran (`run`), an
    error inside a task group's `ExceptionGroup` (`group`)."""

    async def invoke(self, name: str, payload: Any = None, **options: Any) -> Any:
        result = await super().invoke(name, payload, **options)
        if options.get("invocation_type") == "DryRun":
            if name == "check":
                raise RecursionError("maximum recursion depth exceeded while decoding")
        elif name == "run":
            FILE_NAME.encode("utf-8")
        elif name == "group":
            async with anyio.create_task_group() as group:
                group.start_soon(_fail)
        return result


async def _fail() -> None:
    raise UnicodeEncodeError("utf-8", FILE_NAME, 7, 8, "surrogates not allowed")


faulty = FaultyApp("faulty")


@faulty.function(name="check")
@faulty.function(name="run")
@faulty.function(name="group")
def ok(event: Any, context: Context) -> str:
    return "ok"
