"""The HTTP event builders: their output has the structure of real API Gateway, function URL and
load balancer events, and follows each service's rules for headers, query strings, cookies and
bodies."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from faaslib.events._base import UNSET, AWSEvent, dump
from faaslib.events.http import (
    APIGatewayClientCert,
    APIGatewayClientCertValidity,
    APIGatewayV2Authorizer,
    APIGatewayV2CognitoIdentity,
    APIGatewayV2IAMAuthorizer,
    APIGatewayV2JWTAuthorizer,
)
from faaslib.events.http_builders import (
    BUILDERS,
    build_alb,
    build_apigw_http_v2,
    build_apigw_rest,
    build_function_url,
)
from tests.events.corpus import needs_corpus
from tests.events.structure import assert_shaped_like

NOW = 1584039838.0  # 2020-03-12T19:03:58Z
CLIENT_CERT = APIGatewayClientCert(
    client_cert_pem="-----BEGIN CERTIFICATE-----\nMIIEZTCCAk0CAQEwDQYJKoZIhvcNAQELBQAw\n"
    "-----END CERTIFICATE-----",
    subject_dn="C=US,O=Example Corp,CN=client.example.com",
    issuer_dn="C=US,O=Example Corp,CN=Example Private CA",
    serial_number="3a:9f:12:c4:5e:77:08:b1",
    validity=APIGatewayClientCertValidity(
        not_before="Jan  1 00:00:00 2025 GMT", not_after="Jan  1 00:00:00 2026 GMT"
    ),
)
HEADERS = {"accept": "application/json", "x-tenant": ["blue", "green"]}
QUERY = {"tag": ["a", "b"], "limit": "10"}


def reencoded(event: AWSEvent) -> Any:
    """The event as a handler sees it: encoded to JSON and decoded with its Struct."""
    return msgspec.json.decode(msgspec.json.encode(event), type=type(event))


# Each case reproduces the structure of the real sample it names.
LIKE_SAMPLES: list[tuple[str, Callable[[], AWSEvent]]] = [
    (
        "powertools/apiGatewayProxyV2IamEvent.json",
        lambda: build_apigw_http_v2(
            "POST",
            "/my/path",
            body='{"a": 1}',
            headers=HEADERS,
            query=QUERY,
            cookies={"session": "abc123"},
            path_parameters={"proxy": "my/path"},
            stage_variables={"table": "orders"},
            authorizer=APIGatewayV2Authorizer(
                iam=APIGatewayV2IAMAuthorizer(
                    access_key="ASIA2ZJZYVUEREEIHAKY",
                    account_id="123456789012",
                    caller_id="AROA7ZJZYVRE7C3DUXHH6:CognitoIdentityCredentials",
                    cognito_identity=APIGatewayV2CognitoIdentity(
                        amr=["authenticated"],
                        identity_id="us-east-1:3f291106-8703-466b-8f2b-3ecee1ca56ce",
                        identity_pool_id="us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce",
                    ),
                    principal_org_id="o-a1b2c3d4e5",
                    user_arn="arn:aws:sts::123456789012:assumed-role/app/CognitoIdentityCredentials",
                    user_id="AROA7ZJZYVRE7C3DUXHH6:CognitoIdentityCredentials",
                )
            ),
        ),
    ),
    (
        "powertools/apiGatewayProxyV2Event.json",
        lambda: build_apigw_http_v2(
            "POST",
            "/my/path",
            body={"message": "hello"},
            headers=HEADERS,
            query=QUERY,
            cookies=["session=abc123"],
            path_parameters={"proxy": "my/path"},
            stage_variables={"table": "orders"},
            authorizer=APIGatewayV2Authorizer(
                jwt=APIGatewayV2JWTAuthorizer(claims={"sub": "user-1"}, scopes=["read"])
            ),
            client_cert=CLIENT_CERT,
        ),
    ),
    (
        "aws-lambda-go/apigw-v2-request-no-authorizer.json",
        lambda: build_apigw_http_v2(client_cert=True),
    ),
    ("powertools/lambdaFunctionUrlEvent.json", lambda: build_function_url()),
    (
        "powertools/lambdaFunctionUrlEventWithHeaders.json",
        lambda: build_function_url(headers=HEADERS, query=QUERY),
    ),
    (
        "powertools/lambdaFunctionUrlIAMEvent.json",
        lambda: build_function_url(
            "POST",
            "/my/path",
            body="Hello from client!",
            headers=HEADERS,
            query=QUERY,
            cookies={"session": "abc123"},
            auth_type="AWS_IAM",
        ),
    ),
    (
        "powertools/apiGatewayProxyEvent_noVersionAuth.json",
        lambda: build_apigw_rest(
            "POST", "/my/path", body="Hello", headers=HEADERS, query=QUERY, client_cert=True
        ),
    ),
    ("aws-lambda-go/alb-lambda-target-request-headers-only.json", lambda: build_alb()),
    (
        "powertools/albEvent.json",
        lambda: build_alb("POST", "/lambda", body="Test", headers=HEADERS, query=QUERY),
    ),
    (
        "powertools/albMultiValueQueryStringEvent.json",
        lambda: build_alb(headers=HEADERS, query=QUERY, multi_value_headers=True),
    ),
]


@needs_corpus
@pytest.mark.parametrize(("path", "build"), LIKE_SAMPLES, ids=[path for path, _ in LIKE_SAMPLES])
def test_built_event_has_the_structure_of_a_real_sample(
    path: str, build: Callable[[], AWSEvent]
) -> None:
    assert_shaped_like(build(), path)


# Query strings


def test_http_api_joins_repeated_query_values_and_keeps_the_raw_string_in_order() -> None:
    event = build_apigw_http_v2(query=[("a", "1"), ("b", "2"), ("a", "3")])
    assert event.raw_query_string == "a=1&b=2&a=3"
    assert event.query_string_parameters == {"a": "1,3", "b": "2"}


def test_http_api_raw_query_string_is_url_encoded_and_parameters_decoded() -> None:
    event = build_function_url(query={"q": "a b&c", "ü": "/x"})
    assert event.raw_query_string == "q=a%20b%26c&%C3%BC=%2Fx"
    assert event.query_string_parameters == {"q": "a b&c", "ü": "/x"}


def test_a_raw_query_string_is_kept_as_sent() -> None:
    event = build_apigw_http_v2(query="?q=a+b&flag&q=%2F")
    assert event.raw_query_string == "q=a+b&flag&q=%2F"
    assert event.query_string_parameters == {"q": "a b,/", "flag": ""}
    rest = build_apigw_rest(query="q=a+b&q=%2F")
    assert rest.multi_value_query_string_parameters == {"q": ["a b", "/"]}


def test_http_api_without_query_sends_an_empty_raw_string_and_no_parameters() -> None:
    event = dump(build_apigw_http_v2())
    assert event["rawQueryString"] == ""
    assert "queryStringParameters" not in event


def test_rest_api_keeps_the_last_query_value_and_all_values_separately() -> None:
    event = build_apigw_rest(query={"id": ["1", "2"], "q": "x y"})
    assert event.query_string_parameters == {"id": "2", "q": "x y"}
    assert event.multi_value_query_string_parameters == {"id": ["1", "2"], "q": ["x y"]}


def test_rest_api_without_query_sends_null_parameters() -> None:
    event = dump(build_apigw_rest())
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["stageVariables"] is None


def test_load_balancer_passes_query_values_url_encoded() -> None:
    single = build_alb(query={"q": ["first", "a b/c"]})
    assert single.query_string_parameters == {"q": "a%20b%2Fc"}
    assert single.multi_value_query_string_parameters is UNSET
    multi = build_alb(query={"q": ["first", "a b/c"]}, multi_value_headers=True)
    assert multi.multi_value_query_string_parameters == {"q": ["first", "a%20b%2Fc"]}
    assert multi.query_string_parameters is UNSET
    assert build_alb(query="q=a+b").query_string_parameters == {"q": "a+b"}


# Bodies


@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_a_binary_body_travels_base64_and_round_trips(family: str) -> None:
    data = bytes(range(256))
    event = reencoded(BUILDERS[family]("POST", "/upload", body=data))
    assert event.is_base64_encoded is True
    assert event.body != data.decode("latin-1")
    assert event.body_bytes() == data
    assert event.header("content-length") == "256"


@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_a_text_body_travels_as_text(family: str) -> None:
    event = reencoded(BUILDERS[family]("POST", "/", body="héllo"))
    assert event.body == "héllo"
    assert event.is_base64_encoded is False
    assert event.body_bytes() == "héllo".encode()
    assert event.header("Content-Length") == "6"


@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_a_json_body_is_sent_as_json_with_its_content_type(family: str) -> None:
    value = {"items": [1, 2], "name": "ü"}
    event = reencoded(BUILDERS[family]("POST", "/", body=value))
    assert event.json() == value
    assert event.header("content-type") == "application/json"


@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_a_given_content_type_is_not_replaced(family: str) -> None:
    headers = {"Content-Type": "application/vnd.api+json"}
    event = reencoded(BUILDERS[family]("POST", "/", body=[1], headers=headers))
    assert event.header("content-type") == "application/vnd.api+json"
    assert [name.lower() for name in event.headers or event.multi_value_headers].count(
        "content-type"
    ) == 1


@pytest.mark.parametrize(
    ("family", "expected"),
    [("apigw-http-v2", UNSET), ("function-url", UNSET), ("apigw-rest", None), ("alb", "")],
)
def test_without_a_body_each_service_sends_what_it_sends(family: str, expected: Any) -> None:
    event = reencoded(BUILDERS[family]())
    assert event.body == expected
    assert event.is_base64_encoded is False
    assert event.body_bytes() == b""
    assert event.json() is None
    assert event.header("content-length") is None


# Headers and cookies


@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_headers_are_found_whatever_their_case(family: str) -> None:
    event = reencoded(BUILDERS[family](headers={"X-Request-Source": "mobile"}))
    assert event.header("x-request-source") == "mobile"
    assert event.header("X-REQUEST-SOURCE") == "mobile"
    assert event.header("x-missing") is None


def test_http_api_lowercases_names_and_comma_joins_repeated_headers() -> None:
    event = build_apigw_http_v2(headers=[("X-Tenant", "blue"), ("x-tenant", "green")])
    assert event.headers is not UNSET
    assert event.headers["x-tenant"] == "blue,green"
    assert not any(name != name.lower() for name in event.headers)


def test_rest_api_keeps_header_case_the_last_value_and_all_values() -> None:
    event = build_apigw_rest(headers=[("X-Tenant", "blue"), ("x-tenant", "green")])
    assert isinstance(event.headers, dict)
    assert isinstance(event.multi_value_headers, dict)
    assert event.headers["X-Tenant"] == "green"
    assert event.multi_value_headers["X-Tenant"] == ["blue", "green"]
    assert "x-tenant" not in event.headers
    assert event.headers["Host"].endswith(".execute-api.us-east-1.amazonaws.com")


def test_load_balancer_multi_value_mode_sends_only_multi_value_headers() -> None:
    event = build_alb(headers={"X-Tenant": ["blue", "green"]}, multi_value_headers=True)
    assert event.headers is UNSET
    assert isinstance(event.multi_value_headers, dict)
    assert event.multi_value_headers["x-tenant"] == ["blue", "green"]
    assert build_alb(headers={"X-Tenant": ["blue", "green"]}).header("x-tenant") == "green"


@pytest.mark.parametrize("build", [build_apigw_http_v2, build_function_url])
def test_http_api_moves_cookies_out_of_the_headers(build: Callable[..., Any]) -> None:
    event = build(cookies={"theme": "dark"}, headers={"Cookie": "session=abc; lang=en"})
    assert event.cookies == ["theme=dark", "session=abc", "lang=en"]
    assert event.header("cookie") is None
    assert "cookies" not in dump(build())


def test_rest_api_leaves_cookies_in_the_headers() -> None:
    event = build_apigw_rest(headers={"Cookie": "session=abc"})
    assert event.header("cookie") == "session=abc"


def test_the_proxy_adds_its_headers_unless_given() -> None:
    event = build_apigw_http_v2(source_ip="203.0.113.7", headers={"Host": "api.example.com"})
    assert event.header("host") == "api.example.com"
    assert event.header("x-forwarded-for") == "203.0.113.7"
    assert event.header("x-forwarded-proto") == "https"
    assert (event.header("x-amzn-trace-id") or "").startswith("Root=1-")


def test_the_user_agent_header_is_the_callers_user_agent() -> None:
    event = dump(build_apigw_http_v2(headers={"User-Agent": "Mozilla/5.0"}))
    assert event["requestContext"]["http"]["userAgent"] == "Mozilla/5.0"
    rest = build_apigw_rest(user_agent="PostmanRuntime/7.36")
    assert rest.header("user-agent") == "PostmanRuntime/7.36"
    assert dump(rest)["requestContext"]["identity"]["userAgent"] == "PostmanRuntime/7.36"


# Request context


def test_http_api_request_context_says_where_and_when() -> None:
    event = dump(
        build_apigw_http_v2(
            "post",
            "/items/42",
            path_parameters={"id": "42"},
            route_key="POST /items/{id}",
            api_id="a1b2c3d4e5",
            source_ip="203.0.113.7",
            now=NOW,
            region="eu-west-1",
            account="210987654321",
        )
    )
    context = event["requestContext"]
    assert event["routeKey"] == context["routeKey"] == "POST /items/{id}"
    assert event["pathParameters"] == {"id": "42"}
    assert context["domainName"] == "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
    assert context["apiId"] == context["domainPrefix"] == "a1b2c3d4e5"
    assert context["accountId"] == "210987654321"
    assert context["http"]["method"] == "POST"
    assert context["http"]["path"] == event["rawPath"] == "/items/42"
    assert context["http"]["sourceIp"] == "203.0.113.7"
    assert context["time"] == "12/Mar/2020:19:03:58 +0000"
    assert context["timeEpoch"] == 1584039838000
    assert context["stage"] == "$default"
    assert "authorizer" not in context


def test_http_api_on_a_named_stage_keeps_the_stage_in_the_path() -> None:
    event = dump(build_apigw_http_v2(path="/items", stage="prod"))
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/prod/items"
    assert event["requestContext"]["stage"] == "prod"


def test_rest_api_request_context_says_where_and_when() -> None:
    event = dump(
        build_apigw_rest(
            "GET",
            "/items/42",
            resource="/items/{id}",
            path_parameters={"id": "42"},
            authorizer={"principalId": "user-1", "tenant": "blue"},
            api_id="a1b2c3d4e5",
            now=NOW,
            region="eu-west-1",
        )
    )
    context = event["requestContext"]
    assert event["resource"] == context["resourcePath"] == "/items/{id}"
    assert event["path"] == "/items/42"
    assert event["pathParameters"] == {"id": "42"}
    assert context["path"] == "/prod/items/42"
    assert context["stage"] == "prod"
    assert context["domainName"] == "a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
    assert context["requestTime"] == "12/Mar/2020:19:03:58 +0000"
    assert context["requestTimeEpoch"] == 1584039838000
    assert context["authorizer"] == {"principalId": "user-1", "tenant": "blue"}
    assert uuid.UUID(context["requestId"])
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["caller"] is None


@pytest.mark.parametrize("build", [build_apigw_http_v2, build_apigw_rest])
def test_mutual_tls_carries_the_given_or_a_made_up_certificate(build: Callable[..., Any]) -> None:
    def certificate(event: Any) -> Any:
        context = dump(event)["requestContext"]
        return (context.get("authentication") or context.get("identity"))["clientCert"]

    assert certificate(build(client_cert=CLIENT_CERT)) == dump(CLIENT_CERT)
    made_up = certificate(build(client_cert=True, now=NOW))
    assert made_up["clientCertPem"].startswith("-----BEGIN CERTIFICATE-----\n")
    assert made_up["validity"] == {
        "notBefore": "Feb 11 19:03:58 2020 GMT",
        "notAfter": "Feb 10 19:03:58 2021 GMT",
    }
    assert len(made_up["serialNumber"].split(":")) == 16
    assert "clientCert" not in str(dump(build()))


def test_function_url_request_context_names_the_url_and_the_caller() -> None:
    anonymous = dump(build_function_url(url_id="abcdefghijklmnopqrstuvwxyz012345"))
    context = anonymous["requestContext"]
    assert context["domainName"] == "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws"
    assert context["accountId"] == "anonymous"
    assert uuid.UUID(context["requestId"])
    iam = dump(build_function_url(auth_type="AWS_IAM", account="210987654321"))
    assert iam["requestContext"]["accountId"] == "210987654321"
    assert iam["requestContext"]["authorizer"]["iam"]["userArn"].startswith(
        "arn:aws:iam::210987654321:user/"
    )


def test_load_balancer_names_its_target_group() -> None:
    event = build_alb(target_group="orders", region="eu-west-1", account="210987654321")
    arn = dump(event)["requestContext"]["elb"]["targetGroupArn"]
    assert arn.startswith("arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/orders/")
    assert (event.header("host") or "").endswith(".eu-west-1.elb.amazonaws.com")
