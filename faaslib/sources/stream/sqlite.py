"""A stream's records in a SQLite file: they outlive the process, and every process on the host
that opens the file reads and writes the same shards.

A record is one row, numbered by its place in its shard. A shard's row keeps its tip (the number
the next record gets) and its first sequence number, so numbering goes on where it stopped, in
whichever process puts next: each put takes the tip and inserts its record in one transaction
(`BEGIN IMMEDIATE`), so two processes never give out the same number. Times are the clock's
wall time, which outlives the process; arrival timestamps are kept from going back across the
processes by the stream's row, which holds the latest one.
"""

from __future__ import annotations

from faaslib.clock import Clock
from faaslib.sources.stream._kept import KeptShard, KeptStream, shard_count_changed, with_first
from faaslib.sources.stream._shards import SLACK, make_shards
from faaslib.sources.stream.records import Record, ShardIterator
from faaslib.stores.sqlite import Database
from faaslib.stores.sqlite.database import Transaction, polling

__all__ = ["SQLiteShard", "SQLiteStream"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS streams (
    key TEXT PRIMARY KEY, shards INTEGER NOT NULL, created_at REAL NOT NULL,
    latest_arrival REAL NOT NULL, latest_arrived REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS stream_shards (
    stream TEXT NOT NULL, shard INTEGER NOT NULL, first TEXT NOT NULL, tip INTEGER NOT NULL,
    PRIMARY KEY (stream, shard)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stream_records (
    stream TEXT NOT NULL, shard INTEGER NOT NULL, number INTEGER NOT NULL,
    arrived REAL NOT NULL, arrival REAL NOT NULL, partition_key TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (stream, shard, number)
);
CREATE INDEX IF NOT EXISTS stream_records_arrived ON stream_records (stream, arrived);
"""


class SQLiteShard(KeptShard["SQLiteStream"]):
    """One shard's rows."""

    __slots__ = ()

    @property
    def tip(self) -> int:
        row = self.stream.connection.execute(
            "SELECT tip FROM stream_shards WHERE stream = ? AND shard = ?",
            (self.stream.key, self.index),
        ).fetchone()
        return int(row[0])

    @property
    def trim_horizon(self) -> int:
        row = self.stream.connection.execute(
            "SELECT MIN(number) FROM stream_records WHERE stream = ? AND shard = ?",
            (self.stream.key, self.index),
        ).fetchone()
        return self.tip if row[0] is None else int(row[0])

    def start(self, iterator: ShardIterator) -> tuple[int, float | None]:
        number = max(iterator.position, self.trim_horizon)
        not_before = iterator.not_before
        if not_before is not None:
            found = self._first_since(number, not_before)
            if found is None:
                return max(number, self.tip), not_before
            return found, None
        return number, None

    def first_arrived_since(self, timestamp: float) -> int:
        found = self._first_since(0, timestamp)
        return self.tip if found is None else found

    def _first_since(self, number: int, timestamp: float) -> int | None:
        """Arrival timestamps never decrease within a stream: the first record at or after
        `number` that arrived at or after `timestamp` starts the run of those that did."""
        row = self.stream.connection.execute(
            "SELECT MIN(number) FROM stream_records WHERE stream = ? AND shard = ? "
            "AND number >= ? AND arrival >= ?",
            (self.stream.key, self.index, number, timestamp - SLACK),
        ).fetchone()
        return None if row[0] is None else int(row[0])

    def read(self, number: int, limit: int, max_bytes: int) -> list[Record]:
        rows = self.stream.connection.execute(
            "SELECT number, arrival, partition_key, data FROM stream_records "
            "WHERE stream = ? AND shard = ? AND number >= ? ORDER BY number LIMIT ?",
            (self.stream.key, self.index, number, limit),
        )
        return self.within(rows, max_bytes)

    def arrived_at(self, number: int) -> float:
        row = self.stream.connection.execute(
            "SELECT arrived FROM stream_records WHERE stream = ? AND shard = ? AND number = ?",
            (self.stream.key, self.index, number),
        ).fetchone()
        return self.stream.time() if row is None else float(row[0])

    def append(self, data: bytes, partition_key: str) -> Record:
        stream = self.stream
        now = stream.clock.now()
        with stream.database.transaction() as connection:
            # Millisecond precision, as Kinesis stamps arrivals; never before an earlier record,
            # whichever process put it.
            arrival, arrived = connection.execute(
                "UPDATE streams SET latest_arrival = MAX(latest_arrival, ?), "
                "latest_arrived = MAX(latest_arrived, ?) WHERE key = ? "
                "RETURNING latest_arrival, latest_arrived",
                (round(now, 3), now, stream.key),
            ).fetchone()
            [number] = connection.execute(
                "UPDATE stream_shards SET tip = tip + 1 WHERE stream = ? AND shard = ? "
                "RETURNING tip - 1",
                (stream.key, self.index),
            ).fetchone()
            connection.execute(
                "INSERT INTO stream_records (stream, shard, number, arrived, arrival, "
                "partition_key, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (stream.key, self.index, number, arrived, arrival, partition_key, data),
            )
            stream.database.on_commit(self.changed.set)
        if stream.oldest is None:
            stream.oldest = arrived
        return self.record(number, data, partition_key, arrival)


class SQLiteStream(KeptStream):
    """The stream kept under `key` in `database`, on the clock's wall time. Opening it again
    (here or in another process) finds its shards, records and numbering as they were."""

    def __init__(self, database: Database, key: str, shards: int, clock: Clock) -> None:
        database.ensure(_SCHEMA)
        self.database = database
        self.connection = database.connection
        self.key = key
        self.clock = clock
        self.poll = polling(clock)
        layout = make_shards(shards)
        with database.transaction() as connection:
            row = connection.execute(
                "SELECT shards, created_at FROM streams WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                row = (shards, clock.now())
                connection.execute(
                    "INSERT INTO streams (key, shards, created_at, latest_arrival, "
                    "latest_arrived) VALUES (?, ?, ?, 0, 0)",
                    (key, *row),
                )
                connection.executemany(
                    "INSERT INTO stream_shards (stream, shard, first, tip) VALUES (?, ?, ?, 0)",
                    [
                        (key, index, shard.starting_sequence_number)
                        for index, shard in enumerate(layout)
                    ],
                )
            firsts = connection.execute(
                "SELECT first FROM stream_shards WHERE stream = ? ORDER BY shard", (key,)
            ).fetchall()
        if row[0] != shards:
            raise shard_count_changed(key, shards, str(database.path), row[0])
        self.created_at = float(row[1])
        self.logs: list[SQLiteShard] = [
            SQLiteShard(self, index, with_first(shard, first))
            for index, (shard, (first,)) in enumerate(zip(layout, firsts, strict=True))
        ]
        self.oldest: float | None = self._oldest()  # a cache: trims look only when due

    def batch(self) -> Transaction:
        return self.database.transaction()

    def _trim(self, cutoff: float) -> int:
        with self.database.transaction() as connection:
            trimmed = connection.execute(
                "DELETE FROM stream_records WHERE stream = ? AND arrived <= ?", (self.key, cutoff)
            ).rowcount
        return int(trimmed)

    def _oldest(self) -> float | None:
        row = self.connection.execute(
            "SELECT MIN(arrived) FROM stream_records WHERE stream = ?", (self.key,)
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def size(self) -> int:
        row = self.connection.execute(
            "SELECT COUNT(*) FROM stream_records WHERE stream = ?", (self.key,)
        ).fetchone()
        return int(row[0])
