"""A queue's messages in the process's memory (the default store): each stored message's
state (delayed, visible, in flight), and the structures that find the next message to deliver,
the next deadline and the oldest message, kept in step as messages move between states.

Every operation costs amortised O(1) per message it touches: a message that leaves leaves stale
entries behind in the heaps and deques, skipped when met and swept once they are many, so
memory follows the messages in the queue.
"""

from __future__ import annotations

import heapq
import itertools
import secrets
from collections import deque
from collections.abc import Callable

from faaslib._signal import Signal
from faaslib.clock import Clock
from faaslib.sources._common import DeduplicationWindow
from faaslib.sources.queue.messages import DEDUPLICATION_WINDOW, QueuedMessage
from faaslib.sources.queue.store import (
    DELAYED,
    GONE,
    IN_FLIGHT,
    SLACK,
    VISIBLE,
    StoredMessage,
)
from faaslib.stores.memory import NO_BATCH, NoBatch

__all__ = ["MemoryMessages"]


class _Group:
    """A FIFO message group: its messages in order, and how many of them are in flight."""

    __slots__ = ("in_flight", "is_ready", "messages")

    def __init__(self) -> None:
        self.messages: deque[StoredMessage] = deque()
        self.in_flight = 0
        self.is_ready = False  # in the store's deque of groups that may deliver

    def may_deliver(self) -> bool:
        return not self.in_flight and bool(self.messages) and self.messages[0].state == VISIBLE


