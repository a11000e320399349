"""The SDK repository's examples (`src/`, `examples-catalog.json`), each run on faaslib and under
AWS's local runner (`DurableFunctionTestRunner`), reduced to what both must agree on.

The catalog names each example's handler and DurableConfig but gives no input; the inputs here
are those the examples' own tests (`test/**/test_*.py` at the same commit) pass to the runner.
Modules in `src/` that the catalog does not list run too, with the catalog's usual DurableConfig
and the input "test". Callbacks are answered the same way on both sides: success with a JSON
payload naming the callback, or what the example's test sends when it sends something else.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from faaslib.app.imports import _IMPORT_LOCK

__all__ = ["EXAMPLES", "Example", "Summary", "summary"]

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"
_DEFAULT_DURABLE = {"RetentionPeriodInDays": 7, "ExecutionTimeout": 300}
# Inputs from the examples' tests where they are not "test" (the tests' usual input).
_INPUTS: dict[str, Any] = {
    "Create Callback Concurrency": None,
    "Create Callback Heartbeat": {"shouldCatchError": False},
    "Create Callback Mixed Operations": None,
    "Create Callback Custom Serdes": None,
    "Callback Success": None,
    "Callback Success None": None,
    "Comprehensive Operations": {"message": "test"},
    "Many Operations": None,
    "Catch Typed Step Error": None,
    "Handler Error": {"test": "error-case"},
    "Logger Example": {"id": "test-123"},
    "Replay Logging": {"item": "widget"},
    "Replay Logging Concurrent": {},
    "Map Completion Config": None,
    "Map Large Scale": None,
    "No Replay Execution": None,
    "None Results": None,
    "Plugin": {},
    "Plugin Wait": None,
    "Run in Child Context Large Data": None,
    "Run In Child Context With Failing Step": None,
    "Simple Execution": {"userId": "test-user", "action": "simple-execution"},
    "Steps with Retry": {"name": "test-item"},
    "Multiple Wait": None,
    "Wait For Callback Success Anonymous": None,
    "Wait For Callback With Child Context": {"test": "child-context-callbacks"},
    "Wait For Callback Heartbeat Sends": {"input": "test_payload"},
    "Wait For Callback Mixed Ops": None,
    "Wait For Callback Multiple Invocations": {"test": "multiple-invocations"},
    "Wait For Callback Submitter Failure": {"shouldFail": True},
    "Wait For Callback Serdes": None,
    "Wait For Callback Nested": None,
}
# What an example's test answers its callbacks with, where it is not a success.
_ANSWERS: dict[str, tuple[str, Any]] = {
    "Wait for Callback Failure": ("failure", {"ErrorMessage": "my callback error"}),
    "Callback Success None": ("success", b""),
}
# Examples whose tests answer no callback (the submitter fails, or the callback times out).
_SILENT = {
    "Wait For Callback Submitter Failure",
    "Wait For Callback Failing Submitter Catchable",
    "wait_for_callback/wait_for_callback_timeout",
}
# What cannot run here at all, and why (the test says so, never silently).
_OTEL = "aws_durable_execution_sdk_python_otel"
_CANNOT_OTEL = f"imports {_OTEL} (not installed here) and needs the ADOT layer"


@dataclass(frozen=True, eq=False)  # one object per example: hashed by identity
class Example:
    """One example: its catalog name (or its module's path), handler, code folder, config."""

    name: str
    handler: str
    folder: Path
    durable: dict[str, Any]
    payload: Any
    answer: tuple[str, Any] | None
    environment: dict[str, str]
    cannot: str | None

    @property
    def function(self) -> str:
        """A Lambda function name for it (letters, digits, - and _)."""
        return re.sub(r"[^A-Za-z0-9_-]+", "-", self.name).strip("-")[:64]

    def handler_function(self) -> Any:
        """The handler itself, imported from its file (for AWS's runner, which takes it)."""
        module, _, attribute = self.handler.rpartition(".")
        path = self.folder / f"{module}.py"
        # faaslib imports functions' code under this lock (sys.path and sys.modules are the
        # process's, and other tests' functions are imported meanwhile, in threads)
        with _IMPORT_LOCK:
            if str(self.folder) not in sys.path:
                sys.path.append(str(self.folder))  # the plugin examples import `_sdk3` beside them
            return self._import(path, attribute)

    def _import(self, path: Path, attribute: str) -> Any:
        spec = importlib.util.spec_from_file_location(f"example_{self.function}", path)
        assert spec is not None
        assert spec.loader is not None
        loaded = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded)
        return getattr(loaded, attribute)


