"""redis-server processes of our own, for the suite's Redis fixtures and the Redis benchmark: on
127.0.0.1 only, saving nothing to disk, each in a folder of its own (a cluster node writes its
config there)."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["free_ports", "running", "start", "wait_for"]


def free_ports(count: int) -> list[int]:
    """`count` distinct ports of 127.0.0.1 free now (held together, so none is given twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for probe in sockets:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in sockets]
    finally:
        for probe in sockets:
            probe.close()


def wait_for(port: int, process: subprocess.Popen[bytes] | None = None) -> None:
    """Return once something listens on `port` (10 s at most, or until `process` exits)."""
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            exited = process is not None and process.poll() is not None
            if exited or time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on port {port}") from None
            time.sleep(0.02)


def start(
    folder: Path, port: int, *options: str, binary: str = "redis-server"
) -> subprocess.Popen[bytes]:
    """A redis-server on `port` with `options`, listening when this returns (killed if it does
    not come up)."""
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            *options,
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for(port, process)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process


@contextmanager
def running(folder: Path, binary: str = "redis-server") -> Iterator[str]:
    """A redis-server on a free port while the block runs: its URL (database 0)."""
    [port] = free_ports(1)
    server = start(folder, port, binary=binary)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)
