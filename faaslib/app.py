"""`App`: where functions are registered, invoked, and given a lifetime.

The app is the invoker of the data flow: it checks an invocation the way Lambda's Invoke API does
(the function exists, the payload is JSON and within limits, the arguments are valid) and hands it
to the executor. It also owns the background work (idle expiry) for as long as `async with app`
runs.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar, overload

import anyio
import msgspec

from faaslib.asyncq import EventQueue, PendingEvent, UndeliveredRecord
from faaslib.billing import Budget, Costs, FunctionLedger, PriceCatalog
from faaslib.clock import Clock, SystemClock
from faaslib.config import AppConfig, FunctionConfig, function_arn, validate
from faaslib.context import ClientContext
from faaslib.errors import (
    ConfigurationError,
    FunctionError,
    InvalidParameterValue,
    InvalidRequestContent,
    ResourceConflict,
    ResourceNotFound,
)
from faaslib.executor import Admission, Function, Runner, resolve_handler
from faaslib.http.decorators import HttpRoutes
from faaslib.invoke import (
    MAX_CLIENT_CONTEXT_BYTES,
    InvocationResult,
    InvocationType,
    LogType,
    encode_request,
    new_request_id,
    within_sync_limit,
)
from faaslib.metrics import FunctionMetrics
from faaslib.payloads import decode_json, encode_json
from faaslib.sources.base import Trigger
from faaslib.sources.bus import EventBus
from faaslib.sources.decorators import EventSources
from faaslib.sources.queue import Queue
from faaslib.sources.registry import Resources
from faaslib.sources.stream_decorators import StreamSources
from faaslib.sources.topic import Topic

logger = logging.getLogger("faaslib")

__all__ = ["App", "InstanceCounts"]

HandlerT = TypeVar("HandlerT", bound=Callable[..., Any])


class InstanceCounts(msgspec.Struct, frozen=True):
    """How many instances (execution environments) a function has, and what they are doing."""

    total: int
    idle: int
    busy: int


class App(EventSources, StreamSources, HttpRoutes):
    """A set of Lambda functions running in this process, under one account's limits.

    >>> app = App(name="shop")
    >>> @app.function(memory=512, timeout=10)
    ... def resize(event, context):
    ...     return {"key": event["key"]}
    >>> async with app:
    ...     result = await app.invoke("resize", {"key": "a.jpg"})

    `concurrency` is the account's concurrent-execution limit (Lambda's default, 1,000);
    `idle_timeout` is how long an idle instance stays warm before it is reclaimed. Lambda does
    not publish its figure; instances are commonly observed to live 5 to 15 minutes, so the
    default is 10 minutes. `clock` is where all time comes from (`faaslib.testing.FakeClock`
    in tests).
    """

    def __init__(
        self,
        name: str = "app",
        *,
        concurrency: int = 1000,
        architecture: str = "x86_64",
        region: str = "us-east-1",
        account_id: str = "123456789012",
        clock: Clock | None = None,
        idle_timeout: float = 600,
        unreserved_minimum: int | None = None,
        max_idle_instances: int = 1000,
        scaling_rate: int = 1000,
        scaling_period: float = 10,
        wait_for_provisioned: bool = True,
        prices: PriceCatalog | None = None,
        ledger_rows: int = 0,
        budget: Decimal | int | str | float | None = None,
        on_budget_exceeded: Callable[[Decimal, Decimal], object] | None = None,
        throttle_over_budget: bool = False,
        shutdown_timeout: float = 30,
    ) -> None:
        self.config: AppConfig = validate(
            AppConfig,
            f"App {name!r}",
            {
                "name": name,
                "concurrency": concurrency,
                "architecture": architecture,
                "region": region,
                "account_id": account_id,
                "idle_timeout": idle_timeout,
                "unreserved_minimum": unreserved_minimum,
                "max_idle_instances": max_idle_instances,
                "scaling_rate": scaling_rate,
                "scaling_period": scaling_period,
                "ledger_rows": ledger_rows,
                "budget": budget,
                "shutdown_timeout": shutdown_timeout,
            },
        )
        self.name = name
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.wait_for_provisioned = wait_for_provisioned
        self._functions: dict[str, Function] = {}
        self._environment: dict[str, tuple[str, str]] = {}  # key -> (value, function)
        self._saved_environment: dict[str, str | None] | None = None
        self._admission = Admission(concurrency)
        self._runner = Runner(self.clock, self._admission)
        self._task_group: anyio.abc.TaskGroup | None = None
        self._accepting_events = False
        self._events = EventQueue(self.clock, self._runner, self._send_to, concurrency)
        self._resources = Resources(name, self.clock, self.config.region, self.config.account_id)
        self._invoker = _SourceInvoker(self)
        self._trigger_tasks: anyio.abc.TaskGroup | None = None
        self._prices = prices if prices is not None else PriceCatalog()
        if self.config.budget is not None:
            self._runner.budget = Budget(
                self.config.budget, on_budget_exceeded, throttle_over_budget
            )
        elif on_budget_exceeded is not None or throttle_over_budget:
            raise ConfigurationError(
                f"App {name!r}: on_budget_exceeded and throttle_over_budget need a budget "
                "(App(budget=...), in dollars)"
            )
        self.costs = Costs(
            lambda: [function.ledger for function in self._functions.values()],
            self.clock,
            self._prices,
            self._runner.budget,
        )
        """What the app's functions cost on Lambda: `app.costs.report()`, `total()`, ..."""

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
        at most 4 KB), `architecture` (default: the app's), `description`. The handler is
        returned unchanged, so it can still be called directly.
        """

        def register(target: HandlerT) -> HandlerT:
            self._register(target, options)
            return target

        return register if handler is None else register(handler)

    def _register(
        self,
        target: Any,
        options: Mapping[str, Any],
        check: Callable[[FunctionConfig], None] | None = None,
    ) -> Function:
        """Register `target`; `check` (a trigger's own rules) may refuse the configuration
        before anything is registered."""
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
        for key, value in config.environment.items():
            held = self._environment.get(key)
            if held is not None and held[0] != value:
                raise ConfigurationError(
                    f"{owner}: environment variable {key}={value!r} conflicts with "
                    f"{key}={held[0]!r} of function {held[1]!r}; all functions share this "
                    "process's os.environ"
                )
        self._check_unreserved_minimum(owner, config)
        handler = resolve_handler(target, name)
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
            ),
        )
        self._functions[name] = function
        self._admission.add(function.slots)
        for key, value in config.environment.items():
            self._environment.setdefault(key, (value, name))
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
        others = Admission.carve_out(
            f.slots for name, f in self._functions.items() if name != replacing
        )
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

    def instances(self, name: str) -> InstanceCounts:
        """How many instances of function `name` exist now, idle and busy."""
        pool = self._function(name).instances
        idle = pool.idle_count
        return InstanceCounts(total=pool.count, idle=idle, busy=pool.count - idle)

    @property
    def abandoned_threads(self) -> int:
        """Sync handlers that timed out but whose threads are still running (see the README)."""
        return self._runner.abandoned_threads

    # -- invocation ---------------------------------------------------------------------------

    async def invoke(
        self,
        name: str,
        payload: Any = None,
        *,
        invocation_type: InvocationType = "RequestResponse",
        qualifier: str | None = None,
        client_context: Mapping[str, Any] | str | None = None,
        log_type: LogType = "None",
    ) -> InvocationResult:
        """Invoke function `name` with Lambda's Invoke semantics.

        `payload` is any JSON-serialisable value (bytes are taken as a JSON document; None sends
        `{}`). A handler's error does not raise: the result has `function_error="Unhandled"` and
        Lambda's error object as payload. What Lambda answers with an error status raises an
        `InvocationError`: `ResourceNotFound`, `TooManyRequests`, `RequestTooLarge`,
        `InvalidRequestContent`, `InvalidParameterValue`.
        """
        function = self._functions.get(name) or self._function(name)
        if qualifier is None:
            invoked_arn = function.arn
        elif qualifier == "$LATEST":
            invoked_arn = f"{function.arn}:$LATEST"
        else:
            raise ResourceNotFound(
                f"Function not found: {function.arn}:{qualifier} (faaslib functions have only "
                "the $LATEST version)",
                function_name=name,
            )
        if log_type != "None" and log_type != "Tail":
            raise InvalidParameterValue(
                f"function {name!r}: log_type={log_type!r} is not valid; use 'None' or 'Tail'",
                function_name=name,
            )
        request = encode_request(payload, name)
        context = None if client_context is None else _client_context(client_context, name)
        if invocation_type == "RequestResponse":
            return await self._runner.run(
                function, request, invoked_arn, context, log_type == "Tail"
            )
        if invocation_type == "Event":
            if not self._accepting_events:
                raise ResourceConflict(
                    f"function {name!r}: App {self.name!r} is not running, so nothing would run "
                    "an Event invocation; invoke inside `async with app:`",
                    function_name=name,
                )
            event = self._events.put(function, request)
            await anyio.lowlevel.checkpoint()
            return InvocationResult(
                name, 202, event.request_number, None, None, None, memory_size_mb=function.memory
            )
        if invocation_type == "DryRun":
            await anyio.lowlevel.checkpoint()
            return InvocationResult(
                function_name=name,
                status_code=204,
                request_id=new_request_id(),
                memory_size_mb=function.memory,
            )
        raise InvalidParameterValue(
            f"function {name!r}: invocation_type={invocation_type!r} is not valid; use "
            "'RequestResponse', 'Event' or 'DryRun'",
            function_name=name,
        )

    async def call(self, name: str, payload: Any = None, **options: Any) -> Any:
        """Invoke `name` and return its response payload, or raise `FunctionError`.

        Takes the same options as `invoke`.
        """
        result = await self.invoke(name, payload, **options)
        if result.function_error is None:
            return result.payload
        error = result.payload if isinstance(result.payload, dict) else {}
        raise FunctionError(
            name,
            str(error.get("errorType", result.function_error)),
            str(error.get("errorMessage", "")),
            list(error.get("stackTrace", [])),
            result,
        )

    def _function(self, name: str) -> Function:
        function = self._functions.get(name)
        if function is None:
            arn = function_arn(self.config.region, self.config.account_id, name)
            known = ", ".join(sorted(self._functions)) or "none"
            raise ResourceNotFound(
                f"Function not found: {arn} (registered in App {self.name!r}: {known})",
                function_name=name,
            )
        return function

    # -- lifecycle ----------------------------------------------------------------------------

    def run(self, *, backend: str = "asyncio") -> None:
        """Run the app in the foreground until Ctrl-C or SIGTERM: its sources deliver, its
        schedules fire and its Event invocations run, as in `async with app`.

        For a script whose app is the whole program (a worker draining queues, a scheduler);
        to serve HTTP routes too, use `faaslib serve MODULE:APP`. The signal stops the app as
        leaving `async with app` does, letting work in hand finish within `shutdown_timeout`.
        Signals are caught only in the main thread; elsewhere it runs until the process ends.
        """

        async def main() -> None:
            if threading.current_thread() is not threading.main_thread():
                async with self:
                    await anyio.sleep_forever()
            # Caught from before the app starts, so that a signal never finds it half-started.
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                async with self:
                    async for _ in signals:
                        logger.info("App %r: stopping (signal received)", self.name)
                        return

        anyio.run(main, backend=backend)

    async def __aenter__(self) -> App:
        if self._task_group is not None:
            raise RuntimeError(f"App {self.name!r} is already running")
        self._check_destinations()
        task_group = anyio.create_task_group()
        await task_group.__aenter__()
        self._task_group = task_group
        self._apply_environment()
        self._bill_provisioned_concurrency(started=True)
        try:
            if self.wait_for_provisioned:
                await self._provision_all()
            else:
                task_group.start_soon(self._provision_all)
            task_group.start_soon(self._maintain_instances)
            if type(self.clock) is SystemClock:  # its monotonic() is time.monotonic()
                await task_group.start(self._runner.deadlines.watch)
            await task_group.start(self._events.dispatch)
            self._accepting_events = True
            self._trigger_tasks = await task_group.start(self._run_triggers)
        except BaseException as error:
            await self.__aexit__(type(error), error, error.__traceback__)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        task_group = self._task_group
        assert task_group is not None
        try:
            if self._accepting_events:  # stop intake, then let what can run now finish
                self._accepting_events = False
                if exc_type is None:
                    with self.clock.timeout_scope(self.config.shutdown_timeout):
                        for trigger in self._resources.triggers:
                            await trigger.stop()
                        await self._events.wait_settled()
        finally:  # even if the wait is cancelled, the app's tasks end here
            self._task_group = None
            self._trigger_tasks = None
            task_group.cancel_scope.cancel()
            try:
                # The body's own exception passes through as it is, not in an exception group.
                await task_group.__aexit__(None, None, None)
            finally:
                self._stopped()
        return None

    async def _run_triggers(
        self, *, task_status: anyio.abc.TaskStatus[anyio.abc.TaskGroup] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        async with anyio.create_task_group() as tasks:
            for trigger in self._resources.triggers:
                await tasks.start(trigger.run, self._invoker)
            task_status.started(tasks)
            await anyio.sleep_forever()

    def _add_trigger(self, trigger: Trigger) -> None:
        self._resources.triggers.append(trigger)
        if self._trigger_tasks is not None:  # registered while running: it starts now
            self._trigger_tasks.start_soon(trigger.run, self._invoker)

    def _stopped(self) -> None:
        self._bill_provisioned_concurrency(started=False)
        self._restore_environment()
        if len(self._events):
            logger.warning(
                "App %r stopped with %d Event invocations still queued; "
                "app.pending_events() lists them, and they run when the app runs again",
                self.name,
                len(self._events),
            )

    def _bill_provisioned_concurrency(self, started: bool) -> None:
        """Provisioned concurrency is configured (and billed) while the app runs."""
        now = self.clock.monotonic()
        for function in self._functions.values():
            target = function.instances.provisioned_target if started else 0
            if target or function.ledger.provisioned_concurrency:
                function.ledger.provision(target, now)

    async def _maintain_instances(self) -> None:
        # Expiry is also checked whenever an instance is reused; this sweep lets an app that
        # goes quiet scale to zero (within a tenth of idle_timeout), and replaces provisioned
        # instances that were lost (a timeout, an exit) or failed to initialize.
        interval = self.config.idle_timeout / 10
        while True:
            await self.clock.sleep(interval)
            now = self.clock.monotonic()
            for function in self._functions.values():
                function.instances.expire(now)
            budget = self._runner.budget
            if budget is not None:  # provisioned concurrency costs money while idle, too
                budget.accrue_provisioned(self.costs.provisioned_concurrency_cost())
            await self._provision_all()

    async def _provision_all(self) -> None:
        async with anyio.create_task_group() as tasks:
            for function in self._functions.values():
                tasks.start_soon(self._provision, function)

    async def _provision(self, function: Function) -> None:
        """Initialize the provisioned instances `function` is missing, all at once."""
        missing = function.instances.provisioned_missing
        if missing:
            async with anyio.create_task_group() as tasks:
                for _ in range(missing):
                    tasks.start_soon(self._runner.provision, function)

    async def set_provisioned_concurrency(self, name: str, provisioned_concurrency: int) -> None:
        """Change function `name`'s provisioned concurrency while the app runs.

        Raising it initializes the new instances before returning (when the app is running);
        lowering it retires idle provisioned instances at once and busy ones when they finish.
        """
        function = self._function(name)
        owner = f"function {name!r}"
        values = function.config.model_dump()
        values["provisioned_concurrency"] = provisioned_concurrency
        config: FunctionConfig = validate(FunctionConfig, owner, values)
        self._check_unreserved_minimum(owner, config, replacing=name)
        function.config = config
        self._admission.set_provisioned(function.slots, provisioned_concurrency)
        function.instances.set_provisioned_target(provisioned_concurrency)
        if self._task_group is not None:
            function.ledger.provision(provisioned_concurrency, self.clock.monotonic())
            await self._provision(function)

    # -- Event invocations ----------------------------------------------------------------

    def _check_destinations(self) -> None:
        resources = self._resources
        for function in self._functions.values():
            for field in ("on_success", "on_failure", "dead_letter"):
                target = getattr(function.config, field)
                if not isinstance(target, str):
                    continue
                destination = self._destination(target)
                if destination is None:
                    known = ", ".join(sorted(self._functions))
                    queues = ", ".join(sorted(resources.queues)) or "none"
                    topics = ", ".join(sorted(resources.topics)) or "none"
                    buses = ", ".join(sorted(resources.buses)) or "none"
                    raise ConfigurationError(
                        f"function {function.name!r}: {field}={target!r} names no function, "
                        f"queue, topic or event bus of App {self.name!r} (its functions: "
                        f"{known}; queues: {queues}; topics: {topics}; event buses: {buses})"
                    )
                if field == "dead_letter" and not isinstance(destination, Queue | Topic):
                    raise ConfigurationError(
                        f"function {function.name!r}: dead_letter={target!r} is not a queue or "
                        "topic; Lambda's dead-letter queue is an SQS queue or an SNS topic"
                    )

    def _destination(self, target: str) -> Function | Queue | Topic | EventBus | None:
        """What a destination string names: a function (by name or ARN), a queue, a topic or
        an event bus."""
        if not target.startswith("arn:"):
            return self._functions.get(target)
        prefix = function_arn(self.config.region, self.config.account_id, "")
        if target.startswith(prefix):
            return self._functions.get(target.removeprefix(prefix).removesuffix(":$LATEST"))
        return self._resources.by_arn(target)

    async def _send_to(
        self, target: str, message: Any, attributes: dict[str, str | int] | None
    ) -> None:
        """Deliver an invocation record (or, for a dead-letter target, the event with Lambda's
        attributes) to a function, queue, topic or event bus; raises if it is refused."""
        destination = self._destination(target)
        if destination is None:
            raise LookupError(f"{target!r} names no function, queue, topic or event bus of the app")
        if isinstance(destination, Function):
            self._events.put(destination, encode_json(message))
        elif isinstance(destination, Queue):
            await destination.send(message, attributes=attributes)
        elif isinstance(destination, Topic):
            await destination.publish(message, attributes=attributes)
        else:
            await _put_invocation_record(destination, message)

    def pending_events(self) -> list[PendingEvent]:
        """The Event invocations not yet ended: running, queued or waiting to retry."""
        return self._events.pending()

    def undelivered(self) -> list[UndeliveredRecord]:
        """Records a destination or dead-letter target failed to take, kept so none is lost."""
        return list(self._events.undelivered)

    async def wait_idle(self) -> None:
        """Wait until nothing is left to run: no Event invocation queued, waiting or running,
        and no trigger with work in hand or messages left in its queue.

        Under a fake clock, what waits for time (a retry, a visibility timeout) needs the clock
        advanced.
        """
        while True:
            await self._events.wait_idle()
            busy = next((t for t in self._resources.triggers if not t.idle()), None)
            if busy is None:
                if not len(self._events):
                    return
                continue
            await busy.wait_changed()

    async def drain(self, seconds: float | None = None) -> int:
        """Wait, up to `seconds` of the app's clock (for ever if None), for the app to be idle
        (see `wait_idle`); return how many Event invocations are still pending."""
        if seconds is None:
            await self.wait_idle()
        else:
            with self.clock.timeout_scope(seconds):
                await self.wait_idle()
        return len(self._events)

    # -- metrics ------------------------------------------------------------------------------

    def metrics(self, name: str | None = None) -> dict[str, Any]:
        """CloudWatch's `AWS/Lambda` metrics as plain data: for the account, or for function
        `name`.

        Counts run from the app's creation; `Duration` and `InitDuration` (ms) give count, sum,
        p50, p90, p99 and max; concurrency metrics give `now` and `max`.
        """
        if name is not None:
            return self._function_metrics(self._function(name))
        total = FunctionMetrics()
        for function in self._functions.values():
            total.add(function.metrics)
        admission = self._admission
        data = total.counters()
        data["ConcurrentExecutions"] = {"now": admission.in_use, "max": admission.most_in_use}
        data["UnreservedConcurrentExecutions"] = {
            "now": admission.unreserved_in_use,
            "max": admission.most_unreserved_in_use,
        }
        data["ProvisionedConcurrentExecutions"] = {
            "now": sum(f.instances.provisioned_busy for f in self._functions.values())
        }
        return data

    @staticmethod
    def _function_metrics(function: Function) -> dict[str, Any]:
        pool = function.instances
        slots = function.slots
        data = function.metrics.counters()
        data["ConcurrentExecutions"] = {"now": slots.in_use, "max": slots.most_in_use}
        data["ProvisionedConcurrentExecutions"] = {
            "now": pool.provisioned_busy,
            "max": pool.most_provisioned_busy,
        }
        target = pool.provisioned_target
        data["ProvisionedConcurrencyUtilization"] = {
            "now": pool.provisioned_busy / target if target else 0.0,
            "max": pool.most_provisioned_busy / target if target else 0.0,
        }
        return data

    def _apply_environment(self) -> None:
        saved = self._saved_environment if self._saved_environment is not None else {}
        for key, (value, _) in self._environment.items():
            if key not in saved:
                saved[key] = os.environ.get(key)
            os.environ[key] = value
        self._saved_environment = saved

    def _restore_environment(self) -> None:
        for key, value in (self._saved_environment or {}).items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved_environment = None

    def __repr__(self) -> str:
        return f"App(name={self.name!r}, functions={list(self._functions)})"


class _SourceInvoker:
    """The invoker as sources see it: a source's event goes through the same limits and queue
    as any caller's, without the Invoke API's options."""

    __slots__ = ("_app",)

    def __init__(self, app: App) -> None:
        self._app = app

    async def invoke(self, function: str, event: Any) -> InvocationResult:
        target = self._app._function(function)
        if isinstance(event, bytes):  # encoded by the source itself: no need to parse it again
            request = within_sync_limit(event, function)
        else:
            request = encode_request(event, function)
        return await self._app._runner.run(target, request, target.arn, None, False)

    def invoke_event(self, function: str, event: Any) -> None:
        self._app._events.put(self._app._function(function), encode_request(event, function))


async def _put_invocation_record(bus: EventBus, record: Any) -> None:
    """An invocation record as Lambda puts it on an event bus destination: source `lambda`, the
    record as `detail`, the function's ARN as the resource."""
    context = record.get("requestContext", {}) if isinstance(record, dict) else {}
    outcome = "Success" if context.get("condition") == "Success" else "Failure"
    function_arn = context.get("functionArn")
    result = bus._put_now(
        [
            {
                "Source": "lambda",
                "DetailType": f"Lambda Function Invocation Result - {outcome}",
                "Detail": record,
                "Resources": [function_arn] if isinstance(function_arn, str) else [],
            }
        ]
    )
    if result.failed_entry_count:
        entry = result.entries[0]
        raise ValueError(f"event bus {bus.name!r} refused the record: {entry.error_message}")
    await anyio.lowlevel.checkpoint()


def _client_context(value: Mapping[str, Any] | str, function_name: str) -> ClientContext:
    """The client context as Lambda takes it: a JSON object, at most 3,583 bytes in base64."""
    if isinstance(value, str):
        encoded = value
        try:
            data = decode_json(base64.b64decode(value, validate=True))
        except (binascii.Error, msgspec.DecodeError):
            raise InvalidRequestContent(
                f"function {function_name!r}: client_context is not base64-encoded JSON",
                function_name=function_name,
            ) from None
    else:
        data = value
        try:
            encoded = base64.b64encode(encode_json(value)).decode("ascii")
        except (TypeError, msgspec.EncodeError) as error:
            raise InvalidRequestContent(
                f"function {function_name!r}: client_context cannot be encoded as JSON: {error}",
                function_name=function_name,
            ) from None
    if not isinstance(data, Mapping):
        raise InvalidRequestContent(
            f"function {function_name!r}: client_context must be a JSON object",
            function_name=function_name,
        )
    if len(encoded) > MAX_CLIENT_CONTEXT_BYTES:
        raise InvalidParameterValue(
            f"function {function_name!r}: client_context is {len(encoded):,} bytes in base64, "
            f"over the limit of {MAX_CLIENT_CONTEXT_BYTES:,}",
            function_name=function_name,
        )
    return ClientContext(data)
