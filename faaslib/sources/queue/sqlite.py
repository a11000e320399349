"""A queue's messages in a SQLite file: they outlive the process, and every process on the host
that opens the file consumes the same queue.

A message is one row. Its state is read from its `visible_at` (wall time): at or before now it
is visible, else it is in the state the row names (delayed, or in flight until its visibility
timeout passes), so a timeout that passes while no process runs needs no one to act on it. Each
operation is one transaction (`BEGIN IMMEDIATE`), and a core's `batch()` joins its steps into
one, so two processes never receive the same message within its visibility timeout.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import msgspec

from faaslib._signal import Signal, at_most
from faaslib.clock import Clock
from faaslib.sources.queue.messages import DEDUPLICATION_WINDOW, QueuedMessage
from faaslib.sources.queue.store import (
    DELAYED,
    IN_FLIGHT,
    SLACK,
    VISIBLE,
    MessageFields,
    StoredMessage,
    from_fields,
)
from faaslib.stores.sqlite import Database
from faaslib.stores.sqlite.database import Transaction, polling

__all__ = ["SQLiteMessages"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queues (
    name TEXT PRIMARY KEY, serial INTEGER NOT NULL, key BLOB NOT NULL, mask TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    queue TEXT NOT NULL, serial INTEGER NOT NULL,
    hidden INTEGER NOT NULL, visible_at REAL NOT NULL, expires_at REAL NOT NULL,
    enqueued_at REAL NOT NULL, retained_from REAL NOT NULL, received_at REAL NOT NULL,
    receive_count INTEGER NOT NULL, first_received INTEGER, group_id TEXT, fields BLOB NOT NULL,
    PRIMARY KEY (queue, serial)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_due ON messages (queue, visible_at);
CREATE INDEX IF NOT EXISTS messages_expiry ON messages (queue, expires_at);
CREATE INDEX IF NOT EXISTS messages_group ON messages (queue, group_id, serial);
CREATE TABLE IF NOT EXISTS deduplication (
    queue TEXT NOT NULL, key TEXT NOT NULL, until REAL NOT NULL,
    message_id TEXT NOT NULL, sequence_number TEXT,
    PRIMARY KEY (queue, key)
) WITHOUT ROWID;
"""
# SQLite's integers are 64-bit signed: no serial given out comes near this.
_MOST_SERIAL = 1 << 63
_COLUMNS = (
    "serial, hidden, visible_at, retained_from, received_at, receive_count, first_received, "
    "group_id, fields"
)


class _Fields(MessageFields):
    """A message's row keeps these too: they change only as it moves to another queue, which
    here inserts a row of its own."""

    sequence_number: str | None
    source_arn: str | None


_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(_Fields).decode


