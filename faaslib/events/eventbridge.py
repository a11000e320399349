"""Amazon EventBridge (CloudWatch Events): one event, as a rule delivers it to a Lambda target.

Every service's events share the envelope; `detail` is the service's own, free-form object.
"""

from __future__ import annotations

from typing import Any

import msgspec

from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = ["SCHEDULED_EVENT", "EventBridgeEvent", "ScheduledEvent"]

SCHEDULED_EVENT = "Scheduled Event"


class EventBridgeEvent(AWSEvent):
    """An EventBridge event: the envelope every source shares, with its free-form `detail`."""

    version: str | Unset = UNSET
    id: str | Unset = UNSET
    detail_type: str | Unset = msgspec.field(default=UNSET, name="detail-type")
    source: str | Unset = UNSET
    account: str | Unset = UNSET
    time: str | Unset = UNSET
    region: str | Unset = UNSET
    resources: list[str] | Unset = UNSET
    detail: dict[str, Any] | Unset = UNSET
    replay_name: str | Unset = msgspec.field(default=UNSET, name="replay-name")


class ScheduledEvent(EventBridgeEvent):
    """An EventBridge scheduled-rule event: `detail-type` "Scheduled Event", from aws.events."""

    def __post_init__(self) -> None:
        if not isinstance(self.detail_type, Unset) and self.detail_type != SCHEDULED_EVENT:
            raise ValueError(f"detail-type is {self.detail_type!r}, not {SCHEDULED_EVENT!r}")
