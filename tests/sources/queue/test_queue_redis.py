"""A queue on Redis shared by several processes: each "process" here is a `Queue` on a backend
of its own (its own connections) over one key prefix, as two hosts of one app would be. What
the shared suites cannot show: the processes see one queue, a message is taken once however
many consume it, a FIFO group and a redrive hold across processes, and the receipt handles'
secret is the same everywhere."""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from collections.abc import Iterator

import anyio
import pytest

from faaslib.clock import Clock, SystemClock
from faaslib.sources import Queue, ReceiptHandleIsInvalid
from faaslib.stores import RedisBackend
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


@pytest.fixture
def url(redis_url: str) -> str:
    """A fresh key prefix on the suite's Redis server."""
    return f"{redis_url}?prefix=h{uuid.uuid4().hex[:12]}"


class Process:
    """One process of the app: a backend of its own, connected while the test runs."""

    def __init__(self, url: str) -> None:
        self.backend = RedisBackend(url)

    def queue(self, name: str, clock: Clock, **settings: object) -> Queue:
        return Queue(name, clock, backend=self.backend, **settings)  # type: ignore[arg-type]


def processes(url: str, count: int, stack: list[RedisBackend]) -> list[Process]:
    made = [Process(url) for _ in range(count)]
    stack.extend(process.backend for process in made)
    return made


@pytest.fixture
def backends() -> Iterator[list[RedisBackend]]:
    opened: list[RedisBackend] = []
    yield opened
    for backend in opened:
        backend.close()


async def test_two_processes_share_messages_and_receipt_handles(
    url: str, backends: list[RedisBackend]
) -> None:
    clock = FakeClock()
    one, two = processes(url, 2, backends)
    first = one.queue("orders", clock)
    second = two.queue("orders", clock)
    sent = await first.send("hello", attributes={"kind": "greeting"})
    assert second.approximate_number_of_messages == 1
    [message] = await second.receive()
    assert (message.message_id, message.body) == (sent.message_id, "hello")
    assert message.message_attributes["kind"].string_value == "greeting"
    assert first.approximate_number_of_messages_not_visible == 1
    assert await first.delete(message.receipt_handle) is True  # issued by the other process
    assert await second.delete(message.receipt_handle) is False  # gone: accepted, no-op
    assert first.snapshot() == second.snapshot() == []
    assert (first.counters.sent, second.counters.received, first.counters.deleted) == (1, 1, 1)


async def test_the_secret_is_made_once_and_read_by_every_process(
    url: str, backends: list[RedisBackend]
) -> None:
    clock = FakeClock()
    one, two = processes(url, 2, backends)
    first = one.queue("orders", clock)
    await first.send("x")
    [message] = await first.receive()
    later = two.queue("orders", clock)  # opened after the first one made the secret
    assert later._remote is not None
    assert first._remote is not None
    assert later._remote._handles.key == first._remote._handles.key
    assert later._remote._handles.mask == first._remote._handles.mask
    await later.change_visibility(message.receipt_handle, 0)
    assert first.approximate_number_of_messages == 1
    other = processes(url.replace("?prefix=", "?prefix=o"), 1, backends)
    stranger = other[0].queue("orders", clock)  # another app: another secret
    with pytest.raises(ReceiptHandleIsInvalid, match="was not issued by this queue"):
        await stranger.delete(message.receipt_handle)


