"""Work started ahead of the tests that need it, a few at once, in threads (see `Ahead`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Generic, TypeVar

__all__ = ["Ahead"]

K = TypeVar("K")
V = TypeVar("V")


class Ahead(Generic[K, V]):
    """Runs work ahead of the tests that need it, several at once, each in a thread of its own.

    A durable run spends most of its real time in the SDK's threads (its checkpoint batcher
    polls every 0.1 s), not on a core; running the next few of a group (a suite) meanwhile
    keeps a hundred of them within seconds. `prepare(key)` runs in the test's thread (loading a
    template warns, and warnings' filters are the process's) and gives the work the pool runs.
    A test takes its own key's result; nothing is shared between runs but the process."""

    def __init__(
        self,
        order: Sequence[K],
        prepare: Callable[[K], Callable[[], V]],
        group: Callable[[K], object],
        threads: int = 6,
    ) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="durable-ahead")
        self._ahead = threads
        self._order = list(order)
        self._prepare = prepare
        self._group = group
        self._started: dict[K, Future[V]] = {}

    def result(self, key: K) -> V:
        """`key`'s result (its work started now, unless it was started ahead)."""
        index = self._order.index(key)
        for later in self._order[index : index + self._ahead]:
            if self._group(later) == self._group(key) and later not in self._started:
                self._started[later] = self._pool.submit(self._prepare(later))
        return self._started.pop(key).result(timeout=50)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
