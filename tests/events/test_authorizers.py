"""API Gateway and AppSync Lambda authorizer inputs: the builders shape them as AWS does, and
headers read whatever their case."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest

from faaslib.events._base import AWSEvent, decode, dump
from faaslib.events.authorizers import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerTokenEvent,
    AppSyncAuthorizerEvent,
    build_apigw_authorizer,
    build_appsync_authorizer,
)
from tests.events.corpus import load, needs_corpus
from tests.events.structure import assert_shaped_like

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"


# Builders


def test_the_default_apigw_authorizer_input_is_a_bearer_token_for_a_method() -> None:
    built = build_apigw_authorizer()
    assert isinstance(built, APIGatewayAuthorizerTokenEvent)
    assert built.type == "TOKEN"
    assert isinstance(built.authorization_token, str)
    assert built.authorization_token.startswith("Bearer ")
    assert re.fullmatch(
        r"arn:aws:execute-api:us-east-1:123456789012:[0-9a-f]{10}/prod/GET/", str(built.method_arn)
    )


@needs_corpus
@pytest.mark.parametrize(
    ("options", "type", "path"),
    [
        ({}, APIGatewayAuthorizerRequestEvent, "apigw-custom-auth-request-type-request.json"),
        (
            {"version": "1.0"},
            APIGatewayAuthorizerRequestEvent,
            "apigw-v2-custom-authorizer-v1-request.json",
        ),
        (
            {"version": "2.0", "cookies": ["session=1"], "query": {"q": "1"}},
            APIGatewayAuthorizerEventV2,
            "apigw-v2-custom-authorizer-v2-request.json",
        ),
    ],
    ids=["rest", "http-1.0", "http-2.0"],
)
def test_request_authorizer_inputs_have_the_structure_of_real_ones(
    options: dict[str, Any], type: type[AWSEvent], path: str
) -> None:
    built = build_apigw_authorizer(
        type="REQUEST",
        api_key="a1b2c3",
        client_cert=True,
        path_parameters={},
        stage_variables={"alias": "live"},
        **options,
    )
    assert isinstance(built, type)
    assert_shaped_like(built, f"aws-lambda-go/{path}")


def test_a_rest_request_authorizer_input_carries_the_request() -> None:
    built = build_apigw_authorizer(
        type="REQUEST",
        token="tok-123",
        method="POST",
        path="/orders/7",
        headers={"X-Tenant": "acme"},
        query={"expand": "items"},
        api_id="abcdef1234",
        stage="live",
        now=1_700_000_000,
        region="eu-west-2",
        account="210987654321",
    )
    assert isinstance(built, APIGatewayAuthorizerRequestEvent)
    assert (
        built.method_arn
        == "arn:aws:execute-api:eu-west-2:210987654321:abcdef1234/live/POST/orders/7"
    )
    assert built.header("authorization") == "tok-123"
    assert built.header("x-tenant") == "acme"
    assert built.header("host") == "abcdef1234.execute-api.eu-west-2.amazonaws.com"
    assert built.multi_value_headers == {
        name: [value] for name, value in (built.headers or {}).items()
    }
    assert built.query_string_parameters == {"expand": "items"}
    assert built.multi_value_query_string_parameters == {"expand": ["items"]}
    assert built.version is msgspec.UNSET
    context = built.request_context
    assert not isinstance(context, msgspec.UnsetType)
    assert (context.account_id, context.api_id, context.stage) == (
        "210987654321",
        "abcdef1234",
        "live",
    )
    assert (context.http_method, context.resource_path) == ("POST", "/orders/7")
    assert re.fullmatch(UUID, str(context.request_id))
    assert not isinstance(context.identity, msgspec.UnsetType)
    assert context.identity.client_cert is msgspec.UNSET
    assert context.identity.api_key is msgspec.UNSET


def test_an_http_api_payload_1_input_names_the_token_as_identity_source() -> None:
    built = build_apigw_authorizer(type="REQUEST", version="1.0", token="tok-9")
    assert isinstance(built, APIGatewayAuthorizerRequestEvent)
    assert (built.version, built.identity_source, built.authorization_token) == (
        "1.0",
        "tok-9",
        "tok-9",
    )
    assert built.multi_value_headers is msgspec.UNSET


def test_an_http_api_payload_2_input_carries_route_and_time() -> None:
    built = build_apigw_authorizer(
        type="REQUEST",
        version="2.0",
        token="tok-2",
        method="DELETE",
        path="/items/3",
        query={"force": "true", "reason": "a b"},
        api_id="zz99yy88xx",
        now=1_584_041_038.39,
        region="ap-south-1",
    )
    assert isinstance(built, APIGatewayAuthorizerEventV2)
    assert built.route_arn == (
        "arn:aws:execute-api:ap-south-1:123456789012:zz99yy88xx/$default/DELETE/items/3"
    )
    assert built.route_key == "DELETE /items/3"
    assert built.identity_source == ["tok-2"]
    assert built.header("Authorization") == "tok-2"
    assert built.raw_query_string == "force=true&reason=a+b"
    assert built.cookies is msgspec.UNSET
    assert built.path_parameters is msgspec.UNSET
    context = built.request_context
    assert not isinstance(context, msgspec.UnsetType)
    assert context.time == "12/Mar/2020:19:23:58 +0000"
    assert context.time_epoch == 1_584_041_038_390
    assert context.domain_name == "zz99yy88xx.execute-api.ap-south-1.amazonaws.com"
    assert context.authentication is msgspec.UNSET


def test_a_built_client_cert_looks_like_api_gateways() -> None:
    built = build_apigw_authorizer(
        type="REQUEST", version="2.0", client_cert=True, now=1_700_000_000
    )
    assert isinstance(built, APIGatewayAuthorizerEventV2)
    context = built.request_context
    assert not isinstance(context, msgspec.UnsetType)
    assert context.authentication
    cert = context.authentication.client_cert
    assert cert
    assert str(cert.client_cert_pem).startswith("-----BEGIN CERTIFICATE-----\n")
    assert re.fullmatch(r"([0-9a-f]{2}:){15}[0-9a-f]{2}", str(cert.serial_number))
    assert cert.validity
    assert cert.validity.not_before == "Oct 15 22:13:20 2023 GMT"
    assert cert.validity.not_after == "Oct 14 22:13:20 2024 GMT"


def test_a_token_authorizer_has_no_payload_version() -> None:
    with pytest.raises(ValueError, match=re.escape("version='2.0' needs type='REQUEST'")):
        build_apigw_authorizer(version="2.0")


def test_an_explicit_method_arn_is_kept() -> None:
    arn = "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/"
    assert build_apigw_authorizer(method_arn=arn).method_arn == arn  # type: ignore[union-attr]


def test_the_default_appsync_authorizer_input_names_an_operation_of_an_api() -> None:
    built = build_appsync_authorizer()
    context = built.request_context
    assert not isinstance(context, msgspec.UnsetType)
    assert context.operation_name == "GetOrder"
    assert re.fullmatch(r"[0-9a-z]{26}", str(context.api_id))
    assert re.fullmatch(UUID, str(context.request_id))
    assert built.request_headers is msgspec.UNSET


def test_an_appsync_authorizer_input_carries_the_operation() -> None:
    built = build_appsync_authorizer(
        "secret",
        query="mutation CreateOrder($item: String!) { createOrder(item: $item) { id } }",
        variables={"item": "book"},
        headers={"X-Client": "web"},
        api_id="giy7kumfmvcqvbedntjwjvagii",
        account="254688921111",
    )
    assert built.authorization_token == "secret"
    context = built.request_context
    assert not isinstance(context, msgspec.UnsetType)
    assert (context.api_id, context.account_id) == ("giy7kumfmvcqvbedntjwjvagii", "254688921111")
    assert context.operation_name == "CreateOrder"
    assert context.variables == {"item": "book"}
    assert built.header("x-client") == "web"


def test_an_anonymous_graphql_operation_has_no_operation_name() -> None:
    built = build_appsync_authorizer(query="{ listOrders { items { id } } }")
    assert not isinstance(built.request_context, msgspec.UnsetType)
    assert built.request_context.operation_name is msgspec.UNSET


# Helpers


@needs_corpus
def test_request_authorizer_headers_are_case_insensitive_and_fall_back_to_multi_value() -> None:
    event = decode(
        load("powertools/apiGatewayAuthorizerRequestEvent.json"), APIGatewayAuthorizerRequestEvent
    )
    assert event.header("headerauth1") == "headerValue1"
    assert event.header("HEADER2") == "value2"  # only in multiValueHeaders: the last value
    assert event.header("missing") is None


@needs_corpus
def test_v2_authorizer_headers_are_case_insensitive() -> None:
    event = decode(load("powertools/apiGatewayAuthorizerV2Event.json"), APIGatewayAuthorizerEventV2)
    assert event.header("authorization") == "value"
    assert event.header("X-Amzn-Trace-Id") == "Root=1-611cc4a7-0746ebee281cfd967db97b64"
    assert event.header("missing") is None


@needs_corpus
def test_appsync_request_headers_are_case_insensitive() -> None:
    raw = {**load("powertools/appSyncAuthorizerEvent.json"), "requestHeaders": {"Host": "x.io"}}
    event = decode(raw, AppSyncAuthorizerEvent)
    assert dump(event) == raw
    assert event.header("HOST") == "x.io"
    assert (
        decode(load("powertools/appSyncAuthorizerEvent.json"), AppSyncAuthorizerEvent).header(
            "host"
        )
        is None
    )
