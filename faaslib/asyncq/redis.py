"""Accepted Event invocations on Redis: every process and host on the app's prefix shares them.

A process keeps the events it holds in memory, as `memory.MemoryEvents` does: a deque of ready
events, a heap of those waiting to retry and the set running, so the dispatcher's calls stay
synchronous and cost what they cost in memory, and times under a `FakeClock` are exact. Redis
learns of them from a background task (`exchange`), one Lua call each turn (`redis_scripts`):
it writes what changed here (accepted, retried, ended, given back), renews the process's lease
(a key that expires on the server `LEASE` seconds after the last renewal), gives the events of
processes whose lease lapsed back to the pool, and claims from the pool as many ready events as
the dispatcher has room for (`room`: within this process's share of the fleet's concurrency,
so that no process takes events only to throttle them), about every `POLL` seconds or as soon as
something changes here. Its first turn, as the dispatcher starts, also takes events waiting to
retry (what an earlier run left), up to the dispatcher's limit.

Events accepted here stay here while there is room for them; those that cannot start here at
once (beyond the dispatcher's limit or this process's share of the fleet's concurrency) go to
the pool, for any process. Retries stay with the process that ran the
attempt; when it stops (`retire`) or dies (its lease lapses), its events go back to the pool with
their attempts, throttles, last result and first-acceptance time. An Invoke's event is durable
before its 202 (`accepted`, after `stage`); one a source hands over (`add`) before the source's
operation returns, in a round trip of its own.
"""

from __future__ import annotations

import heapq
import logging
import uuid
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import anyio.lowlevel
import msgspec

from faaslib.asyncq.memory import MemoryEvents
from faaslib.asyncq.redis_scripts import EXCHANGE, LISTING
from faaslib.asyncq.store import QueuedEvent
from faaslib.clock import Clock
from faaslib.invoke import InvocationResult

if TYPE_CHECKING:
    from faaslib.executor import Function
    from faaslib.stores.redis.connection import Client, RedisBackend

__all__ = ["LEASE", "POLL", "RedisEvents"]

logger = logging.getLogger("faaslib.events")

# How long a process's claims stand without a renewal (real seconds, on the server's clock),
# and how often a process exchanges with Redis when nothing asks for it sooner.
LEASE = 5.0
POLL = 0.05

_HELD, _POOLED, _ENDED = 0, 1, 2  # what the next exchange writes of a changed event


class _Body(msgspec.Struct, array_like=True):  # the event as accepted: it never changes
    payload: bytes
    request_number: str
    received: float
    received_at: float


class _Last(msgspec.Struct, array_like=True):
    status_code: int
    function_error: str | None
    payload: bytes | None


class _State(msgspec.Struct, array_like=True):
    attempts: int
    throttles: int
    last: _Last | None


_encode = msgspec.msgpack.Encoder().encode
_decode_body = msgspec.msgpack.Decoder(_Body).decode
_decode_state = msgspec.msgpack.Decoder(_State).decode
_scripts: dict[str, Any] = {}


def _script(source: str) -> Any:
    """A coredis `Script`, made once (a call names its client)."""
    script = _scripts.get(source)
    if script is None:
        from coredis.commands.script import Script

        script = _scripts[source] = Script(script=source)
    return script


def _pooling(dirty: dict[QueuedEvent, int]) -> int:
    return sum(status == _POOLED for status in dirty.values()) if dirty else 0


def _member(key: int) -> str:
    return f"{key:015d}"  # as the scripts name them


