"""`pythonX.Y`: AWS's `awslambdaric`, on the interpreter the runtime names when the machine has
one that can import it, else on the interpreter faaslib runs on, with a warning."""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import msgspec

from faaslib.errors import ConfigurationError
from faaslib.runtime_api.runtimes.environment import Launch, common_environment, joined

__all__ = ["PYTHON_RUNTIMES", "python_launch"]

PYTHON_RUNTIMES = (
    "python3.9",
    "python3.10",
    "python3.11",
    "python3.12",
    "python3.13",
    "python3.14",
)
_PROBE_SECONDS = 30.0
_PROBE = (
    "import json, os, sys\n"
    "try:\n"
    "    import awslambdaric\n"
    "    ric = os.path.dirname(os.path.dirname(os.path.abspath(awslambdaric.__file__)))\n"
    "except ImportError:\n"
    "    ric = None\n"
    "print(json.dumps({'version': list(sys.version_info[:2]), 'executable': sys.executable,"
    " 'ric': ric}))\n"
)


class _Python(msgspec.Struct, frozen=True):
    version: tuple[int, int]
    executable: str
    ric: str | None  # the folder awslambdaric is installed in: Lambda's LAMBDA_RUNTIME_DIR

    @property
    def name(self) -> str:
        return f"python{self.version[0]}.{self.version[1]}"


def python_launch(
    function: str, runtime: str, handler: str, task_root: Path, opts: list[Path]
) -> Launch:
    """`python -m awslambdaric <handler>`, with Lambda's `sys.path`: the task root, then each
    layer's `python/lib/pythonX.Y/site-packages` and `python/`."""
    python, warning = _choose(function, runtime)
    environment = common_environment(task_root, opts, python.executable)
    environment.update(
        PYTHONPATH=joined(
            task_root,
            *(
                entry
                for opt in opts
                for entry in (opt / "python" / "lib" / runtime / "site-packages", opt / "python")
            ),
        ),
        LAMBDA_RUNTIME_DIR=python.ric or "",
        AWS_EXECUTION_ENV=f"AWS_Lambda_{runtime}",
    )
    return Launch(
        argv=[python.executable, "-m", "awslambdaric", handler],
        cwd=str(task_root),
        environment=environment,
        interpreter=f"{python.name} ({python.executable})",
        warning=warning,
    )


def _choose(function: str, runtime: str) -> tuple[_Python, str | None]:
    asked = tuple(int(part) for part in runtime.removeprefix("python").split("."))
    found = shutil.which(runtime)
    if found is None:
        why = f"{runtime} is not on PATH"
    else:
        probed = _probe(found, os.environ.get("PATH", ""))
        if probed is None:
            why = f"{runtime} on PATH ({found}) does not start"
        elif probed.version != asked:
            why = f"{runtime} on PATH ({found}) is {probed.name}"
        elif probed.ric is None:
            why = f"{runtime} on PATH ({found}) cannot import awslambdaric"
        else:
            return probed, None
    own = _own()
    if own.ric is None:
        raise ConfigurationError(
            f"function {function!r}: runtime {runtime!r} needs AWS's Python runtime interface "
            f"client: {why}, and this interpreter ({sys.executable}) cannot import it either; "
            f"install it with `{runtime} -m pip install awslambdaric` or `pip install awslambdaric`"
        )
    if own.version == asked:
        return own, None
    return (
        own,
        f"function {function!r}: runtime {runtime!r} runs on {own.name} ({own.executable}): {why}",
    )


@functools.cache
def _probe(executable: str, search_path: str) -> _Python | None:
    """What `executable` is and whether it has awslambdaric; once per executable and PATH
    (pyenv's shims answer according to PATH)."""
    environment = {
        key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")
    }
    environment["PATH"] = search_path
    try:
        completed = subprocess.run(
            [executable, "-c", _PROBE],
            env=environment,
            capture_output=True,
            timeout=_PROBE_SECONDS,
            check=False,
        )
        if completed.returncode != 0:
            return None
        answer = json.loads(completed.stdout.decode().strip().splitlines()[-1])
        return _Python(
            version=(answer["version"][0], answer["version"][1]),
            executable=answer["executable"] or executable,
            ric=answer["ric"],
        )
    except (OSError, subprocess.TimeoutExpired, ValueError, IndexError, KeyError):
        return None


@functools.cache
def _own() -> _Python:
    spec = importlib.util.find_spec("awslambdaric")
    ric = None
    if spec is not None and spec.origin is not None:
        ric = str(Path(spec.origin).parent.parent)
    return _Python(
        version=(sys.version_info.major, sys.version_info.minor),
        executable=sys.executable,
        ric=ric,
    )
