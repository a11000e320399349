"""Lambda's CPU for a memory size, and what a measured invocation would take with it.

Lambda allocates CPU in proportion to memory: "At 1,769 MB, a function has the equivalent of
one vCPU (one vCPU-second of credits per second)", up to 6 vCPUs at 10,240 MB (AWS's developer
guide, "Configuring Lambda function memory"; the "up to 10 GB and 6 vCPUs" launch post). So the
share is `memory / 1769` vCPU-seconds per second, spread over `ceil(memory / 1769)` vCPUs (at
most 6).

An invocation measured on the host with its wall time `wall` and its CPU time `cpu` would take,
at a share `s`:

    duration(s) = max(0, wall - cpu) + cpu / min(s, parallelism)

where `parallelism = max(1, cpu / wall)` is how many CPUs it kept busy on the host. The part
spent waiting (sleeping, I/O) does not depend on the share; the CPU part is spread over what the
share gives, and single-threaded code cannot use more than one vCPU: above 1,769 MB it is flat.
The duration never falls below the fully parallel bound, `max(0, wall - cpu) + cpu / 6`, and
never rises as memory grows.
"""

from __future__ import annotations

import math

__all__ = [
    "MAX_MEMORY_MB",
    "MAX_VCPUS",
    "MEMORY_PER_VCPU_MB",
    "MIN_MEMORY_MB",
    "cpu_share",
    "model_duration",
    "vcpus",
]

MIN_MEMORY_MB = 128
MAX_MEMORY_MB = 10_240
MEMORY_PER_VCPU_MB = 1_769
MAX_VCPUS = 6


def cpu_share(memory_mb: int) -> float:
    """The vCPU-seconds per second Lambda gives `memory_mb`: 1.0 at 1,769 MB, 0.072 at 128."""
    return memory_mb / MEMORY_PER_VCPU_MB


def vcpus(memory_mb: int) -> int:
    """How many vCPUs the share is spread over: 1 up to 1,769 MB, 6 at 10,240 MB."""
    return min(MAX_VCPUS, max(1, math.ceil(memory_mb / MEMORY_PER_VCPU_MB)))


def model_duration(wall_ms: float, cpu_ms: float, memory_mb: int) -> float:
    """What an invocation measured at `wall_ms` with `cpu_ms` of CPU on the host would take at
    `memory_mb` (the formula in this module's docstring)."""
    wall_ms = max(0.0, wall_ms)
    cpu_ms = max(0.0, cpu_ms)
    waiting = max(0.0, wall_ms - cpu_ms)
    parallelism = max(1.0, cpu_ms / wall_ms) if wall_ms > 0 else 1.0
    usable = min(cpu_share(memory_mb), parallelism, float(vcpus(memory_mb)))
    return waiting + cpu_ms / usable
