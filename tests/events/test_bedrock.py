"""Bedrock agent action group events: every corpus sample round-trips; detection, the builder,
and the parameters and request body read as dicts."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from faaslib.events._base import decode
from faaslib.events.bedrock import BedrockAgentEvent, build_bedrock_agent, detect
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

EXPECTED: dict[str, type[BedrockAgentEvent]] = {
    "powertools/bedrockAgentEvent.json": BedrockAgentEvent,
    "powertools/bedrockAgentEventWithPathParams.json": BedrockAgentEvent,
    "powertools/bedrockAgentPostEvent.json": BedrockAgentEvent,
}
INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
FILES = [row.split("\t")[0] for row in INDEX.splitlines()[1:] if row.endswith("\tbedrock-agent")]


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def test_every_bedrock_agent_sample_of_the_corpus_has_an_expected_struct() -> None:
    assert sorted(FILES) == sorted(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_a_sample_round_trips_through_its_struct(path: str) -> None:
    raw = load(path)
    assert msgspec.to_builtins(decode(raw, EXPECTED[path])) == raw


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_detect_recognises_each_sample(path: str) -> None:
    assert detect(load(path)) is EXPECTED[path]


@pytest.mark.parametrize(
    "path",
    [
        "powertools/sqsEvent.json",
        "powertools/apiGatewayProxyV2Event.json",
        "powertools/eventBridgeEvent.json",
        "powertools/appSyncDirectResolver.json",
        "aws-lambda-go/lex-event.json",
    ],
)
def test_detect_leaves_other_families_alone(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "data", [[], "x", 5, None, {}, {"Records": 5}, {"agent": "x", "actionGroup": "a"}]
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def samples() -> list[msgspec.Struct]:
    return [decode(load(path), struct) for path, struct in EXPECTED.items()]


def test_the_default_build_has_the_structure_of_a_real_agent_event() -> None:
    built = build_bedrock_agent()
    assert decode(msgspec.json.encode(built), BedrockAgentEvent) == built
    assert matching_sample(built, samples())
    assert detect(msgspec.to_builtins(built)) is BedrockAgentEvent


def test_a_build_with_parameters_has_the_structure_of_the_path_parameters_sample() -> None:
    built = build_bedrock_agent("/claims/{claim_id}", parameters={"claim_id": "123"})
    assert matching_sample(built, [decode(load(path), BedrockAgentEvent) for path in EXPECTED])
    with_body = build_bedrock_agent("/send-reminders", "POST", body={"claimId": "20"})
    assert with_body.parameters == []
    assert matching_sample(with_body, samples())


def test_a_build_types_its_values_and_names_the_operation() -> None:
    event = build_bedrock_agent(
        "/claims/{claim_id}",
        "POST",
        {"claim_id": 42, "urgent": True, "limit": 2.5, "status": "open"},
        body={"note": "photos attached", "count": 3},
        agent_id="ABCDE12345",
        session_id="session-1",
        session_attributes={"user": "alice"},
    )
    assert (event.api_path, event.http_method) == ("/claims/{claim_id}", "POST")
    assert isinstance(event.parameters, list)
    assert [(p.name, p.type, p.value) for p in event.parameters] == [
        ("claim_id", "integer", "42"),
        ("urgent", "boolean", "true"),
        ("limit", "number", "2.5"),
        ("status", "string", "open"),
    ]
    assert event.body_values() == {"note": "photos attached", "count": "3"}
    assert event.agent is not msgspec.UNSET
    assert event.agent.id == "ABCDE12345"
    assert event.session_id == "session-1"
    assert event.session_attributes == {"user": "alice"}


def test_parameters_and_body_read_as_dicts_name_to_value() -> None:
    with_path = decode(load("powertools/bedrockAgentEventWithPathParams.json"), BedrockAgentEvent)
    assert with_path.parameter_values() == {"claim_id": "123"}
    assert with_path.body_values() == {}
    post = decode(load("powertools/bedrockAgentPostEvent.json"), BedrockAgentEvent)
    assert post.parameter_values() == {}
    assert post.body_values() == {
        "claimId": "20",
        "pendingDocuments": "social number and vat",
    }
    assert post.body_values("text/plain") == {}
    plain = decode(load("powertools/bedrockAgentEvent.json"), BedrockAgentEvent)
    assert plain.parameter_values() == {}
