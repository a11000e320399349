"""The in-app SQS queue: SQS's semantics for sending, receiving, visibility, FIFO groups,
deduplication, redrive and retention, on a fake clock; records shaped as Lambda sends them."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any

import anyio
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

from faaslib import ConfigurationError, events
from faaslib.events import SQSEvent
from faaslib.sources import (
    BatchEntry,
    BatchRejected,
    Message,
    MessageNotInflight,
    MessageRejected,
    Queue,
    QueuedMessage,
    QueueError,
    ReceiptHandleIsInvalid,
)
from faaslib.testing import FakeClock
from tests.events.corpus import CORPUS, needs_corpus
from tests.events.structure import matching_sample, shape

pytestmark = pytest.mark.anyio


async def receive_one(queue: Queue, **options: Any) -> Message:
    [message] = await queue.receive(**options)
    return message


def bodies(messages: list[Message]) -> list[str]:
    return [message.body for message in messages]


# -- send, receive, delete ---------------------------------------------------------------------


async def test_a_sent_message_is_received_once_and_deleted(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    sent = queue.send({"order": 1}, attributes={"kind": "new"})
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
    assert queue.delete(message.receipt_handle) is True
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
    queue.send(body)
    assert (await receive_one(queue)).body == text


async def test_receive_returns_at_most_max_messages(clock: FakeClock) -> None:
    queue = Queue("many", clock)
    for number in range(25):
        queue.send(str(number))
    assert len(await queue.receive(10)) == 10
    assert len(await queue.receive(10)) == 10
    assert len(await queue.receive(10)) == 5
    assert queue.approximate_number_of_messages_not_visible == 25


async def test_every_receive_gets_a_new_receipt_handle(clock: FakeClock) -> None:
    queue = Queue("handles", clock, visibility_timeout=1)
    queue.send("x")
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
    queue.send("work")
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
    queue.send("work")
    await queue.receive(visibility_timeout=5)
    await clock.advance(5)
    assert (await receive_one(queue)).receive_count == 2


async def test_change_visibility_zero_returns_a_message_at_once(clock: FakeClock) -> None:
    queue = Queue("orders", clock, visibility_timeout=300)
    queue.send("work")
    message = await receive_one(queue)
    queue.change_visibility(message.receipt_handle, 0)
    assert queue.approximate_number_of_messages == 1
    assert (await receive_one(queue)).receive_count == 2


async def test_change_visibility_hides_a_message_for_longer_from_now(clock: FakeClock) -> None:
    queue = Queue("orders", clock, visibility_timeout=30)
    queue.send("work")
    message = await receive_one(queue)
    await clock.advance(20)
    queue.change_visibility(message.receipt_handle, 60)
    await clock.advance(59)
    assert await queue.receive() == []
    await clock.advance(1)
    assert len(await queue.receive()) == 1


async def test_change_visibility_refuses_what_is_not_in_flight(clock: FakeClock) -> None:
    queue = Queue("orders", clock, visibility_timeout=30)
    queue.send("work")
    first = await receive_one(queue)
    await clock.advance(30)
    with pytest.raises(MessageNotInflight, match="is not in flight: its visibility timeout"):
        queue.change_visibility(first.receipt_handle, 10)
    second = await receive_one(queue)
    with pytest.raises(ReceiptHandleIsInvalid, match=r"not the latest .* received again since"):
        queue.change_visibility(first.receipt_handle, 10)
    await clock.advance(1)
    with pytest.raises(QueueError, match=r"in flight 43,201 s after it was received, over the max"):
        queue.change_visibility(second.receipt_handle, 43_200)
    queue.delete(second.receipt_handle)
    with pytest.raises(MessageNotInflight, match="is no longer in the queue"):
        queue.change_visibility(second.receipt_handle, 10)


# -- delete --------------------------------------------------------------------------------------


async def test_an_older_receipt_handle_is_accepted_but_deletes_nothing(clock: FakeClock) -> None:
    queue = Queue("orders", clock, visibility_timeout=10)
    queue.send("work")
    first = await receive_one(queue)
    await clock.advance(10)
    second = await receive_one(queue)
    assert queue.delete(first.receipt_handle) is False  # as SQS documents: succeeds, not deleted
    assert queue.approximate_number_of_messages_not_visible == 1
    assert queue.delete(second.receipt_handle) is True
    assert queue.delete(second.receipt_handle) is False  # already gone: accepted again
    assert queue.counters.deleted == 1


async def test_a_standard_queue_deletes_with_the_latest_handle_after_its_timeout(
    clock: FakeClock,
) -> None:
    queue = Queue("orders", clock, visibility_timeout=10)
    queue.send("work")
    message = await receive_one(queue)
    await clock.advance(15)
    assert queue.delete(message.receipt_handle) is True
    assert await queue.receive() == []


async def test_a_fifo_receipt_handle_expires_with_its_visibility_timeout(clock: FakeClock) -> None:
    queue = Queue("orders.fifo", clock, fifo=True, visibility_timeout=10)
    queue.send("work", group_id="g", deduplication_id="1")
    message = await receive_one(queue)
    await clock.advance(10)
    with pytest.raises(ReceiptHandleIsInvalid, match="has expired: on a FIFO queue"):
        queue.delete(message.receipt_handle)
    assert queue.approximate_number_of_messages == 1


@pytest.mark.parametrize(
    "handle",
    ["", "nonsense", "AQEB" + "A" * 128, "AQEB!!!"],
    ids=["empty", "not-a-handle", "wrong-key", "not-base64"],
)
async def test_a_handle_the_queue_never_issued_is_refused(clock: FakeClock, handle: str) -> None:
    queue = Queue("orders", clock)
    queue.send("work")
    await queue.receive()
    with pytest.raises(ReceiptHandleIsInvalid, match="was not issued by this queue") as raised:
        queue.delete(handle)
    assert raised.value.code == "ReceiptHandleIsInvalid"


async def test_a_handle_of_another_queue_is_refused(clock: FakeClock) -> None:
    one, other = Queue("one", clock), Queue("other", clock)
    one.send("a")
    other.send("b")
    message = await receive_one(one)
    await other.receive()
    with pytest.raises(ReceiptHandleIsInvalid, match="queue 'other'"):
        other.delete(message.receipt_handle)


async def test_delete_batch_deletes_each_entry_and_reports_the_refused(clock: FakeClock) -> None:
    queue = Queue("orders.fifo", clock, fifo=True, content_based_deduplication=True)
    queue.send("a", group_id="1")
    queue.send("b", group_id="2")
    first, second = await queue.receive(10)
    result = queue.delete_batch(
        {"a": first.receipt_handle, "b": second.receipt_handle, "c": "garbage"}
    )
    assert result.successful == ["a", "b"]
    assert list(result.failed) == ["c"]
    assert result.failed["c"].code == "ReceiptHandleIsInvalid"
    with pytest.raises(BatchRejected, match="11 entries, over the maximum of 10"):
        queue.delete_batch({str(number): "x" for number in range(11)})


# -- delays, long polling, retention -------------------------------------------------------------


async def test_a_delayed_message_is_invisible_until_its_delay_passes(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    queue.send("later", delay_seconds=10)
    queue.send("now")
    assert bodies(await queue.receive(10)) == ["now"]
    assert queue.approximate_number_of_messages_delayed == 1
    await clock.advance(9.9)
    assert await queue.receive() == []
    await clock.advance(0.1)
    assert bodies(await queue.receive()) == ["later"]


async def test_the_queue_delay_applies_to_every_message(clock: FakeClock) -> None:
    queue = Queue("orders.fifo", clock, fifo=True, delay_seconds=5)
    queue.send("a", group_id="g", deduplication_id="a")
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
        queue.send("hello")
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
        queue.send("x", delay_seconds=7)
    else:
        queue.send("x")
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
    queue.send("first", group_id="g")
    queue.send("second", group_id="g")
    first = await receive_one(queue)
    received: list[list[Message]] = []

    async def poll() -> None:
        received.append(await queue.receive(wait=20))

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(poll)
        await clock.advance(3)
        assert received == []
        queue.delete(first.receipt_handle)
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
            queue.send(body)
        await clock.advance(0)
    assert sorted(received) == ["a", "b", "c"]


async def test_a_message_older_than_the_retention_period_is_dropped(clock: FakeClock) -> None:
    queue = Queue("orders", clock, message_retention_period=60, visibility_timeout=600)
    queue.send("in flight")
    await queue.receive()
    await clock.advance(30)
    queue.send("visible")
    await clock.advance(30)  # the first one's time is up, in flight or not
    assert queue.approximate_number_of_messages_not_visible == 0
    assert queue.approximate_number_of_messages == 1
    await clock.advance(30)
    assert queue.approximate_number_of_messages == 0
    assert queue.counters.expired == 2
    assert await queue.receive() == []


async def test_purge_removes_every_message(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    queue.send("a")
    queue.send("b", delay_seconds=60)
    queue.send("c")
    message = await receive_one(queue)
    assert queue.purge() == 3
    assert queue.snapshot() == []
    assert queue.delete(message.receipt_handle) is False
    await clock.advance(60)
    assert await queue.receive(10) == []
    assert queue.counters.purged == 3


# -- counts ---------------------------------------------------------------------------------------


async def test_counts_and_the_age_of_the_oldest_message(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    assert queue.approximate_age_of_oldest_message == 0.0
    queue.send("first")
    await clock.advance(10)
    queue.send("second")
    queue.send("third", delay_seconds=60)
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
    queue.send("x", group_id="tenant-1")
    message = await receive_one(queue)
    assert message.attributes["MessageGroupId"] == "tenant-1"
    assert "SequenceNumber" not in message.attributes


def test_the_arn_and_url_name_region_and_account(clock: FakeClock) -> None:
    queue = Queue("orders", clock, region="eu-west-1", account="111122223333")
    assert queue.arn == "arn:aws:sqs:eu-west-1:111122223333:orders"
    assert queue.url == "https://sqs.eu-west-1.amazonaws.com/111122223333/orders"


# -- limits ---------------------------------------------------------------------------------------

STANDARD: dict[str, Any] = {}
FIFO: dict[str, Any] = {"fifo": True}
LIMITS: list[tuple[str, dict[str, Any], dict[str, Any], str, str]] = [
    # (id, queue options, send arguments, SQS's code, message)
    (
        "body-over-256KiB",
        STANDARD,
        {"body": "x" * 262_145},
        "InvalidParameterValue",
        r"the message is 262,145 bytes .* over the maximum_message_size of 262,144 bytes",
    ),
    (
        "attributes-count-toward-the-size",
        STANDARD,
        {"body": "x" * 262_130, "attributes": {"name": "0123456789"}},
        "InvalidParameterValue",
        r"262,150 bytes \(body and message attributes\), over the maximum_message_size",
    ),
    (
        "body-over-a-smaller-maximum",
        {"maximum_message_size": 1024},
        {"body": "x" * 1025},
        "InvalidParameterValue",
        r"1,025 bytes .* over the maximum_message_size of 1,024 bytes",
    ),
    ("empty-body", STANDARD, {"body": ""}, "MissingParameter", "body is empty"),
    (
        "forbidden-character",
        STANDARD,
        {"body": "a\x00b"},
        "InvalidMessageContents",
        "body has the character U\\+0000 at position 1, which SQS does not allow",
    ),
    (
        "invalid-utf8",
        STANDARD,
        {"body": b"\xff"},
        "InvalidMessageContents",
        "body is not valid UTF-8",
    ),
    (
        "body-not-json",
        STANDARD,
        {"body": object()},
        "InvalidParameterValue",
        "body of type object cannot be sent as JSON",
    ),
    (
        "delay-over-900",
        STANDARD,
        {"body": "x", "delay_seconds": 901},
        "InvalidParameterValue",
        "delay_seconds=901 is above the maximum of 900 s",
    ),
    (
        "negative-delay",
        STANDARD,
        {"body": "x", "delay_seconds": -1},
        "InvalidParameterValue",
        "delay_seconds=-1 is below the minimum of 0 s",
    ),
    (
        "eleven-attributes",
        STANDARD,
        {"body": "x", "attributes": {f"a{number}": "v" for number in range(11)}},
        "InvalidParameterValue",
        "attributes has 11 message attributes, over the maximum of 10",
    ),
    (
        "attribute-name",
        STANDARD,
        {"body": "x", "attributes": {"bad name": "v"}},
        "InvalidParameterValue",
        "the name 'bad name' is not 1 to 256 letters",
    ),
    (
        "reserved-attribute-name",
        STANDARD,
        {"body": "x", "attributes": {"AWS.trace": "v"}},
        "InvalidParameterValue",
        "the name 'AWS.trace' uses a prefix reserved for AWS",
    ),
    (
        "empty-attribute",
        STANDARD,
        {"body": "x", "attributes": {"note": ""}},
        "InvalidParameterValue",
        r"attributes\['note'\] is empty; a String attribute needs a value",
    ),
    (
        "bool-attribute",
        STANDARD,
        {"body": "x", "attributes": {"flag": True}},
        "InvalidParameterValue",
        r"attributes\['flag'\]=True is a bool; a message attribute is a str",
    ),
    (
        "infinite-attribute",
        STANDARD,
        {"body": "x", "attributes": {"n": float("inf")}},
        "InvalidParameterValue",
        r"attributes\['n'\]=inf is not a number SQS can hold",
    ),
    (
        "deduplication-id-on-standard",
        STANDARD,
        {"body": "x", "deduplication_id": "1"},
        "InvalidParameterValue",
        "deduplication_id is only for FIFO queues",
    ),
    (
        "fifo-without-group",
        FIFO,
        {"body": "x", "deduplication_id": "1"},
        "MissingParameter",
        "group_id is required on a FIFO queue",
    ),
    (
        "fifo-without-deduplication-id",
        FIFO,
        {"body": "x", "group_id": "g"},
        "MissingParameter",
        "deduplication_id is required: the queue has no content_based_deduplication",
    ),
    (
        "fifo-per-message-delay",
        FIFO,
        {"body": "x", "group_id": "g", "deduplication_id": "1", "delay_seconds": 5},
        "InvalidParameterValue",
        "delay_seconds=5 per message is not allowed on a FIFO queue",
    ),
    (
        "group-id-too-long",
        FIFO,
        {"body": "x", "group_id": "g" * 129, "deduplication_id": "1"},
        "InvalidParameterValue",
        "group_id='g{129}' is not 1 to 128 letters, digits or punctuation marks",
    ),
]


@pytest.mark.parametrize(
    ("options", "arguments", "code", "message"),
    [case[1:] for case in LIMITS],
    ids=[case[0] for case in LIMITS],
)
def test_send_refuses_what_sqs_refuses_naming_field_value_and_limit(
    clock: FakeClock, options: dict[str, Any], arguments: dict[str, Any], code: str, message: str
) -> None:
    name = "orders.fifo" if options.get("fifo") else "orders"
    queue = Queue(name, clock, **options)
    with pytest.raises(MessageRejected, match=f"^queue '{name}': .*{message}") as raised:
        queue.send(**arguments)
    assert raised.value.code == code
    assert queue.snapshot() == []


@pytest.mark.parametrize(
    ("size", "accepted"),
    [(262_144, True), (262_145, False), (1_048_576, True), (1_048_577, False)],
)
def test_the_size_limit_is_inclusive(clock: FakeClock, size: int, accepted: bool) -> None:
    maximum = 262_144 if size <= 262_145 else 1_048_576
    queue = Queue("sizes", clock, maximum_message_size=maximum)
    if accepted:
        queue.send("x" * size)
    else:
        with pytest.raises(MessageRejected):
            queue.send("x" * size)


RECEIVE_LIMITS = [
    ({"max_messages": 0}, "max_messages=0 is below the minimum of 1"),
    ({"max_messages": 11}, "max_messages=11 is above the maximum of 10"),
    ({"max_messages": 2.5}, "max_messages=2.5 is not a whole number"),
    ({"wait": 21}, "wait=21 is above the maximum of 20 s"),
    ({"visibility_timeout": 43_201}, "visibility_timeout=43201 is above the maximum of 43,200 s"),
]


@pytest.mark.parametrize(
    ("arguments", "message"), RECEIVE_LIMITS, ids=[m.split()[0] for _, m in RECEIVE_LIMITS]
)
async def test_receive_refuses_arguments_out_of_range(
    clock: FakeClock, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(QueueError, match=f"^queue 'orders': {message}$"):
        await Queue("orders", clock).receive(**arguments)


CONFIGURATION = [
    ({"name": "bad name"}, "the name must have 1 to 80 characters"),
    ({"name": "x" * 81}, "the name must have 1 to 80 characters"),
    ({"name": "orders", "fifo": True}, "the name must end in '.fifo'"),
    ({"name": "orders.fifo"}, "must not end in '.fifo' unless fifo=True"),
    ({"visibility_timeout": 43_201}, "visibility_timeout=43201 is above the maximum of 43,200 s"),
    ({"delay_seconds": 901}, "delay_seconds=901 is above the maximum of 900 s"),
    ({"message_retention_period": 59}, "message_retention_period=59 is below the minimum of 60"),
    ({"message_retention_period": 1_209_601}, "above the maximum of 1,209,600 s"),
    ({"maximum_message_size": 1023}, "maximum_message_size=1023 is below the minimum of 1,024"),
    ({"maximum_message_size": 1_048_577}, "is above the maximum of 1,048,576 bytes"),
    ({"content_based_deduplication": True}, "content_based_deduplication is only for FIFO"),
    ({"redrive": ("dlq", 3)}, "the redrive target 'dlq' is not another Queue"),
    ({"redrive": "dlq"}, "is not \\(dead_letter_queue, max_receive_count\\)"),
    ({"redrive": (None, 0)}, "the redrive target None is not another Queue"),
]


@pytest.mark.parametrize(
    ("options", "message"), CONFIGURATION, ids=[str(options) for options, _ in CONFIGURATION]
)
def test_a_queue_configured_out_of_range_is_refused(
    clock: FakeClock, options: dict[str, Any], message: str
) -> None:
    options = {"name": "orders", **options}
    with pytest.raises(ConfigurationError, match=message):
        Queue(clock=clock, **options)


@pytest.mark.parametrize(
    ("dead_letter", "max_receive_count", "message"),
    [
        ("standard", 0, "max_receive_count=0 is below the minimum of 1"),
        ("standard", 1001, "max_receive_count=1001 is above the maximum of 1,000"),
        ("fifo", 3, "the dead-letter queue 'dlq.fifo' must be standard like its source queue"),
        ("elsewhere", 3, "must be in the same region and account"),
    ],
)
def test_a_redrive_policy_sqs_would_refuse_is_refused(
    clock: FakeClock, dead_letter: str, max_receive_count: int, message: str
) -> None:
    target = {
        "standard": lambda: Queue("dlq", clock),
        "fifo": lambda: Queue("dlq.fifo", clock, fifo=True),
        "elsewhere": lambda: Queue("dlq", clock, region="eu-west-1"),
    }[dead_letter]()
    with pytest.raises(ConfigurationError, match=message):
        Queue("orders", clock, redrive=(target, max_receive_count))


# -- batches --------------------------------------------------------------------------------------


async def test_one_bad_entry_does_not_stop_the_rest_of_a_batch(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    result = queue.send_batch(
        [
            BatchEntry(id="ok-1", body="one"),
            {"id": "empty", "body": ""},
            BatchEntry(id="slow", body="two", delay_seconds=901),
            {"id": "ok-2", "body": {"n": 2}, "attributes": {"n": 2}},
        ]
    )
    assert list(result.successful) == ["ok-1", "ok-2"]
    assert result.failed["empty"].code == "MissingParameter"
    assert "delay_seconds=901 is above the maximum of 900 s" in result.failed["slow"].message
    assert result.failed["slow"].sender_fault is True
    received = await queue.receive(10)
    assert bodies(received) == ["one", '{"n":2}']
    assert [message.message_id for message in received] == [
        result.successful["ok-1"].message_id,
        result.successful["ok-2"].message_id,
    ]


BATCH_LIMITS: list[tuple[str, Callable[[], list[Any]], str, str]] = [
    ("empty", list, "EmptyBatchRequest", "the batch has no entries"),
    (
        "eleven-entries",
        lambda: [BatchEntry(id=str(number), body="x") for number in range(11)],
        "TooManyEntriesInBatchRequest",
        "the batch has 11 entries, over the maximum of 10",
    ),
    (
        "repeated-ids",
        lambda: [BatchEntry(id="a", body="x"), BatchEntry(id="a", body="y")],
        "BatchEntryIdsNotDistinct",
        r"the entry ids \['a'\] appear more than once",
    ),
    (
        "malformed-id",
        lambda: [BatchEntry(id="a b", body="x")],
        "InvalidBatchEntryId",
        "the entry id 'a b' is not 1 to 80 letters",
    ),
    (
        "over-256KiB-in-all",
        lambda: [BatchEntry(id=str(number), body="x" * 100_000) for number in range(3)],
        "BatchRequestTooLong",
        "the batch carries 300,000 bytes in all, over the limit of 262,144 bytes",
    ),
]


@pytest.mark.parametrize(
    ("entries", "code", "message"),
    [case[1:] for case in BATCH_LIMITS],
    ids=[case[0] for case in BATCH_LIMITS],
)
def test_a_batch_sqs_would_refuse_is_refused_whole(
    clock: FakeClock, entries: Callable[[], list[Any]], code: str, message: str
) -> None:
    queue = Queue("orders", clock)
    with pytest.raises(BatchRejected, match=message) as raised:
        queue.send_batch(entries())
    assert raised.value.code == code
    assert queue.snapshot() == []


def test_a_queue_with_a_larger_maximum_takes_larger_batches(clock: FakeClock) -> None:
    queue = Queue("orders", clock, maximum_message_size=1_048_576)
    result = queue.send_batch([BatchEntry(id=str(n), body="x" * 300_000) for n in range(3)])
    assert len(result.successful) == 3


# -- FIFO -----------------------------------------------------------------------------------------


def fifo_queue(clock: FakeClock, **options: Any) -> Queue:
    return Queue("orders.fifo", clock, fifo=True, content_based_deduplication=True, **options)


async def test_a_fifo_group_is_delivered_in_order_one_batch_in_flight_at_a_time(
    clock: FakeClock,
) -> None:
    queue = fifo_queue(clock, visibility_timeout=30)
    for number in range(5):
        queue.send(f"a{number}", group_id="a")
    queue.send("b0", group_id="b")
    first = await queue.receive(3)
    assert bodies(first) == ["a0", "a1", "a2"]  # several of one group, in order
    assert bodies(await queue.receive(10)) == ["b0"]  # group a is blocked while in flight
    queue.delete(first[0].receipt_handle)
    queue.delete(first[1].receipt_handle)
    assert await queue.receive(10) == []  # a2 is still in flight
    queue.delete(first[2].receipt_handle)
    assert bodies(await queue.receive(10)) == ["a3", "a4"]


async def test_a_fifo_message_back_from_flight_is_delivered_before_the_rest_of_its_group(
    clock: FakeClock,
) -> None:
    queue = fifo_queue(clock, visibility_timeout=30)
    for number in range(3):
        queue.send(f"m{number}", group_id="g")
    first, second = await queue.receive(2)
    queue.delete(first.receipt_handle)
    queue.change_visibility(second.receipt_handle, 0)
    again = await queue.receive(10)
    assert bodies(again) == ["m1", "m2"]
    assert [message.receive_count for message in again] == [2, 1]


async def test_fifo_messages_carry_group_deduplication_id_and_sequence_number(
    clock: FakeClock,
) -> None:
    queue = Queue("orders.fifo", clock, fifo=True)
    sent = [queue.send("x", group_id="g", deduplication_id=f"d{n}") for n in range(2)]
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
    original = queue.send("pay", group_id="g", deduplication_id="payment-1")
    message = await receive_one(queue)
    queue.delete(message.receipt_handle)
    await clock.advance(299)
    again = queue.send("pay", group_id="g", deduplication_id="payment-1")
    assert again.message_id == original.message_id
    assert again.sequence_number == original.sequence_number
    assert await queue.receive() == []
    assert queue.counters.deduplicated == 1
    await clock.advance(1)  # five minutes after the first send
    later = queue.send("pay", group_id="g", deduplication_id="payment-1")
    assert later.message_id != original.message_id
    assert bodies(await queue.receive()) == ["pay"]


async def test_content_based_deduplication_uses_the_sha256_of_the_body(clock: FakeClock) -> None:
    queue = fifo_queue(clock)
    first = queue.send("same", group_id="a")
    assert queue.send("same", group_id="b").message_id == first.message_id
    assert queue.send("other", group_id="a").message_id != first.message_id
    explicit = queue.send("same", group_id="a", deduplication_id="own")  # an id wins
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
    sent = queue.send("poison", attributes={"trace": "t-1"})
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
        queue.send(body, group_id="g")
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
        queue.send("x", group_id="g" if fifo else None)
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
    queue.send({"id": 1}, attributes={"s": "v", "n": 1.5, "b": b"\x00\x01"})
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
    queue.send("Message Body", attributes={"Attribute1": "value", "Attribute3": b"1100"})
    record = (await receive_one(queue)).to_record()
    built = SQSEvent(records=[record])
    samples = corpus_samples("aws-lambda-go/sqs-event.json")
    assert matching_sample(built, samples), sorted(shape(built) ^ shape(samples[0]))


@needs_corpus
async def test_a_dead_letter_record_is_shaped_like_lambdas(clock: FakeClock) -> None:
    dead_letters = Queue("orders-dlq", clock)
    queue = Queue("orders", clock, visibility_timeout=1, redrive=(dead_letters, 1))
    queue.send("hello world")
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
    queue.send("hello", group_id="powertools-test")
    record = (await receive_one(queue)).to_record()
    samples = corpus_samples("powertools/snsSqsFifoEvent.json")
    assert matching_sample(SQSEvent(records=[record]), samples)
    assert sorted(record.attributes) == sorted(samples[0].records[0].attributes)  # type: ignore[arg-type]


# -- conservation: a rule-based property test -----------------------------------------------------


class QueueMachine(RuleBasedStateMachine):
    """Random sends, receives, deletes, visibility changes, purges and clock moves against a
    model: no message is lost or duplicated, each is in exactly one place, a message is never
    delivered while in flight, and FIFO groups deliver in order."""

    backend = "asyncio"

    def __init__(self) -> None:
        super().__init__()
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

    def call(self, function: Callable[..., Any], *arguments: Any) -> Any:
        """Run an async operation on the portal's loop. The synchronous ones are called
        directly: no long poll waits here, so they never touch the loop."""
        return self.portal.call(function, *arguments)

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
            f"dlq{suffix}", self.clock, fifo=fifo, message_retention_period=retention
        )
        self.queue = Queue(
            f"source{suffix}",
            self.clock,
            fifo=fifo,
            visibility_timeout=30,
            delay_seconds=delay,
            message_retention_period=retention,
            redrive=(self.dead_letters, max_receive_count),
        )

    def now(self) -> float:
        return self.clock.monotonic()

    def states(self, queue: Queue) -> dict[str, QueuedMessage]:
        return {item.message_id: item for item in queue.snapshot()}

    @rule(
        group=st.sampled_from(["a", "b", "c"]),
        delay=st.sampled_from([None, 0, 10]),
        repeat=st.integers(0, 4),
    )
    def send(self, group: str, delay: int | None, repeat: int) -> None:
        self.serial += 1
        body = f"body-{self.serial}"
        if self.fifo:
            key = f"d{repeat}" if repeat else f"new-{self.serial}"  # some ids repeat
            result = self.queue.send(body, group_id=group, deduplication_id=key)
            seen = self.deduplication.get(key)
            if seen is not None and self.now() < seen[0]:
                assert result.message_id == seen[1]
                return
            self.deduplication[key] = (self.now() + 300, result.message_id)
        else:
            result = self.queue.send(body, delay_seconds=delay)
        assert result.message_id not in self.sent
        self.sent[result.message_id] = self.now()
        self.group[result.message_id] = group if self.fifo else None
        self.receives[result.message_id] = 0

    @rule(
        count=st.integers(1, 10),
        visibility=st.sampled_from([None, 0, 5]),
        from_dead_letters=st.booleans(),
    )
    def receive(self, count: int, visibility: int | None, from_dead_letters: bool) -> None:
        queue = self.dead_letters if from_dead_letters else self.queue
        before = self.states(queue)
        moved_before = set(self.states(self.dead_letters))
        got = self.call(functools.partial(queue.receive, count, visibility_timeout=visibility))
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
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        identity, handle, from_dead_letters = self.some_handle(data)
        queue = self.dead_letters if from_dead_letters else self.queue
        item = self.states(queue).get(identity)
        latest = item is not None and self.handles_of(identity, from_dead_letters)[-1] == handle
        in_flight = item is not None and item.state == "in_flight"
        if item is not None and self.fifo and not (latest and in_flight):
            with pytest.raises(ReceiptHandleIsInvalid):
                queue.delete(handle)
            return
        deleted = queue.delete(handle)
        assert deleted == (item is not None and latest)
        if deleted:
            self.deleted.add(identity)

    def handles_of(self, identity: str, from_dead_letters: bool) -> list[str]:
        return [h for i, h, dead in self.handles if i == identity and dead == from_dead_letters]

    @precondition(lambda self: self.handles)
    @rule(data=st.data(), seconds=st.sampled_from([0, 5, 60]))
    def change_visibility(self, data: st.DataObject, seconds: int) -> None:
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
                queue.change_visibility(handle, seconds)
            return
        queue.change_visibility(handle, seconds)
        self.hidden_until[identity] = self.now() + seconds

    @rule(seconds=st.sampled_from([0.5, 1, 5, 29, 30, 31, 61, 301]))
    def advance(self, seconds: float) -> None:
        self.call(self.clock.advance, seconds)

    @rule(rarely=st.integers(0, 5))
    def purge(self, rarely: int) -> None:
        if rarely != 5:
            return
        self.purged |= set(self.states(self.queue))
        self.queue.purge()

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


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_random_operations_never_lose_or_duplicate_a_message(backend: str) -> None:
    machine = type("Machine", (QueueMachine,), {"backend": backend})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=60,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
