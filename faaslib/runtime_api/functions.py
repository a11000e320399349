"""How a function's instances start as processes: its runtime's launch, its variables, its
memory guard; worked out once, at registration, for a decorated handler or for code.

A decorated handler (`@app.function(isolation="process")`) runs on the host's own interpreter,
its module imported in each instance from the folder that makes it importable (the root of its
top package), as Lambda imports `Handler: module.function` from the task root.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio.abc
import msgspec

from faaslib.config import STAND_IN_CREDENTIALS
from faaslib.errors import ConfigurationError
from faaslib.runtime_api.code import prepare_code
from faaslib.runtime_api.endpoint import AsgiApp, serve_asgi
from faaslib.runtime_api.limits import MemoryGuard, memory_guard
from faaslib.runtime_api.runtimes import Launch, launch_for

__all__ = ["ProcessHost", "ProcessSpec", "host_runtime", "spec_for_code", "spec_for_handler"]

SHIM_FOLDER = Path(__file__).resolve().parent / "shim"  # faaslib_shim: class and async handlers


def host_runtime() -> str:
    """The Lambda runtime identifier of the interpreter faaslib runs on (`python3.11`)."""
    return f"python{sys.version_info[0]}.{sys.version_info[1]}"


class ProcessHost:
    """Where an app's process instances live: the app's task group while it runs (so that
    leaving `async with app`, or the host being cancelled, ends every process), and the URL of
    its `app.aws` on a loopback port, served from the first instance's start, which instances
    get as `AWS_ENDPOINT_URL` (None when the app does not route AWS calls)."""

    __slots__ = ("_starting", "app_name", "aws_app", "endpoint_url", "task_group")

    def __init__(self, app_name: str, aws_app: Callable[[], AsgiApp] | None = None) -> None:
        self.app_name = app_name
        self.aws_app = aws_app
        self.task_group: anyio.abc.TaskGroup | None = None
        self.endpoint_url: str | None = None
        self._starting: anyio.Event | None = None

    async def start_endpoint(self) -> str | None:
        """Serve `app.aws` on a loopback port, once per run of the app; its URL."""
        if self.endpoint_url is not None or self.aws_app is None or self.task_group is None:
            return self.endpoint_url
        if self._starting is not None:
            await self._starting.wait()
            return self.endpoint_url
        self._starting = anyio.Event()
        try:
            self.endpoint_url = await self.task_group.start(serve_asgi, self.aws_app())
        finally:
            self._starting.set()
            self._starting = None
        return self.endpoint_url

    def stopped(self) -> None:
        """The app has stopped: its task group, and the endpoint in it, are gone."""
        self.task_group = None
        self.endpoint_url = None


class ProcessSpec:
    """How a function's instances start as processes: its runtime's launch, the reserved
    variables its instances share, and the memory guard each instance gets."""

    __slots__ = (
        "_environment",
        "_launch",
        "_make_launch",
        "_reserved",
        "guard",
        "handler",
        "host",
        "runtime",
    )

    def __init__(
        self,
        make_launch: Callable[[], Launch],
        runtime: str,
        handler: str,
        host: ProcessHost,
        guard: Callable[[], MemoryGuard] | None,
    ) -> None:
        self._make_launch = make_launch
        self._launch: Launch | None = None
        self.runtime = runtime
        self.handler = handler
        self.host = host
        self.guard = guard
        self._reserved: dict[str, str] = {}
        self._environment: dict[str, str] | None = None

    @property
    def launch(self) -> Launch:
        """How to start the runtime, worked out on first use (a decorated handler's module is
        imported again in each instance, and its registrations there must cost nothing)."""
        launch = self._launch
        if launch is None:
            launch = self._launch = self._make_launch()
        return launch

    def prepare(self, name: str, memory: int, region: str, environment: Mapping[str, str]) -> None:
        """Keep what every instance of `function` gets: the function's own variables, and the
        reserved ones, which Lambda refuses to let a function set."""
        self._reserved = {
            **environment,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "_HANDLER": self.handler,
            **self._credentials(),
        }
        self._environment = None

    def _credentials(self) -> dict[str, str]:
        """Lambda hands every function its role's credentials. When the app serves its SDK
        calls (`AWS_ENDPOINT_URL`, where any signature is accepted) stand-ins do; when it does
        not (`App(route_aws_calls=False)`: calls go to AWS), the host's own, if it has any."""
        if self.host.aws_app is not None:
            return dict(STAND_IN_CREDENTIALS)
        return {key: os.environ[key] for key in STAND_IN_CREDENTIALS if key in os.environ}

    @property
    def environment(self) -> dict[str, str]:
        """The variables every instance gets, worked out once: Lambda's defaults, the
        runtime's, the function's own, the reserved ones on top."""
        values = self._environment
        if values is None:
            launch = self.launch
            values = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC"}
            values.update(launch.environment)
            values.update(self._reserved)
            values["LAMBDA_TASK_ROOT"] = launch.cwd
            if "AWS_EXECUTION_ENV" in launch.environment:
                values["AWS_EXECUTION_ENV"] = launch.environment["AWS_EXECUTION_ENV"]
            self._environment = values
        return values


