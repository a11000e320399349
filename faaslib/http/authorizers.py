"""Lambda authorizers of an HTTP API: which requests reach a route, decided by a function.

From https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html:

- the identity sources must all be in the request, or the API answers 401 without invoking the
  authorizer;
- the authorizer gets the request in its payload format: 2.0 with the `routeArn` and the list of
  identity values, or 1.0 (REST's REQUEST authorizer input) with the `methodArn`;
- it answers with a simple response (`{"isAuthorized": bool, "context": {...}}`, payload 2.0
  with simple responses on) or an IAM policy (`principalId`, `policyDocument`, `context`),
  which must allow `execute-api:Invoke` on the route's ARN; a denial is 403;
- an authorizer that fails or answers in another shape gives the client a 500;
- with a result TTL, a decision is cached by the identity source values, for every route.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, Literal, NamedTuple

import msgspec
from cachetools import TTLCache

from faaslib.clock import Clock
from faaslib.errors import ConfigurationError
from faaslib.events.authorizers import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerRequestContext,
    APIGatewayAuthorizerRequestEvent,
)
from faaslib.events.http import APIGatewayProxyEvent, APIGatewayProxyEventV2
from faaslib.http.requests import Request
from faaslib.http.routes import PayloadFormat

__all__ = [
    "MAX_RESULT_TTL",
    "Authorizer",
    "Decision",
    "MalformedDecision",
    "decision_context",
    "policy_allows",
    "route_arn",
]

MAX_RESULT_TTL = 3600  # seconds, API Gateway's limit for authorizerResultTtlInSeconds
_CACHE_SIZE = 10_000
_CONTEXT_VARIABLES = ("routeKey", "stage", "httpMethod", "path")


class MalformedDecision(ValueError):
    """An authorizer's answer is neither a simple response nor an IAM policy; says why."""


class Decision(NamedTuple):
    """What an authorizer answered: a yes/no (simple response) or a policy to match against
    each route's ARN, with the principal and the context it passes on."""

    is_authorized: bool | None  # None: decided by `statements`
    statements: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # effect, actions, ARNs
    principal_id: str | None
    context: dict[str, Any]

    def allows(self, route_arn: str) -> bool:
        """Whether this decision lets a call of `route_arn` through."""
        if self.is_authorized is not None:
            return self.is_authorized
        return policy_allows(self.statements, route_arn)


class Authorizer:
    """A Lambda authorizer of the API, by name, with the function that decides."""

    def __init__(
        self,
        name: str,
        function: str,
        *,
        clock: Clock,
        payload_format: PayloadFormat = "2.0",
        simple_responses: bool = True,
        identity_sources: Sequence[str] = ("$request.header.Authorization",),
        result_ttl: int = 0,
    ) -> None:
        owner = f"authorizer {name!r}"
        if payload_format not in ("1.0", "2.0"):
            raise ConfigurationError(
                f"{owner}: payload_format={payload_format!r} is not '2.0' or '1.0'"
            )
        if not isinstance(simple_responses, bool):
            raise ConfigurationError(
                f"{owner}: simple_responses={simple_responses!r} is not a bool"
            )
        if simple_responses and payload_format == "1.0":
            raise ConfigurationError(
                f"{owner}: simple_responses needs payload_format='2.0'; a 1.0 authorizer "
                "returns an IAM policy (pass simple_responses=False)"
            )
        if isinstance(identity_sources, str):
            identity_sources = (identity_sources,)
        self.sources = tuple(_parse_source(owner, source) for source in identity_sources)
        if (
            not isinstance(result_ttl, int)
            or isinstance(result_ttl, bool)
            or not 0 <= result_ttl <= MAX_RESULT_TTL
        ):
            raise ConfigurationError(
                f"{owner}: result_ttl={result_ttl!r} must be 0 to {MAX_RESULT_TTL:,} seconds"
            )
        if result_ttl and not self.sources:
            raise ConfigurationError(
                f"{owner}: caching (result_ttl={result_ttl}) needs at least one identity source, "
                "the cache key"
            )
        self.name = name
        self.function = function
        self.payload_format: PayloadFormat = payload_format
        self.simple_responses = simple_responses
        self.identity_sources = tuple(identity_sources)
        self.result_ttl = result_ttl
        self._cache: TTLCache[tuple[str, ...], Decision] | None = (
            TTLCache(_CACHE_SIZE, result_ttl, timer=clock.monotonic) if result_ttl else None
        )

    def identity(
        self, request: Request, route_key: str, query: Mapping[str, str]
    ) -> list[str] | None:
        """The values of the identity sources in `request`, or None if one is missing."""
        values: list[str] = []
        for kind, name in self.sources:
            if kind == "header":
                value = request.header(name)
            elif kind == "querystring":
                value = query.get(name)
            else:
                value = {
                    "routeKey": route_key,
                    "stage": "$default",
                    "httpMethod": request.method,
                    "path": request.path,
                }[name]
            if not value:
                return None
            values.append(value)
        return values

    def cached(self, identity: list[str]) -> Decision | None:
        """The decision cached for these identity values, if caching is on and it is fresh."""
        return None if self._cache is None else self._cache.get(tuple(identity))

    def remember(self, identity: list[str], decision: Decision) -> None:
        """Cache `decision` for these identity values for the result TTL (if any)."""
        if self._cache is not None:
            self._cache[tuple(identity)] = decision

    def event(
        self,
        request_event: APIGatewayProxyEventV2 | APIGatewayProxyEvent,
        identity: list[str],
        route_arn: str,
    ) -> APIGatewayAuthorizerEventV2 | APIGatewayAuthorizerRequestEvent:
        """The authorizer's input, from the route's request laid out in this authorizer's
        payload format."""
        if isinstance(request_event, APIGatewayProxyEventV2):
            return APIGatewayAuthorizerEventV2(
                version="2.0",
                type="REQUEST",
                route_arn=route_arn,
                identity_source=identity,
                route_key=request_event.route_key,
                raw_path=request_event.raw_path,
                raw_query_string=request_event.raw_query_string,
                cookies=request_event.cookies,
                headers=request_event.headers,
                query_string_parameters=request_event.query_string_parameters,
                request_context=request_event.request_context,
                path_parameters=request_event.path_parameters,
                stage_variables=request_event.stage_variables,
            )
        joined = ",".join(identity)
        context = msgspec.convert(
            msgspec.to_builtins(request_event.request_context),
            APIGatewayAuthorizerRequestContext,
        )
        return APIGatewayAuthorizerRequestEvent(
            version="1.0",
            type="REQUEST",
            method_arn=route_arn,
            identity_source=joined,
            authorization_token=joined,
            resource=request_event.resource,
            path=request_event.path,
            http_method=request_event.http_method,
            headers=request_event.headers,
            query_string_parameters=request_event.query_string_parameters,
            path_parameters=request_event.path_parameters,
            stage_variables=request_event.stage_variables,
            request_context=context,
        )

    def decide(self, answer: Any) -> Decision:
        """The decision in the authorizer's `answer`; `MalformedDecision` if it has none."""
        if not isinstance(answer, dict):
            raise MalformedDecision(f"the answer is {type(answer).__name__}, not an object")
        context = answer.get("context")
        if context is None:
            context = {}
        elif not isinstance(context, dict):
            raise MalformedDecision("context is not an object")
        if self.simple_responses:
            allowed = answer.get("isAuthorized")
            if not isinstance(allowed, bool):
                raise MalformedDecision(
                    f"a simple response needs isAuthorized true or false (got {allowed!r})"
                )
            return Decision(allowed, (), None, context)
        principal = answer.get("principalId")
        if not isinstance(principal, str):
            raise MalformedDecision("an IAM policy answer needs a principalId string")
        return Decision(None, _statements(answer.get("policyDocument")), principal, context)


