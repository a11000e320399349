"""An httpx client that calls an app's `app.asgi` in process, for the tests that need a fake
clock (a real server would run on the real one)."""

from __future__ import annotations

import httpx

from faaslib import App


def in_process(app: App) -> httpx.AsyncClient:
    """A client of `app.asgi`, without a server and without lifespan events."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app.asgi, client=("203.0.113.9", 50000)),
        base_url="http://testserver",
    )
