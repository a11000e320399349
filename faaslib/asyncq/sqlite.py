"""Accepted Event invocations in a SQLite file: they survive the process, and every process
sharing the file dispatches them.

An event is one row, ready once its `due` (wall time) passes. A dispatcher claims a row by
writing its process's id into it; the claim stands while that process renews its lease in the
`workers` table (`keep_alive`, about once a second), so the events of a process that was killed
are claimed by another, or by the same program restarted, a few seconds later. Liveness is read
on the host's real time, not the app's clock: a `FakeClock` moves events' due times, never the
lease of a live process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from faaslib.asyncq.store import EventStore, QueuedEvent
from faaslib.clock import Clock
from faaslib.invoke import InvocationResult
from faaslib.stores.sqlite import Database
from faaslib.stores.sqlite.database import polling

if TYPE_CHECKING:
    from faaslib.executor import Function

__all__ = ["LEASE", "SQLiteEvents"]

# How long a process's claims stand without a renewal (real seconds), and how often it renews.
LEASE = 5.0
_RENEW_EVERY = 1.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, function TEXT NOT NULL, payload BLOB NOT NULL,
    request_number TEXT NOT NULL, received REAL NOT NULL, received_at REAL NOT NULL,
    attempts INTEGER NOT NULL, throttles INTEGER NOT NULL, due REAL NOT NULL,
    worker TEXT, last BLOB
);
CREATE INDEX IF NOT EXISTS events_due ON events (due, id);
"""
_COLUMNS = "id, function, payload, request_number, received, received_at, attempts, throttles, last"


class _Last(msgspec.Struct, array_like=True):
    """What an invocation record needs of an event's last attempt."""

    status_code: int
    function_error: str | None
    payload: bytes | None


_encode = msgspec.msgpack.Encoder().encode
_decode_last = msgspec.msgpack.Decoder(_Last).decode


