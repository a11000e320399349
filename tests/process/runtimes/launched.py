"""Run a `Launch` (what `launch_for` says) behind the tests' minimal Runtime API, as a process
instance would run it, with Lambda's reserved variables.

    with RuntimeAPI("fn") as api, Launched(api, launch, "index.handler") as instance:
        answer = instance.invoke(b'{"a": 1}')
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from faaslib.runtime_api.runtimes import Launch
from tests.runtime_api import RuntimeAnswer, RuntimeAPI

__all__ = ["Launched", "reserved_environment"]


def reserved_environment(
    api: RuntimeAPI, launch: Launch, handler: str, memory_mb: int = 128
) -> dict[str, str]:
    """Lambda's reserved variables for one instance, then the runtime's own over them."""
    environment = {
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": launch.cwd,
        "AWS_LAMBDA_RUNTIME_API": api.address,
        "AWS_LAMBDA_FUNCTION_NAME": api.function,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{api.function}",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0123456789abcdef",
        "AWS_REGION": "us-east-1",
        "_HANDLER": handler,
    }
    environment.update(launch.environment)
    return environment


class Launched:
    """The process `launch` starts, serving `api`; `invoke` never hangs (a dead process is a
    "crashed" answer, a silent live one `TimeoutError`)."""

    def __init__(
        self,
        api: RuntimeAPI,
        launch: Launch,
        handler: str,
        *,
        memory_mb: int = 128,
        preexec: Callable[[], None] | None = None,
    ) -> None:
        self.api = api
        self.launch = launch
        self.environment = reserved_environment(api, launch, handler, memory_mb)
        self._preexec = preexec
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in __exit__
            prefix="faaslib-launched-", suffix=".log"
        )
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Launched:
        self.process = subprocess.Popen(
            self.launch.argv,
            cwd=self.launch.cwd,
            env=self.environment,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=self._preexec,
        )
        return self

    def __exit__(self, *exc_info: object) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, 9)
            process.wait(timeout=10)
        self._log.close()

    @property
    def output(self) -> str:
        """What the process wrote to stdout and stderr so far."""
        return Path(self._log.name).read_bytes().decode("utf-8", "backslashreplace")

    def invoke(self, event: bytes, timeout: float = 20.0) -> RuntimeAnswer:
        """Queue an invocation and wait for the answer, or the process's death."""
        process = self.process
        assert process is not None, "enter the context first"
        return self.api.invoke(event, process, lambda: self.output, str(self.launch.argv), timeout)
