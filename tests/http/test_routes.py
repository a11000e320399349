"""The route table: route keys are parsed and checked, and a request goes to the route API
Gateway's priority rules pick (exact path, then path variables, then greedy, then `$default`;
a method beats ANY), whatever the order the routes were declared in."""

from __future__ import annotations

import itertools
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faaslib import App, ConfigurationError
from faaslib.http.routes import Route, RouteTable

# The example of https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
DOC_ROUTES = [
    ("GET", "/pets/dog/1"),
    ("GET", "/pets/dog/{id}"),
    ("GET", "/pets/{proxy+}"),
    ("ANY", "/{proxy+}"),
    ("$default", None),
]


def table(routes: list[tuple[str, str | None]]) -> RouteTable:
    routes_table = RouteTable()
    for method, path in routes:
        routes_table.add(Route(method, path, "f"))
    return routes_table


@pytest.mark.parametrize(
    ("method", "path", "key", "parameters"),
    [
        ("GET", "/pets/dog/1", "GET /pets/dog/1", {}),
        ("GET", "/pets/dog/2", "GET /pets/dog/{id}", {"id": "2"}),
        ("GET", "/pets/cat/1", "GET /pets/{proxy+}", {"proxy": "cat/1"}),
        ("POST", "/pets/dog/1", "ANY /{proxy+}", {"proxy": "pets/dog/1"}),
        ("GET", "/", "$default", {}),
        ("GET", "/pets/", "ANY /{proxy+}", {"proxy": "pets/"}),
    ],
)
def test_the_documented_example_routes_each_request_as_api_gateway_does(
    method: str, path: str, key: str, parameters: dict[str, str]
) -> None:
    for order in itertools.permutations(DOC_ROUTES):
        match = table(list(order)).match(method, path)
        assert match is not None
        assert (match.route.key, match.path_parameters) == (key, parameters)


@pytest.mark.parametrize(
    ("routes", "request_", "key"),
    [
        ([("GET", "/a/{x}/c"), ("GET", "/a/b/{y}")], ("GET", "/a/b/c"), "GET /a/b/{y}"),
        ([("ANY", "/a/b"), ("GET", "/a/{x}")], ("GET", "/a/b"), "ANY /a/b"),
        ([("ANY", "/a/{x}"), ("GET", "/a/{y}")], ("GET", "/a/b"), "GET /a/{y}"),
        (
            [("GET", "/a/{proxy+}"), ("GET", "/a/b/{proxy+}")],
            ("GET", "/a/b/c"),
            "GET /a/b/{proxy+}",
        ),
        ([("GET", "/a/{x}"), ("GET", "/{proxy+}")], ("GET", "/a/b"), "GET /a/{x}"),
        ([("GET", "/items")], ("HEAD", "/items"), None),
        ([("GET", "/items/{id}")], ("GET", "/items/"), None),
        ([("GET", "/items/{id}")], ("GET", "/items/1/2"), None),
        ([("GET", "/")], ("GET", "/"), "GET /"),
        ([("GET", "/a/b")], ("GET", "/a%2Fb"), None),
        ([("GET", "/a b")], ("GET", "/a%20b"), "GET /a b"),
    ],
)
def test_the_most_specific_route_wins(
    routes: list[tuple[str, str]], request_: tuple[str, str], key: str | None
) -> None:
    match = table(routes).match(*request_)
    assert (match.route.key if match else None) == key


