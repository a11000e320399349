"""DynamoDB through `app.aws` with real boto3: tables, items, expressions (conditions, updates,
projections, key conditions, filters), queries and scans with their pages, batches,
transactions, DynamoDB's errors as botocore raises them, and the `@app.on_table` function a
`put_item` triggers."""

from __future__ import annotations

import re
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from faaslib import App
from tests.aws.malformed import assert_malformed_requests_are_client_errors
from tests.http.server import Served

pytestmark = pytest.mark.usefixtures("each_store")

Client = Any


@pytest.fixture
def deliveries() -> SimpleQueue[dict[str, Any]]:
    """The stream records the `on_table` function of table `orders` was given."""
    return SimpleQueue()


@pytest.fixture
def app(deliveries: SimpleQueue[dict[str, Any]]) -> App:
    app = App(name="aws")
    app.table("orders", key_schema=("id",))

    @app.on_table("orders", batch_size=1, starting_position="TRIM_HORIZON")
    def consume(event: dict[str, Any], context: object) -> None:
        for record in event["Records"]:
            deliveries.put(record)

    return app


@pytest.fixture
def dynamodb(aws_client: Callable[..., Any]) -> Client:
    return aws_client("dynamodb")


@pytest.fixture
def events(dynamodb: Client) -> Client:
    """A table `events` keyed by `device` and `at`, with six items."""
    dynamodb.create_table(
        TableName="events",
        KeySchema=[
            {"AttributeName": "device", "KeyType": "HASH"},
            {"AttributeName": "at", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "device", "AttributeType": "S"},
            {"AttributeName": "at", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    for device in ("d1", "d2"):
        for at in (1, 2, 10):
            dynamodb.put_item(
                TableName="events",
                Item={
                    "device": {"S": device},
                    "at": {"N": str(at)},
                    "kind": {"S": "hot" if at % 2 == 0 else "cold"},
                },
            )
    return dynamodb


def code_of(raised: pytest.ExceptionInfo[ClientError]) -> str:
    code: str = raised.value.response["Error"]["Code"]
    return code


def test_put_item_triggers_the_on_table_function_with_the_new_image(
    dynamodb: Client, deliveries: SimpleQueue[dict[str, Any]]
) -> None:
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "o1"}, "total": {"N": "12.5"}})
    record = deliveries.get(timeout=10)
    assert record["eventName"] == "INSERT"
    assert record["dynamodb"]["Keys"] == {"id": {"S": "o1"}}
    assert record["dynamodb"]["NewImage"] == {"id": {"S": "o1"}, "total": {"N": "12.5"}}


def test_create_describe_and_list_tables(dynamodb: Client) -> None:
    created = dynamodb.create_table(
        TableName="users",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )["TableDescription"]
    assert created["TableStatus"] == "ACTIVE"
    table = dynamodb.describe_table(TableName="users")["Table"]
    assert table["TableArn"] == "arn:aws:dynamodb:us-east-1:123456789012:table/users"
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    assert table["LatestStreamArn"].startswith(table["TableArn"] + "/stream/")
    assert dynamodb.list_tables()["TableNames"] == ["orders", "users"]
    first = dynamodb.list_tables(Limit=1)
    assert first == {"TableNames": ["orders"], "LastEvaluatedTableName": "orders"} | {
        "ResponseMetadata": first["ResponseMetadata"]
    }
    assert dynamodb.list_tables(ExclusiveStartTableName="orders")["TableNames"] == ["users"]


def test_table_errors(dynamodb: Client) -> None:
    with pytest.raises(ClientError) as raised:
        dynamodb.describe_table(TableName="none")
    assert code_of(raised) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as raised:
        dynamodb.create_table(
            TableName="orders",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )
    assert code_of(raised) == "ResourceInUseException"
    with pytest.raises(ClientError) as raised:
        dynamodb.create_table(
            TableName="other",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "x", "AttributeType": "S"}],
        )
    assert code_of(raised) == "ValidationException"


