"""Accepted Event invocations in the process's memory (the default store): a deque of ready
events, a heap of those waiting to retry, and the set running."""

from __future__ import annotations

import heapq
import itertools
from collections import deque

from faaslib.asyncq.store import EventStore, QueuedEvent
from faaslib.clock import Clock

__all__ = ["MemoryEvents"]


class MemoryEvents(EventStore):
    """Events on the clock's monotonic time (`time()`: a store that keeps them elsewhere too,
    as `redis.RedisEvents`, holds its own this way on its time line)."""

    poll_interval: float | None = None

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._ready: deque[QueuedEvent] = deque()
        self._waiting: list[tuple[float, int, QueuedEvent]] = []  # (due, sequence, event)
        self._sequence = itertools.count()
        self._running: set[QueuedEvent] = set()

    def time(self) -> float:
        return self.clock.monotonic()

    def add(self, event: QueuedEvent) -> None:
        self._ready.append(event)

    stage = add  # durable as far as memory goes once added (no frame more on the Invoke path)

    def withdraw(self, event: QueuedEvent) -> bool:
        try:
            self._ready.remove(event)
        except ValueError:  # claimed already
            return False
        return True

    def claim(self, limit: int) -> list[QueuedEvent]:
        now = self.time()
        waiting = self._waiting
        while waiting and waiting[0][0] <= now:
            self._ready.append(heapq.heappop(waiting)[2])
        claimed: list[QueuedEvent] = []
        ready = self._ready
        while ready and len(claimed) < limit:
            event = ready.popleft()
            self._running.add(event)
            claimed.append(event)
        return claimed

    def claim_one(self) -> QueuedEvent | None:
        if not self._ready:  # those due to retry are promoted by the dispatcher's claim
            return None
        event = self._ready.popleft()
        self._running.add(event)
        return event

    def retry(self, event: QueuedEvent, delay: float) -> None:
        self._running.discard(event)
        event.due = due = self.time() + delay
        heapq.heappush(self._waiting, (due, next(self._sequence), event))

    def release(self, event: QueuedEvent) -> None:
        self._running.discard(event)
        self._ready.appendleft(event)

    def finish(self, event: QueuedEvent) -> None:
        self._running.discard(event)

    def running(self) -> int:
        return len(self._running)

    def count(self) -> int:
        return len(self._ready) + len(self._waiting) + len(self._running)

    def empty(self) -> bool:
        return not self._ready and not self._waiting and not self._running

    def settled(self) -> bool:
        return not self._ready and not self._running

    def next_due(self) -> float | None:
        return self._waiting[0][0] if self._waiting else None

    def listing(self) -> list[QueuedEvent]:
        return [*self._running, *self._ready, *(entry[2] for entry in sorted(self._waiting))]

    def keep_alive(self) -> None:
        pass

    async def retire(self) -> None:
        pass

    async def accepted(self, event: QueuedEvent) -> None:
        pass  # durable as far as memory goes once added
