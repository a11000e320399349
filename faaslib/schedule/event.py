"""The event an EventBridge schedule rule sends its Lambda target when it fires.

Its shape is AWS's sample (https://docs.aws.amazon.com/lambda/latest/dg/with-scheduled-events.html):
source `aws.events`, detail-type `Scheduled Event`, the rule's ARN as the one resource, an empty
`detail`, and `time` the scheduled minute in UTC to the second. (EventBridge *Scheduler* sends the
target's configured input instead; this is the rule's event.)
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from faaslib.events import _fake
from faaslib.events._base import dump
from faaslib.events.eventbridge import SCHEDULED_EVENT, ScheduledEvent

__all__ = ["scheduled_event"]


def scheduled_event(
    rule_arn: str, time: datetime, *, region: str, account: str, id: str | None = None
) -> dict[str, Any]:
    """The Scheduled Event for `rule_arn` firing at `time` (aware), as the handler receives it.

    ```pycon
    >>> scheduled_event(arn, datetime(2015, 10, 8, 16, 53, 6, tzinfo=timezone.utc),
    ...                 region="us-east-1", account="123456789012")["time"]
    '2015-10-08T16:53:06Z'
    ```
    """
    if not isinstance(rule_arn, str) or not rule_arn.startswith("arn:") or rule_arn.count(":") < 5:
        raise ValueError(
            f"scheduled_event: rule_arn {rule_arn!r} is not an ARN "
            "(arn:aws:events:REGION:ACCOUNT:rule/NAME)"
        )
    if not isinstance(time, datetime) or time.tzinfo is None or time.utcoffset() is None:
        raise ValueError(f"scheduled_event: time {time!r} must be an aware datetime")
    event = ScheduledEvent(
        version="0",
        id=_fake.request_id() if id is None else id,
        detail_type=SCHEDULED_EVENT,
        source="aws.events",
        account=account,
        time=time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        region=region,
        resources=[rule_arn],
        detail={},
    )
    result: dict[str, Any] = dump(event)
    return result
