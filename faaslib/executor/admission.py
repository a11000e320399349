"""Admission: whether an invocation may start now, under the account's concurrency.

A slot is taken before an invocation starts and given back when its handler is truly done. A sync
handler abandoned at its deadline keeps its slot until its thread returns, so faaslib never runs
more handler code at once than the limit allows. Slots are given back from worker threads too, so
the count is guarded by a lock.
"""

from __future__ import annotations

import threading

from faaslib.errors import TooManyRequests

__all__ = ["AccountPool"]


class AccountPool:
    """The account's concurrency: at most `limit` invocations in flight at any instant."""

    __slots__ = ("_lock", "in_use", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0
        self._lock = threading.Lock()

    def acquire(self, function_name: str) -> None:
        """Take a slot for `function_name`, or raise `TooManyRequests` at once."""
        with self._lock:
            if self.in_use < self.limit:
                self.in_use += 1
                return
        raise TooManyRequests(
            f"Rate Exceeded. (function {function_name!r}: all {self.limit} concurrent "
            "executions of the account are in use)",
            reason="ConcurrentInvocationLimitExceeded",
            function_name=function_name,
        )

    def release(self) -> None:
        with self._lock:
            self.in_use -= 1
