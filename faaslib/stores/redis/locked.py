"""Batches of the synchronous stores (buckets, streams, tables) on Redis: a lease lock per
resource, and the batch's writes sent at its end as one Lua script call.

The synchronous stores read and write between a condition and the write it guards (a
conditional put, a transaction, a stream's next number), so on a server shared by processes and
hosts a batch holds the resource's lock (`SET lock token NX PX lease`) from its first read to its
end: no other process writes the resource in between, as no other process writes a SQLite file
during a transaction. The writes wait in the batch (`PendingWrites`) and go at its end in one
script, which first checks that every lock of the batch is still held by it: a process killed
mid-batch has sent nothing, a batch whose lease ran out sends nothing, and the script applies
all of its writes or none (a Lua script runs whole on the server).

Batches nest, as SQLite transactions do: the batches of several resources entered on one thread
of one backend are one batch (a table's write and its stream's record, TransactWriteItems over
several tables), which holds every lock it took and sends every write at once. A store that
reads inside a batch must read its own pending writes first (`Batch.state` keeps what it
needs); what it reads from the server no other process changes until the batch ends.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio

if TYPE_CHECKING:
    from faaslib.stores.redis.connection import Client, RedisBackend

__all__ = [
    "LEASE",
    "RETRY",
    "WAIT",
    "Batch",
    "LockLost",
    "PendingWrites",
    "ResourceBusy",
    "ResourceLock",
    "busy",
]

LEASE = 10.0  # seconds a lock is held without its batch ending (a dead holder frees it then)
WAIT = 10.0  # seconds a batch waits for a lock another holds, as SQLite's busy timeout
RETRY = 0.002  # seconds between two tries for a held lock

# KEYS: the batch's locks (the first ARGV[1] of them), then every key its writes name.
# ARGV: how many locks, their tokens (one per lock), then the steps, each as its length (n),
# its command, the index in KEYS of its key and n - 2 arguments (flat: Redis 7.0's cmsgpack
# cannot carry binary strings). If every lock is still held with its token, runs the steps in
# order; then releases the locks still held. Returns 0, or (nothing run) the 1-based index of
# the first lock lost.
_FLUSH = """
local count = tonumber(ARGV[1])
local lost = 0
for i = 1, count do
  if redis.call('GET', KEYS[i]) ~= ARGV[i + 1] then lost = i break end
end
if lost == 0 then
  local at = count + 2
  while at <= #ARGV do
    local length = tonumber(ARGV[at])
    local call = {ARGV[at + 1], KEYS[tonumber(ARGV[at + 2])]}
    for j = 3, length do call[j] = ARGV[at + j] end
    redis.call(unpack(call))
    at = at + length + 1
  end
end
for i = 1, count do
  if redis.call('GET', KEYS[i]) == ARGV[i + 1] then redis.call('DEL', KEYS[i]) end
end
return lost
"""

Argument = str | bytes | int | float


class ResourceBusy(TimeoutError):
    """A batch waited `WAIT` seconds for a resource another batch (of any process) holds."""


def busy(resource: str, key: str) -> ResourceBusy:
    """The error of a wait for `resource`'s lock `key` that lasted `WAIT` seconds (for the
    single-call writes that, rather than taking the lock, try again while a batch holds it)."""
    return ResourceBusy(
        f"{resource}: another batch held its lock {key!r} for more than {WAIT:g} seconds (a "
        f"process stopped mid-batch frees it when its lease of {LEASE:g} seconds runs out)"
    )


class LockLost(RuntimeError):
    """A batch outlived its lock's lease and another took the lock: none of its writes went."""


class PendingWrites:
    """The writes of a batch, in order: Redis commands on one key each, sent at its end in one
    script call (`flush`), all of them or none."""

    __slots__ = ("_keys", "steps")

    def __init__(self) -> None:
        self._keys: dict[str, int] = {}
        self.steps: list[list[Any]] = []

    def __len__(self) -> int:
        return len(self.steps)

    def add(self, command: str, key: str, *arguments: Argument) -> None:
        """Queue `command key arguments...` (numbers are sent as their text, as Redis reads
        them: a Lua number would lose its fraction)."""
        index = self._keys.setdefault(key, len(self._keys))
        step: list[Any] = [command, index]
        for argument in arguments:
            if isinstance(argument, int | float) and not isinstance(argument, bool):
                step.append(repr(argument) if isinstance(argument, float) else str(argument))
            elif isinstance(argument, str | bytes):
                step.append(argument)
            else:
                raise TypeError(f"PendingWrites.add({command!r}): {argument!r} is not sendable")
        self.steps.append(step)

    def clear(self) -> None:
        self._keys.clear()
        self.steps.clear()

    async def flush(self, client: Client, locks: Mapping[str, str] | None = None) -> int:
        """Send the writes as one script call, if every lock in `locks` (key: token) is still
        held with its token, and release those locks; 0, or the place (from 1) of the first
        lock found lost, in which case nothing was written."""
        locks = locks or {}
        offset = len(locks) + 1
        arguments: list[Any] = [len(locks), *locks.values()]
        for command, index, *rest in self.steps:
            arguments += (len(rest) + 2, command, index + offset, *rest)
        script = client.register_script(_FLUSH)
        return int(await script(keys=[*locks, *self._keys], args=arguments))