def route_arn(region: str, account: str, api_id: str, method: str, path: str) -> str:
    """`arn:aws:execute-api:us-east-1:123456789012:abc123/$default/GET/items/7`: what an IAM
    policy of an authorizer must allow."""
    return f"arn:aws:execute-api:{region}:{account}:{api_id}/$default/{method}/{path.lstrip('/')}"


def policy_allows(
    statements: Sequence[tuple[str, Sequence[str], Sequence[str]]], resource: str
) -> bool:
    """IAM's evaluation of a policy for `execute-api:Invoke` on `resource`: an explicit Deny
    wins, else an Allow is needed. Actions and resources may use `*` and `?` wildcards."""
    allowed = False
    for effect, actions, resources in statements:
        if not any(_glob(action.lower()).match("execute-api:invoke") for action in actions):
            continue
        if not any(_glob(pattern).match(resource) for pattern in resources):
            continue
        if effect == "Deny":
            return False
        allowed = True
    return allowed


@cache
def _glob(pattern: str) -> re.Pattern[str]:
    """IAM's wildcards: `*` any run of characters (slashes too), `?` any one character."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def _statements(document: Any) -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    if not isinstance(document, dict):
        raise MalformedDecision("an IAM policy answer needs a policyDocument object")
    statement = document.get("Statement")
    items = [statement] if isinstance(statement, dict) else statement
    if not isinstance(items, list) or not items:
        raise MalformedDecision("policyDocument needs a Statement list")
    parsed = []
    for item in items:
        if not isinstance(item, dict):
            raise MalformedDecision("a policy Statement is not an object")
        effect = item.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise MalformedDecision(f"a policy Statement has Effect {effect!r}, not Allow or Deny")
        parsed.append((effect, _string_list(item, "Action"), _string_list(item, "Resource")))
    return tuple(parsed)


def _string_list(statement: Mapping[str, Any], field: str) -> tuple[str, ...]:
    value = statement.get(field)
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise MalformedDecision(f"a policy Statement's {field} is not a string or a list of them")
    return tuple(items)


def _parse_source(
    owner: str, source: str
) -> tuple[Literal["header", "querystring", "context"], str]:
    """An identity source selection expression: `$request.header.Authorization`,
    `$request.querystring.token`, or `$context.routeKey` (also stage, httpMethod, path)."""
    if isinstance(source, str):
        for prefix, kind in (
            ("$request.header.", "header"),
            ("$request.querystring.", "querystring"),
        ):
            if source.startswith(prefix) and len(source) > len(prefix):
                name = source[len(prefix) :]
                return ("header", name.lower()) if kind == "header" else ("querystring", name)
        if source.startswith("$context.") and source[len("$context.") :] in _CONTEXT_VARIABLES:
            return "context", source[len("$context.") :]
    raise ConfigurationError(
        f"{owner}: identity source {source!r} is not one faaslib reads: use "
        "'$request.header.NAME', '$request.querystring.NAME' or '$context.VARIABLE' "
        f"({', '.join(_CONTEXT_VARIABLES)}); faaslib's APIs have no stage variables"
    )


def decision_context(decision: Decision, payload_format: str, latency_ms: float) -> dict[str, Any]:
    """What the route's event carries in `requestContext.authorizer`: the context under
    `lambda` in payload 2.0; in 1.0, as REST APIs pass it, the context's keys beside
    `principalId` and `integrationLatency`."""
    if payload_format == "2.0":
        return {"lambda": decision.context}
    return {
        **decision.context,
        "principalId": decision.principal_id or "",
        "integrationLatency": round(latency_ms),
    }
