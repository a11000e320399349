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
from datetime import datetime, timezone
from typing import Any, Literal, TypeAlias, TypeVar
from urllib.parse import quote, unquote_plus

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent
from faaslib.events.http import (
    ALBEvent,
    ALBRequestContext,
    ALBTargetGroup,
    APIGatewayClientCert,
    APIGatewayClientCertValidity,
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

Headers: TypeAlias = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]]
Query: TypeAlias = str | Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]]
Body: TypeAlias = str | bytes | Mapping[str, Any] | list[Any] | None
V2 = TypeVar("V2", bound=APIGatewayProxyEventV2)

USER_AGENT = "curl/8.5.0"  # the caller's agent when no `user-agent` header is given
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


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

    >>> event = build_apigw_http_v2("POST", "/items", body={"n": 1}, query={"tag": ["a", "b"]})
    >>> event.query_string_parameters, event.json()
    ({'tag': 'a,b'}, {'n': 1})
    """
    api_id = api_id or _fake.hex_id(10)
    context: dict[str, Any] = {
        "account_id": account,
        "request_id": _short_request_id(),
        "route_key": route_key or "$default",
        "stage": stage,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    if client_cert:
        context["authentication"] = APIGatewayV2Authentication(client_cert=_cert(client_cert, now))
    event = _v2_request(
        APIGatewayProxyEventV2,
        method,
        path if stage == "$default" else f"/{stage}{path}",
        body=body,
        headers=headers,
        query=query,
        cookies=cookies,
        domain=f"{api_id}.execute-api.{region}.amazonaws.com",
        source_ip=source_ip,
        user_agent=user_agent,
        now=now,
        context=context,
    )
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

    >>> build_function_url("PUT", "/x", body=b"\\x00").is_base64_encoded
    True
    """
    url_id = url_id or _fake.hex_id(32)
    context: dict[str, Any] = {
        "account_id": "anonymous",
        "request_id": _fake.request_id(),
        "route_key": "$default",
        "stage": "$default",
    }
    if auth_type == "AWS_IAM":
        caller = "AIDA" + _fake.hex_id(17).upper()
        context["account_id"] = account
        context["authentication"] = None
        context["authorizer"] = APIGatewayV2Authorizer(
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
    event = _v2_request(
        LambdaFunctionUrlEvent,
        method,
        path,
        body=body,
        headers=headers,
        query=query,
        cookies=cookies,
        domain=f"{url_id}.lambda-url.{region}.on.aws",
        source_ip=source_ip,
        user_agent=user_agent,
        now=now,
        context=context,
    )
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

    >>> event = build_apigw_rest("GET", "/items", query=[("id", "1"), ("id", "2")])
    >>> event.query_string_parameters, event.multi_value_query_string_parameters
    ({'id': '2'}, {'id': ['1', '2']})
    """
    api_id = api_id or _fake.hex_id(10)
    resource = resource or path
    text, is_base64, extra = _body(body)
    domain = f"{api_id}.execute-api.{region}.amazonaws.com"
    user_agent, pairs = _headers(headers, extra, domain, source_ip, user_agent, now, keep_case=True)
    decoded = _decoded(_raw_query(query))
    epoch_ms = _fake.epoch_ms(now)
    context = APIGatewayProxyRequestContext(
        account_id=account,
        api_id=api_id,
        domain_name=domain,
        domain_prefix=api_id,
        extended_request_id=_short_request_id(),
        http_method=method.upper(),
        identity=APIGatewayRequestIdentity(
            **_ANONYMOUS,
            source_ip=source_ip,
            user_agent=user_agent,
            client_cert=_cert(client_cert, now) if client_cert else UNSET,
        ),
        path=f"/{stage}{path}",
        protocol="HTTP/1.1",
        request_id=_fake.request_id(),
        request_time=_request_time(epoch_ms),
        request_time_epoch=epoch_ms,
        resource_id=_fake.hex_id(6),
        resource_path=resource,
        stage=stage,
    )
    if authorizer is not None:
        context.authorizer = dict(authorizer)
    return APIGatewayProxyEvent(
        resource=resource,
        path=path,
        http_method=method.upper(),
        headers=dict(pairs),
        multi_value_headers=_grouped(pairs),
        query_string_parameters=dict(decoded) if decoded else None,
        multi_value_query_string_parameters=_grouped(decoded) if decoded else None,
        path_parameters=None if path_parameters is None else dict(path_parameters),
        stage_variables=None if stage_variables is None else dict(stage_variables),
        request_context=context,
        body=text,
        is_base64_encoded=is_base64,
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

    >>> build_alb("GET", "/", query={"q": "a b"}).query_string_parameters
    {'q': 'a%20b'}
    """
    text, is_base64, extra = _body(body)
    host = f"lambda-alb-{secrets.randbelow(10**9):09d}.{region}.elb.amazonaws.com"
    _, pairs = _headers(headers, extra, host, source_ip, user_agent, now)
    raw = _raw_query(query)
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
        body="" if text is None else text,
        is_base64_encoded=is_base64,
    )
    if multi_value_headers:
        event.multi_value_query_string_parameters = _grouped(raw)
        event.multi_value_headers = _grouped(pairs)
    else:
        event.query_string_parameters = dict(raw)
        event.headers = dict(pairs)
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
    *,
    body: Body,
    headers: Headers | None,
    query: Query | None,
    cookies: Mapping[str, str] | Sequence[str] | None,
    domain: str,
    source_ip: str,
    user_agent: str | None,
    now: float | None,
    context: dict[str, Any],
) -> V2:
    """The payload 2.0 request HTTP APIs and function URLs share, with their `context` fields."""
    text, is_base64, extra = _body(body)
    user_agent, pairs = _headers(headers, extra, domain, source_ip, user_agent, now)
    if isinstance(cookies, Mapping):
        jar = [f"{name}={value}" for name, value in cookies.items()]
    else:
        jar = [cookies] if isinstance(cookies, str) else list(cookies or ())
    for name, value in pairs:
        if name == "cookie":
            jar += [cookie.strip() for cookie in value.split(";") if cookie.strip()]
    pairs = [(name, value) for name, value in pairs if name != "cookie"]
    raw = _raw_query(query)
    epoch_ms = _fake.epoch_ms(now)
    event = event_type(
        version="2.0",
        route_key=context["route_key"],
        raw_path=path,
        raw_query_string=_raw_query_string(query, raw),
        headers={name: ",".join(values) for name, values in _grouped(pairs).items()},
        request_context=APIGatewayV2RequestContext(
            api_id=domain.split(".", 1)[0],
            domain_name=domain,
            domain_prefix=domain.split(".", 1)[0],
            http=APIGatewayV2RequestHTTP(
                method=method.upper(),
                path=path,
                protocol="HTTP/1.1",
                source_ip=source_ip,
                user_agent=user_agent,
            ),
            time=_request_time(epoch_ms),
            time_epoch=epoch_ms,
            **context,
        ),
        is_base64_encoded=is_base64,
    )
    if jar:
        event.cookies = jar
    if raw:
        grouped = _grouped(_decoded(raw))
        event.query_string_parameters = {name: ",".join(values) for name, values in grouped.items()}
    if text is not None:
        event.body = text
    return event


