"""`@app.on_table`: Lambda's DynamoDB Streams event source mapping over the app's tables.

Every change to an item reaches the function as Lambda's DynamoDB stream record (INSERT, MODIFY,
REMOVE with keys and images), in order per item; filters see the record's fields; failure
records name the table's stream."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest

from faaslib import App, ConfigurationError, Context
from faaslib.events import DynamoDBStreamEvent
from faaslib.testing import FakeClock
from faaslib.testing import settle as all_blocked
from tests.events import corpus
from tests.events.corpus import needs_corpus

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]


async def settle(app: App, clock: FakeClock, *, step: float = 1.0, rounds: int = 500) -> None:
    """Move time until every trigger is idle (retries wait on the clock), then wait for idle."""
    for _ in range(rounds):
        await all_blocked()
        if all(trigger.idle() for trigger in app.triggers()):
            await app.wait_idle()
            return
        await clock.advance(step)
    raise AssertionError("the app never became idle")


@needs_corpus
async def test_changes_arrive_as_insert_modify_and_remove_with_their_images(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    table = app.table("users", key_schema=("id",))
    events: list[dict[str, Any]] = []
    typed: list[DynamoDBStreamEvent] = []

    @app.on_table("users", batch_size=10)
    async def users(event: dict[str, Any], context: Context) -> None:
        events.append(event)

    @app.on_table("users", starting_position="TRIM_HORIZON")
    async def audit(event: DynamoDBStreamEvent, context: Context) -> None:
        typed.append(event)

    async with app:
        await table.put_item({"id": "u1", "name": "Ann"})
        await table.update_item({"id": "u1"}, {"name": "Ana"})
        await table.delete_item({"id": "u1"})
        await app.wait_idle()
    records = [record for event in events for record in event["Records"]]
    sample = corpus.load("powertools/dynamoStreamEvent.json")["Records"][0]
    assert set(records[0]) == set(sample)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert {r["eventSourceARN"] for r in records} == {table.stream_arn}
    assert records[0]["dynamodb"]["Keys"] == {"id": {"S": "u1"}}
    assert records[1]["dynamodb"]["OldImage"]["name"] == {"S": "Ann"}
    assert records[1]["dynamodb"]["NewImage"]["name"] == {"S": "Ana"}
    assert "NewImage" not in records[2]["dynamodb"]
    changes = [record.dynamodb for event in typed for record in event.records]
    assert [change.new_image_values() for change in changes] == [
        {"id": "u1", "name": "Ann"},
        {"id": "u1", "name": "Ana"},
        None,
    ]
    assert [t.describe() for t in app.triggers()] == [
        "table users (batch 10, 1 shard)",
        "table users (batch 100, 1 shard)",
    ]


async def test_changes_to_an_item_stay_in_order_across_shards(clock: FakeClock) -> None:
    app = App(clock=clock)
    table = app.table("counters", key_schema=("id",), shards=3)
    seen: defaultdict[str, list[Decimal]] = defaultdict(list)

    @app.on_table("counters", batch_size=4, parallelization_factor=2)
    async def counters(event: DynamoDBStreamEvent, context: Context) -> None:
        await clock.sleep(0.5)
        for record in event.records:
            image = record.dynamodb.new_image_values()
            assert image is not None
            seen[image["id"]].append(image["n"])

    async with app:
        for n in range(20):
            for item in range(6):
                await table.put_item({"id": f"item-{item}", "n": n})
        await settle(app, clock, step=0.5)
    assert set(seen) == {f"item-{item}" for item in range(6)}
    assert all(values == list(range(20)) for values in seen.values())
    assert app.triggers("counters")[0].metrics()["ConcurrentBatches"]["max"] > 1


async def test_filters_see_the_event_name_and_the_images(clock: FakeClock) -> None:
    app = App(clock=clock)
    table = app.table("orders", key_schema=("id",))
    seen: list[tuple[str, str]] = []

    @app.on_table(
        "orders",
        filter={"eventName": ["INSERT"], "dynamodb": {"NewImage": {"kind": {"S": ["paid"]}}}},
    )
    async def orders(event: dict[str, Any], context: Context) -> None:
        seen.extend((r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in event["Records"])

    async with app:
        await table.put_item({"id": "a", "kind": "paid"})
        await table.put_item({"id": "b", "kind": "free"})
        await table.update_item({"id": "b"}, {"kind": "paid"})  # a MODIFY: filtered out
        await table.delete_item({"id": "a"})
        await app.wait_idle()
    assert seen == [("INSERT", "a")]
    assert app.triggers("orders")[0].metrics()["filtered"] == 3


async def test_a_failure_record_names_the_tables_stream(clock: FakeClock) -> None:
    app = App(clock=clock)
    table = app.table("orders", key_schema=("id",))
    failed = app.queue("failed")
    request_ids: list[str] = []

    @app.on_table("orders", maximum_retry_attempts=1, on_failure="failed")
    async def orders(event: dict[str, Any], context: Context) -> None:
        request_ids.append(context.aws_request_id)
        raise RuntimeError("no")

    await clock.advance(0.25)
    async with app:
        await table.put_item({"id": "a"})
        await table.put_item({"id": "b"})
        await settle(app, clock)
    [message] = await failed.receive()
    record = json.loads(message.body)
    assert list(record) == [
        "requestContext",
        "responseContext",
        "version",
        "timestamp",
        "DDBStreamBatchInfo",
    ]
    assert record["requestContext"]["requestId"] == request_ids[-1]
    assert record["requestContext"]["approximateInvokeCount"] == 2
    info = record["DDBStreamBatchInfo"]
    assert info["streamArn"] == table.stream_arn
    assert info["batchSize"] == 2
    assert info["approximateArrivalOfFirstRecord"] == "2026-01-01T00:00:00Z"  # whole seconds


async def test_a_partial_response_names_records_by_their_dynamodb_sequence_number(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    table = app.table("orders", key_schema=("id",))
    batches: list[list[str]] = []

    @app.on_table("orders", report_batch_item_failures=True)
    async def orders(event: dict[str, Any], context: Context) -> dict[str, Any]:
        records = event["Records"]
        batches.append([r["dynamodb"]["Keys"]["id"]["S"] for r in records])
        if len(batches) > 1:
            return {}
        return {"batchItemFailures": [{"itemIdentifier": records[2]["dynamodb"]["SequenceNumber"]}]}

    for name in "abcd":
        await table.put_item({"id": name})
    async with app:
        await settle(app, clock)
    assert batches == [["a", "b", "c", "d"], ["c", "d"]]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"starting_position": "AT_TIMESTAMP"},
            "starting_position='AT_TIMESTAMP' is not one of LATEST, TRIM_HORIZON (AT_TIMESTAMP "
            "is for Kinesis streams only)",
        ),
        ({"batch_size": 10_001}, "batch_size=10001 is above the maximum of 10,000"),
        ({"filter": {"data": {"a": [1]}}}, "filters on data; a DynamoDB event source mapping"),
        ({"filter": {"dynamodb": ["x"]}}, "dynamodb must be matched with an object"),
    ],
)
def test_a_table_mapping_lambda_would_refuse_is_refused(
    options: dict[str, Any], message: str
) -> None:
    app = App()

    def orders(event: Any, context: Context) -> None: ...

    with pytest.raises(
        ConfigurationError, match=r"function 'orders': on_table\('orders'\)"
    ) as refused:
        app.on_table("orders", **options)(orders)
    assert message in str(refused.value)
    assert app.functions == ()
