"""The DynamoDB-like table in its own room, beside the stream its changes are written to.

A table depends on `faaslib.sources.stream` (its changes are a `Stream`); the event source
mapping that reads those changes, `faaslib.sources.stream_mapping`, depends on both, so each
import points one way. Its items are kept as its store says (`store`): in memory (`memory`,
the default) or in a SQLite file (`sqlite`).
"""

from faaslib.sources.table.table import STREAM_VIEW_TYPES, Table, TableError

__all__ = ["STREAM_VIEW_TYPES", "Table", "TableError"]
