"""`@app.on_queue`: Lambda's SQS event source mapping, with handlers written as for Lambda.

Under the fake clock: batches, deletes on success, whole batches back after their visibility
timeout on error, partial batch responses, redrive, FIFO order under concurrency, scaling,
throttles, batching windows, filters, the payload limit, and shutdown."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

import anyio
import pytest

from faaslib import App, ConfigurationError, Context
from faaslib.events import SQSEvent
from faaslib.testing import FakeClock, settle

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]


async def test_a_batch_arrives_as_an_sqs_event_and_success_deletes_it(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")
    events: list[SQSEvent] = []

    @app.on_queue("orders", batch_size=5)
    async def orders(event: SQSEvent, context: Context) -> None:
        events.append(event)

    async with app:
        for number in range(3):
            await queue.send({"id": number}, attributes={"kind": "test"})
        await app.wait_idle()
    records = [record for event in events for record in event.records]
    assert sorted(record.json()["id"] for record in records) == [0, 1, 2]
    first = records[0]
    assert first.event_source == "aws:sqs"
    assert first.event_source_arn == "arn:aws:sqs:us-east-1:123456789012:orders"
    assert first.aws_region == "us-east-1"
    assert first.attributes["ApproximateReceiveCount"] == "1"
    assert first.message_attributes["kind"].string_value == "test"
    assert queue.approximate_number_of_messages == 0
    assert queue.approximate_number_of_messages_not_visible == 0
    assert queue.counters.deleted == 3
    assert app.metrics("orders")["Invocations"] == len(events)


async def test_a_function_error_returns_the_whole_batch_after_the_visibility_timeout(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    queue = app.queue("orders", visibility_timeout=30)
    counts: list[list[str]] = []

    @app.on_queue("orders", batch_size=10)
    async def orders(event: dict[str, Any], context: Context) -> None:
        counts.append([r["attributes"]["ApproximateReceiveCount"] for r in event["Records"]])
        if len(counts) == 1:
            raise RuntimeError("the database is down")

    async with app:
        await queue.send_batch([{"id": str(n), "body": str(n)} for n in range(3)])
        await settle()
        assert counts == [["1", "1", "1"]]
        assert queue.approximate_number_of_messages_not_visible == 3
        await clock.advance(29.9)
        assert len(counts) == 1  # still hidden
        await clock.advance(0.2)
        await app.wait_idle()
    assert counts == [["1", "1", "1"], ["2", "2", "2"]]
    assert queue.counters.deleted == 3


async def test_only_the_reported_failures_come_back(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("orders", visibility_timeout=10)
    seen: list[tuple[str, str]] = []

    @app.on_queue("orders", batch_size=10, report_batch_item_failures=True)
    async def orders(event: dict[str, Any], context: Context) -> dict[str, Any]:
        failures = []
        for record in event["Records"]:
            seen.append((record["body"], record["attributes"]["ApproximateReceiveCount"]))
            if (
                record["body"] in ("b", "d")
                and record["attributes"]["ApproximateReceiveCount"] == "1"
            ):
                failures.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failures}

    async with app:
        await queue.send_batch([{"id": body, "body": body} for body in "abcde"])
        await settle()
        assert queue.approximate_number_of_messages_not_visible == 2  # b and d
        await clock.advance(10)
        await app.wait_idle()
    assert sorted(seen) == [
        ("a", "1"),
        ("b", "1"),
        ("b", "2"),
        ("c", "1"),
        ("d", "1"),
        ("d", "2"),
        ("e", "1"),
    ]
    mapping = app.triggers("orders")[0].metrics()
    assert mapping["partial_batches"] == 1
    assert mapping["messages_failed"] == 2


@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        ({"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]}, "not the message id of"),
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, "is not a message id"),
        ({"batchItemFailures": [{"itemIdentifier": None}]}, "is not a message id"),
        ({"batchItemFailures": [{"id": "x"}]}, "has no itemIdentifier"),
        ({"batchItemFailures": "all"}, "is not a list"),
        ("done", "not an object"),
    ],
)
async def test_a_malformed_partial_response_fails_the_whole_batch(
    clock: FakeClock, answer: Any, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")

    @app.on_queue("orders", report_batch_item_failures=True)
    async def orders(event: Any, context: Context) -> Any:
        return answer

    async with app:
        await queue.send("x")
        await settle()
        assert queue.approximate_number_of_messages_not_visible == 1
        assert queue.counters.deleted == 0
        await queue.purge()
    assert problem in caplog.text
    assert "function 'orders'" in caplog.text


@pytest.mark.parametrize(
    "answer", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}]
)
async def test_the_empty_partial_responses_are_complete_successes(
    clock: FakeClock, answer: Any
) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")

    @app.on_queue("orders", report_batch_item_failures=True)
    async def orders(event: Any, context: Context) -> Any:
        return answer

    async with app:
        await queue.send_batch([{"id": str(n), "body": "x"} for n in range(4)])
        await app.wait_idle()
    assert queue.counters.deleted == 4


async def test_without_the_setting_a_partial_response_is_ignored(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")

    @app.on_queue("orders")
    async def orders(event: Any, context: Context) -> Any:
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}

    async with app:
        await queue.send("x")
        await app.wait_idle()
    assert queue.counters.deleted == 1


async def test_a_poison_message_is_redriven_after_max_receive_count(clock: FakeClock) -> None:
    app = App(clock=clock)
    dead = app.queue("orders-dlq")
    queue = app.queue("orders", visibility_timeout=5, redrive=("orders-dlq", 3))
    attempts: defaultdict[str, int] = defaultdict(int)

    @app.on_queue("orders", batch_size=1)
    async def orders(event: dict[str, Any], context: Context) -> None:
        body = event["Records"][0]["body"]
        attempts[body] += 1
        if body == "poison":
            raise ValueError("cannot parse")

    async with app:
        await queue.send("poison")
        await queue.send("fine")
        for _ in range(4):
            await settle()
            await clock.advance(5)
        await app.wait_idle()
    assert attempts == {"poison": 3, "fine": 1}
    [moved] = await dead.receive()
    assert moved.body == "poison"
    assert moved.attributes["DeadLetterQueueSourceArn"] == queue.arn
    assert queue.counters.redriven == 1


async def test_fifo_groups_stay_in_order_under_concurrency(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("orders.fifo", fifo=True, content_based_deduplication=True)
    seen: defaultdict[str, list[int]] = defaultdict(list)
    running = 0
    most = 0

    @app.on_queue("orders.fifo", batch_size=3)
    async def orders(event: dict[str, Any], context: Context) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        for record in event["Records"]:
            group = record["attributes"]["MessageGroupId"]
            seen[group].append(int(record["body"].split(":")[1]))
        await clock.sleep(1)
        running -= 1

    async with app:
        for number in range(30):
            for group in "abcd":
                await queue.send(f"{group}:{number}", group_id=group)
        while (
            queue.approximate_number_of_messages or queue.approximate_number_of_messages_not_visible
        ):
            await settle()
            await clock.advance(1)
        await app.wait_idle()
    assert seen == {group: list(range(30)) for group in "abcd"}
    assert most > 1  # groups ran side by side


async def test_maximum_concurrency_caps_the_batches_in_flight(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")
    running = 0
    most = 0

    @app.on_queue("orders", batch_size=1, maximum_concurrency=2)
    async def orders(event: Any, context: Context) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await clock.sleep(1)
        running -= 1

    async with app:
        for number in range(20):
            await queue.send(str(number))
        while (
            queue.approximate_number_of_messages or queue.approximate_number_of_messages_not_visible
        ):
            await settle()
            await clock.advance(0.5)
    assert most == 2
    assert queue.counters.deleted == 20


async def test_concurrency_starts_at_five_batches_and_grows_while_messages_wait(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")
    running = 0
    timeline: list[int] = []

    @app.on_queue("orders", batch_size=1)
    async def orders(event: Any, context: Context) -> None:
        nonlocal running
        running += 1
        await clock.sleep(2)
        running -= 1

    async with app:
        for number in range(200):
            await queue.send(str(number))
        await settle()
        timeline.append(running)
        for _ in range(4):  # 2 seconds
            await clock.advance(0.5)
            await settle()
        timeline.append(running)
        await queue.purge()
        await clock.advance(30)
    assert timeline[0] == 5
    # Five more a second (300 a minute) while every poller is busy: 2 seconds add 10 (9 if
    # the tenth falls due a rounding error after the last advance).
    assert 9 <= timeline[1] - 5 <= 10


async def test_throttled_batches_back_off_and_nothing_is_lost(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("orders", visibility_timeout=60)
    handled: list[str] = []

    @app.on_queue("orders", batch_size=1, reserved_concurrency=1, timeout=3)
    async def orders(event: dict[str, Any], context: Context) -> None:
        await clock.sleep(1)
        handled.append(event["Records"][0]["body"])

    async with app:
        for number in range(10):
            await queue.send(str(number))
        for _ in range(600):
            if not (
                queue.approximate_number_of_messages
                or queue.approximate_number_of_messages_not_visible
            ):
                break
            await settle()
            await clock.advance(0.5)
        await app.wait_idle()
    assert sorted(handled, key=int) == [str(n) for n in range(10)]
    assert app.triggers("orders")[0].metrics()["throttles"] > 0
    assert app.metrics("orders")["Throttles"] > 0


async def test_a_batching_window_gathers_messages_sent_over_time(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")
    batches: list[tuple[float, list[float]]] = []  # (invoked at, sent at of each record)

    @app.on_queue("orders", batch_size=50, maximum_batching_window=5)
    async def orders(event: dict[str, Any], context: Context) -> None:
        sent = [int(r["attributes"]["SentTimestamp"]) / 1000 for r in event["Records"]]
        batches.append((clock.now(), sent))

    async with app:
        for _ in range(4):
            await queue.send_batch([{"id": str(n), "body": str(n)} for n in range(10)])
            await settle()
            await clock.advance(1)
        assert batches == []  # the first window, opened at 0 s, is still open at 4 s
        await clock.advance(5)
        await app.wait_idle()
    assert sum(len(sent) for _, sent in batches) == 40
    assert len(batches) < 40  # gathered, not one by one
    for invoked, sent in batches:  # each waited out its window, opened by its first message
        assert invoked - min(sent) == pytest.approx(5, abs=0.01)


async def test_a_full_batch_does_not_wait_for_the_window(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")
    sizes: list[int] = []

    @app.on_queue("orders", batch_size=20, maximum_batching_window=300, maximum_concurrency=2)
    async def orders(event: dict[str, Any], context: Context) -> None:
        sizes.append(len(event["Records"]))

    for start in (0, 10, 20):  # two pollers take 10 each, then one of them 10 more
        await queue.send_batch([{"id": str(n), "body": str(n)} for n in range(start, start + 10)])
    async with app:
        await settle()
        assert sizes == [20]  # at once
        assert clock.monotonic() == 0
        await clock.advance(300)
        await app.wait_idle()
    assert sizes == [20, 10]


async def test_batches_stay_within_the_six_megabyte_payload(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("big", maximum_message_size=1_048_576)
    sizes: list[int] = []

    @app.on_queue("big", batch_size=10)
    async def big(event: dict[str, Any], context: Context) -> None:
        sizes.append(len(event["Records"]))

    async with app:
        for number in range(10):
            await queue.send(str(number) * 1_000_000)
        await app.wait_idle()
    assert sum(sizes) == 10
    assert max(sizes) <= 6


async def test_a_filter_deletes_what_it_does_not_match_without_invoking(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")
    seen: list[Any] = []

    @app.on_queue("orders", filter={"body": {"kind": ["paid"]}})
    async def orders(event: dict[str, Any], context: Context) -> None:
        seen.extend(record["body"] for record in event["Records"])

    async with app:
        await queue.send({"kind": "paid", "id": 1})
        await queue.send({"kind": "refunded", "id": 2})
        await queue.send("not json")
        await app.wait_idle()
    assert [json.loads(body)["id"] for body in seen] == [1]
    assert queue.counters.deleted == 3
    assert app.triggers("orders")[0].metrics()["filtered"] == 2


async def test_a_plain_text_filter_matches_a_plain_text_body(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")
    seen: list[str] = []

    @app.on_queue("orders", filter=[{"body": [{"prefix": "ok"}]}])
    async def orders(event: dict[str, Any], context: Context) -> None:
        seen.extend(record["body"] for record in event["Records"])

    async with app:
        await queue.send("ok then")
        await queue.send("nope")
        await app.wait_idle()
    assert seen == ["ok then"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batch_size": 0}, "batch_size=0 is below the minimum of 1"),
        ({"batch_size": 10_001}, "batch_size=10001 is above the maximum of 10,000"),
        ({"batch_size": 11}, "needs maximum_batching_window of at least 1 second"),
        ({"maximum_batching_window": 301}, "maximum_batching_window=301 is above the maximum"),
        ({"maximum_concurrency": 1}, "maximum_concurrency=1 is below the minimum of 2"),
        ({"maximum_concurrency": 1001}, "maximum_concurrency=1001 is above the maximum of 1,000"),
        ({"filter": {"messageId": ["x"]}}, "filters only on the body key"),
        ({"filter": [{"body": ["x"]}] * 6}, "filter has 6 patterns; an event source mapping"),
        ({"filter": {"body": "x"}}, "filter pattern 1"),
        ({"timeout": 31}, "visibility timeout of 30 s is less than the function's timeout of 31 s"),
    ],
)
def test_what_lambda_refuses_is_refused_at_registration(
    options: dict[str, Any], message: str
) -> None:
    app = App()

    def handler(event: Any, context: Context) -> None: ...

    with pytest.raises(ConfigurationError, match=message) as raised:
        app.on_queue("orders", **options)(handler)
    assert "function 'handler': on_queue('orders')" in str(raised.value)
    assert app.functions == ()  # nothing half-registered


def test_a_fifo_queue_takes_batches_of_at_most_ten() -> None:
    app = App()
    app.queue("orders.fifo", fifo=True)

    def handler(event: Any, context: Context) -> None: ...

    with pytest.raises(ConfigurationError, match="batch_size=20 is above the maximum of 10 for a"):
        app.on_queue("orders.fifo", batch_size=20, maximum_batching_window=1)(handler)


def test_a_queue_declared_twice_with_other_options_is_refused() -> None:
    app = App()

    def handler(event: Any, context: Context) -> None: ...

    app.on_queue("orders")(handler)
    with pytest.raises(ConfigurationError, match="before the decorators that use it"):
        app.queue("orders", visibility_timeout=60)
    assert app.queue("orders") is app.queue("orders")


@pytest.mark.parametrize(
    ("redrive", "message"),
    [
        (("orders", 3), "a queue cannot be its own dead-letter queue"),
        (
            ("orders-dlq",),
            r"redrive=\('orders-dlq',\) is not \(dead_letter_queue, max_receive_count\)",
        ),
        ("orders-dlq", "redrive='orders-dlq' is not"),
    ],
)
def test_a_bad_redrive_is_refused(redrive: Any, message: str) -> None:
    app = App()
    with pytest.raises(ConfigurationError, match=message):
        app.queue("orders", redrive=redrive)


async def test_one_function_may_read_two_queues(clock: FakeClock) -> None:
    app = App(clock=clock)
    seen: list[str] = []

    @app.on_queue("a")
    @app.on_queue("b", memory=256)
    async def both(event: dict[str, Any], context: Context) -> None:
        seen.extend(record["eventSourceARN"].rsplit(":", 1)[1] for record in event["Records"])

    async with app:
        await app.queue("a").send("1")
        await app.queue("b").send("2")
        await app.wait_idle()
    assert sorted(seen) == ["a", "b"]
    assert app.functions == ("both",)


async def test_stopping_lets_running_batches_finish_and_returns_gathered_messages(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")
    finished: list[int] = []

    @app.on_queue("orders", batch_size=1)
    async def orders(event: dict[str, Any], context: Context) -> None:
        await clock.sleep(1)
        finished.append(int(event["Records"][0]["body"]))

    async with anyio.create_task_group() as tasks:
        async with app:
            await queue.send("1")
            await settle()
            tasks.start_soon(clock.advance, 1)  # lets the running batch end while the app stops
        assert finished == [1]
    assert queue.counters.deleted == 1


async def test_a_message_sent_while_the_app_is_stopped_is_processed_when_it_runs(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")
    seen: list[str] = []

    @app.on_queue("orders")
    async def orders(event: dict[str, Any], context: Context) -> None:
        seen.extend(record["body"] for record in event["Records"])

    await queue.send("early")
    async with app:
        await app.wait_idle()
    assert seen == ["early"]


async def test_a_queue_can_be_a_destination(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    app = App(clock=clock)
    failures = app.queue("failures")
    dead = app.queue("dead")

    @app.function(maximum_retry_attempts=0, on_failure=failures.arn, dead_letter=dead.arn)
    async def fails(event: Any, context: Context) -> None:
        raise RuntimeError("x" * 2000)

    caplog.set_level(logging.ERROR)
    async with app:
        result = await app.invoke("fails", {"order": 7}, invocation_type="Event")
        await app.wait_idle()
    [record] = await failures.receive()
    body = record.json()
    assert body["requestContext"]["condition"] == "RetriesExhausted"
    assert body["requestPayload"] == {"order": 7}
    [original] = await dead.receive()
    assert original.json() == {"order": 7}
    attributes = original.message_attributes
    assert attributes["RequestID"].string_value == result.request_id
    assert (attributes["ErrorCode"].data_type, attributes["ErrorCode"].string_value) == (
        "Number",
        "200",
    )
    assert len(attributes["ErrorMessage"].string_value or "") == 1024


def test_a_destination_arn_must_name_a_declared_queue() -> None:
    app = App()

    def handler(event: Any, context: Context) -> None: ...

    app.function(on_failure="arn:aws:sqs:us-east-1:123456789012:missing")(handler)

    async def start() -> None:
        async with app:
            pass

    with pytest.raises(ConfigurationError, match="names no function, queue, topic or event bus"):
        anyio.run(start)


async def test_a_mapping_polls_again_when_the_app_runs_again(clock: FakeClock) -> None:
    app = App(clock=clock)
    queue = app.queue("orders")
    seen: list[str] = []

    @app.on_queue("orders")
    async def orders(event: dict[str, Any], context: Context) -> None:
        seen.extend(record["body"] for record in event["Records"])

    for body in ("first run", "second run"):
        async with app:
            await queue.send(body)
            await app.wait_idle()
    assert seen == ["first run", "second run"]
