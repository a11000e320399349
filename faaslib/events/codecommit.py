"""AWS CodeCommit: a repository trigger invoking a function when references (branches, tags)
change, e.g. on a push."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "CodeCommitData",
    "CodeCommitEvent",
    "CodeCommitRecord",
    "CodeCommitReference",
    "build_codecommit",
    "detect",
]

_BRANCH_PREFIX = "refs/heads/"
_TAG_PREFIX = "refs/tags/"


class CodeCommitReference(AWSEvent):
    """One changed reference: its full name (`refs/heads/main`) and the commit it now points
    to; `created` or `deleted` when the reference itself is new or gone."""

    commit: str | Unset = UNSET
    ref: str | Unset = UNSET
    created: bool | Unset = UNSET
    deleted: bool | Unset = UNSET

    def branch(self) -> str | None:
        """The branch name (`main` for `refs/heads/main`), or None if the ref is not a branch."""
        if isinstance(self.ref, str) and self.ref.startswith(_BRANCH_PREFIX):
            return self.ref[len(_BRANCH_PREFIX) :]
        return None

    def tag(self) -> str | None:
        """The tag name (`v1.0` for `refs/tags/v1.0`), or None if the ref is not a tag."""
        if isinstance(self.ref, str) and self.ref.startswith(_TAG_PREFIX):
            return self.ref[len(_TAG_PREFIX) :]
        return None


class CodeCommitData(AWSEvent):
    """The `codecommit` part of a record: the references the change touched."""

    references: list[CodeCommitReference] | Unset = UNSET


class CodeCommitRecord(AWSEvent, rename="camel"):
    """One trigger record: which trigger fired, on which repository (`eventSourceARN`), by
    whom, and the changed references. A large change arrives in several numbered parts."""

    event_id: str | Unset = UNSET
    event_version: str | Unset = UNSET
    event_time: str | Unset = UNSET
    event_trigger_name: str | Unset = UNSET
    event_part_number: int | Unset = UNSET
    codecommit: CodeCommitData | Unset = UNSET
    event_name: str | Unset = UNSET
    event_trigger_config_id: str | Unset = UNSET
    event_source_arn: str | Unset = msgspec.field(default=UNSET, name="eventSourceARN")
    user_identity_arn: str | Unset = msgspec.field(default=UNSET, name="userIdentityARN")
    event_source: str | Unset = UNSET
    aws_region: str | Unset = UNSET
    custom_data: str | Unset | None = UNSET
    event_total_parts: int | Unset = UNSET

    def repository_name(self) -> str | None:
        """The repository's name, from the last part of `eventSourceARN` (None if absent)."""
        if not isinstance(self.event_source_arn, str):
            return None
        return self.event_source_arn.rsplit(":", 1)[-1]


class CodeCommitEvent(AWSEvent):
    """A CodeCommit trigger's delivery: its records (`eventSource` `aws:codecommit`)."""

    records: list[CodeCommitRecord] = msgspec.field(default_factory=list, name="Records")


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`CodeCommitEvent` when the first of `Records` has `eventSource` `aws:codecommit`, else
    None."""
    if not isinstance(data, Mapping):
        return None
    records = data.get("Records")
    first = records[0] if isinstance(records, list) and records else None
    if isinstance(first, Mapping) and first.get("eventSource") == "aws:codecommit":
        return CodeCommitEvent
    return None


# Builders


def build_codecommit(
    repository: str = "my-repo",
    branch: str = "main",
    *,
    commit: str | None = None,
    created: bool = False,
    trigger_name: str = "my-trigger",
    user: str = "jane.doe",
    custom_data: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> CodeCommitEvent:
    """A push to `branch` of `repository` as a trigger on it delivers it: one record, the
    branch's new `commit` (a fresh SHA-1 by default), pushed by the IAM user `user`.
    `created=True` marks a new branch; `custom_data` is the trigger's configured custom data.

    ```pycon
    >>> build_codecommit("shop", "release").records[0].codecommit.references[0].branch()
    'release'
    ```
    """
    reference = CodeCommitReference(commit=commit or _fake.hex_id(40), ref=_BRANCH_PREFIX + branch)
    if created:
        reference.created = True
    record = CodeCommitRecord(
        event_id=_fake.request_id(),
        event_version="1.0",
        event_time=_fake.iso_time(now)[:-1] + "+0000",
        event_trigger_name=trigger_name,
        event_part_number=1,
        codecommit=CodeCommitData(references=[reference]),
        event_name="ReferenceChanges",
        event_trigger_config_id=_fake.request_id(),
        event_source_arn=_fake.arn("codecommit", repository, region=region, account=account),
        user_identity_arn=_fake.arn("iam", f"user/{user}", region="", account=account),
        event_source="aws:codecommit",
        aws_region=region,
        event_total_parts=1,
    )
    if custom_data is not None:
        record.custom_data = custom_data
    return CodeCommitEvent(records=[record])


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"codecommit": (CodeCommitEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"codecommit": build_codecommit}
