"""Lambda's Runtime API for one process instance: HTTP/1.1 on 127.0.0.1, Lambda's paths,
headers and answers, so that AWS's own runtime interface clients run behind it unchanged.

The runtime asks for work with `GET /2018-06-01/runtime/invocation/next` and holds that request
open until an invocation comes; it answers with `POST .../invocation/{id}/response` or
`.../{id}/error`, or reports a failed init with `POST .../init/error`. Answers follow Lambda's
(the Runtime Interface Emulator's): 202 `{"status":"OK"}`, 400 `InvalidRequestID`, 403
`InvalidStateTransition`, 413 `RequestEntityTooLarge`.

Speed: a warm invocation is one write (the parked `/next` is answered by the invoking task
itself) and one read (the connection's task parses the POST and wakes the invoker), so the only
task switch on the invocation's path is the one that hands the answer back.
"""

from __future__ import annotations

import base64
import contextlib
import socket

import anyio
import anyio.abc

from faaslib.invoke import MAX_SYNC_RESPONSE_BYTES
from faaslib.runtime_api.http11 import (
    Connection,
    HttpError,
    polling,
    read_body,
    read_head,
    send_error,
)

__all__ = ["Answer", "RuntimeApiServer"]

_PREFIX = b"/2018-06-01/runtime/"
_NEXT = _PREFIX + b"invocation/next"
_INVOCATION = _PREFIX + b"invocation/"
_INIT_ERROR = _PREFIX + b"init/error"
MAX_STREAMED_RESPONSE_BYTES = 20 * 1024 * 1024  # Lambda's soft limit for streamed responses

_ACCEPTED = (
    b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n"
    b'{"status":"OK"}'
)


class Answer:
    """What the runtime made of an invocation: `body` is the response (or the error object)
    and `error_type` the error's type when the runtime reported an error."""

    __slots__ = ("body", "error_type", "too_large")

    def __init__(self, body: bytes, error_type: str | None, too_large: int = 0) -> None:
        self.body = body
        self.error_type = error_type
        self.too_large = too_large  # the size of a response over the limit (then body is b"")


class _Invocation:
    __slots__ = ("answer", "answered", "request_id", "wire")

    def __init__(self, request_id: str, wire: bytes) -> None:
        self.request_id = request_id
        self.wire = wire  # the whole /next response, ready to write
        self.answer: Answer | None = None
        self.answered = anyio.Event()


