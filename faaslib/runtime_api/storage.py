"""Lambda's `/tmp` for a process instance: a disk of `ephemeral_storage` MB, or a folder.

On Lambda, `/tmp` is a disk of the function's `ephemeral_storage` (512 to 10,240 MB): a write
past it fails with ENOSPC ("No space left on device"), and it is not memory (a 128 MB function
may keep 500 MB there). A process instance gets the same from the strongest mechanism the
host offers, chosen once per host:

- `ext4-loop`: a sparse image file holding an ext4 file system of that size (a copy of the
  few blocks of a template `mkfs.ext4` made once per size: no journal, inode tables left
  unwritten), attached to a free loop device with the autoclear flag and unlinked at once, then
  mounted at `/tmp` in the child's own mount namespace, between fork and exec. Nobody else sees
  the mount; when the instance's last process ends, the namespace, the mount, the loop device
  and the image's blocks go with it, even if faaslib itself is killed. Its page cache is that
  of a disk, reclaimable: unlike a RAM disk it never runs the instance out of memory.
  `TMPDIR` is `/tmp`.
- `folder`: a fresh folder of the host's temporary folder as `TMPDIR`, removed with the
  instance; not size-limited, and code naming `/tmp/...` literally writes the host's `/tmp`.
  It is what runs when the host cannot mount (not root, no loop device or `mkfs.ext4`, no
  mount namespaces, not Linux), when the function needs something under the host's `/tmp`
  (its interpreter, code, layers: the mount would hide them), or when
  `FAASLIB_EPHEMERAL_STORAGE=folder` asks for it. Falling back says why, once per function,
  on the `faaslib` logger.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence

from faaslib.errors import ConfigurationError

__all__ = [
    "EphemeralStorage",
    "ephemeral_storage",
    "hidden_by_tmp",
    "host_storage_mechanism",
    "launch_needs",
]

logger = logging.getLogger("faaslib")

_MECHANISMS = ("ext4-loop", "folder")
_MIB = 1024 * 1024
# ext4's own use of an image (inode tables at one 256-byte inode per 16 KiB, bitmaps, group
# descriptors), measured with the options below: about 16 MiB plus 1/64 of the size. The
# image is made that much larger, so that `df /tmp` shows about `ephemeral_storage` MB free.
_FIXED_OVERHEAD = 16 * _MIB
_OVERHEAD_SHARE = 1 / 64
_MKFS_OPTIONS = (
    "-q",
    "-F",
    "-m",
    "0",  # nothing reserved for root: all of it is the function's
    "-T",
    "default",
    "-O",
    "^has_journal,^resize_inode",
    "-E",
    "lazy_itable_init=1,lazy_journal_init=1",
)
_MOUNT_DATA = b"noinit_itable"  # no kernel thread zeroing inode tables behind the handler
# linux/loop.h, linux/sched.h, linux/mount.h
_LOOP_SET_FD = 0x4C00
_LOOP_CLR_FD = 0x4C01
_LOOP_CONFIGURE = 0x4C0A
_LOOP_CONFIG_BYTES = 304  # fd, block_size, loop_info64, 8 reserved u64
_LOOP_CONFIG_INFO_OFFSET = 8
_LOOP_SET_STATUS64 = 0x4C04
_LOOP_GET_STATUS64 = 0x4C05
_LOOP_CTL_GET_FREE = 0x4C82
_LO_FLAGS_AUTOCLEAR = 4
_LOOP_INFO64_BYTES = 232
_LO_FLAGS_OFFSET = 52
_CLONE_NEWNS = 0x00020000
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_SBIN = ("/usr/sbin", "/sbin", "/usr/bin", "/bin")
_warned: set[str] = set()


class EphemeralStorage:
    """One instance's `/tmp` of `size_mb` MB, by `mechanism` (`ext4-loop` or `folder`; says
    which ran, for users to see).

    `open` (in the parent, blocking: run it off the event loop) makes it and returns what the
    child's `TMPDIR` is; `preexec` mounts it from inside the child before it execs; `spawned`
    lets go of the parent's hold once the child runs (from then the child's mount keeps it);
    `close` removes what is left. A failure to make or mount the disk falls back to `folder`
    (`fall_back`), saying why.
    """

    mechanism: str

    def __init__(self, size_mb: int, label: str, *, mechanism: str | None = None) -> None:
        if not 512 <= size_mb <= 10_240:
            raise ConfigurationError(
                f"function {label!r}: ephemeral_storage={size_mb} must be 512 to 10,240 MB"
            )
        self.size_mb = size_mb
        self.label = label
        self.mechanism = mechanism or host_storage_mechanism()[0]
        if self.mechanism not in _MECHANISMS:
            raise ConfigurationError(
                f"function {label!r}: ephemeral storage {self.mechanism!r} is not one of "
                f"{', '.join(_MECHANISMS)}"
            )
        self.tmpdir: str | None = None
        self._folder: str | None = None
        self._device: str | None = None
        self._device_fd: int | None = None

    def open(self) -> str:
        """Make the disk (or the folder), once; the child's `TMPDIR`."""
        if self.tmpdir is not None:
            return self.tmpdir
        if self.mechanism == "ext4-loop":
            try:
                self._device_fd, self._device = _make_disk(self.size_mb)
            except (OSError, subprocess.SubprocessError) as failure:
                self.fall_back(f"its disk could not be made ({failure})")
            else:
                self.tmpdir = "/tmp"
                return self.tmpdir
        self._folder = tempfile.mkdtemp(prefix="faaslib-instance-")
        self.tmpdir = self._folder
        return self.tmpdir

    def fall_back(self, reason: str) -> str:
        """Use a folder instead of the disk, from now on (the disk is let go); the new
        `TMPDIR`."""
        self._release_device()
        if self.mechanism != "folder":
            self.mechanism = "folder"
            warn_once(self.label, self.size_mb, reason)
        if self._folder is None:
            self._folder = tempfile.mkdtemp(prefix="faaslib-instance-")
        self.tmpdir = self._folder
        return self._folder

    def preexec(self) -> None:
        """Mount the disk at `/tmp` in a mount namespace of the child's own (a few system
        calls: nothing that could deadlock in a forked child of a threaded host)."""
        if self._device is not None:
            _mount_private_tmp(self._device.encode())

    def spawned(self) -> None:
        """The child runs with the disk mounted (or failed to start): the parent's hold on
        the loop device goes, and the device is cleared when the child's mount goes."""
        self._release_device()

    def close(self) -> None:
        """Remove the folder; let go of a disk never mounted. Idempotent."""
        self._release_device()
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def _release_device(self) -> None:
        fd, self._device_fd = self._device_fd, None
        self._device = None
        if fd is not None:
            os.close(fd)  # autoclear: unmounted, the device and the unlinked image go now


