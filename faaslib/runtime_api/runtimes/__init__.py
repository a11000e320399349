"""How each Lambda runtime starts: which program, with which search paths, on which interpreter.

A process instance runs AWS's own runtime interface client, unchanged, as Lambda's runtimes do:

- `pythonX.Y` (`python.py`): `python -m awslambdaric <handler>`, on `pythonX.Y` from PATH when
  that interpreter can import `awslambdaric`, else on the interpreter faaslib runs on, with a
  warning naming the difference.
- `nodejsNN.x` (`node.py`): npm's `aws-lambda-ric`, on the `node` of PATH, with V8's heap sized
  from the memory setting as Lambda's Node.js bootstrap sizes it.
- `provided`, `provided.al2`, `provided.al2023` (`provided.py`): the executable `bootstrap` of
  the code or of a layer: Go, Rust, C++ or a shell script, as AWS's custom runtime tutorial
  writes one.

Lambda's paths are the task root and the merged layers: `/var/task` is `task_root`, `/opt` is
each of `layers` (`python/`, `nodejs/node_modules/`, `bin/`, `lib/` go on the search paths the
runtime would use). Code that names `/opt/...` literally does not find its layer here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from faaslib.errors import ConfigurationError
from faaslib.runtime_api.runtimes.environment import Launch
from faaslib.runtime_api.runtimes.node import (
    NODE_RIC_VERSION,
    NODE_RUNTIMES,
    node_launch,
    node_ric_folder,
)
from faaslib.runtime_api.runtimes.provided import PROVIDED_RUNTIMES, provided_launch
from faaslib.runtime_api.runtimes.python import PYTHON_RUNTIMES, python_launch

__all__ = [
    "NODE_RIC_VERSION",
    "SUPPORTED_RUNTIMES",
    "Launch",
    "launch_for",
    "node_ric_folder",
]

SUPPORTED_RUNTIMES: frozenset[str] = frozenset(PYTHON_RUNTIMES + NODE_RUNTIMES + PROVIDED_RUNTIMES)

# Lambda's other current runtimes, and what running them would take.
_ELSEWHERE = {
    "java": "AWS's Java runtime interface client and a JVM",
    "dotnet": "AWS's .NET runtime interface client and the .NET runtime",
    "ruby": "AWS's Ruby runtime interface client (the aws_lambda_ric gem)",
}
_HANDLER_LIMIT = 128  # Lambda's CreateFunction: Handler matches ^[^\s]+$, at most 128 characters


def launch_for(
    function: str,
    runtime: str,
    handler: str,
    task_root: Path,
    layers: Sequence[Path] = (),
    *,
    memory_mb: int | None = None,
) -> Launch:
    """How to start `function`'s instances, or a `ConfigurationError` naming the function and
    what is missing (an interpreter, a client, a `bootstrap`) and how to get it.

    `layers` are folders laid out as `/opt` (`code.prepare_code` merges them into one);
    `memory_mb` sizes Node.js's heap as Lambda does. The first call for a runtime may start its
    interpreter once to probe it (cached for the process): call it at registration.

        launch = launch_for("resize", "python3.12", "app.handler", Path("src"))
        subprocess.Popen(launch.argv, cwd=launch.cwd, env={**reserved, **launch.environment})
    """
    if not handler or len(handler) > _HANDLER_LIMIT or any(c.isspace() for c in handler):
        raise ConfigurationError(
            f"function {function!r}: handler={handler!r} is not a valid handler: Lambda takes "
            f"1 to {_HANDLER_LIMIT} characters without whitespace (e.g. 'app.handler')"
        )
    if not task_root.is_dir():
        raise ConfigurationError(f"function {function!r}: code folder {task_root} does not exist")
    opts = [Path(layer) for layer in layers]
    if runtime in PYTHON_RUNTIMES:
        return python_launch(function, runtime, handler, task_root, opts)
    if runtime in NODE_RUNTIMES:
        return node_launch(function, runtime, handler, task_root, opts, memory_mb)
    if runtime in PROVIDED_RUNTIMES:
        return provided_launch(function, runtime, task_root, opts)
    raise ConfigurationError(f"function {function!r}: {_unsupported(runtime)}")


def _unsupported(runtime: str) -> str:
    supported = ", ".join(PYTHON_RUNTIMES + NODE_RUNTIMES + PROVIDED_RUNTIMES)
    family = re.sub(r"[^a-z].*", "", runtime)
    if family in _ELSEWHERE:
        return (
            f"runtime {runtime!r} cannot run here: it needs {_ELSEWHERE[family]}, which faaslib "
            "does not start; build the function as an executable bootstrap for provided.al2023 "
            f"(e.g. a GraalVM or Native AOT binary), or use one of: {supported}"
        )
    if runtime == "go1.x":
        return (
            "runtime 'go1.x' is retired by Lambda; build the Go binary as an executable named "
            "bootstrap and use runtime='provided.al2023'"
        )
    return f"runtime {runtime!r} is not a Lambda runtime faaslib runs; use one of: {supported}"
