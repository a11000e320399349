"""Who gives a concurrency slot back when a sync handler's thread outlives its invocation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Handoff", "Slot"]


class Handoff:
    """Decides who gives the concurrency slot back when a sync handler runs in a thread.

    Normally the invocation does, after the thread returns. If the invocation stops waiting (its
    deadline passed, or its caller was cancelled) while the handler runs, the thread keeps the
    slot and gives it back when the handler finally returns. If it stops waiting before the
    handler started, the handler never starts and the invocation gives the slot back.
    """

    __slots__ = ("_abandoned", "_finished", "_lock", "_release", "_started")

    def __init__(self, lock: threading.Lock, release: Callable[[], None]) -> None:
        self._lock = lock
        self._release = release
        self._started = False
        self._finished = False
        self._abandoned = False

    def run(self, function: Callable[..., Any], *args: Any) -> tuple[bool, Any]:
        with self._lock:
            if self._abandoned:  # nobody waits for it any more: do not start
                return (False, None)
            self._started = True
        try:
            outcome: tuple[bool, Any] = (True, function(*args))
        except BaseException as error:  # contained: reported in Lambda's shape by the caller
            outcome = (False, error)
        with self._lock:
            self._finished = True
            abandoned = self._abandoned
        if abandoned:
            self._release()
        return outcome

    def abandon(self) -> bool:
        """Stop waiting for the thread; True if the thread now owns the slot."""
        with self._lock:
            self._abandoned = True
            return self._started and not self._finished


class Slot:
    """The concurrency slot of one invocation; `handed_off` once a worker thread owns it."""

    __slots__ = ("handed_off",)

    def __init__(self) -> None:
        self.handed_off = False