def ephemeral_storage(
    size_mb: int,
    label: str,
    needs: Iterable[str] = (),
    *,
    mechanism: str | None = None,
) -> EphemeralStorage:
    """An `EphemeralStorage` for one instance of `label`: a disk when the host can mount one
    and nothing in `needs` (the paths the child uses: interpreter, task root, layers, search
    paths) is under `/tmp`, which the disk would hide; else a folder, said once per function."""
    chosen, reason = (mechanism, None) if mechanism else host_storage_mechanism()
    if chosen == "ext4-loop":
        hidden = hidden_by_tmp(needs)
        if hidden is not None:
            chosen = "folder"
            reason = (
                f"it needs {hidden}, under /tmp, which a disk mounted at /tmp would hide "
                "(keep the code, its layers and the interpreter out of /tmp)"
            )
    if reason is not None:
        warn_once(label, size_mb, reason)
    return EphemeralStorage(size_mb, label, mechanism=chosen)


def warn_once(label: str, size_mb: int, reason: str) -> None:
    """Say, once per function, that its `/tmp` is a folder and why."""
    if label in _warned:
        return
    _warned.add(label)
    logger.warning(
        "function %r: /tmp is not limited to its ephemeral_storage=%d MB, because %s; its "
        "instances get a folder of the host's temporary folder as TMPDIR instead, and code "
        "naming /tmp literally writes the host's /tmp (FAASLIB_EPHEMERAL_STORAGE=folder "
        "chooses that without this warning)",
        label,
        size_mb,
        reason,
    )


def hidden_by_tmp(paths: Iterable[str]) -> str | None:
    """The first of `paths` that a mount at `/tmp` would hide (as given or once symlinks are
    resolved: a venv's interpreter links out of it, its packages do not), or None."""
    for path in paths:
        if not path or not os.path.isabs(path):
            continue
        for candidate in (os.path.abspath(path), os.path.realpath(path)):
            if candidate == "/tmp" or candidate.startswith("/tmp/"):
                return path
    return None


