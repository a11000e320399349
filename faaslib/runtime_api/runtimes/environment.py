"""What every runtime's launch is made of: the `Launch` itself, and Lambda's search paths."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

__all__ = ["Launch", "common_environment", "joined"]

_SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")


class Launch(msgspec.Struct, frozen=True):
    """How to start one instance of a runtime.

    `argv` starts the runtime interface client in `cwd` (the task root, `LAMBDA_TASK_ROOT`);
    `environment` is what this runtime needs beyond Lambda's reserved variables (`PATH` and
    `LD_LIBRARY_PATH` with the layers', `PYTHONPATH` or `NODE_PATH`, `LAMBDA_RUNTIME_DIR`,
    `AWS_EXECUTION_ENV`), to be laid over them: it may replace one (`_HANDLER` for Node.js
    18 to 22, see `faaslib.runtime_api.runtimes.node`). `interpreter` names what runs, for users
    (`python3.12 (/usr/bin/python3.12)`, `node v20.20.2 (/usr/bin/node)`); `warning` says how
    it differs from the runtime asked for, None when it does not.
    """

    argv: list[str]
    cwd: str
    environment: dict[str, str]
    interpreter: str
    warning: str | None = None


def joined(*parts: object) -> str:
    """A search path of the parts that are set, in order."""
    return os.pathsep.join(str(part) for part in parts if part)


def common_environment(
    task_root: Path, opts: list[Path], interpreter: str | None = None
) -> dict[str, str]:
    """PATH and LD_LIBRARY_PATH as Lambda's: PATH is the runtime's own folder (Lambda's
    `/var/lang/bin`), the system's, then each layer's `bin/` (`/opt/bin`), not the host's;
    LD_LIBRARY_PATH is the host's (what the interpreter may need to start), then `/var/task`,
    `/var/task/lib` and each layer's `lib/`."""
    return {
        "PATH": joined(
            Path(interpreter).parent if interpreter else None,
            *_SYSTEM_PATH,
            *(opt / "bin" for opt in opts),
        ),
        "LD_LIBRARY_PATH": joined(
            os.environ.get("LD_LIBRARY_PATH"),
            task_root,
            task_root / "lib",
            *(opt / "lib" for opt in opts),
        ),
    }
