"""An app for the CLI tests: run as `faaslib ... shop:app` from this directory."""

from __future__ import annotations

import sys
from typing import Any

from faaslib import App, Context

app = App("shop")
not_an_app = 42


@app.function(memory=512, timeout=10)
def echo(event: Any, context: Context) -> Any:
    print("echo was called")  # the handler's output, which must stay off stdout
    return event


@app.function
def fail(event: Any, context: Context) -> None:
    raise ValueError(f"cannot process {event!r}")


@app.function(reserved_concurrency=0)
def closed(event: Any, context: Context) -> None:
    """Never runs: reserved concurrency 0 throttles every invocation, as on Lambda."""


@app.function
def loud(event: Any, context: Context) -> str:
    print("to stdout")
    print("to stderr", file=sys.stderr)
    return "done"


@app.on_queue("orders", batch_size=5, report_batch_item_failures=True)
@app.on_topic("news")
def orders(event: Any, context: Context) -> dict[str, list[Any]]:
    return {"batchItemFailures": []}
