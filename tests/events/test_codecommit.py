"""CodeCommit triggers: the real sample round-trips, `detect` recognises it and nothing else,
the builder shapes a push as CodeCommit does, and refs read as branches and tags."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from faaslib.events._base import AWSEvent, decode
from faaslib.events.codecommit import (
    FAMILIES,
    CodeCommitData,
    CodeCommitEvent,
    CodeCommitRecord,
    CodeCommitReference,
    build_codecommit,
    detect,
)
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

EXPECTED: dict[str, type[AWSEvent]] = {"aws-lambda-go/code-commit-event.json": CodeCommitEvent}
ROWS = (
    [line.split("\t") for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]]
    if HAS_CORPUS
    else []
)
OURS = [row[0] for row in ROWS if row[4] in FAMILIES]
OTHERS = [row[0] for row in ROWS if row[4] not in FAMILIES]
NOW = 1_516_982_313.475  # 2018-01-26T15:58:33.475Z


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def only_reference(event: CodeCommitEvent) -> CodeCommitReference:
    data = event.records[0].codecommit
    assert isinstance(data, CodeCommitData)
    assert isinstance(data.references, list)
    [reference] = data.references
    return reference


def test_every_sample_of_the_family_has_an_expected_struct() -> None:
    assert sorted(OURS) == sorted(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_a_sample_round_trips_exactly(path: str) -> None:
    raw = load(path)
    assert msgspec.to_builtins(decode(raw, EXPECTED[path])) == raw


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_detect_recognises_each_sample(path: str) -> None:
    assert detect(load(path)) is EXPECTED[path]


@pytest.mark.parametrize("path", OTHERS)
def test_detect_claims_no_sample_of_another_family(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "data",
    [[], "x", 5, None, {}, {"Records": 5}, {"Records": []}, {"Records": ["x"]}, {"Records": [{}]}],
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def test_a_default_built_event_has_the_structure_of_a_sample() -> None:
    built = build_codecommit()
    assert decode(msgspec.json.encode(built), CodeCommitEvent) == built
    samples: list[msgspec.Struct] = [decode(load(path), EXPECTED[path]) for path in OURS]
    assert matching_sample(built, samples)


def test_a_built_push_names_its_repository_branch_commit_and_pusher() -> None:
    commit = "5c4ef1049f1d27deadbeeff313e0730018be182b"
    event = build_codecommit(
        "shop",
        "release/2.0",
        commit=commit,
        created=True,
        trigger_name="deploy",
        user="ci-bot",
        custom_data="prod",
        now=NOW,
        region="eu-west-1",
        account="111122223333",
    )
    [record] = event.records
    assert record.event_source_arn == "arn:aws:codecommit:eu-west-1:111122223333:shop"
    assert record.user_identity_arn == "arn:aws:iam::111122223333:user/ci-bot"
    assert (record.aws_region, record.event_source) == ("eu-west-1", "aws:codecommit")
    assert record.event_time == "2018-01-26T15:58:33.475+0000"
    assert (record.event_trigger_name, record.custom_data) == ("deploy", "prod")
    assert record.repository_name() == "shop"
    assert only_reference(event) == CodeCommitReference(
        commit=commit, ref="refs/heads/release/2.0", created=True
    )


def test_a_built_push_has_a_fresh_full_commit_id() -> None:
    commit = only_reference(build_codecommit()).commit
    assert isinstance(commit, str)
    assert len(commit) == 40
    int(commit, 16)


def test_a_reference_reads_as_a_branch_or_a_tag() -> None:
    sample = decode(load("aws-lambda-go/code-commit-event.json"), CodeCommitEvent)
    assert only_reference(sample).branch() == "master"
    assert only_reference(sample).tag() is None
    tag = CodeCommitReference(ref="refs/tags/v1.0")
    assert (tag.tag(), tag.branch()) == ("v1.0", None)
    assert CodeCommitReference().branch() is None


def test_the_repository_name_comes_from_the_source_arn() -> None:
    sample = decode(load("aws-lambda-go/code-commit-event.json"), CodeCommitEvent)
    assert sample.records[0].repository_name() == "my-repo"
    assert CodeCommitRecord().repository_name() is None


def test_custom_data_may_be_null() -> None:
    raw = {"Records": [{"eventSource": "aws:codecommit", "customData": None}]}
    assert msgspec.to_builtins(decode(raw, CodeCommitEvent)) == raw
