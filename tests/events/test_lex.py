"""Lex V1 code hook events: the corpus sample round-trips; detection and the builder."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from faaslib.events._base import decode
from faaslib.events.lex import LexEvent, LexIntent, LexSlotDetail, build_lex, detect
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

EXPECTED: dict[str, type[LexEvent]] = {"aws-lambda-go/lex-event.json": LexEvent}
INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
FILES = [row.split("\t")[0] for row in INDEX.splitlines()[1:] if row.endswith("\tlex")]


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def test_every_lex_sample_of_the_corpus_has_an_expected_struct() -> None:
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
        "aws-lambda-go/connect-event.json",
    ],
)
def test_detect_leaves_other_families_alone(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "data",
    [
        [],
        "x",
        5,
        None,
        {},
        {"Records": 5},
        {"currentIntent": [], "bot": {}, "invocationSource": "x"},
        # Lex V2 sends sessionState and interpretations, not currentIntent
        {"bot": {"name": "b"}, "invocationSource": "DialogCodeHook", "sessionState": {}},
    ],
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def test_the_default_build_has_the_structure_of_the_real_sample() -> None:
    built = build_lex()
    assert decode(msgspec.json.encode(built), LexEvent) == built
    assert matching_sample(built, [decode(load(path), LexEvent) for path in EXPECTED])
    assert detect(msgspec.to_builtins(built)) is LexEvent


def test_a_build_puts_the_intent_slots_and_attributes_where_lex_does() -> None:
    event = build_lex(
        "BookHotel",
        {"Location": "Chicago", "Nights": None},
        invocation_source="DialogCodeHook",
        bot_name="BookTrip",
        user_id="user-1",
        session_attributes={"currency": "USD"},
        request_attributes=None,
    )
    intent = event.current_intent
    assert isinstance(intent, LexIntent)
    assert intent.name == "BookHotel"
    assert intent.slots == {"Location": "Chicago", "Nights": None}
    assert intent.slot_details == {
        "Location": LexSlotDetail(resolutions=[{"value": "Chicago"}], original_value="Chicago"),
        "Nights": LexSlotDetail(resolutions=[], original_value=None),
    }
    assert event.invocation_source == "DialogCodeHook"
    assert event.bot is not msgspec.UNSET
    assert event.bot.name == "BookTrip"
    assert event.user_id == "user-1"
    assert event.session_attributes == {"currency": "USD"}
    assert msgspec.to_builtins(event)["requestAttributes"] is None


def test_a_default_user_id_is_random_per_build() -> None:
    assert build_lex().user_id != build_lex().user_id
