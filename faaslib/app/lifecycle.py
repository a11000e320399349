"""An app's lifetime: `async with app` starts its background work and stops it cleanly."""

from __future__ import annotations

import logging
import signal
import threading
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

import anyio
import anyio.abc

from faaslib.asyncq import EventQueue
from faaslib.billing import Costs
from faaslib.billing.kept import KeptTotals, forget_totals, sync_totals
from faaslib.clock import Clock, SystemClock
from faaslib.config import AppConfig, FunctionConfig, validate
from faaslib.errors import ConfigurationError
from faaslib.executor import Admission, Function, Runner
from faaslib.executor.grants import FleetGrants
from faaslib.metrics.kept import KeptMetrics, sync_metrics
from faaslib.runtime_api.functions import ProcessHost
from faaslib.sources.base import Invoker, Trigger
from faaslib.sources.registry import Resources
from faaslib.stores import Backend

if TYPE_CHECKING:
    from faaslib.aws.route import AwsRoute
    from faaslib.durable import DurableExecutions

__all__ = ["Lifecycle"]

logger = logging.getLogger("faaslib")

AppT = TypeVar("AppT", bound="Lifecycle")


class Lifecycle:
    """Starting and stopping the app, its triggers and its provisioned instances."""

    config: AppConfig
    name: str
    clock: Clock
    wait_for_provisioned: bool
    costs: Costs
    _functions: dict[str, Function]
    _start_work: dict[str, Function]  # the functions start and stop have work for
    _admission: Admission
    _grants: FleetGrants | None
    _runner: Runner
    _events: EventQueue
    _resources: Resources
    _invoker: Invoker
    _task_group: anyio.abc.TaskGroup | None
    _trigger_tasks: anyio.abc.TaskGroup | None
    _accepting_events: bool
    _aws_route: AwsRoute | None
    _process_host: ProcessHost
    store: Backend
    _store_connection: AbstractAsyncContextManager[object] | None
    _kept: dict[str, KeptTotals]
    _kept_metrics: dict[str, KeptMetrics]

    if TYPE_CHECKING:

        @property
        def durable(self) -> DurableExecutions: ...

        def _function(self, name: str) -> Function: ...

        def _check_destinations(self) -> None: ...

        def _check_unreserved_minimum(
            self, owner: str, config: FunctionConfig, replacing: str | None = None
        ) -> None: ...

        def _apply_environment(self) -> None: ...

        def _restore_environment(self) -> None: ...

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

    async def __aenter__(self: AppT) -> AppT:
        if self._task_group is not None:
            raise RuntimeError(f"App {self.name!r} is already running")
        self._check_destinations()
        await self._connect_store()
        task_group = anyio.create_task_group()
        try:
            await task_group.__aenter__()
        except BaseException:
            await self._disconnect_store()
            raise
        self._task_group = task_group
        self._process_host.task_group = task_group  # process instances end with the app
        try:
            self._apply_environment()
            self._bill_provisioned_concurrency(started=True)
            if self.wait_for_provisioned:
                await self._provision_all()
            else:
                task_group.start_soon(self._provision_all)
            task_group.start_soon(self._maintain_instances)
            if type(self.clock) is SystemClock:  # its monotonic() is time.monotonic()
                await task_group.start(self._runner.deadlines.watch)
            if self._grants is not None:  # the fleet's limits hold before any work is taken
                await task_group.start(self._grants.maintain)
            if self.store.kind != "memory":
                await task_group.start(self._keep_ledger_totals)
            await task_group.start(self._events.dispatch)
            if any(function.config.durable for function in self._functions.values()):
                await task_group.start(self.durable.run)  # and resumes executions not ended
            self._accepting_events = True
            self._trigger_tasks = await task_group.start(self._run_triggers)
            if self._aws_route is not None:
                self._aws_route.start()
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
            self._process_host.stopped()
            task_group.cancel_scope.cancel()
            try:
                # The body's own exception passes through as it is, not in an exception group.
                await task_group.__aexit__(None, None, None)
            finally:
                try:
                    self._stopped()
                finally:
                    await self._disconnect_store()
        return None

    async def _connect_store(self) -> None:
        """A Redis store's client lives while the app runs (in this task, as coredis needs)."""
        if self.store.kind == "redis":
            connection = self.store.connected()
            await connection.__aenter__()
            self._store_connection = connection

    async def _disconnect_store(self) -> None:
        connection, self._store_connection = self._store_connection, None
        if connection is not None:
            try:
                await connection.__aexit__(None, None, None)
            finally:
                # and the blocking client's thread, which would otherwise outlive the app (a
                # synchronous call after the stop, such as app.pending_events(), opens another)
                self.store.close()

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

    async def _keep_ledger_totals(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Add the functions' totals from the store to their ledgers, then write what they
        use to it once a second (real time: a kill loses at most that) and at the stop."""
        self.costs.on_reset = self._forget_ledger_totals
        self._write_ledger_totals()
        task_status.started()
        while True:
            await anyio.sleep(1)
            self._write_ledger_totals()
            if self.store.kind == "redis":
                self._sync_metrics()

    def _write_ledger_totals(self) -> None:
        kept = self._kept
        for name, function in self._functions.items():
            totals = kept.get(name)
            if totals is None or totals.ledger is not function.ledger:  # new, or registered anew
                kept[name] = KeptTotals(function.ledger)
        sync_totals(self.store.values, kept.values())

    def _sync_metrics(self) -> None:
        """Send this process's metrics to the fleet's and read the fleet's back (Redis)."""
        kept = self._kept_metrics
        for name, function in self._functions.items():
            metrics = kept.get(name)
            if metrics is None or metrics.metrics is not function.metrics:  # registered anew
                kept[name] = KeptMetrics(name, function.metrics)
        sync_metrics(self.store.values, kept.values())

    def _forget_ledger_totals(self) -> None:
        forget_totals(self.store.values, self._kept.values())

    def _stopped(self) -> None:
        if self._aws_route is not None:
            self._aws_route.stop()
        for function in self._start_work.values():
            if function.process is not None:  # its processes ended with the app's task group
                function.instances.close_idle()
        self._bill_provisioned_concurrency(started=False)
        if self.store.kind != "memory":
            self._write_ledger_totals()
        if self.store.kind == "redis":
            self._sync_metrics()
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
        for function in self._start_work.values():
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
        # A task only for a function that lacks provisioned instances: a task per function,
        # at each start and each sweep, made start/stop grow faster than the function count
        # (the tasks' objects set off full garbage collections of everything registered).
        missing = [f for f in self._start_work.values() if f.instances.provisioned_missing]
        if not missing:
            return
        async with anyio.create_task_group() as tasks:
            for function in missing:
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
        if provisioned_concurrency:  # its provisioning is billed and kept from now on
            self._start_work[function.name] = function
        self._admission.set_provisioned(function.slots, provisioned_concurrency)
        function.instances.set_provisioned_target(provisioned_concurrency)
        if self._task_group is not None:
            function.ledger.provision(provisioned_concurrency, self.clock.monotonic())
            await self._provision(function)

    async def set_reserved_concurrency(self, name: str, reserved_concurrency: int | None) -> None:
        """Change function `name`'s reserved concurrency (None removes it), running or not, as
        Lambda's PutFunctionConcurrency and DeleteFunctionConcurrency do.

        Its invocations in flight finish: lowered below them, new ones are throttled
        (`ReservedFunctionConcurrentInvocationLimitExceeded`) until it is back under the new
        value. Refused as Lambda refuses it: below the function's provisioned concurrency, or
        leaving the account's unreserved pool below its minimum. On a fleet (a Redis store)
        every process leases the reserved pools with the value its own code gives, so a
        change in one process is refused: it belongs in every process's code or template.
        """
        function = self._function(name)
        owner = f"function {name!r}"
        if reserved_concurrency == function.config.reserved_concurrency:
            return
        if self._grants is not None:
            raise ConfigurationError(
                f"{owner}: reserved_concurrency cannot change from "
                f"{function.config.reserved_concurrency} to {reserved_concurrency} in one "
                f"process of a fleet (App {self.name!r} on {self.store.kind}): each process "
                "leases the function's reserved pool with its own value, and processes "
                "disagreeing on it could together pass it; set it in every process's code or "
                "template (@app.function(reserved_concurrency=...)) and restart them"
            )
        values = function.config.model_dump()
        values["reserved_concurrency"] = reserved_concurrency
        provisioned = values.pop("provisioned_concurrency")
        alone: FunctionConfig = validate(FunctionConfig, owner, values)  # the value's own checks
        if reserved_concurrency is not None:  # in Lambda's order, with Lambda's words
            try:
                self._check_unreserved_minimum(owner, alone, replacing=name)
            except ConfigurationError as error:
                raise ConfigurationError(
                    "Specified ReservedConcurrentExecutions for function decreases account's "
                    "UnreservedConcurrentExecution below its minimum value of "
                    f"[{self.config.minimum_unreserved}]. ({error})"
                ) from None
            if reserved_concurrency < provisioned:
                raise ConfigurationError(
                    f"ReservedConcurrentExecutions {reserved_concurrency} should not be lower "
                    f"than function's total provisioned concurrency [{provisioned}]. ({owner}: "
                    f"lower its provisioned_concurrency={provisioned} first)"
                )
        values["provisioned_concurrency"] = provisioned
        function.config = validate(FunctionConfig, owner, values)
        self._admission.set_reserved(function.slots, reserved_concurrency)
