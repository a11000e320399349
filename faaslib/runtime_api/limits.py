"""Lambda's memory setting as a hard limit on a process instance, and its real peak.

On Lambda, `memory=128` is the size of the sandbox: a handler that allocates more is killed
(`Runtime.OutOfMemory`) and its instance discarded; REPORT's `Max Memory Used` is the sandbox's
peak. A process instance gets the same from the strongest mechanism the host offers, chosen once
per host:

- `cgroup-v2`: a child cgroup per instance with `memory.max` (and `memory.swap.max` 0, so swap
  does not hide it); the peak is `memory.peak`, an out-of-memory kill shows in `memory.events`.
- `cgroup-v1`: the same under the v1 memory controller: `memory.limit_in_bytes` (and
  `memory.memsw.limit_in_bytes`), peak `memory.max_usage_in_bytes`, kills in `memory.oom_control`.
- `rlimit`: `RLIMIT_AS` on the process, where no cgroup is writable (not root, macOS). It bounds
  address space, not memory: an allocation past it fails instead of the process being killed,
  so Python raises `MemoryError` inside the handler (mapped to out-of-memory from its error type),
  and the limit carries headroom for what a runtime reserves (Node reserves 1 to 1.7 GB of
  address space it never touches; its heap is bounded by V8's flags, set as Lambda sets them,
  and an allocation that fails makes V8 abort, which counts as out of memory).
  The peak is the process's `VmHWM`.

The cgroups live under the host process's own cgroup (`<own>/faaslib/<label>-<n>`), so a host
that is itself limited stays limited, and are removed when the instance closes.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import itertools
import os
import re
import resource
import signal
import threading
from pathlib import Path

from faaslib import clock
from faaslib.errors import ConfigurationError

__all__ = [
    "MemoryGuard",
    "cgroup_folders",
    "host_mechanism",
    "memory_guard",
    "own_cgroup",
    "remove_cgroup",
]

_MIB = 1024 * 1024
_MECHANISMS = ("cgroup-v2", "cgroup-v1", "rlimit")
# Address space a runtime reserves beyond what it uses, measured at its peak after a first
# invocation: python with awslambdaric ~21 MB (plus a 64 MB malloc arena per thread that
# allocates); node with aws-lambda-ric ~1.06 GB, ~1.72 GB with the ES module resolution hook's
# thread. Node's heap is bounded by V8's flags, not by this.
_RLIMIT_HEADROOM_MB = {"node": 2048, "other": 64}
_counter = itertools.count(1)
_SAFE_LABEL = re.compile(r"[^A-Za-z0-9_.-]+")


class MemoryGuard:
    """Holds one process instance to `memory_mb`, with the host's mechanism (`mechanism` says
    which, for users to see).

    The process joins it in `preexec` (between fork and exec: nothing it allocates escapes),
    `peak_mb` reads its real peak, `was_exceeded` tells an out-of-memory end from other ends,
    `close` removes what it made. `runtime` ("python3.12", "nodejs20.x", ...) sizes the
    headroom `rlimit` needs; `mechanism` forces one (tests; a host that prefers `rlimit`).
    """

    mechanism: str

    def __init__(
        self,
        memory_mb: int,
        label: str,
        *,
        runtime: str | None = None,
        mechanism: str | None = None,
    ) -> None:
        if memory_mb <= 0:
            raise ConfigurationError(f"function {label!r}: memory={memory_mb} must be positive")
        self.memory_mb = memory_mb
        self.label = label
        self.mechanism = mechanism or host_mechanism()
        if self.mechanism not in _MECHANISMS:
            raise ConfigurationError(
                f"function {label!r}: memory guard {self.mechanism!r} is not one of "
                f"{', '.join(_MECHANISMS)}"
            )
        self._peak_seen_mb = 0
        self._final_oom_kills = 0
        self._closed = False
        self._cgroup: Path | None = None
        self._is_node = (runtime or "").startswith("nodejs")
        headroom = _RLIMIT_HEADROOM_MB["node" if self._is_node else "other"]
        self._address_space = (memory_mb + headroom) * _MIB
        if self.mechanism != "rlimit":
            self._cgroup = _create_cgroup(self.mechanism, label, memory_mb * _MIB)

    def preexec(self) -> None:
        """Join the limit from inside the child, before it execs the runtime: a write or a
        setrlimit, nothing that could deadlock in a forked child of a threaded host."""
        if self._cgroup is not None:
            descriptor = os.open(self._cgroup / "cgroup.procs", os.O_WRONLY)
            try:
                os.write(descriptor, b"0" if self.mechanism == "cgroup-v2" else _pid_bytes())
            finally:
                os.close(descriptor)
        else:
            resource.setrlimit(resource.RLIMIT_AS, (self._address_space, self._address_space))

    def attach(self, pid: int) -> None:
        """Put an already started process under the limit (when no `preexec_fn` can be given);
        what it allocated before stays uncounted."""
        if self._cgroup is not None:
            (self._cgroup / "cgroup.procs").write_text(str(pid))
        else:
            resource.prlimit(pid, resource.RLIMIT_AS, (self._address_space, self._address_space))

    def peak_mb(self, pid: int) -> int:
        """Max Memory Used, in MB (rounded up, as REPORT shows it): the larger of the cgroup's
        peak (the process tree's) and the process's `VmHWM`; never less than a value reported
        before. A cgroup joined at exec is not charged for the shared libraries the host had
        already loaded, which a fresh Lambda sandbox is: `VmHWM` counts them."""
        readings = [
            reading
            for reading in (self._read_cgroup_peak(), _vm_hwm_bytes(pid))
            if reading is not None
        ]
        peak_bytes = max(readings) if readings else None
        if peak_bytes is not None:
            self._peak_seen_mb = max(self._peak_seen_mb, -(-peak_bytes // _MIB))
        return self._peak_seen_mb

    def was_exceeded(
        self, pid: int | None, returncode: int | None, error_type: str | None = None
    ) -> bool:
        """Whether this instance ran out of memory: the kernel killed a process of its cgroup
        for it, or (`rlimit`) the handler's error is a `MemoryError`, Node.js aborted (V8 does
        when an allocation fails), or the process died of a signal at its address space's
        limit."""
        if error_type == "Runtime.OutOfMemory":
            return True
        if self.mechanism != "rlimit":
            # a MemoryError here is the handler's own (an allocation malloc refused outright),
            # a function error as on Lambda; running out is the kernel's kill
            kills = self._final_oom_kills if self._closed else self._oom_kills()
            # without a kill count, hitting the limit and dying of SIGKILL is the kernel's doing
            return kills > 0 or (kills < 0 and returncode == -signal.SIGKILL)
        if error_type == "MemoryError":
            return True
        if self._is_node and returncode == -signal.SIGABRT:
            return True  # V8 aborts when an allocation fails ("heap out of memory")
        if returncode is not None and returncode < 0 and returncode != -signal.SIGKILL:
            # malloc failing in native code aborts or faults rather than raising
            if pid is not None:
                self.peak_mb(pid)
            return self._peak_seen_mb * _MIB >= self._address_space * 0.9
        return False

    def close(self) -> None:
        """Remove the cgroup (killing any process still in it: the instance is being thrown
        away). Idempotent."""
        if self._closed:
            return
        if self._cgroup is not None:
            # what the instance's end is judged by, read while the cgroup still exists
            self._final_oom_kills = self._oom_kills()
            peak_bytes = self._read_cgroup_peak()
            if peak_bytes is not None:
                self._peak_seen_mb = max(self._peak_seen_mb, -(-peak_bytes // _MIB))
        self._closed = True
        if self._cgroup is not None:
            remove_cgroup(self._cgroup)

    # -- cgroup reading -------------------------------------------------------------------

    def _read_cgroup_peak(self) -> int | None:
        if self._cgroup is None or self._closed:
            return None
        name = "memory.peak" if self.mechanism == "cgroup-v2" else "memory.max_usage_in_bytes"
        try:
            return int((self._cgroup / name).read_text())
        except (OSError, ValueError):
            return None  # memory.peak is Linux 5.19+: VmHWM then

    def _oom_kills(self) -> int:
        """How many processes the kernel killed for memory; minus the limit's hits where the
        kernel does not count kills."""
        if self._cgroup is None:
            return 0
        name = "memory.events" if self.mechanism == "cgroup-v2" else "memory.oom_control"
        try:
            for line in (self._cgroup / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
            if self.mechanism == "cgroup-v1":  # kernels before 4.13 count no kills:
                return -int((self._cgroup / "memory.failcnt").read_text())  # limit hits
        except (OSError, ValueError):
            pass
        return 0


def memory_guard(
    memory_mb: int, label: str, *, runtime: str | None = None, mechanism: str | None = None
) -> MemoryGuard:
    """A `MemoryGuard` for one instance of `label`, with the host's mechanism."""
    return MemoryGuard(memory_mb, label, runtime=runtime, mechanism=mechanism)


