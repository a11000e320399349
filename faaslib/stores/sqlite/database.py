"""`Database`: one SQLite connection in WAL mode, transactions that nest, and the liveness of
the processes sharing the file.

Why the statements run on the event loop's thread and not on a writer thread: each operation is
one short transaction (tens of microseconds, measured in benchmarks/RESULTS.md), shorter than a
thread hand-off would be, and the services' cores are synchronous steps by design (a step that
checks and changes state with no await inside cannot interleave with another). The cost is
that a transaction waits while another process holds the write lock; theirs are as short.

Crash safety is SQLite's: a transaction that committed survives the process being killed (it is
in the WAL file); with `synchronous=NORMAL` (the default here) the last transactions before an
operating-system crash or power loss may be rolled back, never corrupted. `synchronous=FULL`
fsyncs each commit and loses nothing even then, at the price of an fsync per operation.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from faaslib.clock import Clock, SystemClock
from faaslib.errors import ConfigurationError

__all__ = ["POLL_INTERVAL", "Database", "Transaction", "polling"]

# How often a waiter looks for what other processes sharing the file wrote (real seconds).
POLL_INTERVAL = 0.05

_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
# How long a process waits for another's write lock before the operation fails (seconds).
BUSY_TIMEOUT = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS workers (id TEXT PRIMARY KEY, alive_until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS "values" (
    namespace TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,
    PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
"""


def polling(clock: Clock) -> float | None:
    """How often a waiter on `clock` looks for other processes' writes: every `POLL_INTERVAL`
    on the system clock; never under a test's fake clock, whose time is the test's to move
    (a real-time poll would wake it for nothing) and whose file one process holds."""
    return POLL_INTERVAL if isinstance(clock, SystemClock) else None


class Transaction:
    """`with database.transaction():` — one write transaction; nested ones join the outer one,
    which commits (or rolls back on an exception) when it ends."""

    __slots__ = ("_database",)

    def __init__(self, database: Database) -> None:
        self._database = database

    def __enter__(self) -> sqlite3.Connection:
        database = self._database
        if database.depth == 0:
            # IMMEDIATE takes the write lock now: a read followed by a write cannot fail
            # half-way because another process wrote in between.
            database.connection.execute("BEGIN IMMEDIATE")
        database.depth += 1
        return database.connection

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        database = self._database
        database.depth -= 1
        if database.depth == 0:
            if kind is None:
                database.connection.execute("COMMIT")
            else:
                database.connection.execute("ROLLBACK")
                database.changed.clear()
                return
            changed = database.changed
            if changed:
                database.changed = set()
                for notify in changed:
                    notify()


class Database:
    """A SQLite file opened for faaslib: WAL mode, `synchronous` as asked, a busy timeout, and
    an id for this process among those sharing the file (`worker`)."""

    def __init__(self, path: Path, *, synchronous: str = "NORMAL") -> None:
        if synchronous.upper() not in _SYNCHRONOUS:
            raise ConfigurationError(
                f"SQLite store: synchronous={synchronous!r} is not one of {', '.join(_SYNCHRONOUS)}"
            )
        self.path = path.resolve()
        if not self.path.parent.is_dir():
            raise ConfigurationError(
                f"SQLite store: the folder of {str(path)!r} does not exist ({self.path.parent})"
            )
        try:
            self.connection = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT
            )
            mode = self.connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.DatabaseError as error:
            raise ConfigurationError(
                f"SQLite store: {str(path)!r} cannot be opened as a database: {error}"
            ) from None
        if mode != "wal":
            raise ConfigurationError(
                f"SQLite store: {str(path)!r} cannot use WAL mode (it is in {mode!r} mode; "
                "a network file system does not support it)"
            )
        self.connection.execute(f"PRAGMA synchronous={synchronous.upper()}")
        self.synchronous = synchronous.upper()
        self.depth = 0  # of the transactions open on this connection
        # What to call once the open transaction commits: waiters on what it changed.
        self.changed: set[Callable[[], None]] = set()
        self.worker = uuid.uuid4().hex
        self.pid = os.getpid()
        self._schemas: set[str] = set()
        self.ensure(_SCHEMA)

    def transaction(self) -> Transaction:
        return Transaction(self)

    def ensure(self, schema: str) -> None:
        """Create the tables and indexes of `schema` unless they exist (once per schema)."""
        if schema in self._schemas:
            return
        with self.transaction() as connection:
            for statement in schema.split(";"):
                if statement.strip():
                    connection.execute(statement)
        self._schemas.add(schema)

    def on_commit(self, notify: Callable[[], None]) -> None:
        """Call `notify()` once the open transaction commits (at once when none is open)."""
        if self.depth == 0:
            notify()
        else:
            self.changed.add(notify)

    # -- the processes sharing the file ----------------------------------------------------------

    def keep_alive(self, now: float, lease: float) -> None:
        """Say this process is alive until `now + lease` (its claims stand until then)."""
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO workers (id, alive_until) VALUES (?, ?) "
                "ON CONFLICT (id) DO UPDATE SET alive_until = excluded.alive_until",
                (self.worker, now + lease),
            )
            connection.execute("DELETE FROM workers WHERE alive_until < ?", (now - 3600,))

    def retire(self) -> None:
        """This process stops claiming: its claims are free at once for the others."""
        with self.transaction() as connection:
            connection.execute("DELETE FROM workers WHERE id = ?", (self.worker,))

    def close(self) -> None:
        self.connection.close()

    def __repr__(self) -> str:
        return f"<Database {str(self.path)!r} worker {self.worker[:8]}>"
