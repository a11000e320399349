"""Lambda authorizers: the requests API Gateway and AppSync send a function to decide whether a
caller may go on.

API Gateway sends three shapes: a REST API TOKEN authorizer gets the token and the method's ARN;
a REQUEST authorizer gets the whole request (REST APIs, and HTTP APIs with payload format 1.0);
an HTTP API authorizer with payload format 2.0 gets the HTTP API request with the route's ARN.
AppSync sends the token with the GraphQL operation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import urlencode

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset
from faaslib.events._http_parts import USER_AGENT, client_certificate, grouped
from faaslib.events.http import (
    APIGatewayProxyRequestContext,
    APIGatewayRequestIdentity,
    APIGatewayV2Authentication,
    APIGatewayV2RequestContext,
    APIGatewayV2RequestHTTP,
    _header,
    _Headers,
    _MultiValueHeaders,
)

__all__ = [
    "APIGatewayAuthorizerEventV2",
    "APIGatewayAuthorizerIdentity",
    "APIGatewayAuthorizerRequestContext",
    "APIGatewayAuthorizerRequestEvent",
    "APIGatewayAuthorizerTokenEvent",
    "AppSyncAuthorizerEvent",
    "AppSyncAuthorizerRequestContext",
    "build_apigw_authorizer",
    "build_appsync_authorizer",
    "detect",
]


# API Gateway


class APIGatewayAuthorizerTokenEvent(AWSEvent, rename="camel"):
    """What a REST API TOKEN authorizer receives: the caller's token (from the identity source
    header) and the ARN of the method called, `type` "TOKEN"."""

    type: str | Unset = UNSET
    authorization_token: str | Unset = UNSET
    method_arn: str | Unset = UNSET


class APIGatewayAuthorizerIdentity(APIGatewayRequestIdentity):
    """Who called, as a REQUEST authorizer sees it; Cognito's authentication methods too."""

    cognito_amr: list[str] | Unset | None = UNSET


class APIGatewayAuthorizerRequestContext(APIGatewayProxyRequestContext):
    """Where the request being authorized goes (API, stage, resource) and who sent it."""

    identity: APIGatewayAuthorizerIdentity | Unset = UNSET


class APIGatewayAuthorizerRequestEvent(AWSEvent, _MultiValueHeaders, rename="camel"):
    """What a REQUEST authorizer receives, `type` "REQUEST" with a `methodArn`: the request's
    headers, query, path and stage variables and context. HTTP APIs with payload format 1.0 add
    `version` "1.0", the identity source values and the token."""

    version: str | Unset = UNSET
    type: str | Unset = UNSET
    method_arn: str | Unset = UNSET
    identity_source: str | Unset | None = UNSET
    authorization_token: str | Unset | None = UNSET
    resource: str | Unset = UNSET
    path: str | Unset = UNSET
    http_method: str | Unset = UNSET
    headers: dict[str, str] | Unset | None = UNSET
    multi_value_headers: dict[str, list[str]] | Unset | None = UNSET
    query_string_parameters: dict[str, str] | Unset | None = UNSET
    multi_value_query_string_parameters: dict[str, list[str]] | Unset | None = UNSET
    path_parameters: dict[str, str] | Unset | None = UNSET
    stage_variables: dict[str, str] | Unset | None = UNSET
    request_context: APIGatewayAuthorizerRequestContext | Unset = UNSET


class APIGatewayAuthorizerEventV2(AWSEvent, _Headers, rename="camel"):
    """What an HTTP API Lambda authorizer with payload format 2.0 receives: `type` "REQUEST",
    the `routeArn`, the identity source values, and the request as HTTP APIs shape it."""

    version: str | Unset = UNSET
    type: str | Unset = UNSET
    route_arn: str | Unset = UNSET
    identity_source: list[str] | Unset | None = UNSET
    route_key: str | Unset = UNSET
    raw_path: str | Unset = UNSET
    raw_query_string: str | Unset = UNSET
    cookies: list[str] | Unset = UNSET
    headers: dict[str, str] | Unset = UNSET
    query_string_parameters: dict[str, str] | Unset = UNSET
    request_context: APIGatewayV2RequestContext | Unset = UNSET
    path_parameters: dict[str, str] | Unset | None = UNSET
    stage_variables: dict[str, str] | Unset | None = UNSET


# AppSync