@functools.cache
def host_mechanism() -> str:
    """The strongest mechanism this host lets faaslib use, found once by trying: a cgroup v2
    or v1 memory controller where faaslib can create a child cgroup and set its limit, else
    `rlimit`. `FAASLIB_MEMORY_GUARD` overrides the choice."""
    forced = os.environ.get("FAASLIB_MEMORY_GUARD")
    if forced:
        return forced
    for mechanism in ("cgroup-v2", "cgroup-v1"):
        try:
            probe = _create_cgroup(mechanism, "probe", 64 * _MIB)
        except (OSError, LookupError):
            continue
        remove_cgroup(probe)
        return mechanism
    return "rlimit"


# -- cgroups -------------------------------------------------------------------------------

# Held while faaslib makes or removes one of its cgroup folders (memory guards, tuning quotas):
# a folder emptied by one instance must not be removed under another being made in it.
cgroup_folders = threading.Lock()


def _create_cgroup(mechanism: str, label: str, limit_bytes: int) -> Path:
    parent = _faaslib_parent(mechanism)
    name = f"{_SAFE_LABEL.sub('_', label)[:64]}-{os.getpid()}-{next(_counter)}"
    cgroup = parent / name
    with cgroup_folders:
        if mechanism == "cgroup-v2":
            # the memory controller reaches faaslib's folder only if the host's cgroup hands
            # it down; faaslib never changes the host's own cgroup
            delegated = (parent.parent / "cgroup.subtree_control").read_text().split()
            if "memory" not in delegated:
                raise LookupError(f"the memory controller is not delegated by {parent.parent}")
        for attempt in range(3):
            try:
                parent.mkdir(exist_ok=True)
                if mechanism == "cgroup-v2":
                    (parent / "cgroup.subtree_control").write_text("+memory")
                cgroup.mkdir()
                break
            except FileNotFoundError:  # another process removed the emptied parent meanwhile
                if attempt == 2:
                    raise
    try:
        if mechanism == "cgroup-v2":
            (cgroup / "memory.max").write_text(str(limit_bytes))
            with contextlib.suppress(FileNotFoundError):
                (cgroup / "memory.swap.max").write_text("0")
            with contextlib.suppress(FileNotFoundError):
                (cgroup / "memory.oom.group").write_text("1")  # the whole instance goes
        else:
            (cgroup / "memory.limit_in_bytes").write_text(str(limit_bytes))
            with contextlib.suppress(FileNotFoundError):
                (cgroup / "memory.memsw.limit_in_bytes").write_text(str(limit_bytes))
    except OSError:
        remove_cgroup(cgroup)
        raise
    return cgroup


