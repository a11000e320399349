"""Reading how much CPU a thread or a process used, and how long it waited for a CPU.

The wait matters: on a busy host a handler that is ready to run waits for a CPU, and that
wait is neither its work nor its I/O; Lambda's share is the function's own. The scheduler
counts both per thread, in nanoseconds (`/proc/<pid>/task/<tid>/schedstat`: time on a CPU,
time waiting on a run queue); `time.thread_time()` gives the first anywhere.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

__all__ = ["Reading", "process_usage", "thread_usage"]

Reading = tuple[float, float]  # (CPU ms, run-queue wait ms)

_THREAD_SCHEDSTAT = "/proc/thread-self/schedstat"
_has_schedstat = os.path.exists(_THREAD_SCHEDSTAT)


def thread_usage() -> Reading:
    """The calling thread's CPU time and run-queue wait so far, in ms (the wait is 0 where the
    scheduler does not tell it)."""
    if _has_schedstat:
        try:
            with open(_THREAD_SCHEDSTAT, "rb") as stat:
                on_cpu, waiting = stat.read().split()[:2]
            return int(on_cpu) / 1e6, int(waiting) / 1e6
        except (OSError, ValueError):
            pass
    return time.thread_time() * 1000.0, 0.0


def process_usage(pid: int) -> Reading | None:
    """Process `pid`'s CPU time and run-queue wait so far, every thread's, in ms: from the
    scheduler's counts, else from `/proc/<pid>/stat` (CPU only, in 10 ms ticks); None where
    /proc cannot tell."""
    on_cpu = waiting = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a thread ended
                fields = Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()
                on_cpu += int(fields[0])
                waiting += int(fields[1])
        return on_cpu / 1e6, waiting / 1e6
    except (OSError, ValueError, IndexError):
        pass
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks * 1000 / os.sysconf("SC_CLK_TCK"), 0.0
    except (OSError, ValueError, IndexError):
        return None
