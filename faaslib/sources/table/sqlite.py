"""A table's items in a SQLite file: they outlive the process, and every process on the host
that opens the file reads and writes the same items.

An item is one row, keyed by its identity, holding its attributes in DynamoDB's typed JSON. The
table's row keeps its key schema and its stream's label, so a table opened again has the same
stream ARN (which the records of its stream and its mappings' checkpoints name).
"""

from __future__ import annotations

import msgspec

from faaslib.errors import ConfigurationError
from faaslib.events.streams import AttributeValue
from faaslib.sources.table.store import Identity, Item
from faaslib.stores.sqlite import Database
from faaslib.stores.sqlite.database import Transaction

__all__ = ["SQLiteItems"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tables (
    arn TEXT PRIMARY KEY, key_schema TEXT NOT NULL, stream_arn TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS table_items (
    tab TEXT NOT NULL, identity TEXT NOT NULL, item BLOB NOT NULL,
    PRIMARY KEY (tab, identity)
);
"""

_encode = msgspec.json.Encoder().encode
_decode_item = msgspec.json.Decoder(dict[str, AttributeValue]).decode


class SQLiteItems:
    """Table `arn`'s items in `database`."""

    def __init__(
        self, database: Database, arn: str, key_schema: tuple[str, ...], stream_arn: str
    ) -> None:
        database.ensure(_SCHEMA)
        self._database = database
        self._connection = database.connection
        self.arn = arn
        schema = _encode(list(key_schema)).decode()
        with database.transaction() as connection:
            connection.execute(
                "INSERT INTO tables (arn, key_schema, stream_arn) VALUES (?, ?, ?) "
                "ON CONFLICT (arn) DO NOTHING",
                (arn, schema, stream_arn),
            )
            kept_schema, self.stream_arn = connection.execute(
                "SELECT key_schema, stream_arn FROM tables WHERE arn = ?", (arn,)
            ).fetchone()
        if kept_schema != schema:
            raise ConfigurationError(
                f"table {arn!r}: key_schema={key_schema!r}, but the store "
                f"{str(database.path)!r} keeps it with {tuple(msgspec.json.decode(kept_schema))!r} "
                "(the key schema of a kept table cannot change)"
            )

    def batch(self) -> Transaction:
        return self._database.transaction()

    def get(self, identity: Identity) -> Item | None:
        row = self._connection.execute(
            "SELECT item FROM table_items WHERE tab = ? AND identity = ?",
            (self.arn, _encode(identity)),
        ).fetchone()
        return None if row is None else _decode_item(row[0])

    def put(self, identity: Identity, item: Item) -> None:
        with self._database.transaction() as connection:
            connection.execute(
                "INSERT INTO table_items (tab, identity, item) VALUES (?, ?, ?) "
                "ON CONFLICT (tab, identity) DO UPDATE SET item = excluded.item",
                (self.arn, _encode(identity), _encode(item)),
            )

    def delete(self, identity: Identity) -> None:
        with self._database.transaction() as connection:
            connection.execute(
                "DELETE FROM table_items WHERE tab = ? AND identity = ?",
                (self.arn, _encode(identity)),
            )

    def items(self) -> list[Item]:
        rows = self._connection.execute(
            "SELECT item FROM table_items WHERE tab = ? ORDER BY rowid", (self.arn,)
        ).fetchall()
        return [_decode_item(row[0]) for row in rows]

    def count(self) -> int:
        row = self._connection.execute(
            "SELECT COUNT(*) FROM table_items WHERE tab = ?", (self.arn,)
        ).fetchone()
        return int(row[0])
