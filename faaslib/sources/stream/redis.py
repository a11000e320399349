"""A stream's records on Redis: every process and host sharing the server reads and writes the
same shards, numbered on.

Keys, under the app's prefix and `stream:<key>`: a hash (shard count, creation time, the latest
arrival times, and per shard `first:<i>` and `tip:<i>`), and per shard `records:<i>` (a sorted
set scored by the record's number: range reads from a number are one `ZRANGEBYSCORE`) and
`arrival:<i>` (each record's number scored by its arrival stamp: AT_TIMESTAMP finds the first
record since a time in one lookup), and `arrived` (every shard's records scored by when they
arrived, for the retention trim). A sorted set rather than a Redis Stream: stream entry ids are
(milliseconds, sequence) pairs, which neither fit a record's number nor let a read start from a
time; a list would make a read from a number walk the list.

A put outside any batch is one script call (`redis_scripts.APPEND`), which numbers and stamps
the record on the server, and waits while a batch holds the stream's lock. A batch
(`faaslib.stores.redis.locked`: `put_records`, a table's change) holds the lock, reads the tips
and latest arrival times once, numbers its records from them and sends them at its end in one
script call with its other writes (a table's item and its stream record go together). Either
way two processes never give out one number, and a killed put leaves all of its records or
none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio
import msgspec
from coredis import PureToken

from faaslib.clock import Clock
from faaslib.sources.stream._kept import KeptShard, KeptStream, shard_count_changed, with_first
from faaslib.sources.stream._shards import SLACK, make_shards
from faaslib.sources.stream.records import Record, Shard, ShardIterator
from faaslib.sources.stream.redis_scripts import APPEND, OPEN, TRIM
from faaslib.stores.redis import locked
from faaslib.stores.redis.locked import Batch, ResourceLock
from faaslib.stores.sqlite.database import polling

if TYPE_CHECKING:
    from faaslib.stores.redis.connection import Client, RedisBackend

__all__ = ["RedisShard", "RedisStream"]

_encode = msgspec.msgpack.Encoder().encode
_decode_body = msgspec.msgpack.Decoder(tuple[str, bytes]).decode  # partition key, data


def _padded(number: int) -> str:
    """A number that sorts as text as it does as a number (ties in a sorted set go by text)."""
    return f"{number:020d}"


def _member(number: int, arrival: str, arrived: str, body: bytes) -> bytes:
    """A record as its shard's sorted set keeps it: `number|arrival|arrived|` and its
    partition key and data in msgpack (the APPEND script writes the same)."""
    return f"{_padded(number)}|{arrival}|{arrived}|".encode() + body


class _Pending:
    """A batch's view of the stream: read once under its lock, then moved on by its puts."""

    __slots__ = ("latest_arrival", "latest_arrived", "tips")

    def __init__(self, kept: dict[bytes, bytes], shards: int) -> None:
        self.latest_arrival = kept[b"latest_arrival"].decode()  # as written: never reprinted
        self.latest_arrived = kept[b"latest_arrived"].decode()
        self.tips = [int(kept[f"tip:{index}".encode()]) for index in range(shards)]


