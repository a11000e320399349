"""API Gateway WebSocket events: the builder shapes connects, messages and disconnects as API
Gateway does, and the helpers read headers, bodies and the management endpoint."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest

from faaslib.events._base import decode
from faaslib.events.websocket import APIGatewayWebSocketEvent, build_apigw_websocket
from tests.events.corpus import load, needs_corpus
from tests.events.structure import assert_shaped_like

WEBSOCKET_ID = r"[A-Za-z0-9+/]{15}="


def context_of(event: APIGatewayWebSocketEvent) -> Any:
    assert not isinstance(event.request_context, msgspec.UnsetType)
    return event.request_context


# Builder


def test_the_default_event_is_an_incoming_message() -> None:
    built = build_apigw_websocket()
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


@needs_corpus
def test_a_disconnect_is_like_a_real_one() -> None:
    built = build_apigw_websocket("$disconnect", connection_id="R1kmxc2VNjMCFIA=")
    assert_shaped_like(built, "aws-lambda-go/apigw-websocket-request-disconnect.json")
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
    assert msgspec.json.decode(msgspec.json.encode(built), type=type(built)) == built
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


@needs_corpus
def test_a_sample_message_decodes_and_names_its_management_endpoint() -> None:
    event = decode(
        load("aws-lambda-go/apigw-websocket-request-send-message.json"), APIGatewayWebSocketEvent
    )
    assert event.json() == {"a": 1}
    assert event.body_bytes() == b'{\r\n\t"a": 1\r\n}'
    assert event.management_endpoint() == (
        "https://dl7ptocha9.execute-api.ap-northeast-1.amazonaws.com/prod"
    )


@needs_corpus
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
