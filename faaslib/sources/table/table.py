"""A DynamoDB-like table with a stream: items by key, and every change as a stream record.

`put_item`, `update_item` and `delete_item` change items; each write that changes an item adds
one record to the table's stream, as DynamoDB Streams does: INSERT for a new item, MODIFY for a
changed one, REMOVE for a deleted one, with the item's `Keys` and, as `stream_view_type` says,
its `NewImage` and/or `OldImage`. A write that changes nothing (the same item put again, the
delete of a missing item) adds no record. The stream is a `Stream` of shards (`table.stream`),
read with its shard iterators; every record of one item goes to the same shard, in order, and
`table.change(record)` gives it back as the DynamoDB stream record Lambda receives.

Items come back as boto3's resource API gives them: numbers as `Decimal`, binary as `bytes`,
sets as `set`. Time comes from the table's `Clock`. Items live in the app's store (`store.py`):
in memory by default, or in a SQLite file, where a write and its stream record are one
transaction (a process killed between them leaves neither) and a read-modify-write
(`update_item`) cannot interleave with another process's write. Where it is simpler than
DynamoDB, on purpose: no condition, update or projection expressions (`update_item` sets
plain values and removes attribute names), no queries, scans, secondary indexes, transactions,
capacity or TTL; stream records carry the Kinesis-style sequence numbers and shard ids of
`Stream` (DynamoDB's are shorter), and their shard iterators expire after 5 minutes
(DynamoDB's after 15).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from faaslib.clock import Clock
from faaslib.errors import ConfigurationError
from faaslib.events._fake import arn as resource_arn
from faaslib.events._fake import iso_time, md5_hex
from faaslib.events.stream_builders import build_dynamodb_stream
from faaslib.events.streams import (
    AttributeValue,
    DynamoDBStreamChange,
    DynamoDBStreamEvent,
    DynamoDBStreamRecord,
)
from faaslib.sources._common import shown
from faaslib.sources.stream.records import Record
from faaslib.sources.stream.stream import Stream
from faaslib.sources.table.store import Identity, Item, for_backend

if TYPE_CHECKING:
    from faaslib.stores import Backend

__all__ = ["STREAM_VIEW_TYPES", "Table", "TableError"]

STREAM_VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
MAX_ITEM_SIZE = 409_600  # 400 KB, names and values together
MAX_NESTING = 32  # "DynamoDB supports nested attributes up to 32 levels deep"
_NAME = re.compile(r"[A-Za-z0-9_.-]{3,255}")
_KEY_TYPES = ("S", "N", "B")


class TableError(ValueError):
    """A request DynamoDB would refuse; `code` is its error code (`ValidationException`)."""

    code = "ValidationException"

    def __init__(self, table_name: str, message: str) -> None:
        super().__init__(f"table {table_name!r}: {message}")
        self.table_name = table_name


class Table:
    """A DynamoDB table whose stream records every change.

    ```pycon
    >>> table = Table("users", clock, key_schema=("id",))
    >>> await table.put_item({"id": "u1", "name": "Ann"})
    >>> await table.update_item({"id": "u1"}, {"name": "Ana"})
    >>> iterator = table.stream.iterator("shardId-000000000000", "TRIM_HORIZON")
    >>> [table.change(r).event_name for r in table.stream.get_records(iterator).records]
    ['INSERT', 'MODIFY']
    ```

    `key_schema` names the partition key attribute and, if the table has one, the sort key;
    key values are strings, numbers or bytes.
    """

    def __init__(
        self,
        name: str,
        clock: Clock,
        *,
        key_schema: Sequence[str] = ("pk",),
        stream_view_type: str = "NEW_AND_OLD_IMAGES",
        shards: int = 1,
        region: str = "us-east-1",
        account: str = "123456789012",
        backend: Backend | None = None,
    ) -> None:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ConfigurationError(
                f"table {name!r}: the name must have 3 to 255 characters: letters, digits, "
                "'_', '-' or '.'"
            )
        key_schema = tuple(key_schema) if not isinstance(key_schema, str) else (key_schema,)
        if not 1 <= len(key_schema) <= 2 or len(set(key_schema)) != len(key_schema):
            raise ConfigurationError(
                f"table {name!r}: key_schema={key_schema!r} must name a partition key and, "
                "optionally, a different sort key"
            )
        if not all(isinstance(part, str) and part for part in key_schema):
            raise ConfigurationError(
                f"table {name!r}: key_schema={key_schema!r} must hold attribute names"
            )
        if stream_view_type not in STREAM_VIEW_TYPES:
            raise ConfigurationError(
                f"table {name!r}: stream_view_type={stream_view_type!r} is not one of "
                f"{', '.join(STREAM_VIEW_TYPES)}"
            )
        self.name = name
        self.clock = clock
        self.key_schema: tuple[str, ...] = key_schema
        self.stream_view_type = stream_view_type
        self.region = region
        self.account = account
        self._backend = backend  # where its state lives (memory when None)
        self.arn = resource_arn("dynamodb", f"table/{name}", region=region, account=account)
        # DynamoDB labels a stream with the time it was enabled, without a zone suffix; a
        # table kept in a file keeps the label it was first given.
        label = f"{self.arn}/stream/{iso_time(clock.now())[:-1]}"
        self._items = for_backend(backend, self.arn, key_schema, label)
        self.stream_arn = self._items.stream_arn
        # The stream's own name shows nowhere Lambda looks; Kinesis caps names at 128. Its
        # records are kept under the table's ARN, apart from a Kinesis stream of that name.
        self.stream = Stream(
            name[:128],
            clock,
            shards=shards,
            region=region,
            account=account,
            backend=backend,
            key=f"{self.arn}/stream",
        )

    def __repr__(self) -> str:
        return f"<Table {self.name!r}: {self._items.count()} items>"

    async def get_item(self, key: Mapping[str, Any]) -> dict[str, Any] | None:
        """The item with `key` (its key attributes, no others), or None."""
        return self._get_now(key)

    def items(self) -> list[dict[str, Any]]:
        """Every item of the table, as `get_item` gives them, in no particular order."""
        return [_values(item) for item in self._items.items()]

    async def put_item(self, item: Mapping[str, Any]) -> dict[str, Any] | None:
        """Create or replace the item with `item`'s key; the item it replaced, or None."""
        return self._put_now(item)

    async def update_item(
        self,
        key: Mapping[str, Any],
        updates: Mapping[str, Any] | None = None,
        *,
        remove: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Set the attributes in `updates` and remove those named in `remove`, creating the item
        if it does not exist (as UpdateItem does); the item as it is after."""
        typed_key = self._key(key)
        updates = dict(updates or {})
        removed = list(remove)
        for name in [*updates, *removed]:
            if name in self.key_schema:
                raise TableError(
                    self.name,
                    f"cannot update attribute {name!r}: it is part of the key {self.key_schema}",
                )
        identity = self._identity(typed_key)
        typed_updates = self._typed(updates, check_size=False)
        with self._items.batch():  # read and write as one step, whichever process writes too
            item = dict(self._items.get(identity) or typed_key)
            item.update(typed_updates)
            for name in removed:
                item.pop(name, None)
            self._check_size(item)
            self._write(identity, item)
        return _values(item)

    async def delete_item(self, key: Mapping[str, Any]) -> dict[str, Any] | None:
        """Delete the item with `key`; the item deleted, or None if there was none."""
        return self._delete_now(key)

    def change(self, record: Record) -> DynamoDBStreamRecord:
        """A record read from `table.stream` as the DynamoDB stream record Lambda receives; its
        `SequenceNumber` is the stream record's."""
        change = msgspec.json.decode(record.data, type=DynamoDBStreamRecord)
        assert isinstance(change.dynamodb, DynamoDBStreamChange)  # every record has one
        change.dynamodb.sequence_number = record.sequence_number
        return change

    def lambda_event(self, records: Iterable[Record]) -> DynamoDBStreamEvent:
        """A batch of records from `table.stream` as the event Lambda sends a mapped function."""
        return DynamoDBStreamEvent(records=[self.change(record) for record in records])

    # -- inside ----------------------------------------------------------------------------------

    # The steps of `get_item`, `put_item` and `delete_item`, done now: for a caller that makes
    # several of them one step (`_batch()`), as TransactWriteItems does, with no await between.

    def _get_now(self, key: Mapping[str, Any]) -> dict[str, Any] | None:
        stored = self._items.get(self._identity(self._key(key)))
        return None if stored is None else _values(stored)

    def _put_now(self, item: Mapping[str, Any]) -> dict[str, Any] | None:
        key = self._key(item, field="item")
        return self._write(self._identity(key), self._typed(item))

    def _delete_now(self, key: Mapping[str, Any]) -> dict[str, Any] | None:
        return self._write(self._identity(self._key(key)), None)

    def _batch(self) -> AbstractContextManager[object]:
        """Make the steps inside one (one transaction on a file store; the tables of an app
        share its file, so batches of several tables join one transaction)."""
        return self._items.batch()

    def _write(self, identity: Identity, new: Item | None) -> dict[str, Any] | None:
        """Store `new` (None deletes) and record the change in the stream, as one step; the old
        item."""
        with self._items.batch():
            return self._change(identity, new)

    def _change(self, identity: Identity, new: Item | None) -> dict[str, Any] | None:
        old = self._items.get(identity)
        if new == old:
            return None if old is None else _values(old)  # no change, no stream record
        if new is None:
            self._items.delete(identity)
        else:
            self._items.put(identity, new)
        after = new if new is not None else old
        assert after is not None
        keys = {name: after[name].value() for name in self.key_schema}
        event_name = "INSERT" if old is None else "REMOVE" if new is None else "MODIFY"
        [record] = build_dynamodb_stream(
            event_name,
            keys=keys,
            new_image=None if new is None else _values(new),
            old_image=None if old is None else _values(old),
            table=self.name,
            stream_view_type=self.stream_view_type,
            now=self.clock.now(),
            region=self.region,
            account=self.account,
        ).records
        record.event_source_arn = self.stream_arn
        # Every record of an item shares a partition key, so one shard keeps them in order.
        partition_key = md5_hex(msgspec.json.encode(identity))
        self.stream._put_now(msgspec.json.encode(record), partition_key)
        return None if old is None else _values(old)

    def _key(self, key: Mapping[str, Any], field: str = "key") -> dict[str, AttributeValue]:
        """`key` checked against the key schema, in DynamoDB's typed form."""
        if not isinstance(key, Mapping):
            raise TableError(
                self.name, f"{field}={shown(key)} is not a mapping of attribute values"
            )
        if field == "key" and set(key) != set(self.key_schema):
            raise TableError(
                self.name,
                f"the key has attributes {sorted(key)}; the key schema is {list(self.key_schema)}",
            )
        typed: dict[str, AttributeValue] = {}
        for name in self.key_schema:
            if name not in key:
                raise TableError(
                    self.name,
                    f"{field} has no {name!r}; the key schema is {list(self.key_schema)}",
                )
            value = key[name]
            problem = _unstorable({name: value})
            if problem is not None:
                raise TableError(self.name, f"{field}: {problem}")
            attribute = self._attribute(name, value)
            if _kind(attribute) not in _KEY_TYPES:
                raise TableError(
                    self.name,
                    f"{field}[{name!r}]={shown(value)}: a key attribute must be a string, a number "
                    "or bytes",
                )
            if value in ("", b""):
                raise TableError(
                    self.name, f"{field}[{name!r}] is empty; a key attribute needs a value"
                )
            typed[name] = attribute
        return typed

    def _identity(self, key: dict[str, AttributeValue]) -> Identity:
        """What makes two keys the same item: the type and value of each key attribute, numbers
        compared by value (1 is 1.0)."""
        identity = []
        for name in self.key_schema:
            attribute = key[name]
            if isinstance(attribute.number, str):
                identity.append((name, "N", str(Decimal(attribute.number).normalize())))
            elif isinstance(attribute.binary, str):
                identity.append((name, "B", attribute.binary))
            else:
                identity.append((name, "S", str(attribute.string)))
        return tuple(identity)

    def _typed(
        self, item: Mapping[str, Any], *, check_size: bool = True
    ) -> dict[str, AttributeValue]:
        if not isinstance(item, Mapping):
            raise TableError(
                self.name, f"{shown(item)} is not a mapping of attribute names to values"
            )
        problem = _unstorable(item)
        if problem is not None:
            raise TableError(self.name, problem)
        typed = {name: self._attribute(name, value) for name, value in item.items()}
        if check_size:
            self._check_size(typed)
        return typed

    def _attribute(self, name: Any, value: Any) -> AttributeValue:
        if not isinstance(name, str) or not name:
            raise TableError(self.name, f"attribute name {shown(name)} must be a non-empty str")
        try:
            return AttributeValue.of(value)
        except TypeError as error:
            raise TableError(self.name, f"attribute {name!r}: {error}") from None

    def _check_size(self, item: dict[str, AttributeValue]) -> None:
        size = sum(len(name.encode()) + _size(value) for name, value in item.items())
        if size > MAX_ITEM_SIZE:
            raise TableError(
                self.name,
                f"the item is about {size:,} bytes, over DynamoDB's limit of "
                f"{MAX_ITEM_SIZE:,} bytes (400 KB)",
            )


def _unstorable(item: Mapping[Any, Any]) -> str | None:
    """Why DynamoDB could not store `item`, found before it is converted: a value nested deeper
    than 32 levels (a value that contains itself is), a string that is not UTF-8 text (a lone
    surrogate), or more elements than an item of 400 KB can hold. Walked without recursion,
    each element at most once along each path."""
    pending: list[tuple[Any, int, str]] = [(item, 0, "")]
    elements = 0
    while pending:
        value, depth, path = pending.pop()
        elements += 1
        if elements > MAX_ITEM_SIZE:  # every element counts at least one byte
            return f"the item has over {MAX_ITEM_SIZE:,} elements, over DynamoDB's 400 KB"
        if isinstance(value, str):
            try:
                value.encode()
            except UnicodeEncodeError as error:
                found = value[error.start : error.end]
                return f"{path or 'a name'} holds {found!r}, a lone surrogate, not UTF-8 text"
            continue
        if isinstance(value, Mapping):
            children = [(key, depth, path or "a name") for key in value]
            children += [(v, depth + 1, f"{path}[{shown(k)}]") for k, v in value.items()]
        elif isinstance(value, (list, tuple, set, frozenset)):
            children = [(v, depth + 1, f"{path}[{i}]") for i, v in enumerate(value)]
        else:
            continue
        if depth > MAX_NESTING:
            return f"{path} nests over {MAX_NESTING} levels deep; DynamoDB's limit is {MAX_NESTING}"
        pending += children
    return None


def _kind(attribute: AttributeValue) -> str | None:
    """Which of S, N, B, ... `attribute` holds."""
    for field, name in zip(
        attribute.__struct_fields__, attribute.__struct_encode_fields__, strict=True
    ):
        if getattr(attribute, field) is not msgspec.UNSET:
            return name
    return None


def _size(attribute: AttributeValue) -> int:
    """About the bytes DynamoDB counts for a value: text and binary by length, a number 1 byte
    per two digits plus 1, a list or map 3 bytes plus 1 per element."""
    if isinstance(attribute.map_, dict):
        return 3 + sum(len(key.encode()) + _size(item) + 1 for key, item in attribute.map_.items())
    if isinstance(attribute.list_, list):
        return 3 + sum(_size(item) + 1 for item in attribute.list_)
    value = attribute.value()
    if isinstance(value, (set, frozenset)):
        return sum(_scalar_size(member) for member in value)
    return _scalar_size(value)


def _scalar_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, Decimal):
        return (len(value.as_tuple().digits) + 1) // 2 + 1
    return 1  # a boolean or null


def _values(item: dict[str, AttributeValue]) -> dict[str, Any]:
    return {name: attribute.value() for name, attribute in item.items()}
