"""HTTP requests as Lambda receives them: API Gateway REST (payload 1.0) and HTTP APIs (payload
2.0), Lambda function URLs, and Application Load Balancer targets."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

import msgspec

from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "ALBEvent",
    "ALBRequestContext",
    "ALBTargetGroup",
    "APIGatewayClientCert",
    "APIGatewayClientCertValidity",
    "APIGatewayProxyEvent",
    "APIGatewayProxyEventV2",
    "APIGatewayProxyRequestContext",
    "APIGatewayRequestIdentity",
    "APIGatewayV2Authentication",
    "APIGatewayV2Authorizer",
    "APIGatewayV2CognitoIdentity",
    "APIGatewayV2IAMAuthorizer",
    "APIGatewayV2JWTAuthorizer",
    "APIGatewayV2RequestContext",
    "APIGatewayV2RequestHTTP",
    "LambdaFunctionUrlEvent",
]


def _header(
    name: str,
    headers: Mapping[str, str | list[str]] | Unset | None,
    multi_value_headers: Mapping[str, list[str]] | Unset | None = UNSET,
) -> str | None:
    """The value of header `name` in `headers` (values sent as a list come comma-joined), else
    the last of its `multi_value_headers`, whatever the case of its name; None if it has none."""
    wanted = name.lower()
    if isinstance(headers, Mapping):
        for key, value in headers.items():
            if key.lower() == wanted:
                return value if isinstance(value, str) else ",".join(value)
    if isinstance(multi_value_headers, Mapping):
        for key, values in multi_value_headers.items():
            if key.lower() == wanted and values:
                return values[-1]  # as AWS fills `headers`: the last value sent
    return None


# The methods the HTTP-shaped events share come in mixins, not Struct bases: a base's fields would
# come first, and each event keeps its keys in the order AWS sends them (`version` first in a REST
# API request, `type` and `methodArn` first in an authorizer's input).


class _Body:
    """`body_bytes()` and `json()` for a request whose body may travel base64-encoded."""

    __slots__ = ()
    body: str | Unset | None
    is_base64_encoded: bool | Unset

    def body_bytes(self) -> bytes:
        """The body as sent, base64-decoded if the service encoded it (empty if there is none)."""
        if not isinstance(self.body, str):
            return b""
        return base64.b64decode(self.body) if self.is_base64_encoded is True else self.body.encode()

    def json(self) -> Any:
        """The body decoded from JSON, or None if there is no body."""
        data = self.body_bytes()
        return msgspec.json.decode(data) if data else None


class _Headers:
    """`header()` for a request whose headers come in one map, a header sent more than once
    comma-joined: HTTP APIs, function URLs, VPC Lattice, IoT and S3 Object Lambda requests."""

    __slots__ = ()
    headers: Mapping[str, str | list[str]] | Unset | None

    def header(self, name: str) -> str | None:
        """The value of header `name`, whatever its case (repeated headers come comma-joined);
        None if the request has none."""
        return _header(name, self.headers)


class _MultiValueHeaders:
    """`header()` for a request that may carry its headers in `multiValueHeaders` as well or
    instead: REST and WebSocket APIs, load balancers."""

    __slots__ = ()
    headers: Mapping[str, str] | Unset | None
    multi_value_headers: Mapping[str, list[str]] | Unset | None

    def header(self, name: str) -> str | None:
        """The value of header `name`, whatever its case (the last one, if sent more than once)."""
        return _header(name, self.headers, self.multi_value_headers)


# Shared by REST and HTTP APIs and function URLs


class APIGatewayClientCertValidity(AWSEvent, rename="camel"):
    """When the caller's mutual-TLS client certificate is valid."""

    not_before: str | Unset = UNSET
    not_after: str | Unset = UNSET


class APIGatewayClientCert(AWSEvent, rename="camel"):
    """The client certificate the caller presented over mutual TLS."""

    client_cert_pem: str | Unset = UNSET
    subject_dn: str | Unset = msgspec.field(default=UNSET, name="subjectDN")
    issuer_dn: str | Unset = msgspec.field(default=UNSET, name="issuerDN")
    serial_number: str | Unset = UNSET
    validity: APIGatewayClientCertValidity | Unset = UNSET


