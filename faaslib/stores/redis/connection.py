"""`RedisBackend`: the Redis server (or cluster, or sentinel-watched primary) an app's state
lives on, and the two ways services reach it.

- The event loop's own client (`client`), for the hot paths: queue operations and Event claims
  are awaited, one Lua script each, and concurrent ones share connections (pipelined).
  coredis clients live inside an async scope, so the backend is connected by `async with app:`
  (or `async with backend.connected():` for services used without an app).
- A blocking client on a thread of its own (`blocking`), for the few reads and writes the
  services' synchronous API makes (`queue.approximate_number_of_messages`, a schedule's last
  tick, the ledger's totals once a second): they wait for one round trip, so they stay off the
  hot paths.

Every key of an app starts with `{prefix}:`; the braces are Redis Cluster's hash tag, so all of
an app's keys live in one slot and a Lua script may touch any of them (a redrive moves a message
between two queues' keys atomically).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import anyio
import anyio.abc
from anyio.from_thread import BlockingPortal

from faaslib.clock import round_trips
from faaslib.errors import ConfigurationError

__all__ = ["SCHEMES", "RedisBackend"]

logger = logging.getLogger("faaslib")
SCHEMES = ("redis", "rediss", "redis+sentinel", "redis+cluster")
_T = TypeVar("_T")
Client = Any  # coredis.Redis[bytes] | coredis.RedisCluster[bytes]: coredis is an optional extra


class RedisBackend:
    """State on a Redis server, named by URL:

    - `redis://[user:password@]host:6379/0` (`rediss://` for TLS);
    - `redis+cluster://host:7000` (any node of a Redis Cluster);
    - `redis+sentinel://host:26379,host2:26379/primary-name/0` (the primary the sentinels watch).

    `?prefix=name` puts the app's keys under `{name}:` (default `faaslib`), so several apps
    share one server without seeing each other's state.
    """

    kind: Literal["redis"] = "redis"

    def __init__(self, url: str) -> None:
        self.url = url
        self._scheme, self._target, self.prefix = _parse(url)
        if self._scheme == "redis+sentinel":
            _sentinel_target(url, self._target)  # its hosts and primary's name, checked now
        self._client: Client | None = None
        self._users = 0
        self._watchers: dict[bytes, list[Callable[[], object]]] = {}
        self._blocking_client: _BlockingClient | None = None
        self._lock = threading.Lock()
        from faaslib.stores.redis.values import RedisValues

        self.values = RedisValues(self)

    def __repr__(self) -> str:
        return f"<RedisBackend {self.url!r}>"

    def key(self, *parts: str) -> str:
        """A key of this app: `{prefix}:part:part...`."""
        return ":".join((f"{{{self.prefix}}}", *parts))

    # -- the event loop's client ------------------------------------------------------------------

    @property
    def client(self) -> Client:
        """The connected client of the running app (raises when nothing connected it)."""
        client = self._client
        if client is None:
            raise ConfigurationError(
                f"store {self.url!r} is not connected: use the app inside `async with app:`, "
                "or a service without an app inside `async with backend.connected():`"
            )
        return client

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[RedisBackend]:
        """Connect for the duration of the block (nested blocks share one client), checking the
        server answers, so a wrong URL fails here with its name rather than at first use."""
        if self._client is not None:
            self._users += 1
            try:
                yield self
            finally:
                self._users -= 1
            return
        async with self._open() as client:
            try:
                await client.ping()
            except _unreachable() as error:
                raise ConfigurationError(
                    f"store {self.url!r}: cannot reach Redis: {error}"
                ) from None
            self._client, self._users = client, 1
            try:
                async with anyio.create_task_group() as tasks:
                    await tasks.start(self._listen, client)
                    try:
                        yield self
                    finally:
                        tasks.cancel_scope.cancel()
            finally:
                self._client, self._users = None, 0

    def watch(self, key: str, callback: Callable[[], object]) -> None:
        """Call `callback` (in the connected event loop) whenever a script of any process
        announces a change of `key` on the app's channel: a queue's waiters wake within a
        round trip of another process's send, not at their next poll."""
        self._watchers.setdefault(key.encode(), []).append(callback)

    async def _listen(
        self, client: Client, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        channel = self.key("changes")
        task_status.started()
        while True:  # the waiters' polls are the safety net: a lost listener only slows them
            try:
                async with client.pubsub(
                    channels=[channel], ignore_subscribe_messages=True
                ) as changes:
                    async for message in changes:
                        for callback in self._watchers.get(message["data"], ()):
                            callback()
            except BaseException as error:
                if _closing(error):  # the app stops: this task just ends
                    return
                if not isinstance(error, Exception):
                    raise
                logger.warning("store %r: listening for changes failed: %s", self.url, error)
            await anyio.sleep(1)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Client]:
        """The connected client, or, for a service used outside any connected scope, a client
        of its own for the block (a connection each time: connect for speed). Hold it for one
        round trip: a `FakeClock` waits for the sessions open to end before it moves time."""
        round_trips.in_progress += 1  # a FakeClock waits for it (see `round_trips`)
        try:
            client = self._client
            if client is not None:
                yield client
                return
            async with self._open() as client:
                yield client
        finally:
            round_trips.in_progress -= 1

    # -- the blocking client ----------------------------------------------------------------------

    def blocking(self, work: Callable[[Client], Awaitable[_T]]) -> _T:
        """`await work(client)` on the backend's own thread and client, waiting for it here."""
        with self._lock:
            if self._blocking_client is None:
                self._blocking_client = _BlockingClient(self)
            client = self._blocking_client
        return client.call(work)

    def close(self) -> None:
        """Stop the blocking client's thread (the loop's client closes with its scope)."""
        with self._lock:
            client, self._blocking_client = self._blocking_client, None
        if client is not None:
            client.close()

    @asynccontextmanager
    async def _open(self) -> AsyncIterator[Client]:
        """A client for the URL, for the block (made here: coredis's locks take the event loop
        they are made in); a URL coredis refuses is named."""
        try:
            import coredis
            from coredis.connection import TCPLocation
        except ImportError:  # pragma: no cover - the extra names it
            raise ConfigurationError(
                f"store {self.url!r} needs coredis: pip install 'faaslib[redis]'"
            ) from None
        try:
            if self._scheme == "redis+cluster":
                parts = urlsplit(self._target)
                client: Client = coredis.RedisCluster(
                    startup_nodes=[TCPLocation(parts.hostname or "", parts.port or 6379)],
                    username=parts.username,
                    password=parts.password,
                )
            elif self._scheme == "redis+sentinel":
                sentinels, service, db = _sentinel_target(self.url, self._target)
                watchers = coredis.Sentinel([TCPLocation(host, port) for host, port in sentinels])
            else:
                client = coredis.Redis.from_url(self._target)
        except (ValueError, TypeError) as error:
            raise ConfigurationError(f"store={self.url!r}: {error}") from None
        if self._scheme == "redis+sentinel":  # the sentinels' client finds the primary's
            async with watchers, watchers.primary_for(service, db=db) as primary:
                yield primary
            return
        async with client:
            yield client


