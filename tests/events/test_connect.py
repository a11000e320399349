"""Amazon Connect contact flow events: every corpus sample round-trips; detection and the
builder."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from faaslib.events._base import decode
from faaslib.events.connect import (
    ConnectContactData,
    ConnectContactFlowEvent,
    ConnectDetails,
    ConnectEndpoint,
    build_connect,
    detect,
)
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

EXPECTED: dict[str, type[ConnectContactFlowEvent]] = {
    "aws-lambda-go/connect-event.json": ConnectContactFlowEvent,
    "powertools/connectContactFlowEventAll.json": ConnectContactFlowEvent,
    "powertools/connectContactFlowEventMin.json": ConnectContactFlowEvent,
}
INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
FILES = [row.split("\t")[0] for row in INDEX.splitlines()[1:] if row.endswith("\tconnect")]


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def test_every_connect_sample_of_the_corpus_has_an_expected_struct() -> None:
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
        "powertools/bedrockAgentEvent.json",
        "aws-lambda-go/lex-event.json",
    ],
)
def test_detect_leaves_other_families_alone(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "data", [[], "x", 5, None, {}, {"Records": 5}, {"Name": "n", "Details": {"ContactData": 1}}]
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def samples() -> list[msgspec.Struct]:
    return [decode(load(path), struct) for path, struct in EXPECTED.items()]


def contact_data(event: ConnectContactFlowEvent) -> ConnectContactData:
    assert isinstance(event.details, ConnectDetails)
    assert isinstance(event.details.contact_data, ConnectContactData)
    return event.details.contact_data


def test_the_default_build_has_the_structure_of_a_real_contact_flow_event() -> None:
    built = build_connect()
    assert decode(msgspec.json.encode(built), ConnectContactFlowEvent) == built
    assert matching_sample(built, samples())
    assert detect(msgspec.to_builtins(built)) is ConnectContactFlowEvent
    audio = msgspec.to_builtins(built)["Details"]["ContactData"]["MediaStreams"]["Customer"]
    assert audio == {
        "Audio": {"StartFragmentNumber": None, "StartTimestamp": None, "StreamARN": None}
    }


def test_a_build_puts_ids_parameters_and_arns_where_connect_does() -> None:
    event = build_connect(
        "5ca32fbd-8f92-46af-92a5-6b0f970f0efe",
        {"lookup": "balance"},
        attributes={"Language": "en-US"},
        customer_phone="+442071838750",
        queue="Billing",
        instance_id="9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa",
        streaming_audio=True,
        now=1_565_781_909.613,
        region="eu-central-1",
        account="210987654321",
    )
    assert event.name == "ContactFlowEvent"
    assert isinstance(event.details, ConnectDetails)
    assert event.details.parameters == {"lookup": "balance"}
    data = contact_data(event)
    assert data.contact_id == data.initial_contact_id == "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
    assert data.attributes == {"Language": "en-US"}
    assert data.customer_endpoint == ConnectEndpoint(
        address="+442071838750", type="TELEPHONE_NUMBER"
    )
    assert data.instance_arn == (
        "arn:aws:connect:eu-central-1:210987654321:instance/9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa"
    )
    assert data.queue is not None
    assert data.queue is not msgspec.UNSET
    assert data.queue.name == "Billing"
    assert isinstance(data.queue.arn, str)
    assert data.queue.arn.startswith(f"{data.instance_arn}/queue/")
    raw = msgspec.to_builtins(event)
    audio = raw["Details"]["ContactData"]["MediaStreams"]["Customer"]["Audio"]
    assert audio["StartTimestamp"] == "1565781909613"
    assert audio["StreamARN"].startswith("arn:aws:kinesisvideo:eu-central-1:210987654321:stream/")
    assert len(audio["StartFragmentNumber"]) == 47
    assert matching_sample(event, samples())


def test_a_contact_without_endpoints_or_queue_has_the_nulls_of_the_minimal_sample() -> None:
    event = build_connect(customer_phone=None, system_phone=None, queue=None)
    minimal = decode(load("powertools/connectContactFlowEventMin.json"), ConnectContactFlowEvent)
    assert matching_sample(event, [minimal])