def launch_needs(argv: Sequence[str], cwd: str, environment: Mapping[str, str]) -> list[str]:
    """The paths an instance started with `argv` in `cwd` uses: its program (and, when it is
    this interpreter, its prefixes), its absolute arguments, its cwd, and every folder on its
    search paths (PYTHONPATH, NODE_PATH, PATH, LD_LIBRARY_PATH)."""
    needs = [cwd, *(argument for argument in argv if os.path.isabs(argument))]
    program = shutil.which(argv[0], path=environment.get("PATH")) if argv else None
    if program is not None:
        needs.append(program)
        if os.path.realpath(program) == os.path.realpath(sys.executable):
            needs += [sys.prefix, sys.base_prefix, sys.exec_prefix]
    for name in ("PYTHONPATH", "NODE_PATH", "PATH", "LD_LIBRARY_PATH", "LAMBDA_RUNTIME_DIR"):
        needs += environment.get(name, "").split(os.pathsep)
    return needs


@functools.cache
def host_storage_mechanism() -> tuple[str, str | None]:
    """The mechanism this host lets faaslib use, found once by trying (a small disk made,
    mounted in a child's namespace, and let go): `ext4-loop`, else `folder` with the reason.
    `FAASLIB_EPHEMERAL_STORAGE=folder` forces the folder, without a warning."""
    forced = os.environ.get("FAASLIB_EPHEMERAL_STORAGE")
    if forced:
        if forced not in _MECHANISMS:
            raise ConfigurationError(
                f"FAASLIB_EPHEMERAL_STORAGE={forced!r} is not one of {', '.join(_MECHANISMS)}"
            )
        return forced, None
    if not sys.platform.startswith("linux"):
        return "folder", f"mounting a disk at /tmp needs Linux (this host is {sys.platform})"
    if os.geteuid() != 0:
        return "folder", f"mounting a disk at /tmp needs root (faaslib runs as uid {os.geteuid()})"
    if not os.path.exists("/dev/loop-control"):
        return "folder", "this host has no loop devices (/dev/loop-control)"
    if _program("mkfs.ext4") is None:
        return "folder", "mkfs.ext4 is not installed (e2fsprogs)"
    true = _program("true")
    try:
        fd, device = _make_disk(1, probe=True)
        try:
            subprocess.run(
                [true or sys.executable, *([] if true else ["-c", "pass"])],
                check=True,
                stdin=subprocess.DEVNULL,
                preexec_fn=functools.partial(_mount_private_tmp, device.encode()),
            )
        finally:
            os.close(fd)
    except (OSError, subprocess.SubprocessError) as failure:
        return "folder", f"a disk could not be mounted at /tmp on this host ({failure})"
    return "ext4-loop", None


# -- the disk ------------------------------------------------------------------------------


