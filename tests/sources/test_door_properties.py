"""Every source's door against generated hostile values (tests/events/hostile.py): a send, put
or publish either succeeds, and then what was sent is there to receive and fits the Lambda event
that carries it, or raises that door's documented error, with nothing changed. Never another
exception, never a hang, and the counts agree with what was accepted."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable
from typing import Any, TypeVar

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings

from faaslib.events import SQSEvent
from faaslib.patterns import compile_pattern
from faaslib.payloads import from_document, to_document
from faaslib.sources import (
    BatchRejected,
    EventBus,
    MessageRejected,
    PublishBatchRejected,
    PublishRejected,
    PutEventsRejected,
    Queue,
    RecordRejected,
    Stream,
    Table,
    TableError,
    Topic,
)
from faaslib.testing import FakeClock
from tests.events.hostile import clean_json, hostile

pytestmark = pytest.mark.anyio

examples = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


T = TypeVar("T")


async def attempt(call: Awaitable[T], refusal: type[Exception]) -> T | Exception:
    """What `call` returns, or the `refusal` it raises; any other exception fails the test."""
    try:
        return await call
    except refusal as error:
        return error


_names = itertools.count()


def fresh(name: str) -> str:
    """A name of its own for each example: on a file store (`pytest --store sqlite`) a queue,
    stream or table of the same name is the same one, and examples must not share state."""
    return f"{name}-{next(_names)}"


def sent_text(value: Any) -> str:
    """The text a queue or topic carries for `value`: text as is, bytes as UTF-8, else JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode()
    return to_document(value).decode()


