"""Amazon EventBridge (CloudWatch Events): one event, as a rule delivers it to a Lambda target.

Every service's events share the envelope; `detail` is the service's own, free-form object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "SCHEDULED_EVENT",
    "EventBridgeEvent",
    "ScheduledEvent",
    "build_eventbridge",
    "build_scheduled",
]

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


# Builders


def build_eventbridge(
    source: str = "com.example.orders",
    detail_type: str = "Order Placed",
    detail: Mapping[str, Any] | None = None,
    *,
    resources: Sequence[str] = (),
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> EventBridgeEvent:
    """An event as an EventBridge rule delivers it to a function, stamped to the second as
    EventBridge stamps `time`.

    ```pycon
    >>> build_eventbridge("shop", "Order Placed", {"id": 1}).detail
    {'id': 1}
    ```
    """
    return EventBridgeEvent(
        version="0",
        id=_fake.request_id(),
        detail_type=detail_type,
        source=source,
        account=account,
        time=_fake.iso_time(now, millis=False),
        region=region,
        resources=list(resources),
        detail=dict(detail or {}),
    )


def build_scheduled(
    rule: str = "my-schedule",
    *,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> ScheduledEvent:
    """The event a schedule rule sends when it fires: from `aws.events`, naming the rule."""
    event = build_eventbridge(
        "aws.events",
        SCHEDULED_EVENT,
        resources=[_fake.arn("events", f"rule/{rule}", region=region, account=account)],
        now=now,
        region=region,
        account=account,
    )
    return ScheduledEvent(**{name: getattr(event, name) for name in event.__struct_fields__})


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "eventbridge": (EventBridgeEvent, ScheduledEvent)
}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"eventbridge": build_eventbridge}
