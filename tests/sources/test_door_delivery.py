"""Whatever a source's door accepts reaches the function: the deepest value each door takes
goes through `@app.on_queue`, `@app.on_topic`, `@app.on_event` and `@app.on_stream` and the
handler gets it intact; one level deeper is refused at the door, naming faaslib's limit."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from faaslib import App, Context
from faaslib.payloads import MAX_DEPTH
from faaslib.sources import MessageRejected, PublishRejected, PutEventsRejected, RecordRejected
from faaslib.sources.bus.checks import MAX_DETAIL_DEPTH
from faaslib.testing import FakeClock
from tests.events.hostile import nested

pytestmark = pytest.mark.anyio


async def test_the_deepest_queue_message_reaches_the_handler(clock: FakeClock) -> None:
    app = App(clock=clock)
    bodies: list[Any] = []

    @app.on_queue("deep")
    def handler(event: dict[str, Any], context: Context) -> None:
        bodies.extend(json.loads(record["body"]) for record in event["Records"])

    deepest = nested(MAX_DEPTH)
    async with app:
        await app.queue("deep").send(deepest)
        with pytest.raises(MessageRejected, match=f"nested more than {MAX_DEPTH} levels"):
            await app.queue("deep").send(nested(MAX_DEPTH + 1))
        await app.wait_idle()
    assert bodies == [deepest]
    assert app.queue("deep").counters.sent == app.queue("deep").counters.deleted == 1


async def test_deep_text_in_a_queue_message_is_text_and_passes_a_filter(clock: FakeClock) -> None:
    # A body that is text is SQS's to carry, whatever it looks like; a filter that cannot read
    # it as JSON matches it as text, as Lambda does a body that is not JSON.
    app = App(clock=clock)
    bodies: list[str] = []

    @app.on_queue("text", filter={"body": [{"prefix": "[["}]})
    def handler(event: dict[str, Any], context: Context) -> None:
        bodies.extend(record["body"] for record in event["Records"])

    text = "[" * 5_000 + "]" * 5_000
    async with app:
        await app.queue("text").send(text)
        await app.wait_idle()
    assert bodies == [text]


async def test_the_deepest_topic_message_reaches_the_handler(clock: FakeClock) -> None:
    app = App(clock=clock)
    messages: list[Any] = []

    @app.on_topic("deep")
    def handler(event: dict[str, Any], context: Context) -> None:
        messages.extend(json.loads(record["Sns"]["Message"]) for record in event["Records"])

    deepest = nested(MAX_DEPTH, mapping=True)
    async with app:
        await app.topic("deep").publish(deepest)
        with pytest.raises(PublishRejected, match=f"nested more than {MAX_DEPTH} levels"):
            await app.topic("deep").publish(nested(MAX_DEPTH + 1, mapping=True))
        await app.wait_idle()
    assert messages == [deepest]


async def test_the_deepest_event_detail_reaches_the_handler(clock: FakeClock) -> None:
    # The event carries the Detail one level down, and the event is what the function gets.
    app = App(clock=clock)
    details: list[Any] = []

    @app.on_event({"source": ["shop"]})
    def handler(event: dict[str, Any], context: Context) -> None:
        details.append(event["detail"])

    deepest = nested(MAX_DETAIL_DEPTH, mapping=True)
    too_deep = nested(MAX_DETAIL_DEPTH + 1, mapping=True)
    async with app:
        result = await app.bus().put_events(
            [
                {"Source": "shop", "DetailType": "deep", "Detail": deepest},
                {"Source": "shop", "DetailType": "deep", "Detail": json.dumps(too_deep)},
            ]
        )
        await app.wait_idle()
    accepted, refused = result.entries
    assert accepted.event_id is not None
    assert refused.error_code == "MalformedDetail"
    assert f"may nest at most {MAX_DEPTH} levels" in str(refused.error_message)
    assert details == [deepest]
    assert app.bus().counters.FailedInvocations == 0
    assert app.bus().undelivered == []


async def test_the_deepest_stream_record_reaches_the_handler(clock: FakeClock) -> None:
    app = App(clock=clock)
    records: list[Any] = []

    @app.on_stream("deep", starting_position="TRIM_HORIZON")
    def handler(event: dict[str, Any], context: Context) -> None:
        records.extend(
            json.loads(base64.b64decode(record["kinesis"]["data"])) for record in event["Records"]
        )

    deepest = nested(MAX_DEPTH)
    async with app:
        await app.stream("deep").put_record(deepest, "key")
        with pytest.raises(RecordRejected, match=f"nested more than {MAX_DEPTH} levels"):
            await app.stream("deep").put_record(nested(MAX_DEPTH + 1), "key")
        await app.wait_idle()
    assert records == [deepest]


@pytest.mark.parametrize(
    "entries", [None, 5, "entries", b"entries", object()], ids=lambda v: type(v).__name__
)
async def test_put_events_refuses_what_is_not_a_list_as_a_validation_exception(
    clock: FakeClock, entries: Any
) -> None:
    app = App(clock=clock)
    with pytest.raises(PutEventsRejected, match="put_events takes a list of entries") as caught:
        await app.bus().put_events(entries)
    assert caught.value.code == "ValidationException"
