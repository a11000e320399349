"""CORS as an HTTP API (or a function URL) configures it: the API answers preflight requests
itself and adds the CORS headers to every response.

Rules from https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html:

- a preflight request (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered
  by the API without invoking anything, even when no route matches;
- CORS headers are returned only to a request with an `Origin` header, and the CORS headers a
  function returns are ignored: the configuration's are sent instead;
- `allow_origins` takes exact origins, `*`, or the scheme wildcards `https://*` and `http://*`.

A REST API's CORS, as SAM's `Cors` sets it up, is narrower (`preflight_only`): an `OPTIONS`
method with a mock integration answers preflight requests (200), and every other response is the
function's own, its CORS headers included: API Gateway neither adds nor removes any
(https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import msgspec

from faaslib.errors import ConfigurationError
from faaslib.http.responses import HeaderList, HttpResponse, header_value
from faaslib.http.routes import METHODS

__all__ = ["CORS", "make_cors"]

# Lambda's function URL CORS takes MaxAge 0 to 86,400 s; HTTP APIs also take -1 (no caching).
MAX_AGE_LIMIT = 86400
_ORIGIN = re.compile(r"\*|https?://\*|[a-z][a-z0-9+.-]*://[^/\s*\x00-\x1f\x7f]+", re.IGNORECASE)
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP header name


class CORS(msgspec.Struct, frozen=True, kw_only=True):
    """An API's CORS configuration: which origins may call it from a browser, with which
    methods and headers, which response headers the browser may read, how long a preflight
    answer may be cached (seconds) and whether credentials may be sent."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None
    allow_credentials: bool = False
    preflight_only: bool = False  # a REST API's: responses pass through as the function made them

    def preflight(self, origin: str) -> HttpResponse:
        """The API's answer to a preflight request from `origin`: 204, with the CORS headers if
        the origin is allowed (a browser refuses the call without them)."""
        allowed = self.allowed_origin(origin)
        headers: HeaderList = []
        if allowed is not None:
            headers.append((b"access-control-allow-origin", allowed.encode("latin-1")))
            if self.allow_credentials:
                headers.append((b"access-control-allow-credentials", b"true"))
            if self.allow_methods:
                headers.append((b"access-control-allow-methods", _joined(self.allow_methods)))
            if self.allow_headers:
                headers.append((b"access-control-allow-headers", _joined(self.allow_headers)))
            if self.max_age is not None:
                headers.append((b"access-control-max-age", str(self.max_age).encode()))
        return HttpResponse(200 if self.preflight_only else 204, headers, b"")

    def apply(self, response: HttpResponse, origin: str | None) -> HttpResponse:
        """`response` with the function's own CORS headers replaced by the configuration's
        (unchanged for a REST API's `preflight_only` configuration)."""
        if self.preflight_only:
            return response
        headers = [(name, value) for name, value in response.headers if not _is_cors(name)]
        allowed = None if origin is None else self.allowed_origin(origin)
        if allowed is not None:
            headers.append((b"access-control-allow-origin", allowed.encode("latin-1")))
            if self.allow_credentials:
                headers.append((b"access-control-allow-credentials", b"true"))
            if self.expose_headers:
                headers.append((b"access-control-expose-headers", _joined(self.expose_headers)))
        return HttpResponse(response.status, headers, response.body)

    def allowed_origin(self, origin: str) -> str | None:
        """What `Access-Control-Allow-Origin` says to `origin`: `*`, the origin itself, or
        None if it may not call."""
        for allowed in self.allow_origins:
            if allowed == "*":
                return "*"
            if allowed.endswith("://*"):
                if (
                    origin.lower().startswith(allowed[:-1].lower())
                    and len(origin) > len(allowed) - 1
                    and _is_sendable(origin)
                ):
                    return origin
            elif allowed.lower() == origin.lower():
                return origin
        return None


def make_cors(
    *,
    allow_origins: Iterable[str] = (),
    allow_methods: Iterable[str] = (),
    allow_headers: Iterable[str] = (),
    expose_headers: Iterable[str] = (),
    max_age: int | None = None,
    allow_credentials: bool = False,
    preflight_only: bool = False,
) -> CORS:
    """A validated `CORS` configuration; `ConfigurationError` names the field that is wrong."""
    origins = _strings("allow_origins", allow_origins)
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise ConfigurationError(
                f"CORS: allow_origins has {origin!r}, which is not '*', 'https://*', 'http://*' "
                "or an origin such as 'https://www.example.com'"
            )
    methods = tuple(method.upper() for method in _strings("allow_methods", allow_methods))
    for method in methods:
        if method != "*" and (method == "ANY" or method not in METHODS):
            raise ConfigurationError(
                f"CORS: allow_methods has {method!r}; use HTTP methods "
                f"({', '.join(m for m in METHODS if m != 'ANY')}) or '*'"
            )
    headers = _strings("allow_headers", allow_headers)
    exposed = _strings("expose_headers", expose_headers)
    for field, names in (("allow_headers", headers), ("expose_headers", exposed)):
        for name in names:
            if name != "*" and not _TOKEN.fullmatch(name):
                raise ConfigurationError(f"CORS: {field} has {name!r}, not a header name or '*'")
    if max_age is not None and (
        not isinstance(max_age, int)
        or isinstance(max_age, bool)
        or not -1 <= max_age <= MAX_AGE_LIMIT
    ):
        raise ConfigurationError(
            f"CORS: max_age={max_age!r} must be a whole number of seconds from -1 to "
            f"{MAX_AGE_LIMIT:,}"
        )
    for field, flag in (
        ("allow_credentials", allow_credentials),
        ("preflight_only", preflight_only),
    ):
        if not isinstance(flag, bool):
            raise ConfigurationError(f"CORS: {field}={flag!r} is not a bool")
    if allow_credentials and "*" in origins:
        raise ConfigurationError(
            "CORS: allow_credentials=True needs explicit origins; browsers refuse credentials "
            "with 'Access-Control-Allow-Origin: *'"
        )
    return CORS(
        allow_origins=origins,
        allow_methods=methods,
        allow_headers=headers,
        expose_headers=exposed,
        max_age=max_age,
        allow_credentials=allow_credentials,
        preflight_only=preflight_only,
    )


def _strings(field: str, values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    items = tuple(values)
    for item in items:
        if not isinstance(item, str) or not item:
            raise ConfigurationError(f"CORS: {field} has {item!r}, not a non-empty string")
    return items


def _is_sendable(origin: str) -> bool:
    """Whether the request's `origin` can be sent back in a header line as it is."""
    try:
        header_value(origin)
    except ValueError:
        return False
    return True


def _joined(values: Sequence[str]) -> bytes:
    return ",".join(values).encode("latin-1")


def _is_cors(name: bytes) -> bool:
    return name.startswith(b"access-control-")
