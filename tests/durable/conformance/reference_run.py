"""A requirement run under AWS's own local runner (`aws_durable_execution_sdk_python_testing`'s
`DurableFunctionTestRunner`), the reference the faaslib run is read against.

Its skipping clock jumps over waits and timeouts, and it runs the handler in threads of its own;
chained-invoke targets are registered under the names the template's environment gives them.
What it cannot host (a function needing DynamoDB) fails here with the reason.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from typing import Any

from faaslib.templates.loading import load_template
from tests.durable.conformance.matching import Verdict
from tests.durable.conformance.requirements import AWS, Requirement
from tests.durable.conformance.scenario import (
    TERMINAL,
    Callbacks,
    Outcome,
    history_matches,
    judge,
    start,
)

__all__ = ["run_reference"]

_CODE = AWS / "handlers"  # lambda-build/ less the SDK, which is installed
_POLL = 0.005  # seconds of real time between two looks at the history
_NO_PROGRESS = 5.0  # real seconds with no new event after which the run is called stuck


def _handler(name: str) -> Any:
    if str(_CODE) not in sys.path:
        sys.path.insert(0, str(_CODE))
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def _environment(variables: dict[str, Any], targets: set[str]) -> dict[str, str]:
    """The function's environment, with `!Sub "${Target.Arn}:$LATEST"` as `Target:$LATEST`."""
    environment = {}
    for key, value in variables.items():
        if isinstance(value, dict) and "Fn::Sub" in value:
            text = str(value["Fn::Sub"])
            for target in list(targets):
                text = text.replace(f"${{{target}.Arn}}", target)
            environment[key] = text
        elif isinstance(value, str):
            environment[key] = value
    return environment


def run_reference(requirement: Requirement) -> Verdict:
    """Run `requirement` under AWS's local runner and judge it as AWS's suite would."""
    from aws_durable_execution_sdk_python.lambda_service import ErrorObject
    from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner

    resources = load_template(requirement.template)["Resources"]
    functions = {
        name: resource["Properties"]
        for name, resource in resources.items()
        if resource.get("Type") == "AWS::Serverless::Function"
    }
    properties = functions[str(requirement.function)]
    bindings, payload = start(requirement)
    timeout = int(properties.get("DurableConfig", {}).get("ExecutionTimeout", 300))
    variables = properties.get("Environment", {}).get("Variables", {})
    environment = _environment(variables, set(functions))
    saved = {key: os.environ.get(key) for key in environment}
    os.environ.update(environment)
    outcome = Outcome()
    try:
        runner = DurableFunctionTestRunner(
            _handler(properties["Handler"]), poll_interval=_POLL, execution_timeout=timeout
        )
        with runner:
            for name, target in functions.items():
                if name in str(environment):
                    if "DurableConfig" in target:
                        runner.register_durable_function(name, _handler(target["Handler"]))
                    else:
                        runner.register_function(name, _handler(target["Handler"]))
            arn = runner.run_async(input=json.dumps(payload), execution_timeout=timeout)
            outcome.arn = arn
            callbacks = Callbacks(requirement, bindings)
            executor = runner._executor  # GetDurableExecution's answer, as its web API gives it
            seen, progress = 0, time.monotonic()
            while True:
                time.sleep(_POLL)
                history = runner.get_execution_history(arn, include_execution_data=True)
                outcome.events = history.to_dict()["Events"]
                outcome.execution = executor.get_execution_details(arn).to_dict()
                if outcome.execution["Status"] in TERMINAL:
                    break
                if len(outcome.events) > seen:
                    seen, progress = len(outcome.events), time.monotonic()
                elif time.monotonic() - progress > _NO_PROGRESS:
                    outcome.errors.append(f"no new event for {_NO_PROGRESS} s")
                    break
                if requirement.asynchronous:
                    for send in callbacks.due(outcome.events):
                        time.sleep(send.delay)
                        if send.operation == "success":
                            runner.send_callback_success(send.callback_id, send.result_bytes())
                        elif send.operation == "failure":
                            error = send.error()
                            runner.send_callback_failure(
                                send.callback_id, ErrorObject.from_dict(error) if error else None
                            )
                        else:
                            runner.send_callback_heartbeat(send.callback_id)
                    if requirement.expected_result is None and history_matches(
                        requirement, outcome.events, bindings
                    ):
                        return judge(requirement, outcome, bindings)
            outcome.errors += callbacks.errors
        runner._scheduler._loop.close()  # stopped by close(), never closed
    except Exception as error:  # the reference's own failure is part of what it reports
        outcome.errors.append(f"the local runner failed: {type(error).__name__}: {error}")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return judge(requirement, outcome, bindings)