def test_put_get_and_delete_items(dynamodb: Client) -> None:
    item = {
        "id": {"S": "o1"},
        "tags": {"SS": ["a", "b"]},
        "lines": {"L": [{"M": {"sku": {"S": "x"}, "n": {"N": "2"}}}]},
        "blob": {"B": b"\x00\x01"},
        "paid": {"BOOL": False},
    }
    assert "Attributes" not in dynamodb.put_item(TableName="orders", Item=item)
    got = dynamodb.get_item(TableName="orders", Key={"id": {"S": "o1"}})["Item"]
    assert got["blob"] == {"B": b"\x00\x01"}
    assert sorted(got["tags"]["SS"]) == ["a", "b"]
    assert got["lines"] == item["lines"]
    projected = dynamodb.get_item(
        TableName="orders",
        Key={"id": {"S": "o1"}},
        ProjectionExpression="#l[0].sku, paid",
        ExpressionAttributeNames={"#l": "lines"},
    )["Item"]
    assert projected == {"lines": {"L": [{"M": {"sku": {"S": "x"}}}]}, "paid": {"BOOL": False}}
    replaced = dynamodb.put_item(
        TableName="orders", Item={"id": {"S": "o1"}}, ReturnValues="ALL_OLD"
    )
    assert replaced["Attributes"]["paid"] == {"BOOL": False}
    deleted = dynamodb.delete_item(
        TableName="orders", Key={"id": {"S": "o1"}}, ReturnValues="ALL_OLD"
    )
    assert deleted["Attributes"] == {"id": {"S": "o1"}}
    assert "Item" not in dynamodb.get_item(TableName="orders", Key={"id": {"S": "o1"}})


def test_item_errors(dynamodb: Client) -> None:
    for call in (
        lambda: dynamodb.put_item(TableName="orders", Item={"other": {"S": "x"}}),
        lambda: dynamodb.get_item(TableName="orders", Key={"id": {"S": "x"}, "b": {"S": "y"}}),
        lambda: dynamodb.put_item(TableName="orders", Item={"id": {"S": "x"}, "n": {"N": "z"}}),
        lambda: dynamodb.put_item(TableName="orders", Item={"id": {"S": "x"}, "s": {"SS": []}}),
        lambda: dynamodb.get_item(
            TableName="orders", Key={"id": {"S": "x"}}, ProjectionExpression="a,,b"
        ),
        lambda: dynamodb.put_item(
            TableName="orders",
            Item={"id": {"S": "x"}},
            ExpressionAttributeValues={":unused": {"S": "x"}},
            ConditionExpression="attribute_not_exists(id)",
        ),
        lambda: dynamodb.put_item(
            TableName="orders", Item={"id": {"S": "x"}}, Expected={"id": {"Exists": False}}
        ),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert code_of(raised) == "ValidationException"
    with pytest.raises(ClientError) as raised:
        dynamodb.get_item(TableName="none", Key={"id": {"S": "x"}})
    assert code_of(raised) == "ResourceNotFoundException"


def test_update_expressions(dynamodb: Client) -> None:
    key = {"id": {"S": "o1"}}
    created = dynamodb.update_item(
        TableName="orders",
        Key=key,
        UpdateExpression="SET #n = :one, items = :list, visits = if_not_exists(visits, :zero) "
        "ADD tags :tags",
        ExpressionAttributeNames={"#n": "count"},
        ExpressionAttributeValues={
            ":one": {"N": "1"},
            ":list": {"L": [{"S": "a"}]},
            ":zero": {"N": "0"},
            ":tags": {"SS": ["x", "y"]},
        },
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert created["count"] == {"N": "1"}
    assert created["visits"] == {"N": "0"}
    updated = dynamodb.update_item(
        TableName="orders",
        Key=key,
        UpdateExpression="SET #n = #n + :two, items = list_append(items, :more), visits = "
        "if_not_exists(visits, :two) REMOVE gone DELETE tags :x ADD total :two",
        ExpressionAttributeNames={"#n": "count"},
        ExpressionAttributeValues={
            ":two": {"N": "2"},
            ":more": {"L": [{"S": "b"}]},
            ":x": {"SS": ["x"]},
        },
        ReturnValues="UPDATED_NEW",
    )["Attributes"]
    assert updated["count"] == {"N": "3"}
    assert updated["items"] == {"L": [{"S": "a"}, {"S": "b"}]}
    assert updated["visits"] == {"N": "0"}
    assert updated["tags"] == {"SS": ["y"]}
    assert updated["total"] == {"N": "2"}
    for expression, values in (
        ("SET id = :v", {":v": {"S": "x"}}),  # a key attribute
        ("SET a = :v + :v", {":v": {"S": "x"}}),  # arithmetic on strings
        ("SET a.b.c = :v", {":v": {"S": "x"}}),  # a path through nothing
        ("SET a = :v, a = :v", {":v": {"S": "x"}}),  # overlapping paths
        ("SET a = :missing", {":v": {"S": "x"}}),
    ):
        with pytest.raises(ClientError) as raised:
            dynamodb.update_item(
                TableName="orders",
                Key=key,
                UpdateExpression=expression,
                ExpressionAttributeValues=values,
            )
        assert code_of(raised) == "ValidationException", expression


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ("attribute_exists(id)", True),
        ("attribute_not_exists(id)", False),
        ("price > :ten", True),
        ("price BETWEEN :one AND :ten", False),
        ("#s IN (:new, :open)", True),
        ("begins_with(#s, :o)", True),
        ("contains(tags, :red) AND size(tags) = :two", True),
        ("NOT contains(tags, :red) OR price < :one", False),
        ("(price >= :ten AND #s <> :new) OR attribute_type(price, :string)", True),
        ("price = :o", False),  # a number is not a string
    ],
)
def test_condition_expressions_decide_writes(dynamodb: Client, condition: str, holds: bool) -> None:
    dynamodb.put_item(
        TableName="orders",
        Item={
            "id": {"S": "o1"},
            "price": {"N": "20"},
            "status": {"S": "open"},
            "tags": {"SS": ["red", "big"]},
        },
    )
    values = {
        ":one": {"N": "1"},
        ":ten": {"N": "10"},
        ":two": {"N": "2"},
        ":new": {"S": "new"},
        ":open": {"S": "open"},
        ":o": {"S": "o"},
        ":red": {"S": "red"},
        ":string": {"S": "S"},
    }
    used = {
        name: value
        for name, value in values.items()
        if re.search(re.escape(name) + r"\b", condition)
    }
    names = {"#s": "status"} if "#s" in condition else {}
    call = dict(
        TableName="orders",
        Key={"id": {"S": "o1"}},
        UpdateExpression="SET checked = :yes",
        ConditionExpression=condition,
        ExpressionAttributeValues={**used, ":yes": {"BOOL": True}},
        **({"ExpressionAttributeNames": names} if names else {}),
    )
    if holds:
        dynamodb.update_item(**call)
        item = dynamodb.get_item(TableName="orders", Key={"id": {"S": "o1"}})["Item"]
        assert item["checked"] == {"BOOL": True}
    else:
        with pytest.raises(ClientError) as raised:
            dynamodb.update_item(**call, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        assert code_of(raised) == "ConditionalCheckFailedException"
        assert raised.value.response["Item"]["price"] == {"N": "20"}


def test_conditional_put_and_delete(dynamodb: Client) -> None:
    new_only = {"ConditionExpression": "attribute_not_exists(id)"}
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "o1"}}, **new_only)
    with pytest.raises(ClientError) as raised:
        dynamodb.put_item(TableName="orders", Item={"id": {"S": "o1"}}, **new_only)
    assert code_of(raised) == "ConditionalCheckFailedException"
    with pytest.raises(ClientError) as raised:
        dynamodb.delete_item(
            TableName="orders",
            Key={"id": {"S": "o1"}},
            ConditionExpression="attribute_exists(paid)",
        )
    assert code_of(raised) == "ConditionalCheckFailedException"


