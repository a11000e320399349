"""The HTTP/1.1 that faaslib's loopback servers speak: requests read from non-blocking sockets
with as few copies and task switches as it takes, bodies with Content-Length or chunked (with
trailers), errors as JSON."""

from __future__ import annotations

import os
import socket
import time

import anyio
import anyio.lowlevel

from faaslib.payloads import encode_json

__all__ = ["Connection", "HttpError", "polling", "read_body", "read_head", "send_error"]

MAX_HEAD_BYTES = 64 * 1024
_RECEIVE_BYTES = 256 * 1024


class _Polling:
    """Whether a connection polls for the runtime's next request instead of sleeping.

    A runtime answers a quick handler within a few hundred microseconds; sleeping in the event
    loop and being woken costs about as much again (more in a virtual machine, where an idle
    CPU halts and waking it is an exit to the hypervisor). While a CPU is spare (fewer
    invocations in flight than CPUs beside the loop's), a connection that expects a request
    polls for it for `SPIN_SECONDS`, yielding to the loop between polls, before it sleeps.
    """

    __slots__ = ("in_flight",)

    def __init__(self) -> None:
        self.in_flight = 0  # invocations handed to runtimes and not answered yet


polling = _Polling()
SPIN_SECONDS = 0.0003
_SPARE_CPUS = max(1, (os.cpu_count() or 1) - 1)

REASONS = {
    200: b"OK",
    400: b"Bad Request",
    403: b"Forbidden",
    404: b"Not Found",
    405: b"Method Not Allowed",
    413: b"Request Entity Too Large",
    431: b"Request Header Fields Too Large",
}


class HttpError(Exception):
    """A request the server refuses: its status, its error type and message (the body)."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type


class Connection:
    """A connection from the runtime, on a non-blocking socket: a read returns what has come
    (waiting only when nothing has), and a write that the kernel takes whole does not yield,
    so answers leave at once."""

    __slots__ = ("sock",)

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    async def receive(self) -> bytes:
        spin_until = 0.0
        while True:
            try:
                data = self.sock.recv(_RECEIVE_BYTES)
            except (BlockingIOError, InterruptedError):
                if spin_until == 0.0 and polling.in_flight <= _SPARE_CPUS:
                    spin_until = time.perf_counter() + SPIN_SECONDS
                if time.perf_counter() < spin_until:
                    await anyio.lowlevel.checkpoint()
                else:
                    await anyio.wait_readable(self.sock)
                continue
            if not data:
                raise anyio.EndOfStream
            return data

    async def send(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                sent = self.sock.send(view)
            except (BlockingIOError, InterruptedError):
                await anyio.wait_writable(self.sock)
                continue
            view = view[sent:]

    def close(self) -> None:
        anyio.notify_closing(self.sock)
        self.sock.close()


async def read_head(
    stream: Connection, buffer: bytes
) -> tuple[bytes, bytes, dict[bytes, bytes], bytes]:
    """The next request's method, target and headers (names lowercased), and what of the
    buffer follows its head."""
    end = buffer.find(b"\r\n\r\n")
    while end < 0:
        if len(buffer) > MAX_HEAD_BYTES:
            raise HttpError(431, "RequestHeaderFieldsTooLarge", "Request header too large")
        buffer += await stream.receive()
        end = buffer.find(b"\r\n\r\n")
    lines = buffer[:end].split(b"\r\n")
    try:
        method, target, _ = lines[0].split(b" ", 2)
    except ValueError:
        raise HttpError(400, "BadRequest", "Malformed request line") from None
    headers: dict[bytes, bytes] = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    return method, target, headers, buffer[end + 4 :]


async def send_error(stream: Connection, error: HttpError, close: bool = False) -> None:
    body = encode_json({"errorMessage": str(error), "errorType": error.error_type})
    head = (
        f"HTTP/1.1 {error.status} ".encode()
        + REASONS.get(error.status, b"Error")
        + b"\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + (b"\r\nConnection: close" if close else b"")
        + b"\r\n\r\n"
    )
    await stream.send(head + body)


async def read_body(
    stream: Connection, buffer: bytes, headers: dict[bytes, bytes], limit: int
) -> tuple[bytes, bytes, int, dict[bytes, bytes]]:
    """The request's body (b"" once past `limit`: only its size is kept), what follows it in
    the buffer, its size and its trailers."""
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        return await _read_chunked(stream, buffer, limit)
    try:
        length = int(headers.get(b"content-length", b"0"))
    except ValueError:
        raise HttpError(400, "BadRequest", "Invalid Content-Length") from None
    if length < 0:
        raise HttpError(400, "BadRequest", "Invalid Content-Length")
    if len(buffer) >= length:
        return buffer[:length], buffer[length:], length, {}
    if length > limit:  # read past it without keeping it
        remaining = length - len(buffer)
        while remaining > 0:
            chunk = await stream.receive()
            remaining -= len(chunk)
        rest = chunk[len(chunk) + remaining :] if remaining < 0 else b""
        return b"", rest, length, {}
    parts = [buffer]
    received = len(buffer)
    while received < length:
        chunk = await stream.receive()
        parts.append(chunk)
        received += len(chunk)
    data = b"".join(parts)
    return data[:length], data[length:], length, {}


async def _read_chunked(
    stream: Connection, buffer: bytes, limit: int
) -> tuple[bytes, bytes, int, dict[bytes, bytes]]:
    parts: list[bytes] = []
    size = 0
    while True:
        end = buffer.find(b"\r\n")
        while end < 0:
            if len(buffer) > MAX_HEAD_BYTES:
                raise HttpError(400, "BadRequest", "Malformed chunk size line")
            buffer += await stream.receive()
            end = buffer.find(b"\r\n")
        try:
            chunk_size = int(buffer[:end].split(b";", 1)[0], 16)
        except ValueError:
            raise HttpError(400, "BadRequest", "Malformed chunk size line") from None
        buffer = buffer[end + 2 :]
        if chunk_size == 0:
            break
        while len(buffer) < chunk_size + 2:
            buffer += await stream.receive()
        size += chunk_size
        if size <= limit:
            parts.append(buffer[:chunk_size])
        buffer = buffer[chunk_size + 2 :]
    trailers: dict[bytes, bytes] = {}
    while True:  # trailer fields, up to the empty line
        end = buffer.find(b"\r\n")
        while end < 0:
            if len(buffer) > MAX_HEAD_BYTES:
                raise HttpError(400, "BadRequest", "Trailers too large")
            buffer += await stream.receive()
            end = buffer.find(b"\r\n")
        line = buffer[:end]
        buffer = buffer[end + 2 :]
        if not line:
            break
        name, _, value = line.partition(b":")
        trailers[name.strip().lower()] = value.strip()
    return (b"".join(parts) if size <= limit else b""), buffer, size, trailers
