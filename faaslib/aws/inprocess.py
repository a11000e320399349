"""A botocore request answered by `app.aws` in process: the HTTP exchange an ASGI server would
carry, without a server or a socket. Used by `TestClient.boto3_session()` (a test's clients) and
by the route that carries handlers' own clients to their app (`faaslib.aws.route`)."""

from __future__ import annotations

import io
from collections.abc import Callable, Coroutine, Iterator, MutableMapping
from typing import Any
from urllib.parse import urlsplit

__all__ = ["answer", "exchange"]

Exchange = tuple[int, list[tuple[str, str]], bytes]


def answer(
    request: Any,
    run: Callable[[Callable[..., Coroutine[Any, Any, Exchange]], tuple[Any, ...]], Exchange],
    asgi: Any,
) -> Any:
    """botocore's `AWSResponse` to `request` (an `AWSPreparedRequest`), from `asgi`, with
    `run(exchange, arguments)` carrying the exchange into the app's event loop."""
    from botocore.awsrequest import AWSResponse
    from botocore.compat import HTTPHeaders

    body = request.body
    if body is None:
        body = b""
    elif isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes | bytearray):  # a file-like body (S3 uploads)
        body = body.read()
    headers = [(name, _text(value)) for name, value in request.headers.items()]
    status, answer_headers, content = run(
        exchange, (asgi, request.method, request.url, headers, bytes(body))
    )
    response_headers = HTTPHeaders()
    for name, value in answer_headers:
        response_headers[name] = value
    return AWSResponse(request.url, status, response_headers, _Body(content))


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


async def exchange(
    asgi: Any, method: str, url: str, headers: list[tuple[str, str]], body: bytes
) -> tuple[int, list[tuple[str, str]], bytes]:
    """One HTTP exchange with the ASGI app `asgi`, as a server would carry it."""
    parts = urlsplit(url)
    host = parts.netloc
    scope: MutableMapping[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": parts.scheme or "https",
        "path": parts.path or "/",
        "raw_path": (parts.path or "/").encode("latin-1"),
        "query_string": parts.query.encode("latin-1"),
        "root_path": "",
        "headers": [
            (b"host", host.encode("latin-1")),
            *((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers),
        ],
        "client": ("127.0.0.1", 0),
        "server": (parts.hostname or "localhost", parts.port or 443),
    }
    sent = False
    status = 500
    answer_headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            answer_headers.extend(
                (name.decode("latin-1"), value.decode("latin-1"))
                for name, value in message.get("headers", [])
            )
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await asgi(scope, receive, send)
    return status, answer_headers, b"".join(chunks)


class _Body(io.BytesIO):
    """A response body as botocore reads one from urllib3: `stream()` for whole bodies,
    `read()` for streaming ones (S3's `Body`)."""

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        while chunk := self.read(amt or 64 * 1024):
            yield chunk
