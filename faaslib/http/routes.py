"""The route table of an HTTP API: route keys (`GET /items/{id}`, `ANY /{proxy+}`, `$default`),
and the choice of one route for a request by API Gateway's priority rules.

HTTP APIs pick the best match, not the first one registered
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html,
"Routing API requests"):

1. a route whose whole path matches (`/pets/{id}` or `/pets/6`), the most literal one first,
   compared segment by segment from the left;
2. a route with a greedy path variable (`/pets/{proxy+}`), the longest prefix first;
3. the `$default` route.

Within each, a route for the request's method wins over `ANY` on the same path, since `ANY`
"matches all methods that you haven't defined for a resource". A path variable matches one
non-empty segment; a greedy variable ends the path and matches one or more segments. Without a
match the API answers 404 `{"message":"Not Found"}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal, NamedTuple
from urllib.parse import unquote

import msgspec

from faaslib.errors import ConfigurationError

__all__ = ["DEFAULT_ROUTE", "METHODS", "Match", "PayloadFormat", "Route", "RouteTable"]

PayloadFormat = Literal["1.0", "2.0"]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
DEFAULT_ROUTE = "$default"

_LITERAL, _VARIABLE, _GREEDY = 0, 1, 2
_VARIABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class Segment(NamedTuple):
    """One segment of a route's path: literal text, `{name}` or `{name+}`."""

    kind: int
    text: str  # the literal, or the variable's name


class Route:
    """A route of the API: its key, the function it invokes, the payload format of the events
    it sends, and the authorizer that guards it (by name), if any."""

    __slots__ = (
        "_priority",
        "authorizer",
        "function",
        "key",
        "method",
        "path",
        "payload_format",
        "segments",
    )

    def __init__(
        self,
        method: str,
        path: str | None,
        function: str,
        payload_format: PayloadFormat = "2.0",
        authorizer: str | None = None,
    ) -> None:
        if path is None:
            if method != DEFAULT_ROUTE:
                raise ConfigurationError(
                    f"route {method!r}: a route needs a path, e.g. route('GET', '/items/{{id}}'); "
                    f"only the {DEFAULT_ROUTE!r} route has none"
                )
            self.segments: tuple[Segment, ...] = ()
            self.key = DEFAULT_ROUTE
        else:
            method = method.upper()
            if method not in METHODS:
                raise ConfigurationError(
                    f"route {method} {path}: method {method!r} is not one of "
                    f"{', '.join(METHODS)} (or route('$default') for the catch-all route)"
                )
            self.segments = parse_path(method, path)
            self.key = f"{method} {path}"
        if payload_format not in ("1.0", "2.0"):
            raise ConfigurationError(
                f"route {self.key}: payload_format={payload_format!r} is not '2.0' or '1.0'"
            )
        self.method = method
        self.path = path
        self.function = function
        self.payload_format: PayloadFormat = payload_format
        self.authorizer = authorizer
        kinds = tuple(segment.kind for segment in self.segments)
        greedy = bool(kinds) and kinds[-1] == _GREEDY
        self._priority = (
            path is None,
            greedy,
            -len(kinds) if greedy else 0,
            kinds,
            method == "ANY",
        )

    @property
    def is_default(self) -> bool:
        """Whether this is the `$default` route, which catches what no other route matches."""
        return self.path is None

    @property
    def resource(self) -> str:
        """The path template (`/items/{id}`), or `$default`: the `resource` of a 1.0 event."""
        return DEFAULT_ROUTE if self.path is None else self.path

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """The path parameters if the request path's `parts` (its segments, each decoded)
        match this route's path, else None."""
        segments = self.segments
        greedy = bool(segments) and segments[-1].kind == _GREEDY
        if greedy:
            if len(parts) < len(segments):
                return None
        elif len(parts) != len(segments):
            return None
        parameters: dict[str, str] = {}
        for index, segment in enumerate(segments):
            if segment.kind == _GREEDY:
                rest = "/".join(parts[index:])
                if not rest:
                    return None
                parameters[segment.text] = rest
                break
            part = parts[index]
            if segment.kind == _LITERAL:
                if part != segment.text:
                    return None
            elif not part:
                return None
            else:
                parameters[segment.text] = part
        return parameters

    def priority(self) -> tuple[bool, bool, int, tuple[int, ...], bool]:
        """Sorts the routes that match one request: the smallest wins (see the module's rules)."""
        return self._priority

    def shape(self) -> tuple[str, tuple[tuple[int, str], ...]]:
        """What makes two routes the same route to API Gateway: the method and the path with
        its variables unnamed (`/items/{id}` and `/items/{name}` conflict)."""
        return self.method, tuple(
            (segment.kind, segment.text if segment.kind == _LITERAL else "")
            for segment in self.segments
        )

    def __repr__(self) -> str:
        return f"Route({self.key!r} -> {self.function!r}, payload {self.payload_format})"


