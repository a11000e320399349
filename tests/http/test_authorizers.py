"""Lambda authorizers of the HTTP API: identity sources (401 without invoking), simple responses
and IAM policies (403 on a denial), the context reaching the route's event in each payload
format, failures as 500, caching by identity, and IAM's policy evaluation."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faaslib import App, ConfigurationError
from faaslib.http.authorizers import policy_allows
from faaslib.testing import FakeClock
from tests.events.corpus import needs_corpus
from tests.http.shapes import assert_like_sample
from tests.http.transport import in_process

pytestmark = pytest.mark.anyio


def guarded_app(clock: FakeClock, **authorizer: Any) -> tuple[App, list[Any], list[Any]]:
    """An app whose GET /items/{id} (payload 2.0) and GET /v1/items/{id} (1.0) are guarded by
    authorizer "auth": it allows the token "good" (and the policy form allows only GET
    /items/*), with the token in its context. Returns the app, the authorizer's inputs and the
    routes' events."""
    app = App("shop", clock=clock)
    asked: list[Any] = []
    seen: list[Any] = []
    simple = authorizer.get("simple_responses", True)

    @app.authorizer("auth", **authorizer)
    def check(event: Any, context: Any) -> Any:
        asked.append(event)
        identity = event["identitySource"]  # a list in payload 2.0, a string in 1.0
        token = identity[0] if isinstance(identity, list) else identity
        if token == "broken":
            raise PermissionError("the token store is down")
        if token == "odd":
            return {"allowed": "yes"}
        context_ = {"user": "u-1", "token": token}
        if simple:
            return {"isAuthorized": token == "good", "context": context_}
        arn = event.get("routeArn") or event["methodArn"]
        stage = arn.split("/$default/")[0] + "/$default"
        resource = [f"{stage}/GET/items/*", f"{stage}/GET/v1/*"] if token == "good" else arn
        return {
            "principalId": "user-1",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Action": "execute-api:Invoke",
                        "Effect": "Allow" if token == "good" else "Deny",
                        "Resource": resource,
                    }
                ],
            },
            "context": context_,
        }

    @app.route("GET", "/items/{id}", authorizer="auth")
    @app.route("GET", "/v1/items/{id}", authorizer="auth", payload_format="1.0")
    @app.route("GET", "/orders/{id}", authorizer="auth")
    def items(event: Any, context: Any) -> Any:
        seen.append(event)
        return {"statusCode": 200, "body": "ok"}

    return app, asked, seen


async def test_a_simple_response_lets_the_request_through_with_its_context(
    clock: FakeClock,
) -> None:
    app, asked, seen = guarded_app(clock)
    async with in_process(app) as client:
        allowed = await client.get("/items/7", headers={"Authorization": "good"})
        denied = await client.get("/items/7", headers={"Authorization": "bad"})
    assert allowed.status_code == 200
    assert (denied.status_code, denied.json()) == (403, {"message": "Forbidden"})
    assert len(seen) == 1
    assert seen[0]["requestContext"]["authorizer"] == {"lambda": {"user": "u-1", "token": "good"}}
    event = asked[0]
    assert (event["type"], event["version"], event["identitySource"]) == (
        "REQUEST",
        "2.0",
        ["good"],
    )
    assert event["routeArn"].endswith("/$default/GET/items/7")
    assert event["routeKey"] == "GET /items/{id}"
    assert event["pathParameters"] == {"id": "7"}


async def test_a_missing_identity_source_is_401_without_invoking_the_authorizer(
    clock: FakeClock,
) -> None:
    app, asked, _ = guarded_app(
        clock, identity_sources=["$request.header.Authorization", "$request.querystring.tenant"]
    )
    async with in_process(app) as client:
        no_header = await client.get("/items/7?tenant=t1")
        no_query = await client.get("/items/7", headers={"Authorization": "good"})
        both = await client.get("/items/7?tenant=t1", headers={"Authorization": "good"})
    assert (no_header.status_code, no_header.json()) == (401, {"message": "Unauthorized"})
    assert no_query.status_code == 401
    assert both.status_code == 200
    assert [event["identitySource"] for event in asked] == [["good", "t1"]]
    assert app.metrics("check")["Invocations"] == 1


async def test_an_iam_policy_must_allow_the_routes_arn(clock: FakeClock) -> None:
    app, _, seen = guarded_app(clock, simple_responses=False)
    async with in_process(app) as client:
        allowed = await client.get("/items/7", headers={"Authorization": "good"})
        other_route = await client.get("/orders/7", headers={"Authorization": "good"})
        denied = await client.get("/items/7", headers={"Authorization": "bad"})
    assert allowed.status_code == 200
    assert other_route.status_code == 403  # the policy allows GET /items/* only
    assert denied.status_code == 403
    assert seen[0]["requestContext"]["authorizer"] == {"lambda": {"user": "u-1", "token": "good"}}


async def test_a_payload_1_0_authorizer_gets_the_method_arn_and_the_route_gets_its_principal(
    clock: FakeClock,
) -> None:
    app, asked, seen = guarded_app(clock, payload_format="1.0", simple_responses=False)
    async with in_process(app) as client:
        response = await client.get("/v1/items/7", headers={"Authorization": "good"})
    assert response.status_code == 200
    event = asked[0]
    assert (event["version"], event["type"], event["identitySource"]) == ("1.0", "REQUEST", "good")
    assert event["authorizationToken"] == "good"
    assert event["methodArn"].endswith("/$default/GET/v1/items/7")
    assert event["resource"] == "/v1/items/{id}"
    authorizer = seen[0]["requestContext"]["authorizer"]
    assert authorizer["user"] == "u-1"
    assert authorizer["principalId"] == "user-1"
    assert isinstance(authorizer["integrationLatency"], int)


@pytest.mark.parametrize("token", ["broken", "odd"])
async def test_an_authorizer_that_fails_or_answers_oddly_is_a_500_without_its_text(
    clock: FakeClock, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    app, _, seen = guarded_app(clock)
    with caplog.at_level(logging.WARNING, "faaslib.http"):
        async with in_process(app) as client:
            response = await client.get("/items/7", headers={"Authorization": token})
    assert (response.status_code, response.json()) == (500, {"message": "Internal Server Error"})
    assert "token store" not in response.text
    assert seen == []
    assert "authorizer 'auth'" in caplog.text


async def test_a_throttled_authorizer_is_a_500(clock: FakeClock) -> None:
    app, _, seen = guarded_app(clock, reserved_concurrency=0)
    async with in_process(app) as client:
        response = await client.get("/items/7", headers={"Authorization": "good"})
    assert response.status_code == 500
    assert seen == []


async def test_decisions_are_cached_by_identity_for_the_result_ttl(clock: FakeClock) -> None:
    app, asked, _ = guarded_app(clock, result_ttl=300)
    async with in_process(app) as client:
        for _ in range(3):
            assert (
                await client.get("/items/7", headers={"Authorization": "good"})
            ).status_code == 200
        assert (await client.get("/orders/1", headers={"Authorization": "bad"})).status_code == 403
        assert (await client.get("/orders/2", headers={"Authorization": "bad"})).status_code == 403
        assert len(asked) == 2
        await clock.advance(301)
        assert (await client.get("/items/7", headers={"Authorization": "good"})).status_code == 200
    assert len(asked) == 3


@needs_corpus
async def test_the_authorizer_input_has_the_structure_of_a_real_one(clock: FakeClock) -> None:
    app, asked, _ = guarded_app(clock)
    async with in_process(app) as client:
        await client.get("/items/7?q=1", headers={"Authorization": "good", "Cookie": "a=1"})
    assert_like_sample(asked[0], "apigw-authorizer")


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"payload_format": "1.0"}, "simple_responses needs payload_format='2.0'"),
        ({"result_ttl": 3601}, "result_ttl=3601 must be 0 to 3,600"),
        ({"result_ttl": 60, "identity_sources": []}, "needs at least one identity source"),
        ({"identity_sources": ["$stageVariables.key"]}, "no stage variables"),
        ({"identity_sources": ["$request.header."]}, "is not one faaslib reads"),
        ({"payload_format": "3.0"}, "payload_format='3.0'"),
    ],
)
def test_a_bad_authorizer_configuration_is_refused(options: dict[str, Any], problem: str) -> None:
    app = App("shop")
    with pytest.raises(ConfigurationError, match=problem):

        @app.authorizer("auth", **options)
        def check(event: Any, context: Any) -> Any: ...

    assert app.functions == ()


def test_an_authorizer_name_is_declared_once() -> None:
    app = App("shop")

    @app.authorizer("auth")
    def one(event: Any, context: Any) -> Any: ...

    with pytest.raises(ConfigurationError, match="'auth' is already declared"):

        @app.authorizer("auth")
        def two(event: Any, context: Any) -> Any: ...


# IAM's evaluation

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc/$default/GET/items/7"


@pytest.mark.parametrize(
    ("statements", "allowed"),
    [
        ([("Allow", ["execute-api:Invoke"], [ARN])], True),
        ([("Allow", ["execute-api:*"], ["arn:aws:execute-api:*:*:abc/*"])], True),
        ([("Allow", ["*"], ["*/GET/items/?"])], True),
        ([("Allow", ["execute-api:Invoke"], ["*/POST/*"])], False),
        ([("Allow", ["s3:GetObject"], ["*"])], False),
        ([("Allow", ["*"], ["*"]), ("Deny", ["execute-api:Invoke"], [ARN])], False),
        ([], False),
    ],
)
def test_an_iam_policy_allows_only_what_it_allows_and_a_deny_wins(
    statements: list[tuple[str, list[str], list[str]]], allowed: bool
) -> None:
    assert policy_allows(statements, ARN) is allowed


arn_text = st.text(st.characters(codec="ascii", blacklist_categories=["Cc"]), max_size=30)


@given(arn_text, arn_text)
def test_a_wildcard_resource_matches_what_it_spans(prefix: str, rest: str) -> None:
    resource = prefix + rest
    assert policy_allows([("Allow", ["execute-api:Invoke"], [prefix + "*"])], resource)
    assert policy_allows([("Allow", ["execute-api:Invoke"], [resource])], resource)
    assert not policy_allows([("Deny", ["*"], ["*"]), ("Allow", ["*"], [resource])], resource)


@given(arn_text, arn_text)
def test_a_resource_without_wildcards_matches_only_itself(pattern: str, resource: str) -> None:
    literal = pattern.replace("*", "").replace("?", "")
    matches = policy_allows([("Allow", ["execute-api:Invoke"], [literal])], resource)
    assert matches is (literal == resource)