class RedisShard(KeptShard["RedisStream"]):
    """One shard's sorted sets."""

    __slots__ = ("_arrival", "_records")

    def __init__(self, stream: RedisStream, index: int, shard: Shard) -> None:
        super().__init__(stream, index, shard)
        self._records = stream.backend.key("stream", stream.key, f"records:{index}")
        self._arrival = stream.backend.key("stream", stream.key, f"arrival:{index}")

    @property
    def tip(self) -> int:
        pending = self.stream.pending()
        if pending is not None:
            return pending.tips[self.index]
        return self._look()[1]

    @property
    def trim_horizon(self) -> int:
        horizon, tip, _ = self._look()
        return tip if horizon is None else horizon

    def _look(self, since: float | None = None) -> tuple[int | None, int, int | None]:
        """The trim horizon (None when no record is kept), the tip and, with `since`, the number
        of the first kept record that arrived at or after it, in one round trip."""
        field = f"tip:{self.index}"
        stream_key = self.stream.hash

        async def look(client: Client) -> tuple[Any, Any, Any]:
            async with client.pipeline(transaction=True) as pipe:
                oldest = pipe.zrange(self._arrival, 0, 0)
                tip = pipe.hget(stream_key, field)
                found = (
                    None
                    if since is None
                    else pipe.zrange(
                        self._arrival,
                        repr(since - SLACK),
                        "+inf",
                        sortby=PureToken.BYSCORE,
                        offset=0,
                        count=1,
                    )
                )
            return await oldest, await tip, None if found is None else await found

        oldest, tip, found = self.stream.backend.blocking(look)
        return (
            int(oldest[0]) if oldest else None,
            int(tip),
            int(found[0]) if found else None,
        )

    def start(self, iterator: ShardIterator) -> tuple[int, float | None]:
        not_before = iterator.not_before
        horizon, tip, found = self._look(not_before)
        number = max(iterator.position, tip if horizon is None else horizon)
        if not_before is not None:
            # Arrivals never go back: every record from `found` on arrived since `not_before`.
            if found is None or max(number, found) >= tip:
                return max(number, tip), not_before
            return max(number, found), None
        return number, None

    def first_arrived_since(self, timestamp: float) -> int:
        _, tip, found = self._look(timestamp)
        return tip if found is None else found

    def read(self, number: int, limit: int, max_bytes: int) -> list[Record]:
        async def read(client: Client) -> Any:
            return await client.zrange(
                self._records, number, "+inf", sortby=PureToken.BYSCORE, offset=0, count=limit
            )

        return self.within(map(_unpacked, self.stream.backend.blocking(read)), max_bytes)

    def arrived_at(self, number: int) -> float:
        member = f"{_padded(self.index)}:{_padded(number)}"

        async def read(client: Client) -> Any:
            return await client.zscore(self.stream.arrivals, member)

        arrived = self.stream.backend.blocking(read)
        return self.stream.time() if arrived is None else float(arrived)

    def append(self, data: bytes, partition_key: str) -> Record:
        stream = self.stream
        now = stream.clock.now()
        # Millisecond precision, as Kinesis stamps arrivals; never before an earlier record,
        # whichever process put it.
        stamp, when = repr(round(now, 3)), repr(now)
        body = _encode((partition_key, data))
        batch = stream.lock.batch
        if batch is None:
            number, arrival, arrived = self._append_alone(stamp, when, body)
            self.changed.set()
            stream.arrived(arrived)
        else:
            with stream.lock as batch:
                pending = stream.joined(batch)
                if float(stamp) > float(pending.latest_arrival):
                    pending.latest_arrival = stamp
                if now > float(pending.latest_arrived):
                    pending.latest_arrived = when
                arrival, arrived = float(pending.latest_arrival), float(pending.latest_arrived)
                number = pending.tips[self.index]
                pending.tips[self.index] = number + 1
                padded = _padded(number)
                writes = batch.writes
                member = _member(number, pending.latest_arrival, pending.latest_arrived, body)
                writes.add("ZADD", self._records, number, member)
                writes.add("ZADD", self._arrival, pending.latest_arrival, padded)
                writes.add(
                    "ZADD",
                    stream.arrivals,
                    pending.latest_arrived,
                    f"{_padded(self.index)}:{padded}",
                )
                writes.add(
                    "HSET",
                    stream.hash,
                    f"tip:{self.index}",
                    number + 1,
                    "latest_arrival",
                    pending.latest_arrival,
                    "latest_arrived",
                    pending.latest_arrived,
                )
                batch.after_commit(self.changed.set)
                batch.after_commit(lambda: stream.arrived(arrived))
        return self.record(number, data, partition_key, arrival)

    def _append_alone(self, stamp: str, when: str, body: bytes) -> tuple[int, float, float]:
        """A put outside any batch: one script call, which waits while a batch (of any
        process) holds the stream."""
        stream = self.stream
        keys = [stream.lock.key, stream.hash, self._records, self._arrival, stream.arrivals]
        arguments = [str(self.index), stamp, when, body]

        async def append(client: Client) -> Any:
            script = client.register_script(APPEND)
            with anyio.move_on_after(locked.WAIT):
                while True:
                    done = await script(keys=keys, args=arguments)
                    if done:
                        return done
                    await anyio.sleep(locked.RETRY)
            return None

        done = stream.backend.blocking(append)
        if done is None:
            raise locked.busy(stream.lock.resource, stream.lock.key)
        return int(done[0]), float(done[1]), float(done[2])


