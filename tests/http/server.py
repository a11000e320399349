"""`app.asgi` under a real uvicorn server, in a thread, on a free port of 127.0.0.1: for the
tests that need real sockets and a real HTTP/1.1 implementation between client and app."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import NamedTuple

import uvicorn

from faaslib import App


class Served(NamedTuple):
    app: App
    url: str
    port: int


class _Server(uvicorn.Server):
    """uvicorn's server, telling the test when it listens."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()


def serve(
    app: App, before_stop: Callable[[], object] = lambda: None, asgi: object = None
) -> Iterator[Served]:
    """Serve `app.asgi` (or `asgi`, e.g. `app.aws`) until the generator is closed; its lifespan
    runs the app. `before_stop` runs first when it stops (to release handlers a test left
    waiting)."""
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets whose protocol says TCP, and
    # without it each keep-alive answer waits ~40 ms for a delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        asgi if asgi is not None else app.asgi, lifespan="on", ws="none", log_level="warning"
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    port = sock.getsockname()[1]
    try:
        assert server.listening.wait(10), "uvicorn did not start"
        assert app._task_group is not None  # the lifespan started the app
        yield Served(app, f"http://127.0.0.1:{port}", port)
    finally:
        before_stop()
        server.should_exit = True
        thread.join(10)
        sock.close()
    assert not thread.is_alive()
    assert app._task_group is None  # the lifespan stopped it