def _mount() -> str:
    """A folder standing in for the S3 Files mount the filesystem SerDes examples write to."""
    folder = Path(tempfile.gettempdir()) / "faaslib-durable-examples-mount"
    folder.mkdir(exist_ok=True)
    return str(folder)


def _examples() -> tuple[Example, ...]:
    catalog = json.loads((HERE / "examples-catalog.json").read_text(encoding="utf-8"))
    found, listed = [], set()
    for entry in catalog["examples"]:
        path = (HERE / entry["path"]).resolve()
        listed.add(path)
        found.append(_example(entry["name"], entry["handler"], path, entry["durableConfig"]))
    for path in sorted(SRC.rglob("*.py")):
        if path.name.startswith("_") or path.resolve() in listed:
            continue
        name = str(path.relative_to(SRC).with_suffix(""))
        found.append(_example(name, f"{path.stem}.handler", path.resolve(), _DEFAULT_DURABLE))
    return tuple(found)


def _example(name: str, handler: str, path: Path, durable: dict[str, Any]) -> Example:
    cannot = None
    if not path.is_file():
        cannot = f"the catalog's path {path.relative_to(HERE)} is not in the repository"
    elif _OTEL in path.read_text(encoding="utf-8"):
        cannot = _CANNOT_OTEL
    environment = {"FILESYSTEM_MOUNT_PATH": _mount()} if "filesystem_serdes" in path.parts else {}
    return Example(
        name=name,
        handler=handler,
        folder=path.parent,
        durable=dict(durable),
        payload=_INPUTS.get(name, "test"),
        answer=_ANSWERS.get(name),
        environment=environment,
        cannot=cannot,
    )


EXAMPLES = _examples()


@dataclass
class Summary:
    """What both runners must agree on: the status, the result, and each operation's name,
    type and status (with its depth in the tree), in a stable order."""

    status: str
    result: Any
    operations: list[tuple[int, str, str, str]] = field(default_factory=list)
    # How it failed, when it did (the execution's error and the history's failures): what a
    # failing comparison shows, not compared.
    failure: str = field(default="", compare=False)


def summary(execution: dict[str, Any], events: list[dict[str, Any]]) -> Summary:
    """The summary of an execution from GetDurableExecution's and GetDurableExecutionHistory's
    answers, its operations rebuilt from the events by AWS's own code (the testing package's
    `DurableFunctionTestResult.from_execution_history`), whichever runner made them."""
    from aws_durable_execution_sdk_python_testing.model import (
        GetDurableExecutionHistoryResponse,
        GetDurableExecutionResponse,
    )
    from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestResult

    result = DurableFunctionTestResult.from_execution_history(
        GetDurableExecutionResponse.from_dict(execution),
        GetDurableExecutionHistoryResponse.from_dict({"Events": events}),
    )
    operations: list[tuple[int, str, str, str]] = []
    pending = [(0, operation) for operation in result.operations]
    while pending:
        depth, operation = pending.pop()
        operations.append(
            (depth, str(operation.name), operation.operation_type.value, operation.status.value)
        )
        children = getattr(operation, "child_operations", None) or []
        pending.extend((depth + 1, child) for child in children)
    value = None
    if execution.get("Result") is not None:
        try:
            value = json.loads(execution["Result"])
        except ValueError:
            value = execution["Result"]
    callback_ids = [
        event["CallbackStartedDetails"]["CallbackId"]
        for event in events
        if event.get("EventType") == "CallbackStarted"
    ]
    failures = [
        f"{event.get('EventType')} {event.get('Name')}: {json.dumps(event, default=str)[:400]}"
        for event in events
        if "Failed" in str(event.get("EventType"))
        or "TimedOut" in str(event.get("EventType"))
        or (event.get("InvocationCompletedDetails") or {}).get("Error")
    ]
    failure = "\n".join([f"Error: {execution.get('Error')}", *failures])
    return Summary(str(execution["Status"]), _own(value, callback_ids), sorted(operations), failure)


def _own(value: Any, callback_ids: list[str]) -> Any:
    """`value` without what each runner makes its own way: the clock readings some examples
    return (`timestamp`), and callback ids (opaque tokens, each service its own form)."""
    if isinstance(value, dict):
        return {
            key: "<time>" if key == "timestamp" else _own(item, callback_ids)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_own(item, callback_ids) for item in value]
    if isinstance(value, str):
        for callback_id in callback_ids:
            value = value.replace(callback_id, "<callback id>")
    return value


def callback_answer(example: Example, name: str | None) -> tuple[str, Any] | None:
    """The answer to a callback: the example's test's (None: its test sends none), else a
    success naming the callback."""
    if example.name in _SILENT:
        return None
    if example.answer is not None:
        return example.answer
    return "success", json.dumps({"callback": name}).encode()
