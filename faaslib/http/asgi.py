"""`app.asgi`: the app's HTTP API as an ASGI 3 application, for uvicorn, hypercorn, or a
`Mount` inside Starlette or FastAPI.

HTTP requests go to the API (`faaslib.http.gateway`). The lifespan protocol starts and stops the
whole app with the host: startup enters `async with app` (sources, provisioned instances,
workers), shutdown leaves it. Hosts that do not pass lifespan events to mounted apps (Starlette's
`Mount`) take `app.lifespan` as their own lifespan instead. WebSocket connections are refused:
faaslib's APIs are HTTP APIs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from faaslib.http.gateway import HttpApi

__all__ = ["AsgiApp", "run_lifespan"]

logger = logging.getLogger("faaslib.http")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class AsgiApp:
    """The ASGI application of one app's HTTP API (`app.asgi`; the same object every time).

    ```pycon
    >>> uvicorn.run(app.asgi)                          # served alone
    >>> Starlette(routes=[Mount("/fn", app=app.asgi)], lifespan=app.lifespan)
    ```
    """

    def __init__(
        self, api: HttpApi, lifespan: Callable[[], AbstractAsyncContextManager[None]]
    ) -> None:
        self._api = api
        self._lifespan = lifespan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._api.serve(scope, receive, send)
        elif kind == "lifespan":
            await run_lifespan(self._lifespan, receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})  # refused: the server says 403

    def __repr__(self) -> str:
        return f"<faaslib ASGI app: {self._api.kind}, {len(self._api.routes)} routes>"


async def run_lifespan(
    lifespan: Callable[[], AbstractAsyncContextManager[None]], receive: Receive, send: Send
) -> None:
    """ASGI's lifespan protocol around `lifespan()`: startup enters it (the whole app starts
    with its host), shutdown leaves it; a failure is reported to the host, named."""
    message = await receive()
    if message["type"] != "lifespan.startup":
        return
    started = False
    try:
        async with lifespan():
            started = True
            await send({"type": "lifespan.startup.complete"})
            while (await receive())["type"] != "lifespan.shutdown":
                pass
    except Exception as error:
        # The host's operator reads this message: it names what failed.
        stage = "shutdown" if started else "startup"
        logger.exception("faaslib app %s failed", stage)
        await send({"type": f"lifespan.{stage}.failed", "message": f"{error}"})
        return
    await send({"type": "lifespan.shutdown.complete"})
