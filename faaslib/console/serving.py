"""Serving the console beside the app's own ASGI application on one server
(`faaslib serve --console`): two listening sockets, one lifespan, requests told apart by the
port they came in on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from faaslib.http.asgi import Receive, Scope, Send, run_lifespan

if TYPE_CHECKING:
    from faaslib.console.console import Console
    from faaslib.http.asgi import AsgiApp

__all__ = ["ServedBeside"]


class ServedBeside:
    """`main` (app.asgi or app.aws) and `console` as one ASGI application: a request to
    `console_port` goes to the console, any other to `main`; the lifespan is the console's,
    which runs the app (one start, one stop, however many sockets)."""

    def __init__(self, main: AsgiApp | object, console: Console, console_port: int) -> None:
        self.main = main
        self.console = console
        self.console_port = console_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await run_lifespan(self.console.lifespan, receive, send)
            return
        server = scope.get("server")
        if server is not None and server[1] == self.console_port:
            await self.console(scope, receive, send)
        else:
            await self.main(scope, receive, send)  # type: ignore[operator]
