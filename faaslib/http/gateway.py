"""The HTTP front door of an app, as API Gateway (or a function URL) stands in front of Lambda.

One request, start to finish: read it (413 past the body limit) → answer a CORS preflight
itself → pick the route (404) → ask the route's authorizer (401, 403) → lay the request out
as the route's event → invoke the function synchronously, through the same invoker as every
event source (429 throttled, 413 over Lambda's payload limit) → turn its answer into the
response (500 for a function error or a malformed answer; 503 once the integration timeout
passes) → add the CORS and request-id headers.

The client never sees a function's error text or stack trace: every failure is the front
door's generic answer, and the details go to the `faaslib.http` log.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Literal
from urllib.parse import parse_qsl

import anyio
import msgspec

from faaslib.clock import Clock
from faaslib.errors import ConfigurationError, InvocationError, RequestTooLarge, TooManyRequests
from faaslib.executor import Function
from faaslib.executor.runner import DecodedEvent
from faaslib.http.authorizers import (
    Authorizer,
    Decision,
    MalformedDecision,
    decision_context,
    route_arn,
)
from faaslib.http.cors import CORS
from faaslib.http.layouts import (
    Event,
    as_struct,
    function_url_event,
    http_api_event,
    request_id,
    set_authorizer,
)
from faaslib.http.requests import BodyTooLarge, ClientDisconnected, Place, Request, read_request
from faaslib.http.responses import (
    Failure,
    HttpResponse,
    MalformedResponse,
    error_response,
    integration_response,
    send_response,
)
from faaslib.http.routes import DEFAULT_ROUTE, Match, Route, RouteTable
from faaslib.invoke import MAX_SYNC_REQUEST_BYTES, InvocationResult
from faaslib.sources.base import Invoker

__all__ = ["API_KINDS", "ApiKind", "HttpApi"]

logger = logging.getLogger("faaslib.http")

ApiKind = Literal["http-api", "function-url"]
API_KINDS: tuple[ApiKind, ...] = ("http-api", "function-url")
# HTTP APIs take request bodies up to 10 MB; a function URL's request is Lambda's synchronous
# payload, 6 MB. The event (a binary body base64-encoded) must also fit Lambda's 6 MB.
BODY_LIMITS: dict[ApiKind, int] = {"http-api": 10 * 1024 * 1024, "function-url": 6 * 1024 * 1024}
MAX_INTEGRATION_TIMEOUT = 30.0  # seconds, the most an HTTP API waits for its integration
MIN_INTEGRATION_TIMEOUT = 0.05

Header = tuple[bytes, bytes]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]


class HttpApi:
    """An app's HTTP API: its kind, routes, authorizers and CORS, and the requests it serves.

    It reaches functions only through `invoker`, as every event source does.
    """

    def __init__(
        self,
        invoker: Invoker,
        clock: Clock,
        functions: Mapping[str, Function],
        region: str,
        account: str,
    ) -> None:
        self.kind: ApiKind = "http-api"
        self.function: str | None = None  # the function a function URL serves
        self.integration_timeout: float = MAX_INTEGRATION_TIMEOUT
        self.routes = RouteTable()
        self.authorizers: dict[str, Authorizer] = {}
        self.cors: CORS | None = None
        self.is_configured = False  # `app.http(...)` was called
        self._invoker = invoker
        self._clock = clock
        self._functions = functions
        api_id, url_id = secrets.token_hex(5), secrets.token_hex(16)
        self._api_place = Place(
            api_id, region, account, f"{api_id}.execute-api.{region}.amazonaws.com"
        )
        self._url_place = Place(url_id, region, account, f"{url_id}.lambda-url.{region}.on.aws")
        self._checked = False
        self._counts: dict[str, dict[str, int]] = {}

    # -- configuration ------------------------------------------------------------------------

    def changed(self) -> None:
        """The configuration changed: check it again before the next request."""
        self._checked = False

    def check(self) -> None:
        """Refuse a configuration that cannot serve: a route naming an unknown authorizer, a
        function URL without its function, or routes on a function URL."""
        if self.kind == "function-url":
            if self.function not in self._functions:
                known = ", ".join(sorted(self._functions)) or "none"
                raise ConfigurationError(
                    f"function URL: function {self.function!r} is not registered (functions: "
                    f"{known})"
                )
            if len(self.routes):
                keys = ", ".join(route.key for route in self.routes)
                raise ConfigurationError(
                    f"function URL of {self.function!r}: a function URL serves one function at "
                    f"every path, so it has no routes (declared: {keys}); use app.http("
                    "'http-api') for routes"
                )
        for route in self.routes:
            if route.authorizer is not None and route.authorizer not in self.authorizers:
                known = ", ".join(sorted(self.authorizers)) or "none"
                raise ConfigurationError(
                    f"route {route.key}: authorizer {route.authorizer!r} is not declared with "
                    f"@app.authorizer (declared: {known})"
                )
        self._checked = True

    def metrics(self, key: str) -> dict[str, int]:
        """API Gateway's CloudWatch counts for the route `key`: `Count`, `4xx`, `5xx`."""
        return dict(self._counts.get(key) or {"Count": 0, "4xx": 0, "5xx": 0})

    # -- serving ------------------------------------------------------------------------------

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one ASGI HTTP request."""
        head = scope.get("method") == "HEAD"
        try:
            request = await read_request(scope, receive, BODY_LIMITS[self.kind])
        except BodyTooLarge as error:
            logger.info("request body too large (%s): answered 413", error)
            await send_response(send, error_response(self.kind, "too_large"), head=head)
            return
        except ClientDisconnected:
            return
        cors = self.cors
        origin = None
        if cors is not None:
            origin = request.header("origin")
            if (
                request.method == "OPTIONS"
                and origin is not None
                and request.header("access-control-request-method") is not None
            ):
                await send_response(send, cors.preflight(origin))
                return
        reply = _Reply(self, send, cors, origin, head)
        response: HttpResponse | None
        try:
            if not self._checked:
                self.check()
            response = await self._answer(request, reply)
        except ConfigurationError as error:
            logger.error("HTTP API cannot serve %s %s: %s", request.method, request.path, error)
            response = error_response(self.kind, "error")
        except Exception:
            logger.exception("HTTP API failed on %s %s", request.method, request.path)
            response = error_response(self.kind, "error")
        if response is not None:  # None: answered already (the integration timed out)
            await reply(response)

    async def _answer(self, request: Request, reply: _Reply) -> HttpResponse | None:
        """The response to `request`; None if `reply` has sent it already."""
        if not request.raw_path.startswith("/"):
            return error_response(self.kind, "not_found")  # `OPTIONS *`: no path, no resource
        now = self._clock.now()
        if self.kind == "function-url":
            assert self.function is not None  # checked
            event = function_url_event(request, self._url_place, now)
            reply.key = DEFAULT_ROUTE
            reply.header = (b"x-amzn-requestid", request_id(event).encode())
            handed = _handed_over(event, request, 0)
            return await self._integrate(self.function, handed, "2.0", reply)
        match = self.routes.match(request.method, request.raw_path)
        if match is None:
            return error_response(self.kind, "not_found")
        route = match.route
        event = http_api_event(request, match, self._api_place, now, route.payload_format)
        reply.key = route.key
        reply.header = (b"apigw-requestid", request_id(event).encode())
        if route.authorizer is not None:
            failure = await self._authorize(request, match, event, now)
            if failure is not None:
                return error_response(self.kind, failure)
            # The authorizer's context may be shared (a cached decision): the function gets
            # the event through JSON, its own copy.
            body: bytes | DecodedEvent = msgspec.json.encode(event)
        else:
            body = _handed_over(event, request, len(route.key) + len(route.resource))
        return await self._integrate(route.function, body, route.payload_format, reply)

    async def _authorize(
        self,
        request: Request,
        match: Match,
        event: Event,
        now: float,
    ) -> Failure | None:
        """Run the route's authorizer; the failure to answer with, or None to go on (the
        authorizer's context then in `event`)."""
        route = match.route
        authorizer = self.authorizers[route.authorizer or ""]
        query = _query_parameters(request.query_string)
        identity = authorizer.identity(request, route.key, query)
        if identity is None:
            return "unauthorized"
        place = self._api_place
        arn = route_arn(place.region, place.account, place.api_id, request.method, request.path)
        decision = authorizer.cached(identity)
        latency = 0.0
        if decision is None:
            if authorizer.payload_format == route.payload_format:
                shaped = event
            else:
                shaped = http_api_event(request, match, place, now, authorizer.payload_format)
            decision, latency = await self._ask(authorizer, shaped, identity, arn, route)
            if decision is None:
                return "error"
            authorizer.remember(identity, decision)
        if not decision.allows(arn):
            return "forbidden"
        set_authorizer(event, decision_context(decision, route.payload_format, latency))
        return None

    async def _ask(
        self,
        authorizer: Authorizer,
        event: Event,
        identity: list[str],
        arn: str,
        route: Route,
    ) -> tuple[Decision | None, float]:
        """The authorizer's decision and its duration in ms; None if it failed."""
        body = msgspec.json.encode(authorizer.event(as_struct(event), identity, arn))
        try:
            result = await self._invoker.invoke(authorizer.function, body)
        except InvocationError as error:
            logger.warning(
                "route %s: authorizer %r could not be invoked (%s: %s): answered 500",
                route.key,
                authorizer.name,
                type(error).__name__,
                error,
            )
            return None, 0.0
        if result.function_error is not None:
            logger.warning(
                "route %s: authorizer %r failed (request %s): answered 500",
                route.key,
                authorizer.name,
                result.request_id,
            )
            return None, result.duration_ms
        try:
            return authorizer.decide(result.payload), result.duration_ms
        except MalformedDecision as error:
            logger.warning(
                "route %s: authorizer %r gave an answer API Gateway cannot use (%s): answered 500",
                route.key,
                authorizer.name,
                error,
            )
            return None, result.duration_ms

    async def _integrate(
        self,
        function: str,
        body: bytes | DecodedEvent,
        payload_format: str,
        reply: _Reply,
    ) -> HttpResponse | None:
        """Invoke `function` with the event `body` and turn the outcome into the response; None
        when the response went out already (the integration timed out)."""
        # The integration timeout, where it can pass before the function's own (which is a
        # function error): HTTP APIs only.
        timeout: float | None = None
        if self.kind == "http-api":
            target = self._functions.get(function)
            if target is None or target.timeout > self.integration_timeout:
                timeout = self.integration_timeout
        outcome: InvocationResult | BaseException
        if timeout is None:
            try:
                outcome = await self._invoker.invoke(function, body)
            except Exception as error:  # mapped to the front door's answer by `_response`
                outcome = error
        else:
            finished = anyio.Event()
            held: list[InvocationResult | BaseException] = []

            async def invoke() -> None:
                held.append(await self._invoke(function, body))
                finished.set()

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(invoke)
                with self._clock.timeout_scope(timeout):
                    await finished.wait()
                if not held:
                    # API Gateway gives up on the integration; the function runs on, and the
                    # request ends here once it has (so its instance and bill stay right).
                    logger.info(
                        "%s: function %r did not answer within the integration timeout of %gs",
                        reply.key,
                        function,
                        timeout,
                    )
                    await reply(error_response(self.kind, "timeout"))
                    return None
            outcome = held[0]
        return self._response(function, outcome, payload_format, reply.key)

    async def _invoke(
        self, function: str, body: bytes | DecodedEvent
    ) -> InvocationResult | BaseException:
        try:
            return await self._invoker.invoke(function, body)
        except Exception as error:  # mapped to the front door's answer by `_response`
            return error

    def _response(
        self,
        function: str,
        outcome: InvocationResult | BaseException,
        payload_format: str,
        key: str,
    ) -> HttpResponse:
        if isinstance(outcome, InvocationResult):
            if outcome.function_error is not None:
                return error_response(self.kind, "error")
            try:
                return integration_response(outcome, payload_format)
            except MalformedResponse as error:
                logger.warning(
                    "%s: function %r answered with a response API Gateway cannot send (%s)",
                    key,
                    function,
                    error,
                )
                return error_response(self.kind, "error")
        if isinstance(outcome, TooManyRequests):
            return error_response(self.kind, "throttled")
        if isinstance(outcome, RequestTooLarge):
            return error_response(self.kind, "too_large")
        if isinstance(outcome, InvocationError):
            logger.warning("%s: function %r could not be invoked: %s", key, function, outcome)
            return error_response(self.kind, "error")
        logger.error("%s: invoking function %r failed", key, function, exc_info=outcome)
        return error_response(self.kind, "error")

    def count(self, key: str, status: int) -> None:
        """Count a response of route `key` in its metrics."""
        counts = self._counts.get(key)
        if counts is None:
            counts = self._counts[key] = {"Count": 0, "4xx": 0, "5xx": 0}
        counts["Count"] += 1
        if 400 <= status < 500:
            counts["4xx"] += 1
        elif status >= 500:
            counts["5xx"] += 1


