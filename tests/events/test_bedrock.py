"""Bedrock agent action group events: the builder shapes requests with parameters or a body as
Bedrock does, and the parameters and request body read as dicts."""

from __future__ import annotations

import msgspec

from faaslib.events._base import decode
from faaslib.events.bedrock import BedrockAgentEvent, build_bedrock_agent
from tests.events.corpus import load, needs_corpus
from tests.events.structure import assert_shaped_like


@needs_corpus
def test_a_build_with_parameters_or_a_body_has_the_structure_of_the_matching_sample() -> None:
    built = build_bedrock_agent("/claims/{claim_id}", parameters={"claim_id": "123"})
    assert_shaped_like(built, "powertools/bedrockAgentEventWithPathParams.json")
    with_body = build_bedrock_agent("/send-reminders", "POST", body={"claimId": "20"})
    assert with_body.parameters == []
    assert_shaped_like(with_body, "powertools/bedrockAgentPostEvent.json")


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


@needs_corpus
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
