"""The in-app DynamoDB table: items by key, and each change as a DynamoDB stream record (INSERT,
MODIFY, REMOVE, images by stream view type) in a stream of shards, shaped as Lambda sends it."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from faaslib import ConfigurationError, events
from faaslib.events import DynamoDBStreamEvent
from faaslib.events.streams import DynamoDBStreamChange, DynamoDBStreamRecord
from faaslib.sources.stream.records import Record
from faaslib.sources.table import Table, TableError
from faaslib.testing import FakeClock
from tests.events.corpus import needs_corpus
from tests.events.structure import assert_shaped_like

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]


def changes(table: Table, shard: int = 0) -> list[DynamoDBStreamRecord]:
    """Every stream record of one shard of the table's stream, oldest first."""
    stream = table.stream
    iterator = stream.iterator(f"shardId-{shard:012d}", "TRIM_HORIZON")
    records: list[Record] = []
    while True:
        batch = stream.get_records(iterator)
        if not batch.records:
            return [table.change(record) for record in records]
        records.extend(batch.records)
        iterator = batch.next_iterator


def change_of(record: DynamoDBStreamRecord) -> DynamoDBStreamChange:
    assert isinstance(record.dynamodb, DynamoDBStreamChange)
    return record.dynamodb


async def test_insert_modify_and_remove_are_recorded_in_order(clock: FakeClock) -> None:
    table = Table("users", clock, key_schema=("id",))
    assert await table.put_item({"id": "u1", "name": "Ann", "age": 30}) is None
    await clock.advance(5)
    after = await table.update_item({"id": "u1"}, {"name": "Ana"}, remove=["age"])
    assert after == {"id": "u1", "name": "Ana"}
    assert await table.delete_item({"id": "u1"}) == {"id": "u1", "name": "Ana"}
    assert await table.get_item({"id": "u1"}) is None
    insert, modify, remove = changes(table)
    assert [r.event_name for r in (insert, modify, remove)] == ["INSERT", "MODIFY", "REMOVE"]
    assert change_of(insert).keys_values() == {"id": "u1"}
    assert change_of(insert).new_image_values() == {"id": "u1", "name": "Ann", "age": 30}
    assert change_of(insert).old_image_values() is None
    assert change_of(modify).old_image_values() == {"id": "u1", "name": "Ann", "age": 30}
    assert change_of(modify).new_image_values() == {"id": "u1", "name": "Ana"}
    assert change_of(modify).approximate_creation_date_time == int(clock.now())
    assert change_of(remove).new_image_values() is None
    assert change_of(remove).old_image_values() == {"id": "u1", "name": "Ana"}
    numbers = [int(str(change_of(r).sequence_number)) for r in (insert, modify, remove)]
    assert numbers == sorted(numbers)


@pytest.mark.parametrize(
    ("view", "has_new", "has_old"),
    [
        ("KEYS_ONLY", False, False),
        ("NEW_IMAGE", True, False),
        ("OLD_IMAGE", False, True),
        ("NEW_AND_OLD_IMAGES", True, True),
    ],
)
async def test_the_stream_view_type_decides_the_images(
    clock: FakeClock, view: str, has_new: bool, has_old: bool
) -> None:
    table = Table("views", clock, stream_view_type=view)
    await table.put_item({"pk": "a", "n": 1})
    await table.put_item({"pk": "a", "n": 2})
    [_, modify] = changes(table)
    assert change_of(modify).stream_view_type == view
    assert change_of(modify).keys_values() == {"pk": "a"}
    assert (change_of(modify).new_image_values() is not None) is has_new
    assert (change_of(modify).old_image_values() is not None) is has_old


async def test_a_write_that_changes_nothing_records_nothing(clock: FakeClock) -> None:
    table = Table("quiet", clock)
    await table.put_item({"pk": "a", "tags": {"x", "y"}})
    assert await table.put_item({"pk": "a", "tags": {"y", "x"}}) == {"pk": "a", "tags": {"x", "y"}}
    await table.update_item({"pk": "a"}, {"tags": {"x", "y"}})
    assert await table.delete_item({"pk": "missing"}) is None
    assert [r.event_name for r in changes(table)] == ["INSERT"]


async def test_update_item_creates_a_missing_item_as_an_insert(clock: FakeClock) -> None:
    table = Table("upsert", clock, key_schema=("pk", "sk"))
    assert await table.update_item({"pk": "a", "sk": 1}, {"n": 5}) == {
        "pk": "a",
        "sk": Decimal(1),
        "n": Decimal(5),
    }
    [insert] = changes(table)
    assert insert.event_name == "INSERT"
    assert change_of(insert).keys_values() == {"pk": "a", "sk": Decimal(1)}


async def test_items_come_back_as_boto3_gives_them(clock: FakeClock) -> None:
    table = Table("types", clock)
    item = {"pk": "a", "n": 1.5, "b": b"\x00", "ok": True, "none": None, "m": {"l": [1, "x"]}}
    await table.put_item(item)
    assert await table.get_item({"pk": "a"}) == {
        "pk": "a",
        "n": Decimal("1.5"),
        "b": b"\x00",
        "ok": True,
        "none": None,
        "m": {"l": [Decimal(1), "x"]},
    }