@pytest.mark.parametrize(
    ("method", "path", "problem"),
    [
        ("GET", "items", "must start with '/'"),
        ("GET", "/items/", "empty segment"),
        ("GET", "/a//b", "empty segment"),
        ("GET", "/{proxy+}/x", "must end the path"),
        ("GET", "/{id}.json", "whole segment"),
        ("GET", "/{a}/{a}", "appears twice"),
        ("GET", "/{a b}", "must be named"),
        ("FETCH", "/x", "is not one of"),
        ("GET", None, "needs a path"),
    ],
)
def test_a_bad_route_key_is_refused_naming_the_problem(
    method: str, path: str | None, problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        Route(method, path, "f")


def test_two_routes_of_the_same_method_and_shape_conflict() -> None:
    app = App("shop")

    @app.route("GET", "/items/{id}")
    def one(event: object, context: object) -> None: ...

    with pytest.raises(ConfigurationError, match=r"GET /items/\{name\}.*conflicts with.*'one'"):

        @app.route("GET", "/items/{name}")
        def two(event: object, context: object) -> None: ...

    assert app.functions == ("one",)  # the refused route registered nothing


def test_routes_stack_on_one_function_and_are_listed_with_their_triggers() -> None:
    app = App("shop")

    @app.route("GET", "/items/{id}")
    @app.route("post", "/items", payload_format="1.0", memory=256)  # the first one registers
    def items(event: object, context: object) -> None: ...

    assert [route.key for route in app.http_routes] == ["POST /items", "GET /items/{id}"]
    assert [t.describe() for t in app.triggers("items")] == [
        "http POST /items (payload 1.0)",
        "http GET /items/{id} (payload 2.0)",
    ]
    assert app.http_routes[0].payload_format == "1.0"


def test_a_bad_payload_format_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"payload_format='3\.0'"):
        Route("GET", "/x", "f", "3.0")  # type: ignore[arg-type]


# Properties: a path built from a template matches it and gives back the values put in, each
# percent-encoded by the client and decoded after the path is split (a value may hold '/').

names = st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True)
literals = st.from_regex(r"[a-z0-9][a-z0-9._~-]{0,7}", fullmatch=True)
values = st.text(st.characters(blacklist_categories=["Cs"]), min_size=1)


@st.composite
def templates(draw: st.DrawFn) -> tuple[str, str, dict[str, str]]:
    """A route path, a request path that fits it, and the parameters it should give."""
    kinds = draw(st.lists(st.sampled_from(["literal", "variable"]), max_size=5))
    greedy = draw(st.booleans())
    template, path, parameters = [], [], {}
    for index, kind in enumerate(kinds):
        if kind == "literal":
            text = draw(literals)
            template.append(text)
            path.append(text)
        else:
            name = f"{draw(names)}{index}"
            value = draw(values)
            template.append("{" + name + "}")
            path.append(quote(value, safe=""))  # as a client sends it
            parameters[name] = value
    if greedy:
        rest = draw(st.lists(values, min_size=1, max_size=3))
        template.append("{rest+}")
        path.extend(quote(value, safe="") for value in rest)
        parameters["rest"] = "/".join(rest)
    return "/" + "/".join(template), "/" + "/".join(path), parameters


@given(templates())
def test_a_path_built_from_a_route_matches_it_with_its_values(
    case: tuple[str, str, dict[str, str]],
) -> None:
    template, path, parameters = case
    match = table([("GET", template), ("$default", None)]).match("GET", path)
    assert match is not None
    assert match.route.key == f"GET {template}"
    assert match.path_parameters == parameters


@given(templates(), st.sampled_from(["POST", "DELETE"]))
def test_a_route_never_matches_another_method_and_any_always_does(
    case: tuple[str, str, dict[str, str]], method: str
) -> None:
    template, path, _ = case
    assert table([("GET", template)]).match(method, path) is None
    match = table([("GET", template), ("ANY", template)]).match(method, path)
    assert match is not None
    assert match.route.method == "ANY"


@given(st.lists(literals, min_size=1, max_size=4))
def test_a_literal_route_beats_every_variable_form_of_it(parts: list[str]) -> None:
    path = "/" + "/".join(parts)
    routes = [("ANY", "/{proxy+}"), ("GET", "/" + "/".join(f"{{p{i}}}" for i in range(len(parts))))]
    routes.append(("GET", path))
    match = table(routes).match("GET", path)
    assert match is not None
    assert match.route.path == path
