"""Pushed sources through the app: bucket notifications and topic subscriptions arrive as Event
invocations (so retries and destinations apply), with S3's and SNS's exact shapes; topics and
queues as destinations; a queue subscribed to a topic; the metrics of each source."""

from __future__ import annotations

import json
from typing import Any

import pytest

from faaslib import App, Context
from faaslib.events import S3Event, SNSEvent
from faaslib.testing import FakeClock

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]


async def test_an_object_put_is_an_event_invocation_with_the_s3_record(clock: FakeClock) -> None:
    app = App(clock=clock)
    bucket = app.bucket("media")
    events: list[S3Event] = []

    @app.on_object("media", prefix="uploads/", suffix=".jpg")
    async def thumbnail(event: S3Event, context: Context) -> None:
        events.append(event)

    async with app:
        info = await bucket.put("uploads/cat photo.jpg", b"jpeg bytes")
        await bucket.put("uploads/notes.txt", "not an image")
        await bucket.put("other/dog.jpg", b"elsewhere")
        await app.wait_idle()
    [event] = events
    [record] = event.records
    assert record.event_name == "ObjectCreated:Put"
    assert record.event_source == "aws:s3"
    assert record.s3.bucket.name == "media"
    assert record.s3.object.key == "uploads/cat+photo.jpg"  # URL-encoded, as S3 sends it
    assert record.s3.object.decoded_key == "uploads/cat photo.jpg"
    assert record.s3.object.size == len(b"jpeg bytes")
    assert f'"{record.s3.object.e_tag}"' == info.etag
    assert app.metrics("thumbnail")["AsyncEventsReceived"] == 1


async def test_object_events_are_named_as_s3_names_them(clock: FakeClock) -> None:
    app = App(clock=clock)
    bucket = app.bucket("media")
    names: list[tuple[str, str]] = []

    @app.on_object("media", events=("s3:ObjectCreated:*", "s3:ObjectRemoved:*"))
    async def audit(event: dict[str, Any], context: Context) -> None:
        record = event["Records"][0]
        names.append((record["eventName"], record["s3"]["object"]["key"]))

    async with app:
        await bucket.put("a", b"1")
        await bucket.copy("a", "b")
        await bucket.delete("a")
        await app.wait_idle()
    assert sorted(names) == [
        ("ObjectCreated:Copy", "b"),
        ("ObjectCreated:Put", "a"),
        ("ObjectRemoved:Delete", "a"),
    ]


async def test_a_failing_object_handler_is_retried_then_sent_on_failure(clock: FakeClock) -> None:
    app = App(clock=clock)
    failures: list[dict[str, Any]] = []
    attempts = 0

    @app.on_object("media", on_failure=failures.append)
    async def broken(event: dict[str, Any], context: Context) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("cannot read")

    async with app:
        await app.bucket("media").put("a.txt", "x")
        await clock.advance(60)
        await clock.advance(120)
        await app.wait_idle()
    assert attempts == 3  # Lambda's two retries of an Event invocation
    [record] = failures
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"]["Records"][0]["eventName"] == "ObjectCreated:Put"


async def test_a_topic_fans_out_to_every_subscribed_function(clock: FakeClock) -> None:
    app = App(clock=clock)
    topic = app.topic("orders")
    seen: dict[str, list[SNSEvent]] = {"email": [], "audit": [], "big": []}

    @app.on_topic("orders")
    async def email(event: SNSEvent, context: Context) -> None:
        seen["email"].append(event)

    @app.on_topic("orders")
    async def audit(event: SNSEvent, context: Context) -> None:
        seen["audit"].append(event)

    @app.on_topic("orders", filter_policy={"total": [{"numeric": [">=", 100]}]})
    async def big(event: SNSEvent, context: Context) -> None:
        seen["big"].append(event)

    async with app:
        small = await topic.publish({"id": 1}, subject="order", attributes={"total": 5})
        large = await topic.publish({"id": 2}, attributes={"total": 250})
        await app.wait_idle()
    # Event invocations run side by side: each function gets each message, in no set order.
    assert sorted(e.records[0].sns.message_id for e in seen["email"]) == sorted(
        [small.message_id, large.message_id]
    )
    assert len(seen["audit"]) == 2
    assert [e.records[0].sns.message_id for e in seen["big"]] == [large.message_id]
    [record] = [e.records[0] for e in seen["email"] if e.records[0].sns.subject == "order"]
    assert record.event_source == "aws:sns"
    assert record.sns.topic_arn == topic.arn
    assert record.sns.subject == "order"
    assert json.loads(record.sns.message or "") == {"id": 1}
    assert record.event_subscription_arn.startswith(topic.arn + ":")
    arns = {e.records[0].event_subscription_arn for k in ("email", "audit") for e in seen[k]}
    assert len(arns) == 2  # one subscription each
    assert topic.metrics()["NumberOfNotificationsFilteredOut"] == 1


