"""One execution environment as an operating-system process: the runtime interface client,
its own Runtime API server, its output and its /tmp.

`RuntimeProcess.run()` is the environment's whole life and belongs in a task group with a
lifetime (the app's): it starts the server, spawns the client in a new session with Lambda's
environment, reads its output, and waits for it to exit. Whatever ends it (an exit, `close()`,
a timeout, the app's task group being cancelled) ends it the same way: the process
group is killed and reaped, the listener closed, /tmp let go (`faaslib.runtime_api.storage`).
No process, port, folder or disk outlives it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import anyio
import anyio.abc

from faaslib.runtime_api.server import Answer, RuntimeApiServer
from faaslib.runtime_api.storage import EphemeralStorage

if TYPE_CHECKING:
    from faaslib.runtime_api.limits import MemoryGuard

__all__ = ["RuntimeProcess", "exit_reason"]

_READ_BYTES = 65536
MAX_LINE_BYTES = 256 * 1024  # a CloudWatch log event's limit: a longer line is cut into events
_REAP_SECONDS = 5.0


class RuntimeProcess:
    """A runtime interface client in its own process, behind its own Runtime API server.

    `argv`, `cwd` and `environment` start the client (the server's address is added as
    `AWS_LAMBDA_RUNTIME_API`, its /tmp as `TMPDIR`: `storage`'s disk mounted at /tmp, or a
    fresh folder); `on_output` receives each line it writes to stdout or stderr, as it comes.
    `returncode` is set once it has exited.
    """

    def __init__(
        self,
        argv: Sequence[str],
        cwd: str,
        environment: Mapping[str, str],
        function_arn: str,
        on_output: Callable[[str], None],
        guard: MemoryGuard | None = None,
        storage: EphemeralStorage | None = None,
    ) -> None:
        self.argv = list(argv)
        self.cwd = cwd
        self.environment = dict(environment)
        self.server = RuntimeApiServer(function_arn)
        self.guard = guard
        self.storage = storage
        self.on_output = on_output
        self.pid: int | None = None
        self.returncode: int | None = None
        self.exited = anyio.Event()
        self.spawn_error: OSError | None = None  # why the process could not be started
        self.on_exit: Callable[[], None] | None = None  # told when the process ends by itself
        self._process: subprocess.Popen[bytes] | None = None
        self._scope: anyio.CancelScope | None = None
        self._output_fd: int | None = None
        self._partial = b""
        self._closing_on_purpose = False

    # -- life ---------------------------------------------------------------------------------

    async def run(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Serve, spawn, and wait for the process to end; cleaned up however it ends."""
        storage = self.storage
        if storage is None:  # an unsized folder, as `FAASLIB_EPHEMERAL_STORAGE=folder` gives
            storage = self.storage = EphemeralStorage(512, "instance", mechanism="folder")
        try:
            if storage.mechanism == "folder":
                temporary = storage.open()
            else:  # mkfs.ext4 (~10 ms) off the loop; not cancellable: closed below either way
                temporary = await anyio.to_thread.run_sync(storage.open)
            with anyio.CancelScope() as self._scope:
                async with anyio.create_task_group() as tasks:
                    await tasks.start(self.server.serve)
                    try:
                        self._spawn(temporary)
                    except OSError as failure:  # no such interpreter, not executable, ...
                        self.spawn_error = failure
                        self._closing_on_purpose = True
                        task_status.started()
                        tasks.cancel_scope.cancel()
                        return
                    tasks.start_soon(self._read_output)
                    task_status.started()
                    await self._wait_exit()
                    self.drain()
                    tasks.cancel_scope.cancel()
        finally:
            if self.returncode is None:  # ended from outside: what it says now is not news
                self._closing_on_purpose = True
                self._signal_group(signal.SIGKILL)
            with anyio.CancelScope(shield=True):
                await self._terminate()
            storage.close()
            if self.guard is not None:
                self.guard.close()
            self.exited.set()
            self.server.fail()
            if not self._closing_on_purpose and self.on_exit is not None:
                self.on_exit()

    def _spawn(self, temporary: str) -> None:
        environment = dict(self.environment)
        environment["AWS_LAMBDA_RUNTIME_API"] = self.server.address
        storage = self.storage
        assert storage is not None
        try:
            process = self._popen(environment, temporary)
        except subprocess.SubprocessError as failure:  # the mount failed in the child
            if storage.mechanism == "folder":
                raise
            process = self._popen(environment, storage.fall_back(f"mounting it failed: {failure}"))
        finally:
            storage.spawned()  # from now the child's mount alone holds the disk
        self._process = process
        self.pid = process.pid
        assert process.stdout is not None
        self._output_fd = process.stdout.fileno()
        os.set_blocking(self._output_fd, False)

    def _popen(self, environment: dict[str, str], temporary: str) -> subprocess.Popen[bytes]:
        environment["TMPDIR"] = temporary
        return subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            preexec_fn=self._preexec,
        )

    def _preexec(self) -> None:
        """In the child before exec: join the memory limit, then mount its /tmp."""
        if self.guard is not None:
            self.guard.preexec()
        if self.storage is not None:
            self.storage.preexec()

    def close(self) -> None:
        """End the process now: its group is killed at once (a timeout, an instance let go),
        and `run()` reaps it and cleans up. Called from the event loop's thread; idempotent."""
        self._closing_on_purpose = True
        self._signal_group(signal.SIGKILL)  # before its connection closes: no dying words
        if self._scope is not None:
            self._scope.cancel()

    def _signal_group(self, number: int) -> None:
        if self.pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, number)

    async def _wait_exit(self) -> None:
        process = self._process
        assert process is not None
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is not None:
            try:
                pidfd = pidfd_open(process.pid)
            except OSError:
                pidfd = None
            if pidfd is not None:
                try:
                    await anyio.wait_readable(pidfd)
                finally:
                    anyio.notify_closing(pidfd)
                    os.close(pidfd)
                self.returncode = process.wait()
                return
        while process.poll() is None:  # noqa: ASYNC110 - no pidfd (not Linux): look now and then
            await anyio.sleep(0.02)
        self.returncode = process.returncode

    async def _terminate(self) -> None:
        """Kill the process group, reap the process, close the output and the listener."""
        self._signal_group(signal.SIGKILL)
        process = self._process
        if process is not None and self.returncode is None:
            with anyio.move_on_after(_REAP_SECONDS):
                await self._wait_exit()
            self.returncode = process.returncode
        if self._output_fd is not None:
            self.drain()
            if self._partial:
                self._emit(self._partial)
                self._partial = b""
            fd, self._output_fd = self._output_fd, None
            anyio.notify_closing(fd)
            assert process is not None
            assert process.stdout is not None
            process.stdout.close()

    # -- output -------------------------------------------------------------------------------

    async def _read_output(self) -> None:
        while self._output_fd is not None:
            await anyio.wait_readable(self._output_fd)
            if not self.drain():
                return

    def drain(self) -> bool:
        """Pass on every complete line the process has written so far; False at the end of
        its output."""
        fd = self._output_fd
        if fd is None:
            return False
        while True:
            try:
                data = os.read(fd, _READ_BYTES)
            except BlockingIOError:
                return True
            except OSError:
                return False
            if not data:
                return False
            data = self._partial + data
            lines = data.split(b"\n")
            self._partial = lines.pop()
            for line in lines:
                self._emit(line)
            if len(self._partial) >= MAX_LINE_BYTES:  # CloudWatch's event limit: cut there
                self._emit(self._partial)
                self._partial = b""

    def _emit(self, line: bytes) -> None:
        if self._closing_on_purpose:
            return
        # awslambdaric ends the lines of one error with \r, so that CloudWatch keeps them as
        # one event; shown here, they are lines.
        self.on_output(line.decode("utf-8", "replace").replace("\r", "\n").rstrip("\n"))

    # -- invocations --------------------------------------------------------------------------

    async def invoke(
        self,
        request_id: str,
        body: bytes,
        deadline_ms: int,
        trace_id: str,
        client_context: bytes | None,
    ) -> Answer | None:
        """Hand the invocation to the runtime and wait for its answer; None if the process
        ended first."""
        server = self.server
        if self.exited.is_set():
            return None
        await server.invoke(request_id, body, deadline_ms, trace_id, client_context)
        try:
            answer = await server.wait()
        except BaseException:
            server.finish()
            raise
        server.finish()
        self.drain()  # what it printed before it answered belongs to this invocation
        return answer

    def peak_mb(self) -> int:
        """The process's peak memory so far (Lambda's Max Memory Used)."""
        if self.guard is not None and self.pid is not None:
            try:
                return self.guard.peak_mb(self.pid)
            except OSError:
                return 0
        return _vm_hwm_mb(self.pid)


def _vm_hwm_mb(pid: int | None) -> int:
    if pid is None:
        return 0
    try:
        with open(f"/proc/{pid}/status", "rb") as status:
            for line in status:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def exit_reason(returncode: int | None) -> str:
    """How Lambda words a runtime's end: `exit status 3`, `signal: killed`."""
    if returncode is None:
        return "exit status unknown"
    if returncode < 0:
        try:
            name = signal.strsignal(-returncode) or f"signal {-returncode}"
        except ValueError:
            name = f"signal {-returncode}"
        return "signal: " + name.lower()
    return f"exit status {returncode}"
