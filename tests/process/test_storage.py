"""/tmp as Lambda's: a disk of `ephemeral_storage` MB per process instance, private to it, that
is not memory, fails a write past it with ENOSPC, and leaves nothing behind; a folder where
the host cannot mount one, said once per function."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from faaslib import App
from faaslib.runtime_api import storage as storage_module
from faaslib.runtime_api.process import RuntimeProcess
from faaslib.runtime_api.storage import (
    EphemeralStorage,
    ephemeral_storage,
    hidden_by_tmp,
    host_storage_mechanism,
)

pytestmark = pytest.mark.anyio

MECHANISM, WHY_NOT = host_storage_mechanism()
needs_disk = pytest.mark.skipif(
    MECHANISM != "ext4-loop"
    or hidden_by_tmp([sys.executable, sys.prefix, os.path.dirname(storage_module.__file__)])
    is not None,
    reason=f"this host gives instances a folder, not a disk ({WHY_NOT}), or faaslib's "
    f"interpreter ({sys.executable}) is under /tmp, which a disk at /tmp would hide",
)

# What an instance reports of its /tmp: its size free, who backs it, whether it sees the
# host's /tmp, and writes `mb` MiB there (a 1 MiB block at a time, as a download would).
HANDLER = textwrap.dedent(
    """
    import os

    def lambda_handler(event, context):
        tmp = os.environ["TMPDIR"]
        stats = os.statvfs(tmp)
        source = None
        for line in open("/proc/self/mountinfo"):
            fields = line.split()
            if fields[4] == "/tmp":
                source = fields[fields.index("-") + 2]
        backing = None
        if source and source.startswith("/dev/loop"):
            name = os.path.basename(source)
            backing = open(f"/sys/block/{name}/loop/backing_file").read().strip()
        written = 0
        try:
            with open(os.path.join(tmp, "blob"), "wb") as blob:
                block = b"x" * (1 << 20)
                for _ in range(event.get("mb", 0)):
                    blob.write(block)
                    written += 1
                blob.flush()
                os.fsync(blob.fileno())
        finally:
            if os.path.exists(os.path.join(tmp, "blob")):
                os.unlink(os.path.join(tmp, "blob"))
        return {
            "pid": os.getpid(),
            "tmpdir": tmp,
            "free_mb": stats.f_bavail * stats.f_frsize // (1 << 20),
            "mode": oct(os.stat("/tmp").st_mode & 0o7777),
            "listing": sorted(os.listdir("/tmp")) if tmp == "/tmp" else None,
            "sees_host": os.path.exists(event.get("marker", "/nonexistent")),
            "source": source,
            "backing": backing,
            "written_mb": written,
        }
    """
)


@pytest.fixture
def code() -> Iterator[Path]:
    """The function's code, outside /tmp (a disk at /tmp would hide it from the instance)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "faaslib" / "test-code" / uuid.uuid4().hex
    folder.mkdir(parents=True)
    (folder / "app.py").write_text(HANDLER)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def marker() -> Iterator[str]:
    """A file in the host's /tmp, which an instance with its own /tmp must not see."""
    path = Path("/tmp") / f"faaslib-marker-{uuid.uuid4().hex}"
    path.write_text("host")
    yield str(path)
    path.unlink()


def loop_backing(device: str) -> str | None:
    try:
        return Path(f"/sys/block/{os.path.basename(device)}/loop/backing_file").read_text().strip()
    except OSError:
        return None  # cleared


def add(app: App, name: str, folder: Path, **options: Any) -> None:
    app.add_function(
        name, handler="app.lambda_handler", code=folder, isolation="process", **options
    )


@needs_disk
async def test_tmp_is_a_private_disk_of_ephemeral_storage_and_goes_with_the_instance(
    code: Path, marker: str
) -> None:
    app = App("disk")
    add(app, "small", code)
    add(app, "large", code, ephemeral_storage=2048)
    async with app:
        small = await app.call("small", {"marker": marker})
        large = await app.call("large", {"marker": marker})
    for answer, size in ((small, 512), (large, 2048)):
        assert answer["tmpdir"] == "/tmp"
        assert abs(answer["free_mb"] - size) <= size * 0.02, answer  # df shows about its size
        assert answer["mode"] == "0o1777"  # anyone may write, as Lambda's /tmp
        assert answer["listing"] == []  # it starts empty
        assert not answer["sees_host"]  # the host's /tmp is not the instance's
        assert answer["source"].startswith("/dev/loop")
    assert small["source"] != large["source"]
    # the app has stopped: each disk's loop device was cleared with its instance's mount
    for answer in (small, large):
        assert loop_backing(answer["source"]) != answer["backing"]


@needs_disk
async def test_tmp_is_not_memory_and_a_write_past_it_fails_with_enospc(code: Path) -> None:
    app = App("full")
    add(app, "writer", code, memory=128)
    async with app:
        fits = await app.call("writer", {"mb": 300})  # more than its memory: page cache
        assert fits["written_mb"] == 300
        result = await app.invoke("writer", {"mb": 600})
        assert result.function_error == "Unhandled"
        assert result.payload["errorType"] == "OSError"
        assert "No space left on device" in result.payload["errorMessage"]
        again = await app.call("writer", {})
    assert again["pid"] == fits["pid"]  # a function error: the instance is kept