async def test_many_receivers_in_several_processes_take_each_message_once(
    url: str, backends: list[RedisBackend]
) -> None:
    clock = FakeClock()
    made = processes(url, 5, backends)
    queues = [process.queue("orders", clock) for process in made]
    for start in range(0, 500, 10):
        await queues[start % 5].send_batch(
            [{"id": str(n), "body": str(n)} for n in range(start, start + 10)]
        )
    taken: list[str] = []

    async def receiver(queue: Queue) -> None:
        while True:
            messages = await queue.receive(10, visibility_timeout=600)
            if not messages:
                return
            taken.extend(message.body for message in messages)

    async with contextlib.AsyncExitStack() as stack:
        for process in made:
            await stack.enter_async_context(process.backend.connected())
        async with anyio.create_task_group() as tasks:
            for number in range(50):  # 10 receivers in each process
                tasks.start_soon(receiver, queues[number % 5])
    assert len(taken) == 500
    assert Counter(taken) == Counter(str(n) for n in range(500))
    assert sum(queue.counters.received for queue in queues) == 500
    assert queues[0].approximate_number_of_messages_not_visible == 500


async def test_a_fifo_group_delivers_to_one_process_at_a_time(
    url: str, backends: list[RedisBackend]
) -> None:
    clock = FakeClock()
    one, two = processes(url, 2, backends)
    first = one.queue("orders.fifo", clock, fifo=True, content_based_deduplication=True)
    second = two.queue("orders.fifo", clock, fifo=True, content_based_deduplication=True)
    for body in ("a1", "a2", "a3"):
        await first.send(body, group_id="a")
    await second.send("b1", group_id="b")
    [head] = await first.receive()
    assert head.body == "a1"
    # The other process may not take a2 while a1 is in flight: it gets group b's head only.
    assert [message.body for message in await second.receive(10)] == ["b1"]
    assert await second.receive(10) == []
    await second.delete(head.receipt_handle)
    assert [message.body for message in await second.receive(10)] == ["a2", "a3"]
    # The deduplication window is shared too: a resend from either process is not enqueued.
    again = await first.send("a2", group_id="a")
    assert again.sequence_number is not None
    assert first.counters.deduplicated == 1
    assert second.approximate_number_of_messages == 0


async def test_a_redrive_from_two_processes_moves_each_message_once(
    url: str, backends: list[RedisBackend]
) -> None:
    clock = FakeClock()
    one, two = processes(url, 2, backends)
    pairs = []
    for process in (one, two):
        dead = process.queue("orders-dlq", clock)
        pairs.append((process.queue("orders", clock, redrive=(dead, 2)), dead))
    await pairs[0][0].send_batch([{"id": str(n), "body": str(n)} for n in range(10)])
    await pairs[0][0].send_batch([{"id": str(n), "body": str(n)} for n in range(10, 20)])

    async def consume(queue: Queue) -> None:
        while await queue.receive(10, visibility_timeout=0):
            pass  # never deleted: every message comes back until it is redriven

    async with contextlib.AsyncExitStack() as stack:
        for process in (one, two):
            await stack.enter_async_context(process.backend.connected())
        async with anyio.create_task_group() as tasks:
            for number in range(8):
                tasks.start_soon(consume, pairs[number % 2][0])
    redriven = sum(source.counters.redriven for source, _ in pairs)
    assert redriven == sum(dead.counters.dead_lettered for _, dead in pairs) == 20
    moved = await pairs[1][1].receive(10) + await pairs[1][1].receive(10)
    assert sorted(int(message.body) for message in moved) == list(range(20))
    for message in moved:
        assert message.attributes["DeadLetterQueueSourceArn"] == pairs[0][0].arn
        assert message.receive_count == 3  # two receives in the source queue, one here
    assert pairs[0][0].approximate_number_of_messages == 0


async def test_a_long_poll_wakes_for_a_message_another_process_sends(
    url: str, backends: list[RedisBackend]
) -> None:
    clock = SystemClock()
    one, two = processes(url, 2, backends)
    sender = one.queue("orders", clock)
    receiver = two.queue("orders", clock)
    received = []

    async def poll() -> None:
        received.extend(await receiver.receive(wait=5))

    with anyio.fail_after(3):  # the poll interval is 0.05 s, far under the 5 s wait
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(poll)
            await anyio.sleep(0.1)
            await sender.send("ping")
    assert [message.body for message in received] == ["ping"]
