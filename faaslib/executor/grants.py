"""`FleetGrants`: the account's concurrency and each function's reserved concurrency, shared by
every process and host running the app on one Redis prefix.

Admission is on the hot path and never waits, so it cannot ask Redis. Instead each process
holds grants leased from Redis and admits within them (`Admission.cap`): a background task
renews the lease every `PERIOD`, asking for what the process needs (the most it used lately,
plus what it had to refuse, plus `HEADROOM`) and giving back what it does not. One Lua script
per renewal sets the grants of every pool (the account's unreserved pool and each reserved
function's) at once, seeing every other live process's grant, so the grants never add up to
more than a limit; a process that dies (SIGKILL) stops renewing, and its lease lapses after
`LEASE` seconds, which frees its slots. A refusal wakes the task at once, so a process that is
short asks within a round trip, and one that is long gives back within a `PERIOD`. On one host a
process also sees when another's pid is gone, and frees its slots at once, without the lease.

Provisioned concurrency stays each process's own: its provisioned instances live in it. Their
slots come out of the account's unreserved pool, as Lambda carves them out of the account: the
account grant covers them (`Admission.unreserved_held`).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc

from faaslib.clock import Clock, SystemClock
from faaslib.errors import ConfigurationError
from faaslib.executor.admission import Admission, FleetCap, Grant
from faaslib.executor.grant_scripts import RETIRE, TURN
from faaslib.stores.liveness import is_gone, new_process_id

if TYPE_CHECKING:
    from faaslib.executor.function import Function
    from faaslib.stores.redis.connection import Client, RedisBackend

__all__ = ["LEASE", "PERIOD", "FleetGrants"]

logger = logging.getLogger("faaslib")

LEASE = 5.0  # seconds a grant stays a process's without renewal (real time)
PERIOD = 0.05  # seconds between renewals
HASTE = 0.01  # the least time between two renewals, however often refusals ask
MARGIN = 1.0  # a grant is spent only until LEASE - MARGIN after its renewal was sent
HEADROOM = 2  # slots asked for beyond the recent demand
MEMORY = 20  # renewals over which demand is remembered (a second)
ANSWER = 2.0  # seconds a renewal may take before it is given up for the next
SCAN = 0.2  # seconds between two looks for the processes of this host that are gone
JOIN = 1.0  # seconds a starting process waits for its first share of the pools


class _Pool:
    """One pool as this process sees it: its key, its limit, and the demand it remembers."""

    __slots__ = ("grant", "key", "limit", "recent")

    def __init__(self, key: str, limit: int, grant: Grant) -> None:
        self.key = key
        self.limit = limit
        self.grant = grant
        self.recent: deque[int] = deque(maxlen=MEMORY)


class FleetGrants:
    """This process's grants of the fleet's limits: `maintain` keeps them while the app runs.

    `functions` is the app's registry, read at each renewal (functions registered later join).
    `clock` times the lease (real time by default: it measures whether a process is alive)."""

    def __init__(
        self,
        backend: RedisBackend,
        admission: Admission,
        functions: Mapping[str, Function],
        *,
        clock: Clock | None = None,
    ) -> None:
        self._backend = backend
        self._admission = admission
        self._functions = functions
        self._clock: Clock = clock if clock is not None else SystemClock()
        self.process_id = new_process_id()
        self._dead: set[str] = set()  # processes of this host seen gone, to drop at the renewal
        self._scanned = float("-inf")  # when the live processes were last looked for here
        self.cap = FleetCap(self._clock.monotonic, self._wake, f"Redis prefix {backend.prefix!r}")
        self._leases = backend.key("grants", "leases")
        self._account = _Pool(backend.key("grants", "account"), 0, self.cap.account)
        self._reserved: dict[str, _Pool] = {}
        self._wanted: anyio.Event | None = None
        self._loop_thread: int | None = None
        self._scripts: tuple[Client, Any, Any] | None = None
        self.renewals = 0
        self.failures = 0
        self.processes = 1  # live processes on the prefix, as of the last renewal
        self._scaling_shared = (1, 0)  # (processes, functions) the scaling rates were split for

    # -- the task -----------------------------------------------------------------------------

    async def maintain(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Lease the first grants (before the app takes work), then renew them until cancelled;
        at the end, give them back."""
        self._loop_thread = threading.get_ident()
        self._wanted = anyio.Event()
        self._admission.cap = self.cap
        try:
            with anyio.fail_after(ANSWER):
                await self.renew()
                # A process joining a fleet finds the pools held by the others: it takes work
                # once they have given it a share (they give back at their next renewal).
                with anyio.move_on_after(JOIN):
                    while self._short():
                        await anyio.sleep(HASTE)
                        await self.renew()
            task_status.started()
            failing_since: float | None = None
            while True:
                await anyio.sleep(HASTE)
                with anyio.move_on_after(PERIOD - HASTE):
                    await self._wanted.wait()
                self._wanted = anyio.Event()
                try:
                    with anyio.fail_after(ANSWER):
                        if await self.renew():
                            self._wanted.set()
                    failing_since = None
                except (OSError, TimeoutError, _redis_error()) as error:
                    self.failures += 1
                    now = self._clock.monotonic()
                    if failing_since is None or now - failing_since >= LEASE:
                        failing_since = now
                        logger.warning(
                            "App concurrency on %s: cannot renew this process's grants (%s); "
                            "its invocations are throttled once its lease lapses",
                            self.cap.where,
                            error,
                        )
        finally:
            self._admission.cap = None
            self._wanted = None
            with anyio.CancelScope(shield=True), anyio.move_on_after(ANSWER):
                try:
                    await self.retire()
                except (OSError, ConfigurationError, _redis_error()) as error:
                    logger.warning(  # its grants lapse with its lease instead
                        "App concurrency on %s: cannot give this process's grants back (%s)",
                        self.cap.where,
                        error,
                    )

    def _share_scaling(self, processes: int) -> None:
        """Split each function's scaling rate among the live processes (it is the fleet's):
        only when their number changed or functions were registered, not at every renewal
        (functions are never unregistered, so a count tells)."""
        self.processes = processes
        functions = self._functions
        if self._scaling_shared != (processes, len(functions)):
            self._scaling_shared = (processes, len(functions))
            for function in list(functions.values()):
                function.share_scaling(processes)

    def _short(self) -> bool:
        """Whether some pool grants this process none of its slots though the limit has some."""
        return any(
            pool.grant.granted == 0 and pool.limit > 0 for pool, _, _ in self._pools(refresh=False)
        )

    def _wake(self) -> None:
        # Refusals happen on the loop's thread (admission runs there); other callers simply
        # wait for the next renewal.
        wanted = self._wanted
        if wanted is not None and threading.get_ident() == self._loop_thread:
            wanted.set()

    # -- one renewal --------------------------------------------------------------------------

    async def renew(self) -> bool:
        """One round trip: renew the lease, and ask for (or give back) grant in every pool.
        True when another process waits for grant this one could give back at once."""
        pools = self._pools()
        lapsed = self._clock.monotonic() >= self.cap.valid_until
        now = self._clock.now()
        dead = self._dead
        arguments: list[Any] = [self.process_id, repr(now), repr(LEASE), int(now), len(dead)]
        arguments += dead
        for pool, used, in_use in pools:
            grant = pool.grant
            pool.recent.append(max(grant.peak, used) + grant.refused)
            grant.peak, grant.refused = used, 0
            need = min(pool.limit, max(pool.recent) + HEADROOM)
            # The store's grant comes down to what may be in use: at most what admission
            # allows now (`granted`, already lowered to the fair share), and what a lapsed lease
            # left running. Admission never goes above it while the store records it.
            keep = used if lapsed else max(used, grant.granted)
            grant.granted = min(grant.granted, keep)
            arguments += [pool.limit, need, keep, in_use]
        sent = self._clock.monotonic()
        turn, _ = await self._scripts_for()
        answers, live = await turn(
            keys=[self._leases, *(p.key for p, _, _ in pools)], args=arguments
        )
        if sent - self._scanned >= SCAN:
            self._scanned = sent
            self._dead = {who for who in map(bytes.decode, live) if is_gone(who)}
        else:
            self._dead = set()
        starved_of: dict[str, int] = {}  # pool -> the store's grant, above the fair share
        for (pool, _, _), (granted, target, starved) in zip(pools, answers, strict=True):
            # Admission stops at the fair share at once; the store's grant follows it down as
            # the invocations above it end (a later renewal's keep).
            pool.grant.granted = min(int(granted), int(target))
            if starved and int(granted) > int(target):
                starved_of[pool.key] = int(granted)
        self.cap.valid_until = sent + LEASE - MARGIN
        self.renewals += 1
        self._share_scaling(len(live))
        # Another process waits for what this one holds above its share: what is idle of it
        # goes back now, not a period later; so do the slots of a process seen gone.
        return bool(self._dead) or any(
            used < starved_of.get(p.key, 0) for p, used, _ in self._pools(refresh=False)
        )

    async def retire(self) -> None:
        """Give every grant back in one call (slots still in use stay held until the lease
        lapses), so the other processes may use them at once."""
        pools = self._pools(refresh=False)
        for pool, _, _ in pools:
            pool.grant.granted = 0
        _, retire = await self._scripts_for()
        await retire(
            keys=[self._leases, *(p.key for p, _, _ in pools)],
            args=[self.process_id, *(in_use for _, _, in_use in pools)],
        )

    def _pools(self, refresh: bool = True) -> list[tuple[_Pool, int, int]]:
        """Each pool with what this process uses of it now (what its grant must cover) and
        its invocations in flight (reported, for the fleet's figures)."""
        admission = self._admission
        account = self._account
        account.limit = admission.limit - admission.reserved_out
        pools = [(account, admission.unreserved_held, admission.in_use)]
        for name, function in list(self._functions.items()):
            slots = function.slots
            if not slots.reserved:  # none, or 0: the limit alone refuses everything
                continue
            pool = self._reserved.get(name)
            if pool is None or pool.grant is not slots.grant:
                if not refresh:
                    continue
                grant = slots.grant if slots.grant is not None else Grant()
                pool = self._reserved[name] = _Pool(
                    self._backend.key("grants", "fn", name), slots.reserved, grant
                )
                slots.grant = grant
            pools.append((pool, slots.in_use, slots.in_use))
        return pools

    async def _scripts_for(self) -> tuple[Any, Any]:
        client = self._backend.client
        scripts = self._scripts
        if scripts is None or scripts[0] is not client:
            scripts = self._scripts = (
                client,
                client.register_script(TURN),
                client.register_script(RETIRE),
            )
        return scripts[1], scripts[2]

    # -- figures ------------------------------------------------------------------------------

    def figures(self) -> dict[str, int]:
        """The fleet's account as the store holds it: `now`, the invocations in flight in every
        process on the prefix (as of each one's last renewal, a `PERIOD` ago at most),
        `processes` and their `granted` unreserved slots; and `throttled_by_grant`, this
        process's throttles its grants decided (where its own count was still under the
        limit). One blocking round trip."""
        key = self._account.key

        async def read(client: Client) -> Any:
            return await client.hgetall(key)

        held = self._backend.blocking(read)
        processes = in_use = granted = 0
        for value in held.values():
            parts = value.split()
            processes += 1
            granted += int(parts[0])
            in_use += int(parts[2])
        return {
            "now": in_use,
            "processes": processes,
            "granted": granted,
            "throttled_by_grant": self.cap.refusals,
        }


def _redis_error() -> type[Exception]:
    from coredis.exceptions import RedisError

    return RedisError