class SQLiteEvents(EventStore):
    """Events in `database`, on the clock's wall time; `lookup` finds their functions."""

    def __init__(
        self, database: Database, clock: Clock, lookup: Callable[[str], Function | None]
    ) -> None:
        database.ensure(_SCHEMA)
        self._database = database
        self._connection = database.connection
        self.clock = clock
        self.poll_interval = polling(clock)
        self._lookup = lookup
        self._running: dict[int, QueuedEvent] = {}  # claimed here, by row id
        self._counted: set[int] = set()  # row ids this process's metrics count as received
        self._renewed = 0.0  # real time of the last lease renewal

    def time(self) -> float:
        return self.clock.now()

    def add(self, event: QueuedEvent) -> None:
        with self._database.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO events (function, payload, request_number, received, received_at, "
                "attempts, throttles, due) VALUES (?, ?, ?, ?, ?, 0, 0, ?)",
                (
                    event.function.name,
                    event.payload,
                    format(event.request_number, "x"),
                    event.received,
                    event.received_at,
                    event.received,
                ),
            )
        event.key = int(cursor.lastrowid or 0)
        self._counted.add(event.key)

    def withdraw(self, event: QueuedEvent) -> bool:
        with self._database.transaction() as connection:
            cursor = connection.execute(
                "DELETE FROM events WHERE id = ? AND worker IS NULL", (event.key,)
            )
        if cursor.rowcount != 1:  # claimed already, here or by another process
            return False
        self._counted.discard(event.key)
        return True

    def claim(self, limit: int) -> list[QueuedEvent]:
        if limit <= 0:
            return []
        me = self._database.worker
        now = self.time()
        # A read first: most claims find nothing ready, and a read takes no write lock.
        ready = self._connection.execute(
            "SELECT 1 FROM events WHERE due <= ? AND (worker IS NULL OR worker != ?) LIMIT 1",
            (now, me),
        )
        if ready.fetchone() is None:
            return []
        with self._database.transaction() as connection:
            rows = connection.execute(
                f"UPDATE events SET worker = ? WHERE id IN (SELECT id FROM events "
                "WHERE due <= ? AND (worker IS NULL OR (worker != ? AND worker NOT IN "
                "(SELECT id FROM workers WHERE alive_until >= ?))) "
                "ORDER BY due, id LIMIT ?) "
                f"RETURNING {_COLUMNS}, due",
                (me, now, me, time.time(), limit),
            ).fetchall()
            claimed: list[QueuedEvent] = []
            for row in sorted(rows, key=lambda row: (row[-1], row[0])):
                event = self._load(row)
                if event is None:  # no function of that name here: leave it for one that has
                    connection.execute("UPDATE events SET worker = NULL WHERE id = ?", (row[0],))
                    continue
                self._running[event.key] = event
                if event.key not in self._counted:
                    event.adopted = True
                    self._counted.add(event.key)
                claimed.append(event)
        return claimed

    def claim_one(self) -> QueuedEvent | None:
        claimed = self.claim(1)
        return claimed[0] if claimed else None

    def retry(self, event: QueuedEvent, delay: float) -> None:
        last = event.last
        saved = (
            None
            if last is None
            else _encode(_Last(last.status_code, last.function_error, last.raw_payload))
        )
        with self._database.transaction() as connection:
            connection.execute(
                "UPDATE events SET worker = NULL, due = ?, attempts = ?, throttles = ?, "
                "last = ? WHERE id = ?",
                (self.time() + delay, event.attempts, event.throttles, saved, event.key),
            )
        self._running.pop(event.key, None)

    def release(self, event: QueuedEvent) -> None:
        with self._database.transaction() as connection:
            connection.execute("UPDATE events SET worker = NULL WHERE id = ?", (event.key,))
        self._running.pop(event.key, None)

    def finish(self, event: QueuedEvent) -> None:
        with self._database.transaction() as connection:
            connection.execute("DELETE FROM events WHERE id = ?", (event.key,))
        self._running.pop(event.key, None)
        self._counted.discard(event.key)

    def running(self) -> int:
        return len(self._running)

    def count(self) -> int:
        return int(self._connection.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def empty(self) -> bool:
        return self._connection.execute("SELECT 1 FROM events LIMIT 1").fetchone() is None

    def settled(self) -> bool:
        row = self._connection.execute(
            "SELECT 1 FROM events WHERE due <= ? OR worker IS NOT NULL LIMIT 1", (self.time(),)
        ).fetchone()
        return row is None

    def next_due(self) -> float | None:
        row = self._connection.execute(
            "SELECT MIN(due) FROM events WHERE due > ?", (self.time(),)
        ).fetchone()
        return None if row[0] is None else float(row[0])

    def listing(self) -> list[QueuedEvent]:
        rows = self._connection.execute(
            f"SELECT {_COLUMNS}, due FROM events ORDER BY worker IS NULL, due, id"
        ).fetchall()
        listed: list[QueuedEvent] = []
        for row in rows:
            event = self._running.get(row[0]) or self._load(row)
            if event is not None:
                listed.append(event)
        return listed

    def keep_alive(self) -> None:
        now = time.time()
        if now - self._renewed >= _RENEW_EVERY:
            self._database.keep_alive(now, LEASE)
            self._renewed = now

    async def retire(self) -> None:
        self._renewed = 0.0
        self._database.retire()

    async def accepted(self, event: QueuedEvent) -> None:
        pass  # its row was committed by `add`

    def _load(self, row: Any) -> QueuedEvent | None:
        key, name, payload, request_number, received, received_at, attempts, throttles, last = row[
            :9
        ]
        function = self._lookup(name)
        if function is None:
            return None
        event = QueuedEvent(function, payload, received, received_at)
        event.key = key
        event.request_number = int(request_number, 16)
        event.attempts = attempts
        event.throttles = throttles
        if last is not None:
            saved = _decode_last(last)
            event.last = InvocationResult(
                function.name,
                saved.status_code,
                event.request_number,
                saved.payload,
                saved.function_error,
                "$LATEST",
                memory_size_mb=function.memory,
            )
        return event