# API Gateway REST API, payload format 1.0


class APIGatewayRequestIdentity(AWSEvent, rename="camel"):
    """Who called a REST API: source IP and agent, plus IAM, Cognito or API-key identity."""

    cognito_identity_pool_id: str | Unset | None = UNSET
    account_id: str | Unset | None = UNSET
    cognito_identity_id: str | Unset | None = UNSET
    caller: str | Unset | None = UNSET
    api_key: str | Unset | None = UNSET
    api_key_id: str | Unset | None = UNSET
    access_key: str | Unset | None = UNSET
    source_ip: str | Unset | None = UNSET
    cognito_authentication_type: str | Unset | None = UNSET
    cognito_authentication_provider: str | Unset | None = UNSET
    user_arn: str | Unset | None = UNSET
    user_agent: str | Unset | None = UNSET
    user: str | Unset | None = UNSET
    principal_org_id: str | Unset | None = UNSET
    client_cert: APIGatewayClientCert | Unset | None = UNSET


class APIGatewayProxyRequestContext(AWSEvent, rename="camel"):
    """Where a REST API request went (API, stage, resource) and who made it."""

    account_id: str | Unset = UNSET
    api_id: str | Unset = UNSET
    resource_id: str | Unset | None = UNSET
    resource_path: str | Unset = UNSET
    operation_name: str | Unset = UNSET
    path: str | Unset = UNSET
    http_method: str | Unset = UNSET
    stage: str | Unset = UNSET
    domain_name: str | Unset = UNSET
    domain_prefix: str | Unset = UNSET
    request_id: str | Unset = UNSET
    extended_request_id: str | Unset = UNSET
    protocol: str | Unset = UNSET
    request_time: str | Unset = UNSET
    request_time_epoch: int | Unset = UNSET
    identity: APIGatewayRequestIdentity | Unset = UNSET
    authorizer: dict[str, Any] | Unset | None = UNSET


class APIGatewayProxyEvent(AWSEvent, _MultiValueHeaders, _Body, rename="camel"):
    """A request to an API Gateway REST API with Lambda proxy integration (payload 1.0)."""

    version: str | Unset = UNSET
    resource: str | Unset = UNSET
    path: str | Unset = UNSET
    http_method: str | Unset = UNSET
    headers: dict[str, str] | Unset | None = UNSET
    multi_value_headers: dict[str, list[str]] | Unset | None = UNSET
    query_string_parameters: dict[str, str] | Unset | None = UNSET
    multi_value_query_string_parameters: dict[str, list[str]] | Unset | None = UNSET
    path_parameters: dict[str, str] | Unset | None = UNSET
    stage_variables: dict[str, str] | Unset | None = UNSET
    request_context: APIGatewayProxyRequestContext | Unset = UNSET
    body: str | Unset | None = UNSET
    is_base64_encoded: bool | Unset = msgspec.field(default=UNSET, name="isBase64Encoded")


# API Gateway HTTP API, payload format 2.0, and Lambda function URLs


class APIGatewayV2RequestHTTP(AWSEvent, rename="camel"):
    """The HTTP request line and caller of an HTTP API or function URL request."""

    method: str | Unset = UNSET
    path: str | Unset = UNSET
    protocol: str | Unset = UNSET
    source_ip: str | Unset = UNSET
    user_agent: str | Unset = UNSET


class APIGatewayV2Authentication(AWSEvent, rename="camel"):
    """How the caller authenticated at the TLS layer (mutual TLS)."""

    client_cert: APIGatewayClientCert | Unset | None = UNSET


class APIGatewayV2JWTAuthorizer(AWSEvent):
    """What a JWT authorizer verified: the token's claims and scopes."""

    claims: dict[str, Any] | Unset = UNSET
    scopes: list[str] | Unset | None = UNSET


class APIGatewayV2CognitoIdentity(AWSEvent, rename="camel"):
    """The Cognito identity behind IAM credentials that came from an identity pool."""

    amr: list[str] | Unset = UNSET
    identity_id: str | Unset = UNSET
    identity_pool_id: str | Unset = UNSET


