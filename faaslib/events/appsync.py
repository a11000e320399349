"""AWS AppSync: a GraphQL field resolved by a Lambda data source (a direct resolver).

AppSync invokes the function with one `AppSyncResolverEvent`, or, for a batching resolver, with a
JSON list of them: decode that with `decode(raw, list[AppSyncResolverEvent])`.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "AppSyncIdentity",
    "AppSyncInfo",
    "AppSyncPrevious",
    "AppSyncRequest",
    "AppSyncResolverEvent",
    "build_appsync",
    "detect",
]


class AppSyncIdentity(AWSEvent, rename="camel"):
    """Who made the GraphQL request. The authorization mode decides which fields AppSync sets:
    a Cognito user pool or OpenID Connect token gives `sub`, `issuer`, `claims` (and `groups`,
    `default_auth_strategy` for user pools); IAM gives `account_id`, `user_arn` and the
    `cognito_identity_*` fields; a Lambda authorizer gives `resolver_context`. An API key gives
    no identity at all (`AppSyncResolverEvent.identity` is null)."""

    sub: str | Unset = UNSET
    issuer: str | Unset = UNSET
    username: str | Unset = UNSET
    claims: dict[str, Any] | Unset = UNSET
    source_ip: list[str] | Unset = UNSET
    default_auth_strategy: str | Unset = UNSET
    groups: list[str] | Unset | None = UNSET
    account_id: str | Unset = UNSET
    cognito_identity_pool_id: str | Unset | None = UNSET
    cognito_identity_id: str | Unset | None = UNSET
    cognito_identity_auth_type: str | Unset | None = UNSET
    cognito_identity_auth_provider: str | Unset | None = UNSET
    user_arn: str | Unset = UNSET
    resolver_context: dict[str, Any] | Unset = UNSET


class AppSyncRequest(AWSEvent, rename="camel"):
    """The HTTP request that carried the GraphQL operation: its headers (names in lower case)."""

    headers: dict[str, str] | Unset = UNSET
    domain_name: str | Unset | None = UNSET


class AppSyncInfo(AWSEvent, rename="camel"):
    """The field being resolved, its parent type, and the selection set the client asked for."""

    selection_set_list: list[str] | Unset = UNSET
    selection_set_graph_ql: str | Unset = msgspec.field(default=UNSET, name="selectionSetGraphQL")
    parent_type_name: str | Unset = UNSET
    field_name: str | Unset = UNSET
    variables: dict[str, Any] | Unset = UNSET


class AppSyncPrevious(AWSEvent):
    """The result of the previous function of a pipeline resolver."""

    result: Any = UNSET


class AppSyncResolverEvent(AWSEvent, rename="camel"):
    """One GraphQL field to resolve: its arguments, the caller's identity, the parent object
    (`source`), the request headers and what the client selected. Resolvers written with Amplify
    also send `type_name` and `field_name` at the top level."""

    type_name: str | Unset = UNSET
    field_name: str | Unset = UNSET
    arguments: dict[str, Any] | Unset = UNSET
    identity: AppSyncIdentity | Unset | None = UNSET
    source: dict[str, Any] | Unset | None = UNSET
    request: AppSyncRequest | Unset = UNSET
    prev: AppSyncPrevious | Unset | None = UNSET
    info: AppSyncInfo | Unset = UNSET
    stash: dict[str, Any] | Unset = UNSET

    def resolved_type(self) -> str | None:
        """The GraphQL type whose field is resolved (`Query`, `Mutation`, `Post`...), from `info`
        or, failing that, the top-level `typeName`."""
        if isinstance(self.info, AppSyncInfo) and isinstance(self.info.parent_type_name, str):
            return self.info.parent_type_name
        return self.type_name if isinstance(self.type_name, str) else None

    def resolved_field(self) -> str | None:
        """The GraphQL field being resolved, from `info` or, failing that, the top-level
        `fieldName`."""
        if isinstance(self.info, AppSyncInfo) and isinstance(self.info.field_name, str):
            return self.info.field_name
        return self.field_name if isinstance(self.field_name, str) else None


# Detection


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`AppSyncResolverEvent` for a resolver event (`arguments` and `identity`, with `info` or a
    top-level `fieldName`), `AppSyncIdentity` for a bare identity object, else None."""
    if not isinstance(data, Mapping):
        return None
    if isinstance(data.get("arguments"), Mapping) and "identity" in data:
        info = data.get("info")
        if isinstance(info, Mapping) and "fieldName" in info:
            return AppSyncResolverEvent
        if isinstance(data.get("fieldName"), str):
            return AppSyncResolverEvent
        return None
    if isinstance(data.get("sourceIp"), list) and "username" in data:
        if isinstance(data.get("claims"), Mapping) and "issuer" in data:
            return AppSyncIdentity
        if "userArn" in data and "accountId" in data:
            return AppSyncIdentity
    return None


