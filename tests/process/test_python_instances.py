"""A Python handler in a process instance, under AWS's own runtime client (awslambdaric):
what it returns and raises, its logs, its init, its globals and its environment are Lambda's,
and the rest of faaslib (pools, provisioned instances, sources, billing) works unchanged."""

from __future__ import annotations

import base64
import importlib
import json
import os
import re
from pathlib import Path
from typing import Any

import anyio
import pytest

from faaslib import App
from faaslib.errors import ConfigurationError
from faaslib.testing import FakeClock, TestClient
from tests.process import handlers, powertools_handlers
from tests.process.probes import is_running, wait_gone

pytestmark = pytest.mark.anyio

TASK_ROOT = str(Path(__file__).resolve().parents[2])  # the folder `tests` is imported from


def tail(result: Any) -> list[str]:
    return base64.b64decode(result.log_result).decode().splitlines()


async def test_a_result_comes_back_and_the_request_id_is_the_invocations() -> None:
    app = App("echo")
    app.function(isolation="process")(handlers.echo)
    async with app:
        result = await app.invoke("echo", {"a": [1, "é"]})
    assert result.function_error is None
    assert result.payload == {"event": {"a": [1, "é"]}, "request_id": result.request_id}


async def test_an_error_has_the_same_shape_as_in_process() -> None:
    in_process = App("in")
    in_process.function(handlers.failing)
    in_a_process = App("out")
    in_a_process.function(isolation="process")(handlers.failing)
    async with in_process, in_a_process:
        expected = await in_process.invoke("failing", {"value": 7})
        result = await in_a_process.invoke("failing", {"value": 7})
    assert result.function_error == expected.function_error == "Unhandled"
    assert result.payload["requestId"] == result.request_id
    for key in ("errorType", "errorMessage", "stackTrace"):
        assert result.payload[key] == expected.payload[key], key


async def test_tail_holds_start_the_handlers_output_end_and_report_with_init_once() -> None:
    app = App("logs")
    app.function(isolation="process")(handlers.printing)
    async with app:
        cold = await app.invoke("printing", log_type="Tail")
        warm = await app.invoke("printing", log_type="Tail")
    for result in (cold, warm):
        lines = tail(result)
        assert lines[0] == f"START RequestId: {result.request_id} Version: $LATEST"
        assert lines[1:3] == ["hello from the handler", "to stderr"]
        assert lines[3] == f"END RequestId: {result.request_id}"
        assert lines[4].startswith(f"REPORT RequestId: {result.request_id}\tDuration: ")
        assert re.search(r"Max Memory Used: [1-9]\d* MB", lines[4])
    assert cold.init_duration_ms is not None
    assert cold.init_duration_ms > 0
    assert f"Init Duration: {cold.init_duration_ms:.2f} ms" in tail(cold)[4]
    assert warm.init_duration_ms is None
    assert "Init Duration" not in tail(warm)[4]
    assert app.metrics("printing")["ColdStarts"] == 1


async def test_module_globals_belong_to_one_instance_and_instances_are_processes() -> None:
    app = App("globals")
    app.function(isolation="process")(handlers.counter)
    app.function(isolation="process")(handlers.sleepy)
    async with app:
        first = [await app.call("counter") for _ in range(3)]
        pids: list[int] = []

        async def sleep_once() -> None:
            pids.append(await app.call("sleepy", {"seconds": 0.3}))

        async with anyio.create_task_group() as tasks:
            for _ in range(2):
                tasks.start_soon(sleep_once)
        counts = app.instances("sleepy")
    assert [answer["invocations"] for answer in first] == [1, 2, 3]
    assert len({answer["pid"] for answer in first}) == 1
    assert first[0]["pid"] != os.getpid()
    assert len(set(pids)) == 2
    assert counts.total == 2