class APIGatewayV2IAMAuthorizer(AWSEvent, rename="camel"):
    """The IAM principal that signed the request (SigV4 / AWS_IAM auth)."""

    access_key: str | Unset = UNSET
    account_id: str | Unset = UNSET
    caller_id: str | Unset = UNSET
    cognito_identity: APIGatewayV2CognitoIdentity | Unset | None = UNSET
    principal_org_id: str | Unset | None = UNSET
    user_arn: str | Unset = UNSET
    user_id: str | Unset = UNSET


class APIGatewayV2Authorizer(AWSEvent):
    """What the route's authorizer let through: JWT claims, IAM principal or Lambda context."""

    jwt: APIGatewayV2JWTAuthorizer | Unset = UNSET
    iam: APIGatewayV2IAMAuthorizer | Unset = UNSET
    lambda_: dict[str, Any] | Unset = msgspec.field(default=UNSET, name="lambda")


class APIGatewayV2RequestContext(AWSEvent, rename="camel"):
    """Where an HTTP API or function URL request went, when, and who made it."""

    account_id: str | Unset = UNSET
    api_id: str | Unset = UNSET
    domain_name: str | Unset = UNSET
    domain_prefix: str | Unset = UNSET
    http: APIGatewayV2RequestHTTP | Unset = UNSET
    request_id: str | Unset = UNSET
    route_key: str | Unset = UNSET
    stage: str | Unset = UNSET
    time: str | Unset = UNSET
    time_epoch: int | Unset = UNSET
    authentication: APIGatewayV2Authentication | Unset | None = UNSET
    authorizer: APIGatewayV2Authorizer | Unset | None = UNSET


class APIGatewayProxyEventV2(AWSEvent, _Headers, _Body, rename="camel"):
    """A request to an API Gateway HTTP API with Lambda integration (payload 2.0)."""

    version: str | Unset = UNSET
    route_key: str | Unset = UNSET
    raw_path: str | Unset = UNSET
    raw_query_string: str | Unset = UNSET
    cookies: list[str] | Unset = UNSET
    headers: dict[str, str] | Unset = UNSET
    query_string_parameters: dict[str, str] | Unset = UNSET
    path_parameters: dict[str, str] | Unset | None = UNSET
    stage_variables: dict[str, str] | Unset | None = UNSET
    request_context: APIGatewayV2RequestContext | Unset = UNSET
    body: str | Unset = UNSET
    is_base64_encoded: bool | Unset = msgspec.field(default=UNSET, name="isBase64Encoded")


class LambdaFunctionUrlEvent(APIGatewayProxyEventV2):
    """A request to a Lambda function URL: the HTTP API 2.0 payload, without stages or routes."""


# Application Load Balancer


class ALBTargetGroup(AWSEvent, rename="camel"):
    """The load balancer target group that routed the request to the function."""

    target_group_arn: str | Unset = UNSET


class ALBRequestContext(AWSEvent):
    """Which load balancer target group the request came through."""

    elb: ALBTargetGroup | Unset = UNSET


class ALBEvent(AWSEvent, _MultiValueHeaders, _Body, rename="camel"):
    """A request an Application Load Balancer forwarded to a Lambda target."""

    # Headers and query parameters come single-valued or, if the target group has multi-value
    # headers on, only in the `multi_value_*` fields.

    request_context: ALBRequestContext | Unset = UNSET
    http_method: str | Unset = UNSET
    path: str | Unset = UNSET
    query_string_parameters: dict[str, str] | Unset = UNSET
    multi_value_query_string_parameters: dict[str, list[str]] | Unset = UNSET
    headers: dict[str, str] | Unset = UNSET
    multi_value_headers: dict[str, list[str]] | Unset = UNSET
    body: str | Unset = UNSET
    is_base64_encoded: bool | Unset = msgspec.field(default=UNSET, name="isBase64Encoded")


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "alb": (ALBEvent,),
    "apigw-http-v2": (APIGatewayProxyEventV2,),
    "apigw-rest": (APIGatewayProxyEvent,),
    "function-url": (LambdaFunctionUrlEvent,),
}
