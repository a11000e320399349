"""`Console`: the app's web console as a plain ASGI 3 application (no framework), served by
the app itself beside `app.asgi` (`faaslib serve --console`), or mounted in a host.

Routes (every JSON answer is `application/json`; see docs/console.md):

- `GET /`: the page; `GET /static/console.js|console.css`: its script and style;
- `GET /part/functions|services|costs`: a section's HTML, for the page to refresh;
- `GET /api/functions|services|costs|metrics[?function=]|events|events/<family>`: data;
- `GET /api/invocations` (the recent ones), `/api/invocations/<request id>` (one, with its log,
  event and response), `/api/invocations/stream` (server-sent events, one per invocation);
- `POST /api/actions/invoke|send-message|put-object|redrive|concurrency|tune`: actions (JSON).

Security: without a token the console answers only requests addressed to a loopback host (a
page elsewhere cannot reach it by DNS rebinding); with one, every request must carry it
(`Authorization: Bearer`, or the cookie `?token=` sets). Actions take JSON only (a
cross-site form cannot post one without the browser asking first) and refuse a foreign
`Origin`. Pages carry a Content-Security-Policy that forbids inline script.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import anyio

from faaslib.console import actions, page, views
from faaslib.console.live import InvocationFeed
from faaslib.console.series import MetricSeries
from faaslib.console.stream import stream_invocations
from faaslib.errors import ConfigurationError, InvocationError
from faaslib.http.asgi import Receive, Scope, Send, run_lifespan
from faaslib.sources.queue.messages import QueueError

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["Console"]

COOKIE = "faaslib_console"
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"connect-src 'self'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]
STATIC = {"console.js": b"text/javascript; charset=utf-8", "console.css": b"text/css"}
# An action's JSON: room for an event at Lambda's synchronous payload limit (6 MB), escaped.
MAX_ACTION_BYTES = 8 * 1024 * 1024

_ACTIONS = {
    "send-message": actions.send_message,
    "put-object": actions.put_object,
    "redrive": actions.redrive,
    "concurrency": actions.set_concurrency,
}
_REFUSED = (actions.ActionError, InvocationError, ConfigurationError, QueueError, ValueError)


class Console:
    """The web console of `app`, an ASGI application (`app.console`).

    ```pycon
    >>> uvicorn.run(Console(app), host="127.0.0.1", port=3001)
    >>> Starlette(routes=[Mount("/console", app=console)], lifespan=console.lifespan)
    ```

    Its lifespan runs the app (as `app.asgi`'s does) and the console's watching: the live
    feed of invocations and the metric samples. `token` (any string) is required of every
    request when given; without one, only requests to a loopback address are answered.
    """

    def __init__(self, app: App, token: str | None = None) -> None:
        if token is not None and (not isinstance(token, str) or not token):
            raise ConfigurationError(
                f"Console of App {app.name!r}: token must be a non-empty string"
            )
        self.app = app
        self.token = token
        self.feed = InvocationFeed(app)
        """The recent invocations and their log lines, kept while the lifespan runs."""
        self.series = MetricSeries(app)
        """The metrics sampled once a second, and the charts drawn from them."""
        self.streams = 0
        """Live streams (pages following the invocations) open now."""
        self._since = app.clock.now()
        # The cookie carries a digest of the token, not the token itself.
        self._cookie = (
            "" if token is None else hashlib.sha256(b"console:" + token.encode()).hexdigest()
        )

    # -- lifespan -------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifespan(self, host: object = None) -> AsyncIterator[None]:
        """Run the app and the console's watching for as long as the context lasts (for hosts
        whose `Mount` does not pass lifespan events on)."""
        async with self.app.lifespan(), anyio.create_task_group() as tasks:
            self.feed.start()
            try:
                tasks.start_soon(self.series.run)
                tasks.start_soon(self.feed.keep_time)
                yield
            finally:
                self.feed.stop()
                tasks.cancel_scope.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await run_lifespan(self.lifespan, receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})
        elif kind == "http":
            await self._serve(scope, receive, send)

    # -- requests -------------------------------------------------------------------------------

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        root = scope.get("root_path", "")
        path = scope["path"]
        if root and path.startswith(root):
            path = path[len(root) :]
        path = path or "/"
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        refusal = self._refusal(headers, query)
        if refusal is not None:
            await _respond(send, refusal[0], refusal[1].encode(), b"text/plain; charset=utf-8")
            return
        extra: list[tuple[bytes, bytes]] = []
        if self.token is not None and query.get("token"):  # remembered for the page's requests
            cookie = f"{COOKIE}={self._cookie}; HttpOnly; SameSite=Strict; Path=/"
            extra.append((b"set-cookie", cookie.encode()))
        method = scope["method"]
        try:
            if method == "POST" and path.startswith("/api/actions/"):
                await self._act(path.removeprefix("/api/actions/"), headers, receive, send)
            elif method not in ("GET", "HEAD"):
                await _respond(send, 405, b"method not allowed", b"text/plain")
            elif path == "/api/invocations/stream":
                await self._stream(headers, receive, send)
            else:
                await self._get(path, query, send, extra, root)
        except _REFUSED as error:
            await _json(send, {"error": str(error)}, 400)

    def _refusal(
        self, headers: dict[str, str], query: dict[str, list[str]]
    ) -> tuple[int, str] | None:
        if self.token is None:
            if not _is_loopback(headers.get("host", "")):
                return 403, "the console answers only loopback addresses without a token"
            return None
        given = headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not given:
            given = (query.get("token") or [""])[0]
        if not given:
            cookie = SimpleCookie(headers.get("cookie", ""))
            if COOKIE in cookie and hmac.compare_digest(cookie[COOKIE].value, self._cookie):
                return None
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return 401, "the console needs its token (?token=... once, or Authorization: Bearer)"
        return None

    async def _get(
        self,
        path: str,
        query: dict[str, list[str]],
        send: Send,
        extra: list[tuple[bytes, bytes]],
        root: str,
    ) -> None:
        app = self.app
        if path == "/":
            await _respond(send, 200, self._page(root).encode(), b"text/html; charset=utf-8", extra)
        elif path.startswith("/static/") and path[8:] in STATIC:
            name = path[8:]
            static = resources.files("faaslib.console").joinpath("static").joinpath(name)
            await _respond(send, 200, static.read_bytes(), STATIC[name])
        elif path.startswith("/part/") and path[6:] in ("functions", "services", "costs"):
            part = self._part(path[6:])
            await _respond(send, 200, part.encode(), b"text/html; charset=utf-8")
        elif path == "/api/functions":
            await _json(send, views.functions(app))
        elif path == "/api/services":
            await _json(send, views.services(app))
        elif path == "/api/costs":
            await _json(send, views.costs(app, self.app.tunings, self._since))
        elif path == "/api/metrics":
            function = (query.get("function") or [""])[0] or None
            if function is not None:
                app.function_configuration(function)  # ResourceNotFound names it
            await _json(send, self.series.charts(function))
        elif path == "/api/events":
            await _json(send, views.event_families())
        elif path.startswith("/api/events/"):
            await _json(send, actions.build_event(path[12:]))
        elif path == "/api/invocations":
            entries, skipped, _ = self.feed.since(None, 500)
            watching = self.feed.is_running
            await _json(send, {"invocations": entries, "skipped": skipped, "watching": watching})
        elif path.startswith("/api/invocations/"):
            detail = self.feed.detail(path[17:])
            if detail is None:
                await _json(send, {"error": f"no recent invocation {path[17:]!r}"}, 404)
            else:
                await _json(send, detail)
        else:
            await _respond(send, 404, b"not found", b"text/plain")

    def _part(self, section: str) -> str:
        app = self.app
        if section == "functions":
            return page.functions_part(views.functions(app))
        if section == "services":
            return page.services_part(views.services(app))
        charts = []
        if app.functions:
            charts.append(app.costs.chart(format="svg", which="function"))
        for result in self.app.tunings:
            chart = result.chart(format="svg")
            charts.append(chart if isinstance(chart, str) else chart.decode())
        return page.costs_part(views.costs(app, self.app.tunings, self._since), charts)

    def _page(self, root: str) -> str:
        from faaslib.events import BUILDERS

        app = self.app
        options = "".join(
            f'<option value="{page.escape(n)}">{page.escape(n)}</option>' for n in app.functions
        )
        parts = {name: self._part(name) for name in ("functions", "services", "costs")}
        parts["invocations"] = page.INVOCATIONS_PART
        parts["metrics"] = page.METRICS_PART.replace("{options}", options)
        dead_letters = {
            q.dead_letter_queue.name for q in app.queues.values() if q.dead_letter_queue
        }
        parts["actions"] = page.actions_part(
            app.functions, app.queues, sorted(dead_letters), app.buckets, BUILDERS
        )
        return page.page(app.name, f"{root}/", parts)

    async def _act(
        self, action: str, headers: dict[str, str], receive: Receive, send: Send
    ) -> None:
        if not headers.get("content-type", "").startswith("application/json"):
            await _json(send, {"error": "actions take JSON (Content-Type: application/json)"}, 415)
            return
        origin = headers.get("origin")
        if origin is not None and origin.split("://", 1)[-1] != headers.get("host"):
            await _json(send, {"error": f"actions are refused from origin {origin!r}"}, 403)
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > MAX_ACTION_BYTES:
                limit = f"{MAX_ACTION_BYTES:,}"
                await _json(send, {"error": f"an action's request is at most {limit} bytes"}, 413)
                return
            if not message.get("more_body"):
                break
        try:
            form = json.loads(body or b"{}")
        except ValueError as error:
            raise actions.ActionError(f"the request is not JSON: {error}") from None
        if not isinstance(form, dict):
            raise actions.ActionError("the request must be a JSON object")
        if action == "invoke":
            await _json(send, await actions.invoke(self.app, form, self.feed))
            return
        if action == "tune":
            result = await actions.tune(self.app, form)  # kept in app.tunings
            await _json(
                send,
                {"function": result.function, "recommended": result.recommended, "why": result.why},
            )
            return
        run = _ACTIONS.get(action)
        if run is None:
            await _json(send, {"error": f"no action {action!r}"}, 404)
            return
        await _json(send, await run(self.app, form))

    async def _stream(self, headers: dict[str, str], receive: Receive, send: Send) -> None:
        self.streams += 1
        try:
            last = headers.get("last-event-id") or None
            await stream_invocations(self.feed, last, receive, send, SECURITY_HEADERS)
        finally:
            self.streams -= 1

    def __repr__(self) -> str:
        return f"<faaslib Console of App {self.app.name!r}>"


def _is_loopback(host: str) -> bool:
    """Whether a Host header names this machine (`localhost`, 127.x.x.x, `[::1]`, any port)."""
    name = host.rsplit("]", 1)[0].lstrip("[") if host.startswith("[") else host.rsplit(":", 1)[0]
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:  # a name: only `localhost` is known to be this machine
        return False


async def _json(send: Send, data: Any, status: int = 200) -> None:
    body = json.dumps(data, default=_jsonable).encode()
    await _respond(send, status, body, b"application/json")


def _jsonable(value: Any) -> Any:
    """Decimals (the bill's amounts) as exact strings; other oddities as their text."""
    return str(value)


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        *SECURITY_HEADERS,
        *(extra or ()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
