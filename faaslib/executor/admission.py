"""Admission: whether an invocation may start now, under Lambda's concurrency model.

The account's concurrency is split as Lambda splits it. A function with `reserved_concurrency=R`
owns R slots carved out of the account: no other function can take them, and it can never use
more. A function without reserved concurrency but with `provisioned_concurrency=P` is guaranteed
P slots (its provisioned instances can always run). Every other invocation competes for what is
left, the shared unreserved pool. So the total in use can never pass the account's limit.

A slot is taken before an invocation starts and given back when its handler is truly done. A sync
handler abandoned at its deadline keeps its slot until its thread returns. Slots are given back
from worker threads too, so the counts are guarded by a lock.

When many processes share the limits (an app on Redis), admission stays local and without I/O:
each process spends grants that `faaslib.executor.grants.FleetGrants` leases for it from the
store (`Admission.cap`), so the fleet's total never passes the limits. Without a cap (memory and
SQLite stores, or an app that is not running) nothing of this runs.

A function's reserved concurrency can change while it runs (`set_reserved`). Lowered below what
it has in flight, the invocations past the new reservation run on and are its overhang: they
hold account slots no pool now counts, so the shared pool shrinks by them until they finish. The
overhang is settled without adding work to `release`: lazily, when the shared pool looks full,
and on every change of the limits.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from faaslib.errors import TooManyRequests

__all__ = ["Admission", "FleetCap", "Grant", "Slots"]


class Slots:
    """One function's share of the account: its limits and how many slots it holds now."""

    __slots__ = ("grant", "in_use", "most_in_use", "provisioned", "reserved")

    def __init__(self, reserved: int | None, provisioned: int) -> None:
        self.reserved = reserved
        self.provisioned = provisioned
        self.in_use = 0
        self.most_in_use = 0
        self.grant: Grant | None = None  # of its reserved concurrency, in a fleet

    @property
    def shared_in_use(self) -> int:
        """Slots this function holds from the shared unreserved pool."""
        if self.reserved is not None:
            return 0
        return max(0, self.in_use - self.provisioned)


class Grant:
    """This process's share of one fleet-wide pool (the account's unreserved concurrency, or a
    function's reserved concurrency), leased from the store and spent here without I/O."""

    __slots__ = ("granted", "peak", "refused")

    def __init__(self) -> None:
        self.granted = 0
        self.peak = 0  # the most used at once since the grant's last renewal: its demand
        self.refused = 0  # invocations refused for want of grant since then


class FleetCap:
    """What `FleetGrants` leased for this process: its grant of the account's unreserved pool
    (which also covers its provisioned slots) and when the lease ends, on `monotonic`'s clock.
    A grant is only spent before that end: after it, the other processes may hold its slots."""

    __slots__ = ("account", "monotonic", "refusals", "valid_until", "wake", "where")

    def __init__(
        self, monotonic: Callable[[], float], wake: Callable[[], None], where: str
    ) -> None:
        self.account = Grant()
        self.monotonic = monotonic
        self.valid_until = float("-inf")
        self.wake = wake  # asks the lease holder for more grant at once
        self.where = where
        self.refusals = 0  # throttles a grant caused, not the limits themselves


