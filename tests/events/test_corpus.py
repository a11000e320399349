"""Conformance: every real AWS sample in ../shared/corpus/events decodes with the Struct of its
family and re-encodes to the same JSON; `parse` recognises its family unaided."""

from __future__ import annotations

import json

import pytest

from faaslib import events
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus

pytestmark = needs_corpus
INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
ROWS = [line.split("\t") for line in INDEX.splitlines()[1:]]
SAMPLES = [(row[0], row[4]) for row in ROWS]
TYPED = [(path, family) for path, family in SAMPLES if family in events.FAMILIES]


def load(path: str) -> object:
    return json.loads((CORPUS / path).read_text())


def test_the_corpus_is_there() -> None:
    assert len(SAMPLES) > 200
    assert len(TYPED) >= 80


@pytest.mark.parametrize(("path", "family"), TYPED, ids=[path for path, _ in TYPED])
def test_a_sample_round_trips_through_its_struct(path: str, family: str) -> None:
    raw = load(path)
    event = events.parse(raw, type=events.FAMILIES[family])
    assert events.dump(event) == raw


@pytest.mark.parametrize(("path", "family"), TYPED, ids=[path for path, _ in TYPED])
def test_parse_recognises_the_family(path: str, family: str) -> None:
    event = events.parse(load(path))
    assert isinstance(event, events.FAMILIES[family])