def _body(body: Body) -> tuple[str | None, bool, list[tuple[str, str]]]:
    """The body as the event carries it, whether that is base64, and the headers it implies."""
    if body is None or body == "" or body == b"":
        return None, False, []
    if isinstance(body, (bytes, bytearray, memoryview)):
        data = bytes(body)
        return _fake.b64(data), True, [("content-length", str(len(data)))]
    extra = []
    if not isinstance(body, str):
        body = msgspec.json.encode(body).decode()
        extra.append(("content-type", "application/json"))
    return body, False, [*extra, ("content-length", str(len(body.encode())))]


def _headers(
    given: Headers | None,
    extra: list[tuple[str, str]],
    host: str,
    source_ip: str,
    user_agent: str | None,
    now: float | None,
    *,
    keep_case: bool = False,
) -> tuple[str, list[tuple[str, str]]]:
    """The caller's user agent and the headers as sent, plus those the proxy or body adds;
    names lower-cased, or with `keep_case` as the client spelt them (added ones capitalised)."""
    spelling: dict[str, str] = {}  # header names are case-insensitive: keep the first spelling
    pairs = [
        (spelling.setdefault(name.lower(), name if keep_case else name.lower()), value)
        for name, value in _pairs(given)
    ]
    sent = {name.lower(): value for name, value in pairs}
    user_agent = user_agent or sent.get("user-agent") or USER_AGENT
    trace = f"Root=1-{int(_fake.seconds(now)):08x}-{_fake.hex_id(24)}"
    added = [
        *extra,
        ("host", host),
        ("user-agent", user_agent),
        ("x-amzn-trace-id", trace),
        ("x-forwarded-for", source_ip),
        ("x-forwarded-port", "443"),
        ("x-forwarded-proto", "https"),
    ]
    added = [
        (name.title() if keep_case else name, value) for name, value in added if name not in sent
    ]
    return user_agent, pairs + added


def _pairs(items: Headers | None) -> list[tuple[str, str]]:
    if items is None:
        return []
    if not isinstance(items, Mapping):
        return [(name, value) for name, value in items]
    return [
        (name, item)
        for name, value in items.items()
        for item in ([value] if isinstance(value, str) else value)
    ]


def _raw_query(query: Query | None) -> list[tuple[str, str]]:
    """The query's names and values URL-encoded, as they travel on the request line."""
    if isinstance(query, str):
        parts = [part.partition("=") for part in query.lstrip("?").split("&") if part]
        return [(name, value) for name, _, value in parts]
    return [(quote(name, safe=""), quote(value, safe="")) for name, value in _pairs(query)]


def _raw_query_string(query: Query | None, raw: list[tuple[str, str]]) -> str:
    """The query string as sent: a given one verbatim, else the encoded pairs in order."""
    return query.lstrip("?") if isinstance(query, str) else "&".join(map("=".join, raw))


def _decoded(raw: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(unquote_plus(name), unquote_plus(value)) for name, value in raw]


def _grouped(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    return grouped


def _cert(cert: APIGatewayClientCert | bool, now: float | None) -> APIGatewayClientCert:
    """`cert`, or for True a client certificate from a private CA, valid from a month before
    `now` for a year, its dates as OpenSSL prints them (`Aug  5 09:36:04 2021 GMT`)."""
    if isinstance(cert, APIGatewayClientCert):
        return cert

    def openssl_time(offset_days: int) -> str:
        moment = datetime.fromtimestamp(_fake.seconds(now) + offset_days * 86400, tz=timezone.utc)
        return f"{_MONTHS[moment.month - 1]} {moment.day:2d} {moment:%H:%M:%S} {moment.year} GMT"

    body = _fake.b64(secrets.token_bytes(96))
    return APIGatewayClientCert(
        client_cert_pem=f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n",
        subject_dn="C=US,O=Example Corp,CN=client.example.com",
        issuer_dn="C=US,O=Example Corp,CN=Example Corp Private CA",
        serial_number=":".join(f"{byte:02x}" for byte in secrets.token_bytes(16)),
        validity=APIGatewayClientCertValidity(
            not_before=openssl_time(-30), not_after=openssl_time(335)
        ),
    )


def _request_time(epoch_ms: int) -> str:
    """`12/Mar/2020:19:03:58 +0000`, API Gateway's request time (English months, any locale)."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=timezone.utc)
    return f"{moment.day:02d}/{_MONTHS[moment.month - 1]}/{moment.year}:{moment:%H:%M:%S} +0000"


def _short_request_id() -> str:
    """`LV7fzho-PHcEJPw=`: the short id HTTP APIs give requests (and REST APIs as extended id)."""
    return _fake.b64(secrets.token_bytes(11)).replace("+", "-").replace("/", "_")


BUILDERS: dict[str, Callable[..., AWSEvent]] = {
    "alb": build_alb,
    "apigw-http-v2": build_apigw_http_v2,
    "apigw-rest": build_apigw_rest,
    "function-url": build_function_url,
}
