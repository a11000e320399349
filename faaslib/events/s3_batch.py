"""Amazon S3 Batch Operations: the request a batch job's Invoke AWS Lambda function operation
sends for each object of its manifest.

Schema 1.0 names the bucket by ARN (`s3BucketArn`); schema 2.0, which directory buckets and
user arguments require, names it (`s3Bucket`) and adds the job's `userArguments`. Keys come as
the manifest has them, URL-encoded.
"""

from __future__ import annotations

import secrets
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = ["S3BatchEvent", "S3BatchJob", "S3BatchTask", "build_s3_batch", "detect"]


class S3BatchJob(AWSEvent, rename="camel"):
    """The batch job: its id, and (schema 2.0) the user arguments set on its operation."""

    id: str | Unset = UNSET
    user_arguments: dict[str, str] | Unset = UNSET


class S3BatchTask(AWSEvent, rename="camel"):
    """One object to act on: the task id to answer with, the key, version and bucket."""

    task_id: str | Unset = UNSET
    s3_key: str | Unset = msgspec.field(default=UNSET, name="s3Key")
    s3_version_id: str | Unset | None = msgspec.field(default=UNSET, name="s3VersionId")
    s3_bucket_arn: str | Unset = msgspec.field(default=UNSET, name="s3BucketArn")
    s3_bucket: str | Unset = msgspec.field(default=UNSET, name="s3Bucket")

    @property
    def decoded_key(self) -> str:
        """The key as written: the manifest carries it URL-encoded."""
        return urllib.parse.unquote_plus(self.s3_key if isinstance(self.s3_key, str) else "")

    @property
    def bucket_name(self) -> str | None:
        """The bucket's name, from `s3Bucket` (schema 2.0) or the end of `s3BucketArn` (1.0)."""
        if isinstance(self.s3_bucket, str):
            return self.s3_bucket
        if isinstance(self.s3_bucket_arn, str):
            return self.s3_bucket_arn.rpartition(":")[2]
        return None


class S3BatchEvent(AWSEvent, rename="camel"):
    """An S3 Batch Operations invocation: the job and its tasks (one per invocation today),
    under the schema version the job's operation asked for."""

    invocation_schema_version: str | Unset = UNSET
    invocation_id: str | Unset = UNSET
    job: S3BatchJob | Unset = UNSET
    tasks: list[S3BatchTask] = msgspec.field(default_factory=list)


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`S3BatchEvent` for a batch job invocation (`invocationSchemaVersion` and a `tasks`
    list), else None."""
    if not isinstance(data, Mapping):
        return None
    if "invocationSchemaVersion" in data and isinstance(data.get("tasks"), list):
        return S3BatchEvent
    return None


# Builders


def build_s3_batch(
    bucket: str = "my-bucket",
    keys: str | Sequence[str] = ("photos/cat.jpg",),
    *,
    schema: Literal["1.0", "2.0"] = "2.0",
    user_arguments: Mapping[str, str] | None = None,
    version_ids: Mapping[str, str] | None = None,
    now: float | None = None,
) -> S3BatchEvent:
    """The invocation a batch job makes for `keys` (one key or several) of `bucket`: one task
    per key, the key URL-encoded as a manifest has it, the version from `version_ids` (null for
    a key without one, as for an unversioned bucket). Schema 2.0 carries `user_arguments`
    (empty if none); schema 1.0 has none and names the bucket by ARN. `now` is accepted like
    every builder's, though the request carries no time.

    ```pycon
    >>> build_s3_batch("b", ["a b.txt"]).tasks[0].s3_key
    'a+b.txt'
    ```
    """
    del now  # the request has no timestamp
    if schema == "1.0" and user_arguments:
        raise ValueError("build_s3_batch: user_arguments need schema='2.0', got schema='1.0'")
    versions = version_ids or {}
    tasks = []
    for key in [keys] if isinstance(keys, str) else keys:
        task = S3BatchTask(
            task_id=_opaque_id(12),
            s3_key=urllib.parse.quote_plus(key, safe="/~"),
            s3_version_id=versions.get(key),
        )
        if schema == "1.0":
            task.s3_bucket_arn = _fake.arn("s3", bucket, region="", account="")
        else:
            task.s3_bucket = bucket
        tasks.append(task)
    job = S3BatchJob(id=_fake.request_id())
    if schema == "2.0":
        job.user_arguments = dict(user_arguments or {})
    return S3BatchEvent(
        invocation_schema_version=schema,
        invocation_id=_opaque_id(38),
        job=job,
        tasks=tasks,
    )


def _opaque_id(size: int) -> str:
    """An opaque id as S3 Batch Operations writes invocation and task ids: unpadded base64."""
    return _fake.b64(secrets.token_bytes(size)).rstrip("=")


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"s3-batch": (S3BatchEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"s3-batch": build_s3_batch}