async def test_a_body_scoped_filter_policy_reads_the_message(clock: FakeClock) -> None:
    app = App(clock=clock)
    topic = app.topic("orders")
    kinds: list[str] = []

    @app.on_topic(
        "orders",
        filter_policy={"order": {"kind": [{"prefix": "paid"}]}},
        filter_policy_scope="MessageBody",
    )
    async def paid(event: dict[str, Any], context: Context) -> None:
        kinds.append(json.loads(event["Records"][0]["Sns"]["Message"])["order"]["kind"])

    async with app:
        for kind in ("paid", "paid-late", "refunded"):
            await topic.publish({"order": {"kind": kind}})
        await topic.publish("plain text")
        await app.wait_idle()
    assert sorted(kinds) == ["paid", "paid-late"]


async def test_a_topic_can_be_a_destination(clock: FakeClock) -> None:
    app = App(clock=clock)
    topic = app.topic("outcomes")
    records: list[dict[str, Any]] = []

    @app.on_topic("outcomes")
    async def collect(event: dict[str, Any], context: Context) -> None:
        records.append(json.loads(event["Records"][0]["Sns"]["Message"]))

    @app.function(on_success=topic.arn)
    async def work(event: Any, context: Context) -> str:
        return "done"

    async with app:
        await app.invoke("work", {"n": 1}, invocation_type="Event")
        await app.wait_idle()
    [record] = records
    assert record["requestContext"]["condition"] == "Success"
    assert record["responsePayload"] == "done"


async def test_a_queue_subscribed_to_a_topic_gets_the_sns_envelope(clock: FakeClock) -> None:
    app = App(clock=clock)
    topic = app.topic("orders")
    queue = app.queue("orders-copy")
    raw = app.queue("orders-raw")
    app.subscribe("orders", "orders-copy")
    app.subscribe("orders", "orders-raw", raw_message_delivery=True)

    published = await topic.publish("hello", subject="hi", attributes={"n": 3, "tag": "x"})
    [enveloped] = await queue.receive()
    body = enveloped.json()
    assert body["Type"] == "Notification"
    assert body["MessageId"] == published.message_id
    assert body["TopicArn"] == topic.arn
    assert (body["Subject"], body["Message"]) == ("hi", "hello")
    assert body["MessageAttributes"]["n"] == {"Type": "Number", "Value": "3"}
    [plain] = await raw.receive()
    assert plain.body == "hello"
    assert plain.message_attributes["n"].data_type == "Number"
    assert plain.message_attributes["tag"].string_value == "x"


async def test_queues_report_cloudwatch_metrics_and_triggers_describe_themselves(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    queue = app.queue("orders", visibility_timeout=60)

    @app.on_queue("orders", batch_size=5, report_batch_item_failures=True)
    async def orders(event: dict[str, Any], context: Context) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}

    @app.on_object("media", suffix=".png")
    async def images(event: Any, context: Context) -> None: ...

    async with app:
        await queue.send_batch([{"id": str(n), "body": str(n)} for n in range(3)])
        await clock.advance(0)
        await clock.advance(10)
        metrics = queue.metrics()
        assert metrics["ApproximateNumberOfMessagesVisible"] == 0
        assert metrics["ApproximateNumberOfMessagesNotVisible"] == 1
        assert metrics["ApproximateAgeOfOldestMessage"] == 10
        assert metrics["NumberOfMessagesSent"] == 3
        assert metrics["NumberOfMessagesDeleted"] == 2
        await queue.purge()
    assert [t.describe() for t in app.triggers()] == [
        "queue orders (batch 5, partial failures)",
        "bucket media *.png (s3:ObjectCreated:*)",
    ]
    mapping = app.triggers("orders")[0].metrics()
    assert (mapping["invocations"], mapping["messages"], mapping["messages_deleted"]) == (1, 3, 2)
