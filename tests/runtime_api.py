"""A minimal Lambda Runtime API on 127.0.0.1, and AWS's Python runtime interface client
(`awslambdaric`) run behind it, so tests can ask AWS's own runtime what it answers.

    with RuntimeAPI() as api, RuntimeClient(api, "handlers.echo", task_root) as client:
        answer = client.invoke(b'{"a": 1}')
        assert answer.outcome == "response"

The server speaks HTTP/1.1 with `Content-Length` on every answer: served as HTTP/1.0 (the default
of `http.server`), awslambdaric's native client crashes the process with SIGSEGV on `/next`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal

__all__ = ["RuntimeAPI", "RuntimeAnswer", "RuntimeClient", "runtime_execution_env"]

_BASE = "/2018-06-01/runtime"
_FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}"


@dataclass(frozen=True)
class RuntimeAnswer:
    """What a runtime client made of one invocation.

    `outcome` is "response" (a POST to `/response`), "error" (a POST to `/error`) or "crashed"
    (the client's process exited before answering: `exit_code` and the tail of its `output`
    say how).
    """

    outcome: Literal["response", "error", "crashed"]
    request_id: str
    body: bytes = b""
    content_type: str | None = None
    error_type: str | None = None  # the Lambda-Runtime-Function-Error-Type header of /error
    exit_code: int | None = None
    output: str = ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: RuntimeAPI

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client killed while it waited on /next: nothing to tell it, nothing to report
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        if self.path != f"{_BASE}/invocation/next":
            self._answer(404, b'{"errorMessage":"not found","errorType":"NotFound"}')
            return
        invocation = self.server.api._next_invocation()
        if invocation is None:  # the API is closing: no invocation will come
            self._answer(410, b'{"errorMessage":"closing","errorType":"Gone"}')
            return
        request_id, body = invocation
        api = self.server.api
        deadline_ms = int(time.time() * 1000) + api.timeout_ms
        self._answer(
            200,
            body,
            {
                "Lambda-Runtime-Aws-Request-Id": request_id,
                "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": _FUNCTION_ARN.format(name=api.function),
                "Lambda-Runtime-Trace-Id": (
                    "Root=1-5e1b4151-5ac6c58f5b5dbd6a6a4e0f1d;Parent=53995c3f42cd8ad8;Sampled=0"
                ),
            },
        )

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        parts = self.path.removeprefix(f"{_BASE}/").split("/")
        api = self.server.api
        if parts == ["init", "error"]:
            api._record_init_error(body)
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            answer = RuntimeAnswer(
                outcome="response" if parts[2] == "response" else "error",
                request_id=parts[1],
                body=body,
                content_type=self.headers.get("Content-Type"),
                error_type=self.headers.get("Lambda-Runtime-Function-Error-Type"),
            )
            if not api._record_answer(parts[1], answer):
                self._answer(400, b'{"errorMessage":"unknown request id","errorType":"Invalid"}')
                return
        else:
            self._answer(404, b'{"errorMessage":"not found","errorType":"NotFound"}')
            return
        self._answer(202, b'{"status":"OK"}')

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the client's conversation is the test's business, not stderr's


class RuntimeAPI:
    """The part of Lambda's Runtime API a runtime client needs, for one function, on a free port
    of 127.0.0.1: `/invocation/next` hands out queued invocations, `/response` and `/error`
    record the answers, `/init/error` records init failures."""

    def __init__(self, function: str = "oracle", timeout_ms: int = 30_000) -> None:
        self.function = function
        self.timeout_ms = timeout_ms
        self.init_errors: list[bytes] = []
        self._changed = threading.Condition()
        self._queued: deque[tuple[str, bytes]] = deque()
        self._answers: dict[str, RuntimeAnswer | None] = {}  # None: handed out, not answered
        self._is_closing = False
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        self._thread = threading.Thread(target=self._serve, name="runtime-api", daemon=True)

    @property
    def address(self) -> str:
        """`host:port`, as `AWS_LAMBDA_RUNTIME_API` takes it."""
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def __enter__(self) -> RuntimeAPI:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving; a client still waiting on `/next` is answered 410."""
        with self._changed:
            self._is_closing = True
            self._changed.notify_all()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()

    def queue(self, event: bytes) -> str:
        """Queue an invocation with `event` as its body; its request id."""
        request_id = str(uuid.uuid4())
        with self._changed:
            self._answers[request_id] = None
            self._queued.append((request_id, event))
            self._changed.notify_all()
        return request_id

    def wait_answer(self, request_id: str, timeout: float) -> RuntimeAnswer | None:
        """The answer to `request_id`, or None if none came within `timeout` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._answers[request_id] is not None, timeout)
            return self._answers[request_id]

    def invoke(
        self,
        event: bytes,
        process: subprocess.Popen[bytes],
        output: Callable[[], str],
        who: str,
        timeout: float,
    ) -> RuntimeAnswer:
        """Queue an invocation for the client in `process` and wait for its answer, or its
        death (a "crashed" answer with `output()`'s tail); `TimeoutError` naming `who` if it
        does neither within `timeout` seconds."""
        request_id = self.queue(event)
        give_up_at = time.monotonic() + timeout
        while True:
            answer = self.wait_answer(request_id, timeout=0.05)
            if answer is not None:
                return answer
            exit_code = process.poll()
            if exit_code is not None:  # it may have answered just before it died
                answer = self.wait_answer(request_id, timeout=0.2)
                return answer or RuntimeAnswer(
                    outcome="crashed",
                    request_id=request_id,
                    exit_code=exit_code,
                    output=output()[-4000:],
                )
            if time.monotonic() > give_up_at:
                raise TimeoutError(
                    f"{who} neither answered nor exited within {timeout} s; its output:\n"
                    f"{output()[-4000:]}"
                )

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.05)  # so that `close` returns at once

    def _next_invocation(self) -> tuple[str, bytes] | None:
        with self._changed:
            while not self._queued and not self._is_closing:
                self._changed.wait(timeout=1.0)
            return None if self._is_closing else self._queued.popleft()

    def _record_answer(self, request_id: str, answer: RuntimeAnswer) -> bool:
        with self._changed:
            if request_id not in self._answers or self._answers[request_id] is not None:
                return False
            self._answers[request_id] = answer
            self._changed.notify_all()
            return True

    def _record_init_error(self, body: bytes) -> None:
        with self._changed:
            self.init_errors.append(body)
            self._changed.notify_all()


def runtime_execution_env() -> str:
    """The `AWS_EXECUTION_ENV` of Lambda's runtime for the running Python: awslambdaric writes
    non-ASCII text unescaped from python3.12 on, escaped before."""
    return f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}"


class RuntimeClient:
    """`python -m awslambdaric <handler>` serving `api`, with the code in `task_root`.

    One process serves invocations one at a time, as on Lambda. `invoke` never hangs: a
    process that dies is a "crashed" answer, one that neither answers nor dies within the
    timeout raises `TimeoutError`.
    """

    def __init__(
        self,
        api: RuntimeAPI,
        handler: str,
        task_root: Path,
        *,
        execution_env: str | None = None,
        memory_size_mb: int = 128,
    ) -> None:
        self.api = api
        self.handler = handler
        self._log_path = task_root / f"{handler}.{uuid.uuid4().hex[:8]}.log"
        self._environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(task_root),
            "PYTHONDONTWRITEBYTECODE": "1",
            "LANG": "C.UTF-8",
            "LAMBDA_TASK_ROOT": str(task_root),
            "AWS_LAMBDA_RUNTIME_API": api.address,
            "AWS_LAMBDA_FUNCTION_NAME": api.function,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_size_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{api.function}",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0123456789abcdef",
            "AWS_EXECUTION_ENV": execution_env or runtime_execution_env(),
            "AWS_REGION": "us-east-1",
            "_HANDLER": handler,
        }
        self._task_root = task_root
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RuntimeClient:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the client's process (its output goes to a log file in the task root)."""
        with open(self._log_path, "wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "awslambdaric", self.handler],
                cwd=self._task_root,
                env=self._environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def close(self) -> None:
        """Kill the process and reap it."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    @property
    def output(self) -> str:
        """What the process wrote to stdout and stderr so far."""
        try:
            return self._log_path.read_bytes().decode("utf-8", "backslashreplace")
        except FileNotFoundError:
            return ""

    def invoke(self, event: bytes, timeout: float = 15.0) -> RuntimeAnswer:
        """Queue an invocation and wait for the client's answer, or its death."""
        process = self._process
        assert process is not None, "start the client first"
        return self.api.invoke(
            event, process, lambda: self.output, f"awslambdaric ({self.handler})", timeout
        )