async def test_the_instance_sees_lambdas_environment_and_not_the_hosts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FAASLIB_HOST_ONLY", "secret")
    app = App("env", region="eu-west-1")
    app.function(isolation="process", memory=256, timeout=30, environment={"TABLE": "orders"})(
        handlers.environment
    )
    names = [
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "LAMBDA_TASK_ROOT",
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "TZ",
        "TABLE",
        "TMPDIR",
        "AWS_ENDPOINT_URL",
        "FAASLIB_HOST_ONLY",
    ]
    async with app:
        result = await app.invoke(
            "environment", {"names": names}, client_context={"custom": {"tenant": "t1"}}
        )
        seen = result.payload
        values = seen["values"]
        assert await anyio.Path(values["TMPDIR"]).is_dir()
    assert values["AWS_LAMBDA_FUNCTION_NAME"] == "environment"
    assert values["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert values["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert values["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/environment"
    assert values["AWS_LAMBDA_LOG_STREAM_NAME"] == seen["log_stream_name"]
    assert values["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert re.fullmatch(r"127\.0\.0\.1:\d+", values["AWS_LAMBDA_RUNTIME_API"])
    assert values["AWS_REGION"] == values["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert re.fullmatch(r"AWS_Lambda_python3\.\d+", values["AWS_EXECUTION_ENV"])
    assert values["LAMBDA_TASK_ROOT"] == TASK_ROOT
    assert values["_HANDLER"] == "tests.process.handlers.environment"
    assert values["_X_AMZN_TRACE_ID"].startswith("Root=1-")
    assert values["TZ"] == ":UTC"
    assert values["TABLE"] == "orders"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", values["AWS_ENDPOINT_URL"])
    assert values["FAASLIB_HOST_ONLY"] is None
    assert seen["tmp"] == values["TMPDIR"]
    if values["TMPDIR"] != "/tmp":  # its own disk at /tmp, else a folder removed with it
        assert not await anyio.Path(values["TMPDIR"]).exists()
    assert seen["function_name"] == "environment"
    assert seen["memory_limit_in_mb"] == "256"
    assert seen["client_context"] == {"tenant": "t1"}
    assert 25_000 < seen["remaining_ms"] <= 30_000


async def test_powertools_sees_one_cold_start_per_instance_and_its_lines_are_in_tail() -> None:
    app = App("powertools")
    app.function(isolation="process", name="orders", timeout=30)(powertools_handlers.handler)
    async with app:
        results = [await app.invoke("orders", {"order": i}, log_type="Tail") for i in range(2)]
    cold_starts = []
    cold_start_metrics = []
    for index, result in enumerate(results):
        assert result.payload == {"ok": True}
        records = [json.loads(line) for line in tail(result) if line.startswith("{")]
        log = next(record for record in records if record.get("message") == "order received")
        assert log["order"] == index
        assert log["function_request_id"] == result.request_id
        assert log["service"] == "orders"
        cold_starts.append(log["cold_start"])
        metrics = [record for record in records if "_aws" in record]
        assert [record["Orders"] for record in metrics if "Orders" in record] == [[1.0]]
        cold_start_metrics.append(sum("ColdStart" in record for record in metrics))
    assert cold_starts == [True, False]
    assert cold_start_metrics == [1, 0]


async def test_provisioned_instances_are_started_processes_ready_before_the_first_call() -> None:
    app = App("provisioned")
    app.function(isolation="process", provisioned_concurrency=1)(handlers.environment)
    async with app:
        assert app.instances("environment").total == 1
        result = await app.invoke("environment", {"names": ["AWS_LAMBDA_INITIALIZATION_TYPE"]})
    assert result.init_duration_ms is None
    assert result.payload["values"] == {"AWS_LAMBDA_INITIALIZATION_TYPE": "provisioned-concurrency"}


async def test_an_idle_instance_that_expires_takes_its_process_with_it() -> None:
    clock = FakeClock()
    app = App("expiry", clock=clock, idle_timeout=60)
    app.function(isolation="process")(handlers.counter)
    async with app:
        first = await app.call("counter")
        await clock.advance(61)
        second = await app.call("counter")
        assert await wait_gone(first["pid"])
    assert second["pid"] != first["pid"]
    assert second["invocations"] == 1


async def test_code_added_as_a_folder_runs_in_a_process(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import os\ndef lambda_handler(event, context):\n    return [os.getcwd(), event]\n"
    )
    app = App("code")
    app.add_function("code", handler="app.lambda_handler", code=tmp_path, isolation="process")
    async with app:
        assert await app.call("code", {"x": 1}) == [str(tmp_path), {"x": 1}]


async def test_sources_and_event_invocations_reach_process_instances() -> None:
    app = App("sources")
    app.queue("orders")
    app.on_queue("orders", isolation="process")(handlers.echo)
    app.function(isolation="process", name="later")(handlers.echo)
    async with app:
        await app.queue("orders").send({"id": 1})
        accepted = await app.invoke("later", {"b": 2}, invocation_type="Event")
        await app.wait_idle()
        assert accepted.status_code == 202
        assert app.queue("orders").approximate_number_of_messages == 0
        assert app.metrics("echo")["Invocations"] == 1
        assert app.metrics("later")["Invocations"] == 1
        assert app.metrics("later")["Errors"] == 0


async def test_a_handlers_boto3_reaches_the_apps_aws_endpoint_through_aws_endpoint_url() -> None:
    app = App("sdk")
    app.queue("orders")
    app.function(isolation="process", timeout=30)(handlers.send_to_queue)
    async with app:
        endpoint = await app.call("send_to_queue", {"queue": "orders", "body": "from a process"})
        messages = await app.queue("orders").receive()
    assert endpoint.startswith("http://127.0.0.1:")
    assert [message.body for message in messages] == ["from a process"]


async def test_decorated_functions_classes_and_async_handlers_run_in_their_processes() -> None:
    from tests.process import decorated

    app = importlib.reload(decorated).app  # a new app for this test's event loop
    async with app:
        plain = await app.call("plain")
        counted = [await app.call("Counter") for _ in range(2)]
        waited = await app.invoke("waits")
    assert plain["pid"] != os.getpid()
    assert plain["handler"] == "tests.process.decorated.plain"
    assert counted[0][0] == counted[1][0] != os.getpid()
    assert [count for _, count in counted] == [1, 2]  # one instance, initialized once
    assert waited.payload == f"waited for {waited.request_id}"
    assert app.function_handler("Counter") == "tests.process.decorated.Counter"


def test_a_handler_no_process_can_import_is_refused_at_registration() -> None:
    app = App("refused")

    def nested(event: Any, context: Any) -> None:
        return None

    with pytest.raises(ConfigurationError, match="module-level function or class"):
        app.function(isolation="process")(nested)
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec("def handler(event, context):\n    return 1\n", namespace)
    with pytest.raises(ConfigurationError, match="cannot be imported by name"):
        app.function(isolation="process")(namespace["handler"])


async def test_instances_past_the_idle_bound_take_their_processes_with_them() -> None:
    app = App("bounded", max_idle_instances=1)
    app.function(isolation="process")(handlers.sleepy)
    pids: list[int] = []

    async def sleep_once() -> None:
        pids.append(await app.call("sleepy", {"seconds": 0.3}))

    async with app:
        async with anyio.create_task_group() as tasks:
            for _ in range(2):
                tasks.start_soon(sleep_once)
        assert app.instances("sleepy").total == 1
        with anyio.fail_after(5):  # the one let go is reaped in the app's task group
            while all(is_running(pid) for pid in pids):  # noqa: ASYNC110 - polled from outside
                await anyio.sleep(0.01)
        assert sum(is_running(pid) for pid in pids) == 1  # the one kept still serves
    assert len(set(pids)) == 2


async def test_an_app_run_again_starts_new_processes() -> None:
    app = App("again")
    app.function(isolation="process", provisioned_concurrency=1)(handlers.counter)
    async with app:
        first = await app.call("counter")
    assert app.instances("counter").total == 0  # they ended with the app
    async with app:
        second = await app.call("counter")
    assert second["pid"] != first["pid"]
    assert second["invocations"] == 1


def test_the_test_client_runs_process_instances() -> None:
    app = App("client")
    app.function(isolation="process")(handlers.counter)
    with TestClient(app) as client:
        answers = [client.invoke("counter").payload for _ in range(2)]
    assert [answer["invocations"] for answer in answers] == [1, 2]


async def test_an_app_that_does_not_route_aws_calls_gives_no_endpoint_and_real_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAHOSTKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "host-secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    names = ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]
    routed = App("routed")
    unrouted = App("unrouted", route_aws_calls=False)
    for app in (routed, unrouted):
        app.function(isolation="process")(handlers.environment)
    async with routed, unrouted:
        inside = (await routed.call("environment", {"names": names}))["values"]
        outside = (await unrouted.call("environment", {"names": names}))["values"]
    assert inside["AWS_ENDPOINT_URL"] is not None
    assert inside["AWS_ACCESS_KEY_ID"] != "AKIAHOSTKEY"  # stand-ins: the calls stay in the app
    assert inside["AWS_SESSION_TOKEN"] is not None
    assert outside == {  # the calls go to AWS, with the host's own keys
        "AWS_ENDPOINT_URL": None,
        "AWS_ACCESS_KEY_ID": "AKIAHOSTKEY",
        "AWS_SECRET_ACCESS_KEY": "host-secret",
        "AWS_SESSION_TOKEN": None,
    }
