"""The in-app SQS queue: SQS's semantics for sending, receiving, visibility, FIFO groups,
deduplication, redrive and retention, on a fake clock; records shaped as Lambda sends them; and
its async API: each call one checkpoint, a wait for work, the synchronous cores.

What it refuses is in test_queue_limits.py; random operations against a model in
test_queue_machine.py."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import anyio
import pytest

from faaslib import events
from faaslib.events import SQSEvent
from faaslib.sources import (
    BatchRejected,
    Message,
    MessageNotInflight,
    Queue,
    QueueError,
    ReceiptHandleIsInvalid,
)
from faaslib.testing import FakeClock, settle
from tests.events.corpus import CORPUS, needs_corpus
from tests.events.structure import matching_sample, shape

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]


async def receive_one(queue: Queue, **options: Any) -> Message:
    [message] = await queue.receive(**options)
    return message


def bodies(messages: list[Message]) -> list[str]:
    return [message.body for message in messages]


# -- send, receive, delete ---------------------------------------------------------------------


async def test_a_sent_message_is_received_once_and_deleted(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    sent = await queue.send({"order": 1}, attributes={"kind": "new"})
    message = await receive_one(queue)
    assert message.json() == {"order": 1}
    assert message.message_id == sent.message_id
    assert message.md5_of_body == sent.md5_of_body == hashlib.md5(b'{"order":1}').hexdigest()
    assert message.md5_of_message_attributes == sent.md5_of_message_attributes is not None
    assert sent.sequence_number is None
    assert message.receive_count == 1
    assert message.message_attributes["kind"].string_value == "new"
    assert message.attributes == {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1767225600000",
        "SenderId": "AIDAIENQZJOLO23YVJ4VO",
        "ApproximateFirstReceiveTimestamp": "1767225600000",
    }
    assert await queue.receive() == []  # in flight: hidden from other consumers
    assert await queue.delete(message.receipt_handle) is True
    await clock.advance(60)
    assert await queue.receive() == []
    assert queue.counters.sent == queue.counters.received == queue.counters.deleted == 1


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("plain text", "plain text"),
        ("héllo ✓".encode(), "héllo ✓"),
        ({"a": [1, 2.5, None]}, '{"a":[1,2.5,null]}'),
        (42, "42"),
    ],
    ids=["str", "bytes-as-utf8", "dict-as-json", "int-as-json"],
)
async def test_a_body_is_text_bytes_as_utf8_or_anything_else_as_json(
    clock: FakeClock, body: Any, text: str
) -> None:
    queue = Queue("bodies", clock)
    await queue.send(body)
    assert (await receive_one(queue)).body == text


async def test_receive_returns_at_most_max_messages(clock: FakeClock) -> None:
    queue = Queue("many", clock)
    for number in range(25):
        await queue.send(str(number))
    assert len(await queue.receive(10)) == 10
    assert len(await queue.receive(10)) == 10
    assert len(await queue.receive(10)) == 5
    assert queue.approximate_number_of_messages_not_visible == 25


async def test_every_receive_gets_a_new_receipt_handle(clock: FakeClock) -> None:
    queue = Queue("handles", clock, visibility_timeout=1)
    await queue.send("x")
    handles = set()
    for _ in range(5):
        message = await receive_one(queue)
        handles.add(message.receipt_handle)
        assert message.receipt_handle.startswith("AQEB")
        assert len(message.receipt_handle) == 132
        await clock.advance(1)
    assert len(handles) == 5


# -- visibility ----------------------------------------------------------------------------------


async def test_a_message_not_deleted_within_its_visibility_timeout_is_delivered_again(
    clock: FakeClock,
) -> None:
    queue = Queue("orders", clock, visibility_timeout=30)
    await queue.send("work")
    first = await receive_one(queue)
    await clock.advance(29.9)
    assert await queue.receive() == []
    await clock.advance(0.1)
    second = await receive_one(queue)
    assert second.message_id == first.message_id
    assert second.receive_count == 2
    assert second.attributes["ApproximateReceiveCount"] == "2"
    assert second.receipt_handle != first.receipt_handle
    # the first receive's time stays
    first_received = first.attributes["ApproximateFirstReceiveTimestamp"]
    assert second.attributes["ApproximateFirstReceiveTimestamp"] == first_received


async def test_receive_may_override_the_visibility_timeout(clock: FakeClock) -> None:
    queue = Queue("orders", clock, visibility_timeout=30)
    await queue.send("work")
    await queue.receive(visibility_timeout=5)
    await clock.advance(5)
    assert (await receive_one(queue)).receive_count == 2


async def test_change_visibility_zero_returns_a_message_at_once(clock: FakeClock) -> None:
    queue = Queue("orders", clock, visibility_timeout=300)
    await queue.send("work")
    message = await receive_one(queue)
    await queue.change_visibility(message.receipt_handle, 0)
    assert queue.approximate_number_of_messages == 1
    assert (await receive_one(queue)).receive_count == 2


async def test_change_visibility_hides_a_message_for_longer_from_now(clock: FakeClock) -> None:
    queue = Queue("orders", clock, visibility_timeout=30)
    await queue.send("work")
    message = await receive_one(queue)
    await clock.advance(20)
    await queue.change_visibility(message.receipt_handle, 60)
    await clock.advance(59)
    assert await queue.receive() == []
    await clock.advance(1)
    assert len(await queue.receive()) == 1


async def test_change_visibility_refuses_what_is_not_in_flight(clock: FakeClock) -> None:
    queue = Queue("orders", clock, visibility_timeout=30)
    await queue.send("work")
    first = await receive_one(queue)
    await clock.advance(30)
    with pytest.raises(MessageNotInflight, match="is not in flight: its visibility timeout"):
        await queue.change_visibility(first.receipt_handle, 10)
    second = await receive_one(queue)
    with pytest.raises(ReceiptHandleIsInvalid, match=r"not the latest .* received again since"):
        await queue.change_visibility(first.receipt_handle, 10)
    await clock.advance(1)
    with pytest.raises(QueueError, match=r"in flight 43,201 s after it was received, over the max"):
        await queue.change_visibility(second.receipt_handle, 43_200)
    await queue.delete(second.receipt_handle)
    with pytest.raises(MessageNotInflight, match="is no longer in the queue"):
        await queue.change_visibility(second.receipt_handle, 10)


# -- delete --------------------------------------------------------------------------------------


async def test_an_older_receipt_handle_is_accepted_but_deletes_nothing(clock: FakeClock) -> None:
    queue = Queue("orders", clock, visibility_timeout=10)
    await queue.send("work")
    first = await receive_one(queue)
    await clock.advance(10)
    second = await receive_one(queue)
    # as SQS documents: the call succeeds, and deletes nothing
    assert await queue.delete(first.receipt_handle) is False
    assert queue.approximate_number_of_messages_not_visible == 1
    assert await queue.delete(second.receipt_handle) is True
    assert await queue.delete(second.receipt_handle) is False  # already gone: accepted again
    assert queue.counters.deleted == 1


async def test_a_standard_queue_deletes_with_the_latest_handle_after_its_timeout(
    clock: FakeClock,
) -> None:
    queue = Queue("orders", clock, visibility_timeout=10)
    await queue.send("work")
    message = await receive_one(queue)
    await clock.advance(15)
    assert await queue.delete(message.receipt_handle) is True
    assert await queue.receive() == []


async def test_a_fifo_receipt_handle_expires_with_its_visibility_timeout(clock: FakeClock) -> None:
    queue = Queue("orders.fifo", clock, fifo=True, visibility_timeout=10)
    await queue.send("work", group_id="g", deduplication_id="1")
    message = await receive_one(queue)
    await clock.advance(10)
    with pytest.raises(ReceiptHandleIsInvalid, match="has expired: on a FIFO queue"):
        await queue.delete(message.receipt_handle)
    assert queue.approximate_number_of_messages == 1


@pytest.mark.parametrize(
    "handle",
    ["", "nonsense", "AQEB" + "A" * 128, "AQEB!!!"],
    ids=["empty", "not-a-handle", "wrong-key", "not-base64"],
)
async def test_a_handle_the_queue_never_issued_is_refused(clock: FakeClock, handle: str) -> None:
    queue = Queue("orders", clock)
    await queue.send("work")
    await queue.receive()
    with pytest.raises(ReceiptHandleIsInvalid, match="was not issued by this queue") as raised:
        await queue.delete(handle)
    assert raised.value.code == "ReceiptHandleIsInvalid"


async def test_a_handle_of_another_queue_is_refused(clock: FakeClock) -> None:
    one, other = Queue("one", clock), Queue("other", clock)
    await one.send("a")
    await other.send("b")
    message = await receive_one(one)
    await other.receive()
    with pytest.raises(ReceiptHandleIsInvalid, match="queue 'other'"):
        await other.delete(message.receipt_handle)


async def test_delete_batch_deletes_each_entry_and_reports_the_refused(clock: FakeClock) -> None:
    queue = Queue("orders.fifo", clock, fifo=True, content_based_deduplication=True)
    await queue.send("a", group_id="1")
    await queue.send("b", group_id="2")
    first, second = await queue.receive(10)
    result = await queue.delete_batch(
        {"a": first.receipt_handle, "b": second.receipt_handle, "c": "garbage"}
    )
    assert result.successful == ["a", "b"]
    assert list(result.failed) == ["c"]
    assert result.failed["c"].code == "ReceiptHandleIsInvalid"
    with pytest.raises(BatchRejected, match="11 entries, over the maximum of 10"):
        await queue.delete_batch({str(number): "x" for number in range(11)})


# -- delays, long polling, retention -------------------------------------------------------------


async def test_a_delayed_message_is_invisible_until_its_delay_passes(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    await queue.send("later", delay_seconds=10)
    await queue.send("now")
    assert bodies(await queue.receive(10)) == ["now"]
    assert queue.approximate_number_of_messages_delayed == 1
    await clock.advance(9.9)
    assert await queue.receive() == []
    await clock.advance(0.1)
    assert bodies(await queue.receive()) == ["later"]


async def test_the_queue_delay_applies_to_every_message(clock: FakeClock) -> None:
    queue = Queue("orders.fifo", clock, fifo=True, delay_seconds=5)
    await queue.send("a", group_id="g", deduplication_id="a")
    assert queue.approximate_number_of_messages_delayed == 1
    await clock.advance(5)
    assert bodies(await queue.receive()) == ["a"]


async def test_a_long_poll_returns_as_soon_as_a_message_arrives(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    received: list[list[Message]] = []

    async def poll() -> None:
        received.append(await queue.receive(10, wait=20))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(poll)
        await clock.advance(5)
        assert received == []
        await queue.send("hello")
        await clock.advance(0)
        assert [bodies(batch) for batch in received] == [["hello"]]
    assert clock.monotonic() == 5


async def test_a_long_poll_returns_nothing_after_its_wait(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    received: list[list[Message]] = []

    async def poll() -> None:
        received.append(await queue.receive(wait=10))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(poll)
        await clock.advance(9.99)
        assert received == []
        await clock.advance(0.01)
        assert received == [[]]
    assert queue.counters.empty_receives == 1


@pytest.mark.parametrize("how", ["delay", "visibility"])
async def test_a_long_poll_wakes_when_a_message_becomes_visible(clock: FakeClock, how: str) -> None:
    queue = Queue("orders", clock, visibility_timeout=7)
    if how == "delay":
        await queue.send("x", delay_seconds=7)
    else:
        await queue.send("x")
        await queue.receive()
    received: list[list[Message]] = []

    async def poll() -> None:
        received.append(await queue.receive(wait=20))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(poll)
        await clock.advance(6.9)
        assert received == []
        await clock.advance(0.1)
        assert [bodies(batch) for batch in received] == [["x"]]


async def test_a_long_poll_wakes_when_a_fifo_group_is_no_longer_blocked(
    clock: FakeClock,
) -> None:
    queue = fifo_queue(clock)
    await queue.send("first", group_id="g")
    await queue.send("second", group_id="g")
    first = await receive_one(queue)
    received: list[list[Message]] = []

    async def poll() -> None:
        received.append(await queue.receive(wait=20))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(poll)
        await clock.advance(3)
        assert received == []
        await queue.delete(first.receipt_handle)
        await clock.advance(0)
        assert [bodies(batch) for batch in received] == [["second"]]


async def test_several_long_polls_share_the_messages(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    received: list[str] = []

    async def poll() -> None:
        received.extend(bodies(await queue.receive(wait=20)))

    async with anyio.create_task_group() as tasks:
        for _ in range(3):
            tasks.start_soon(poll)
        await clock.advance(1)
        for body in "abc":
            await queue.send(body)
        await clock.advance(0)
    assert sorted(received) == ["a", "b", "c"]


async def test_a_message_older_than_the_retention_period_is_dropped(clock: FakeClock) -> None:
    queue = Queue("orders", clock, message_retention_period=60, visibility_timeout=600)
    await queue.send("in flight")
    await queue.receive()
    await clock.advance(30)
    await queue.send("visible")
    await clock.advance(30)  # the first one's time is up, in flight or not
    assert queue.approximate_number_of_messages_not_visible == 0
    assert queue.approximate_number_of_messages == 1
    await clock.advance(30)
    assert queue.approximate_number_of_messages == 0
    assert queue.counters.expired == 2
    assert await queue.receive() == []


async def test_purge_removes_every_message(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    await queue.send("a")
    await queue.send("b", delay_seconds=60)
    await queue.send("c")
    message = await receive_one(queue)
    assert await queue.purge() == 3
    assert queue.snapshot() == []
    assert await queue.delete(message.receipt_handle) is False
    await clock.advance(60)
    assert await queue.receive(10) == []
    assert queue.counters.purged == 3


# -- counts ---------------------------------------------------------------------------------------


async def test_counts_and_the_age_of_the_oldest_message(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    assert queue.approximate_age_of_oldest_message == 0.0
    await queue.send("first")
    await clock.advance(10)
    await queue.send("second")
    await queue.send("third", delay_seconds=60)
    await receive_one(queue)
    assert queue.approximate_number_of_messages == 1
    assert queue.approximate_number_of_messages_not_visible == 1
    assert queue.approximate_number_of_messages_delayed == 1
    await clock.advance(5)
    assert queue.approximate_age_of_oldest_message == 15
    assert [(item.body, item.state) for item in queue.snapshot()] == [
        ("first", "in_flight"),
        ("second", "visible"),
        ("third", "delayed"),
    ]


async def test_a_standard_queue_takes_a_group_id_as_a_fair_queue_does(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    await queue.send("x", group_id="tenant-1")
    message = await receive_one(queue)
    assert message.attributes["MessageGroupId"] == "tenant-1"
    assert "SequenceNumber" not in message.attributes


def test_the_arn_and_url_name_region_and_account(clock: FakeClock) -> None:
    queue = Queue("orders", clock, region="eu-west-1", account="111122223333")
    assert queue.arn == "arn:aws:sqs:eu-west-1:111122223333:orders"
    assert queue.url == "https://sqs.eu-west-1.amazonaws.com/111122223333/orders"


# -- FIFO -----------------------------------------------------------------------------------------


def fifo_queue(clock: FakeClock, **options: Any) -> Queue:
    return Queue("orders.fifo", clock, fifo=True, content_based_deduplication=True, **options)


async def test_a_fifo_group_is_delivered_in_order_one_batch_in_flight_at_a_time(
    clock: FakeClock,
) -> None:
    queue = fifo_queue(clock, visibility_timeout=30)
    for number in range(5):
        await queue.send(f"a{number}", group_id="a")
    await queue.send("b0", group_id="b")
    first = await queue.receive(3)
    assert bodies(first) == ["a0", "a1", "a2"]  # several of one group, in order
    assert bodies(await queue.receive(10)) == ["b0"]  # group a is blocked while in flight
    await queue.delete(first[0].receipt_handle)
    await queue.delete(first[1].receipt_handle)
    assert await queue.receive(10) == []  # a2 is still in flight
    await queue.delete(first[2].receipt_handle)
    assert bodies(await queue.receive(10)) == ["a3", "a4"]


async def test_a_fifo_message_back_from_flight_is_delivered_before_the_rest_of_its_group(
    clock: FakeClock,
) -> None:
    queue = fifo_queue(clock, visibility_timeout=30)
    for number in range(3):
        await queue.send(f"m{number}", group_id="g")
    first, second = await queue.receive(2)
    await queue.delete(first.receipt_handle)
    await queue.change_visibility(second.receipt_handle, 0)
    again = await queue.receive(10)
    assert bodies(again) == ["m1", "m2"]
    assert [message.receive_count for message in again] == [2, 1]


async def test_fifo_messages_carry_group_deduplication_id_and_sequence_number(
    clock: FakeClock,
) -> None:
    queue = Queue("orders.fifo", clock, fifo=True)
    sent = [await queue.send("x", group_id="g", deduplication_id=f"d{n}") for n in range(2)]
    messages = await queue.receive(2)
    numbers = [int(str(result.sequence_number)) for result in sent]
    assert numbers[0] < numbers[1]
    assert messages[0].attributes["SequenceNumber"] == sent[0].sequence_number
    assert messages[0].attributes["MessageGroupId"] == "g"
    assert messages[1].attributes["MessageDeduplicationId"] == "d1"


async def test_a_fifo_resend_within_five_minutes_is_accepted_but_not_enqueued(
    clock: FakeClock,
) -> None:
    queue = Queue("orders.fifo", clock, fifo=True)
    original = await queue.send("pay", group_id="g", deduplication_id="payment-1")
    message = await receive_one(queue)
    await queue.delete(message.receipt_handle)
    await clock.advance(299)
    again = await queue.send("pay", group_id="g", deduplication_id="payment-1")
    assert again.message_id == original.message_id
    assert again.sequence_number == original.sequence_number
    assert await queue.receive() == []
    assert queue.counters.deduplicated == 1
    await clock.advance(1)  # five minutes after the first send
    later = await queue.send("pay", group_id="g", deduplication_id="payment-1")
    assert later.message_id != original.message_id
    assert bodies(await queue.receive()) == ["pay"]


async def test_content_based_deduplication_uses_the_sha256_of_the_body(clock: FakeClock) -> None:
    queue = fifo_queue(clock)
    first = await queue.send("same", group_id="a")
    assert (await queue.send("same", group_id="b")).message_id == first.message_id
    assert (await queue.send("other", group_id="a")).message_id != first.message_id
    explicit = await queue.send("same", group_id="a", deduplication_id="own")  # an id wins
    assert explicit.message_id != first.message_id
    message = await receive_one(queue)
    expected = hashlib.sha256(b"same").hexdigest()
    assert message.attributes["MessageDeduplicationId"] == expected
    assert queue.approximate_number_of_messages + 1 == 3


# -- redrive --------------------------------------------------------------------------------------


async def test_a_message_received_max_receive_count_times_moves_to_the_dead_letter_queue(
    clock: FakeClock,
) -> None:
    dead_letters = Queue("orders-dlq", clock)
    queue = Queue("orders", clock, visibility_timeout=10, redrive=(dead_letters, 2))
    sent = await queue.send("poison", attributes={"trace": "t-1"})
    for count in (1, 2):
        assert (await receive_one(queue)).receive_count == count
        await clock.advance(10)
    assert await queue.receive() == []  # the third receive moves it instead
    assert queue.counters.redriven == 1
    assert dead_letters.counters.dead_lettered == 1
    moved = await receive_one(dead_letters)
    assert moved.message_id == sent.message_id
    assert moved.body == "poison"
    assert moved.message_attributes["trace"].string_value == "t-1"
    assert moved.md5_of_message_attributes == sent.md5_of_message_attributes
    assert moved.attributes["DeadLetterQueueSourceArn"] == queue.arn
    assert moved.receive_count == 3  # SQS keeps the count
    assert moved.to_record().event_source_arn == dead_letters.arn


async def test_a_fifo_redrive_lets_the_rest_of_the_group_go_on_in_order(clock: FakeClock) -> None:
    dead_letters = Queue("orders-dlq.fifo", clock, fifo=True)
    queue = fifo_queue(clock, visibility_timeout=10, redrive=(dead_letters, 1))
    for body in ("m0", "m1", "m2"):
        await queue.send(body, group_id="g")
    await queue.receive()  # m0, never deleted
    await clock.advance(10)
    assert bodies(await queue.receive(10)) == ["m1", "m2"]
    assert bodies(await dead_letters.receive()) == ["m0"]


async def test_retention_in_the_dead_letter_queue_counts_as_sqs_counts_it(
    clock: FakeClock,
) -> None:
    """Standard: from the first enqueue; FIFO: from the move."""
    for fifo in (False, True):
        suffix = ".fifo" if fifo else ""
        dead_letters = Queue(f"dlq{suffix}", clock, fifo=fifo, message_retention_period=100)
        queue = Queue(
            f"src{suffix}",
            clock,
            fifo=fifo,
            content_based_deduplication=fifo,
            visibility_timeout=60,
            redrive=(dead_letters, 1),
        )
        await queue.send("x", group_id="g" if fifo else None)
        await queue.receive()
        await clock.advance(60)
        await queue.receive()  # moved, 60 s after it was sent
        await clock.advance(40)
        assert dead_letters.approximate_number_of_messages == (1 if fifo else 0)
        assert dead_letters.approximate_age_of_oldest_message == (40 if fifo else 0)


# -- Lambda's record -----------------------------------------------------------------------------


def corpus_samples(*paths: str) -> list[Any]:
    return [events.parse(json.loads((CORPUS / path).read_text()), type=SQSEvent) for path in paths]


async def test_a_record_decodes_as_an_sqs_event(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    await queue.send({"id": 1}, attributes={"s": "v", "n": 1.5, "b": b"\x00\x01"})
    record = (await receive_one(queue)).to_record()
    raw = json.dumps({"Records": [events.dump(record)]})
    decoded = events.parse(raw)
    assert isinstance(decoded, SQSEvent)
    assert decoded.records == [record]
    assert decoded.records[0].json() == {"id": 1}
    assert record.event_source == "aws:sqs"
    assert record.aws_region == "us-east-1"
    attribute = record.message_attributes["b"]  # type: ignore[index]
    assert (attribute.data_type, attribute.binary_value) == ("Binary", "AAE=")
    assert attribute.string_list_values == attribute.binary_list_values == []


@needs_corpus
async def test_a_record_is_shaped_like_lambdas_sqs_event(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    await queue.send("Message Body", attributes={"Attribute1": "value", "Attribute3": b"1100"})
    record = (await receive_one(queue)).to_record()
    built = SQSEvent(records=[record])
    samples = corpus_samples("aws-lambda-go/sqs-event.json")
    assert matching_sample(built, samples), sorted(shape(built) ^ shape(samples[0]))


@needs_corpus
async def test_a_dead_letter_record_is_shaped_like_lambdas(clock: FakeClock) -> None:
    dead_letters = Queue("orders-dlq", clock)
    queue = Queue("orders", clock, visibility_timeout=1, redrive=(dead_letters, 1))
    await queue.send("hello world")
    await queue.receive()
    await clock.advance(1)
    await queue.receive()
    record = (await receive_one(dead_letters)).to_record()
    built = SQSEvent(records=[record])
    samples = corpus_samples("powertools/sqsDlqTriggerEvent.json")
    assert matching_sample(built, samples), sorted(shape(built) ^ shape(samples[0]))
    assert list(record.attributes) == list(samples[0].records[0].attributes)  # type: ignore[arg-type]


@needs_corpus
async def test_a_fifo_record_is_shaped_like_lambdas(clock: FakeClock) -> None:
    queue = fifo_queue(clock)
    await queue.send("hello", group_id="powertools-test")
    record = (await receive_one(queue)).to_record()
    samples = corpus_samples("powertools/snsSqsFifoEvent.json")
    assert matching_sample(SQSEvent(records=[record]), samples)
    assert sorted(record.attributes) == sorted(samples[0].records[0].attributes)  # type: ignore[arg-type]


# -- the async API -------------------------------------------------------------------------------


async def operate(queue: Queue, operation: str, handle: str) -> object:
    calls = {
        "send": lambda: queue.send("new"),
        "send_batch": lambda: queue.send_batch([{"id": "a", "body": "new"}]),
        "receive": lambda: queue.receive(10),
        "delete": lambda: queue.delete(handle),
        "delete_batch": lambda: queue.delete_batch({"a": handle}),
        "change_visibility": lambda: queue.change_visibility(handle, 0),
        "purge": lambda: queue.purge(),
    }
    return await calls[operation]()


OPERATIONS = ["send", "send_batch", "receive", "delete", "delete_batch", "change_visibility"]


@pytest.mark.parametrize("operation", [*OPERATIONS, "purge"])
async def test_a_call_cancelled_before_it_runs_changes_nothing(
    clock: FakeClock, operation: str
) -> None:
    """Each call is one checkpoint that sees a cancellation before its work, never after: a
    cancelled send did not send, so the caller may safely send again."""
    queue = Queue("orders", clock)
    await queue.send("old")
    await queue.send("waiting")
    [message] = await queue.receive()
    before = (queue.snapshot(), queue.counters)
    with anyio.CancelScope() as scope:
        scope.cancel()
        await operate(queue, operation, message.receipt_handle)
    assert scope.cancelled_caught
    assert (queue.snapshot(), queue.counters) == before


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # trio runs ready tasks in random order
@pytest.mark.parametrize("operation", OPERATIONS)
async def test_each_call_lets_other_tasks_run(clock: FakeClock, operation: str) -> None:
    """Each call is a schedule point (anyio's convention for an async call), so a producer
    sending in a loop does not starve the app's other tasks."""
    queue = Queue("orders", clock)
    await queue.send("old")
    [message] = await queue.receive()
    ran: list[str] = []

    async def other() -> None:
        ran.append("other")

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(other)
        await settle()  # `other` is done: nothing else is runnable
        ran.clear()
        tasks.start_soon(other)
        await operate(queue, operation, message.receipt_handle)
        assert ran == ["other"]


async def test_a_cancelled_long_poll_takes_nothing(clock: FakeClock) -> None:
    queue = Queue("orders", clock, delay_seconds=5)
    await queue.send("later")

    async def poll() -> None:
        await queue.receive(10, wait=20)
        pytest.fail("the long poll was not cancelled")

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(poll)
        await clock.advance(1)
        tasks.cancel_scope.cancel()
    await clock.advance(4)
    assert bodies(await queue.receive()) == ["later"]
    assert queue.counters.received == 1


async def test_the_synchronous_cores_do_the_same_without_awaiting(clock: FakeClock) -> None:
    """What faaslib's own modules call (the event source mapping) where no checkpoint is due."""
    queue = Queue("orders", clock, visibility_timeout=30)
    if queue._remote is not None:
        pytest.skip("on Redis every queue operation is awaited: there are no synchronous cores")
    sent = queue._send_now({"id": 1}, attributes={"kind": "new"})
    assert queue._receive_now(visibility_timeout=5)[0].message_id == sent.message_id
    assert queue._receive_now() == []
    assert queue.counters.empty_receives == 1
    await clock.advance(5)
    [again] = queue._receive_now(10)
    assert again.receive_count == 2
    queue._change_visibility_now(again.receipt_handle, 0)
    [third] = queue._receive_now()
    assert queue._delete_now(again.receipt_handle) is False  # an older handle
    assert queue._delete_now(third.receipt_handle) is True
    assert queue.snapshot() == []
    with pytest.raises(QueueError, match="max_messages=11 is above the maximum of 10"):
        queue._receive_now(11)


async def waiter(queue: Queue, woke: list[float], clock: FakeClock) -> None:
    await queue.wait_for_messages()
    woke.append(clock.monotonic())


async def test_wait_for_messages_returns_at_once_when_a_message_is_visible(
    clock: FakeClock,
) -> None:
    queue = Queue("orders", clock)
    await queue.send("x")
    await queue.wait_for_messages()
    assert queue.approximate_number_of_messages == 1  # nothing received
    assert (await receive_one(queue)).receive_count == 1


@pytest.mark.parametrize("how", ["send", "delay", "visibility", "fifo-group"])
async def test_wait_for_messages_wakes_when_a_receive_would_find_a_message(
    clock: FakeClock, how: str
) -> None:
    queue = fifo_queue(clock) if how == "fifo-group" else Queue("orders", clock)
    if how == "delay":
        await queue.send("x", delay_seconds=7)
    elif how == "visibility":
        await queue.send("x")
        await queue.receive(visibility_timeout=7)
    elif how == "fifo-group":  # visible, but behind one in flight in its group
        await queue.send("first", group_id="g")
        await queue.send("second", group_id="g")
        first = await receive_one(queue)
        assert queue.approximate_number_of_messages == 1
    woke: list[float] = []
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(waiter, queue, woke, clock)
        await clock.advance(6.9)
        assert woke == []
        if how == "send":
            await queue.send("x")
        elif how == "fifo-group":
            await queue.delete(first.receipt_handle)
        await clock.advance(0.1)
        assert woke == [6.9 if how in ("send", "fifo-group") else 7.0]
    assert queue.approximate_number_of_messages == 1


async def test_wait_for_messages_waits_as_long_as_there_is_no_work(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    woke: list[float] = []
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(waiter, queue, woke, clock)
        await clock.advance(3_600)
        assert woke == []
        tasks.cancel_scope.cancel()
    assert woke == []