@needs_disk
def test_a_killed_host_leaves_no_disk_behind(tmp_path: Path) -> None:
    """faaslib dies (SIGKILL: no cleanup runs) while its instance runs; once the instance
    ends, its loop device and image are gone all the same."""
    script = textwrap.dedent(
        """
        import os, subprocess, sys
        from faaslib.runtime_api.storage import EphemeralStorage
        storage = EphemeralStorage(512, "orphan", mechanism="ext4-loop")
        storage.open()
        device = storage._device
        child = subprocess.Popen(["sleep", "30"], preexec_fn=storage.preexec,
                                 start_new_session=True, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        storage.spawned()
        print(device, child.pid, flush=True)
        os.kill(os.getpid(), 9)
        """
    )
    host = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30
    )
    assert host.returncode == -9, host.stderr
    device, pid = host.stdout.split()
    backing = loop_backing(device)
    try:
        assert backing is not None
        assert "faaslib-tmp-" in backing  # the instance's image, already unlinked
        assert "(deleted)" in backing
    finally:
        os.kill(int(pid), 9)
    for _ in range(500):  # the kernel clears the device once the namespace's mount is gone
        if loop_backing(device) != backing:
            break
        time.sleep(0.01)
    assert loop_backing(device) != backing


async def test_code_under_tmp_gets_a_folder_said_once_per_function(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "app.py").write_text(HANDLER)
    app = App("folder")
    add(app, "under_tmp", tmp_path)
    caplog.set_level(logging.WARNING, logger="faaslib")
    storage_module._warned.discard("under_tmp")
    async with app:
        first = await app.call("under_tmp", {"mb": 1})
        await app.call("under_tmp", {})
    assert first["tmpdir"] != "/tmp"
    assert "faaslib-instance-" in first["tmpdir"]
    assert first["source"] is None or not first["source"].startswith("/dev/loop")
    assert not Path(first["tmpdir"]).exists()  # noqa: ASYNC240 - removed with its instance
    said = [
        record.getMessage()
        for record in caplog.records
        if "ephemeral_storage" in record.getMessage()
    ]
    if MECHANISM == "ext4-loop":
        assert len(said) == 1
        assert "'under_tmp'" in said[0]
        assert str(tmp_path) in said[0]
        assert "hide" in said[0]
    else:
        assert len(said) == 1
        assert WHY_NOT is not None
        assert WHY_NOT in said[0]


def test_each_reason_for_a_folder_is_named(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="faaslib")
    storage_module._warned.discard("venv_in_tmp")
    made = ephemeral_storage(
        1024, "venv_in_tmp", ["/srv/code", "/tmp/venv/bin/python"], mechanism="ext4-loop"
    )
    assert made.mechanism == "folder"
    assert "/tmp/venv/bin/python" in caplog.text
    assert "ephemeral_storage=1024" in caplog.text
    forced = ephemeral_storage(1024, "forced", ["/tmp/x"], mechanism="folder")
    assert forced.mechanism == "folder"
    assert "'forced'" not in caplog.text  # asked for: nothing to warn about
    folder = forced.open()
    assert os.path.isdir(folder)
    forced.close()
    assert not os.path.exists(folder)
    assert hidden_by_tmp(["relative/tmp", "/tmpfoo", "/var/task"]) is None
    assert hidden_by_tmp(["/var/task", "/tmp"]) == "/tmp"
    with pytest.raises(Exception, match="ephemeral_storage=256 must be 512 to 10,240 MB"):
        EphemeralStorage(256, "tiny")


def test_faaslib_ephemeral_storage_folder_forces_the_folder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host_storage_mechanism.cache_clear()
    try:
        monkeypatch.setenv("FAASLIB_EPHEMERAL_STORAGE", "folder")
        assert host_storage_mechanism() == ("folder", None)
        host_storage_mechanism.cache_clear()
        monkeypatch.setenv("FAASLIB_EPHEMERAL_STORAGE", "ramdisk")
        with pytest.raises(Exception, match="FAASLIB_EPHEMERAL_STORAGE='ramdisk'"):
            host_storage_mechanism()
    finally:
        monkeypatch.delenv("FAASLIB_EPHEMERAL_STORAGE")
        host_storage_mechanism.cache_clear()
    assert host_storage_mechanism() == (MECHANISM, WHY_NOT)


@needs_disk
async def test_a_disk_that_cannot_be_mounted_falls_back_to_a_folder_at_spawn(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The loop device is made but the child's mount fails (here: /dev/null is no block
    device): the instance still starts, on a folder, says why, and the device is let go."""
    caplog.set_level(logging.WARNING, logger="faaslib")
    storage_module._warned.discard("unmountable")
    storage = EphemeralStorage(512, "unmountable", mechanism="ext4-loop")
    await anyio.to_thread.run_sync(storage.open)
    device = storage._device
    assert device is not None
    backing = loop_backing(device)
    storage._device = "/dev/null"
    lines: list[str] = []
    process = RuntimeProcess(
        [sys.executable, "-c", "import os; print(os.environ['TMPDIR'])"],
        os.getcwd(),
        {"PATH": os.environ["PATH"]},
        "arn:aws:lambda:us-east-1:123456789012:function:unmountable",
        lines.append,
        storage=storage,
    )
    async with anyio.create_task_group() as tasks:
        await tasks.start(process.run)
        with anyio.fail_after(10):
            await process.exited.wait()
    assert storage.mechanism == "folder"
    assert lines[0] != "/tmp"
    assert "faaslib-instance-" in lines[0]
    assert "mounting it failed" in caplog.text
    assert "'unmountable'" in caplog.text
    assert loop_backing(device) != backing  # the unmounted device was cleared