class RuntimeApiServer:
    """The Runtime API of one execution environment.

    `serve()` listens on a free port of 127.0.0.1 (`address` is what `AWS_LAMBDA_RUNTIME_API`
    takes); `ready` is set at the first `/next` (the end of init) or at `/init/error`
    (`init_error` then holds the error type and body); `invoke()` hands an invocation to the
    runtime and `wait()` waits for its answer. `fail()` ends whatever waits, when the process
    is gone.
    """

    def __init__(self, function_arn: str) -> None:
        self.function_arn = function_arn.encode()
        self.address = ""
        self.ready = anyio.Event()
        self.init_error: tuple[str, bytes] | None = None
        self.is_initialized = False
        self._invocation: _Invocation | None = None  # handed out or waiting to be
        self._handed_out = False
        self._parked: Connection | None = None  # a /next waiting for work
        self._parked_event: anyio.Event | None = None

    # -- the invoker's side -------------------------------------------------------------------

    async def invoke(
        self,
        request_id: str,
        body: bytes,
        deadline_ms: int,
        trace_id: str,
        client_context: bytes | None,
    ) -> None:
        """Hand an invocation to the runtime: at once if it waits on `/next`, else at its next
        `/next`."""
        head = [
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: ",
            request_id.encode(),
            b"\r\nLambda-Runtime-Deadline-Ms: ",
            str(deadline_ms).encode(),
            b"\r\nLambda-Runtime-Invoked-Function-Arn: ",
            self.function_arn,
            b"\r\nLambda-Runtime-Trace-Id: ",
            trace_id.encode(),
        ]
        if client_context is not None:
            head += (b"\r\nLambda-Runtime-Client-Context: ", client_context)
        head += (b"\r\nContent-Length: ", str(len(body)).encode(), b"\r\n\r\n", body)
        invocation = self._invocation = _Invocation(request_id, b"".join(head))
        self._handed_out = False
        polling.in_flight += 1
        stream = self._parked
        if stream is not None:
            self._parked = None
            self._handed_out = True
            event = self._parked_event
            try:
                await stream.send(invocation.wire)
            except OSError:  # that connection is gone: the runtime's next /next gets it
                self._handed_out = False
            finally:
                if event is not None:
                    event.set()

    async def wait(self) -> Answer | None:
        """The runtime's answer to the invocation handed out last; None if its process ended
        first."""
        invocation = self._invocation
        assert invocation is not None
        await invocation.answered.wait()
        return invocation.answer

    def finish(self) -> None:
        """Forget the current invocation (answered, or abandoned with the process)."""
        if self._invocation is not None:
            polling.in_flight -= 1
            self._invocation = None

    def fail(self) -> None:
        """The process is gone: wake whoever waits for init or for an answer."""
        self.ready.set()
        invocation = self._invocation
        if invocation is not None:
            invocation.answered.set()

    # -- serving ------------------------------------------------------------------------------

    async def serve(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Listen on a free port of 127.0.0.1 and serve each connection until cancelled."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(16)
            listener.setblocking(False)
            self.address = f"127.0.0.1:{listener.getsockname()[1]}"
            async with anyio.create_task_group() as connections:
                task_status.started()
                while True:
                    await anyio.wait_readable(listener)
                    try:
                        accepted, _ = listener.accept()
                    except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                        continue
                    accepted.setblocking(False)
                    accepted.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    connections.start_soon(self._serve_connection, Connection(accepted))
        finally:
            anyio.notify_closing(listener)
            listener.close()

    async def _serve_connection(self, stream: Connection) -> None:
        buffer = b""
        try:
            while True:
                buffer = await self._serve_request(stream, buffer)
        except (anyio.EndOfStream, OSError):
            pass  # the runtime closed the connection, or its process is gone
        except HttpError as error:  # the connection's framing is lost: answer and close
            with contextlib.suppress(OSError):
                await send_error(stream, error, close=True)
        finally:
            stream.close()

    async def _serve_request(self, stream: Connection, buffer: bytes) -> bytes:
        method, target, headers, buffer = await read_head(stream, buffer)
        if method == b"GET":
            if target == _NEXT:
                await self._next(stream)
            else:
                await send_error(stream, _not_found(target))
            return buffer
        if method != b"POST":
            await send_error(stream, HttpError(405, "MethodNotAllowed", "Method not allowed"))
            return buffer
        if headers.get(b"expect", b"").lower() == b"100-continue":
            await stream.send(b"HTTP/1.1 100 Continue\r\n\r\n")
        streaming = headers.get(b"lambda-runtime-function-response-mode", b"") == b"streaming"
        limit = MAX_STREAMED_RESPONSE_BYTES if streaming else MAX_SYNC_RESPONSE_BYTES
        body, buffer, size, trailers = await read_body(stream, buffer, headers, limit)
        try:
            self._post(target, headers, body, size, limit, trailers)
        except HttpError as error:
            await send_error(stream, error)
        else:
            await stream.send(_ACCEPTED)
        return buffer

    async def _next(self, stream: Connection) -> None:
        if self.init_error is not None:
            refused = HttpError(
                403,
                "InvalidStateTransition",
                "State transition from InitError to Ready failed for runtime. "
                "Error: init error was reported",
            )
            await send_error(stream, refused)
            return
        invocation = self._invocation
        if invocation is not None and self._handed_out and invocation.answer is None:
            await send_error(
                stream,
                HttpError(
                    403,
                    "InvalidStateTransition",
                    "State transition from Running to Ready failed for runtime. "
                    f"Error: invocation {invocation.request_id} has no response yet",
                ),
            )
            return
        if not self.is_initialized:
            self.is_initialized = True
            self.ready.set()
        if invocation is not None and not self._handed_out:
            self._handed_out = True
            await stream.send(invocation.wire)
            return
        event = self._parked_event = anyio.Event()
        self._parked = stream
        try:
            await event.wait()  # the invoker writes the invocation on this connection
        finally:
            if self._parked is stream:
                self._parked = None

    def _post(
        self,
        target: bytes,
        headers: dict[bytes, bytes],
        body: bytes,
        size: int,
        limit: int,
        trailers: dict[bytes, bytes],
    ) -> None:
        if target == _INIT_ERROR:
            if self.is_initialized or self.init_error is not None:
                raise HttpError(
                    403,
                    "InvalidStateTransition",
                    "State transition from Ready to InitError failed for runtime. "
                    "Error: init has already completed",
                )
            error_type = headers.get(b"lambda-runtime-function-error-type", b"").decode()
            self.init_error = (error_type or "Runtime.Unknown", body)
            self.ready.set()
            return
        if not target.startswith(_INVOCATION):
            raise _not_found(target)
        request_id, _, kind = target[len(_INVOCATION) :].partition(b"/")
        if kind not in (b"response", b"error"):
            raise _not_found(target)
        invocation = self._invocation
        if (
            invocation is None
            or not self._handed_out
            or invocation.answer is not None
            or request_id.decode(errors="replace") != invocation.request_id
        ):
            raise HttpError(400, "InvalidRequestID", "Invalid request ID")
        if kind == b"error":
            error_type = headers.get(b"lambda-runtime-function-error-type", b"").decode()
            answer = Answer(body, error_type or "Unhandled")
        elif size > limit:
            answer = Answer(b"", None, size)
        elif b"lambda-runtime-function-error-type" in trailers:  # a streamed response failed
            answer = Answer(
                _trailer_body(trailers), trailers[b"lambda-runtime-function-error-type"].decode()
            )
        else:
            answer = Answer(body, None)
        invocation.answer = answer
        invocation.answered.set()
        if answer.too_large:
            raise HttpError(
                413,
                "RequestEntityTooLarge",
                f"Exceeded maximum allowed payload size ({limit} bytes).",
            )


def _not_found(target: bytes) -> HttpError:
    return HttpError(
        404, "NotFound", f"No Runtime API resource at {target.decode(errors='replace')}"
    )


def _trailer_body(trailers: dict[bytes, bytes]) -> bytes:
    """The error object of a failed streamed response: base64 JSON in a trailer."""
    encoded = trailers.get(b"lambda-runtime-function-error-body", b"")
    try:
        return base64.b64decode(encoded, validate=True)
    except ValueError:
        return encoded