class Admission:
    """The account's concurrency: never more than `limit` invocations in flight at any instant."""

    __slots__ = (
        "_lock",
        "_overhang",
        "_overhang_total",
        "_shared_cap",
        "cap",
        "carved_out",
        "in_use",
        "limit",
        "most_in_use",
        "most_unreserved_in_use",
        "reserved_out",
        "shared_in_use",
        "unreserved_in_use",
    )

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.carved_out = 0  # reserved slots, plus provisioned slots of unreserved functions
        self.reserved_out = 0  # reserved slots alone
        self.cap: FleetCap | None = None  # this process's grants, when a fleet shares the limits
        self.in_use = 0
        self.shared_in_use = 0
        self.unreserved_in_use = 0
        self.most_in_use = 0
        self.most_unreserved_in_use = 0
        # reserved functions running past a lowered reservation, and by how many slots
        self._overhang: dict[Slots, int] = {}
        self._overhang_total = 0
        self._shared_cap = limit  # limit - carved_out - overhang, kept so acquire only reads it
        self._lock = threading.Lock()

    @property
    def shared_limit(self) -> int:
        """How many slots the shared pool has now: what is not carved out, less the overhang."""
        return self._shared_cap

    @property
    def overhang(self) -> int:
        """Slots reserved functions hold past their reserved concurrency (lowered while they
        ran): taken from the shared pool until they finish. 0 once they have."""
        with self._lock:
            return self._settle()

    @staticmethod
    def carve_out(slots: Iterable[Slots]) -> int:
        """How many slots these functions take out of the shared pool."""
        return sum(s.reserved if s.reserved is not None else s.provisioned for s in slots)

    @property
    def unreserved_held(self) -> int:
        """What this process takes from the account's unreserved concurrency: its provisioned
        slots (always held) and the shared slots in use: what its fleet grant must cover."""
        return self.carved_out - self.reserved_out + self.shared_in_use

    def fleet_room(self) -> int | None:
        """How many more unreserved invocations this process's fleet grant lets it start now
        (None without a fleet: only the limits count)."""
        cap = self.cap
        if cap is None:
            return None
        granted = cap.account.granted if cap.monotonic() < cap.valid_until else 0
        return granted - self.unreserved_held

    def _settle(self) -> int:
        """Recount the overhang from the functions that had one (under the lock), and the
        shared pool's size with it; the overhang is returned."""
        total = 0
        overhang = self._overhang
        for slots in list(overhang):
            reserved = slots.reserved
            over = 0 if reserved is None else slots.in_use - reserved
            if over > 0:
                overhang[slots] = over
                total += over
            else:
                del overhang[slots]
        self._overhang_total = total
        self._shared_cap = self.limit - self.carved_out - total
        return total

    def add(self, slots: Slots) -> None:
        with self._lock:
            self.carved_out += self.carve_out((slots,))
            if slots.reserved is not None:
                self.reserved_out += slots.reserved
            self._settle()

    def set_reserved(self, slots: Slots, reserved: int | None) -> None:
        """Change a function's reserved concurrency (None: none), its invocations in flight
        moving with it between the shared pool and its own, so every count stays exact.

        `release` reads `slots.reserved` when it runs, so the counts are put in the new pool's
        terms here. In flight past a lowered reservation, they finish (the overhang); new ones
        are throttled until the function is back under it.
        """
        with self._lock:
            carved = self.carve_out((slots,))
            before = slots.reserved
            if before is None:  # its invocations leave the shared pool
                self.shared_in_use -= slots.shared_in_use
                self.unreserved_in_use -= slots.in_use
            else:
                self.reserved_out -= before
            slots.reserved = reserved
            if reserved is None:  # and join it
                self._overhang.pop(slots, None)
                self.shared_in_use += slots.shared_in_use
                self.unreserved_in_use += slots.in_use
                if self.unreserved_in_use > self.most_unreserved_in_use:
                    self.most_unreserved_in_use = self.unreserved_in_use
            else:
                self.reserved_out += reserved
                if slots.in_use > reserved:
                    self._overhang[slots] = slots.in_use - reserved
            self.carved_out += self.carve_out((slots,)) - carved
            self._settle()
            if self.cap is not None:  # the grants must now cover a different carve-out
                self.cap.wake()

    def set_provisioned(self, slots: Slots, provisioned: int) -> None:
        """Change a function's provisioned concurrency, keeping the shared count exact."""
        with self._lock:
            before = slots.shared_in_use
            if slots.reserved is None:
                self.carved_out += provisioned - slots.provisioned
            slots.provisioned = provisioned
            self.shared_in_use += slots.shared_in_use - before
            self._settle()
            if self.cap is not None:  # the grant must now cover a different carve-out
                self.cap.wake()

    def acquire(self, slots: Slots, function_name: str) -> None:
        """Take a slot for the function, or raise `TooManyRequests` at once with Lambda's
        reason."""
        with self._lock:
            reserved = slots.reserved
            if reserved is not None:
                if slots.in_use >= reserved:
                    reason = "ReservedFunctionConcurrentInvocationLimitExceeded"
                    detail = f"its reserved concurrency of {reserved} is in use"
                    if reserved == 0:
                        detail = "its reserved concurrency is 0, which throttles every invocation"
                    raise _throttle(function_name, reason, detail)
                cap = self.cap
                if cap is not None:
                    _spend(cap, slots.grant, slots.in_use, function_name, reserved)
            else:
                if slots.in_use >= slots.provisioned:
                    if self.shared_in_use >= self._shared_cap:
                        if self._overhang:  # some of it may have finished since
                            self._settle()
                        if self.shared_in_use >= self._shared_cap:
                            raise self._shared_throttle(function_name)
                    cap = self.cap
                    if cap is not None:
                        used = self.carved_out - self.reserved_out + self.shared_in_use
                        _spend(cap, cap.account, used, function_name, None, self.limit)
                    self.shared_in_use += 1
                self.unreserved_in_use += 1
                if self.unreserved_in_use > self.most_unreserved_in_use:
                    self.most_unreserved_in_use = self.unreserved_in_use
            slots.in_use += 1
            if slots.in_use > slots.most_in_use:
                slots.most_in_use = slots.in_use
            self.in_use += 1
            if self.in_use > self.most_in_use:
                self.most_in_use = self.in_use

    def _shared_throttle(self, function_name: str) -> TooManyRequests:
        unreserved = self.limit - self.carved_out
        detail = (
            f"all {unreserved} unreserved concurrent executions of the account "
            f"(concurrency {self.limit}) are in use"
        )
        if self._overhang_total:
            detail = (
                f"all {self._shared_cap} of the account's {unreserved} unreserved concurrent "
                f"executions (concurrency {self.limit}) not held by functions still running "
                f"past a lowered reserved concurrency ({self._overhang_total}) are in use"
            )
        return _throttle(function_name, "ConcurrentInvocationLimitExceeded", detail)

    def release(self, slots: Slots) -> None:
        with self._lock:
            if slots.reserved is None:
                if slots.in_use > slots.provisioned:
                    self.shared_in_use -= 1
                self.unreserved_in_use -= 1
            slots.in_use -= 1
            self.in_use -= 1


