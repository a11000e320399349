"""The in-app SQS queue under random operations: a rule-based property test of its public async
API against a model, on asyncio and trio."""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from typing import Any

import pytest
from anyio.from_thread import start_blocking_portal
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from faaslib.sources import MessageNotInflight, Queue, QueuedMessage, ReceiptHandleIsInvalid
from faaslib.stores import SQLiteBackend
from faaslib.testing import FakeClock


class QueueMachine(RuleBasedStateMachine):
    """Random sends, receives, deletes, visibility changes, purges and clock moves against a
    model: no message is lost or duplicated, each is in exactly one place, a message is never
    delivered while in flight, and FIFO groups deliver in order.

    Each operation goes, by a drawn coin, through the async API on a portal's loop (as a user
    awaits it) or through its synchronous core (as faaslib's event source mapping calls it):
    both must keep the same model."""

    backend = "asyncio"
    store = "memory"

    def __init__(self) -> None:
        super().__init__()
        self._folder = tempfile.TemporaryDirectory()
        # A fresh file per example: the queues' names repeat from one example to the next.
        self.stores = (
            None
            if self.store == "memory"
            else SQLiteBackend(os.path.join(self._folder.name, "app.db"))
        )
        self._portal_context = start_blocking_portal(self.backend)
        self.portal = self._portal_context.__enter__()
        self.clock = FakeClock()
        self.sent: dict[str, float] = {}  # new message id -> when it was sent
        self.group: dict[str, str | None] = {}
        self.receives: dict[str, int] = {}  # id -> receive count the queue must report
        self.hidden_until: dict[str, float] = {}  # id -> end of its latest visibility timeout
        self.handles: list[tuple[str, str, bool]] = []  # (id, handle, from the dead letters)
        self.deleted: set[str] = set()
        self.purged: set[str] = set()
        self.deduplication: dict[str, tuple[float, str]] = {}  # id -> (forgotten at, message)
        self.serial = 0

    def teardown(self) -> None:
        self._portal_context.__exit__(None, None, None)
        if self.stores is not None:
            self.stores.close()
        self._folder.cleanup()

    def call(self, function: Callable[..., Any], *arguments: Any, **options: Any) -> Any:
        """Run an async function on the portal's loop; its error, if any, is raised here."""
        return self.portal.call(functools.partial(function, *arguments, **options))

    def operate(
        self, awaited: bool, queue: Queue, operation: str, *arguments: Any, **options: Any
    ) -> Any:
        """`await queue.<operation>(...)` on the loop, or its core `queue._<operation>_now(...)`."""
        if awaited:
            return self.call(getattr(queue, operation), *arguments, **options)
        return getattr(queue, f"_{operation}_now")(*arguments, **options)

    @initialize(
        fifo=st.booleans(),
        max_receive_count=st.integers(1, 3),
        retention=st.sampled_from([60, 300]),
        delay=st.sampled_from([0, 5]),
    )
    def make_queues(self, fifo: bool, max_receive_count: int, retention: int, delay: int) -> None:
        suffix = ".fifo" if fifo else ""
        self.fifo = fifo
        self.retention = retention
        self.dead_letters = Queue(
            f"dlq{suffix}",
            self.clock,
            fifo=fifo,
            message_retention_period=retention,
            backend=self.stores,
        )
        self.queue = Queue(
            f"source{suffix}",
            self.clock,
            fifo=fifo,
            visibility_timeout=30,
            delay_seconds=delay,
            message_retention_period=retention,
            redrive=(self.dead_letters, max_receive_count),
            backend=self.stores,
        )

    def now(self) -> float:
        return self.clock.monotonic()

    def states(self, queue: Queue) -> dict[str, QueuedMessage]:
        return {item.message_id: item for item in queue.snapshot()}

    @rule(
        group=st.sampled_from(["a", "b", "c"]),
        delay=st.sampled_from([None, 0, 10]),
        repeat=st.integers(0, 4),
        awaited=st.booleans(),
    )
    def send(self, group: str, delay: int | None, repeat: int, awaited: bool) -> None:
        self.serial += 1
        body = f"body-{self.serial}"
        if self.fifo:
            key = f"d{repeat}" if repeat else f"new-{self.serial}"  # some ids repeat
            result = self.operate(
                awaited, self.queue, "send", body, group_id=group, deduplication_id=key
            )
            seen = self.deduplication.get(key)
            if seen is not None and self.now() < seen[0]:
                assert result.message_id == seen[1]
                return
            self.deduplication[key] = (self.now() + 300, result.message_id)
        else:
            result = self.operate(awaited, self.queue, "send", body, delay_seconds=delay)
        assert result.message_id not in self.sent
        self.sent[result.message_id] = self.now()
        self.group[result.message_id] = group if self.fifo else None
        self.receives[result.message_id] = 0

    @rule(
        count=st.integers(1, 10),
        visibility=st.sampled_from([None, 0, 5]),
        from_dead_letters=st.booleans(),
        awaited=st.booleans(),
    )
    def receive(
        self, count: int, visibility: int | None, from_dead_letters: bool, awaited: bool
    ) -> None:
        queue = self.dead_letters if from_dead_letters else self.queue
        before = self.states(queue)
        moved_before = set(self.states(self.dead_letters))
        got = self.operate(awaited, queue, "receive", count, visibility_timeout=visibility)
        now = self.now()
        moved = set(self.states(self.dead_letters)) - moved_before
        assert len(got) <= count
        for message in got:
            identity = message.message_id
            assert before[identity].state == "visible"
            assert self.hidden_until.get(identity, -1.0) <= now  # never while in flight
            self.receives[identity] += 1
            assert message.receive_count == self.receives[identity]
            self.hidden_until[identity] = now + (30 if visibility is None else visibility)
            self.handles.append((identity, message.receipt_handle, from_dead_letters))
        for identity in moved:
            assert before[identity].receive_count >= self.queue.max_receive_count  # type: ignore[operator]
        if self.fifo:
            for group in {self.group[message.message_id] for message in got}:
                waiting = [item for item in before.values() if item.group_id == group]
                assert all(item.state != "in_flight" for item in waiting)
                expected = [item.message_id for item in waiting if item.message_id not in moved]
                delivered = [m.message_id for m in got if self.group[m.message_id] == group]
                assert delivered == expected[: len(delivered)]

    def some_handle(self, data: st.DataObject) -> tuple[str, str, bool]:
        """Mostly one of the latest handles, sometimes any (a stale one, or of a gone message)."""
        return data.draw(st.sampled_from(self.handles[-3:]) | st.sampled_from(self.handles))

    @precondition(lambda self: self.handles)
    @rule(data=st.data(), awaited=st.booleans())
    def delete(self, data: st.DataObject, awaited: bool) -> None:
        identity, handle, from_dead_letters = self.some_handle(data)
        queue = self.dead_letters if from_dead_letters else self.queue
        item = self.states(queue).get(identity)
        latest = item is not None and self.handles_of(identity, from_dead_letters)[-1] == handle
        in_flight = item is not None and item.state == "in_flight"
        if item is not None and self.fifo and not (latest and in_flight):
            with pytest.raises(ReceiptHandleIsInvalid):
                self.operate(awaited, queue, "delete", handle)
            return
        deleted = self.operate(awaited, queue, "delete", handle)
        assert deleted == (item is not None and latest)
        if deleted:
            self.deleted.add(identity)

    def handles_of(self, identity: str, from_dead_letters: bool) -> list[str]:
        return [h for i, h, dead in self.handles if i == identity and dead == from_dead_letters]

    @precondition(lambda self: self.handles)
    @rule(data=st.data(), seconds=st.sampled_from([0, 5, 60]), awaited=st.booleans())
    def change_visibility(self, data: st.DataObject, seconds: int, awaited: bool) -> None:
        identity, handle, from_dead_letters = self.some_handle(data)
        queue = self.dead_letters if from_dead_letters else self.queue
        item = self.states(queue).get(identity)
        latest = self.handles_of(identity, from_dead_letters)[-1] == handle
        if item is None:
            expected: type[Exception] | None = MessageNotInflight
        elif not latest:
            expected = ReceiptHandleIsInvalid
        elif item.state != "in_flight":
            expected = ReceiptHandleIsInvalid if self.fifo else MessageNotInflight
        else:
            expected = None
        if expected is not None:
            with pytest.raises(expected):
                self.operate(awaited, queue, "change_visibility", handle, seconds)
            return
        self.operate(awaited, queue, "change_visibility", handle, seconds)
        self.hidden_until[identity] = self.now() + seconds

    @rule(seconds=st.sampled_from([0.5, 1, 5, 29, 30, 31, 61, 301]))
    def advance(self, seconds: float) -> None:
        self.call(self.clock.advance, seconds)

    @rule(rarely=st.integers(0, 5), awaited=st.booleans())
    def purge(self, rarely: int, awaited: bool) -> None:
        if rarely != 5:
            return
        in_queue = set(self.states(self.queue))
        self.purged |= in_queue
        assert self.operate(awaited, self.queue, "purge") == len(in_queue)

    @invariant()
    def every_message_is_in_exactly_one_place(self) -> None:
        if not hasattr(self, "queue"):
            return
        in_queue = self.queue.snapshot()
        in_dead_letters = self.dead_letters.snapshot()
        places = [
            {item.message_id for item in in_queue},
            {item.message_id for item in in_dead_letters},
            self.deleted,
            self.purged,
        ]
        assert len(places[0]) == len(in_queue)
        assert len(places[1]) == len(in_dead_letters)
        assert sum(map(len, places)) == len(set().union(*places))  # disjoint
        accounted = set().union(*places)
        assert accounted <= set(self.sent)
        expired = set(self.sent) - accounted
        for identity in expired:  # none lost: each one gone is past its retention period
            assert self.now() >= self.sent[identity] + self.retention
        counters = self.queue.counters, self.dead_letters.counters
        assert counters[0].expired + counters[1].expired == len(expired)
        assert counters[0].sent == len(self.sent)
        assert counters[0].redriven == counters[1].dead_lettered
        assert counters[0].deleted + counters[1].deleted == len(self.deleted)
        for queue, items in ((self.queue, in_queue), (self.dead_letters, in_dead_letters)):
            states = [item.state for item in items]
            assert queue.approximate_number_of_messages == states.count("visible")
            assert queue.approximate_number_of_messages_not_visible == states.count("in_flight")
            assert queue.approximate_number_of_messages_delayed == states.count("delayed")


@pytest.mark.parametrize("store", ["memory", "sqlite"])
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_random_operations_never_lose_or_duplicate_a_message(backend: str, store: str) -> None:
    machine = type("Machine", (QueueMachine,), {"backend": backend, "store": store})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=60,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