def test_query_by_key_condition_with_filter_and_order(events: Client) -> None:
    answer = events.query(
        TableName="events",
        KeyConditionExpression="device = :d AND #at BETWEEN :low AND :high",
        ExpressionAttributeNames={"#at": "at"},
        ExpressionAttributeValues={":d": {"S": "d1"}, ":low": {"N": "2"}, ":high": {"N": "10"}},
    )
    assert [item["at"]["N"] for item in answer["Items"]] == ["2", "10"]
    backwards = events.query(
        TableName="events",
        KeyConditionExpression="device = :d",
        FilterExpression="kind = :hot",
        ExpressionAttributeValues={":d": {"S": "d2"}, ":hot": {"S": "hot"}},
        ScanIndexForward=False,
    )
    assert [item["at"]["N"] for item in backwards["Items"]] == ["10", "2"]
    assert (backwards["Count"], backwards["ScannedCount"]) == (2, 3)
    counted = events.query(
        TableName="events",
        KeyConditionExpression="device = :d AND #at < :two",
        ExpressionAttributeNames={"#at": "at"},
        ExpressionAttributeValues={":d": {"S": "d1"}, ":two": {"N": "2"}},
        Select="COUNT",
    )
    assert counted["Count"] == 1
    assert "Items" not in counted
    for bad in (
        "device <> :d",
        "kind = :d",
        "device = :d OR device = :d",
        "device = :d AND begins_with(kind, :d)",
    ):
        with pytest.raises(ClientError) as raised:
            events.query(
                TableName="events",
                KeyConditionExpression=bad,
                ExpressionAttributeValues={":d": {"S": "d1"}},
            )
        assert code_of(raised) == "ValidationException", bad