def _spend(
    cap: FleetCap,
    grant: Grant | None,
    used: int,
    function_name: str,
    reserved: int | None,
    limit: int = 0,
) -> None:
    """Count one more slot of `grant` (`used` are in use), or refuse it: the grant is spent, or
    its lease lapsed. A refusal asks for more at once; this invocation is throttled anyway,
    since admission never waits."""
    if grant is not None and used < grant.granted and cap.monotonic() < cap.valid_until:
        if used >= grant.peak:
            grant.peak = used + 1
        return
    cap.refusals += 1
    if grant is not None:
        grant.refused += 1
    cap.wake()
    lapsed = cap.monotonic() - cap.valid_until
    if grant is not None and lapsed >= 0 and cap.valid_until > float("-inf"):
        detail = (
            f"this process's lease on the fleet's concurrency ({cap.where}) lapsed "
            f"{lapsed:.1f} s ago: the store has not answered its renewals"
        )
    elif reserved is not None:
        held = 0 if grant is None else grant.granted
        detail = (
            f"its reserved concurrency of {reserved} is shared by the processes on {cap.where}, "
            f"and the {held} of it this process holds are in use"
        )
    else:
        held = 0 if grant is None else grant.granted
        detail = (
            f"the {held} unreserved concurrent executions of the account (concurrency {limit}) "
            f"this process holds are in use; the processes on {cap.where} share the rest"
        )
    reason = (
        "ConcurrentInvocationLimitExceeded"
        if reserved is None
        else "ReservedFunctionConcurrentInvocationLimitExceeded"
    )
    raise _throttle(function_name, reason, detail)


def _throttle(function_name: str, reason: str, detail: str) -> TooManyRequests:
    return TooManyRequests(
        f"Rate Exceeded. (function {function_name!r}: {detail})",
        reason=reason,
        function_name=function_name,
    )