async def test_keys_of_equal_numbers_name_the_same_item(clock: FakeClock) -> None:
    table = Table("numbers", clock, key_schema=("pk", "sk"))
    await table.put_item({"pk": "a", "sk": 1, "v": "first"})
    await table.put_item({"pk": "a", "sk": 1.0, "v": "second"})
    await table.put_item({"pk": "a", "sk": "1", "v": "a string key"})
    await table.put_item({"pk": "a", "sk": b"1", "v": "a binary key"})
    assert await table.get_item({"pk": "a", "sk": Decimal("1.00")}) == {
        "pk": "a",
        "sk": Decimal(1),
        "v": "second",
    }
    assert [r.event_name for r in changes(table)] == ["INSERT", "MODIFY", "INSERT", "INSERT"]


async def test_every_change_of_an_item_goes_to_one_shard_in_order(clock: FakeClock) -> None:
    table = Table("sharded", clock, shards=4)
    for round_ in range(3):
        for n in range(12):
            await table.put_item({"pk": f"item-{n}", "round": round_})
    seen: dict[Any, list[Any]] = {}
    for shard in range(4):
        for record in changes(table, shard):
            key = change_of(record).keys_values()
            assert key is not None
            image = change_of(record).new_image_values()
            assert image is not None
            seen.setdefault(key["pk"], []).append((shard, image["round"]))
    assert len(seen) == 12
    for history in seen.values():
        assert len({shard for shard, _ in history}) == 1
        assert [round_ for _, round_ in history] == [0, 1, 2]


# -- records as Lambda receives them -----------------------------------------------------------


@needs_corpus
async def test_a_batch_is_shaped_like_a_real_dynamodb_stream_event(clock: FakeClock) -> None:
    table = Table("Example-Table", clock, key_schema=("key",))
    await table.put_item({"key": "binary", "val": "data"})
    await table.put_item({"key": "binary", "val": "changed"})
    stream = table.stream
    records = stream.get_records(stream.iterator("shardId-000000000000", "TRIM_HORIZON")).records
    assert_shaped_like(table.lambda_event(records), "powertools/dynamoStreamEvent.json")


async def test_a_lambda_record_carries_the_stream_details(clock: FakeClock) -> None:
    table = Table("orders", clock, region="eu-west-1", account="210987654321")
    await clock.advance(60)
    await table.put_item({"pk": "o1"})
    stream = table.stream
    [record] = stream.get_records(stream.iterator("shardId-000000000000", "TRIM_HORIZON")).records
    event = events.parse(msgspec.json.encode(table.lambda_event([record])))
    assert isinstance(event, DynamoDBStreamEvent)
    [change] = event.records
    assert change.event_source == "aws:dynamodb"
    assert change.event_version == "1.1"
    assert change.aws_region == "eu-west-1"
    assert change.event_source_arn == (
        "arn:aws:dynamodb:eu-west-1:210987654321:table/orders/stream/2026-01-01T00:00:00.000"
    )
    assert change_of(change).sequence_number == record.sequence_number
    assert change_of(change).approximate_creation_date_time == 1_767_225_660
    assert isinstance(change.event_id, str)
    assert len(change.event_id) == 32


# -- what DynamoDB refuses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "arguments", "message"),
    [
        ("put_item", ({"name": "x"},), "item has no 'pk'; the key schema is ['pk', 'sk']"),
        ("put_item", ({"pk": True, "sk": 1},), "item['pk']=True: a key attribute must be a"),
        ("put_item", ({"pk": "", "sk": 1},), "item['pk'] is empty; a key attribute needs a"),
        ("get_item", ({"pk": "a"},), "the key has attributes ['pk']; the key schema is"),
        ("get_item", ({"pk": "a", "sk": 1, "x": 2},), "the key has attributes ['pk', 'sk', 'x']"),
        ("update_item", ({"pk": "a", "sk": 1}, {"sk": 2}), "cannot update attribute 'sk'"),
        ("put_item", ({"pk": "a", "sk": 1, "bad": set()},), "attribute 'bad': a DynamoDB"),
        (
            "put_item",
            ({"pk": "a", "sk": 1, "big": "x" * 409_600},),
            "the item is about 409,610 bytes, over DynamoDB's limit of 409,600 bytes (400 KB)",
        ),
    ],
)
async def test_requests_dynamodb_would_refuse_are_refused(
    clock: FakeClock, call: str, arguments: tuple[Any, ...], message: str
) -> None:
    table = Table("strict", clock, key_schema=("pk", "sk"))
    with pytest.raises(TableError, match="^" + re.escape(f"table 'strict': {message}")):
        await getattr(table, call)(*arguments)
    assert table.stream.counters.put == 0


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("ab", {}, "the name must have 3 to 255 characters"),
        ("table", {"key_schema": ("a", "a")}, "must name a partition key"),
        ("table", {"key_schema": ("a", "b", "c")}, "must name a partition key"),
        ("table", {"stream_view_type": "ALL"}, "stream_view_type='ALL' is not one of KEYS_ONLY"),
    ],
)
def test_configuration_dynamodb_would_refuse_is_refused(
    clock: FakeClock, name: str, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Table(name, clock, **options)
