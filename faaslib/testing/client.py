"""`TestClient`: a running app behind plain, synchronous calls, for tests that are not async.

The app runs in an event loop on a thread of its own (an anyio blocking portal), entered as
`async with app` would enter it; every call the test makes is carried into that loop and its
answer (or exception) carried back. Starlette's `TestClient` works the same way.

```pycon
>>> with TestClient(app) as client:
...     assert client.call("resize", {"key": "a.jpg"}) == {"key": "a.jpg"}
...     client.queue("orders").send({"id": 1})
...     client.advance(30)          # the app's FakeClock
...     client.wait_idle()
```
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from anyio.from_thread import BlockingPortal, start_blocking_portal

from faaslib.app import App
from faaslib.errors import ConfigurationError
from faaslib.invoke import InvocationResult
from faaslib.testing.clock import FakeClock

if TYPE_CHECKING:
    import httpx

__all__ = ["HttpClient", "SyncProxy", "TestClient"]

T = TypeVar("T")


class SyncProxy:
    """An object of the app (a queue, a bucket, a topic...) whose methods, async or not, run in
    the app's event loop and return their result: `client.queue("orders").send(...)`.

    Methods run in the loop even when they are synchronous, and attributes are read there
    (a property may update the object: a queue's counts expire visibility timeouts), so
    nothing races the app's own tasks.
    """

    __slots__ = ("_client", "_target")

    def __init__(self, client: TestClient, target: object) -> None:
        self._client = client
        self._target = target

    def __getattr__(self, name: str) -> Any:
        value = self._client.run(functools.partial(getattr, self._target, name))
        if not callable(value):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            return self._client.run(functools.partial(value, *args, **kwargs))

        return call

    def __repr__(self) -> str:
        return f"SyncProxy({self._target!r})"


class TestClient:
    """Run `app` for the length of a `with` block, and drive it with synchronous calls.

    `backend` is anyio's backend for the app's loop (`"asyncio"` or `"trio"`), with
    `backend_options` passed to it. Invocation errors (`TooManyRequests`, `ResourceNotFound`...)
    and `FunctionError` are raised in the test as the app raised them.

    Register functions and triggers before the client starts: decorators run in the test's
    thread, and a trigger registered on a running app would start outside the app's loop.
    Leaving the block stops the app as `async with app` does: work in hand may finish within
    the app's `shutdown_timeout`, time on the app's clock, which a `FakeClock` never lets pass
    by itself (`App(shutdown_timeout=0)` stops at once). An error in the block stops it at once.

    ```pycon
    >>> with TestClient(app) as client:
    ...     result = client.invoke("resize", {"key": "a.jpg"})
    ...     response = client.http.get("/items/1")   # through app.asgi; needs httpx
    ```
    """

    __test__ = False  # a class named Test* that pytest must not collect

    def __init__(
        self,
        app: App,
        *,
        backend: str = "asyncio",
        backend_options: dict[str, Any] | None = None,
        base_url: str = "http://testserver",
    ) -> None:
        if not isinstance(app, App):
            raise TypeError(f"TestClient: app must be a faaslib.App, not {type(app).__name__}")
        self.app = app
        self.backend = backend
        self.backend_options = backend_options
        self.base_url = base_url
        self._portal: BlockingPortal | None = None
        self._stack: contextlib.ExitStack | None = None
        self._http: HttpClient | None = None

    # -- lifetime -----------------------------------------------------------------------------

    def __enter__(self) -> TestClient:
        if self._stack is not None:
            raise RuntimeError(f"TestClient of App {self.app.name!r} is already running")
        with contextlib.ExitStack() as stack:
            portal = stack.enter_context(start_blocking_portal(self.backend, self.backend_options))
            # As an ASGI host starts it: the HTTP API's configuration is checked first.
            stack.enter_context(portal.wrap_async_context_manager(self.app.lifespan()))
            self._portal = portal
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # A failing test stops the app at once, as `async with app` does when its body raises.
        self._stop(exc_type, exc, traceback)

    def close(self) -> None:
        """Stop the app (it finishes what it can within its shutdown timeout) and its loop."""
        self._stop(None, None, None)

    def _stop(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        stack, self._stack = self._stack, None
        if stack is None:
            return
        try:
            if self._http is not None:
                self._http.close()
        finally:
            self._http = None
            self._portal = None
            stack.__exit__(exc_type, exc, traceback)

    @property
    def portal(self) -> BlockingPortal:
        """The anyio blocking portal into the app's event loop, for anything not wrapped here."""
        return self._check_running()

    def _check_running(self) -> BlockingPortal:
        if self._portal is None:
            raise RuntimeError(
                f"TestClient of App {self.app.name!r} is not running; use it as "
                "`with TestClient(app) as client:`"
            )
        return self._portal

    @overload
    def run(self, function: Callable[[], Awaitable[T]]) -> T: ...

    @overload
    def run(self, function: Callable[[], T]) -> T: ...

    def run(self, function: Callable[[], Any]) -> Any:
        """Call `function` in the app's event loop, await it if it is async, and return the
        result: `client.run(functools.partial(app.invoke, "resize", event))`."""
        return self.portal.call(function)

    # -- invoking -----------------------------------------------------------------------------

    def invoke(self, name: str, payload: Any = None, **options: Any) -> InvocationResult:
        """`App.invoke`: Lambda's Invoke API, with its options (`invocation_type`, ...)."""
        return self.run(functools.partial(self.app.invoke, name, payload, **options))

    def call(self, name: str, payload: Any = None, **options: Any) -> Any:
        """`App.call`: the response payload, or `FunctionError`."""
        return self.run(functools.partial(self.app.call, name, payload, **options))

    # -- sources ------------------------------------------------------------------------------

    def queue(self, name: str, **options: Any) -> Any:
        """The app's queue `name` (see `App.queue`), its methods made synchronous."""
        return SyncProxy(self, self.app.queue(name, **options))

    def bucket(self, name: str, **options: Any) -> Any:
        """The app's bucket `name` (see `App.bucket`), its methods made synchronous."""
        return SyncProxy(self, self.app.bucket(name, **options))

    def topic(self, name: str, **options: Any) -> Any:
        """The app's topic `name` (see `App.topic`), its methods made synchronous."""
        return SyncProxy(self, self.app.topic(name, **options))

    def sync(self, target: object) -> Any:
        """Any object of the app with its methods made synchronous, for sources this client
        has no method for: `client.sync(app.stream("clicks")).put(...)`."""
        return SyncProxy(self, target)

    # -- time and waiting ---------------------------------------------------------------------

    @property
    def clock(self) -> FakeClock:
        """The app's `FakeClock`; `ConfigurationError` if the app runs on another clock."""
        clock = self.app.clock
        if not isinstance(clock, FakeClock):
            raise ConfigurationError(
                f"App {self.app.name!r} runs on {type(clock).__name__}, which a test cannot "
                "move; create it with App(clock=faaslib.testing.FakeClock()) to advance time"
            )
        return clock

    def advance(self, seconds: float) -> None:
        """Move the app's `FakeClock` forward, waking every sleeper and timeout due on the way
        (see `FakeClock.advance`)."""
        clock = self.clock
        self.run(functools.partial(clock.advance, seconds))

    def wait_idle(self) -> None:
        """`App.wait_idle`: return once nothing is queued, retrying or running.

        Under a fake clock, what waits for time (a retry's backoff, a visibility timeout) never
        ends by itself: `advance()` past it first.
        """
        self.run(self.app.wait_idle)

    def drain(self, seconds: float | None = None) -> int:
        """`App.drain`: wait up to `seconds` of the app's clock to be idle; return how many
        Event invocations are still pending."""
        return self.run(functools.partial(self.app.drain, seconds))

    def metrics(self, name: str | None = None) -> dict[str, Any]:
        """`App.metrics`: CloudWatch's `AWS/Lambda` metrics for the account or function `name`."""
        return self.run(functools.partial(self.app.metrics, name))

    # -- HTTP ---------------------------------------------------------------------------------

    @property
    def http(self) -> HttpClient:
        """Requests to the app's HTTP routes (`@app.route`) through `app.asgi`, in process:
        API Gateway's event, rules and error answers, with no server (needs httpx)."""
        if self._http is None:
            self._check_running()
            self._http = HttpClient(self)
        return self._http

    # -- AWS ----------------------------------------------------------------------------------

    def boto3_session(self, region_name: str | None = None) -> Any:
        """A boto3 `Session` whose clients reach the app's AWS endpoints (`app.aws`) in process:
        the test drives the app with boto3 as production code drives AWS, with no server.

        ```pycon
        >>> sqs = client.boto3_session().client("sqs")
        >>> url = sqs.create_queue(QueueName="orders")["QueueUrl"]
        >>> sqs.send_message(QueueUrl=url, MessageBody="hi")   # reaches @app.on_queue
        ```
        """
        from faaslib.testing.boto import boto3_session

        self._check_running()
        return boto3_session(self, region_name)

    def __repr__(self) -> str:
        state = "running" if self._stack is not None else "stopped"
        return f"TestClient(App {self.app.name!r}, {self.backend}, {state})"


class HttpClient:
    """Synchronous HTTP requests to `app.asgi` through httpx's `ASGITransport`: no server,
    no socket, the app's own event loop.

    ASGI lifespan events are not sent: the `TestClient` has started the app already.
    `request` takes httpx's arguments (`params`, `headers`, `json`, `content`, `cookies`...)
    and returns an `httpx.Response`, read in full.
    """

    def __init__(self, client: TestClient) -> None:
        self._client = client
        self._session: httpx.AsyncClient | None = None

    def _session_for_app(self) -> httpx.AsyncClient:
        if self._session is None:
            httpx = _import_httpx()
            transport = httpx.ASGITransport(app=self._client.app.asgi)
            self._session = httpx.AsyncClient(transport=transport, base_url=self._client.base_url)
        return self._session

    def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        """Send one request; see `httpx.AsyncClient.request` for `options`."""
        session = self._session_for_app()
        return self._client.run(functools.partial(session.request, method, url, **options))

    def get(self, url: str, **options: Any) -> httpx.Response:
        """A GET request; see `request`."""
        return self.request("GET", url, **options)

    def head(self, url: str, **options: Any) -> httpx.Response:
        """A HEAD request; see `request`."""
        return self.request("HEAD", url, **options)

    def options(self, url: str, **options: Any) -> httpx.Response:
        """A OPTIONS request; see `request`."""
        return self.request("OPTIONS", url, **options)

    def post(self, url: str, **options: Any) -> httpx.Response:
        """A POST request; see `request`."""
        return self.request("POST", url, **options)

    def put(self, url: str, **options: Any) -> httpx.Response:
        """A PUT request; see `request`."""
        return self.request("PUT", url, **options)

    def patch(self, url: str, **options: Any) -> httpx.Response:
        """A PATCH request; see `request`."""
        return self.request("PATCH", url, **options)

    def delete(self, url: str, **options: Any) -> httpx.Response:
        """A DELETE request; see `request`."""
        return self.request("DELETE", url, **options)

    def close(self) -> None:
        """Close the httpx session (the `TestClient` does, as it stops)."""
        session, self._session = self._session, None
        if session is not None:
            self._client.run(session.aclose)


def _import_httpx() -> Any:
    try:
        import httpx
    except ImportError:
        raise ImportError(
            "TestClient.http needs httpx, which is not installed: pip install httpx "
            "(or faaslib[test])"
        ) from None
    return httpx