class AppSyncAuthorizerRequestContext(AWSEvent, rename="camel"):
    """The GraphQL API and operation the caller wants to run."""

    api_id: str | Unset = UNSET
    account_id: str | Unset = UNSET
    request_id: str | Unset = UNSET
    query_string: str | Unset = UNSET
    operation_name: str | Unset | None = UNSET
    variables: dict[str, Any] | Unset | None = UNSET


class AppSyncAuthorizerEvent(AWSEvent, rename="camel"):
    """What an AppSync Lambda authorizer receives: the caller's token, the operation it asks to
    run and, when AppSync passes them, the request's headers."""

    authorization_token: str | Unset = UNSET
    request_context: AppSyncAuthorizerRequestContext | Unset = UNSET
    request_headers: dict[str, str] | Unset = UNSET

    def header(self, name: str) -> str | None:
        """The value of request header `name`, whatever its case (None if AppSync sent none)."""
        return _header(name, self.request_headers)


# Detection


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """The authorizer event type of decoded JSON `data`, or None if it is no authorizer input.

    API Gateway marks its authorizer inputs with `type` TOKEN or REQUEST and the ARN being
    authorized (`methodArn`, or `routeArn` for HTTP API payload 2.0); AppSync's carry an
    `authorizationToken` and a request context naming the GraphQL query.
    """
    if not isinstance(data, Mapping):
        return None
    kind = data.get("type")
    if kind == "TOKEN" and "methodArn" in data:
        return APIGatewayAuthorizerTokenEvent
    if kind == "REQUEST":
        if "methodArn" in data:
            return APIGatewayAuthorizerRequestEvent
        if "routeArn" in data:
            return APIGatewayAuthorizerEventV2
        return None
    context = data.get("requestContext")
    if (
        isinstance(data.get("authorizationToken"), str)
        and isinstance(context, Mapping)
        and "queryString" in context
        and "apiId" in context
    ):
        return AppSyncAuthorizerEvent
    return None


# Builders