class _Reply(msgspec.Struct):
    """The way back to one request's client, and what every response to it carries: the
    request id header, the CORS headers, and a count in its route's metrics (a struct: made
    once per request, in C)."""

    _api: HttpApi
    _send: Send
    _cors: CORS | None  # the API's when the request came in
    _origin: str | None
    _head: bool
    key: str = ""  # the route's, once one is chosen
    header: Header | None = None

    async def __call__(self, response: HttpResponse) -> None:
        header = self.header
        cors = self._cors
        if cors is not None:  # its headers come after the request id's
            if header is not None:
                response = HttpResponse(response.status, [*response.headers, header], response.body)
                header = None
            response = cors.apply(response, self._origin)
        if self.key:
            self._api.count(self.key, response.status)
        await send_response(self._send, response, head=self._head, extra=header)


# What an event holds besides the request's own text (field names, ids, times, the API's
# names): well under this many bytes of JSON.
_EVENT_FRAME = 16 * 1024
# No byte of a request appears more than 3 times in its event (a header value in `headers`,
# `multiValueHeaders` and the identity's user agent; a path in `path`, the context's path and a
# path parameter) and none takes more than 6 bytes of JSON (`\u001f`): 18 with room to spare,
# and 8 bytes a header for the quotes and commas around an empty one.
_GROWTH = 48
_HEADER_FRAME = 8


