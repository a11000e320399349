"""What the in-app SQS queue refuses, as SQS refuses it: messages, batches, receives and queue
settings out of SQS's limits, each refusal naming the queue, the field, the value and the limit;
and what it accepts right up to each limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from faaslib import ConfigurationError
from faaslib.sources import (
    BatchEntry,
    BatchRejected,
    Message,
    MessageRejected,
    Queue,
    QueueError,
)
from faaslib.testing import FakeClock

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]


def bodies(messages: list[Message]) -> list[str]:
    return [message.body for message in messages]


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
        r"attributes\['n'\]=inf is not a number SQS can hold: it is not finite",
    ),
    (
        "number-above-10^126",
        STANDARD,
        {"body": "x", "attributes": {"n": -1e127}},
        "InvalidParameterValue",
        r"attributes\['n'\]=-1e\+127 is not a number SQS can hold: its magnitude is above 10\^126",
    ),
    (
        "number-below-10^-128",
        STANDARD,
        {"body": "x", "attributes": {"n": 1e-200}},
        "InvalidParameterValue",
        r"=1e-200 is not a number SQS can hold: its magnitude is below 10\^-128",
    ),
    (
        "number-over-38-digits",
        STANDARD,
        {"body": "x", "attributes": {"n": 10**38 + 1}},
        "InvalidParameterValue",
        "it has 39 significant digits, over the maximum of 38",
    ),
    (
        "number-too-long-to-print",
        STANDARD,
        {"body": "x", "attributes": {"n": 10**5000}},
        "InvalidParameterValue",
        r"attributes\['n'\]=<an int of about 5,001 digits> is not a number SQS can hold",
    ),
    (
        "attributes-not-a-mapping",
        STANDARD,
        {"body": "x", "attributes": [("kind", "new")]},
        "InvalidParameterValue",
        "attributes is a list; message attributes are a mapping of name to value",
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
async def test_send_refuses_what_sqs_refuses_naming_field_value_and_limit(
    clock: FakeClock, options: dict[str, Any], arguments: dict[str, Any], code: str, message: str
) -> None:
    name = "orders.fifo" if options.get("fifo") else "orders"
    queue = Queue(name, clock, **options)
    with pytest.raises(MessageRejected, match=f"^queue '{name}': .*{message}") as raised:
        await queue.send(**arguments)
    assert raised.value.code == code
    assert queue.snapshot() == []


@pytest.mark.parametrize(
    "number",
    [0, -1.5, 10**126, -(10**126), 1e-128, -1e126, 10**100, 12345678901234567890123456789012345678],
)
async def test_a_number_attribute_within_sqs_range_and_precision_is_sent(
    clock: FakeClock, number: float
) -> None:
    queue = Queue("numbers", clock)
    await queue.send("x", attributes={"n": number})
    [message] = await queue.receive()
    attribute = message.message_attributes["n"]
    assert (attribute.data_type, attribute.string_value) == ("Number", str(number))


@pytest.mark.parametrize(
    ("size", "accepted"),
    [(262_144, True), (262_145, False), (1_048_576, True), (1_048_577, False)],
)
async def test_the_size_limit_is_inclusive(clock: FakeClock, size: int, accepted: bool) -> None:
    maximum = 262_144 if size <= 262_145 else 1_048_576
    queue = Queue("sizes", clock, maximum_message_size=maximum)
    if accepted:
        await queue.send("x" * size)
    else:
        with pytest.raises(MessageRejected):
            await queue.send("x" * size)


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
    result = await queue.send_batch(
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
        "over-1MiB-in-all",
        lambda: [BatchEntry(id=str(number), body="x" * 220_000) for number in range(5)],
        "BatchRequestTooLong",
        "the batch carries 1,100,000 bytes in all, over the limit of 1,048,576 bytes",
    ),
    (
        "entries-not-a-list",
        lambda: {"id": "a", "body": "x"},
        "InvalidParameterValue",
        "entries is a dict; a batch is a list of BatchEntry",
    ),
    (
        "entry-not-an-entry",
        lambda: [BatchEntry(id="a", body="x"), "just a body"],
        "InvalidParameterValue",
        "entry 1 of the batch is a str, not a BatchEntry or a mapping of its fields",
    ),
    (
        "entry-with-an-unknown-field",
        lambda: [{"id": "a", "bdy": "x"}],
        "InvalidParameterValue",
        "entry 0 of the batch does not make a BatchEntry: .*bdy",
    ),
]


@pytest.mark.parametrize(
    ("entries", "code", "message"),
    [case[1:] for case in BATCH_LIMITS],
    ids=[case[0] for case in BATCH_LIMITS],
)
async def test_a_batch_sqs_would_refuse_is_refused_whole(
    clock: FakeClock, entries: Callable[[], list[Any]], code: str, message: str
) -> None:
    queue = Queue("orders", clock)
    with pytest.raises(BatchRejected, match=message) as raised:
        await queue.send_batch(entries())
    assert raised.value.code == code
    assert queue.snapshot() == []


@pytest.mark.parametrize(
    ("maximum_message_size", "sizes"),
    [
        (262_144, [262_144] * 4),  # SQS's 1 MiB in all, not the queue's 256 KiB per message
        (1_048_576, [300_000, 300_000, 300_000, 148_576]),
        (1_048_576, [1_048_576]),
    ],
)
async def test_a_batch_carries_up_to_1_mib_in_all_whatever_the_message_size_limit(
    clock: FakeClock, maximum_message_size: int, sizes: list[int]
) -> None:
    queue = Queue("orders", clock, maximum_message_size=maximum_message_size)
    entries = [BatchEntry(id=str(n), body="x" * size) for n, size in enumerate(sizes)]
    result = await queue.send_batch(entries)
    assert len(result.successful) == len(sizes)
    with pytest.raises(BatchRejected, match="1,048,577 bytes in all, over the limit of 1,048,576"):
        await queue.send_batch([*entries, BatchEntry(id="one-more", body="x")])
    assert queue.counters.sent == len(sizes)


async def test_delete_batch_takes_a_mapping_of_entry_id_to_handle(clock: FakeClock) -> None:
    queue = Queue("orders", clock)
    await queue.send("x")
    [message] = await queue.receive()
    with pytest.raises(BatchRejected, match="entries is a list; delete_batch takes a mapping"):
        await queue.delete_batch([message.receipt_handle])  # type: ignore[arg-type]
    assert queue.approximate_number_of_messages_not_visible == 1
