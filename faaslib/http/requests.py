"""An ASGI request as the front door receives it: read once (`read_request`), with the front
door's body limit, its path taken under the mount point; `faaslib.http.layouts` lays it out as
the event a function receives.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, NamedTuple
from urllib.parse import quote, unquote

import msgspec

__all__ = ["BodyTooLarge", "ClientDisconnected", "Place", "Request", "read_request"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]

# The scheme and authority of a request target in absolute form: `http://host:8080`.
_ABSOLUTE_FORM = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/]*")

# Bodies read past the limit, to be thrown away, so that the client sees the 413 rather than a
# reset connection; a client that sends more than this is cut off.
_DRAIN_LIMIT = 64 * 1024 * 1024
_PROTOCOLS = {"1.0": "HTTP/1.0", "1.1": "HTTP/1.1", "2": "HTTP/2", "3": "HTTP/3"}
# In HTTP/1, a request without Content-Length or Transfer-Encoding has no body (RFC 9112,
# section 6.3), as a GET has none: the front door reads one only where one can come. HTTP/2 and
# 3 frame a body without either.
_UNFRAMED_HAS_NO_BODY = frozenset({"1.0", "1.1"})
# Header names as sent, and as the request holds them (see `_name`): at most 512 names of at
# most 64 bytes, whatever names clients make up.
_NAMES: dict[bytes, str] = {}
_NAMES_HELD = 512
_NAME_HELD_LENGTH = 64


class BodyTooLarge(Exception):
    """The request body is over the front door's limit."""


class ClientDisconnected(Exception):
    """The client went away before its request body arrived."""


class Request(msgspec.Struct, frozen=True):
    """An HTTP request as the API received it (a struct: made once per request, in C)."""

    method: str
    path: str  # decoded, under the mount point (root_path)
    raw_path: str  # percent-encoded, as on the request line, under the mount point
    query_string: str  # as sent, without the '?'
    headers: list[tuple[str, str]]  # names lower-cased, in the order sent
    body: bytes
    source_ip: str
    protocol: str  # "HTTP/1.1"

    def header(self, name: str) -> str | None:
        """Header `name` (lower-case), its values comma-joined if sent more than once."""
        values = [value for key, value in self.headers if key == name]
        return ",".join(values) if values else None


class Place(NamedTuple):
    """Where the API lives: what an event says about the API itself."""

    api_id: str
    region: str
    account: str
    host: str  # `<api_id>.execute-api.<region>.amazonaws.com`, `<id>.lambda-url.<region>.on.aws`


async def read_request(scope: Scope, receive: Receive, limit: int) -> Request:
    """The request of ASGI `scope`, its body read in full; `BodyTooLarge` past `limit` bytes."""
    names = _NAMES
    headers = [
        (names.get(name) or _name(name), value.decode("latin-1"))
        for name, value in scope.get("headers") or ()
    ]
    framed = False  # the request says how long its body is
    for name, declared in headers:
        if name == "content-length":
            if declared.isdigit() and int(declared) > limit:
                await _drain(receive, 0)
                raise BodyTooLarge(f"{int(declared):,} bytes")
            framed = True
            break
        if name == "transfer-encoding":
            framed = True
    version = scope.get("http_version", "1.1")
    if not framed and version in _UNFRAMED_HAS_NO_BODY:
        body = b""  # nothing to wait for: an HTTP/1 request that declares no body has none
    else:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        body = message.get("body", b"")
        if message.get("more_body", False) or len(body) > limit:  # the body comes in parts
            body = await _read_parts(receive, message, limit)
    raw_path = scope.get("raw_path")
    if raw_path and raw_path[:1] == b"/" and b"?" not in raw_path and not scope.get("root_path"):
        path, raw = scope.get("path") or "/", raw_path.decode("latin-1")  # most requests
    else:
        path, raw = _paths(scope)
    client = scope.get("client")
    return Request(
        scope["method"],
        path,
        raw,
        bytes(scope.get("query_string") or b"").decode("latin-1"),
        headers,
        body if type(body) is bytes else bytes(body),
        client[0] if client else "127.0.0.1",
        _PROTOCOLS.get(version) or f"HTTP/{version}",
    )


async def _read_parts(receive: Receive, first: Message, limit: int) -> bytes:
    """The body of a request that came in more than one message (`first` the first of them),
    or `BodyTooLarge` past `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    message = first
    while True:
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            if message.get("more_body", False):
                await _drain(receive, size)
            raise BodyTooLarge(f"over {limit:,} bytes")
        if chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            return bytes(chunks[0]) if len(chunks) == 1 else b"".join(chunks)
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected


def _name(name: bytes) -> str:
    """Header `name` as the request's headers hold it (lower-case), remembered: clients send
    the same few names on every request."""
    text = name.decode("latin-1").lower()
    if len(name) <= _NAME_HELD_LENGTH and len(_NAMES) < _NAMES_HELD:
        _NAMES[bytes(name)] = text
    return text


def _paths(scope: Scope) -> tuple[str, str]:
    """The request path under the mount point, decoded and as sent.

    ASGI servers and Starlette's `Mount` keep the full path in `path` and the mount point in
    `root_path`; the API's routes are the paths under it. A request target in absolute form
    (`GET http://host/items HTTP/1.1`, which servers must accept, RFC 9112 section 3.2.2)
    reaches the app as it was sent (uvicorn puts it in `path` and `raw_path`): its path is the
    path requested.
    """
    path: str = scope.get("path") or "/"
    root: str = scope.get("root_path") or ""
    raw_bytes = scope.get("raw_path")
    raw = bytes(raw_bytes).decode("latin-1") if raw_bytes else quote(path)
    if "?" in raw:
        raw = raw.split("?", 1)[0]
    if not raw.startswith("/"):
        absolute = _ABSOLUTE_FORM.match(raw)
        if absolute is not None:
            raw = raw[absolute.end() :] or "/"
            path = unquote(raw)
    if root and path.startswith(root):
        path = path[len(root) :]
        encoded_root = quote(root)
        raw = raw[len(encoded_root) :] if raw.startswith(encoded_root) else quote(path)
    return path or "/", raw or "/"


async def _drain(receive: Receive, size: int) -> None:
    """Read and drop the rest of a body that is too large, up to `_DRAIN_LIMIT` bytes."""
    while size <= _DRAIN_LIMIT:
        message = await receive()
        if message["type"] != "http.request":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return
