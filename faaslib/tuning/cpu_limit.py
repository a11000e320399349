"""Lambda's CPU share as a real limit on a process instance: a cgroup CPU quota.

A process instance (`isolation="process"`) is an operating-system process, so the share its
memory size gets on Lambda (`faaslib.tuning.model.cpu_share`) can be enforced, not modelled:

- `cgroup-v2`: `cpu.max` = "<share * period> <period>" on the instance's cgroup (the memory
  guard's own, when it uses cgroup v2: a process is in one cgroup of the unified hierarchy);
- `cgroup-v1`: `cpu.cfs_quota_us` / `cpu.cfs_period_us` in a cgroup of the v1 `cpu` controller,
  next to the memory guard's cgroup in the memory hierarchy.

The kernel then lets the instance run `share * 20 ms` of CPU every 20 ms, as Lambda's
scheduler does, on as many of the host's CPUs as Lambda gives the size vCPUs (one up to
1,769 MB: pinned there, a single thread cannot leave part of its quota stranded on another
CPU's run queue, which would hold it below one full vCPU at 1,769 MB).

Where neither is writable (not root, macOS), tuning falls back to the model, with the
instance's own CPU time (`faaslib.tuning.usage`). `FAASLIB_CPU_LIMIT` (`cgroup-v2`,
`cgroup-v1`, `none`) forces a choice. Every cgroup made here is removed when its instance
closes, or at once if it could not be set up.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import re
from pathlib import Path

from faaslib.runtime_api.limits import MemoryGuard, cgroup_folders, own_cgroup, remove_cgroup
from faaslib.tuning.model import cpu_share, vcpus

__all__ = ["CpuLimitedGuard", "cpu_limit_mechanism", "describe_mechanism"]

PERIOD_US = 20_000  # short periods spread the quota evenly over an invocation
MIN_QUOTA_US = 1_000  # the kernel's smallest quota
_FOLDER = "faaslib-tuning"
_counter = itertools.count(1)
_SAFE_LABEL = re.compile(r"[^A-Za-z0-9_.-]+")


def describe_mechanism(mechanism: str) -> str:
    """The method a tuning run states for its rows."""
    if mechanism == "cgroup-v2":
        return "cgroup v2 cpu.max"
    if mechanism == "cgroup-v1":
        return "cgroup v1 cpu quota"
    return "modelled: CPU time scaled by the share"


@functools.cache
def cpu_limit_mechanism() -> str:
    """`cgroup-v2`, `cgroup-v1` or `none`: the first under which a probe cgroup with a CPU
    quota can be made here (found once; `FAASLIB_CPU_LIMIT` overrides)."""
    forced = os.environ.get("FAASLIB_CPU_LIMIT")
    if forced:
        if forced not in ("cgroup-v2", "cgroup-v1", "none"):
            raise ValueError(
                f"FAASLIB_CPU_LIMIT={forced!r} is not one of cgroup-v2, cgroup-v1, none"
            )
        return forced
    for mechanism in ("cgroup-v2", "cgroup-v1"):
        try:
            probe = _create(mechanism, "probe", 1769)
        except (OSError, LookupError):
            continue
        remove_cgroup(probe)
        return mechanism
    return "none"


class CpuLimitedGuard(MemoryGuard):
    """A process instance's memory guard that also holds it to the CPU share of `memory_mb`
    (`cpu_mechanism`: `cgroup-v2` or `cgroup-v1`); closing it removes both cgroups."""

    def __init__(
        self, memory_mb: int, label: str, *, cpu_mechanism: str, runtime: str | None = None
    ) -> None:
        super().__init__(memory_mb, label, runtime=runtime)
        self.cpu_mechanism = cpu_mechanism
        self._cpu: Path | None = None
        self._cpus = _pick_cpus(vcpus(memory_mb))
        try:
            shared = self._cgroup if self.mechanism == "cgroup-v2" else None
            if cpu_mechanism == "cgroup-v2" and shared is not None:
                # one cgroup per process in v2: the quota goes on the memory guard's
                _delegate_cpu(shared.parent)
                _write_quota("cgroup-v2", shared, memory_mb)
            else:
                self._cpu = _create(cpu_mechanism, label, memory_mb)
        except BaseException:
            super().close()
            raise

    def preexec(self) -> None:
        super().preexec()
        if self._cpus is not None:
            os.sched_setaffinity(0, self._cpus)
        if self._cpu is not None:
            descriptor = os.open(self._cpu / "cgroup.procs", os.O_WRONLY)
            try:
                own = b"0" if self.cpu_mechanism == "cgroup-v2" else str(os.getpid()).encode()
                os.write(descriptor, own)
            finally:
                os.close(descriptor)

    def close(self) -> None:
        try:
            super().close()
        finally:
            cpu, self._cpu = self._cpu, None
            if cpu is not None:
                remove_cgroup(cpu)


def _pick_cpus(count: int) -> set[int] | None:
    """`count` of the CPUs this process may use, a different set for each instance so that
    instances spread over the host; None when the host has no more than that."""
    getaffinity = getattr(os, "sched_getaffinity", None)
    if getaffinity is None:
        return None
    usable = sorted(getaffinity(0))
    if len(usable) <= count:
        return None
    first = next(_counter)
    return {usable[(first + offset) % len(usable)] for offset in range(count)}


# -- cgroups -------------------------------------------------------------------------------


def _quota_us(memory_mb: int) -> int:
    return max(MIN_QUOTA_US, round(cpu_share(memory_mb) * PERIOD_US))


def _write_quota(mechanism: str, cgroup: Path, memory_mb: int) -> None:
    quota = _quota_us(memory_mb)
    if mechanism == "cgroup-v2":
        (cgroup / "cpu.max").write_text(f"{quota} {PERIOD_US}")
    else:
        (cgroup / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (cgroup / "cpu.cfs_quota_us").write_text(str(quota))


def _delegate_cpu(folder: Path) -> None:
    """Let `folder`'s children have CPU limits (v2): its parent must hand the controller down."""
    delegated = (folder.parent / "cgroup.subtree_control").read_text().split()
    if "cpu" not in delegated:
        raise LookupError(f"the cpu controller is not delegated by {folder.parent}")
    if "cpu" not in (folder / "cgroup.subtree_control").read_text().split():
        (folder / "cgroup.subtree_control").write_text("+cpu")


def _create(mechanism: str, label: str, memory_mb: int) -> Path:
    parent = own_cgroup(mechanism, "cpu") / _FOLDER
    cgroup = parent / f"{_SAFE_LABEL.sub('_', label)[:64]}-{os.getpid()}-{next(_counter)}"
    with cgroup_folders:  # the lock under which faaslib's cgroup folders come and go
        made = not parent.exists()
        parent.mkdir(exist_ok=True)
        try:
            if mechanism == "cgroup-v2":
                _delegate_cpu(parent)
            cgroup.mkdir()
        except BaseException:  # a probe where the controller cannot be had: nothing left
            if made:
                with contextlib.suppress(OSError):
                    parent.rmdir()
            raise
    try:
        _write_quota(mechanism, cgroup, memory_mb)
    except BaseException:
        remove_cgroup(cgroup)
        raise
    return cgroup
