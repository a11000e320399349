"""`provided`, `provided.al2`, `provided.al2023`: the function's own executable `bootstrap`
speaks the Runtime API itself (Go, Rust, C++, a shell script as AWS's tutorial writes one)."""

from __future__ import annotations

import os
from pathlib import Path

from faaslib.errors import ConfigurationError
from faaslib.runtime_api.runtimes.environment import Launch, common_environment

__all__ = ["PROVIDED_RUNTIMES", "provided_launch"]

PROVIDED_RUNTIMES = ("provided", "provided.al2", "provided.al2023")


def provided_launch(function: str, runtime: str, task_root: Path, opts: list[Path]) -> Launch:
    """The code's `bootstrap` (Lambda's `/var/task/bootstrap`), else a layer's
    (`/opt/bootstrap`): Lambda's order."""
    candidates = [task_root / "bootstrap", *(opt / "bootstrap" for opt in reversed(opts))]
    for bootstrap in candidates:
        if bootstrap.is_file() and os.access(bootstrap, os.X_OK):
            return Launch(
                argv=[str(bootstrap)],
                cwd=str(task_root),
                environment=common_environment(task_root, opts),
                interpreter=f"{runtime} bootstrap ({bootstrap})",
            )
    present = [path for path in candidates if path.is_file()]
    problem = (
        f"{present[0]} is not executable (chmod +x it, or zip it with its mode)"
        if present
        else f"there is none in {task_root}" + (" or its layers" if opts else "")
    )
    raise ConfigurationError(
        f"function {function!r}: runtime {runtime!r} needs an executable file named bootstrap "
        f"at the root of the code or of a layer (Lambda's /var/task or /opt): {problem}"
    )
