"""`nodejsNN.x`: AWS's `aws-lambda-ric` from npm (a native client and its JavaScript), on the
`node` of PATH, with V8's heap sized from the memory setting as Lambda's Node.js bootstrap does.

The client is found in `$FAASLIB_NODE_RIC` (a `node_modules` folder), else in
`~/.cache/faaslib/node/node_modules`, where `npm install --prefix ~/.cache/faaslib/node
aws-lambda-ric@4.0.2` puts it (`.ci/run` does); its install builds the client's native part
(cmake, make, g++ and node's headers). That folder is also on `NODE_PATH`, as Lambda's
`/var/runtime/node_modules` is: an AWS SDK installed there is found by `require`, and by
`import` through `node_resolve.mjs`, as on Lambda.

aws-lambda-ric 4 is nodejs24.x's client and refuses callback handlers; for nodejs18.x to
nodejs22.x, whose runtimes call them, the client starts through `node_entry.mjs` (beside this
module), which gives it `node_loader.mjs` as the handler module: that loader finds the
function's handler by the client's own rules, hands an async one over unchanged and wraps a
callback one.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

from faaslib.errors import ConfigurationError
from faaslib.runtime_api.code import default_cache_dir
from faaslib.runtime_api.runtimes.environment import Launch, common_environment, joined

__all__ = ["NODE_RIC_VERSION", "NODE_RUNTIMES", "node_launch", "node_ric_folder"]

NODE_RIC_VERSION = "4.0.2"  # what .ci/run installs and the tests run
NODE_RUNTIMES = ("nodejs18.x", "nodejs20.x", "nodejs22.x", "nodejs24.x")
_ENTRY = Path(__file__).with_name("node_entry.mjs")
_PROBE_SECONDS = 30.0


def node_ric_folder() -> Path:
    """The `node_modules` folder holding `aws-lambda-ric` (and whatever a handler may require
    from Lambda's runtime, like the AWS SDK): `$FAASLIB_NODE_RIC`, else
    `~/.cache/faaslib/node/node_modules`."""
    configured = os.environ.get("FAASLIB_NODE_RIC")
    return Path(configured) if configured else default_cache_dir() / "node" / "node_modules"


def node_launch(
    function: str,
    runtime: str,
    handler: str,
    task_root: Path,
    opts: list[Path],
    memory_mb: int | None,
) -> Launch:
    """`node <flags> <aws-lambda-ric> <handler>` with Lambda's `NODE_PATH`: each layer's
    `nodejs/nodeNN/node_modules` and `nodejs/node_modules`, the runtime's modules, the task
    root."""
    node = shutil.which("node")
    if node is None:
        raise ConfigurationError(
            f"function {function!r}: runtime {runtime!r} needs Node.js: install node "
            f"{runtime.removeprefix('nodejs')} (https://nodejs.org or the system's package "
            "manager) so that `node` is on PATH"
        )
    folder = node_ric_folder()
    client = _client_entry(folder)
    install = (
        f"`npm install --prefix {folder.parent} aws-lambda-ric@{NODE_RIC_VERSION}` (its install "
        "builds the native part with cmake, make and g++)"
    )
    if client is None:
        raise ConfigurationError(
            f"function {function!r}: runtime {runtime!r} needs AWS's Node.js runtime interface "
            f"client, not found in {folder}: run {install}, or set FAASLIB_NODE_RIC to a "
            "node_modules folder that has it"
        )
    if not _has_native_part(client.parent):
        raise ConfigurationError(
            f"function {function!r}: runtime {runtime!r} needs the native part of "
            f"aws-lambda-ric, which {client.parent} lacks (installed with --ignore-scripts, or "
            f"its build failed): run {install} again"
        )
    version = _version(node)
    major = runtime.removeprefix("nodejs").removesuffix(".x")
    warning = None
    if version.lstrip("v").split(".")[0] != major:
        warning = f"function {function!r}: runtime {runtime!r} runs on node {version} ({node})"
    esm_flag = ["--imports-from-runtime"] if _is_es_module(task_root, handler) else []
    environment = common_environment(task_root, opts, node)
    environment.update(
        NODE_PATH=joined(
            *(
                entry
                for opt in opts
                for entry in (
                    opt / "nodejs" / f"node{major}" / "node_modules",
                    opt / "nodejs" / "node_modules",
                )
            ),
            folder,
            client.parent,
            task_root,
        ),
        LAMBDA_RUNTIME_DIR=str(client.parent),
        AWS_EXECUTION_ENV=f"AWS_Lambda_{runtime}",
    )
    return Launch(
        argv=[node, *_flags(memory_mb), str(_ENTRY), *esm_flag, str(client), handler],
        cwd=str(task_root),
        environment=environment,
        interpreter=f"node {version} ({node})",
        warning=warning,
    )


def _flags(memory_mb: int | None) -> list[str]:
    """V8's flags as Lambda's Node.js bootstrap sets them: a tenth of the memory for the young
    generation, the rest for the old, so that the heap fails before the sandbox does."""
    flags = ["--expose-gc", "--max-http-header-size", "81920"]
    if memory_mb:
        new_space = memory_mb // 10
        flags += [
            f"--max-semi-space-size={new_space // 2}",
            f"--max-old-space-size={memory_mb - new_space}",
        ]
    return flags


def _is_es_module(task_root: Path, handler: str) -> bool:
    """Whether the handler's module, found as the client finds it (`name`, `.js`, `.mjs`,
    `.cjs`), is an ES module: `.mjs`, or `.js` under a package.json of `"type": "module"`."""
    module_root, _, base = handler.rpartition("/")
    stem = task_root / module_root / base.split(".", 1)[0]
    for extension in ("", ".js", ".mjs", ".cjs"):
        path = Path(f"{stem}{extension}")
        if path.is_file():
            return extension == ".mjs" or (extension != ".cjs" and _package_type(path) == "module")
    return False


def _package_type(module: Path) -> str | None:
    for folder in module.resolve().parents:
        try:
            manifest = json.loads((folder / "package.json").read_text())
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            return None
        return manifest.get("type") if isinstance(manifest, dict) else None
    return None


def _client_entry(folder: Path) -> Path | None:
    """The client's entry script, from its package.json's `bin` (it moved between versions)."""
    package = folder / "aws-lambda-ric"
    try:
        manifest = json.loads((package / "package.json").read_text())
    except (OSError, ValueError):
        return None
    entry = manifest.get("bin")
    if isinstance(entry, dict):
        entry = entry.get("aws-lambda-ric")
    script = package / (entry if isinstance(entry, str) else "index.mjs")
    return script if script.is_file() else None


def _has_native_part(package: Path) -> bool:
    """Whether the client's native addon was built (its install scripts build it)."""
    return any(package.glob("rapid-client.node")) or any(package.glob("build/*/rapid-client.node"))


@functools.cache
def _version(node: str) -> str:
    try:
        completed = subprocess.run(
            [node, "--version"], capture_output=True, timeout=_PROBE_SECONDS, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return "(unknown version)"
    return completed.stdout.decode().strip()
