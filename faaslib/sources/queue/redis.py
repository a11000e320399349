"""A queue's operations on Redis: every process and host of an app consumes the same queue.

`QueueCore` makes a `RedisQueue` when the app's store is Redis and hands it each operation.
Each one is one Lua script call (`redis_scripts`), one round trip, atomic on the server: two
consumers never take the same message within its visibility timeout, a FIFO group delivers
its head only with none of its messages in flight anywhere, and a redrive moves a message to
the dead-letter queue in the same script that finds it received too often. Checks run here,
before the script, with the core's own functions, so a refused request sends nothing.

Times are the clock's wall time (`clock.now()`), passed to each script: they outlive the
process, and `FakeClock` moves them in tests. A receipt handle is made and read exactly as the
core makes it, with the queue's key and mask kept in Redis (made once), so a handle from one
process deletes in another. `counters` are the core's, per process, counted where it counts.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import anyio
import anyio.lowlevel
from coredis.commands.script import Script

from faaslib._signal import Signal, at_most
from faaslib.events._fake import md5_hex
from faaslib.events.sqs import _attributes_md5
from faaslib.sources._common import check_batch_ids
from faaslib.sources.queue import checks, redis_scripts
from faaslib.sources.queue.handles import Handles
from faaslib.sources.queue.messages import (
    DEDUPLICATION_WINDOW,
    VISIBILITY_TIMEOUT,
    BatchEntry,
    BatchFailure,
    BatchRejected,
    DeleteBatchResult,
    Message,
    QueuedMessage,
    QueueError,
    SendBatchResult,
    SendResult,
)
from faaslib.sources.queue.redis_messages import (
    decode,
    encode,
    listed,
    received,
    sequence_number,
    text,
    time_of,
)
from faaslib.sources.queue.store import SLACK, MessageFields
from faaslib.stores.sqlite.database import polling

if TYPE_CHECKING:
    from faaslib.sources.queue.core import QueueCore
    from faaslib.stores.redis.connection import Client, RedisBackend

__all__ = ["RedisQueue"]

_SCRIPTS = {name: Script(script=getattr(redis_scripts, name)) for name in redis_scripts.__all__}
_NOT_ISSUED = -1


class RedisQueue:
    """The messages of `core` (a `QueueCore`) on `backend`: the core's operations, async, each
    one script; the synchronous reads (`counts`, `snapshot`, ...) through the backend's
    blocking client."""

    def __init__(self, core: QueueCore, backend: RedisBackend) -> None:
        self._core = core
        self._backend = backend
        self._base = backend.key("queue", core.name)
        self._fifo = "1" if core.fifo else "0"
        self._changed = Signal()  # set by this object's writes, and other processes' (watch)
        backend.watch(self._base, self._changed.set)
        self._poll = polling(core.clock)
        key, mask = self._blocking(
            "SECRET", [secrets.token_bytes(8), format(secrets.randbits(96), "x")], tick=False
        )
        self._handles = Handles(core.name, key, int(mask, 16))

    def time(self) -> float:
        """The queue's time line: the clock's wall time, as every process reads it."""
        return self._core.clock.now()

    # -- sending --------------------------------------------------------------------------------

    async def send(
        self,
        body: Any,
        *,
        attributes: Mapping[str, str | int | float | bytes] | None = None,
        delay_seconds: float | None = None,
        group_id: str | None = None,
        deduplication_id: str | None = None,
    ) -> SendResult:
        """`Queue.send`: checked here, enqueued (or deduplicated) by one script."""
        outgoing = self._core._outgoing(body, attributes, delay_seconds, group_id, deduplication_id)
        [result] = await self._enqueue([outgoing])
        return result

    async def send_batch(
        self, entries: Iterable[BatchEntry | Mapping[str, Any]]
    ) -> SendBatchResult:
        """`Queue.send_batch`: the entries accepted go in one script."""
        ready, failed = self._core._check_batch(entries)
        results = await self._enqueue([outgoing for _, outgoing in ready]) if ready else []
        successful = {
            entry_id: result for (entry_id, _), result in zip(ready, results, strict=True)
        }
        return SendBatchResult(successful=successful, failed=failed)

    async def _enqueue(self, batch: Sequence[checks.Outgoing]) -> list[SendResult]:
        core = self._core
        sent_timestamp = int(self.time() * 1000)
        args: list[Any] = [repr(float(core.message_retention_period)), repr(DEDUPLICATION_WINDOW)]
        digests = []
        for outgoing in batch:
            body_md5 = md5_hex(outgoing.text)
            attribute_md5 = _attributes_md5(outgoing.attributes) if outgoing.attributes else None
            digests.append((body_md5, attribute_md5))
            message_id = str(uuid.uuid4())
            fields = MessageFields(
                message_id,
                outgoing.text,
                body_md5,
                outgoing.attributes,
                attribute_md5,
                sent_timestamp,
                outgoing.deduplication_id if core.fifo else None,
            )
            delay = core.delay_seconds if outgoing.delay is None else outgoing.delay
            args += [
                message_id,
                encode(fields),
                outgoing.group_id or "",
                outgoing.deduplication_id or "",
                repr(float(delay)),
            ]
        reply = await self._call("SEND", args)
        results = []
        for (deduplicated, message_id, serial), (body_md5, attribute_md5) in zip(
            reply[1:], digests, strict=True
        ):
            if deduplicated:
                core.counters.deduplicated += 1
            else:
                core.counters.sent += 1
            results.append(
                SendResult(
                    message_id=text(message_id),
                    md5_of_body=body_md5,
                    md5_of_message_attributes=attribute_md5,
                    sequence_number=sequence_number(int(serial), core.fifo),
                )
            )
        if any(not deduplicated for deduplicated, _, _ in reply[1:]):
            self._changed.set()
        return results

    # -- receiving ------------------------------------------------------------------------------

    async def take(self, count: int, hidden_for: float) -> list[Message]:
        """Expire, redrive and deliver up to `count` messages, hidden for `hidden_for` s."""
        return (await self._take(count, hidden_for))[0]

    async def _take(self, count: int, hidden_for: float) -> tuple[list[Message], float | None]:
        """The messages taken, and (when none was) when the next delay or timeout passes."""
        core = self._core
        target = core.dead_letter_queue
        dead_letter_base = self._base
        dead_letter_args: list[Any] = ["0", "0", "0", "0"]
        if target is not None and core.max_receive_count is not None:
            remote = getattr(target, "_remote", None)
            dead_letter_base = (
                remote._base
                if isinstance(remote, RedisQueue)
                else self._backend.key("queue", target.name)
            )
            dead_letter_args = [
                str(core.max_receive_count),
                core.arn,
                "1" if target.fifo else "0",
                repr(float(target.message_retention_period)),
            ]
        now = self.time()
        reply = await self._call(
            "TAKE",
            [str(count), repr(float(hidden_for)), str(int(now * 1000)), *dead_letter_args],
            keys=[self._base, dead_letter_base],
            now=now,
        )
        redriven = int(reply[1])
        if redriven and target is not None:
            core.counters.redriven += redriven
            target.counters.dead_lettered += redriven
            remote = getattr(target, "_remote", None)
            if isinstance(remote, RedisQueue):
                remote._changed.set()
            if core.fifo:  # a group whose head left may deliver its next message
                self._changed.set()
        messages = [
            received(row, self._handles, fifo=core.fifo, arn=core.arn, region=core.region)
            for row in reply[3:]
        ]
        core.counters.received += len(messages)
        return messages, time_of(reply[2])

    async def receive_now(
        self, max_messages: int = 1, *, visibility_timeout: float | None = None
    ) -> list[Message]:
        """A short poll: what is deliverable now, without waiting."""
        core = self._core
        checks.check_receive(core.name, max_messages, 0)
        messages = await self.take(max_messages, core._hidden_for(visibility_timeout))
        if not messages:
            core.counters.empty_receives += 1
        return messages

    async def receive(
        self, max_messages: int = 1, *, wait: float = 0.0, visibility_timeout: float | None = None
    ) -> list[Message]:
        """`Queue.receive`: a long poll when `wait` > 0."""
        core = self._core
        await anyio.lowlevel.checkpoint_if_cancelled()
        checks.check_receive(core.name, max_messages, wait)
        hidden_for = core._hidden_for(visibility_timeout)
        deadline = self.time() + wait  # before the round trip, which takes time
        # Each wait is on the event taken before the round trip, so a change made here while
        # the script runs wakes it (a set() with nobody waiting is not kept).
        changed = self._changed.event()
        messages, due = await self._take(max_messages, hidden_for)
        if messages or wait <= SLACK:
            if not messages:
                core.counters.empty_receives += 1
            return messages
        while not messages:
            if deadline - self.time() <= SLACK:
                core.counters.empty_receives += 1
                break
            await self._wait(changed, deadline if due is None else min(deadline, due))
            changed = self._changed.event()
            messages, due = await self._take(max_messages, hidden_for)
        return messages

    async def wait_for_messages(self) -> None:
        """Return once a receive may find a message, taking nothing in flight."""
        changed = self._changed.event()
        deliverable, due = await self._peek()
        while not deliverable:
            await self._wait(changed, due)
            changed = self._changed.event()
            deliverable, due = await self._peek()

    async def wait_for_change(self, until: float | None) -> None:
        """Wait for a change made here, the clock to reach `until` (wall time), or the poll
        interval of real time (another process may have written)."""
        await self._wait(self._changed.event(), until)

    async def _wait(self, changed: anyio.Event, until: float | None) -> None:
        with at_most(self._poll):
            if until is None:
                await changed.wait()
                return
            with self._core.clock.timeout_scope(until - self.time()):
                await changed.wait()

    async def _peek(self) -> tuple[bool, float | None]:
        reply = await self._call("PEEK", [])
        return bool(reply[1]), time_of(reply[2])

    # -- deleting and changing visibility -------------------------------------------------------

    async def delete(self, receipt_handle: str) -> bool:
        """`Queue.delete`."""
        serial, number = self._handles.read(receipt_handle)
        [code] = await self._delete([(serial, number)])
        return self._deleted(code, receipt_handle)

    async def delete_each(self, receipt_handles: Iterable[str]) -> int:
        """Delete in one script; a handle refused is skipped. How many were deleted."""
        resolved = []
        for handle in receipt_handles:
            try:
                resolved.append(self._handles.read(handle))
            except QueueError:
                continue
        codes = await self._delete(resolved) if resolved else []
        deleted = sum(1 for code in codes if code == 1)
        self._core.counters.deleted += deleted
        return deleted

    async def delete_batch(self, entries: Mapping[str, str]) -> DeleteBatchResult:
        """`Queue.delete_batch`, in one script."""
        name = self._core.name
        if not isinstance(entries, Mapping):
            raise BatchRejected(
                name,
                f"entries is a {type(entries).__name__}; delete_batch takes a mapping of "
                "entry id to receipt handle",
            )
        check_batch_ids(name, list(entries), checks.SQS)
        failed: dict[str, BatchFailure] = {}
        resolved: dict[str, tuple[int, int]] = {}
        for entry_id, handle in entries.items():
            try:
                resolved[entry_id] = self._handles.read(handle)
            except QueueError as error:
                failed[entry_id] = checks.batch_failure(error)
        codes = (
            dict(zip(resolved, await self._delete(list(resolved.values())), strict=True))
            if resolved
            else {}
        )
        successful: list[str] = []
        for entry_id, handle in entries.items():
            if entry_id in codes:
                try:
                    self._deleted(codes[entry_id], handle)
                except QueueError as error:
                    failed[entry_id] = checks.batch_failure(error)
                else:
                    successful.append(entry_id)
        return DeleteBatchResult(
            successful=successful,
            failed={entry_id: failed[entry_id] for entry_id in entries if entry_id in failed},
        )

    async def _delete(self, resolved: Sequence[tuple[int, int]]) -> list[int]:
        args = [str(part) for pair in resolved for part in pair]
        codes = [int(code) for code in (await self._call("DELETE", args))[1:]]
        if self._fifo == "1" and 1 in codes:  # a group may deliver its next message now
            self._changed.set()
        return codes

    def _deleted(self, code: int, receipt_handle: str) -> bool:
        """What a DELETE script's code for one handle means: deleted or not, or the error."""
        if code == _NOT_ISSUED:
            raise self._handles.not_issued(receipt_handle)
        if code == -2:
            raise self._core._expired(receipt_handle)
        if code == 1:
            self._core.counters.deleted += 1
        return code == 1

    async def change_visibility(self, receipt_handle: str, visibility_timeout: float) -> None:
        """`Queue.change_visibility`."""
        core = self._core
        checks.check_visibility_timeout(core.name, visibility_timeout)
        serial, number = self._handles.read(receipt_handle)
        now = self.time()
        reply = await self._call(
            "CHANGE",
            [str(serial), str(number), repr(float(visibility_timeout)), str(VISIBILITY_TIMEOUT[1])],
            now=now,
        )
        code = int(reply[1])
        if code == 0:
            if visibility_timeout == 0:
                self._changed.set()
            return
        if code == _NOT_ISSUED:
            raise self._handles.not_issued(receipt_handle)
        if code == 1:
            raise core._gone(receipt_handle)
        if code == -2:
            raise core._expired(receipt_handle)
        message_id = decode(reply[2]).message_id
        if code == 2:
            raise core._received_again(receipt_handle, message_id)
        if code == 3:
            raise core._not_in_flight(message_id)
        in_flight_for = now - float(reply[3]) + visibility_timeout
        raise core._too_long(visibility_timeout, message_id, in_flight_for)

    async def purge(self) -> int:
        """`Queue.purge`: every message leaves; how many there were."""
        count = int((await self._call("PURGE", []))[1])
        self._core.counters.purged += count
        return count

    # -- synchronous reads (the blocking client: one round trip each) ---------------------------

    def counts(self) -> tuple[int, int, int]:
        """Messages delayed, visible and in flight now."""
        delayed, visible, in_flight = self._blocking("COUNTS", [])
        return int(delayed), int(visible), int(in_flight)

    def size(self) -> int:
        """Messages in the queue, in any state."""
        return sum(self.counts())

    def oldest_age(self) -> float:
        [entered] = self._blocking("OLDEST", [])
        return 0.0 if not entered else max(0.0, self.time() - float(entered))

    def snapshot(self) -> list[QueuedMessage]:
        return [listed(row) for row in self._blocking("SNAPSHOT", [])]

    def has_deliverable(self) -> bool:
        return bool(self._blocking("PEEK", [])[0])

    def next_due(self) -> float | None:
        return time_of(self._blocking("PEEK", [])[1])

    def drop(self) -> None:
        """Remove every key of the queue (its messages, serial, secret and deduplication ids)."""
        self._blocking("DROP", [], tick=False)

    # -- the scripts ----------------------------------------------------------------------------

    async def _call(
        self,
        name: str,
        args: list[Any],
        *,
        keys: list[str] | None = None,
        now: float | None = None,
    ) -> list[Any]:
        """Run script `name` as one checkpoint: a pending cancellation is seen before it, never
        after (a finished call is not reported cancelled). Its whole reply: the number of
        messages that expired first, which is added to the counters."""
        await anyio.lowlevel.checkpoint_if_cancelled()
        arguments = [repr(self.time() if now is None else now), self._fifo, *args]
        reply: Any
        with anyio.CancelScope(shield=True):
            async with self._backend.session() as client:
                reply = await _SCRIPTS[name](
                    keys=keys or [self._base], args=arguments, client=client
                )
        self._core.counters.expired += int(reply[0])
        return list(reply)

    def _blocking(self, name: str, args: list[Any], *, tick: bool = True) -> list[Any]:
        """Run script `name` on the backend's blocking client (the sync API); without `tick`,
        the reply is returned whole."""
        script = _SCRIPTS[name]
        arguments = args if name == "SECRET" else [repr(self.time()), self._fifo, *args]

        async def work(client: Client) -> Any:
            return await script(keys=[self._base], args=arguments, client=client)

        reply = self._backend.blocking(work)
        if not tick:
            return reply if isinstance(reply, list) else [reply]
        self._core.counters.expired += int(reply[0])
        return list(reply[1:])
