"""An app with HTTP routes and a queue, for `faaslib serve web:app` in the CLI tests."""

from __future__ import annotations

import sys
from typing import Any

from faaslib import App, Context

app = App("web")


@app.route("GET", "/items/{id}")
def get_item(event: Any, context: Context) -> dict[str, Any]:
    return {"id": event["pathParameters"]["id"]}


@app.route("POST", "/orders")
async def place_order(event: Any, context: Context) -> dict[str, Any]:
    await app.queue("orders").send(event["body"])
    return {"statusCode": 202, "body": "queued"}


@app.on_queue("orders", batch_size=1)
def orders(event: Any, context: Context) -> None:
    # stderr: uvicorn's log is there, so the test reads both in the order they happened
    print(f"order processed: {event['Records'][0]['body']}", file=sys.stderr, flush=True)
