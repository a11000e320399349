"""Ways to call an app's `app.asgi` in process, for the tests that need a fake clock (a real
server would run on the real one): an httpx client, and a bare ASGI exchange that checks the
messages the app sends."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, NamedTuple
from urllib.parse import unquote

import anyio
import httpx

from faaslib import App


def in_process(app: App) -> httpx.AsyncClient:
    """A client of `app.asgi`, without a server and without lifespan events."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app.asgi, client=("203.0.113.9", 50000)),
        base_url="http://testserver",
    )


class Exchange(NamedTuple):
    """A response as the app sent it over ASGI: status, raw header lines and the whole body."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: bytes) -> list[bytes]:
        """The values of header `name` (lower-case), in the order sent."""
        return [value for key, value in self.headers if key == name]


async def exchange(
    app: App, method: str, target: str, headers: list[tuple[bytes, bytes]] | None = None
) -> Exchange:
    """Send one request straight to `app.asgi`, `target` as it would be on the request line
    (an ASGI server passes an absolute-form target on as it is); the response must be complete:
    one `http.response.start`, then body messages up to the last, and nothing after."""
    raw_path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("latin-1"),
        "query_string": query.encode("latin-1"),
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("203.0.113.9", 50000),
        "server": ("testserver", 80),
    }
    sent: list[MutableMapping[str, Any]] = []
    requested = False
    complete = anyio.Event()

    async def receive() -> MutableMapping[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        assert not complete.is_set(), f"sent after the response was complete: {message}"
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            complete.set()

    await app.asgi(scope, receive, send)
    assert complete.is_set(), f"incomplete response: {[m['type'] for m in sent]}"
    start, *bodies = sent
    assert start["type"] == "http.response.start", start
    assert all(message["type"] == "http.response.body" for message in bodies), sent
    status = start["status"]
    assert isinstance(status, int)
    return Exchange(
        status, list(start.get("headers") or []), b"".join(m.get("body", b"") for m in bodies)
    )