def build_apigw_authorizer(
    *,
    token: str | None = None,
    type: Literal["TOKEN", "REQUEST"] = "TOKEN",
    version: Literal["1.0", "2.0"] | None = None,
    method: str = "GET",
    path: str = "/",
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    path_parameters: Mapping[str, str] | None = None,
    stage_variables: Mapping[str, str] | None = None,
    cookies: Sequence[str] = (),
    method_arn: str | None = None,
    api_id: str | None = None,
    stage: str | None = None,
    api_key: str | None = None,
    client_cert: bool = False,
    source_ip: str = "203.0.113.17",
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> (
    APIGatewayAuthorizerTokenEvent | APIGatewayAuthorizerRequestEvent | APIGatewayAuthorizerEventV2
):
    """The input API Gateway sends a Lambda authorizer for a `method` call of `path`.

    `type="TOKEN"` (the default) gives a REST API TOKEN authorizer's input; `type="REQUEST"` a
    REST API REQUEST authorizer's, `version="1.0"` an HTTP API's with payload format 1.0 and
    `version="2.0"` one with payload format 2.0. The token travels in the `Authorization`
    header and is the identity source. `api_key` and `client_cert` add what API keys and
    mutual TLS add to the request context.

    ```pycon
    >>> build_apigw_authorizer(token="allow", method="POST", path="/orders").method_arn[-12:]
    '/POST/orders'
    ```
    """
    if type == "TOKEN" and version is not None:
        raise ValueError(f"build_apigw_authorizer: version={version!r} needs type='REQUEST'")
    token = token if token is not None else f"Bearer {_fake.hex_id(40)}"
    api_id = api_id or _fake.hex_id(10)
    stage = stage or ("$default" if version == "2.0" else "prod")
    arn = method_arn or _fake.arn(
        "execute-api",
        f"{api_id}/{stage}/{method}/{path.lstrip('/')}",
        region=region,
        account=account,
    )
    if type == "TOKEN":
        return APIGatewayAuthorizerTokenEvent(
            type="TOKEN", authorization_token=token, method_arn=arn
        )
    host = f"{api_id}.execute-api.{region}.amazonaws.com"
    all_headers = {
        "Accept": "*/*",
        "Authorization": token,
        "Host": host,
        "User-Agent": USER_AGENT,
        "X-Amzn-Trace-Id": _fake.trace_id(now),
        "X-Forwarded-For": source_ip,
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        **(headers or {}),
    }
    cert = client_certificate(True, now) if client_cert else UNSET
    if version == "2.0":
        return APIGatewayAuthorizerEventV2(
            version="2.0",
            type="REQUEST",
            route_arn=arn,
            identity_source=[token],
            route_key=f"{method} {path}",
            raw_path=path,
            raw_query_string=urlencode(dict(query or {})),
            cookies=list(cookies) if cookies else UNSET,
            headers={name.lower(): value for name, value in all_headers.items()},
            query_string_parameters=dict(query) if query else UNSET,
            request_context=APIGatewayV2RequestContext(
                account_id=account,
                api_id=api_id,
                authentication=APIGatewayV2Authentication(client_cert=cert) if cert else UNSET,
                domain_name=host,
                domain_prefix=api_id,
                http=APIGatewayV2RequestHTTP(
                    method=method,
                    path=path,
                    protocol="HTTP/1.1",
                    source_ip=source_ip,
                    user_agent=USER_AGENT,
                ),
                request_id=_fake.request_id(),
                route_key=f"{method} {path}",
                stage=stage,
                time=_fake.clf_time(now),
                time_epoch=_fake.epoch_ms(now),
            ),
            path_parameters=dict(path_parameters) if path_parameters is not None else UNSET,
            stage_variables=dict(stage_variables) if stage_variables is not None else UNSET,
        )
    is_rest = version is None
    return APIGatewayAuthorizerRequestEvent(
        version=version if version is not None else UNSET,
        type="REQUEST",
        method_arn=arn,
        identity_source=UNSET if is_rest else token,
        authorization_token=UNSET if is_rest else token,
        resource=path,
        path=path,
        http_method=method,
        headers=all_headers,
        multi_value_headers=grouped(all_headers.items()) if is_rest else UNSET,
        query_string_parameters=dict(query or {}),
        multi_value_query_string_parameters=grouped((query or {}).items()) if is_rest else UNSET,
        path_parameters=dict(path_parameters or {}),
        stage_variables=dict(stage_variables or {}),
        request_context=APIGatewayAuthorizerRequestContext(
            path=path,
            account_id=account,
            resource_id=_fake.hex_id(6),
            stage=stage,
            request_id=_fake.request_id(),
            identity=APIGatewayAuthorizerIdentity(
                api_key=api_key if api_key is not None else UNSET,
                source_ip=source_ip,
                client_cert=cert,
            ),
            resource_path=path,
            http_method=method,
            api_id=api_id,
        ),
    )


def build_appsync_authorizer(
    token: str | None = None,
    *,
    query: str = "query GetOrder($id: ID!) {\n  getOrder(id: $id) {\n    id\n    status\n  }\n}\n",
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    api_id: str | None = None,
    account: str = _fake.ACCOUNT,
) -> AppSyncAuthorizerEvent:
    """The input AppSync sends a Lambda authorizer for the GraphQL `query`, named after the
    query's operation unless `operation_name` says otherwise. `headers`, if given, arrive as
    `requestHeaders`.

    ```pycon
    >>> build_appsync_authorizer("secret").request_context.operation_name
    'GetOrder'
    ```
    """
    name = operation_name if operation_name is not None else _operation_name(query)
    return AppSyncAuthorizerEvent(
        authorization_token=token if token is not None else _fake.request_id().upper(),
        request_context=AppSyncAuthorizerRequestContext(
            api_id=api_id or _fake.hex_id(26),
            account_id=account,
            request_id=_fake.request_id(),
            query_string=query,
            operation_name=name if name is not None else UNSET,
            variables=dict(variables or {}),
        ),
        request_headers=dict(headers) if headers is not None else UNSET,
    )


def _operation_name(query: str) -> str | None:
    """The name of the first named operation in a GraphQL document, if it names one."""
    match = _OPERATION.search(query)
    return match.group(1) if match else None


_OPERATION = re.compile(r"\b(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)")


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "apigw-authorizer": (
        APIGatewayAuthorizerTokenEvent,
        APIGatewayAuthorizerRequestEvent,
        APIGatewayAuthorizerEventV2,
    ),
    "appsync-authorizer": (AppSyncAuthorizerEvent,),
}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {
    "apigw-authorizer": build_apigw_authorizer,
    "appsync-authorizer": build_appsync_authorizer,
}
