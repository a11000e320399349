"""The backend an app's services keep their state in, chosen by `App(store=...)`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from faaslib.errors import ConfigurationError
from faaslib.stores.redis.connection import SCHEMES as REDIS_SCHEMES
from faaslib.stores.redis.connection import RedisBackend
from faaslib.stores.sqlite.database import Database
from faaslib.stores.sqlite.values import SQLiteValues
from faaslib.stores.values import MemoryValues, Values

__all__ = ["MEMORY", "Backend", "MemoryBackend", "RedisBackend", "SQLiteBackend", "open_store"]

MEMORY = "memory"


class MemoryBackend:
    """State in the process's memory: the fastest, and gone when the process ends."""

    kind: Literal["memory"] = "memory"
    url = MEMORY

    def __init__(self) -> None:
        self.values: Values = MemoryValues()

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return "<MemoryBackend>"


class SQLiteBackend:
    """State in one SQLite file (WAL mode): it survives the process, and every process on the
    host that opens the same file shares it."""

    kind: Literal["sqlite"] = "sqlite"

    def __init__(self, path: str | Path, *, synchronous: str = "NORMAL") -> None:
        self.database = Database(Path(path), synchronous=synchronous)
        self.url = f"sqlite:///{self.database.path}"
        self.values: Values = SQLiteValues(self.database)

    def close(self) -> None:
        self.database.close()

    def __repr__(self) -> str:
        return f"<SQLiteBackend {str(self.database.path)!r}>"


Backend = MemoryBackend | SQLiteBackend | RedisBackend
"""A backend `App(store=...)` takes, or opens from a URL (`open_store`)."""


def open_store(store: str | Backend) -> Backend:
    """The backend `store` names: "memory", or "sqlite:///relative/path.db" /
    "sqlite:////absolute/path.db" (SQLAlchemy's spelling: the path follows the third slash), or
    "redis://host:6379/0" (and rediss://, redis+cluster://, redis+sentinel://: see
    `RedisBackend`), or a backend already open."""
    if isinstance(store, MemoryBackend | SQLiteBackend | RedisBackend):
        return store
    if not isinstance(store, str):
        raise ConfigurationError(
            f"store={store!r} is not a store URL: give 'memory' or 'sqlite:///path/to/app.db'"
        )
    if store == MEMORY:
        return MemoryBackend()
    scheme, separator, rest = store.partition("://")
    if scheme == "sqlite" and separator:
        if not rest.startswith("/") or rest == "/":
            raise ConfigurationError(
                f"store={store!r}: a SQLite URL names a file after a third slash, as "
                "'sqlite:///app.db' (relative) or 'sqlite:////var/lib/app.db' (absolute)"
            )
        return SQLiteBackend(rest[1:])
    if scheme in REDIS_SCHEMES:
        return RedisBackend(store)
    raise ConfigurationError(
        f"store={store!r} names no store faaslib knows: give 'memory' or 'sqlite:///path/to/app.db'"
    )
