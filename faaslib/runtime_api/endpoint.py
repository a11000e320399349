"""`app.aws` on a loopback port, for process instances: their SDKs reach it through
`AWS_ENDPOINT_URL`, as a handler's do on Lambda through AWS's endpoints.

A plain HTTP/1.1 server for one ASGI application (keep-alive, Content-Length or chunked
bodies), in the app's task group, so that no optional server (uvicorn) is needed and it ends
with the app. The app is already running: no lifespan is sent.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

import anyio
import anyio.abc

from faaslib.runtime_api.http11 import Connection, HttpError, read_body, read_head, send_error

__all__ = ["serve_asgi"]

Message = MutableMapping[str, Any]
AsgiApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[Message]],
        Callable[[Message], Awaitable[None]],
    ],
    Awaitable[None],
]
MAX_REQUEST_BYTES = 64 * 1024 * 1024


async def serve_asgi(
    app: AsgiApp, *, task_status: anyio.abc.TaskStatus[str] = anyio.TASK_STATUS_IGNORED
) -> None:
    """Serve `app` on a free port of 127.0.0.1 until cancelled; started, it gives its URL."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        async with anyio.create_task_group() as connections:
            task_status.started(f"http://127.0.0.1:{port}")
            while True:
                await anyio.wait_readable(listener)
                try:
                    accepted, address = listener.accept()
                except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                    continue
                accepted.setblocking(False)
                accepted.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                connections.start_soon(_serve_connection, app, Connection(accepted), port, address)
    finally:
        anyio.notify_closing(listener)
        listener.close()


async def _serve_connection(
    app: AsgiApp, stream: Connection, port: int, client: tuple[str, int]
) -> None:
    buffer = b""
    try:
        while True:
            method, target, headers, buffer = await read_head(stream, buffer)
            if headers.get(b"expect", b"").lower() == b"100-continue":
                await stream.send(b"HTTP/1.1 100 Continue\r\n\r\n")
            body, buffer, size, _ = await read_body(stream, buffer, headers, MAX_REQUEST_BYTES)
            if size > MAX_REQUEST_BYTES:
                raise HttpError(413, "RequestEntityTooLarge", "Request body too large")
            keep_alive = headers.get(b"connection", b"").lower() != b"close"
            await _answer(app, stream, method, target, headers, body, port, client, keep_alive)
            if not keep_alive:
                return
    except (anyio.EndOfStream, OSError):
        pass
    except HttpError as error:
        with contextlib.suppress(OSError):
            await send_error(stream, error, close=True)
    finally:
        stream.close()


async def _answer(
    app: AsgiApp,
    stream: Connection,
    method: bytes,
    target: bytes,
    headers: dict[bytes, bytes],
    body: bytes,
    port: int,
    client: tuple[str, int],
    keep_alive: bool,
) -> None:
    raw_path, _, query = target.partition(b"?")
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method.decode("latin-1"),
        "scheme": "http",
        "path": unquote(raw_path.decode("latin-1")),
        "raw_path": raw_path,
        "query_string": query,
        "root_path": "",
        "headers": list(headers.items()),
        "server": ("127.0.0.1", port),
        "client": client,
    }
    delivered = False

    async def receive() -> Message:
        nonlocal delivered
        if delivered:
            await anyio.sleep_forever()
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 500
    response_headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status, response_headers
        if message["type"] == "http.response.start":
            status = int(message["status"])
            response_headers = [(bytes(n), bytes(v)) for n, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))

    await app(scope, receive, send)
    payload = b"".join(chunks)
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    head = [f"HTTP/1.1 {status} {reason}\r\n".encode()]
    for name, value in response_headers:
        if name.lower() not in (b"content-length", b"transfer-encoding", b"connection"):
            head.append(name + b": " + value + b"\r\n")
    head.append(b"Content-Length: " + str(len(payload)).encode() + b"\r\n")
    if not keep_alive:
        head.append(b"Connection: close\r\n")
    head.append(b"\r\n")
    await stream.send(b"".join(head) + payload)
