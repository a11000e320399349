"""`App`: where functions are registered, invoked, and given a lifetime.

The app is the invoker of the data flow: it checks an invocation the way Lambda's Invoke API does
(the function exists, the payload is JSON and within limits, the arguments are valid) and hands it
to the executor. It also owns the background work (idle expiry) for as long as `async with app`
runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import anyio

from faaslib.app.destinations import EventDestinations
from faaslib.app.environment import Environment
from faaslib.app.invoker import SourceInvoker, read_client_context
from faaslib.app.lifecycle import Lifecycle
from faaslib.app.options import check_options
from faaslib.app.registry import Registration
from faaslib.app.tuning import Tuning
from faaslib.asyncq import EventQueue
from faaslib.asyncq.store import for_backend as events_store
from faaslib.billing import Budget, Costs, PriceCatalog
from faaslib.billing.kept import KeptTotals
from faaslib.billing.ledger import FunctionLedger
from faaslib.clock import Clock, SystemClock
from faaslib.config import AppConfig, function_arn, validate
from faaslib.durable.usage import DurableUsage
from faaslib.errors import (
    ConfigurationError,
    FunctionError,
    InvalidParameterValue,
    ResourceConflict,
    ResourceNotFound,
)
from faaslib.executor import Admission, Function, Runner
from faaslib.executor.grants import FleetGrants
from faaslib.http.decorators import HttpRoutes
from faaslib.invoke import (
    InvocationResult,
    InvocationType,
    LogType,
    encode_request,
    new_request_id,
)
from faaslib.metrics import FunctionMetrics
from faaslib.metrics.kept import KeptMetrics
from faaslib.runtime_api.functions import ProcessHost
from faaslib.sources.decorators import EventSources
from faaslib.sources.registry import Resources
from faaslib.sources.stream_decorators import StreamSources
from faaslib.stores import Backend, open_store

if TYPE_CHECKING:
    from pathlib import Path

    from faaslib.aws import AwsApp
    from faaslib.aws.route import AwsRoute
    from faaslib.console import Console
    from faaslib.durable import DurableExecutions
    from faaslib.templates import LoadedTemplate

__all__ = ["App"]


class App(
    Registration,
    Lifecycle,
    EventDestinations,
    Environment,
    EventSources,
    StreamSources,
    HttpRoutes,
    Tuning,
):
    """A set of Lambda functions running in this process, under one account's limits.

    ```pycon
    >>> app = App(name="shop")
    >>> @app.function(memory=512, timeout=10)
    ... def resize(event, context):
    ...     return {"key": event["key"]}
    >>> async with app:
    ...     result = await app.invoke("resize", {"key": "a.jpg"})
    ```

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
        route_aws_calls: bool = True,
        store: str | Backend = "memory",
        platform_logs: bool = False,
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
        check_options(
            name,
            clock,
            prices,
            wait_for_provisioned,
            on_budget_exceeded,
            throttle_over_budget,
            route_aws_calls,
            platform_logs,
        )
        self.name = name
        self.clock: Clock = clock if clock is not None else SystemClock()
        self.wait_for_provisioned = wait_for_provisioned
        # Handlers' AWS SDK calls go to app.aws while the app runs (faaslib.aws.route).
        self._aws_route: AwsRoute | None = None
        if route_aws_calls:
            from faaslib.aws.route import AwsRoute

            self._aws_route = AwsRoute(self)
        self._functions: dict[str, Function] = {}
        # The functions that starting or stopping the app has work for (provisioned, process
        # or destination functions): start and stop visit only these, not every function.
        self._start_work: dict[str, Function] = {}
        # Where process instances live while the app runs (isolation="process").
        self._process_host = ProcessHost(name, (lambda: self.aws) if route_aws_calls else None)
        # A template's logical ids, by kind ("function", "queue", ...), to the physical names.
        self._aliases: dict[tuple[str, str], str] = {}
        self.template: LoadedTemplate | None = None
        """What `App.from_template` loaded (functions by logical id, names, outputs), or None."""
        self._environment: dict[str, str | None] = {}  # None: functions differ
        self._saved_environment: dict[str, str | None] | None = None
        self._admission = Admission(concurrency)
        self._runner = Runner(self.clock, self._admission)
        self._runner.platform_logs = platform_logs
        self._task_group: anyio.abc.TaskGroup | None = None
        self._accepting_events = False
        self.store: Backend = open_store(store)
        self._store_connection: AbstractAsyncContextManager[object] | None = None
        self._kept: dict[str, KeptTotals] = {}  # the ledgers' totals in a durable store
        self._kept_metrics: dict[str, KeptMetrics] = {}  # the fleet's metrics (Redis)
        """Where the services' state lives: `App(store="memory")` (the default) or
        `App(store="sqlite:///path/to/app.db")` (see the docs' "Durable state")."""
        # On Redis the limits are the fleet's: this process admits within grants leased there.
        self._grants: FleetGrants | None = None
        if self.store.kind == "redis":
            self._grants = FleetGrants(self.store, self._admission, self._functions)
        self._events = EventQueue(
            self.clock,
            self._runner,
            self._send_to,
            concurrency,
            events_store(self.store, self.clock, self._functions.get),
        )
        self._resources = Resources(
            name, self.clock, self.config.region, self.config.account_id, self.store
        )
        self._invoker = SourceInvoker(self)
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
        self._durable_usage = DurableUsage()  # what durable executions add to the bill
        self.costs = Costs(
            lambda: [function.ledger for function in self._functions.values()],
            self.clock,
            self._prices,
            self._runner.budget,
            self._own_ledgers,
            self._durable_usage,
        )
        """What the app's functions cost on Lambda: `app.costs.report()`, `total()`, ...; with a
        shared store, every process's (`app.costs.this_process()`: this one's)."""

    @classmethod
    def from_template(
        cls,
        path: str | Path,
        *,
        parameters: Mapping[str, Any] | None = None,
        stack_name: str | None = None,
        imports: Mapping[str, str] | None = None,
        **app_options: Any,
    ) -> App:
        """An app running a SAM or CloudFormation template's functions, services and triggers
        (see `faaslib.templates.from_template`, and the docs' "Run your SAM project").

        ```pycon
        >>> app = App.from_template("template.yaml", parameters={"Stage": "dev"})
        >>> await app.invoke("HelloWorldFunction", {})      # by logical id, or physical name
        ```
        """
        from faaslib.templates import from_template

        return from_template(
            path,
            parameters=parameters,
            stack_name=stack_name,
            imports=imports,
            app=cls,
            **app_options,
        )

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
        durable_execution_name: str | None = None,
    ) -> InvocationResult:
        """Invoke function `name` with Lambda's Invoke semantics.

        `payload` is any JSON-serialisable value (bytes are taken as a JSON document; None sends
        `{}`). A handler's error does not raise: the result has `function_error="Unhandled"` and
        Lambda's error object as payload. What Lambda answers with an error status raises an
        `InvocationError`: `ResourceNotFound`, `TooManyRequests`, `RequestTooLarge`,
        `InvalidRequestContent`, `InvalidParameterValue`. A durable function's invoke starts
        an execution (named `durable_execution_name`, if given: see `app.durable`).
        """
        try:
            function = self._functions[name]
        except (KeyError, TypeError):  # not registered, or not a name at all
            function = self._function(name)
        name = function.name  # a template's logical id names it too
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
        context = None if client_context is None else read_client_context(client_context, name)
        if function.durable or durable_execution_name is not None:
            return await self.durable.invoke(
                function, request, invocation_type, durable_execution_name
            )
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
            event = self._events.put(function, request, staged=True)
            await self._events.accepted(event)
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

    @property
    def aws(self) -> AwsApp:
        """The app's AWS endpoints as an ASGI application: boto3 and every AWS SDK reach its
        functions and services through it (`faaslib serve --aws`, or
        `uvicorn.run(app.aws)`, with `endpoint_url` pointing there). Its lifespan starts and
        stops the app, as `app.asgi`'s does."""
        aws: AwsApp | None = self.__dict__.get("_aws")
        if aws is None:
            from faaslib.aws import AwsApp, services_for

            aws = self.__dict__["_aws"] = AwsApp(
                services_for(self), self.lifespan, self.config.region
            )
        return aws

    @property
    def console(self) -> Console:
        """The app's web console as an ASGI application (the same object every time): its
        functions, invocations live with their logs, metrics, services, costs and actions
        (`faaslib serve --console`, or `uvicorn.run(app.console, host="127.0.0.1")`). Its
        lifespan starts and stops the app, as `app.asgi`'s does, and the console's watching;
        without a token it answers only loopback addresses (docs: The console)."""
        console: Console | None = self.__dict__.get("_console")
        if console is None:
            from faaslib.console import Console

            console = self.__dict__["_console"] = Console(self)
        return console

    @property
    def durable(self) -> DurableExecutions:
        """The app's durable executions (Lambda's durable execution APIs, in Python)."""
        durable: DurableExecutions | None = self.__dict__.get("_durable")
        if durable is None:
            from faaslib.durable import DurableExecutions

            durable = self.__dict__["_durable"] = DurableExecutions(self)
        return durable

    def _own_ledgers(self) -> list[FunctionLedger]:
        ledgers = []
        for name, function in self._functions.items():
            kept = self._kept.get(name)
            ledger = function.ledger
            ledgers.append(kept.own() if kept is not None and kept.ledger is ledger else ledger)
        return ledgers

    def _function(self, name: str) -> Function:
        if not isinstance(name, str):
            raise InvalidParameterValue(
                f"the function name must be a string, not {type(name).__name__} ({name!r:.80})",
                function_name=None,
            )
        function = self._functions.get(name)
        if function is None and ("function", name) in self._aliases:  # a logical id
            function = self._functions.get(self._aliases["function", name])
        if function is None:
            arn = function_arn(self.config.region, self.config.account_id, name)
            known = ", ".join(sorted(self._functions)) or "none"
            raise ResourceNotFound(
                f"Function not found: {arn} (registered in App {self.name!r}: {known})",
                function_name=name,
            )
        return function

    # -- metrics ------------------------------------------------------------------------------

    def metrics(self, name: str | None = None, *, this_process: bool = False) -> dict[str, Any]:
        """CloudWatch's `AWS/Lambda` metrics as plain data: for the account, or for function
        `name`.

        Counts run from the app's creation; `Duration` and `InitDuration` (ms) give count, sum,
        p50, p90, p99 and max; concurrency metrics give `now` and `max`. On Redis the counts are
        the fleet's, every process's on the prefix since it was first used (one round trip;
        the others' part a second old at most), and the account's metrics add
        `FleetConcurrentExecutions` (see `FleetGrants.figures`); `this_process=True` gives this
        process's own. Concurrency `now`/`max` and provisioned figures are this process's.
        """
        fleet = not this_process and self.store.kind == "redis"
        if fleet:
            self._sync_metrics()
        if name is not None:
            function = self._function(name)
            return self._function_metrics(function, self._metrics_of(function, fleet))
        total = FunctionMetrics()
        for function in self._functions.values():
            total.add(self._metrics_of(function, fleet))
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
        if self._grants is not None:  # one round trip to the store
            data["FleetConcurrentExecutions"] = self._grants.figures()
        return data

    def _metrics_of(self, function: Function, fleet: bool) -> FunctionMetrics:
        if fleet:
            kept = self._kept_metrics.get(function.name)
            if kept is not None and kept.metrics is function.metrics:
                return kept.fleet_metrics()
        return function.metrics

    @staticmethod
    def _function_metrics(function: Function, metrics: FunctionMetrics) -> dict[str, Any]:
        pool = function.instances
        slots = function.slots
        data = metrics.counters()
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

    @property
    def platform_logs(self) -> bool:
        """Whether Lambda's START, END and REPORT lines (and a timeout's) go to the logger
        `faaslib.function.<name>` at INFO. Off unless asked for: three records per invocation
        through `logging` cost three times the invocation itself (docs: Logs and metrics)."""
        return self._runner.platform_logs

    @platform_logs.setter
    def platform_logs(self, value: bool) -> None:
        check_options(self.name, None, None, True, None, False, True, value)
        self._runner.platform_logs = value

    def __repr__(self) -> str:
        return f"App(name={self.name!r}, functions={list(self._functions)})"
