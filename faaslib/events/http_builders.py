"""Builders of HTTP requests as Lambda receives them from API Gateway (HTTP APIs and REST APIs),
function URLs and Application Load Balancers, from the request a user would send.

Each service has its own rules and the builders follow them:

- Header names: HTTP APIs, function URLs and load balancers lower-case them; REST APIs keep the
  client's case. A header sent more than once is comma-joined in HTTP API / function URL
  `headers`; REST and single-valued ALB `headers` keep the last value, and `multiValueHeaders`
  keeps them all.
- Cookies: HTTP APIs and function URLs move `Cookie` headers into the `cookies` list, one
  `name=value` per entry; REST APIs and load balancers leave them in the headers.
- Query strings: HTTP APIs and function URLs carry the raw string and URL-decoded parameters with
  repeated values comma-joined; REST APIs carry decoded `queryStringParameters` (last value) and
  `multiValueQueryStringParameters` (all values), both null without a query string; load
  balancers pass names and values still URL-encoded, single- or multi-valued as the target group
  says.
- Bodies: `str` travels as text, `bytes` as base64 with `isBase64Encoded` true, a dict or list as
  JSON text (with `content-type: application/json` unless a content type is given). Without a
  body, HTTP APIs and function URLs leave `body` out, REST APIs send null and load balancers "".

Headers and query parameters are a mapping of name to a value or a list of values, or a sequence
of `(name, value)` pairs (the way an ASGI server hands them over). A query can also be the raw
query string as the client sent it, which is kept as is. Headers the service adds (`host`,
`x-forwarded-*`, `x-amzn-trace-id`, `content-length`) are filled in unless given.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent
from faaslib.events._http_parts import (
    USER_AGENT,
    Body,
    Headers,
    Query,
    Received,
    client_certificate,
    decoded,
    grouped,
    receive,
    short_request_id,
)
from faaslib.events.http import (
    ALBEvent,
    ALBRequestContext,
    ALBTargetGroup,
    APIGatewayClientCert,
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
    APIGatewayProxyRequestContext,
    APIGatewayRequestIdentity,
    APIGatewayV2Authentication,
    APIGatewayV2Authorizer,
    APIGatewayV2IAMAuthorizer,
    APIGatewayV2RequestContext,
    APIGatewayV2RequestHTTP,
    LambdaFunctionUrlEvent,
)

__all__ = [
    "BUILDERS",
    "USER_AGENT",
    "Body",
    "Headers",
    "Query",
    "build_alb",
    "build_apigw_http_v2",
    "build_apigw_rest",
    "build_function_url",
]

V2 = TypeVar("V2", bound=APIGatewayProxyEventV2)


def build_apigw_http_v2(
    method: str = "GET",
    path: str = "/",
    *,
    body: Body = None,
    headers: Headers | None = None,
    query: Query | None = None,
    cookies: Mapping[str, str] | Sequence[str] | None = None,
    path_parameters: Mapping[str, str] | None = None,
    stage_variables: Mapping[str, str] | None = None,
    route_key: str | None = None,
    stage: str = "$default",
    authorizer: APIGatewayV2Authorizer | None = None,
    client_cert: APIGatewayClientCert | bool = False,
    source_ip: str = "127.0.0.1",
    user_agent: str | None = None,
    api_id: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> APIGatewayProxyEventV2:
    """A request to an HTTP API route with a Lambda integration (payload format 2.0).

    `route_key` is `$default` or the route matched (`"GET /items/{id}"`). On a stage other
    than `$default`, API Gateway keeps the stage in `rawPath` and `http.path` (`/prod/items`),
    and so does this. `authorizer` is what the route's authorizer passed (JWT claims, IAM
    principal or Lambda context); `client_cert` the caller's certificate under mutual TLS (`True`:
    a made-up one, valid at `now`).

    ```pycon
    >>> event = build_apigw_http_v2("POST", "/items", body={"n": 1}, query={"tag": ["a", "b"]})
    >>> event.query_string_parameters, event.json()
    ({'tag': 'a,b'}, {'n': 1})
    ```
    """
    api_id = api_id or _fake.hex_id(10)
    context = APIGatewayV2RequestContext(
        account_id=account,
        request_id=short_request_id(),
        route_key=route_key or "$default",
        stage=stage,
        authentication=APIGatewayV2Authentication(client_cert=client_certificate(client_cert, now))
        if client_cert
        else UNSET,
        authorizer=UNSET if authorizer is None else authorizer,
    )
    host = f"{api_id}.execute-api.{region}.amazonaws.com"
    sent = receive(body, headers, query, host, source_ip, user_agent, now)
    path = path if stage == "$default" else f"/{stage}{path}"
    event = _v2_request(APIGatewayProxyEventV2, method, path, sent, cookies, context)
    if path_parameters is not None:
        event.path_parameters = dict(path_parameters)
    if stage_variables is not None:
        event.stage_variables = dict(stage_variables)
    return event


def build_function_url(
    method: str = "GET",
    path: str = "/",
    *,
    body: Body = None,
    headers: Headers | None = None,
    query: Query | None = None,
    cookies: Mapping[str, str] | Sequence[str] | None = None,
    auth_type: Literal["NONE", "AWS_IAM"] = "NONE",
    source_ip: str = "127.0.0.1",
    user_agent: str | None = None,
    url_id: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> LambdaFunctionUrlEvent:
    """A request to a function URL (`<url_id>.lambda-url.<region>.on.aws`), in the HTTP API 2.0
    payload.

    With `auth_type="NONE"` the caller is `anonymous`; with `"AWS_IAM"` the request carries the
    signing IAM user of `account` under `authorizer.iam`, in the shape Lambda documents.

    ```pycon
    >>> build_function_url("PUT", "/x", body=b"\\x00").is_base64_encoded
    True
    ```
    """
    url_id = url_id or _fake.hex_id(32)
    context = APIGatewayV2RequestContext(
        account_id="anonymous",
        request_id=_fake.request_id(),
        route_key="$default",
        stage="$default",
    )
    if auth_type == "AWS_IAM":
        caller = "AIDA" + _fake.hex_id(17).upper()
        context.account_id = account
        context.authentication = None
        context.authorizer = APIGatewayV2Authorizer(
            iam=APIGatewayV2IAMAuthorizer(
                access_key="AKIA" + _fake.hex_id(16).upper(),
                account_id=account,
                caller_id=caller,
                cognito_identity=None,
                principal_org_id=None,
                user_arn=_fake.arn("iam", "user/function-url-caller", region="", account=account),
                user_id=caller,
            )
        )
    host = f"{url_id}.lambda-url.{region}.on.aws"
    sent = receive(body, headers, query, host, source_ip, user_agent, now)
    event = _v2_request(LambdaFunctionUrlEvent, method, path, sent, cookies, context)
    if auth_type == "AWS_IAM":
        event.path_parameters = event.stage_variables = None
    return event


def build_apigw_rest(
    method: str = "GET",
    path: str = "/",
    *,
    resource: str | None = None,
    body: Body = None,
    headers: Headers | None = None,
    query: Query | None = None,
    path_parameters: Mapping[str, str] | None = None,
    stage_variables: Mapping[str, str] | None = None,
    stage: str = "prod",
    authorizer: Mapping[str, Any] | None = None,
    client_cert: APIGatewayClientCert | bool = False,
    source_ip: str = "127.0.0.1",
    user_agent: str | None = None,
    api_id: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> APIGatewayProxyEvent:
    """A request to a REST API resource with Lambda proxy integration (payload format 1.0).

    `resource` is the resource matched (`/items/{id}`, default the path itself);
    `requestContext.path` carries the stage (`/prod/items/1`). `authorizer` is the context a
    Lambda or Cognito authorizer passed; `client_cert` the caller's certificate under mutual TLS
    (`True`: a made-up one, valid at `now`).

    ```pycon
    >>> event = build_apigw_rest("GET", "/items", query=[("id", "1"), ("id", "2")])
    >>> event.query_string_parameters, event.multi_value_query_string_parameters
    ({'id': '2'}, {'id': ['1', '2']})
    ```
    """
    api_id = api_id or _fake.hex_id(10)
    resource = resource or path
    host = f"{api_id}.execute-api.{region}.amazonaws.com"
    sent = receive(body, headers, query, host, source_ip, user_agent, now, keep_case=True)
    parameters = decoded(sent.query)
    context = APIGatewayProxyRequestContext(
        account_id=account,
        api_id=api_id,
        domain_name=host,
        domain_prefix=api_id,
        extended_request_id=short_request_id(),
        http_method=method.upper(),
        identity=APIGatewayRequestIdentity(
            **_ANONYMOUS,
            source_ip=source_ip,
            user_agent=sent.user_agent,
            client_cert=client_certificate(client_cert, now) if client_cert else UNSET,
        ),
        path=f"/{stage}{path}",
        protocol="HTTP/1.1",
        request_id=_fake.request_id(),
        request_time=_fake.clf_time(sent.epoch_ms / 1000),
        request_time_epoch=sent.epoch_ms,
        resource_id=_fake.hex_id(6),
        resource_path=resource,
        stage=stage,
        authorizer=UNSET if authorizer is None else dict(authorizer),
    )
    return APIGatewayProxyEvent(
        resource=resource,
        path=path,
        http_method=method.upper(),
        headers=dict(sent.headers),
        multi_value_headers=grouped(sent.headers),
        query_string_parameters=dict(parameters) if parameters else None,
        multi_value_query_string_parameters=grouped(parameters) if parameters else None,
        path_parameters=None if path_parameters is None else dict(path_parameters),
        stage_variables=None if stage_variables is None else dict(stage_variables),
        request_context=context,
        body=sent.body,
        is_base64_encoded=sent.is_base64_encoded,
    )


def build_alb(
    method: str = "GET",
    path: str = "/",
    *,
    body: Body = None,
    headers: Headers | None = None,
    query: Query | None = None,
    multi_value_headers: bool = False,
    target_group: str = "lambda-target",
    source_ip: str = "127.0.0.1",
    user_agent: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> ALBEvent:
    """A request a load balancer forwards to a Lambda target in target group `target_group`.

    With `multi_value_headers` (the target group attribute) headers and query parameters come
    only as `multiValueHeaders` / `multiValueQueryStringParameters`; otherwise only the last
    value of each. Query names and values stay URL-encoded, as the load balancer passes them.

    ```pycon
    >>> build_alb("GET", "/", query={"q": "a b"}).query_string_parameters
    {'q': 'a%20b'}
    ```
    """
    host = f"lambda-alb-{secrets.randbelow(10**9):09d}.{region}.elb.amazonaws.com"
    sent = receive(body, headers, query, host, source_ip, user_agent, now)
    arn = _fake.arn(
        "elasticloadbalancing",
        f"targetgroup/{target_group}/{_fake.hex_id(16)}",
        region=region,
        account=account,
    )
    event = ALBEvent(
        request_context=ALBRequestContext(elb=ALBTargetGroup(target_group_arn=arn)),
        http_method=method.upper(),
        path=path,
        body="" if sent.body is None else sent.body,
        is_base64_encoded=sent.is_base64_encoded,
    )
    if multi_value_headers:
        event.multi_value_query_string_parameters = grouped(sent.query)
        event.multi_value_headers = grouped(sent.headers)
    else:
        event.query_string_parameters = dict(sent.query)
        event.headers = dict(sent.headers)
    return event


# The parts the builders share

# A REST API caller without IAM or Cognito credentials: API Gateway sends these as null.
_ANONYMOUS: dict[str, None] = dict.fromkeys(
    [
        "cognito_identity_pool_id",
        "account_id",
        "cognito_identity_id",
        "caller",
        "access_key",
        "principal_org_id",
        "cognito_authentication_type",
        "cognito_authentication_provider",
        "user_arn",
        "user",
    ]
)


def _v2_request(
    event_type: type[V2],
    method: str,
    path: str,
    sent: Received,
    cookies: Mapping[str, str] | Sequence[str] | None,
    context: APIGatewayV2RequestContext,
) -> V2:
    """The payload 2.0 request HTTP APIs and function URLs share, in the `context` each fills."""
    if isinstance(cookies, Mapping):
        jar = [f"{name}={value}" for name, value in cookies.items()]
    else:
        jar = [cookies] if isinstance(cookies, str) else list(cookies or ())
    for name, value in sent.headers:
        if name == "cookie":
            jar += [cookie.strip() for cookie in value.split(";") if cookie.strip()]
    pairs = [(name, value) for name, value in sent.headers if name != "cookie"]
    context.api_id = context.domain_prefix = sent.host.split(".", 1)[0]
    context.domain_name = sent.host
    context.http = APIGatewayV2RequestHTTP(
        method=method.upper(),
        path=path,
        protocol="HTTP/1.1",
        source_ip=sent.source_ip,
        user_agent=sent.user_agent,
    )
    context.time = _fake.clf_time(sent.epoch_ms / 1000)
    context.time_epoch = sent.epoch_ms
    event = event_type(
        version="2.0",
        route_key=context.route_key,
        raw_path=path,
        raw_query_string=sent.query_string,
        headers={name: ",".join(values) for name, values in grouped(pairs).items()},
        request_context=context,
        is_base64_encoded=sent.is_base64_encoded,
    )
    if jar:
        event.cookies = jar
    if sent.query:
        parameters = grouped(decoded(sent.query))
        event.query_string_parameters = {
            name: ",".join(values) for name, values in parameters.items()
        }
    if sent.body is not None:
        event.body = sent.body
    return event


BUILDERS: dict[str, Callable[..., AWSEvent]] = {
    "alb": build_alb,
    "apigw-http-v2": build_apigw_http_v2,
    "apigw-rest": build_apigw_rest,
    "function-url": build_function_url,
}
