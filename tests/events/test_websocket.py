"""API Gateway WebSocket events: every real sample round-trips, `detect` tells them from REST
proxy requests, and the builder shapes connects, messages and disconnects as API Gateway does."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import pytest

from faaslib.events._base import AWSEvent, decode, dump
from faaslib.events.websocket import (
    BUILDERS,
    FAMILIES,
    APIGatewayWebSocketEvent,
    build_apigw_websocket,
    detect,
)
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
ROWS = [line.split("\t") for line in INDEX.splitlines()[1:]]
EXPECTED: dict[str, type[AWSEvent]] = {
    "aws-lambda-go/apigw-websocket-request.json": APIGatewayWebSocketEvent,
    "aws-lambda-go/apigw-websocket-request-disconnect.json": APIGatewayWebSocketEvent,
    "aws-lambda-go/apigw-websocket-request-send-message.json": APIGatewayWebSocketEvent,
}
OTHERS = [row[0] for row in ROWS if row[4] != "apigw-websocket"]
WEBSOCKET_ID = r"[A-Za-z0-9+/]{15}="


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def samples() -> list[msgspec.Struct]:
    return [decode(load(path), type) for path, type in EXPECTED.items()]


def reencoded(event: APIGatewayWebSocketEvent) -> APIGatewayWebSocketEvent:
    return msgspec.json.decode(msgspec.json.encode(event), type=APIGatewayWebSocketEvent)


def context_of(event: APIGatewayWebSocketEvent) -> Any:
    assert not isinstance(event.request_context, msgspec.UnsetType)
    return event.request_context


def test_every_sample_of_the_family_has_an_expected_struct() -> None:
    assert sorted(row[0] for row in ROWS if row[4] == "apigw-websocket") == sorted(EXPECTED)


@pytest.mark.parametrize(("path", "type"), EXPECTED.items(), ids=list(EXPECTED))
def test_a_sample_round_trips_through_its_struct(path: str, type: type[AWSEvent]) -> None:
    raw = load(path)
    event = decode(raw, type)
    assert msgspec.to_builtins(event) == raw
    assert dump(event) == raw


@pytest.mark.parametrize(("path", "type"), EXPECTED.items(), ids=list(EXPECTED))
def test_detect_names_the_struct_of_a_sample(path: str, type: type[AWSEvent]) -> None:
    assert detect(load(path)) is type


@pytest.mark.parametrize(
    "path",
    [
        "powertools/apiGatewayProxyEvent.json",
        "powertools/apiGatewayProxyV2Event.json",
        "aws-lambda-go/apigw-request.json",
        "powertools/sqsEvent.json",
        "powertools/eventBridgeEvent.json",
        "powertools/apiGatewayAuthorizerRequestEvent.json",
    ],
)
def test_detect_leaves_proxy_requests_and_other_families_alone(path: str) -> None:
    assert detect(load(path)) is None


def test_detect_claims_no_sample_of_another_family() -> None:
    claimed = [path for path in OTHERS if detect(load(path)) is not None]
    assert claimed == []


@pytest.mark.parametrize(
    "data",
    [
        [],
        "x",
        None,
        {},
        {"Records": 5},
        {"requestContext": "x"},
        {"requestContext": ["connectionId", "eventType"]},
        {"requestContext": {"connectionId": "abc"}},
        {"requestContext": {"routeKey": "$connect", "stage": "prod"}},
    ],
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def test_the_registries_name_the_family_and_its_builder() -> None:
    assert {"apigw-websocket": (APIGatewayWebSocketEvent,)} == FAMILIES
    assert {"apigw-websocket": build_apigw_websocket} == BUILDERS


# Builder


def test_the_default_event_is_a_message_like_a_real_one() -> None:
    built = build_apigw_websocket()
    assert reencoded(built) == built
    assert matching_sample(built, samples())
    context = context_of(built)
    assert (context.route_key, context.event_type, context.message_direction) == (
        "$default",
        "MESSAGE",
        "IN",
    )
    assert re.fullmatch(WEBSOCKET_ID, context.connection_id)
    assert re.fullmatch(WEBSOCKET_ID, context.message_id)
    assert context.request_id == context.extended_request_id
    assert (built.body, built.is_base64_encoded) == ("", False)


def test_a_disconnect_is_like_a_real_one() -> None:
    built = build_apigw_websocket("$disconnect", connection_id="R1kmxc2VNjMCFIA=")
    assert reencoded(built) == built
    assert matching_sample(built, samples())
    context = context_of(built)
    assert (context.event_type, context.connection_id) == ("DISCONNECT", "R1kmxc2VNjMCFIA=")
    assert (context.disconnect_status_code, context.disconnect_reason) == (1001, "")
    assert built.body is msgspec.UNSET


def test_a_connect_carries_the_handshake() -> None:
    built = build_apigw_websocket(
        "$connect",
        query={"token": "abc"},
        headers={"Origin": "https://example.com"},
        api_id="dl7ptocha9",
        stage="live",
        now=1_705_751_697.419,
        region="ap-northeast-1",
    )
    assert reencoded(built) == built
    context = context_of(built)
    assert context.event_type == "CONNECT"
    assert context.connected_at == context.request_time_epoch == 1_705_751_697_419
    assert context.request_time == "20/Jan/2024:11:54:57 +0000"
    assert context.domain_name == "dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com"
    assert context.message_id is msgspec.UNSET
    assert built.header("host") == context.domain_name
    assert built.header("sec-websocket-version") == "13"
    assert built.header("ORIGIN") == "https://example.com"
    assert built.query_string_parameters == {"token": "abc"}
    assert built.multi_value_query_string_parameters == {"token": ["abc"]}
    assert built.management_endpoint() == (
        "https://dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com/live"
    )


def test_a_message_carries_its_body_and_binary_frames_travel_base64() -> None:
    text = build_apigw_websocket("sendmessage", body='{"action": "sendmessage", "data": 1}')
    assert context_of(text).route_key == "sendmessage"
    assert text.json() == {"action": "sendmessage", "data": 1}
    binary = build_apigw_websocket(body=b"\x00\xffframe", connected_at=1_000, now=1_060)
    assert (binary.body, binary.is_base64_encoded) == ("AP9mcmFtZQ==", True)
    assert binary.body_bytes() == b"\x00\xffframe"
    assert (context_of(binary).connected_at, context_of(binary).request_time_epoch) == (
        1_000_000,
        1_060_000,
    )


@pytest.mark.parametrize(
    ("route_key", "options", "problem"),
    [
        ("$connect", {"body": "hi"}, "$connect carries no body"),
        ("$disconnect", {"body": "hi"}, "$disconnect carries no body"),
        ("$disconnect", {"query": {"a": "1"}}, "only $connect carries a query"),
        ("$default", {"query": {"a": "1"}}, "only $connect carries a query"),
    ],
)
def test_the_builder_refuses_what_api_gateway_never_sends(
    route_key: str, options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        build_apigw_websocket(route_key, **options)


# Helpers


def test_a_sample_message_decodes_and_names_its_management_endpoint() -> None:
    event = decode(
        load("aws-lambda-go/apigw-websocket-request-send-message.json"), APIGatewayWebSocketEvent
    )
    assert event.json() == {"a": 1}
    assert event.body_bytes() == b'{\r\n\t"a": 1\r\n}'
    assert event.management_endpoint() == (
        "https://dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com/prod"
    )


def test_sample_headers_are_case_insensitive() -> None:
    event = decode(
        load("aws-lambda-go/apigw-websocket-request-disconnect.json"), APIGatewayWebSocketEvent
    )
    assert event.header("HOST") == "dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com"
    assert event.header("x-forwarded-for") == ""
    assert event.header("missing") is None
    assert event.json() is None


def test_an_event_without_domain_or_stage_has_no_management_endpoint() -> None:
    assert APIGatewayWebSocketEvent().management_endpoint() is None
    event = decode({"requestContext": {"stage": "prod"}}, APIGatewayWebSocketEvent)
    assert event.management_endpoint() is None
