"""`SQLiteValues`: `Values` in the database's `values` table, as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from faaslib.stores.sqlite.database import Database
from faaslib.stores.values import (
    add_by_get_and_put,
    add_many_by_get_and_put,
    advance_by_get_and_put,
    swap_by_get_and_put,
)

__all__ = ["SQLiteValues"]


class SQLiteValues:
    def __init__(self, database: Database) -> None:
        self._database = database

    def get(self, namespace: str, key: str) -> Any | None:
        row = self._database.connection.execute(
            'SELECT value FROM "values" WHERE namespace = ? AND key = ?', (namespace, key)
        ).fetchone()
        return None if row is None else msgspec.json.decode(row[0])

    def put(self, namespace: str, key: str, value: Any) -> None:
        with self._database.transaction() as connection:
            connection.execute(
                'INSERT INTO "values" (namespace, key, value) VALUES (?, ?, ?) '
                "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value",
                (namespace, key, msgspec.json.encode(value)),
            )

    def add(self, namespace: str, key: str, amounts: Mapping[str, int]) -> dict[str, int]:
        with self._database.transaction():
            return add_by_get_and_put(self, namespace, key, amounts)

    def add_many(
        self, namespace: str, amounts: Mapping[str, Mapping[str, int]]
    ) -> dict[str, dict[str, int]]:
        with self._database.transaction():
            return add_many_by_get_and_put(self, namespace, amounts)

    def advance(self, namespace: str, key: str, value: float) -> bool:
        with self._database.transaction():
            return advance_by_get_and_put(self, namespace, key, value)

    def swap(self, namespace: str, key: str, expected: Any | None, value: Any | None) -> bool:
        with self._database.transaction():
            return swap_by_get_and_put(self, self._remove, namespace, key, expected, value)

    def _remove(self, namespace: str, key: str) -> None:
        with self._database.transaction() as connection:
            connection.execute(
                'DELETE FROM "values" WHERE namespace = ? AND key = ?', (namespace, key)
            )
