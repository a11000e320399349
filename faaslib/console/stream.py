"""The live stream of invocations: server-sent events, one per invocation the feed records,
for as long as the page stays (`GET /api/invocations/stream`).

The stream looks at the feed five times a second: nothing is done for it on the invoke path,
and a flood of invocations costs a page at most 50 entries a look (the rest are counted, as a
`skipped` event). Each event's id is the request id, so a page that reconnects
(`Last-Event-ID`) is sent what it missed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import anyio

from faaslib.clock import SystemClock
from faaslib.console.live import InvocationFeed
from faaslib.http.asgi import Receive, Send

__all__ = ["stream_invocations"]

# How often a stream looks for new invocations, and says it is still there.
POLL = 0.2
HEARTBEAT = 15.0
# The most entries one look sends (and what a new page is sent first).
PER_LOOK = 50


async def stream_invocations(
    feed: InvocationFeed,
    last: str | None,
    receive: Receive,
    send: Send,
    headers: Sequence[tuple[bytes, bytes]],
) -> None:
    """Answer with the stream until the client goes: a `state` event (whether the feed is
    watching), then an `invocation` event per entry after request id `last`."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream; charset=utf-8"), *headers],
        }
    )
    state = "watching" if feed.is_running else "not watching"
    await _send(send, f"event: state\ndata: {state}\n\n")

    async def watch_disconnect(scope: anyio.CancelScope) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        scope.cancel()

    clock = SystemClock()  # the page's time, not the app's: a person is watching
    after: object | None = last  # a request id first, then the newest entry sent
    new_page = last is None  # sent the last 50 first: those before are not "skipped"
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(watch_disconnect, tasks.cancel_scope)
        quiet = 0.0
        while True:
            entries, skipped, after = feed.since(after, PER_LOOK)
            chunk = "".join(
                f"id: {e['request_id']}\nevent: invocation\ndata: {json.dumps(e)}\n\n"
                for e in entries
            )
            if skipped and not new_page:
                chunk = f"event: skipped\ndata: {skipped}\n\n" + chunk
            if chunk or quiet >= HEARTBEAT:
                await _send(send, chunk or ":\n\n")
                quiet = 0.0
            new_page = False
            await clock.sleep(POLL)
            quiet += POLL


async def _send(send: Send, text: str) -> None:
    await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