class MemoryMessages:
    """The messages of one queue, by state, on the clock's monotonic time.

    A standard queue keeps its visible messages in one deque, in the order they became visible.
    A FIFO queue keeps each group's messages in order and a deque of the groups that may deliver
    now: head visible, none in flight. Delays and visibility timeouts are one heap of deadlines
    (`tick()` applies those due); retention is another.
    """

    def __init__(self, clock: Clock, *, fifo: bool, retention_period: float) -> None:
        self.clock = clock
        self.fifo = fifo
        self.retention_period = retention_period
        self.live: dict[int, StoredMessage] = {}  # by serial, in the order they entered
        self._counts = [0, 0, 0]  # delayed, visible, in flight
        self._issued = 0  # the highest serial admitted
        self._serials = itertools.count(1)
        self._tokens = itertools.count(1)
        self._visible: deque[StoredMessage] = deque()  # standard queues; gone ones skipped
        self._groups: dict[str, _Group] = {}  # FIFO queues
        self._ready: deque[_Group] = deque()  # FIFO groups that may deliver now
        self._timers: list[tuple[float, int, StoredMessage]] = []  # (due, token, message)
        self._retention: list[tuple[float, int, StoredMessage]] = []  # (expires, serial, message)
        self._arrivals: deque[StoredMessage] = deque()  # by enqueue time, for the oldest's age
        self._garbage = 0  # stale entries left in the structures above since the last sweep
        self._changed = Signal()  # for those waiting for a message
        # A receipt handle ends in this queue's key and its message's serial and receive
        # number, masked so that handles look as opaque as SQS's.
        self._secret = (secrets.token_bytes(8), secrets.randbits(96))
        # FIFO: the message id and sequence number each deduplication id was answered with.
        self._deduplication = DeduplicationWindow[tuple[str, str | None]](DEDUPLICATION_WINDOW)

    def batch(self) -> NoBatch:
        return NO_BATCH

    def time(self) -> float:
        return self.clock.monotonic()

    def new_serial(self) -> int:
        return next(self._serials)

    def issued(self) -> int:
        return self._issued

    def secret(self) -> tuple[bytes, int]:
        return self._secret

    def get(self, serial: int) -> StoredMessage | None:
        return self.live.get(serial)

    def counts(self) -> tuple[int, int, int]:
        delayed, visible, in_flight = self._counts
        return delayed, visible, in_flight

    def size(self) -> int:
        return len(self.live)

    def deduplicated(self, key: str) -> tuple[str, str | None] | None:
        return self._deduplication.answer(key, self.clock.monotonic())

    def remember(self, key: str, answer: tuple[str, str | None]) -> None:
        self._deduplication.remember(key, self.clock.monotonic(), answer)

    def admit(self, stored: StoredMessage, retained_from: float, delay: float) -> None:
        """`stored` enters the queue, delayed for `delay` seconds; its retention period counts
        from `retained_from` (monotonic)."""
        now = self.clock.monotonic()
        self._issued = stored.serial
        stored.enqueued_at = now
        stored.retained_from = retained_from
        self.live[stored.serial] = stored
        self._arrivals.append(stored)
        expires = retained_from + self.retention_period
        heapq.heappush(self._retention, (expires, stored.serial, stored))
        if self.fifo:
            group = self._groups.get(str(stored.group_id))
            if group is None:
                group = self._groups[str(stored.group_id)] = _Group()
            group.messages.append(stored)
        self._counts[DELAYED] += 1
        if delay > 0:
            self._schedule(stored, now + delay)
        else:
            self._make_visible(stored)

    def take(
        self, count: int, hidden_for: float, redrives: Callable[[StoredMessage], bool]
    ) -> list[StoredMessage]:
        """Deliver up to `count` visible messages, hiding each for `hidden_for` seconds: FIFO
        groups head first, a group at a time. `redrives(message)` is asked first, and removes
        the message if it should not be delivered."""
        taken: list[StoredMessage] = []
        now = self.clock.monotonic()
        if not self.fifo:
            visible = self._visible
            while len(taken) < count and visible:
                stored = visible.popleft()
                if stored.state != VISIBLE:
                    continue  # deleted or expired while visible
                if not redrives(stored):
                    self._deliver(stored, now, hidden_for)
                    taken.append(stored)
            return taken
        while len(taken) < count and self._ready:
            # The group keeps `is_ready` while its head is taken, so a redrive does not put it
            # back in the deque; whatever it has left is considered after.
            group = self._ready.popleft()
            messages = group.messages
            index = 0
            may_deliver = not group.in_flight  # a group in the deque has none, but be sure
            while may_deliver and len(taken) < count and index < len(messages):
                stored = messages[index]
                if stored.state != VISIBLE:
                    break
                if redrives(stored):
                    continue  # it left `messages`: the same index holds the next one
                self._deliver(stored, now, hidden_for)
                taken.append(stored)
                index += 1
            group.is_ready = False
            self._consider(group)
        return taken

    def hide(self, stored: StoredMessage, seconds: float) -> None:
        """Hide an in-flight message for `seconds` from now; 0 makes it visible at once."""
        self._forget_timer(stored)
        if seconds == 0:
            self._make_visible(stored)
        else:
            self._schedule(stored, self.clock.monotonic() + seconds)

    def remove(self, stored: StoredMessage) -> None:
        """`stored` leaves the queue: deleted, redriven or expired."""
        was = stored.state
        self._forget_timer(stored)
        self._set_state(stored, GONE)
        del self.live[stored.serial]
        self._garbage += 2  # its retention and arrival entries (and a visible one) stay behind
        if self.fifo:
            key = str(stored.group_id)
            group = self._groups[key]
            group.messages.remove(stored)  # near the head: groups deliver from there
            if was == IN_FLIGHT:
                group.in_flight -= 1
            if group.messages:
                self._consider(group)
            else:
                del self._groups[key]

    def clear(self) -> int:
        """Remove every message at once; how many there were."""
        count = len(self.live)
        for stored in self.live.values():
            stored.state = GONE
            stored.token = 0
        self.live.clear()
        self._counts = [0, 0, 0]
        self._visible.clear()
        self._groups.clear()
        self._ready.clear()
        self._timers.clear()
        self._retention.clear()
        self._arrivals.clear()
        self._garbage = 0
        return count

    def tick(self) -> int:
        """Bring the store up to the clock's time: delays and visibility timeouts that have
        passed make messages visible; messages past the retention period leave. How many left."""
        now = self.clock.monotonic() + SLACK
        timers = self._timers
        while timers and timers[0][0] <= now:
            _, token, stored = heapq.heappop(timers)
            if stored.token == token:
                stored.token = 0
                self._make_visible(stored)
        expired = 0
        retention = self._retention
        while retention and retention[0][0] <= now:
            stored = heapq.heappop(retention)[2]
            if stored.state != GONE:
                self.remove(stored)
                expired += 1
        if self._garbage > 1024:  # here, where no loop holds one of the structures
            self._sweep()
        return expired

    def next_due(self) -> float | None:
        """When the next delay or visibility timeout passes (monotonic), if any is pending."""
        timers = self._timers
        while timers and timers[0][2].token != timers[0][1]:
            heapq.heappop(timers)
        return timers[0][0] if timers else None

    def has_deliverable(self) -> bool:
        """Whether a receive now would find a message: visible, and (FIFO) at the head of a
        group with none in flight."""
        if not self.fifo:
            return self._counts[VISIBLE] > 0
        ready = self._ready
        while ready and not ready[0].may_deliver():  # its messages left since it was ready
            ready.popleft().is_ready = False
        return bool(ready)

    async def wait_for_change(self, until: float | None) -> None:
        """Wait until a message may have become deliverable, or the clock reaches `until`
        (monotonic; None waits without a limit)."""
        changed = self._changed.event()
        if until is None:
            await changed.wait()
            return
        with self.clock.timeout_scope(until - self.clock.monotonic()):
            await changed.wait()

    def oldest_age(self) -> float:
        """Seconds since the oldest message in the queue entered it (0 when empty)."""
        arrivals = self._arrivals
        while arrivals and arrivals[0].state == GONE:
            arrivals.popleft()
        return self.clock.monotonic() - arrivals[0].enqueued_at if arrivals else 0.0

    def snapshot(self) -> list[QueuedMessage]:
        return [stored.listed() for stored in self.live.values()]

    def _deliver(self, stored: StoredMessage, now: float, hidden_for: float) -> None:
        stored.receive_count += 1
        if stored.first_received is None:
            stored.first_received = int(self.clock.now() * 1000)
        stored.received_at = now
        self._set_state(stored, IN_FLIGHT)
        if self.fifo:
            self._groups[str(stored.group_id)].in_flight += 1
        self._schedule(stored, now + hidden_for)

    def _set_state(self, stored: StoredMessage, state: int) -> None:
        counts = self._counts
        counts[stored.state] -= 1
        stored.state = state
        if state != GONE:
            counts[state] += 1

    def _make_visible(self, stored: StoredMessage) -> None:
        """A delayed message's delay, or an in-flight one's visibility timeout, has passed."""
        was = stored.state
        self._set_state(stored, VISIBLE)
        if not self.fifo:
            self._visible.append(stored)
            self._notify()
            return
        group = self._groups[str(stored.group_id)]
        if was == IN_FLIGHT:
            group.in_flight -= 1
        self._consider(group)

    def _consider(self, group: _Group) -> None:
        """Put a FIFO group in the ready deque if it may deliver its head now."""
        if not group.is_ready and group.may_deliver():
            group.is_ready = True
            self._ready.append(group)
            self._notify()

    def _schedule(self, stored: StoredMessage, due: float) -> None:
        stored.token = next(self._tokens)
        heapq.heappush(self._timers, (due, stored.token, stored))

    def _forget_timer(self, stored: StoredMessage) -> None:
        if stored.token:
            stored.token = 0
            self._garbage += 1

    def _sweep(self) -> None:
        """Drop the entries of gone messages and stale timers once there are many of them."""
        self._garbage = 0
        most = 2 * len(self.live) + 256
        if len(self._timers) > most:
            self._timers = [entry for entry in self._timers if entry[2].token == entry[1]]
            heapq.heapify(self._timers)
        if len(self._retention) > most:
            self._retention = [entry for entry in self._retention if entry[2].state != GONE]
            heapq.heapify(self._retention)
        if len(self._arrivals) > most:
            self._arrivals = deque(stored for stored in self._arrivals if stored.state != GONE)
        if len(self._visible) > most:
            self._visible = deque(stored for stored in self._visible if stored.state == VISIBLE)

    def _notify(self) -> None:
        """Wake the waiters: a message may be deliverable now."""
        self._changed.set()