def _faaslib_parent(mechanism: str) -> Path:
    return own_cgroup(mechanism, "memory") / "faaslib"


def own_cgroup(mechanism: str, controller: str) -> Path:
    """The folder of this process's cgroup: in the unified hierarchy (v2: the `0::` line), or in
    the v1 hierarchy of `controller` (`memory`, `cpu`)."""
    wanted_type = "cgroup2" if mechanism == "cgroup-v2" else "cgroup"
    mount: Path | None = None
    for line in Path("/proc/self/mounts").read_text().splitlines():
        fields = line.split()
        if (
            len(fields) >= 4
            and fields[2] == wanted_type
            and (mechanism == "cgroup-v2" or controller in fields[3].split(","))
        ):
            mount = Path(fields[1])
            break
    if mount is None:
        raise LookupError(f"no {mechanism} {controller} hierarchy is mounted")
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if (mechanism == "cgroup-v2" and controllers == "") or (
            mechanism == "cgroup-v1" and controller in controllers.split(",")
        ):
            mine = mount / path.lstrip("/")
            # in a container without its own cgroup namespace, /proc names a path outside the
            # mount, whose root is then this container's cgroup
            return mine if mine.is_dir() else mount
    raise LookupError(f"this process is in no {mechanism} {controller} cgroup")


def remove_cgroup(cgroup: Path) -> None:
    """Remove an instance's cgroup, then faaslib's folder if it was the last one: no empty
    cgroup is left in the host's, whose own removal it would block."""
    give_up_at = clock.SystemClock().monotonic() + 2.0
    while True:
        try:
            cgroup.rmdir()
            break
        except FileNotFoundError:
            break
        except OSError as error:
            if error.errno != errno.EBUSY or clock.SystemClock().monotonic() > give_up_at:
                return  # left for the host to remove; it holds no process worth keeping
        for pid in _pids_in(cgroup):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        threading.Event().wait(0.005)  # the kernel frees a killed task's cgroup link soon
    with cgroup_folders, contextlib.suppress(OSError):  # busy: another instance still lives
        cgroup.parent.rmdir()


def _pids_in(cgroup: Path) -> list[int]:
    try:
        return [int(pid) for pid in (cgroup / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _pid_bytes() -> bytes:
    return str(os.getpid()).encode()


def _vm_hwm_bytes(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None