class RedisEvents(MemoryEvents):
    """Events on Redis under `backend`'s prefix, on the clock's wall time; `lookup` finds their
    functions (events of a function this process does not have are left for one that has).
    Those this process holds it keeps as `MemoryEvents` does, on that time line."""

    poll_interval: float | None = None  # the exchange wakes the dispatcher and the waiters

    def __init__(
        self, backend: RedisBackend, clock: Clock, lookup: Callable[[str], Function | None]
    ) -> None:
        super().__init__(clock)
        self._backend = backend
        self._lookup = lookup
        self._base = base = backend.key("events")
        names = ("seq", "pool", "body", "state", "func", "owner", "workers")
        self._keys = [f"{base}:{name}" for name in names]
        self._worker = uuid.uuid4().hex
        self._dirty: dict[QueuedEvent, int] = {}  # changed here since the last exchange
        self._given_back: list[tuple[int, str]] = []  # claimed, of unknown functions
        self._writing: list[QueuedEvent] = []  # accepted here, in the exchange under way
        self._counted: set[int] = set()  # accepted here: metrics counted them as received
        self._unknown: set[str] = set()  # function names not to claim
        # As of the last exchange: events in the pool, held by other processes, ready in the
        # pool beyond the room this process had; and those on their way to the pool.
        self._pooled = self._others = self._left = self._sending = 0
        self._live = False  # exchanging: the counts above are kept up to date
        self._limit = 0
        self._room: Callable[[], int] = lambda: 0
        self._lock: anyio.Lock | None = None
        self._kick: anyio.Event | None = None
        self._moved: Callable[[], None] = lambda: None

    def time(self) -> float:
        return self.clock.now()

    # -- the dispatcher's calls: local, as in memory, noting what the next exchange writes ----

    def stage(self, event: QueuedEvent) -> None:
        event.due = event.received
        super().add(event)
        self._changed(event, _HELD, urgent=True)

    def add(self, event: QueuedEvent) -> None:
        """A source's event (a bucket's notification, a rule's match, a schedule's tick, a
        topic's message): in Redis before this returns, as the source's own write is, in one
        round trip that waits (as the bucket's own operations do). While this process
        exchanges, it holds the event (its lease covers it); otherwise the event goes to the
        pool, for any process, and is not kept here."""
        event.due = event.received
        live = self._live
        keys, args = self._script_call(int(LEASE * 1000) if live else 0, 0, 0, _encode([]))
        args += ("a" if live else "A", event.function.name, _body(event), "", repr(event.due))
        reply = self._backend.blocking(
            lambda client: _script(EXCHANGE)(keys=keys, args=args, client=client)
        )
        event.key = int(reply[0][0])
        self._counted.add(event.key)
        if live:
            super().add(event)

    def withdraw(self, event: QueuedEvent) -> bool:
        """Removed here, and from Redis at the next exchange (a kill before it leaves the event
        to run once the lease lapses: at least once). An event written while this process was
        not exchanging went to the pool, where another may have claimed it: left alone."""
        if not self._live or not super().withdraw(event):
            return False
        self._counted.discard(event.key)
        self._changed(event, _ENDED, urgent=True)
        return True

    def retry(self, event: QueuedEvent, delay: float) -> None:
        super().retry(event, delay)
        self._changed(event, _HELD)

    def finish(self, event: QueuedEvent) -> None:
        super().finish(event)
        self._counted.discard(event.key)
        self._changed(event, _ENDED)

    def _changed(self, event: QueuedEvent, status: int, urgent: bool = False) -> None:
        """Note what the next exchange writes; ask for it now if it is `urgent` (an event an
        Invoke waits for), or if the pool holds events this process may now have room for.
        Otherwise the next turn writes it, within `POLL`: a process killed before re-runs the
        attempt elsewhere (at least once)."""
        self._dirty[event] = status
        if (urgent or self._pooled) and self._kick is not None:
            self._kick.set()

    def count(self) -> int:
        if not self._live:
            return self._read()[0]
        here = len(self._ready) + len(self._waiting) + len(self._running) + self._sending
        return here + self._pooled + self._others + _pooling(self._dirty)

    def empty(self) -> bool:
        return self.count() == 0

    def settled(self) -> bool:
        if self._ready or self._running:
            return False
        if not self._live:
            return self._read()[1]
        return not self._left and not self._sending and not _pooling(self._dirty)

    def keep_alive(self) -> None:
        pass  # the exchange renews the lease

    # -- exchanging with Redis ------------------------------------------------------------------

    async def exchange(
        self,
        limit: int,
        room: Callable[[], int],
        moved: Callable[[], None],
        *,
        task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED,
    ) -> None:
        """While the dispatcher runs: write this process's changes and claim events for it,
        calling `moved` when events arrived or the counts changed. The first turn (what an
        earlier run or a dead process left in the pool) is done before it reports started."""
        from coredis.exceptions import ConnectionError as RedisConnectionError

        self._limit = limit
        self._room = room
        self._moved = moved
        self._lock = anyio.Lock()
        self._kick = anyio.Event()
        await self._turn(int(LEASE * 1000), first=True)
        self._live = True
        task_status.started()
        failing = False
        while True:
            with anyio.move_on_after(POLL):
                await self._kick.wait()
            await anyio.lowlevel.checkpoint()  # the tasks woken with it add theirs: one call
            self._kick = anyio.Event()
            try:
                await self._turn(int(LEASE * 1000))
            except (OSError, TimeoutError, RedisConnectionError) as error:
                if not failing:
                    message = "Event queue on %s: cannot reach Redis (%r); its changes wait here"
                    logger.warning(message, self._backend.url, error)
                failing = True
                await anyio.sleep(POLL)
            else:
                failing = False

    async def accepted(self, event: QueuedEvent) -> None:
        """Return once `event` is in Redis (at once if it is there, or has already ended);
        a turn already writing it is waited for (the lock), one failing leaves it to ours."""
        while event.key == 0 and (
            event in self._writing or self._dirty.get(event, _ENDED) != _ENDED
        ):
            await self._turn(0, claiming=False)

    async def retire(self) -> None:
        """Give everything held here back to the pool, drop the lease, and stop exchanging."""
        was_live, self._live = self._live, False
        held = [*self._running, *self._ready, *(entry[2] for entry in self._waiting)]
        self._running.clear()
        self._ready.clear()
        self._waiting.clear()
        for event in held:
            self._dirty[event] = _POOLED
        self._kick = None
        self._moved = lambda: None
        if was_live or self._dirty:
            try:
                try:
                    await self._turn(-1, claiming=False)
                except Exception:  # the app's client went with a cancelled scope: our own
                    await self._turn(-1, claiming=False, blocking=True)
            except Exception as error:  # the lease lapses: others take them a little later
                message = "Event queue on %s: could not hand its events back (%r); other "
                logger.warning(
                    message + "processes take them once its lease lapses", self._backend.url, error
                )
                self._lock = None
                return
        self._worker = uuid.uuid4().hex  # a new run holds nothing of this one's
        self._lock = None

    async def _turn(
        self, lease_ms: int, *, claiming: bool = True, blocking: bool = False, first: bool = False
    ) -> None:
        """One exchange, under the lock: no two run at once, so every change is written once."""
        lock = self._lock
        if lock is None:
            lock = self._lock = anyio.Lock()
        async with lock:
            await self._exchange_once(lease_ms, claiming, blocking, first)

    async def _exchange_once(
        self, lease_ms: int, claiming: bool, blocking: bool, first: bool
    ) -> None:
        limit = self._limit
        room = min(limit, self._room()) if claiming else 0
        if claiming:  # ready events beyond what may start here now: for any process
            ready = self._ready
            while len(ready) > max(room, 0):
                self._dirty[ready.pop()] = _POOLED
        dirty, self._dirty = self._dirty, {}
        given_back, self._given_back = self._given_back, []
        changes: list[tuple[str | bytes, ...]] = [
            ("p", _member(key), "", due) for key, due in given_back
        ]
        added: list[QueuedEvent] = []
        for event, status in dirty.items():
            key = event.key
            if status == _ENDED:
                if key:
                    changes.append(("f", _member(key)))
                continue
            state = _state(event)
            due = repr(event.due)
            if key == 0:
                kind = "a" if status == _HELD else "A"
                changes.append((kind, event.function.name, _body(event), state, due))
                added.append(event)
            else:
                changes.append(("h" if status == _HELD else "p", _member(key), state, due))
        self._sending = sum(status == _POOLED for status in dirty.values())
        if claiming:
            self._unknown = {name for name in self._unknown if self._lookup(name) is None}
            ready_room = max(0, room - len(self._ready))
            waiting_room = max(0, limit - len(self._waiting)) if first else 0
        else:
            ready_room = waiting_room = 0
        skip = _encode(sorted(self._unknown))
        keys, args = self._script_call(lease_ms, ready_room, waiting_room, skip)
        for change in changes:
            args += change
            args += ("",) * (5 - len(change))
        self._writing = added
        try:
            if blocking:  # the backend's own thread and client
                reply = self._backend.blocking(
                    lambda client: _script(EXCHANGE)(keys=keys, args=args, client=client)
                )
            else:
                reply = await self._call(EXCHANGE, keys, args)
        except BaseException:
            for event, status in dirty.items():  # newer changes win
                self._dirty.setdefault(event, status)
            self._given_back[:0] = given_back
            self._sending, self._writing = 0, []
            raise
        self._sending, self._writing = 0, []
        self._settle_reply(reply, added, dirty)

    def _script_call(
        self, lease_ms: int, ready_room: int, waiting_room: int, skip: bytes
    ) -> tuple[list[str], list[Any]]:
        """The exchange script's keys and its first arguments (`redis_scripts.EXCHANGE`'s
        order), for this process now; the changes follow them."""
        base, worker = self._base, self._worker
        keys = [*self._keys, f"{base}:held:{worker}", f"{base}:alive:{worker}"]
        now = repr(self.clock.now())
        return keys, [base, worker, now, lease_ms, ready_room, waiting_room, skip]

    async def _call(self, source: str, keys: list[str], args: list[Any]) -> Any:
        """Run a script on the app's client; shielded, so a cancelled caller never leaves it
        unknown whether the server applied it (which would write a change twice)."""
        with anyio.CancelScope(shield=True):
            with anyio.fail_after(LEASE):
                async with self._backend.session() as client:
                    return await _script(source)(keys=keys, args=args, client=client)

    def _settle_reply(
        self, reply: Any, added: list[QueuedEvent], dirty: dict[QueuedEvent, int]
    ) -> None:
        given, lost, claimed, pooled, others, left = reply
        for event, member in zip(added, given, strict=True):
            event.key = int(member)
            if self._dirty.get(event) != _ENDED:
                self._counted.add(event.key)
        if lost:
            self._forget({int(member) for member in lost})
        now = self.clock.now()
        arrived = False
        for at in range(0, len(claimed), 5):
            member, due, name, body, state = claimed[at : at + 5]
            key, due = int(member), float(due)
            loaded = self._load(key, name.decode(), body, state)
            if loaded is None:  # no such function here: back to the pool, for one that has it
                self._unknown.add(name.decode())
                self._given_back.append((key, repr(due)))
                continue
            loaded.due = due
            if key not in self._counted:
                loaded.adopted = True
                self._counted.add(key)
            if due <= now:
                self._ready.append(loaded)
            else:
                heapq.heappush(self._waiting, (due, next(self._sequence), loaded))
            arrived = True
        changed = (pooled, others, left) != (self._pooled, self._others, self._left)
        self._pooled, self._others, self._left = int(pooled), int(others), int(left)
        if arrived or changed or dirty:
            self._moved()

    def _forget(self, keys: set[int]) -> None:
        """Events another process took over (this one's lease had lapsed): its now."""
        self._ready = deque(event for event in self._ready if event.key not in keys)
        self._waiting = [entry for entry in self._waiting if entry[2].key not in keys]
        heapq.heapify(self._waiting)

    # -- reads outside the dispatcher (rare: through the backend's blocking client) --------------

    def _read(self) -> tuple[int, bool]:
        """(count, settled) as Redis has them, and the events accepted here not written yet."""
        pool, body, owner = (f"{self._base}:{name}" for name in ("pool", "body", "owner"))
        now = repr(self.clock.now())

        async def work(client: Client) -> tuple[int, bool]:
            ready, held = await client.zcount(pool, "-inf", now), await client.hlen(owner)
            return int(await client.hlen(body)), int(ready) == 0 and int(held) == 0

        total, settled = self._backend.blocking(work)
        new = sum(1 for event, status in self._dirty.items() if not event.key and status != _ENDED)
        return total + new, settled and not new

    def listing(self) -> list[QueuedEvent]:
        base = self._base
        keys = [f"{base}:{name}" for name in ("pool", "owner", "body", "state", "func")]

        async def work(client: Client) -> Any:
            return await _script(LISTING)(keys=keys, args=[base], client=client)

        now = self.clock.now()
        me = self._worker.encode()
        entries: list[tuple[int, float, int, QueuedEvent]] = []
        for member, due_text, holder, name, body, state in self._backend.blocking(work):
            if holder == me or not body:
                continue  # held here: the objects here are the newer
            key, due = int(member), float(due_text)
            event = self._load(key, name.decode(), body, state)
            if event is not None:
                rank = 2 if due > now else (0 if holder else 1)
                entries.append((rank, due, key, event))
        local = [
            *((0, event) for event in self._running),
            *((1, event) for event in self._ready),
            *((2, entry[2]) for entry in self._waiting),
        ]
        local += [
            (2 if event.due > now else 1, event)
            for event, status in self._dirty.items()
            if status == _POOLED
        ]
        for rank, event in local:
            entries.append((rank, event.due, event.key or 1 << 62, event))
        entries.sort(key=lambda entry: entry[:3])
        return [entry[3] for entry in entries]

    def _load(self, key: int, name: str, body: bytes, state: bytes) -> QueuedEvent | None:
        function = self._lookup(name)
        if function is None:
            return None
        accepted = _decode_body(body)
        event = QueuedEvent(function, accepted.payload, accepted.received, accepted.received_at)
        event.key = key
        event.request_number = int(accepted.request_number, 16)
        if state:
            saved = _decode_state(state)
            event.attempts = saved.attempts
            event.throttles = saved.throttles
            last = saved.last
            if last is not None:
                event.last = InvocationResult(
                    function.name,
                    last.status_code,
                    event.request_number,
                    last.payload,
                    last.function_error,
                    "$LATEST",
                    memory_size_mb=function.memory,
                )
        return event


def _body(event: QueuedEvent) -> bytes:
    """The event as accepted, as Redis keeps it (written once: it never changes)."""
    number = format(event.request_number, "x")
    return _encode(_Body(event.payload, number, event.received, event.received_at))


def _state(event: QueuedEvent) -> bytes:
    """What changes of an event with its attempts (empty before the first)."""
    last = event.last
    if last is None:
        if not event.attempts and not event.throttles:
            return b""
        return _encode(_State(event.attempts, event.throttles, None))
    saved = _Last(last.status_code, last.function_error, last.raw_payload)
    return _encode(_State(event.attempts, event.throttles, saved))
