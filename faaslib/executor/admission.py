"""Admission: whether an invocation may start now, under Lambda's concurrency model.

The account's concurrency is split as Lambda splits it. A function with `reserved_concurrency=R`
owns R slots carved out of the account: no other function can take them, and it can never use
more. A function without reserved concurrency but with `provisioned_concurrency=P` is guaranteed
P slots (its provisioned instances can always run). Every other invocation competes for what is
left, the shared unreserved pool. So the total in use can never pass the account's limit.

A slot is taken before an invocation starts and given back when its handler is truly done. A sync
handler abandoned at its deadline keeps its slot until its thread returns. Slots are given back
from worker threads too, so the counts are guarded by a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from faaslib.errors import TooManyRequests

__all__ = ["Admission", "Slots"]


class Slots:
    """One function's share of the account: its limits and how many slots it holds now."""

    __slots__ = ("in_use", "most_in_use", "provisioned", "reserved")

    def __init__(self, reserved: int | None, provisioned: int) -> None:
        self.reserved = reserved
        self.provisioned = provisioned
        self.in_use = 0
        self.most_in_use = 0

    @property
    def shared_in_use(self) -> int:
        """Slots this function holds from the shared unreserved pool."""
        if self.reserved is not None:
            return 0
        return max(0, self.in_use - self.provisioned)


class Admission:
    """The account's concurrency: never more than `limit` invocations in flight at any instant."""

    __slots__ = (
        "_lock",
        "carved_out",
        "in_use",
        "limit",
        "most_in_use",
        "most_unreserved_in_use",
        "shared_in_use",
        "unreserved_in_use",
    )

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.carved_out = 0  # reserved slots, plus provisioned slots of unreserved functions
        self.in_use = 0
        self.shared_in_use = 0
        self.unreserved_in_use = 0
        self.most_in_use = 0
        self.most_unreserved_in_use = 0
        self._lock = threading.Lock()

    @property
    def shared_limit(self) -> int:
        return self.limit - self.carved_out

    @staticmethod
    def carve_out(slots: Iterable[Slots]) -> int:
        """How many slots these functions take out of the shared pool."""
        return sum(s.reserved if s.reserved is not None else s.provisioned for s in slots)

    def add(self, slots: Slots) -> None:
        with self._lock:
            self.carved_out += self.carve_out((slots,))

    def set_provisioned(self, slots: Slots, provisioned: int) -> None:
        """Change a function's provisioned concurrency, keeping the shared count exact."""
        with self._lock:
            before = slots.shared_in_use
            if slots.reserved is None:
                self.carved_out += provisioned - slots.provisioned
            slots.provisioned = provisioned
            self.shared_in_use += slots.shared_in_use - before

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
            else:
                if slots.in_use >= slots.provisioned:
                    if self.shared_in_use >= self.limit - self.carved_out:
                        raise _throttle(
                            function_name,
                            "ConcurrentInvocationLimitExceeded",
                            f"all {self.limit - self.carved_out} unreserved concurrent "
                            f"executions of the account (concurrency {self.limit}) are in use",
                        )
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

    def release(self, slots: Slots) -> None:
        with self._lock:
            if slots.reserved is None:
                if slots.in_use > slots.provisioned:
                    self.shared_in_use -= 1
                self.unreserved_in_use -= 1
            slots.in_use -= 1
            self.in_use -= 1


def _throttle(function_name: str, reason: str, detail: str) -> TooManyRequests:
    return TooManyRequests(
        f"Rate Exceeded. (function {function_name!r}: {detail})",
        reason=reason,
        function_name=function_name,
    )