# Builders

_ALPHANUMERIC = string.ascii_lowercase + string.digits
_POOL_ID = string.ascii_letters + string.digits  # user pool ids: `us-east-1_AbC123xYz`
_SOURCE_IP = "203.0.113.24"  # a documentation address (RFC 5737)


def _selection_graphql(selection: Sequence[str]) -> str:
    return "{\n" + "".join(f"  {name}\n" for name in selection) + "}"


def build_appsync(
    field_name: str = "getItem",
    parent_type_name: str = "Query",
    arguments: Mapping[str, Any] | None = None,
    *,
    username: str = "jdoe",
    groups: Sequence[str] | None = None,
    source: Mapping[str, Any] | None = None,
    selection: Sequence[str] = ("id",),
    variables: Mapping[str, Any] | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
) -> AppSyncResolverEvent:
    """A direct Lambda resolver event for `parent_type_name.field_name`, called by a Cognito
    user pool user: the token's claims, the request headers AppSync forwards, and the selection
    set as a list and as GraphQL text.

    ```pycon
    >>> event = build_appsync("createPost", "Mutation", {"title": "Hello"})
    >>> event.resolved_type(), event.resolved_field(), event.arguments
    ('Mutation', 'createPost', {'title': 'Hello'})
    ```
    """
    issued = int(_fake.seconds(now))
    sub = _fake.request_id()
    issuer = f"https://cognito-idp.{region}.amazonaws.com/{region}_{_fake.random_text(9, _POOL_ID)}"
    claims: dict[str, Any] = {
        "sub": sub,
        "iss": issuer,
        "cognito:username": username,
        "aud": _fake.random_text(26, _ALPHANUMERIC),
        "event_id": _fake.request_id(),
        "token_use": "id",
        "auth_time": issued,
        "exp": issued + 3600,
        "iat": issued,
    }
    if groups is not None:
        claims["cognito:groups"] = list(groups)
    api_host = f"{_fake.random_text(26, _ALPHANUMERIC)}.appsync-api.{region}.amazonaws.com"
    query = f"{parent_type_name.lower()} {{ {field_name} {' '.join(selection)} }}"
    headers = {
        "host": api_host,
        "content-type": "application/json",
        "content-length": str(len(msgspec.json.encode({"query": query}))),
        "accept": "*/*",
        "user-agent": "aws-amplify/6.0.0 api/1 framework/0",
        "authorization": "eyJraWQiOi" + _fake.random_text(40, string.ascii_letters + string.digits),
        "x-amzn-trace-id": _fake.trace_id(issued),
        "x-forwarded-for": _SOURCE_IP,
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    return AppSyncResolverEvent(
        arguments=dict(arguments or {}),
        identity=AppSyncIdentity(
            claims=claims,
            default_auth_strategy="ALLOW",
            groups=list(groups) if groups is not None else None,
            issuer=issuer,
            source_ip=[_SOURCE_IP],
            sub=sub,
            username=username,
        ),
        source=dict(source) if source is not None else None,
        request=AppSyncRequest(headers=headers),
        prev=None,
        info=AppSyncInfo(
            selection_set_list=list(selection),
            selection_set_graph_ql=_selection_graphql(selection),
            parent_type_name=parent_type_name,
            field_name=field_name,
            variables=dict(variables or {}),
        ),
        stash={},
    )


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "appsync": (AppSyncResolverEvent, AppSyncIdentity)
}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"appsync": build_appsync}