def _handed_over(event: Event, request: Request, extra: int) -> bytes | DecodedEvent:
    """`event` as the function is handed it: its value itself, without the round trip through
    JSON, where its JSON is surely within Lambda's synchronous limit (and its path ASCII, which
    rules out a lone surrogate JSON cannot encode); otherwise its JSON, which the invoker sizes
    exactly. `extra`: the length of the route's key and resource."""
    if _size_bound(request, extra) <= MAX_SYNC_REQUEST_BYTES and request.path.isascii():
        return DecodedEvent(event)  # laid out for this request alone
    return msgspec.json.encode(event)


def _size_bound(request: Request, extra: int) -> int:
    """More bytes than the JSON of `request`'s event can take (`extra`: the length of the
    route's key and resource): the request's own text grown by the most any byte of it can."""
    size = len(request.body) + len(request.path) + len(request.raw_path) + extra
    size += len(request.query_string) + len(request.source_ip) + len(request.method)
    size += len(request.protocol)
    for name, value in request.headers:
        size += len(name) + len(value) + _HEADER_FRAME
    return size * _GROWTH + _EVENT_FRAME


def _query_parameters(query_string: str) -> dict[str, str]:
    """The query's parameters as payload 2.0 gives them: decoded, repeated values comma-joined."""
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters
