"""The app's HTTP API: `@app.route`, `@app.authorizer`, `app.cors(...)`, `app.http(...)`,
and `app.asgi` / `app.lifespan` to serve it.

Kept apart from `App` so that the app module stays about invoking and lifetimes; `App` takes
these methods by inheritance and provides what they use (registration, the invoker, the clock).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, TypeVar, cast

import anyio.abc

from faaslib.clock import Clock
from faaslib.config import AppConfig
from faaslib.errors import ConfigurationError
from faaslib.http.asgi import AsgiApp
from faaslib.http.authorizers import Authorizer
from faaslib.http.cors import CORS, make_cors
from faaslib.http.gateway import (
    API_KINDS,
    MAX_INTEGRATION_TIMEOUT,
    MIN_INTEGRATION_TIMEOUT,
    HttpApi,
)
from faaslib.http.routes import DEFAULT_ROUTE, PayloadFormat, Route
from faaslib.sources.base import Invoker, PushTrigger, Trigger

if TYPE_CHECKING:
    from faaslib.config import FunctionConfig
    from faaslib.executor import Function

__all__ = ["HttpRoutes"]

# A handler, or the name of a function registered already (bound by name).
HandlerT = TypeVar("HandlerT", bound=Callable[..., Any] | str)


class HttpRoutes:
    """HTTP routes of the app, the authorizers that guard them, and the API that serves them."""

    config: AppConfig
    clock: Clock
    _invoker: Invoker
    _functions: dict[str, Function]
    _aliases: dict[tuple[str, str], str]  # (kind, a template's logical id) -> the name
    _task_group: anyio.abc.TaskGroup | None

    if TYPE_CHECKING:  # provided by `EventSources` and `App`

        def _function_for(
            self,
            target: Any,
            function_config: Mapping[str, Any],
            check: Callable[[FunctionConfig], None] | None = None,
        ) -> Function: ...

        def _add_trigger(self, trigger: Trigger) -> None: ...

    # -- routes -------------------------------------------------------------------------------

    def route(
        self,
        method: str,
        path: str | None = None,
        *,
        payload_format: PayloadFormat = "2.0",
        authorizer: str | None = None,
        **function_config: Any,
    ) -> Callable[[HandlerT], HandlerT]:
        """Serve `method` requests of `path` with this function, as an HTTP API route with a
        Lambda integration.

        `method` is GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY; `path` may hold path
        variables (`/items/{id}`) and end with a greedy one (`/files/{proxy+}`);
        `route("$default")` catches what no other route matches. The most specific route wins
        whatever the order of registration. The function gets the HTTP API event in
        `payload_format` "2.0" (default) or "1.0"; `authorizer` names an `@app.authorizer`
        that decides first. `function_config` takes `App.function`'s options; decorators stack,
        one function serving several routes.

        ```pycon
        >>> @app.route("GET", "/items/{id}")
        ... def get_item(event, context):
        ...     return {"id": event["pathParameters"]["id"]}
        ```
        """
        if authorizer is not None and not isinstance(authorizer, str):
            raise ConfigurationError(f"route {method} {path}: authorizer must be a name (str)")

        def register(target: HandlerT) -> HandlerT:
            api = self._http_api
            made: list[Route] = []

            def check(config: FunctionConfig) -> None:  # before the function is registered
                route = Route(method, path, config.name, payload_format, authorizer)
                api.routes.check(route)
                made.append(route)

            function = self._function_for(target, function_config, check)
            route = made[0]
            api.routes.add(route)
            api.changed()
            shown = f" (payload {route.payload_format}"
            shown += f", authorizer {route.authorizer})" if route.authorizer else ")"
            self._add_trigger(
                PushTrigger(
                    function.name, f"http {route.key}{shown}", lambda: api.metrics(route.key)
                )
            )
            return target

        return register

    def authorizer(
        self,
        name: str,
        *,
        payload_format: PayloadFormat = "2.0",
        simple_responses: bool = True,
        identity_sources: Sequence[str] = ("$request.header.Authorization",),
        result_ttl: int = 0,
        **function_config: Any,
    ) -> Callable[[HandlerT], HandlerT]:
        """Declare Lambda authorizer `name`, this function deciding; routes name it.

        The function gets the request in `payload_format` ("2.0" or "1.0") and answers with a
        simple response (`{"isAuthorized": bool, "context": {...}}`, 2.0 only) or, with
        `simple_responses=False`, an IAM policy allowing `execute-api:Invoke` on the route's
        ARN (`event["routeArn"]`, or `methodArn` in 1.0). A request without one of the
        `identity_sources` (`$request.header.NAME`, `$request.querystring.NAME`,
        `$context.routeKey`...) is refused with 401 before the function runs; a denial is 403.
        `result_ttl` (seconds, at most 3,600) caches decisions by the identity values.
        """
        if not isinstance(name, str) or not name:
            raise ConfigurationError(f"authorizer name {name!r} must be a non-empty str")

        def register(target: HandlerT) -> HandlerT:
            api = self._http_api
            held = api.authorizers.get(name)
            if held is not None:
                raise ConfigurationError(
                    f"authorizer {name!r} is already declared (function {held.function!r})"
                )
            made: list[Authorizer] = []

            def check(config: FunctionConfig) -> None:
                made.append(
                    Authorizer(
                        name,
                        config.name,
                        clock=self.clock,
                        payload_format=payload_format,
                        simple_responses=simple_responses,
                        identity_sources=identity_sources,
                        result_ttl=result_ttl,
                    )
                )

            self._function_for(target, function_config, check)
            api.authorizers[name] = made[0]
            api.changed()
            return target

        return register

    @property
    def http_routes(self) -> tuple[Route, ...]:
        """The routes of the app's HTTP API, in the order they were declared."""
        return tuple(self._http_api.routes)

    # -- the API ------------------------------------------------------------------------------

    def http(
        self,
        api: str = "http-api",
        *,
        function: str | None = None,
        integration_timeout: float | None = None,
    ) -> None:
        """Choose what stands in front of the functions, once, before serving.

        `"http-api"` (the default): an API Gateway HTTP API serving the routes, with
        `integration_timeout` (seconds, 0.05 to 30, default 30) after which it answers 503
        while the function runs on. `"function-url"`: the function URL of `function`, which
        gets every request, at any path, as a function URL event.

        ```pycon
        >>> app.http("function-url", function="web")
        ```
        """
        if api not in API_KINDS:
            raise ConfigurationError(f"app.http: api={api!r} is not one of {', '.join(API_KINDS)}")
        state = self._http_api
        if state.is_configured:
            raise ConfigurationError(
                f"app.http: the API is configured already ({state.kind}); call app.http once"
            )
        if api == "function-url":
            if isinstance(function, str):
                function = self._aliases.get(("function", function), function)
            if not isinstance(function, str) or not function:
                raise ConfigurationError(
                    "app.http('function-url') needs function=NAME, the function it serves"
                )
            if integration_timeout is not None:
                raise ConfigurationError(
                    "app.http('function-url'): a function URL has no integration timeout; the "
                    "function's own timeout applies"
                )
        elif function is not None:
            raise ConfigurationError(
                "app.http('http-api'): function= is for a function URL; an HTTP API serves "
                "its routes"
            )
        timeout = MAX_INTEGRATION_TIMEOUT if integration_timeout is None else integration_timeout
        if (
            not isinstance(timeout, (int, float))
            or isinstance(timeout, bool)
            or not MIN_INTEGRATION_TIMEOUT <= timeout <= MAX_INTEGRATION_TIMEOUT
        ):
            raise ConfigurationError(
                f"app.http: integration_timeout={integration_timeout!r} must be "
                f"{MIN_INTEGRATION_TIMEOUT} to {MAX_INTEGRATION_TIMEOUT:g} seconds"
            )
        state.kind = "function-url" if api == "function-url" else "http-api"
        state.function = function
        state.integration_timeout = float(timeout)
        state.is_configured = True
        state.changed()
        if function is not None:
            self._add_trigger(
                PushTrigger(function, "function URL", lambda: state.metrics(DEFAULT_ROUTE))
            )

    def cors(
        self,
        *,
        allow_origins: Iterable[str] = (),
        allow_methods: Iterable[str] = (),
        allow_headers: Iterable[str] = (),
        expose_headers: Iterable[str] = (),
        max_age: int | None = None,
        allow_credentials: bool = False,
        preflight_only: bool = False,
    ) -> CORS:
        """Configure CORS for the API, once: it answers browsers' preflight requests itself and
        adds the CORS headers to every response to a request with an `Origin`, as an HTTP API
        does. `preflight_only=True` is a REST API's CORS (SAM's `Cors`): preflight requests
        answered, every other response passed through with the function's own headers.

        ```pycon
        >>> app.cors(allow_origins=["https://shop.example.com"], allow_methods=["GET", "POST"])
        ```
        """
        state = self._http_api
        if state.cors is not None:
            raise ConfigurationError("app.cors: CORS is configured already; call app.cors once")
        state.cors = make_cors(
            allow_origins=allow_origins,
            allow_methods=allow_methods,
            allow_headers=allow_headers,
            expose_headers=expose_headers,
            max_age=max_age,
            allow_credentials=allow_credentials,
            preflight_only=preflight_only,
        )
        return state.cors

    @property
    def asgi(self) -> AsgiApp:
        """The API as an ASGI application: run it with uvicorn, or mount it in Starlette or
        FastAPI (`Mount("/fn", app=app.asgi)`). Its lifespan starts and stops the app."""
        asgi: AsgiApp | None = self.__dict__.get("_http_asgi")
        if asgi is None:
            asgi = self.__dict__["_http_asgi"] = AsgiApp(self._http_api, self.lifespan)
        return asgi

    def lifespan(self, host: object = None) -> AbstractAsyncContextManager[None]:
        """Run the app for as long as the context lasts, for hosts whose `Mount` does not pass
        lifespan events on: `Starlette(..., lifespan=app.lifespan)`. The configuration is
        checked first; an app already running is left to its owner."""
        return self._run_for_host()

    @contextlib.asynccontextmanager
    async def _run_for_host(self) -> AsyncIterator[None]:
        self._http_api.check()
        if self._task_group is not None:  # running already (`async with app`): not ours
            yield
            return
        async with cast(AbstractAsyncContextManager[Any], self):
            yield

    @property
    def _http_api(self) -> HttpApi:
        api: HttpApi | None = self.__dict__.get("_http_state")
        if api is None:
            api = HttpApi(
                self._invoker,
                self.clock,
                self._functions,
                self.config.region,
                self.config.account_id,
            )
            self.__dict__["_http_state"] = api
        return api
