"""`DynamoDBService`: DynamoDB's operations, each translated into calls of the app's tables
(`app.table(...)`, `Table.get_item`, `put_item`, `delete_item`, `items`), with DynamoDB's
requests, answers and errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from faaslib.aws.dynamodb.expressions import Expressions, invalid
from faaslib.aws.dynamodb.reads import read_many
from faaslib.aws.dynamodb.values import check_item, mapping, plain_item, required, typed_item
from faaslib.aws.dynamodb.writes import (
    Kind,
    Write,
    condition_failed,
    prepare,
    projected,
    refuse_legacy,
)
from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse, json_response
from faaslib.errors import ConfigurationError
from faaslib.sources.table import Table, TableError

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["DynamoDBService"]

Operation = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

_LIST_LIMIT = 100
_BATCH_WRITE_LIMIT = 25
_BATCH_GET_LIMIT = 100
_TRANSACTION_LIMIT = 100
_TRANSACT_KINDS: tuple[Kind, ...] = ("ConditionCheck", "Put", "Delete", "Update")


class DynamoDBService:
    """DynamoDB's JSON protocol for `app`'s tables: `DynamoDBService(app)`, served by `app.aws`.

    Items and their stream are the tables' own; this class checks requests, runs expressions
    and translates. What the tables do not have (secondary indexes, deleting or changing a
    table, TTL, backups, PartiQL, ...) answers `UnknownOperationException` or
    `ValidationException` naming it.
    """

    name = "dynamodb"

    def __init__(self, app: App) -> None:
        self.app = app
        self._operations: dict[str, Operation] = {
            "CreateTable": self._create_table,
            "DescribeTable": self._describe_table,
            "ListTables": self._list_tables,
            "PutItem": self._put_item,
            "GetItem": self._get_item,
            "DeleteItem": self._delete_item,
            "UpdateItem": self._update_item,
            "Query": self._query,
            "Scan": self._scan,
            "BatchWriteItem": self._batch_write_item,
            "BatchGetItem": self._batch_get_item,
            "TransactWriteItems": self._transact_write_items,
            "TransactGetItems": self._transact_get_items,
        }

    async def handle(self, request: AwsRequest) -> AwsResponse:
        """The answer to one DynamoDB request (JSON protocol)."""
        operation = self._operations.get(request.operation or "")
        if request.protocol != "json" or operation is None:
            raise AwsError(
                "UnknownOperationException",
                f"faaslib does not emulate the DynamoDB operation {request.operation!r} (it "
                f"serves: {', '.join(sorted(self._operations))})",
            )
        try:
            answer = await operation(request.json())
        except (TableError, ConfigurationError) as error:
            raise invalid(f"One or more parameter values were invalid: {error}") from None
        return json_response(answer)

    # -- tables -------------------------------------------------------------------------------

    def _table(self, name: Any) -> Table:
        table = self.app.tables.get(name) if isinstance(name, str) else None
        if table is None:
            raise AwsError(
                "ResourceNotFoundException",
                f"Requested resource not found: Table: {name} not found",
            )
        return table

    async def _create_table(self, params: dict[str, Any]) -> dict[str, Any]:
        name = required(params, "TableName")
        for unserved in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes", "Tags"):
            if params.get(unserved):
                raise invalid(f"faaslib's tables have no {unserved}")
        schema = [mapping(part, "KeySchema[]") for part in required(params, "KeySchema", list)]
        roles = [(part.get("KeyType"), part.get("AttributeName")) for part in schema]
        if not roles or roles[0][0] != "HASH" or [r for r, _ in roles[1:]] not in ([], ["RANGE"]):
            raise invalid(
                "Invalid KeySchema: the first element must be HASH and an optional second RANGE"
            )
        key_names = tuple(str(attribute) for _, attribute in roles)
        definitions = [
            mapping(part, "AttributeDefinitions[]")
            for part in required(params, "AttributeDefinitions", list)
        ]
        defined = {part.get("AttributeName"): part.get("AttributeType") for part in definitions}
        if set(defined) != set(key_names) or len(defined) != len(definitions):
            raise invalid(
                "One or more parameter values were invalid: Number of attributes in KeySchema "
                "does not exactly match number of attributes defined in AttributeDefinitions"
            )
        if any(kind not in ("S", "N", "B") for kind in defined.values()):
            raise invalid("Key attributes must be of type S, N or B")
        stream = mapping(params.get("StreamSpecification") or {}, "StreamSpecification")
        view_type = stream.get("StreamViewType") or "NEW_AND_OLD_IMAGES"
        if name in self.app.tables:
            raise AwsError("ResourceInUseException", f"Table already exists: {name}")
        table = self.app.table(name, key_schema=key_names, stream_view_type=view_type)
        return {"TableDescription": self._description(table)}

    def _description(self, table: Table) -> dict[str, Any]:
        roles = ("HASH", "RANGE")
        label = table.stream_arn.rsplit("/", 1)[1]
        return {
            "TableName": table.name,
            "TableArn": table.arn,
            "TableStatus": "ACTIVE",
            "KeySchema": [
                {"AttributeName": name, "KeyType": role}
                for name, role in zip(table.key_schema, roles, strict=False)
            ],
            "ItemCount": len(table.items()),
            "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"},
            "StreamSpecification": {
                "StreamEnabled": True,
                "StreamViewType": table.stream_view_type,
            },
            "LatestStreamArn": table.stream_arn,
            "LatestStreamLabel": label,
        }

    async def _describe_table(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Table": self._description(self._table(required(params, "TableName")))}

    async def _list_tables(self, params: dict[str, Any]) -> dict[str, Any]:
        limit = params.get("Limit") or _LIST_LIMIT
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= _LIST_LIMIT:
            raise invalid(f"Limit={limit!r} must be from 1 to {_LIST_LIMIT}")
        after = params.get("ExclusiveStartTableName")
        names = sorted(name for name in self.app.tables if after is None or name > after)
        answer: dict[str, Any] = {"TableNames": names[:limit]}
        if len(names) > limit:
            answer["LastEvaluatedTableName"] = names[limit - 1]
        return answer

    # -- items --------------------------------------------------------------------------------

    async def _write_one(self, write: Write) -> dict[str, Any]:
        with write.table._batch():  # the condition and the write in one step, as DynamoDB's
            write.read()
            if not write.holds():
                raise condition_failed(write.old, write.params)
            write.store()
        returned = write.returned()
        return {"Attributes": returned} if returned else {}

    async def _put_item(self, params: dict[str, Any]) -> dict[str, Any]:
        table = self._table(params.get("TableName"))
        return await self._write_one(prepare(table, "Put", params))

    async def _delete_item(self, params: dict[str, Any]) -> dict[str, Any]:
        table = self._table(params.get("TableName"))
        return await self._write_one(prepare(table, "Delete", params))

    async def _update_item(self, params: dict[str, Any]) -> dict[str, Any]:
        table = self._table(params.get("TableName"))
        return await self._write_one(prepare(table, "Update", params))

    async def _get_item(self, params: dict[str, Any]) -> dict[str, Any]:
        table = self._table(params.get("TableName"))
        return await self._get(table, required(params, "Key", dict), params)

    async def _get(self, table: Table, key: Any, params: dict[str, Any]) -> dict[str, Any]:
        refuse_legacy(params)
        key = check_item(key, "Key")
        if set(key) != set(table.key_schema):
            raise invalid("The provided key element does not match the schema")
        expressions = Expressions(params.get("ExpressionAttributeNames"), None)
        probe: dict[str, Any] = {}
        projected(probe, params, expressions)  # parses it, before the read
        expressions.check_all_used()
        item = typed_item(await table.get_item(plain_item(key)))
        return {} if item is None else {"Item": projected(item, params, expressions)}

    async def _query(self, params: dict[str, Any]) -> dict[str, Any]:
        return read_many(self._table(params.get("TableName")), params, query=True)

    async def _scan(self, params: dict[str, Any]) -> dict[str, Any]:
        return read_many(self._table(params.get("TableName")), params, query=False)

    # -- batches and transactions -------------------------------------------------------------

    async def _batch_write_item(self, params: dict[str, Any]) -> dict[str, Any]:
        requests = required(params, "RequestItems", dict)
        writes: list[Write] = []
        for name, entries in requests.items():
            table = self._table(name)
            for entry in entries if isinstance(entries, list) else [None]:
                if isinstance(entry, dict) and isinstance(entry.get("PutRequest"), dict):
                    writes.append(prepare(table, "Put", {"Item": entry["PutRequest"].get("Item")}))
                elif isinstance(entry, dict) and isinstance(entry.get("DeleteRequest"), dict):
                    key = {"Key": entry["DeleteRequest"].get("Key")}
                    writes.append(prepare(table, "Delete", key))
                else:
                    raise invalid(f"RequestItems[{name!r}]: each is a PutRequest or DeleteRequest")
        if not 1 <= len(writes) <= _BATCH_WRITE_LIMIT:
            raise invalid(
                f"Too many items requested for the BatchWriteItem call: {len(writes)}; it takes "
                f"1 to {_BATCH_WRITE_LIMIT}"
            )
        _refuse_duplicates(writes, "Provided list of item keys contains duplicates")
        for write in writes:
            await self._write_one(write)
        return {"UnprocessedItems": {}}

    async def _batch_get_item(self, params: dict[str, Any]) -> dict[str, Any]:
        requests = {
            name: mapping(request, f"RequestItems[{name!r}]")
            for name, request in required(params, "RequestItems", dict).items()
        }
        for name, request in requests.items():
            if not isinstance(request.get("Keys"), list):
                raise invalid(f"RequestItems[{name!r}].Keys must be a list of keys")
        count = sum(len(request["Keys"]) for request in requests.values())
        if not 1 <= count <= _BATCH_GET_LIMIT:
            raise invalid(
                f"Too many items requested for the BatchGetItem call: {count}; it takes 1 to "
                f"{_BATCH_GET_LIMIT}"
            )
        responses: dict[str, list[Any]] = {}
        for name, request in requests.items():
            table = self._table(name)
            keys = [repr(key) for key in request.get("Keys") or []]
            if len(set(keys)) != len(keys):
                raise invalid("Provided list of item keys contains duplicates")
            found = responses.setdefault(name, [])
            for key in request.get("Keys") or []:
                answer = await self._get(table, key, request)
                if "Item" in answer:
                    found.append(answer["Item"])
        return {"Responses": responses, "UnprocessedKeys": {}}

    async def _transact_write_items(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = required(params, "TransactItems", list)
        if not 1 <= len(entries) <= _TRANSACTION_LIMIT:
            raise invalid(f"TransactItems takes 1 to {_TRANSACTION_LIMIT} items")
        writes: list[Write] = []
        for index, entry in enumerate(entries):
            kinds = [kind for kind in _TRANSACT_KINDS if isinstance(entry, dict) and kind in entry]
            if len(kinds) != 1:
                raise invalid(f"TransactItems[{index}] must hold exactly one of {_TRANSACT_KINDS}")
            request = mapping(entry[kinds[0]], f"TransactItems[{index}].{kinds[0]}")
            writes.append(prepare(self._table(request.get("TableName")), kinds[0], request))
        _refuse_duplicates(
            writes, "Transaction request cannot include multiple operations on one item"
        )
        # All or nothing, as DynamoDB's: the reads, the conditions and the writes are one step
        # (one transaction on a file store, which a killed process never leaves half done).
        # The tables in one order (by ARN) in every process: where each table is a lock
        # (Redis), two transactions over the same tables never wait for each other's.
        with ExitStack() as one_step:
            tables = {write.table.arn: write.table for write in writes}
            for arn in sorted(tables):
                one_step.enter_context(tables[arn]._batch())
            self._transact(writes)
        return {}

    def _transact(self, writes: list[Write]) -> None:
        for write in writes:
            write.read()
        outcomes = [write.holds() for write in writes]
        if not all(outcomes):
            reasons = [
                {"Code": "None"}
                if held
                else {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
                for held in outcomes
            ]
            codes = ", ".join(reason["Code"] for reason in reasons)
            raise AwsError(
                "TransactionCanceledException",
                f"Transaction cancelled, please refer cancellation reasons for specific reasons "
                f"[{codes}]",
                fields={"CancellationReasons": reasons},
            )
        for write in writes:
            write.store()

    async def _transact_get_items(self, params: dict[str, Any]) -> dict[str, Any]:
        entries = required(params, "TransactItems", list)
        if not 1 <= len(entries) <= _TRANSACTION_LIMIT:
            raise invalid(f"TransactItems takes 1 to {_TRANSACTION_LIMIT} items")
        gets = []
        for index, entry in enumerate(entries):
            request = entry.get("Get") if isinstance(entry, dict) else None
            if not isinstance(request, dict):
                raise invalid(f"TransactItems[{index}] must hold a Get")
            gets.append((self._table(request.get("TableName")), request))
        # Every read is made before any other request runs: the items are of one moment.
        answers = [await self._get(table, request.get("Key"), request) for table, request in gets]
        return {"Responses": answers}


def _refuse_duplicates(writes: list[Write], message: str) -> None:
    seen = set()
    for write in writes:
        identity = (write.table.name, repr(sorted(plain_item(write.key).items())))
        if identity in seen:
            raise invalid(message)
        seen.add(identity)
