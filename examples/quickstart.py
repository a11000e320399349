"""faaslib in one page: register real Lambda handlers, invoke them, read what Lambda would say.

pip install -e . && python examples/quickstart.py
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import anyio

from faaslib import App, FunctionError

# platform_logs: Lambda's START/END/REPORT lines, logged at INFO (shown by basicConfig below)
app = App(name="shop", platform_logs=True)


@app.function(memory=512, timeout=10)
def resize(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """A plain Lambda handler, unchanged: it runs in a worker thread."""
    print(f"resizing {event['key']} with {context.get_remaining_time_in_millis()} ms to go")
    return {"key": event["key"], "width": 640}


@app.function(memory=1024)
class Classifier:
    """A class handler: __init__ is each instance's init phase (a cold start), run once."""

    def __init__(self) -> None:
        time.sleep(0.05)  # loading a model, say
        self.labels = {"a.jpg": "cat"}

    async def __call__(self, event: dict[str, Any], context: Any) -> str:
        return self.labels.get(event["key"], "unknown")


@app.function
def checkout(event: dict[str, Any], context: Any) -> None:
    raise ValueError(f"card declined for order {event['order']}")


@app.function(timeout=0.2)
async def slow(event: Any, context: Any) -> None:
    await anyio.sleep(5)


async def main() -> None:
    async with app:
        result = await app.invoke("resize", {"key": "a.jpg"}, log_type="Tail")
        print("resize ->", result.status_code, result.payload)
        print("its log, as Lambda's LogResult carries it:")
        print((result.log_tail or "").rstrip())

        for _ in range(2):
            result = await app.invoke("Classifier", {"key": "a.jpg"})
            print(
                f"Classifier -> {result.payload!r}  cold_start={result.cold_start}  "
                f"init={result.init_duration_ms and round(result.init_duration_ms, 1)} ms  "
                f"billed={result.billed_duration_ms} ms"
            )

        result = await app.invoke("checkout", {"order": 42})
        print("checkout ->", result.status_code, result.function_error, result.payload["errorType"])
        try:
            await app.call("checkout", {"order": 43})
        except FunctionError as error:
            print("app.call raised:", error)

        result = await app.invoke("slow")
        print("slow ->", result.payload["errorMessage"])

    print()
    print("What that cost on Lambda, per function:")
    print(app.costs.report())
    month = app.costs.project(10_000_000)  # the same mix at ten million invocations a month
    total = sum(bill.in_cents().total for bill in month.values())
    print(f"At 10 million invocations a month, free tier applied: ${total}")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    anyio.run(main)