def test_query_and_scan_paginate(events: Client) -> None:
    pages = events.get_paginator("query").paginate(
        TableName="events",
        KeyConditionExpression="device = :d",
        ExpressionAttributeValues={":d": {"S": "d1"}},
        PaginationConfig={"PageSize": 2},
    )
    assert [item["at"]["N"] for page in pages for item in page["Items"]] == ["1", "2", "10"]
    first = events.scan(TableName="events", Limit=4)
    assert len(first["Items"]) == 4
    rest = events.scan(TableName="events", ExclusiveStartKey=first["LastEvaluatedKey"])
    assert len(rest["Items"]) == 2
    assert "LastEvaluatedKey" not in rest
    seen = {(i["device"]["S"], i["at"]["N"]) for i in first["Items"] + rest["Items"]}
    assert len(seen) == 6
    filtered = events.scan(
        TableName="events",
        FilterExpression="kind = :c AND #at > :one",
        ExpressionAttributeNames={"#at": "at"},
        ExpressionAttributeValues={":c": {"S": "hot"}, ":one": {"N": "1"}},
        ProjectionExpression="device",
    )
    assert filtered["Items"] == [{"device": {"S": "d1"}}] * 2 + [{"device": {"S": "d2"}}] * 2
    assert filtered["ScannedCount"] == 6


def test_batch_write_and_batch_get(dynamodb: Client) -> None:
    dynamodb.batch_write_item(
        RequestItems={
            "orders": [{"PutRequest": {"Item": {"id": {"S": f"o{n}"}}}} for n in range(3)]
        }
    )
    answer = dynamodb.batch_write_item(
        RequestItems={"orders": [{"DeleteRequest": {"Key": {"id": {"S": "o0"}}}}]}
    )
    assert answer["UnprocessedItems"] == {}
    got = dynamodb.batch_get_item(
        RequestItems={"orders": {"Keys": [{"id": {"S": f"o{n}"}} for n in range(3)]}}
    )
    assert sorted(item["id"]["S"] for item in got["Responses"]["orders"]) == ["o1", "o2"]
    with pytest.raises(ClientError) as raised:
        dynamodb.batch_write_item(
            RequestItems={"orders": [{"PutRequest": {"Item": {"id": {"S": "x"}}}}] * 2}
        )
    assert code_of(raised) == "ValidationException"
    with pytest.raises(ClientError) as raised:
        dynamodb.batch_write_item(
            RequestItems={
                "orders": [{"PutRequest": {"Item": {"id": {"S": f"x{n}"}}}} for n in range(26)]
            }
        )
    assert code_of(raised) == "ValidationException"


def test_transact_write_items_is_all_or_nothing(dynamodb: Client) -> None:
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "stock"}, "left": {"N": "1"}})
    take = {
        "Update": {
            "TableName": "orders",
            "Key": {"id": {"S": "stock"}},
            "UpdateExpression": "SET #l = #l - :one",
            "ConditionExpression": "#l >= :one",
            "ExpressionAttributeNames": {"#l": "left"},
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }

    def order(name: str) -> dict[str, Any]:
        return {"Put": {"TableName": "orders", "Item": {"id": {"S": name}}}}

    dynamodb.transact_write_items(TransactItems=[take, order("o1")])
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(TransactItems=[take, order("o2")])
    assert code_of(raised) == "TransactionCanceledException"
    reasons = raised.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["ConditionalCheckFailed", "None"]
    assert "Item" not in dynamodb.get_item(TableName="orders", Key={"id": {"S": "o2"}})
    stock = dynamodb.get_item(TableName="orders", Key={"id": {"S": "stock"}})["Item"]
    assert stock["left"] == {"N": "0"}


def test_an_operation_faaslib_does_not_serve_is_named(dynamodb: Client) -> None:
    with pytest.raises(ClientError) as raised:
        dynamodb.delete_table(TableName="orders")
    assert code_of(raised) == "UnknownOperationException"
    assert "DeleteTable" in raised.value.response["Error"]["Message"]


def test_transact_get_items_reads_each_item(dynamodb: Client) -> None:
    dynamodb.put_item(TableName="orders", Item={"id": {"S": "o1"}, "n": {"N": "1"}})
    answer = dynamodb.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": "orders", "Key": {"id": {"S": "o1"}}}},
            {"Get": {"TableName": "orders", "Key": {"id": {"S": "none"}}}},
            {
                "Get": {
                    "TableName": "orders",
                    "Key": {"id": {"S": "o1"}},
                    "ProjectionExpression": "n",
                }
            },
        ]
    )
    assert answer["Responses"] == [
        {"Item": {"id": {"S": "o1"}, "n": {"N": "1"}}},
        {},
        {"Item": {"n": {"N": "1"}}},
    ]