class Batch:
    """The open batch of one backend on one thread: the locks it holds, its pending writes, and
    what its stores keep for it until it ends (`state`, by the store's own key)."""

    __slots__ = ("_after", "backend", "depth", "locks", "state", "writes")

    def __init__(self, backend: RedisBackend) -> None:
        self.backend = backend
        self.depth = 0
        self.locks: dict[str, str] = {}  # lock key: the token it was taken with
        self.writes = PendingWrites()
        self.state: dict[object, Any] = {}
        self._after: list[Callable[[], object]] = []

    def after_commit(self, callback: Callable[[], object]) -> None:
        """Call `callback` once the batch's writes are on the server (not if they never are)."""
        self._after.append(callback)

    def acquire(self, key: str, resource: str) -> None:
        """Hold lock `key` (of `resource`, as errors name it) until the batch ends."""
        if key in self.locks:
            return
        token = secrets.token_hex(8)

        async def take(client: Client) -> bool:
            from coredis import PureToken

            with anyio.move_on_after(WAIT):
                while True:
                    if await client.set(key, token, condition=PureToken.NX, px=int(LEASE * 1000)):
                        return True
                    await anyio.sleep(RETRY)
            return False

        if not self.backend.blocking(take):
            raise busy(resource, key)
        self.locks[key] = token

    def finish(self, commit: bool) -> None:
        """Send the writes (or drop them, when `commit` is false) and release every lock."""
        writes, locks = self.writes, self.locks
        if not commit:
            writes.clear()
        if writes or locks:

            async def send(client: Client) -> int:
                return await writes.flush(client, locks)

            lost = self.backend.blocking(send)
            if lost:
                key = list(locks)[lost - 1]
                raise LockLost(
                    f"the batch held lock {key!r} for more than its lease of {LEASE:g} "
                    "seconds and another took it: none of the batch's writes were made"
                )
        if commit:
            for callback in self._after:
                callback()


_open = threading.local()  # the batch open on this thread, by id of its backend


class ResourceLock:
    """`with lock:` makes the block one batch holding resource `name`'s lock (of `kind`:
    "table", "stream", "bucket"), or joins the batch already open on this thread.

    ```python
    lock = ResourceLock(backend, "table", arn)
    with lock as batch:
        ...  # reads, then batch.writes.add("HSET", key, field, value)
    ```
    """

    __slots__ = ("_backend", "_key", "_resource")

    def __init__(self, backend: RedisBackend, kind: str, name: str) -> None:
        self._backend = backend
        self._key = backend.key("lock", kind, name)
        self._resource = f"{kind} {name!r}"

    @property
    def batch(self) -> Batch | None:
        """The batch open on this thread, if any."""
        batches: dict[int, Batch] | None = getattr(_open, "batches", None)
        return None if batches is None else batches.get(id(self._backend))

    @property
    def key(self) -> str:
        """The lock's key: a single-call write checks it is free in its script."""
        return self._key

    @property
    def resource(self) -> str:
        return self._resource

    def held_by(self, batch: Batch) -> bool:
        """Whether `batch` holds this lock (so what it reads of the resource stays so)."""
        return self._key in batch.locks

    def __enter__(self) -> Batch:
        batches: dict[int, Batch] | None = getattr(_open, "batches", None)
        if batches is None:
            batches = _open.batches = {}
        batch = batches.get(id(self._backend))
        if batch is None:
            batch = batches[id(self._backend)] = Batch(self._backend)
        batch.depth += 1
        try:
            batch.acquire(self._key, self._resource)
        except BaseException:
            self._leave(batch, commit=False)
            raise
        return batch

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        batch = self.batch
        assert batch is not None
        self._leave(batch, commit=kind is None)

    def _leave(self, batch: Batch, commit: bool) -> None:
        batch.depth -= 1
        if batch.depth:  # the outermost decides, as in a SQLite transaction
            return
        del _open.batches[id(self._backend)]
        batch.finish(commit)