class Match(msgspec.Struct):
    """The route chosen for a request, with the path parameters it took from the path (a
    struct: made once per request, in C)."""

    route: Route
    path_parameters: dict[str, str]


class RouteTable:
    """The routes of one HTTP API, in registration order, and the lookup of the best one."""

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._shapes: dict[tuple[str, tuple[tuple[int, str], ...]], Route] = {}
        # Routes without variables, by method and path: most requests end here at once.
        self._exact: dict[str, dict[str, Route]] = {}
        # The routes a request of each method may take (its own, ANY, $default), best first.
        self._candidates: dict[str, list[Route]] = {}

    def check(self, route: Route) -> None:
        """Refuse `route` if the table has a route of the same method and path shape."""
        held = self._shapes.get(route.shape())
        if held is not None:
            raise ConfigurationError(
                f"route {route.key} (function {route.function!r}) conflicts with route "
                f"{held.key} of function {held.function!r}: API Gateway allows one route per "
                "method and path"
            )

    def add(self, route: Route) -> None:
        """Add `route` (see `check`)."""
        self.check(route)
        self._shapes[route.shape()] = route
        self._routes.append(route)
        self._candidates.clear()
        if route.path is not None and all(s.kind == _LITERAL for s in route.segments):
            self._exact.setdefault(route.method, {})[route.path] = route

    def __iter__(self) -> Iterator[Route]:
        return iter(self._routes)

    def __len__(self) -> int:
        return len(self._routes)

    def match(self, method: str, raw_path: str) -> Match | None:
        """The route API Gateway picks for a `method` request of `raw_path` (percent-encoded,
        as sent), if any. Segments are split before they are decoded, so `/items/a%2Fb`
        gives `{id}` the value `a/b`. A path that does not start with '/' matches nothing."""
        if not raw_path.startswith("/"):
            return None
        if "%" in raw_path:
            parts = [unquote(part) for part in raw_path[1:].split("/")]
            exact_path = None if any("/" in part for part in parts) else "/" + "/".join(parts)
        else:
            parts = raw_path[1:].split("/") if raw_path != "/" else []
            exact_path = raw_path
        exact_routes = self._exact.get(method)
        if exact_routes is not None and exact_path is not None:
            exact = exact_routes.get(exact_path)
            if exact is not None:  # a literal route of this very method: nothing beats it
                return Match(exact, {})
        candidates = self._candidates.get(method)
        if candidates is None:
            candidates = self._candidates[method] = sorted(
                (route for route in self._routes if route.method in (method, "ANY", DEFAULT_ROUTE)),
                key=Route.priority,
            )
        for route in candidates:  # best first: the first that matches wins
            parameters = {} if route.path is None else route.match(parts)
            if parameters is not None:
                return Match(route, parameters)
        return None


def parse_path(method: str, path: str) -> tuple[Segment, ...]:
    """The segments of route path `path`, or a `ConfigurationError` saying what is wrong."""
    owner = f"route {method} {path}"
    if not path.startswith("/"):
        raise ConfigurationError(f"{owner}: the path must start with '/'")
    if path == "/":
        return ()
    segments: list[Segment] = []
    names: set[str] = set()
    texts = path[1:].split("/")
    for index, text in enumerate(texts):
        if not text:
            raise ConfigurationError(
                f"{owner}: the path has an empty segment (a '//' or a '/' at the end)"
            )
        if text.startswith("{") and text.endswith("}"):
            name = text[1:-1]
            greedy = name.endswith("+")
            name = name.removesuffix("+")
            if not _VARIABLE_NAME.match(name):
                raise ConfigurationError(
                    f"{owner}: path variable {text} must be named with letters, digits, '_', "
                    "'-' or '.'"
                )
            if greedy and index != len(texts) - 1:
                raise ConfigurationError(
                    f"{owner}: the greedy path variable {text} must end the path"
                )
            if name in names:
                raise ConfigurationError(f"{owner}: path variable {{{name}}} appears twice")
            names.add(name)
            segments.append(Segment(_GREEDY if greedy else _VARIABLE, name))
        elif "{" in text or "}" in text:
            raise ConfigurationError(
                f"{owner}: segment {text!r} mixes text and a path variable; HTTP APIs take a "
                "variable only as a whole segment ({id}, not {id}.json)"
            )
        else:
            segments.append(Segment(_LITERAL, text))
    return tuple(segments)