def image_bytes(size_mb: int) -> int:
    """How large an image to make for `size_mb` MB free: ext4's overhead on top."""
    wanted = size_mb * _MIB
    total = (wanted + _FIXED_OVERHEAD) / (1 - _OVERHEAD_SHARE)
    return -(-int(total) // _MIB) * _MIB


def _image_folder() -> str:
    """Where images go: /var/tmp, a disk on most hosts where /tmp may be memory (tmpfs)."""
    for folder in ("/var/tmp", tempfile.gettempdir()):
        if os.path.isdir(folder) and os.access(folder, os.W_OK):
            return folder
    return tempfile.gettempdir()


def _make_disk(size_mb: int, *, probe: bool = False) -> tuple[int, str]:
    """A fresh ext4 image of `size_mb` MB free (a probe's is 2 MB), attached to a free loop
    device with autoclear and already unlinked; the device's open fd (the only hold on it
    until something mounts it) and its path. The image is a copy of the size's template
    (formatted once per host process: a copy of its few written blocks takes well under a
    millisecond, `mkfs.ext4` ~10 ms)."""
    _libc()  # loaded here: the child must not dlopen between fork and exec
    size = 2 * _MIB if probe else image_bytes(size_mb)
    template = _template(size)
    descriptor, image = tempfile.mkstemp(prefix="faaslib-tmp-", suffix=".ext4", dir=_image_folder())
    try:
        os.unlink(image)  # the loop device holds its blocks until it is cleared
        _copy_sparse(template, descriptor, size)
        return _attach(descriptor)
    finally:
        os.close(descriptor)


_templates: dict[int, int] = {}  # image size -> fd of a formatted, unlinked image
_templates_lock = threading.Lock()


def _template(size: int) -> int:
    with _templates_lock:
        descriptor = _templates.get(size)
        if descriptor is None:
            descriptor = _templates[size] = _formatted(size)
        return descriptor


def _formatted(size: int) -> int:
    mkfs = _program("mkfs.ext4")
    if mkfs is None:
        raise FileNotFoundError(errno.ENOENT, "mkfs.ext4 is not installed")
    descriptor, image = tempfile.mkstemp(prefix="faaslib-tmp-", suffix=".ext4", dir=_image_folder())
    try:
        os.ftruncate(descriptor, size)
        subprocess.run(
            [mkfs, *_MKFS_OPTIONS, image],
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    except BaseException:
        os.close(descriptor)
        raise
    finally:
        os.unlink(image)
    return descriptor


def _copy_sparse(source: int, target: int, size: int) -> None:
    """Copy what `source` holds to `target`, leaving its holes holes."""
    offset = 0
    while offset < size:
        try:
            start = os.lseek(source, offset, os.SEEK_DATA)
        except OSError as failure:
            if failure.errno == errno.ENXIO:  # only a hole is left
                break
            raise
        end = os.lseek(source, start, os.SEEK_HOLE)
        while start < end:
            copied = os.copy_file_range(source, target, end - start, start, start)
            if copied <= 0:
                raise OSError(errno.EIO, "copy_file_range copied nothing")
            start += copied
        offset = end
    os.ftruncate(target, size)


def _attach(image_fd: int) -> tuple[int, str]:
    control = os.open("/dev/loop-control", os.O_RDWR | os.O_CLOEXEC)
    try:
        for _ in range(16):  # another process may take the free device first
            number = fcntl.ioctl(control, _LOOP_CTL_GET_FREE)
            device = f"/dev/loop{number}"
            fd = os.open(device, os.O_RDWR | os.O_CLOEXEC)
            try:
                _bind(fd, device, image_fd)
            except OSError as failure:
                os.close(fd)
                if failure.errno == errno.EBUSY:
                    continue
                raise
            return fd, device
    finally:
        os.close(control)
    raise OSError(errno.EBUSY, "no free loop device after 16 tries")


def _bind(fd: int, device: str, image_fd: int) -> None:
    """Back the loop device with the image, autoclear on: LOOP_CONFIGURE does both in one
    call (~0.5 ms; Linux 5.8+); before it, LOOP_SET_FD then LOOP_SET_STATUS64 (~15 ms: it
    freezes the device's queue)."""
    config = bytearray(_LOOP_CONFIG_BYTES)
    config[0:4] = image_fd.to_bytes(4, "little")
    flags_at = _LOOP_CONFIG_INFO_OFFSET + _LO_FLAGS_OFFSET
    config[flags_at : flags_at + 4] = _LO_FLAGS_AUTOCLEAR.to_bytes(4, "little")
    try:
        fcntl.ioctl(fd, _LOOP_CONFIGURE, bytes(config))
        return
    except OSError as failure:
        if failure.errno not in (errno.EINVAL, errno.ENOTTY):
            raise
    fcntl.ioctl(fd, _LOOP_SET_FD, image_fd)
    try:
        info = bytearray(_LOOP_INFO64_BYTES)
        fcntl.ioctl(fd, _LOOP_GET_STATUS64, info)
        flags = int.from_bytes(info[_LO_FLAGS_OFFSET : _LO_FLAGS_OFFSET + 4], "little")
        info[_LO_FLAGS_OFFSET : _LO_FLAGS_OFFSET + 4] = (flags | _LO_FLAGS_AUTOCLEAR).to_bytes(
            4, "little"
        )
        fcntl.ioctl(fd, _LOOP_SET_STATUS64, bytes(info))
    except OSError:
        with contextlib.suppress(OSError):  # no autoclear yet: detached by hand
            fcntl.ioctl(fd, _LOOP_CLR_FD)
        raise


@functools.cache
def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _mount_private_tmp(device: bytes) -> None:
    """In the child: a mount namespace of its own, nothing in it shared back to the host's,
    the disk at /tmp, writable by all with the sticky bit, as Lambda's /tmp."""
    libc = _libc()
    if libc.unshare(_CLONE_NEWNS) != 0:
        _raise_errno("unshare(CLONE_NEWNS)")
    if libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None) != 0:
        _raise_errno("mount(/, MS_REC|MS_PRIVATE)")
    if libc.mount(device, b"/tmp", b"ext4", _MS_NOSUID | _MS_NODEV, _MOUNT_DATA) != 0:
        _raise_errno(f"mount({device.decode()}, /tmp, ext4)")
    os.chmod("/tmp", 0o1777)
    with contextlib.suppress(OSError):
        os.rmdir("/tmp/lost+found")  # Lambda's /tmp starts empty


def _raise_errno(call: str) -> None:
    number = ctypes.get_errno()
    raise OSError(number, f"{call}: {os.strerror(number)}")


def _program(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(_SBIN))
