"""Registering functions: options checked against Lambda's limits before anything is kept."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

import msgspec

from faaslib.app.imports import CodeHandler, python_paths
from faaslib.billing import FunctionLedger, PriceCatalog
from faaslib.clock import Clock
from faaslib.config import STAND_IN_CREDENTIALS, AppConfig, FunctionConfig, validate
from faaslib.errors import (
    ConfigurationError,
)
from faaslib.executor import Admission, Function, HandlerSpec, Runner, resolve_handler
from faaslib.runtime_api.code import prepare_code
from faaslib.runtime_api.functions import ProcessHost, ProcessSpec, spec_for_code, spec_for_handler

__all__ = ["InstanceCounts", "Registration"]

HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])


class InstanceCounts(msgspec.Struct, frozen=True):
    """How many instances (execution environments) a function has, and what they are doing."""

    total: int
    idle: int
    busy: int


class Registration:
    """The app's functions: how they are registered, and what can be asked about them."""

    config: AppConfig
    name: str
    clock: Clock
    _functions: dict[str, Function]
    _start_work: dict[str, Function]
    _environment: dict[str, str | None]
    _saved_environment: dict[str, str | None] | None
    _admission: Admission
    _runner: Runner
    _prices: PriceCatalog
    _aws_route: object
    _process_host: ProcessHost

    if TYPE_CHECKING:

        def _apply_environment(self) -> None: ...

        def _function(self, name: str) -> Function: ...

    # -- registration -------------------------------------------------------------------------

    @overload
    def function(self, handler: HandlerT, /) -> HandlerT: ...

    @overload
    def function(self, /, **options: Any) -> Callable[[HandlerT], HandlerT]: ...

    def function(
        self, handler: HandlerT | None = None, /, **options: Any
    ) -> HandlerT | Callable[[HandlerT], HandlerT]:
        """Register a Lambda handler: `def`/`async def handler(event, context)`, or a class.

        Options (validated now, against Lambda's limits): `name` (default: the handler's
        `__name__`), `memory` (128 to 10,240 MB, default 128), `timeout` (seconds, more than 0 and
        at most 900, default 3), `ephemeral_storage` (512 to 10,240 MB), `environment` (str to str,
        at most 4 KB), `architecture` (default: the app's), `description`, `isolation`
        (`"in-process"`, or `"process"`: each instance its own process running AWS's runtime
        client behind Lambda's Runtime API, the handler's module imported there). The handler
        is returned unchanged, so it can still be called directly.
        """

        def register(target: HandlerT) -> HandlerT:
            self._register(target, options)
            return target

        return register if handler is None else register(handler)

    def add_function(
        self,
        name: str,
        *,
        handler: str,
        code: str | os.PathLike[str] = ".",
        runtime: str | None = None,
        layers: Sequence[str | os.PathLike[str]] = (),
        **function_config: Any,
    ) -> None:
        """Add function `name` defined by code, as Lambda takes it: `handler` is Lambda's
        `Handler` ("app.lambda_handler", "package/module.handler") found in the `code` folder
        (the task root), `runtime` Lambda's identifier ("python3.12"; default: the host's
        Python), `layers` folders whose `python/` joins the import path as /opt does.
        `function_config` takes `App.function`'s options.

        A Python function runs in-process by default: its module is imported when its first
        instance starts (the init phase, so an import error is `Runtime.ImportModuleError` at
        invoke time, as on Lambda), with the function's `environment` visible in `os.environ`.
        `code` may be a `.zip`, and `layers` folders or zips, laid out as /opt. With
        `isolation="process"` (the default for `nodejs*` and `provided*` runtimes) each
        instance is a process running AWS's runtime client behind Lambda's Runtime API
        (docs/process.md).

            app.add_function("orders", handler="app.lambda_handler", code="src/",
                             runtime="python3.12", memory=512, environment={"TABLE": "orders"})
        """
        owner = f"function {name!r}"
        options = {**function_config, "name": name, "runtime": runtime}
        is_python = runtime is None or runtime.startswith("python")
        isolation = function_config.get("isolation", "in-process" if is_python else "process")
        if isolation == "in-process" and not is_python:
            raise ConfigurationError(
                f"{owner}: runtime={runtime!r} cannot run in-process (only Python can); "
                "isolation='process' (the default for it) runs it in a process instance"
            )
        if isolation == "process":
            options["isolation"] = "process"
            self._register_process(None, options, handler, code, layers)
            return
        # A zip is unpacked once, layers merged as /opt, each checked against Lambda's limits.
        prepared = prepare_code(name, Path(code), [Path(layer) for layer in layers])
        root = prepared.task_root
        opt = [] if prepared.opt is None else [prepared.opt]
        loader = CodeHandler(name, handler, root, python_paths(root, opt))
        self._register(loader, options, spec=loader.spec)

    def _register_process(
        self,
        target: Any,
        options: Mapping[str, Any],
        handler: str | None = None,
        code: str | os.PathLike[str] = ".",
        layers: Sequence[str | os.PathLike[str]] = (),
        check: Callable[[FunctionConfig], None] | None = None,
    ) -> Function:
        """Register a function whose instances are processes speaking Lambda's Runtime API:
        a decorated handler (`target`), or code (`handler` found in `code`)."""
        values = dict(options)
        values.setdefault("name", getattr(target, "__name__", None))
        values.setdefault("architecture", self.config.architecture)
        config: FunctionConfig = validate(FunctionConfig, f"function {values['name']!r}", values)
        host = self._process_host
        if target is not None:
            resolve_handler(target, config.name)  # (event, context), or a clear error now
            process = spec_for_handler(target, config.name, config.memory, host)
        else:
            assert handler is not None
            process = spec_for_code(
                config.name, handler, code, config.runtime, layers, config.memory, host
            )
        spec = HandlerSpec(_runs_in_its_process, False, False, name=process.handler)
        function = self._register(target, values, check, spec=spec, process=process)
        process.prepare(function.name, config.memory, self.config.region, config.environment)
        return function

    def _register(
        self,
        target: Any,
        options: Mapping[str, Any],
        check: Callable[[FunctionConfig], None] | None = None,
        *,
        spec: HandlerSpec | None = None,
        process: ProcessSpec | None = None,
    ) -> Function:
        """Register `target`; `check` (a trigger's own rules) may refuse the configuration
        before anything is registered. `spec` says how to run it when the target does not
        (a handler given as code)."""
        if process is None and options.get("isolation") == "process":
            return self._register_process(target, options, check=check)
        values = dict(options)
        values.setdefault("name", getattr(target, "__name__", None))
        values.setdefault("architecture", self.config.architecture)
        name = values["name"]
        owner = f"function {name!r}"
        config: FunctionConfig = validate(FunctionConfig, owner, values)
        if check is not None:
            check(config)
        if name in self._functions:
            raise ConfigurationError(
                f"{owner}: a function named {name!r} is already registered in App {self.name!r}; "
                "function names are unique in an app (pass name=... to register another)"
            )
        self._check_unreserved_minimum(owner, config)
        handler = spec if spec is not None else resolve_handler(target, name)
        function = Function(
            config,
            handler,
            region=self.config.region,
            account_id=self.config.account_id,
            idle_timeout=self.config.idle_timeout,
            max_idle_instances=self.config.max_idle_instances,
            scaling_rate=self.config.scaling_rate,
            scaling_period=self.config.scaling_period,
            ledger=FunctionLedger(
                name,
                config.architecture,
                config.memory,
                config.ephemeral_storage,
                self._prices,
                deque(maxlen=self.config.ledger_rows) if self.config.ledger_rows else None,
                self.clock,
            ),
            process=process,
        )
        function.aws_route = self._aws_route
        if self._aws_route is not None:  # its SDK calls stay in the app: they need no real keys
            function.variables.update(STAND_IN_CREDENTIALS)
        self._functions[name] = function
        if process is not None or config.provisioned_concurrency or _has_destination(config):
            self._start_work[name] = function
        self._admission.add(function.slots)
        environment = self._environment
        for key, value in config.environment.items():
            # Each invocation sees its own function's value; the process's os.environ gets only
            # the values every function agrees on, for code that runs outside invocations.
            environment[key] = value if environment.get(key, value) == value else None
        if self._saved_environment is not None:
            self._apply_environment()
        return function

    def _check_unreserved_minimum(
        self, owner: str, config: FunctionConfig, replacing: str | None = None
    ) -> None:
        """Refuse reserved or provisioned concurrency that would leave the account's unreserved
        pool below its minimum, as Lambda refuses it."""
        reserved = config.reserved_concurrency
        wanted = reserved if reserved is not None else config.provisioned_concurrency
        if not wanted:
            return
        # The admission's running total, not a sum over every function: summed at each
        # registration, registering N functions cost N² (231 µs each at 4,000).
        others = self._admission.carved_out
        if replacing is not None:
            others -= Admission.carve_out((self._functions[replacing].slots,))
        limit = self.config.concurrency
        minimum = self.config.minimum_unreserved
        if others + wanted > limit - minimum:
            field = "reserved_concurrency" if reserved is not None else "provisioned_concurrency"
            raise ConfigurationError(
                f"{owner}: {field}={wanted} would leave {limit - others - wanted} of the "
                f"account's concurrency of {limit} unreserved (other functions take {others}); "
                f"at least {minimum} must stay unreserved (App(unreserved_minimum=...))"
            )

    @property
    def functions(self) -> tuple[str, ...]:
        """The names of the registered functions."""
        return tuple(self._functions)

    def function_configuration(self, name: str) -> FunctionConfig:
        """Function `name`'s configuration, as GetFunctionConfiguration gives it: memory,
        timeout, concurrency, retries, destinations... (validated, read-only)."""
        return self._function(name).config

    def function_handler(self, name: str) -> str:
        """Function `name`'s handler as Lambda's `Handler` names it: `module.function`."""
        return self._function(name).variables["_HANDLER"]

    def instances(self, name: str) -> InstanceCounts:
        """How many instances of function `name` exist now, idle and busy."""
        pool = self._function(name).instances
        idle = pool.idle_count
        return InstanceCounts(total=pool.count, idle=idle, busy=pool.count - idle)

    @property
    def abandoned_threads(self) -> int:
        """Sync handlers that timed out but whose threads are still running (see the README)."""
        return self._runner.abandoned_threads


def _has_destination(config: FunctionConfig) -> bool:
    """Whether the app's start must check where the function's Event invocations end."""
    return any(
        isinstance(target, str)
        for target in (config.on_success, config.on_failure, config.dead_letter)
    )


def _runs_in_its_process(event: Any, context: Any) -> Any:
    raise RuntimeError("a process instance's handler runs in its own process")