class _BlockingClient:
    """A client of its own on a daemon thread (an exit never waits for it), serving the
    synchronous callers one round trip at a time."""

    def __init__(self, backend: RedisBackend) -> None:
        self._backend = backend
        self._ready: queue.Queue[tuple[BlockingPortal, Client, anyio.Event] | BaseException] = (
            queue.Queue(1)
        )
        self._thread = threading.Thread(
            target=anyio.run, args=(self._serve,), name=f"faaslib {backend.url}", daemon=True
        )
        self._thread.start()
        ready = self._ready.get()
        if isinstance(ready, BaseException):
            raise ready
        self._portal, self._client, self._stop = ready

    async def _serve(self) -> None:
        try:
            # made here: coredis's locks take the event loop they are made in
            async with self._backend._open() as client, BlockingPortal() as portal:
                stop = anyio.Event()
                self._ready.put((portal, client, stop))
                await stop.wait()
        except _unreachable() as error:
            self._ready.put(
                ConfigurationError(f"store {self._backend.url!r}: cannot reach Redis: {error}")
            )
        except BaseException as error:  # the caller waits for an answer either way
            if self._ready.empty():
                self._ready.put(error)
            raise

    def call(self, work: Callable[[Client], Awaitable[_T]]) -> _T:
        return self._portal.call(work, self._client)

    def close(self) -> None:
        self._portal.call(self._stop.set)
        self._thread.join(10)


def _closing(error: BaseException) -> bool:
    """Whether `error` is only what a cancelled subscription raises as it closes: the
    cancellation, and the closed stream coredis's pubsub meets then (alone or grouped)."""
    grouped = getattr(error, "exceptions", None)
    if isinstance(grouped, tuple):
        return all(_closing(inner) for inner in grouped)
    return isinstance(error, anyio.get_cancelled_exc_class() | anyio.ClosedResourceError)


def _unreachable() -> tuple[type[Exception], ...]:
    """The errors that mean the server cannot be reached (coredis has its own)."""
    from coredis.exceptions import ConnectionError as CoredisConnectionError

    return (OSError, CoredisConnectionError)


def _parse(url: str) -> tuple[str, str, str]:
    """(scheme, the URL coredis is given, the key prefix)."""
    try:
        parts = urlsplit(url)
        if parts.scheme != "redis+sentinel":  # a sentinel URL lists several hosts
            parts.port  # noqa: B018 - read for its check: a port out of range raises
    except ValueError as error:
        raise ConfigurationError(f"store={url!r} is not a valid URL: {error}") from None
    if parts.scheme not in SCHEMES or not parts.netloc:
        raise ConfigurationError(
            f"store={url!r} is not a Redis URL: give 'redis://host:6379/0' (or rediss://, "
            "redis+cluster://, redis+sentinel://host:26379/primary-name)"
        )
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = "faaslib"
    kept = []
    for name, value in query:
        if name == "prefix":
            prefix = value
        else:
            kept.append((name, value))
    if not prefix or any(character in prefix for character in "{}: \t\n"):
        raise ConfigurationError(
            f"store={url!r}: prefix={prefix!r} must be a non-empty name without braces, "
            "colons or spaces"
        )
    if (
        parts.scheme != "redis+sentinel"
        and parts.path.strip("/")
        and not (parts.path[1:].isdigit())
    ):
        raise ConfigurationError(
            f"store={url!r}: the path names a database by its number, as 'redis://host:6379/0'"
        )
    scheme = "redis" if parts.scheme in ("redis+cluster", "redis+sentinel") else parts.scheme
    target = urlunsplit((scheme, parts.netloc, parts.path, urlencode(kept), ""))
    return parts.scheme, target, prefix


def _sentinel_target(url: str, target: str) -> tuple[list[tuple[str, int]], str, int]:
    parts = urlsplit(target)
    sentinels = []
    for location in parts.netloc.rpartition("@")[2].split(","):
        host, _, port = location.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigurationError(
                f"store={url!r}: sentinel {location!r} is not host:port (e.g. 'host:26379')"
            )
        sentinels.append((host, int(port)))
    service, _, db = parts.path.strip("/").partition("/")
    if not service or (db and not db.isdigit()):
        raise ConfigurationError(
            f"store={url!r}: a sentinel URL names the primary after the hosts, and then "
            "optionally the database: 'redis+sentinel://host:26379/primary-name/0'"
        )
    return sentinels, service, int(db or 0)
