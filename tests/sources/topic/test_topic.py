"""The in-app SNS topic: fan-out to functions and queues in SNS's shapes, filter policies, raw
delivery, failing subscribers, FIFO deduplication on a fake clock, and SNS's limits."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any

import anyio
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faaslib import ConfigurationError, events
from faaslib.events import SNSEvent
from faaslib.sources.topic import Topic
from faaslib.sources.topic.filter_policy import InvalidFilterPolicy
from faaslib.sources.topic.messages import (
    Notification,
    PublishBatchEntry,
    PublishBatchRejected,
    PublishRejected,
    TopicError,
)
from faaslib.testing import FakeClock
from tests.events import corpus
from tests.events.corpus import needs_corpus
from tests.events.structure import assert_shaped_like

pytestmark = pytest.mark.anyio

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"
FIFO_QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders.fifo"


def collect(topic: Topic, **options: Any) -> list[Notification]:
    """Subscribe a list that collects what the subscription receives."""
    received: list[Notification] = []
    topic.subscribe(received.append, **options)
    return received


def fifo_topic(clock: FakeClock, **options: Any) -> Topic:
    return Topic("prices.fifo", clock, fifo=True, **options)


def sample_body(path: str) -> Any:
    """The SNS envelope in the body of the first record of an SQS sample."""
    return json.loads(corpus.load(path)["Records"][0]["body"])


# -- the event a function receives -----------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize("path", ["aws-lambda-go/sns-event.json", "powertools/snsEvent.json"])
async def test_a_function_receives_the_event_lambda_gets_from_sns(
    clock: FakeClock, path: str
) -> None:
    topic = Topic("sns-lambda", clock)
    received = collect(topic)
    result = await topic.publish(
        "Hello from SNS!",
        subject="TestInvoke",
        attributes={"Test": "TestString", "TestBinary": b"TestBinary"},
    )
    [notification] = received
    event = notification.lambda_event()
    assert_shaped_like(event, path)
    decoded = msgspec.json.decode(msgspec.json.encode(event), type=SNSEvent)
    [record] = decoded.records
    assert (record.event_source, record.event_version) == ("aws:sns", "1.0")
    assert record.event_subscription_arn == topic.subscriptions[0].arn
    sns = record.sns
    assert isinstance(sns, events.sns.SNSMessage)
    assert sns.type == "Notification"
    assert sns.message_id == result.message_id == notification.message_id
    assert sns.topic_arn == "arn:aws:sns:us-east-1:123456789012:sns-lambda"
    assert (sns.subject, sns.message) == ("TestInvoke", "Hello from SNS!")
    assert sns.timestamp == "2026-01-01T00:00:00.000Z"  # the fake clock's time
    assert sns.signature_version == "1"
    assert sns.unsubscribe_url == (
        "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
        + topic.subscriptions[0].arn
    )
    assert str(sns.signing_cert_url).startswith("https://sns.us-east-1.amazonaws.com/")
    assert events.dump(sns)["MessageAttributes"] == {
        "Test": {"Type": "String", "Value": "TestString"},
        "TestBinary": {"Type": "Binary", "Value": base64.b64encode(b"TestBinary").decode()},
    }


async def test_the_lambda_event_is_recognised_and_has_a_null_subject_when_none_was_given(
    clock: FakeClock,
) -> None:
    topic = Topic("orders", clock)
    received = collect(topic)
    await topic.publish({"id": 7})
    raw = events.dump(received[0].lambda_event())
    assert raw["Records"][0]["Sns"]["Subject"] is None
    assert raw["Records"][0]["Sns"]["MessageAttributes"] == {}
    parsed = events.parse(json.dumps(raw))
    assert isinstance(parsed, SNSEvent)
    assert parsed.records[0].sns.json() == {"id": 7}  # type: ignore[union-attr]


async def test_numbers_and_string_arrays_reach_a_function_as_strings(clock: FakeClock) -> None:
    # sns-message-attributes.html: Number and String.Array are passed to Lambda as String.
    topic = Topic("orders", clock)
    received = collect(topic)
    await topic.publish("x", attributes={"price": 12.5, "tags": ["a", 1, True, None]})
    [notification] = received
    assert notification.attributes == {
        "price": ("Number", "12.5"),
        "tags": ("String.Array", '["a",1,true,null]'),
    }
    attributes = events.dump(notification.lambda_event())["Records"][0]["Sns"]["MessageAttributes"]
    assert attributes == {
        "price": {"Type": "String", "Value": "12.5"},
        "tags": {"Type": "String", "Value": '["a",1,true,null]'},
    }


async def test_lambda_event_is_the_same_fresh_copy_every_time(clock: FakeClock) -> None:
    topic = Topic("orders", clock)
    received = collect(topic)
    await topic.publish("x")
    first, second = received[0].lambda_event(), received[0].lambda_event()
    assert first == second
    assert first.records[0] is not second.records[0]
    first.records.clear()
    assert received[0].lambda_event() == second


@pytest.mark.parametrize(
    ("message", "text"),
    [
        ("plain text", "plain text"),
        ("héllo ✓".encode(), "héllo ✓"),
        ({"a": [1, 2.5, None]}, '{"a":[1,2.5,null]}'),
        (42, "42"),
    ],
    ids=["str", "bytes-as-utf8", "dict-as-json", "int-as-json"],
)
async def test_a_message_is_text_bytes_as_utf8_or_anything_else_as_json(
    clock: FakeClock, message: Any, text: str
) -> None:
    topic = Topic("messages", clock)
    received = collect(topic)
    await topic.publish(message)
    assert received[0].message == text


# -- what a queue receives -------------------------------------------------------------------


@needs_corpus
async def test_a_queue_receives_snss_envelope_shaped_like_a_real_one(clock: FakeClock) -> None:
    topic = Topic("powertools265", clock)
    received = collect(topic, protocol="sqs", endpoint=QUEUE_ARN)
    await topic.publish({"message": "hello world", "username": "lessa"})
    [notification] = received
    body = notification.sqs_body()
    envelope = json.loads(body)
    assert list(envelope) == list(sample_body("powertools/snsSqsEvent.json"))
    assert body.startswith('{\n  "Type" : "Notification",\n  "MessageId" : "')
    assert body.endswith('"\n}')
    assert envelope["MessageId"] == notification.message_id
    assert envelope["TopicArn"] == topic.arn
    assert envelope["Message"] == '{"message":"hello world","username":"lessa"}'
    assert envelope["Timestamp"] == "2026-01-01T00:00:00.000Z"
    assert envelope["SignatureVersion"] == "1"
    assert envelope["Signature"] == notification.signature
    assert envelope["SigningCertURL"] == notification.signing_cert_url
    assert envelope["UnsubscribeURL"].endswith("SubscriptionArn=" + topic.subscriptions[0].arn)
    assert notification.sqs_attributes() == {}


async def test_the_envelope_carries_the_subject_and_the_attributes_with_their_sns_types(
    clock: FakeClock,
) -> None:
    topic = Topic("orders", clock)
    received = collect(topic, protocol="sqs")
    await topic.publish(
        'say "hi"', subject="Greetings", attributes={"store": "example_corp", "n": 3, "b": b"\x00"}
    )
    body = received[0].sqs_body()
    envelope = json.loads(body)
    assert list(envelope) == [
        "Type",
        "MessageId",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
        "UnsubscribeURL",
        "MessageAttributes",
    ]
    assert envelope["Subject"] == "Greetings"
    assert envelope["Message"] == 'say "hi"'
    assert body.endswith(
        '  "MessageAttributes" : {\n'
        '    "store" : {"Type":"String","Value":"example_corp"},\n'
        '    "n" : {"Type":"Number","Value":"3"},\n'
        '    "b" : {"Type":"Binary","Value":"AA=="}\n'
        "  }\n}"
    )


async def test_raw_delivery_sends_the_message_as_is_with_its_attributes(clock: FakeClock) -> None:
    topic = Topic("orders", clock)
    received = collect(topic, protocol="sqs", raw_message_delivery=True)
    attributes: dict[str, Any] = {"s": "text", "n": -1.25, "b": b"\x01\x02", "a": ["x", 2]}
    await topic.publish({"order": 1}, attributes=attributes)
    [notification] = received
    assert notification.sqs_body() == '{"order":1}'
    sqs = {name: events.dump(value) for name, value in notification.sqs_attributes().items()}
    empty_lists: dict[str, list[str]] = {"stringListValues": [], "binaryListValues": []}
    assert sqs == {
        "s": {"dataType": "String", "stringValue": "text", **empty_lists},
        "n": {"dataType": "Number", "stringValue": "-1.25", **empty_lists},
        "b": {"dataType": "Binary", "binaryValue": "AQI=", **empty_lists},
        "a": {"dataType": "String.Array", "stringValue": '["x",2]', **empty_lists},
    }


async def test_a_raw_delivery_to_sqs_with_over_10_attributes_fails_but_others_get_it(
    clock: FakeClock,
) -> None:
    # SNS accepts more than 10 attributes but discards them for raw SQS subscriptions.
    topic = Topic("orders", clock)
    raw = collect(topic, protocol="sqs", raw_message_delivery=True)
    enveloped = collect(topic, protocol="sqs")
    function = collect(topic)
    await topic.publish("x", attributes={f"a{number}": "v" for number in range(11)})
    assert raw == []
    assert len(enveloped) == len(function) == 1
    assert len(json.loads(enveloped[0].sqs_body())["MessageAttributes"]) == 11
    [undelivered] = topic.undelivered
    assert undelivered.error_type == "ClientError"
    assert "at most 10" in undelivered.error_message
    assert (topic.counters.delivered, topic.counters.failed) == (2, 1)


# -- fan-out -----------------------------------------------------------------------------------


async def test_a_message_fans_out_once_to_every_subscription_in_order(clock: FakeClock) -> None:
    topic = Topic("orders", clock)
    order: list[str] = []
    subscriptions = [
        topic.subscribe(lambda n, name=name: order.append(name))  # type: ignore[misc]
        for name in ("first", "second", "third")
    ]
    received = collect(topic, protocol="sqs")
    result = await topic.publish("hello")
    assert order == ["first", "second", "third"]
    assert received[0].message_id == result.message_id
    assert topic.subscriptions[:3] == subscriptions
    for subscription in topic.subscriptions:
        assert re.fullmatch(
            re.escape(topic.arn) + r":[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            subscription.arn,
        )
    assert len({subscription.arn for subscription in topic.subscriptions}) == 4
    assert topic.counters.published == 1
    assert topic.counters.delivered == 4


async def test_each_subscription_gets_its_own_arn_in_the_event(clock: FakeClock) -> None:
    topic = Topic("orders", clock)
    one, two = collect(topic), collect(topic)
    await topic.publish("x")
    arns = [sub.arn for sub in topic.subscriptions]
    assert [one[0].subscription_arn, two[0].subscription_arn] == arns
    assert one[0].lambda_event().records[0].event_subscription_arn == arns[0]
    assert one[0].message_id == two[0].message_id


async def test_an_async_subscriber_is_awaited(clock: FakeClock) -> None:
    topic = Topic("orders", clock)
    seen: list[str] = []

    async def deliver(notification: Notification) -> None:
        await anyio.lowlevel.checkpoint()
        seen.append(notification.message)

    topic.subscribe(deliver)
    await topic.publish("x")
    assert seen == ["x"]
    assert topic.counters.delivered == 1


async def test_unsubscribe_stops_delivery_and_unknown_subscriptions_are_not_found(
    clock: FakeClock,
) -> None:
    topic = Topic("orders", clock)
    kept, dropped = collect(topic), collect(topic)
    topic.unsubscribe(topic.subscriptions[1].arn)
    await topic.publish("x")
    assert (len(kept), len(dropped)) == (1, 0)
    with pytest.raises(TopicError, match=r"topic 'orders': it has no subscription") as caught:
        topic.unsubscribe("arn:aws:sns:us-east-1:123456789012:orders:nope")
    assert caught.value.code == "NotFound"


async def test_a_subscriber_unsubscribed_during_a_fan_out_receives_nothing(
    clock: FakeClock,
) -> None:
    topic = Topic("orders", clock)
    topic.subscribe(lambda _: topic.unsubscribe(topic.subscriptions[1]))
    later = collect(topic)
    await topic.publish("x")
    assert later == []
    assert topic.counters.delivered == 1


async def test_a_topic_without_subscriptions_accepts_and_drops_a_message(
    clock: FakeClock,
) -> None:
    topic = Topic("orders", clock)
    result = await topic.publish("nobody listens")
    assert result.sequence_number is None
    assert topic.counters.published == 1
    assert topic.counters.delivered == topic.counters.failed == 0


# -- filter policies ---------------------------------------------------------------------------


async def test_a_filter_policy_on_attributes_selects_messages(clock: FakeClock) -> None:
    topic = Topic("orders", clock)
    placed = collect(topic, filter_policy={"event": ["order_placed"]})
    large = collect(topic, filter_policy={"price": [{"numeric": [">=", 100]}]})
    tagged = collect(topic, filter_policy={"tags": ["vip"]})
    everything = collect(topic)
    await topic.publish("1", attributes={"event": "order_placed", "price": 50})
    await topic.publish("2", attributes={"event": "order_cancelled", "price": 150})
    await topic.publish("3", attributes={"tags": ["new", "vip"]})  # any element matches
    await topic.publish("4")
    assert [n.message for n in placed] == ["1"]
    assert [n.message for n in large] == ["2"]
    assert [n.message for n in tagged] == ["3"]
    assert [n.message for n in everything] == ["1", "2", "3", "4"]
    assert topic.counters.delivered == 7
    assert topic.counters.filtered_out == 9


async def test_a_filter_policy_on_the_body_selects_by_json_content(clock: FakeClock) -> None:
    topic = Topic("orders", clock)
    received = collect(
        topic,
        filter_policy={"order": {"status": ["paid"]}},
        filter_policy_scope="MessageBody",
    )
    await topic.publish({"order": {"status": "paid", "id": 1}})
    await topic.publish({"order": {"status": "open", "id": 2}})
    await topic.publish("not json", attributes={"status": "paid"})
    assert [n.json()["order"]["id"] for n in received] == [1]
    assert topic.subscriptions[0].filter_policy_scope == "MessageBody"


async def test_a_filter_policy_may_be_given_as_json_text(clock: FakeClock) -> None:
    topic = Topic("orders", clock)
    received = collect(topic, filter_policy='{"kind": ["a"]}')
    await topic.publish("x", attributes={"kind": "a"})
    await topic.publish("y", attributes={"kind": "b"})
    assert [n.message for n in received] == ["x"]


def test_an_invalid_filter_policy_is_refused_at_subscription(clock: FakeClock) -> None:
    topic = Topic("orders", clock)
    with pytest.raises(InvalidFilterPolicy):
        topic.subscribe(print, filter_policy={"kind": "not-a-list"})
    assert topic.subscriptions == []


# -- failing subscribers -----------------------------------------------------------------------


async def test_a_failing_subscriber_does_not_stop_the_others_nor_lose_the_message(
    clock: FakeClock,
) -> None:
    topic = Topic("orders", clock)
    before = collect(topic)

    def broken(notification: Notification) -> None:
        raise RuntimeError("queue unavailable")

    topic.subscribe(broken)
    after = collect(topic)
    await clock.advance(5)
    result = await topic.publish("precious")
    assert len(before) == len(after) == 1
    [undelivered] = topic.undelivered
    assert undelivered.notification.message == "precious"
    assert undelivered.notification.message_id == result.message_id
    assert undelivered.notification.subscription_arn == topic.subscriptions[1].arn
    assert (undelivered.error_type, undelivered.error_message) == (
        "RuntimeError",
        "queue unavailable",
    )
    assert undelivered.failed_at == clock.now()
    assert (topic.counters.delivered, topic.counters.failed) == (2, 1)


async def test_a_failing_async_subscriber_is_counted_too(clock: FakeClock) -> None:
    topic = Topic("orders", clock)

    async def broken(notification: Notification) -> None:
        await anyio.lowlevel.checkpoint()
        raise ValueError("bad")

    topic.subscribe(broken)
    await topic.publish("x")
    assert topic.counters.failed == 1
    assert topic.undelivered[0].error_type == "ValueError"


@st.composite
def scenarios(draw: st.DrawFn) -> list[tuple[str, Any]]:
    steps = st.one_of(
        st.tuples(st.just("subscribe"), st.sampled_from(["ok", "fails", "filtered", "async"])),
        st.tuples(st.just("unsubscribe"), st.integers(0, 5)),
        st.tuples(st.just("publish"), st.sampled_from(["a", "b"])),
    )
    return draw(st.lists(steps, max_size=25))


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=scenarios())
def test_every_message_reaches_each_subscription_once_as_delivered_filtered_or_failed(
    backend: str, steps: list[tuple[str, Any]]
) -> None:
    async def scenario() -> None:
        topic = Topic("orders", FakeClock())
        expected = {"delivered": 0, "filtered_out": 0, "failed": 0}
        outcomes: dict[str, Callable[[str], str]] = {
            "ok": lambda kind: "delivered",
            "async": lambda kind: "delivered",
            "fails": lambda kind: "failed",
            "filtered": lambda kind: "delivered" if kind == "a" else "filtered_out",
        }
        behaviours: dict[str, str] = {}

        def accepting(notification: Notification) -> None:
            pass

        def failing(notification: Notification) -> None:
            raise RuntimeError("down")

        async def awaiting(notification: Notification) -> None:
            await anyio.lowlevel.checkpoint()

        delivers: dict[str, Any] = {
            "ok": accepting,
            "filtered": accepting,
            "fails": failing,
            "async": awaiting,
        }
        for action, argument in steps:
            if action == "subscribe":
                policy = {"kind": ["a"]} if argument == "filtered" else None
                subscription = topic.subscribe(delivers[argument], filter_policy=policy)
                behaviours[subscription.arn] = argument
            elif action == "unsubscribe" and topic.subscriptions:
                gone = topic.subscriptions[argument % len(topic.subscriptions)]
                topic.unsubscribe(gone)
                del behaviours[gone.arn]
            elif action == "publish":
                for behaviour in behaviours.values():
                    expected[outcomes[behaviour](argument)] += 1
                await topic.publish(argument, attributes={"kind": argument})
        counters = topic.counters
        assert counters.published == sum(1 for action, _ in steps if action == "publish")
        assert (counters.delivered, counters.filtered_out, counters.failed) == (
            expected["delivered"],
            expected["filtered_out"],
            expected["failed"],
        )
        assert len(topic.undelivered) == counters.failed

    anyio.run(scenario, backend=backend)


# -- FIFO topics ---------------------------------------------------------------------------------


async def test_a_fifo_topic_drops_a_repeat_within_5_minutes_and_accepts_it_after(
    clock: FakeClock,
) -> None:
    topic = fifo_topic(clock)
    received = collect(topic, protocol="sqs", endpoint=FIFO_QUEUE_ARN)
    first = await topic.publish("price 1", group_id="product-214", deduplication_id="m1")
    await clock.advance(299)
    repeat = await topic.publish("price 1 again", group_id="product-214", deduplication_id="m1")
    assert repeat == first  # accepted, with the original's id and sequence number
    assert len(received) == 1
    assert topic.counters.deduplicated == 1
    await clock.advance(1)  # the window counts from the first publish, not the repeat
    later = await topic.publish("price 1 again", group_id="product-214", deduplication_id="m1")
    assert later.message_id != first.message_id
    assert [n.message for n in received] == ["price 1", "price 1 again"]
    assert topic.counters.published == 2


async def test_content_based_deduplication_hashes_the_message_not_its_attributes(
    clock: FakeClock,
) -> None:
    topic = fifo_topic(clock, content_based_deduplication=True)
    received = collect(topic, protocol="sqs")
    await topic.publish("same", group_id="g", attributes={"kind": "retail"})
    await topic.publish("same", group_id="g", attributes={"kind": "wholesale"})
    await topic.publish("different", group_id="g")
    assert [n.message for n in received] == ["same", "different"]
    assert received[0].deduplication_id == hashlib.sha256(b"same").hexdigest()
    assert received[0].group_id == "g"


async def test_fifo_sequence_numbers_grow_and_the_envelope_is_unsigned(clock: FakeClock) -> None:
    topic = fifo_topic(clock)
    received = collect(topic, protocol="sqs")
    results = [
        await topic.publish(f"m{number}", group_id="g", deduplication_id=f"d{number}")
        for number in range(3)
    ]
    numbers = [int(str(result.sequence_number)) for result in results]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 3
    assert all(len(str(number)) == 20 for number in numbers)
    envelope = json.loads(received[0].sqs_body())
    assert envelope["SequenceNumber"] == results[0].sequence_number
    assert not {"Signature", "SignatureVersion", "SigningCertURL"} & set(envelope)


@needs_corpus
async def test_a_fifo_envelope_has_the_keys_of_a_real_one(clock: FakeClock) -> None:
    topic = Topic("Test.fifo", clock, fifo=True, content_based_deduplication=True)
    received = collect(topic, protocol="sqs")
    await topic.publish({"message": "hello world"}, group_id="powertools-test")
    sample = sample_body("powertools/snsSqsFifoEvent.json")
    assert list(json.loads(received[0].sqs_body())) == list(sample)


async def test_a_fifo_topic_passes_its_ids_only_to_fifo_queues(clock: FakeClock) -> None:
    topic = fifo_topic(clock)
    fifo_queue = collect(topic, protocol="sqs", endpoint=FIFO_QUEUE_ARN)
    standard_queue = collect(topic, protocol="sqs", endpoint=QUEUE_ARN)
    await topic.publish("x", group_id="g", deduplication_id="d")
    assert (fifo_queue[0].group_id, fifo_queue[0].deduplication_id) == ("g", "d")
    assert (standard_queue[0].group_id, standard_queue[0].deduplication_id) == (None, None)


async def test_a_standard_topic_passes_a_group_id_to_queues_only(clock: FakeClock) -> None:
    topic = Topic("orders", clock)
    queue, function = collect(topic, protocol="sqs"), collect(topic)
    result = await topic.publish("x", group_id="tenant-1")
    assert result.sequence_number is None
    assert queue[0].group_id == "tenant-1"
    assert function[0].group_id is None
    assert queue[0].deduplication_id is None
    assert "SequenceNumber" not in json.loads(queue[0].sqs_body())


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({}, r"group_id is required on a FIFO topic"),
        ({"group_id": "g"}, r"deduplication_id is required: the topic has no content_based"),
        ({"group_id": "g" * 129, "deduplication_id": "d"}, r"group_id='g+' is not 1 to 128"),
        ({"group_id": "g", "deduplication_id": "has space"}, r"deduplication_id='has space'"),
        ({"group_id": "ü", "deduplication_id": "d"}, r"group_id='ü' is not 1 to 128 letters"),
    ],
)
async def test_a_fifo_publish_needs_valid_ids(
    clock: FakeClock, options: dict[str, Any], match: str
) -> None:
    topic = fifo_topic(clock)
    with pytest.raises(PublishRejected, match=r"topic 'prices.fifo': " + match) as caught:
        await topic.publish("x", **options)
    assert caught.value.code == "InvalidParameter"
    assert topic.counters.published == 0


async def test_a_standard_topic_refuses_a_deduplication_id(clock: FakeClock) -> None:
    with pytest.raises(PublishRejected, match="deduplication_id is only for FIFO topics"):
        await Topic("orders", clock).publish("x", deduplication_id="d")


# -- subscriptions SNS refuses -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fifo", "options", "match"),
    [
        (True, {}, r"a FIFO topic delivers only to SQS queues, not to protocol 'lambda'"),
        (False, {"protocol": "http"}, r"protocol='http' is not one of \['lambda', 'sqs'\]"),
        (False, {"raw_message_delivery": True}, r"raw_message_delivery is for SQS"),
        (False, {"raw_message_delivery": "yes", "protocol": "sqs"}, r"is not a bool"),
        (False, {"filter_policy_scope": "Body"}, r"filter_policy_scope='Body' is not one of"),
        (False, {"endpoint": "orders"}, r"endpoint='orders' is not the ARN of a lambda"),
        (False, {"protocol": "sqs", "endpoint": "arn:aws:lambda:us-east-1:1:function:f"}, "sqs"),
        (False, {"protocol": "sqs", "endpoint": FIFO_QUEUE_ARN}, r"cannot subscribe to a standard"),
    ],
)
def test_a_subscription_sns_refuses_is_a_configuration_error(
    clock: FakeClock, fifo: bool, options: dict[str, Any], match: str
) -> None:
    topic = Topic("t.fifo" if fifo else "t", clock, fifo=fifo)
    with pytest.raises(ConfigurationError, match=match):
        topic.subscribe(print, **options)
    assert topic.subscriptions == []


def test_a_subscriber_must_be_callable(clock: FakeClock) -> None:
    with pytest.raises(ConfigurationError, match=r"deliver='nope' is not callable"):
        Topic("t", clock).subscribe("nope")  # type: ignore[arg-type]


# -- limits ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fifo"),
    [
        ("a", False),
        ("a" * 256, False),
        ("A-b_9", False),
        ("p.fifo", True),
        ("a" * 251 + ".fifo", True),
    ],
)
def test_valid_topic_names(clock: FakeClock, name: str, fifo: bool) -> None:
    topic = Topic(name, clock, fifo=fifo, region="eu-west-1", account="111122223333")
    assert topic.arn == f"arn:aws:sns:eu-west-1:111122223333:{name}"


@pytest.mark.parametrize(
    ("name", "fifo", "match"),
    [
        ("", False, "have 1 to 256 characters"),
        ("a" * 257, False, "have 1 to 256 characters"),
        ("has space", False, "have 1 to 256 characters"),
        ("p.fifo", False, r"not end in '.fifo' unless fifo=True"),
        ("p", True, r"end in '.fifo'"),
        ("a" * 252 + ".fifo", True, r"end in '.fifo' and have 1 to 256"),
    ],
)
def test_invalid_topic_names(clock: FakeClock, name: str, fifo: bool, match: str) -> None:
    with pytest.raises(ConfigurationError, match=match):
        Topic(name, clock, fifo=fifo)


def test_content_based_deduplication_is_for_fifo_topics(clock: FakeClock) -> None:
    with pytest.raises(ConfigurationError, match="only for FIFO topics"):
        Topic("orders", clock, content_based_deduplication=True)


async def test_a_message_may_be_256_kib_with_its_attributes_and_no_more(clock: FakeClock) -> None:
    topic = Topic("big", clock)
    received = collect(topic)
    await topic.publish("x" * 262_144)
    attribute_size = len("k") + len("String") + len("v")
    await topic.publish("é" * ((262_144 - attribute_size) // 2), attributes={"k": "v"})
    assert len(received) == 2
    with pytest.raises(
        PublishRejected,
        match=r"the message is 262,145 bytes \(message and message attributes\), over SNS's "
        r"limit of 262,144 bytes",
    ):
        await topic.publish("x" * (262_144 - attribute_size + 1), attributes={"k": "v"})
    assert topic.counters.published == 2


@pytest.mark.parametrize(
    ("subject", "match"),
    [
        ("", r"subject is 0 characters; SNS takes 1 to 100"),
        ("s" * 101, r"subject is 101 characters; SNS takes 1 to 100"),
        ("two\nlines", r"line break or control character U\+000A at position 3"),
        ("tab\there", r"control character U\+0009"),
        (7, r"subject=7 is not text"),
    ],
)
async def test_a_bad_subject_is_refused(clock: FakeClock, subject: Any, match: str) -> None:
    with pytest.raises(PublishRejected, match=match):
        await Topic("t", clock).publish("x", subject=subject)


async def test_a_subject_may_be_100_characters_of_utf8_text(clock: FakeClock) -> None:
    topic = Topic("t", clock)
    received = collect(topic)
    await topic.publish("x", subject="é" * 100)
    assert received[0].subject == "é" * 100


@pytest.mark.parametrize(
    ("message", "match"),
    [
        ("", r"message is empty"),
        (b"\xff", r"message is not valid UTF-8"),
        ("\ud800", r"message has the lone surrogate U\+D800 at position 0"),
        (object(), r"message of type object cannot be sent as JSON"),
    ],
)
async def test_a_bad_message_is_refused(clock: FakeClock, message: Any, match: str) -> None:
    with pytest.raises(PublishRejected, match=r"topic 't': " + match):
        await Topic("t", clock).publish(message)


@pytest.mark.parametrize(
    ("attributes", "match"),
    [
        ({".a": "v"}, r"the name '.a' is not 1 to 256"),
        ({"a.": "v"}, r"the name 'a.' is not"),
        ({"a..b": "v"}, r"the name 'a..b' is not"),
        ({"sp ace": "v"}, r"the name 'sp ace' is not"),
        ({"x" * 257: "v"}, r"is not 1 to 256"),
        ({"AWS.trace": "v"}, r"uses a prefix reserved for AWS"),
        ({"amazon.x": "v"}, r"uses a prefix reserved for AWS"),
        ({"s": ""}, r"attributes\['s'\] is empty; a String attribute needs a value"),
        ({"b": b""}, r"a Binary attribute needs a value"),
        ({"n": math.nan}, r"attributes\['n'\]=nan is not a finite number"),
        ({"n": True}, r"attributes\['n'\]=True is a bool"),
        ({"d": {"a": 1}}, r"is a dict; a message attribute is a str"),
        ({"l": [[1]]}, r"attributes\['l'\]\[0\]=\[1\] is a list; a String.Array holds"),
        ({"l": [1, math.inf]}, r"attributes\['l'\]\[1\]=inf is not a finite number"),
    ],
)
async def test_a_bad_message_attribute_is_refused(
    clock: FakeClock, attributes: dict[str, Any], match: str
) -> None:
    with pytest.raises(PublishRejected, match=match) as caught:
        await Topic("t", clock).publish("x", attributes=attributes)
    assert caught.value.code == "InvalidParameterValue"


async def test_a_valid_attribute_name_and_more_than_10_attributes_are_accepted(
    clock: FakeClock,
) -> None:
    topic = Topic("t", clock)
    received = collect(topic)
    attributes: dict[str, Any] = {f"a{number}": number for number in range(12)}
    attributes["Store.region-1_x"] = "eu"
    await topic.publish("x", attributes=attributes)
    assert len(received[0].attributes) == 13


@given(
    attributes=st.dictionaries(
        st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True),
        st.one_of(
            st.text(min_size=1),
            st.integers(-(10**12), 10**12),
            st.floats(allow_nan=False, allow_infinity=False),
            st.binary(min_size=1),
            st.lists(st.one_of(st.text(), st.integers(), st.booleans(), st.none())),
        ),
        max_size=10,
    )
)
@settings(max_examples=40, deadline=None)
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_attributes_reach_subscribers_as_sns_carries_them(
    backend: str, attributes: dict[str, Any]
) -> None:
    async def scenario() -> Notification:
        topic = Topic("t", FakeClock())
        received = collect(topic, protocol="sqs")
        await topic.publish("x", attributes=attributes)
        return received[0]

    notification = anyio.run(scenario, backend=backend)
    for name, value in attributes.items():
        kind, text = notification.attributes[name]
        if isinstance(value, bytes):
            assert (kind, base64.b64decode(text)) == ("Binary", value)
        elif isinstance(value, str):
            assert (kind, text) == ("String", value)
        elif isinstance(value, list):
            assert (kind, json.loads(text)) == ("String.Array", value)
        else:
            assert kind == "Number"
            assert float(text) == value
    envelope = json.loads(notification.sqs_body()).get("MessageAttributes", {})
    assert {name: (item["Type"], item["Value"]) for name, item in envelope.items()} == (
        notification.attributes
    )


# -- batches ---------------------------------------------------------------------------------------


async def test_a_batch_publishes_its_entries_in_order_and_fails_bad_ones_alone(
    clock: FakeClock,
) -> None:
    topic = Topic("orders", clock)
    received = collect(topic)
    result = await topic.publish_batch(
        [
            PublishBatchEntry(id="one", message="first", subject="S"),
            {"id": "two", "message": "", "attributes": {"k": "v"}},
            {"id": "three", "message": {"n": 3}, "attributes": {"k": 3}},
        ]
    )
    assert list(result.successful) == ["one", "three"]
    assert result.failed["two"].code == "InvalidParameter"
    assert "message is empty" in result.failed["two"].message
    assert result.failed["two"].sender_fault is True
    assert [n.message for n in received] == ["first", '{"n":3}']
    assert received[0].message_id == result.successful["one"].message_id
    assert topic.counters.published == 2


async def test_a_fifo_batch_fails_an_entry_without_a_group(clock: FakeClock) -> None:
    topic = fifo_topic(clock, content_based_deduplication=True)
    result = await topic.publish_batch(
        [{"id": "a", "message": "1", "group_id": "g"}, {"id": "b", "message": "2"}]
    )
    assert list(result.successful) == ["a"]
    assert result.successful["a"].sequence_number is not None
    assert "group_id is required" in result.failed["b"].message


@pytest.mark.parametrize(
    ("entries", "code", "match"),
    [
        ([], "EmptyBatchRequest", r"the batch has no entries"),
        (
            [{"id": f"e{n}", "message": "x"} for n in range(11)],
            "TooManyEntriesInBatchRequest",
            r"the batch has 11 entries, over SNS's limit of 10",
        ),
        (
            [{"id": "a", "message": "x"}, {"id": "a", "message": "y"}],
            "BatchEntryIdsNotDistinct",
            r"the entry ids \['a'\] appear more than once",
        ),
        (
            [{"id": "bad id", "message": "x"}],
            "InvalidBatchEntryId",
            r"the entry id 'bad id' is not 1",
        ),
        (
            [{"id": "a", "message": "x" * 200_000}, {"id": "b", "message": "y" * 100_000}],
            "BatchRequestTooLong",
            r"the batch carries 300,000 bytes in all, over SNS's limit of 262,144",
        ),
        ([{"id": "a", "body": "x"}], "InvalidParameter", r"a batch entry is malformed"),
    ],
)
async def test_a_batch_sns_refuses_as_a_whole_publishes_nothing(
    clock: FakeClock, entries: list[dict[str, Any]], code: str, match: str
) -> None:
    topic = Topic("orders", clock)
    received = collect(topic)
    with pytest.raises(PublishBatchRejected, match=r"topic 'orders': " + match) as caught:
        await topic.publish_batch(entries)
    assert caught.value.code == code
    assert received == []
    assert topic.counters.published == 0
