"""Where the services' state lives: in memory (the default, today's speed), in a SQLite file
(durable: nothing accepted is lost when the process dies, and several processes on one host
share it), or on a Redis server (shared by processes on many hosts).

This package is the layer below the services. It knows nothing of queues or events: it opens a
backend from the URL given to `App(store=...)` and hands services what they build their own
stores on (a `Database` for SQLite). Each service keeps its semantics and its store
implementations together, in its own package (`faaslib.sources.queue.store`, ...), and picks the
one for the backend's `kind`.
"""

from faaslib.stores.backend import Backend, MemoryBackend, SQLiteBackend, open_store
from faaslib.stores.redis import RedisBackend
from faaslib.stores.values import Values

__all__ = ["Backend", "MemoryBackend", "RedisBackend", "SQLiteBackend", "Values", "open_store"]
