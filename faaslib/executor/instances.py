"""Execution environments ("instances") of one function: provisioned, warm, cold, expired.

An instance serves one invocation at a time. Provisioned instances are made ahead of demand,
never expire, and serve first. On-demand instances wait on a stack when idle, so the most recently
used is reused first, as Lambda tends to do, and the least recently used expire first. An idle
instance is only an object in a list: no task or thread is held for it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faaslib.executor.variables import InvocationVariables

__all__ = ["Instance", "InstancePool"]


class Instance:
    """One execution environment: its handler object and what Lambda tracks about it."""

    __slots__ = (
        "handler",
        "invocations",
        "is_provisioned",
        "last_used",
        "log_stream_name",
        "variables",
    )

    def __init__(
        self,
        handler: Callable[..., Any],
        log_stream_name: str,
        is_provisioned: bool,
        variables: InvocationVariables,
    ) -> None:
        self.handler = handler
        self.log_stream_name = log_stream_name
        self.is_provisioned = is_provisioned
        self.variables = variables  # what its handler sees in os.environ
        self.invocations = 0
        self.last_used = 0.0

    def close(self) -> None:
        """Let the instance go: nothing to do in process; a process instance ends its process."""


class InstancePool:
    """The instances of one function: how many exist, which are idle, which are provisioned."""

    __slots__ = (
        "_idle",
        "_provisioned_idle",
        "count",
        "idle_timeout",
        "max_idle",
        "most_provisioned_busy",
        "provisioned_count",
        "provisioned_target",
    )

    def __init__(self, idle_timeout: float, max_idle: int, provisioned_target: int = 0) -> None:
        self.idle_timeout = idle_timeout
        self.max_idle = max_idle
        self.count = 0  # every instance: provisioned and on-demand, busy and idle
        self.provisioned_count = 0
        self.provisioned_target = provisioned_target
        self.most_provisioned_busy = 0
        self._idle: deque[Instance] = deque()
        self._provisioned_idle: list[Instance] = []

    @property
    def idle_count(self) -> int:
        return len(self._idle) + len(self._provisioned_idle)

    @property
    def provisioned_busy(self) -> int:
        return self.provisioned_count - len(self._provisioned_idle)

    @property
    def provisioned_missing(self) -> int:
        """Provisioned instances still to be made to reach the target."""
        return max(0, self.provisioned_target - self.provisioned_count)

    def take(self, now: float) -> Instance | None:
        """An idle instance, provisioned first, or None when a cold start is needed.

        The on-demand stack is ordered by last use: if its newest instance has expired, all have.
        """
        if self._provisioned_idle:
            instance = self._provisioned_idle.pop()
            busy = self.provisioned_count - len(self._provisioned_idle)
            if busy > self.most_provisioned_busy:
                self.most_provisioned_busy = busy
            return instance
        idle = self._idle
        if idle:
            instance = idle.pop()
            if now - instance.last_used < self.idle_timeout:
                return instance
            self.count -= len(idle) + 1
            instance.close()
            for expired in idle:
                expired.close()
            idle.clear()
        return None

    def add(self, is_provisioned: bool = False) -> None:
        """Count an instance being created (busy until it is put back)."""
        self.count += 1
        if is_provisioned:
            self.provisioned_count += 1

    def put_back(self, instance: Instance, now: float) -> None:
        instance.last_used = now
        if instance.is_provisioned:
            if self.provisioned_count > self.provisioned_target:  # provisioning was lowered
                self.discard(instance)
                instance.close()
            else:
                self._provisioned_idle.append(instance)
            return
        idle = self._idle
        idle.append(instance)
        if len(idle) > self.max_idle:  # bound memory: the least recently used goes
            idle.popleft().close()
            self.count -= 1

    def discard(self, instance: Instance | None, is_provisioned: bool = False) -> None:
        """Forget an instance that failed its init (`None`), or whose state can no longer be
        trusted (a timeout, an exit, a crash)."""
        self.count -= 1
        if instance.is_provisioned if instance is not None else is_provisioned:
            self.provisioned_count -= 1

    def remove_idle(self, instance: Instance) -> bool:
        """Forget an idle instance that ended by itself (a process that exited while it waited);
        False if it is not idle here (busy: its invocation sees the end)."""
        for idle in (self._idle, self._provisioned_idle):
            try:
                idle.remove(instance)
            except ValueError:
                continue
            self.discard(instance)
            return True
        return False

    def close_idle(self) -> int:
        """Let every idle instance go, provisioned ones too (their processes end with the app
        that ran them); return how many went."""
        idle = [*self._idle, *self._provisioned_idle]
        self._idle.clear()
        self._provisioned_idle.clear()
        for instance in idle:
            self.discard(instance)
            instance.close()
        return len(idle)

    def set_provisioned_target(self, target: int) -> None:
        """Aim for `target` provisioned instances; idle ones beyond it go at once, busy ones when
        they finish."""
        self.provisioned_target = target
        while self.provisioned_count > target and self._provisioned_idle:
            instance = self._provisioned_idle.pop()
            self.discard(instance)
            instance.close()

    def expire(self, now: float) -> int:
        """Drop on-demand instances idle for `idle_timeout` or longer; return how many went."""
        idle = self._idle
        expired = 0
        while idle and now - idle[0].last_used >= self.idle_timeout:
            idle.popleft().close()
            expired += 1
        self.count -= expired
        return expired