def test_boto3s_resource_api_and_its_condition_builder_work_unchanged(served: Served) -> None:
    resource = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
    ).resource("dynamodb", endpoint_url=served.url)
    resource.create_table(
        TableName="scores",
        KeySchema=[
            {"AttributeName": "player", "KeyType": "HASH"},
            {"AttributeName": "game", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "player", "AttributeType": "S"},
            {"AttributeName": "game", "AttributeType": "S"},
        ],
    )
    table = resource.Table("scores")
    for game, score in (("g1", 10), ("g2", 30), ("h1", 20)):
        table.put_item(Item={"player": "ann", "game": game, "score": score, "tags": {"x"}})
    table.update_item(
        Key={"player": "ann", "game": "g1"},
        UpdateExpression="ADD score :five",
        ConditionExpression=Attr("score").lt(15) & Attr("tags").contains("x"),
        ExpressionAttributeValues={":five": 5},
    )
    found = table.query(
        KeyConditionExpression=Key("player").eq("ann") & Key("game").begins_with("g"),
        FilterExpression=Attr("score").between(12, 40),
    )["Items"]
    assert [(item["game"], item["score"]) for item in found] == [("g1", 15), ("g2", 30)]
    assert found[0]["tags"] == {"x"}
    with pytest.raises(ClientError) as raised:
        table.put_item(
            Item={"player": "ann", "game": "g1"},
            ConditionExpression=Attr("player").not_exists(),
        )
    assert code_of(raised) == "ConditionalCheckFailedException"


def test_batch_get_refuses_a_key_twice(dynamodb: Client) -> None:
    with pytest.raises(ClientError) as raised:
        dynamodb.batch_get_item(RequestItems={"orders": {"Keys": [{"id": {"S": "x"}}] * 2}})
    assert code_of(raised) == "ValidationException"


MALFORMED: list[Any] = [
    {},
    {"TableName": 5},
    {"TableName": "orders", "Key": 1, "Item": [1]},
    {"TableName": "orders", "Key": {"id": {"S": 1}}, "Item": {"id": {"X": "y"}}},
    {"TableName": "orders", "Key": {"id": {}}, "Item": {"id": {"S": "a", "N": "1"}}},
    {"TableName": "orders", "Key": {"id": {"S": "a"}}, "UpdateExpression": 7},
    {"TableName": "orders", "KeyConditionExpression": "id = :v", "ExpressionAttributeValues": 3},
    {"TableName": "orders", "ExclusiveStartKey": {"id": 1}, "Limit": -1},
    {"TableName": "x", "KeySchema": [1], "AttributeDefinitions": 3},
    {"TableName": "x", "KeySchema": [{"KeyType": "HASH"}], "StreamSpecification": 1},
    {"RequestItems": {"orders": 5}},
    {"RequestItems": {"orders": [5]}},
    {"RequestItems": {"orders": {"Keys": [5]}}},
    {"TransactItems": [5]},
    {"TransactItems": [{"Put": 5}]},
    {"TransactItems": [{"Get": {"TableName": "orders", "Key": 5}}]},
    [1, 2],
]


CLIENT_ERRORS = (
    "ValidationException",
    "ResourceNotFoundException",
    "SerializationException",
    "ResourceInUseException",
)
OPERATIONS = (
    "CreateTable",
    "DescribeTable",
    "ListTables",
    "PutItem",
    "GetItem",
    "DeleteItem",
    "UpdateItem",
    "Query",
    "Scan",
    "BatchWriteItem",
    "BatchGetItem",
    "TransactWriteItems",
    "TransactGetItems",
)


def test_malformed_requests_are_client_errors_never_500(served: Served) -> None:
    assert_malformed_requests_are_client_errors(
        served.url,
        "DynamoDB_20120810",
        "application/x-amz-json-1.0",
        OPERATIONS,
        MALFORMED,
        CLIENT_ERRORS,
    )