class RedisStream(KeptStream):
    """The stream kept under `key` on `backend`'s server, on the clock's wall time. Opening it
    again (here, or in another process or host) finds its shards, records and numbering."""

    def __init__(self, backend: RedisBackend, key: str, shards: int, clock: Clock) -> None:
        self.backend = backend
        self.key = key
        self.clock = clock
        self.poll = polling(clock)
        self.lock = ResourceLock(backend, "stream", key)
        self.hash = backend.key("stream", key)
        self.arrivals = backend.key("stream", key, "arrived")
        layout = make_shards(shards)
        fresh: list[Any] = [
            "shards",
            shards,
            "created_at",
            repr(clock.now()),
            "latest_arrival",
            "0",
            "latest_arrived",
            "0",
        ]
        for index, shard in enumerate(layout):
            fresh += [f"first:{index}", shard.starting_sequence_number, f"tip:{index}", 0]

        async def open_stream(client: Client) -> Any:
            script = client.register_script(OPEN)
            return await script(keys=[self.hash], args=fresh)

        reply = backend.blocking(open_stream)
        kept = dict(zip(reply[::2], reply[1::2], strict=True))
        if int(kept[b"shards"]) != shards:
            raise shard_count_changed(key, shards, backend.url, int(kept[b"shards"]))
        self.created_at = float(kept[b"created_at"])
        self.logs: list[RedisShard] = [
            RedisShard(self, index, with_first(shard, kept[f"first:{index}".encode()].decode()))
            for index, shard in enumerate(layout)
        ]
        self.oldest: float | None = self._oldest()  # a cache: trims look only when due

    def batch(self) -> ResourceLock:
        return self.lock

    def pending(self) -> _Pending | None:
        """The view of the batch open on this thread, if it has put to the stream."""
        batch = self.lock.batch
        return None if batch is None else batch.state.get(self)

    def joined(self, batch: Batch) -> _Pending:
        """`batch`'s view of the stream, read (one round trip) when it first puts to it: the
        batch holds the stream's lock, so what it read stays so until the batch ends."""
        pending: _Pending | None = batch.state.get(self)
        if pending is None:

            async def read(client: Client) -> Any:
                return await client.hgetall(self.hash)

            pending = batch.state[self] = _Pending(self.backend.blocking(read), len(self.logs))
        return pending

    def arrived(self, arrived: float) -> None:
        """A record put here is on the server."""
        if self.oldest is None:
            self.oldest = arrived

    def _trim(self, cutoff: float) -> int:
        keys = [
            self.arrivals,
            *(log._records for log in self.logs),
            *(log._arrival for log in self.logs),
        ]

        async def trim(client: Client) -> int:
            script = client.register_script(TRIM)
            return int(await script(keys=keys, args=[repr(cutoff)]))

        return self.backend.blocking(trim)

    def _oldest(self) -> float | None:
        async def read(client: Client) -> Any:
            return await client.zrange(self.arrivals, 0, 0, withscores=True)

        found = self.backend.blocking(read)
        return None if not found else float(found[0][1])

    def size(self) -> int:
        async def read(client: Client) -> int:
            return int(await client.zcard(self.arrivals))

        return self.backend.blocking(read)


def _unpacked(member: bytes) -> tuple[int, float, str, bytes]:
    """A record as its shard's sorted set keeps it (`_member`): number, arrival, partition key
    and data."""
    number, arrival, _, body = member.split(b"|", 3)
    partition_key, data = _decode_body(body)
    return int(number), float(arrival), partition_key, data
