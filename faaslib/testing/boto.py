"""boto3 in a test, talking to the app as production code talks to AWS, without a socket.

`TestClient.boto3_session()` gives a boto3 `Session` whose clients send every request through
botocore's own `before-send` event into `app.aws`, in the app's event loop (the client's
blocking portal), and hand back AWS's answer as botocore would have read it off the wire: the
same signing, serialization, parsing and exceptions as against AWS, with no server and no port.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from faaslib.testing.client import TestClient

__all__ = ["boto3_session"]

# Credentials are needed to sign, and are not checked.
TEST_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def boto3_session(client: TestClient, region_name: str | None = None) -> Any:
    """A boto3 `Session` bound to `client`'s running app (see `TestClient.boto3_session`)."""
    try:
        import boto3.session
        import botocore.config
        import botocore.session
    except ImportError:
        raise ImportError(
            "TestClient.boto3_session() needs boto3, which is not installed: pip install boto3"
        ) from None
    core = botocore.session.get_session()
    # S3 by path (`/bucket/key`), so that bucket names need no DNS and no host of their own
    core.set_default_client_config(botocore.config.Config(s3={"addressing_style": "path"}))
    core.register("before-send", _Bridge(client))
    return boto3.session.Session(
        botocore_session=core,
        region_name=region_name or client.app.config.region,
        **TEST_CREDENTIALS,
    )


class _Bridge:
    """botocore's `before-send` handler: the request, answered by `app.aws` in-process."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def __call__(self, request: Any, **kwargs: Any) -> Any:
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
        status, answer_headers, answer = self._client.portal.call(
            _exchange, self._client.app.aws, request.method, request.url, headers, bytes(body)
        )
        response_headers = HTTPHeaders()
        for name, value in answer_headers:
            response_headers[name] = value
        return AWSResponse(request.url, status, response_headers, _Body(answer))


def _text(value: str | bytes) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


async def _exchange(
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
