"""`Signal`: wake every task waiting for the next change, under whichever event loop waits.

An app, a queue or a stream outlives the event loop it first ran in: a test runs it under
`anyio.run` and the next test under another, or a host restarts it. An `anyio.Event` kept from
the old loop (one whose waiters were cancelled when that loop ended) cannot be waited on in the
new one under asyncio, so a `Signal` makes its event for the loop that waits.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import anyio
from anyio.lowlevel import EventLoopToken, current_token

__all__ = ["Signal", "at_most"]


def at_most(seconds: float | None) -> AbstractContextManager[object]:
    """A scope whose waits end after `seconds` of real time (no limit when None): for a waiter
    that must also look for changes no `Signal` announces, such as another process's writes."""
    return nullcontext() if seconds is None else anyio.move_on_after(seconds)


class Signal:
    """Waiters sleep until the next `set()`; a `set()` with nobody waiting is not kept."""

    __slots__ = ("_event", "_token")

    def __init__(self) -> None:
        self._event: anyio.Event | None = None
        self._token: EventLoopToken | None = None

    async def wait(self) -> None:
        await self.event().wait()

    def event(self) -> anyio.Event:
        """The event the next `set()` sets, made for the running loop."""
        token = current_token()
        if self._event is None or self._token != token:
            self._event = anyio.Event()
            self._token = token
        return self._event

    def set(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None
