"""CodeCommit triggers: the builder shapes a push as CodeCommit does, and refs read as branches
and tags."""

from __future__ import annotations

import msgspec

from faaslib.events._base import decode
from faaslib.events.codecommit import (
    CodeCommitData,
    CodeCommitEvent,
    CodeCommitRecord,
    CodeCommitReference,
    build_codecommit,
)
from tests.events.corpus import load, needs_corpus

NOW = 1_516_982_313.475  # 2018-01-26T15:58:33.475Z


def only_reference(event: CodeCommitEvent) -> CodeCommitReference:
    data = event.records[0].codecommit
    assert isinstance(data, CodeCommitData)
    assert isinstance(data.references, list)
    [reference] = data.references
    return reference


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


@needs_corpus
def test_a_reference_reads_as_a_branch_or_a_tag() -> None:
    sample = decode(load("aws-lambda-go/code-commit-event.json"), CodeCommitEvent)
    assert only_reference(sample).branch() == "master"
    assert only_reference(sample).tag() is None
    tag = CodeCommitReference(ref="refs/tags/v1.0")
    assert (tag.tag(), tag.branch()) == ("v1.0", None)
    assert CodeCommitReference().branch() is None


@needs_corpus
def test_the_repository_name_comes_from_the_source_arn() -> None:
    sample = decode(load("aws-lambda-go/code-commit-event.json"), CodeCommitEvent)
    assert sample.records[0].repository_name() == "my-repo"
    assert CodeCommitRecord().repository_name() is None


def test_custom_data_may_be_null() -> None:
    raw = {"Records": [{"eventSource": "aws:codecommit", "customData": None}]}
    assert msgspec.to_builtins(decode(raw, CodeCommitEvent)) == raw
