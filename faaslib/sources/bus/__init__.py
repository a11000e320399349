"""The EventBridge-like event bus in one room: the `EventBus` and its rules (`bus`) and the
limits PutEvents enforces (`checks`).

The package re-exports what a user of a bus names, so `from faaslib.sources.bus import EventBus`
reads as it always has; faaslib's own modules import from the module that defines a name.
"""

from faaslib.sources.bus.bus import (
    BusError,
    EventBus,
    PutEventsRejected,
    PutEventsResult,
    PutEventsResultEntry,
    Rule,
    RuleTarget,
    UndeliveredEvent,
)

__all__ = [
    "BusError",
    "EventBus",
    "PutEventsRejected",
    "PutEventsResult",
    "PutEventsResultEntry",
    "Rule",
    "RuleTarget",
    "UndeliveredEvent",
]