class SQLiteMessages:
    """Queue `name`'s messages in `database`, on the clock's wall time."""

    def __init__(
        self,
        database: Database,
        name: str,
        clock: Clock,
        *,
        fifo: bool,
        retention_period: float,
    ) -> None:
        database.ensure(_SCHEMA)
        self._database = database
        self._connection = database.connection
        self.name = name
        self.clock = clock
        self._poll = polling(clock)
        self.fifo = fifo
        self.retention_period = retention_period
        self._changed = Signal()
        with database.transaction() as connection:
            connection.execute(
                "INSERT INTO queues (name, serial, key, mask) VALUES (?, 0, ?, ?) "
                "ON CONFLICT (name) DO NOTHING",
                (name, secrets.token_bytes(8), format(secrets.randbits(96), "x")),
            )
            key, mask = connection.execute(
                "SELECT key, mask FROM queues WHERE name = ?", (name,)
            ).fetchone()
        self._secret: tuple[bytes, int] = (key, int(mask, 16))

    def batch(self) -> Transaction:
        return self._database.transaction()

    def time(self) -> float:
        return self.clock.now()

    def new_serial(self) -> int:
        with self._database.transaction() as connection:
            row = connection.execute(
                "UPDATE queues SET serial = serial + 1 WHERE name = ? RETURNING serial",
                (self.name,),
            ).fetchone()
        return int(row[0])

    def issued(self) -> int:
        row = self._connection.execute(
            "SELECT serial FROM queues WHERE name = ?", (self.name,)
        ).fetchone()
        return int(row[0])

    def secret(self) -> tuple[bytes, int]:
        return self._secret

    # -- changes ---------------------------------------------------------------------------------

    def admit(self, stored: StoredMessage, retained_from: float, delay: float) -> None:
        now = self.time()
        fields = _Fields(
            stored.message_id,
            stored.body,
            stored.body_md5,
            stored.message_attributes,
            stored.attribute_md5,
            stored.sent_timestamp,
            stored.deduplication_id,
            stored.sequence_number,
            stored.source_arn,
        )
        with self._database.transaction() as connection:
            connection.execute(
                "INSERT INTO messages (queue, serial, hidden, visible_at, expires_at, "
                "enqueued_at, retained_from, received_at, receive_count, first_received, "
                "group_id, fields) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                (
                    self.name,
                    stored.serial,
                    DELAYED,
                    now + delay,
                    retained_from + self.retention_period,
                    now,
                    retained_from,
                    stored.receive_count,
                    stored.first_received,
                    stored.group_id,
                    _encode(fields),
                ),
            )
            self._database.on_commit(self._changed.set)

    def take(
        self, count: int, hidden_for: float, redrives: Callable[[StoredMessage], bool]
    ) -> list[StoredMessage]:
        taken: list[StoredMessage] = []
        with self._database.transaction() as connection:
            now = self.time()
            first_received = int(now * 1000)
            for stored in self._deliverable(now):
                if len(taken) >= count:
                    break
                if not redrives(stored):
                    stored.receive_count += 1
                    if stored.first_received is None:
                        stored.first_received = first_received
                    stored.received_at = now
                    stored.state = IN_FLIGHT
                    taken.append(stored)
            connection.executemany(
                "UPDATE messages SET hidden = ?, visible_at = ?, received_at = ?, "
                "receive_count = ?, first_received = ? WHERE queue = ? AND serial = ?",
                [
                    (
                        IN_FLIGHT,
                        now + hidden_for,
                        now,
                        stored.receive_count,
                        stored.first_received,
                        self.name,
                        stored.serial,
                    )
                    for stored in taken
                ],
            )
        return taken

    def _deliverable(self, now: float) -> Iterator[StoredMessage]:
        """The messages a receive may deliver now, in order: visible ones by the time they
        became visible; on a FIFO queue, each group's visible run from its head, groups whose
        messages are not in flight, oldest head first. Lazy: a receive reads what it takes."""
        execute = self._connection.execute
        if not self.fifo:
            # Those taken stay in the query's answer only when hidden for 0 seconds: skipped.
            seen: set[int] = set()
            while True:
                limit = 10 + len(seen)
                rows = execute(
                    f"SELECT {_COLUMNS} FROM messages WHERE queue = ? AND visible_at <= ? "
                    "ORDER BY visible_at, serial LIMIT ?",
                    (self.name, now + SLACK, limit),
                ).fetchall()
                fresh = [row for row in rows if row[0] not in seen]
                for row in fresh:
                    seen.add(row[0])
                    yield self._load(row, now)
                if not fresh or len(rows) < limit:
                    return
        # A group with a message in flight waits for it (found through the due-time index:
        # only the hidden messages are read).
        waiting = {
            group_id
            for (group_id,) in execute(
                "SELECT DISTINCT group_id FROM messages WHERE queue = ? AND visible_at > ? "
                "AND hidden = ?",
                (self.name, now + SLACK, IN_FLIGHT),
            )
        }
        heads = execute(
            "SELECT group_id, MIN(serial) AS head FROM messages WHERE queue = ? "
            "GROUP BY group_id ORDER BY head",
            (self.name,),
        ).fetchall()
        for group_id, head in heads:
            if group_id not in waiting:
                yield from self._visible_run(group_id, head, now)

    def _visible_run(self, group_id: str, head: int, now: float) -> Iterator[StoredMessage]:
        """Group `group_id`'s visible messages from its head, read 10 at a time (a receive
        takes at most 10, so usually one read), up to the first one still delayed."""
        after = head - 1
        while True:
            rows = self._connection.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE queue = ? AND group_id = ? "
                "AND serial > ? ORDER BY serial LIMIT 10",
                (self.name, group_id, after),
            ).fetchall()
            for row in rows:
                if row[2] > now + SLACK:
                    return
                after = row[0]
                yield self._load(row, now)
            if len(rows) < 10:
                return

    def hide(self, stored: StoredMessage, seconds: float) -> None:
        now = self.time()
        with self._database.transaction() as connection:
            connection.execute(
                "UPDATE messages SET visible_at = ? WHERE queue = ? AND serial = ?",
                (now + seconds, self.name, stored.serial),
            )
            if seconds == 0:
                self._database.on_commit(self._changed.set)
        stored.state = VISIBLE if seconds == 0 else stored.state

    def remove(self, stored: StoredMessage) -> None:
        with self._database.transaction() as connection:
            connection.execute(
                "DELETE FROM messages WHERE queue = ? AND serial = ?", (self.name, stored.serial)
            )
            if self.fifo:  # its group may deliver its next message now
                self._database.on_commit(self._changed.set)

    def clear(self) -> int:
        with self._database.transaction() as connection:
            return connection.execute("DELETE FROM messages WHERE queue = ?", (self.name,)).rowcount

    def tick(self) -> int:
        with self._database.transaction() as connection:
            return connection.execute(
                "DELETE FROM messages WHERE queue = ? AND expires_at <= ?",
                (self.name, self.time() + SLACK),
            ).rowcount

    # -- reading ---------------------------------------------------------------------------------

    def get(self, serial: int) -> StoredMessage | None:
        if serial >= _MOST_SERIAL:  # no row has it (a forged handle's serial may be any 64 bits)
            return None
        row = self._connection.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE queue = ? AND serial = ?", (self.name, serial)
        ).fetchone()
        return None if row is None else self._load(row, self.time())

    def next_due(self) -> float | None:
        row = self._connection.execute(
            "SELECT MIN(visible_at) FROM messages WHERE queue = ? AND visible_at > ?",
            (self.name, self.time() + SLACK),
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def has_deliverable(self) -> bool:
        if not self.fifo:
            row = self._connection.execute(
                "SELECT 1 FROM messages WHERE queue = ? AND visible_at <= ? LIMIT 1",
                (self.name, self.time() + SLACK),
            ).fetchone()
            return row is not None
        for _ in self._deliverable(self.time()):
            return True
        return False

    async def wait_for_change(self, until: float | None) -> None:
        """Wait for a change made here, the clock to reach `until`, or the poll interval of
        real time (another process may have sent a message)."""
        changed = self._changed.event()
        with at_most(self._poll):
            if until is None:
                await changed.wait()
                return
            with self.clock.timeout_scope(until - self.time()):
                await changed.wait()

    def counts(self) -> tuple[int, int, int]:
        counts = [0, 0, 0]
        rows = self._connection.execute(
            "SELECT visible_at <= ?, hidden, COUNT(*) FROM messages WHERE queue = ? GROUP BY 1, 2",
            (self.time() + SLACK, self.name),
        ).fetchall()
        for visible, hidden, number in rows:
            counts[VISIBLE if visible else hidden] += number
        return counts[DELAYED], counts[VISIBLE], counts[IN_FLIGHT]

    def size(self) -> int:
        row = self._connection.execute(
            "SELECT COUNT(*) FROM messages WHERE queue = ?", (self.name,)
        ).fetchone()
        return int(row[0])

    def oldest_age(self) -> float:
        row = self._connection.execute(
            "SELECT MIN(enqueued_at) FROM messages WHERE queue = ?", (self.name,)
        ).fetchone()
        return 0.0 if row[0] is None else max(0.0, self.time() - row[0])

    def snapshot(self) -> list[QueuedMessage]:
        now = self.time()
        rows = self._connection.execute(
            f"SELECT {_COLUMNS} FROM messages WHERE queue = ? ORDER BY serial", (self.name,)
        ).fetchall()
        return [self._load(row, now).listed() for row in rows]

    # -- FIFO deduplication ----------------------------------------------------------------------

    def deduplicated(self, key: str) -> tuple[str, str | None] | None:
        row = self._connection.execute(
            "SELECT message_id, sequence_number FROM deduplication "
            "WHERE queue = ? AND key = ? AND until > ?",
            (self.name, key, self.time() + SLACK),
        ).fetchone()
        return None if row is None else (row[0], row[1])

    def remember(self, key: str, answer: tuple[str, str | None]) -> None:
        now = self.time()
        with self._database.transaction() as connection:
            connection.execute(
                "DELETE FROM deduplication WHERE queue = ? AND until <= ?", (self.name, now)
            )
            connection.execute(
                "INSERT OR REPLACE INTO deduplication (queue, key, until, message_id, "
                "sequence_number) VALUES (?, ?, ?, ?, ?)",
                (self.name, key, now + DEDUPLICATION_WINDOW, *answer),
            )

    def _load(self, row: Any, now: float) -> StoredMessage:
        (
            serial,
            hidden,
            visible_at,
            retained_from,
            received_at,
            receive_count,
            first_received,
            group_id,
            blob,
        ) = row
        fields = _decode(blob)
        stored = from_fields(serial, fields)
        stored.sequence_number = fields.sequence_number
        stored.source_arn = fields.source_arn
        stored.group_id = group_id
        stored.receive_count = receive_count
        stored.first_received = first_received
        stored.received_at = received_at
        stored.retained_from = retained_from
        stored.state = VISIBLE if visible_at <= now + SLACK else hidden
        return stored
