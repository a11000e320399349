"""S3 Batch Operations invocations, schema 1.0 and 2.0: tasks name their bucket and key in either
schema, and the builder shapes invocations of either as S3 does."""

from __future__ import annotations

import msgspec
import pytest

from faaslib.events._base import decode, dump
from faaslib.events.s3_batch import S3BatchEvent, S3BatchJob, S3BatchTask, build_s3_batch
from tests.events.corpus import load, needs_corpus
from tests.events.structure import assert_shaped_like


@needs_corpus
def test_an_unversioned_object_keeps_its_null_version() -> None:
    event = decode(load("powertools/s3BatchOperationEventSchemaV2.json"), S3BatchEvent)
    assert event.tasks[0].s3_version_id is None
    assert dump(event)["tasks"][0]["s3VersionId"] is None


@needs_corpus
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


def test_the_default_build_is_schema_2() -> None:
    assert build_s3_batch().invocation_schema_version == "2.0"


@needs_corpus
def test_a_schema_1_build_is_shaped_like_a_real_schema_1_sample() -> None:
    built = build_s3_batch(schema="1.0")
    assert_shaped_like(built, "powertools/s3BatchOperationEventSchemaV1.json")
    assert built.tasks[0].s3_bucket_arn == "arn:aws:s3:::my-bucket"
    assert built.tasks[0].s3_bucket is msgspec.UNSET


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
