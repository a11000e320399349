"""S3 Batch Operations invocations, schema 1.0 and 2.0: real samples round-trip, are detected,
and the builder makes events shaped like them."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from faaslib.events._base import decode, dump
from faaslib.events.s3_batch import (
    BUILDERS,
    FAMILIES,
    S3BatchEvent,
    S3BatchJob,
    S3BatchTask,
    build_s3_batch,
    detect,
)
from tests.events.corpus import CORPUS, needs_corpus
from tests.events.structure import matching_sample, shape

pytestmark = needs_corpus

SAMPLES: dict[str, type[msgspec.Struct]] = {
    "aws-lambda-go/s3-batch-job-event-request-1.0.json": S3BatchEvent,
    "aws-lambda-go/s3-batch-job-event-request-2.0.json": S3BatchEvent,
    "powertools/s3BatchOperationEventSchemaV1.json": S3BatchEvent,
    "powertools/s3BatchOperationEventSchemaV2.json": S3BatchEvent,
}
OTHERS = [
    "powertools/sqsEvent.json",
    "powertools/apiGatewayProxyV2Event.json",
    "powertools/eventBridgeEvent.json",
    "powertools/s3Event.json",
    "aws-lambda-go/s3-batch-job-event-response.json",  # what the function answers
]


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def family_paths(family: str) -> set[str]:
    rows = [line.split("\t") for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]]
    return {row[0] for row in rows if row[4] == family}


def samples() -> list[msgspec.Struct]:
    return [decode(load(path), struct) for path, struct in SAMPLES.items()]


def test_the_table_names_every_sample_of_the_family() -> None:
    assert family_paths("s3-batch") == set(SAMPLES)
    assert FAMILIES["s3-batch"][0] is S3BatchEvent


@pytest.mark.parametrize(("path", "struct"), SAMPLES.items(), ids=list(SAMPLES))
def test_a_sample_round_trips_through_its_struct(path: str, struct: type[msgspec.Struct]) -> None:
    raw = load(path)
    assert msgspec.to_builtins(decode(raw, struct)) == raw


@pytest.mark.parametrize(("path", "struct"), SAMPLES.items(), ids=list(SAMPLES))
def test_detect_recognises_a_sample(path: str, struct: type[msgspec.Struct]) -> None:
    assert detect(load(path)) is struct


@pytest.mark.parametrize("path", OTHERS)
def test_detect_leaves_other_families_alone(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "value", [[], "x", {"Records": 5}, {}, None, {"invocationSchemaVersion": "1.0", "tasks": 3}]
)
def test_detect_returns_none_for_odd_input(value: Any) -> None:
    assert detect(value) is None


def test_an_unversioned_object_keeps_its_null_version() -> None:
    event = decode(load("powertools/s3BatchOperationEventSchemaV2.json"), S3BatchEvent)
    assert event.tasks[0].s3_version_id is None
    assert dump(event)["tasks"][0]["s3VersionId"] is None


@pytest.mark.parametrize(
    ("path", "bucket"),
    [
        ("powertools/s3BatchOperationEventSchemaV1.json", "powertools-dataset"),
        ("powertools/s3BatchOperationEventSchemaV2.json", "powertools-dataset"),
        ("aws-lambda-go/s3-batch-job-event-request-1.0.json", "awsexamplebucket"),
    ],
)
def test_the_bucket_name_comes_from_either_schema(path: str, bucket: str) -> None:
    event = decode(load(path), S3BatchEvent)
    assert event.tasks[0].bucket_name == bucket


def test_a_task_without_a_bucket_has_no_bucket_name() -> None:
    assert S3BatchTask(s3_key="a").bucket_name is None


def test_task_keys_are_url_decoded() -> None:
    assert S3BatchTask(s3_key="my+photos/caf%C3%A9.jpg").decoded_key == "my photos/café.jpg"
    assert S3BatchTask().decoded_key == ""


def test_the_default_build_is_shaped_like_a_real_schema_2_sample() -> None:
    built = build_s3_batch()
    assert BUILDERS["s3-batch"] is build_s3_batch
    again = msgspec.json.decode(msgspec.json.encode(built), type=S3BatchEvent)
    assert dump(again) == dump(built)
    assert built.invocation_schema_version == "2.0"
    assert matching_sample(built, samples())


def test_a_schema_1_build_is_shaped_like_a_real_schema_1_sample() -> None:
    built = build_s3_batch(schema="1.0")
    v1: list[msgspec.Struct] = [
        decode(load(path), S3BatchEvent)
        for path in SAMPLES
        if load(path)["invocationSchemaVersion"] == "1.0"
    ]
    assert matching_sample(built, v1)
    assert built.tasks[0].s3_bucket_arn == "arn:aws:s3:::my-bucket"
    assert built.tasks[0].s3_bucket is msgspec.UNSET
    assert "$.job.userArguments" not in shape(built)


def test_builder_arguments_land_where_s3_puts_them() -> None:
    built = build_s3_batch(
        "invoices",
        ["2026/jan report.pdf", "2026/feb.pdf"],
        user_arguments={"mode": "redact"},
        version_ids={"2026/feb.pdf": "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"},
    )
    assert [task.s3_key for task in built.tasks] == ["2026/jan+report.pdf", "2026/feb.pdf"]
    assert [task.decoded_key for task in built.tasks] == ["2026/jan report.pdf", "2026/feb.pdf"]
    assert [task.s3_version_id for task in built.tasks] == [
        None,
        "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY",
    ]
    assert {task.bucket_name for task in built.tasks} == {"invoices"}
    assert len({task.task_id for task in built.tasks}) == 2
    assert isinstance(built.job, S3BatchJob)
    assert built.job.user_arguments == {"mode": "redact"}


def test_a_single_key_is_one_task() -> None:
    assert [task.s3_key for task in build_s3_batch("b", "one.txt").tasks] == ["one.txt"]


def test_user_arguments_need_schema_2() -> None:
    with pytest.raises(ValueError, match=r"user_arguments need schema='2\.0'"):
        build_s3_batch(schema="1.0", user_arguments={"k": "v"})