def spec_for_handler(target: Any, name: str, memory: int, host: ProcessHost) -> ProcessSpec:
    """The process spec of a decorated handler: `module.name` imported from the root of its top
    package, on the host's interpreter; a class or an `async def`, which Lambda's Python
    runtime cannot call, through `faaslib_shim`."""
    owner = f"function {name!r}"
    module_name = getattr(target, "__module__", None)
    qualname = getattr(target, "__qualname__", "")
    module = sys.modules.get(module_name or "")
    file = getattr(module, "__file__", None)
    if module is None or module_name == "__main__" or file is None:
        raise ConfigurationError(
            f"{owner}: isolation='process' imports the handler's module in a new process; "
            f"{module_name!r} cannot be imported by name there (define the handler in a "
            "module file, not in __main__ or an interactive session)"
        )
    if not qualname.isidentifier():  # a method, a nested or a lambda function
        raise ConfigurationError(
            f"{owner}: isolation='process' needs a module-level function or class, as Lambda's "
            f"Handler 'module.function' names it; {module_name}.{qualname} is not one"
        )
    parts = module_name.split(".")  # type: ignore[union-attr]
    path = Path(file).resolve()
    depth = len(parts) if path.name == "__init__.py" else len(parts) - 1
    task_root = path.parents[depth]
    handler = f"{module_name}.{qualname}"
    runtime = host_runtime()
    through_shim = inspect.isclass(target) or _is_async(target)  # Lambda calls functions only

    def make_launch() -> Launch:
        launch = launch_for(name, runtime, handler, task_root, memory_mb=memory)
        # The host's own interpreter: the module may import what the host has installed.
        argv = [sys.executable, *launch.argv[1:]]
        environment = dict(launch.environment)
        if through_shim:
            argv[-1] = "faaslib_shim.handler"
            environment["_FAASLIB_HANDLER"] = handler
            environment["PYTHONPATH"] = os.pathsep.join(
                part for part in (str(SHIM_FOLDER), environment.get("PYTHONPATH")) if part
            )
        return msgspec.structs.replace(launch, argv=argv, environment=environment, warning=None)

    return ProcessSpec(make_launch, runtime, handler, host, _guard(name, memory, runtime, host))


def _is_async(target: Any) -> bool:
    return inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(
        getattr(target, "__call__", None)  # noqa: B004 - callable objects
    )


def spec_for_code(
    name: str,
    handler: str,
    code: str | os.PathLike[str],
    runtime: str | None,
    layers: Sequence[str | os.PathLike[str]],
    memory: int,
    host: ProcessHost,
) -> ProcessSpec:
    """The process spec of a function given as code (a folder or a .zip, with layers)."""
    prepared = prepare_code(name, os.fspath(code), [os.fspath(layer) for layer in layers])
    runtime = runtime or host_runtime()
    opts = [prepared.opt] if prepared.opt is not None else []
    launch = launch_for(name, runtime, handler, prepared.task_root, opts, memory_mb=memory)
    return ProcessSpec(lambda: launch, runtime, handler, host, _guard(name, memory, runtime, host))


def _guard(
    name: str, memory: int, runtime: str, host: ProcessHost
) -> Callable[[], MemoryGuard] | None:
    label = f"{host.app_name}-{name}"

    def guard() -> MemoryGuard:
        return memory_guard(memory, label, runtime=runtime)

    return guard
