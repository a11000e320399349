"""Which process holds something in a shared store, and whether it is gone.

Processes sharing a store (a SQLite file, a Redis prefix) hold things there for a while: grants
of the fleet's concurrency, durable executions they drive. Each holds them under a lease that
lapses when it stops renewing it; but a process of the same host that died (SIGKILL, a crash)
can be seen gone at once, from its pid and start time, without waiting for the lease. A process
id says where it ran: `host/pid/seen.start/random` (`seen` tells one boot and pid namespace
from another, `start` tells a reused pid from the process that had it; `-` where unknown).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
from pathlib import Path

__all__ = ["is_gone", "new_process_id"]


def new_process_id() -> str:
    """An id for this process (or one run of it), unique across hosts and restarts."""
    return "/".join((socket.gethostname(), str(os.getpid()), _HOST, secrets.token_hex(4)))


def is_gone(process_id: str) -> bool:
    """Whether the process with this id ran on this host and is gone: what it held need not
    wait for its lease to lapse. Other hosts' processes are never judged."""
    parts = process_id.split("/")
    if len(parts) != 4 or parts[2] == "-" or "." not in parts[2] or not parts[1].isdigit():
        return False
    seen, _, started = parts[2].partition(".")
    if seen != _HOST.partition(".")[0]:
        return False
    return _started(int(parts[1])) != started


def _host() -> str:
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        namespace = os.readlink("/proc/self/ns/pid")
        started = _started(os.getpid())
    except OSError:
        return "-"
    if started is None:
        return "-"
    seen = hashlib.blake2s(f"{boot} {namespace}".encode(), digest_size=6).hexdigest()
    return f"{seen}.{started}"


def _started(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot), or None if it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return None if fields[0] in ("Z", "X") else fields[19]


_HOST = _host()
