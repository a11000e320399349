"""Where a stream mapping resumes: each shard's checkpoint, kept in the app's store so that an app
restarted on the same file goes on after the last batch that succeeded, as Lambda's mappings
resume from their checkpoints, not from their starting position again.

A checkpoint is, per lane of a shard, the number of the last record whose fate is settled: every
record of the lane up to it was delivered (or filtered, or given up on and reported). It is
written after each batch settles, when a lane has read to the tip with nothing in hand, and at a
graceful stop; a write is one small transaction, skipped when nothing moved. What a lane holds
beyond it, a batch in flight included, is read again after a restart: delivery is at least
once, as Lambda's is. With the memory store (the default) nothing is kept: a process that
ends takes its mappings with it, so there is nothing to resume.

Two apps running the same mapping on one file at the same time both deliver every record: the
checkpoint is where a restart resumes, not a lease among running processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from faaslib.sources.stream._shards import SEQUENCE_STEP
from faaslib.sources.stream.store import ShardStore
from faaslib.stores.values import Values

if TYPE_CHECKING:
    from faaslib.sources.stream_mapping.lanes import Lane
    from faaslib.stores import Backend

__all__ = ["NAMESPACE", "Checkpoints", "settled"]

NAMESPACE = "stream-checkpoints"

Positions = list[int | None]
"""Per lane of a shard, the number of its last settled record (-1: none yet; None: unknown, the
lane starts from the mapping's starting position)."""


class Checkpoints:
    """The checkpoints of function `function` reading the stream `event_source_arn`."""

    def __init__(self, values: Values, function: str, event_source_arn: str) -> None:
        self._values = values
        self._prefix = f"{function} {event_source_arn}"
        self._saved: dict[str, Positions] = {}

    @classmethod
    def on(cls, backend: Backend | None, function: str, arn: str) -> Checkpoints | None:
        """The checkpoints on `backend`, or None where they would not outlive the process."""
        if backend is None or backend.kind == "memory":
            return None
        return cls(backend.values, function, arn)

    def load(self, shard_id: str) -> Positions | None:
        saved = self._values.get(NAMESPACE, f"{self._prefix} {shard_id}")
        if not isinstance(saved, list) or not all(
            position is None or isinstance(position, int) for position in saved
        ):
            return None
        self._saved[shard_id] = saved
        return list(saved)

    def save(self, shard_id: str, positions: Positions) -> None:
        """Keep `positions` for the shard (one write, skipped when nothing moved)."""
        if self._saved.get(shard_id) == positions:
            return
        self._values.put(NAMESPACE, f"{self._prefix} {shard_id}", positions)
        self._saved[shard_id] = list(positions)


def resumed(saved: Positions, lanes: int) -> Positions:
    """The saved positions for `lanes` lanes: each its own when the parallelization factor is
    the same; else every lane from the lowest (records of other lanes are read again, never
    skipped), or from the starting position when a lane's is unknown."""
    if len(saved) == lanes:
        return saved
    if not saved or any(position is None for position in saved):
        return [None] * lanes
    return [min(position for position in saved if position is not None)] * lanes


def settled(lane: Lane, log: ShardStore) -> int | None:
    """The number of the lane's last settled record: just before the first it holds (in work,
    a batch in flight included, or read into its buffer), else the last it read."""
    if lane.work:
        first = lane.work[0].items[0].sequence
    elif lane.buffer:
        first = lane.buffer[0].sequence
    elif lane.last_number is not None:
        return max(lane.last_number, lane.next_number - 1)
    else:
        return None
    return (first - log.first) // SEQUENCE_STEP - 1


def shard_positions(lanes: Sequence[Lane], log: ShardStore) -> Positions:
    return [settled(lane, log) for lane in lanes]