def sent_bytes(value: Any) -> bytes:
    """The data a stream record carries for `value`: bytes as are, text as UTF-8, else JSON."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    return to_document(value)


@given(body=hostile)
@examples
async def test_queue_send_delivers_what_it_accepts_or_raises_message_rejected(body: Any) -> None:
    queue = Queue(fresh("doors"), FakeClock())
    result = await attempt(queue.send(body), MessageRejected)
    if isinstance(result, Exception):
        assert str(result).startswith(f"queue {queue.name!r}: ")
        assert queue.counters.sent == 0
        assert queue.approximate_number_of_messages == 0
        return
    assert queue.counters.sent == 1
    [message] = await queue.receive()
    assert message.body == sent_text(body)
    assert message.md5_of_body == result.md5_of_body
    event = msgspec.json.decode(msgspec.json.encode(SQSEvent(records=[message.to_record()])))
    assert event["Records"][0]["body"] == message.body


@given(value=hostile)
@examples
async def test_queue_attributes_and_batches_refuse_with_their_own_errors(value: Any) -> None:
    queue = Queue(fresh("doors"), FakeClock())
    sent = await attempt(queue.send("x", attributes={"a": value}), MessageRejected)
    accepted = 0 if isinstance(sent, Exception) else 1
    entries = [{"id": "one", "body": value}, {"id": "two", "body": "x"}]
    for batch in (entries, value):
        result = await attempt(queue.send_batch(batch), BatchRejected)
        if not isinstance(result, Exception):
            accepted += len(result.successful)
            assert len(result.successful) + len(result.failed) == len(batch)
    assert queue.counters.sent == accepted == queue.approximate_number_of_messages


@given(message=hostile)
@examples
async def test_topic_publish_delivers_what_it_accepts_or_raises_publish_rejected(
    message: Any,
) -> None:
    topic = Topic("doors", FakeClock())
    received: list[Any] = []
    topic.subscribe(received.append)
    result = await attempt(topic.publish(message), PublishRejected)
    if isinstance(result, Exception):
        assert str(result).startswith("topic 'doors': ")
        assert received == []
        assert topic.metrics()["NumberOfMessagesPublished"] == 0
        return
    [notification] = received
    assert notification.message == sent_text(message)
    to_document(notification.lambda_event())  # the function's event crosses the invoke door
    assert topic.metrics()["NumberOfMessagesPublished"] == 1


@given(value=hostile)
@examples
async def test_topic_attributes_and_batches_refuse_with_their_own_errors(value: Any) -> None:
    topic = Topic("doors", FakeClock())
    received: list[Any] = []
    topic.subscribe(received.append)
    published = await attempt(topic.publish("x", attributes={"a": value}), PublishRejected)
    count = 0 if isinstance(published, Exception) else 1
    for entries in ([{"id": "one", "message": value}], value):
        result = await attempt(topic.publish_batch(entries), PublishBatchRejected)
        count += 0 if isinstance(result, Exception) else len(result.successful)
    assert len(received) == count == topic.metrics()["NumberOfMessagesPublished"]


def bus_with_rule() -> tuple[EventBus, list[dict[str, Any]]]:
    bus = EventBus("default", FakeClock())
    seen: list[dict[str, Any]] = []
    bus.add_rule("all", compile_pattern({"source": ["shop"]}), seen.append)
    return bus, seen


@given(detail=hostile)
@examples
async def test_put_events_routes_what_it_accepts_or_refuses_the_entry(detail: Any) -> None:
    bus, seen = bus_with_rule()
    entry = {"Source": "shop", "DetailType": "order", "Detail": detail}
    result = await attempt(bus.put_events([entry, {**entry, "Detail": "{}"}]), PutEventsRejected)
    if isinstance(result, Exception):
        assert getattr(result, "code", None) == "ValidationException"
        assert seen == []
        return
    first, second = result.entries
    assert second.event_id is not None
    if first.event_id is None:
        assert first.error_code in ("InvalidArgument", "MalformedDetail")
        assert [event["detail"] for event in seen] == [{}]
    else:
        text = detail.encode() if isinstance(detail, str) else to_document(detail)
        assert seen[0]["detail"] == from_document(text)
        # what a rule hands its function is delivered: it encodes, and decodes as it was
        assert msgspec.json.decode(msgspec.json.encode(seen[0])) == seen[0]
    assert result.failed_entry_count == (first.event_id is None)
    assert bus.metrics()["PutEventsApproximateSuccessCount"] == len(seen)


@given(entries=hostile)
@examples
async def test_put_events_refuses_what_is_not_a_list_of_entries_as_eventbridge(
    entries: Any,
) -> None:
    bus, seen = bus_with_rule()
    result = await attempt(bus.put_events(entries), PutEventsRejected)
    if isinstance(result, Exception):
        assert seen == []
    else:
        assert result.failed_entry_count + len(seen) == len(result.entries)


@given(data=hostile)
@examples
async def test_stream_puts_keep_what_they_accept_or_raise_record_rejected(data: Any) -> None:
    stream = Stream(fresh("doors"), FakeClock())
    accepted: list[bytes] = []
    put = await attempt(stream.put_record(data, "key"), RecordRejected)
    if not isinstance(put, Exception):
        accepted.append(sent_bytes(data))
    for records in ([{"data": data, "partition_key": "key"}], data):
        result = await attempt(stream.put_records(records), RecordRejected)
        if not isinstance(result, Exception):
            accepted += [sent_bytes(entry["data"]) for entry in records]
    shard = stream.shards[0].shard_id
    read = stream.get_records(stream.iterator(shard, "TRIM_HORIZON")).records
    assert [record.data for record in read] == accepted
    assert stream.counters.put == len(accepted)
    msgspec.json.encode(stream.lambda_event(read))


@given(value=hostile)
@examples
async def test_table_writes_store_what_they_accept_or_raise_table_error(value: Any) -> None:
    table = Table(fresh("doors"), FakeClock(), key_schema=("pk",))
    put = await attempt(table.put_item({"pk": "a", "value": value}), TableError)
    writes = 0 if isinstance(put, Exception) else 1
    if writes:
        stored = await table.get_item({"pk": "a"})
        assert stored is not None
        assert "value" in stored
    for write in (
        table.put_item({"pk": value}),
        table.update_item({"pk": "b"}, {"value": value}),
        table.put_item(value),
    ):
        result = await attempt(write, TableError)
        writes += 0 if isinstance(result, Exception) else 1
    shard = table.stream.shards[0].shard_id
    records = table.stream.get_records(table.stream.iterator(shard, "TRIM_HORIZON")).records
    assert len(records) <= writes
    msgspec.json.encode(table.lambda_event(records))


@given(value=clean_json)
@examples
async def test_plain_json_crosses_every_door_intact(value: dict[str, Any]) -> None:
    clock = FakeClock()
    queue, topic = Queue(fresh("q"), clock), Topic("t", clock)
    stream = Stream(fresh("s"), clock)
    bus, seen = bus_with_rule()
    received: list[Any] = []
    topic.subscribe(received.append)
    await queue.send(value)
    await topic.publish(value)
    await stream.put_record(value, "k")
    result = await bus.put_events([{"Source": "shop", "DetailType": "x", "Detail": value}])
    assert result.failed_entry_count == 0
    [message] = await queue.receive()
    iterator = stream.iterator(stream.shards[0].shard_id, "TRIM_HORIZON")
    [record] = stream.get_records(iterator).records
    assert message.json() == received[0].json() == record.json() == seen[0]["detail"] == value
