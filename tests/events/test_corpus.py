"""Conformance: every real AWS sample in ../shared/corpus/events decodes with the Struct of its
family and re-encodes to the same JSON; `parse` recognises its family unaided. Responses (what a
handler returns to a service) decode with their response Struct. A sample that cannot be typed
honestly is listed in SKIPPED with the reason."""

from __future__ import annotations

import json

import pytest

from faaslib import events
from faaslib.events.responses import RESPONSES
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus

pytestmark = needs_corpus
INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
ROWS = [line.split("\t") for line in INDEX.splitlines()[1:]]
SAMPLES = [(row[0], row[4]) for row in ROWS]

# Samples left out on purpose, each with the reason; everything else must round-trip.
SKIPPED: dict[str, str] = {
    "powertools/cloudWatchDashboardEvent.json": (
        "CloudWatch copies the widget's own params to top-level keys of the event, which no Struct "
        "can name; tests/events/test_cloudwatch.py checks it round-trips but for those keys"
    ),
    "powertools/vpcLatticeEventV2PathTrailingSlash.json": (
        "a malformed fixture: a v2 event carrying v1's snake_case query_string_parameters; "
        "tests/events/test_lattice.py checks everything else in it round-trips"
    ),
}

EVENTS = [
    (path, family)
    for path, family in SAMPLES
    if family != "response" and path not in SKIPPED and family in events.FAMILIES
]
ANSWERS = [path for path, family in SAMPLES if family == "response"]


def load(path: str) -> object:
    return json.loads((CORPUS / path).read_text())


def test_the_corpus_is_there() -> None:
    assert len(SAMPLES) > 200


def test_every_family_of_the_corpus_has_structs() -> None:
    families = {family for _, family in SAMPLES} - {"response"}
    assert families - set(events.FAMILIES) == set()


def test_every_skipped_sample_is_in_the_corpus() -> None:
    assert set(SKIPPED) <= {path for path, _ in SAMPLES}


@pytest.mark.parametrize(("path", "family"), EVENTS, ids=[path for path, _ in EVENTS])
def test_a_sample_round_trips_through_its_struct(path: str, family: str) -> None:
    raw = load(path)
    if isinstance(raw, list):  # a batch of AppSync resolver events
        event_type = events.FAMILIES[family][0]
        assert events.dump(events.parse(raw, type=list[event_type])) == raw  # type: ignore[valid-type]
        return
    event = events.parse(raw)  # the family's Struct for this shape
    assert type(event) in events.FAMILIES[family]
    assert events.dump(events.parse(raw, type=type(event))) == raw


@pytest.mark.parametrize("path", ANSWERS)
def test_a_response_sample_round_trips_through_its_struct(path: str) -> None:
    raw = load(path)
    assert events.dump(events.parse(raw, type=RESPONSES[path])) == raw
