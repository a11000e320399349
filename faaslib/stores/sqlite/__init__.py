"""The SQLite backend: one database file in WAL mode, shared by every process that opens it."""

from faaslib.stores.sqlite.database import Database
from faaslib.stores.sqlite.values import SQLiteValues

__all__ = ["Database", "SQLiteValues"]
