"""Execution environments ("instances") of one function: created cold, kept warm, expired idle.

An instance serves one invocation at a time. Idle instances wait on a stack, so the most recently
used is reused first, as Lambda tends to do, and the least recently used expire first. An idle
instance is only an object on a list: no task or thread is held for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["Instance", "InstancePool"]


class Instance:
    """One execution environment: its handler object and what Lambda tracks about it."""

    __slots__ = ("handler", "invocations", "last_used", "log_stream_name")

    def __init__(self, handler: Callable[..., Any], log_stream_name: str) -> None:
        self.handler = handler
        self.log_stream_name = log_stream_name
        self.invocations = 0
        self.last_used = 0.0


class InstancePool:
    """The instances of one function: how many exist, and which are idle."""

    __slots__ = ("_idle", "count", "idle_timeout")

    def __init__(self, idle_timeout: float) -> None:
        self.idle_timeout = idle_timeout
        self.count = 0  # busy and idle together
        self._idle: list[Instance] = []

    @property
    def idle_count(self) -> int:
        return len(self._idle)

    def take(self, now: float) -> Instance | None:
        """A warm idle instance, or None when a cold start is needed.

        The stack is ordered by last use, so if the newest idle instance has expired, all have.
        """
        idle = self._idle
        if idle:
            instance = idle.pop()
            if now - instance.last_used < self.idle_timeout:
                return instance
            self.count -= len(idle) + 1
            idle.clear()
        return None

    def add(self) -> None:
        """Count a newly created instance, busy with the invocation that created it."""
        self.count += 1

    def put_back(self, instance: Instance, now: float) -> None:
        instance.last_used = now
        self._idle.append(instance)

    def discard(self) -> None:
        """Forget a busy instance whose state can no longer be trusted (timeout, exit, crash)."""
        self.count -= 1

    def expire(self, now: float) -> int:
        """Drop the instances idle for `idle_timeout` or longer; return how many went."""
        idle = self._idle
        expired = 0
        while expired < len(idle) and now - idle[expired].last_used >= self.idle_timeout:
            expired += 1
        if expired:
            del idle[:expired]
            self.count -= expired
        return expired

    def clear_idle(self) -> None:
        self.count -= len(self._idle)
        self._idle.clear()
