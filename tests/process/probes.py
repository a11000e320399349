"""What the process-instance tests share: where an instance's process is, and whether it is
gone (read from /proc and the socket layer, as a user would check)."""

from __future__ import annotations

import socket

import anyio


def is_running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie, exited but not reaped, counts as running:
    it is what a leak would look like)."""
    try:
        with open(f"/proc/{pid}/stat", "rb"):
            return True
    except FileNotFoundError:
        return False


async def wait_gone(pid: int, seconds: float = 5.0) -> bool:
    """Whether `pid` is gone within `seconds` (it is reaped in the app's task group, so this
    waits on the event loop, letting that happen)."""
    with anyio.move_on_after(seconds):
        while is_running(pid):  # noqa: ASYNC110 - a process outside, polled as a user would
            await anyio.sleep(0.01)
        return True
    return False


def is_listening(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, int(port))) == 0
