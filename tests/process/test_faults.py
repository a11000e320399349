"""Faults of a process instance, as Lambda reports them: a handler stuck in a loop is killed at
its timeout and its successor is a new process; an exit, a crash, an init that fails and
memory beyond the setting each end the instance with Lambda's error; and nothing (process,
port, /tmp) outlives the app, not even when the host is cancelled mid-invocation."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import anyio
import pytest

from faaslib import App
from faaslib.errors import ResourceConflict
from faaslib.testing import FakeClock
from tests.process import handlers
from tests.process.probes import is_listening, is_running, wait_gone

pytestmark = pytest.mark.anyio

TESTS = Path(__file__).resolve().parent


def tail(result: Any) -> str:
    return base64.b64decode(result.log_result).decode()


async def test_a_handler_past_its_timeout_is_killed_and_replaced_by_a_new_process() -> None:
    app = App("timeouts")
    app.function(isolation="process", timeout=0.5)(handlers.loop_forever)
    async with app:
        result = await app.invoke("loop_forever", log_type="Tail")
        assert app.instances("loop_forever").total == 0
    assert result.function_error == "Unhandled"
    assert result.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 0.50 seconds",
    }
    assert 500 <= result.duration_ms < 1500
    log = tail(result)
    assert "looping" in log
    assert f"{result.request_id} Task timed out after 0.50 seconds" in log


async def test_the_instance_after_a_timeout_is_a_different_process() -> None:
    app = App("replaced")
    app.function(isolation="process", timeout=0.5)(handlers.sleepy)
    async with app:
        first = await app.call("sleepy", {"seconds": 0.01})
        timed_out = await app.invoke("sleepy", {"seconds": 5})
        assert await wait_gone(first)
        second = await app.call("sleepy", {"seconds": 0.01})
    assert timed_out.payload["errorType"] == "Sandbox.Timedout"
    assert second != first


async def test_an_exit_during_an_invocation_is_runtime_exit_error() -> None:
    app = App("exits")
    app.function(isolation="process")(handlers.exit_3)
    async with app:
        result = await app.invoke("exit_3")
        assert app.instances("exit_3").total == 0
    assert result.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": (
            f"RequestId: {result.request_id} Error: Runtime exited with error: exit status 3"
        ),
    }


async def test_an_init_that_raises_is_the_runtimes_init_error_and_the_process_goes(
    tmp_path: Path,
) -> None:
    (tmp_path / "broken.py").write_text("def handler(event, context)\n    return 1\n")
    cases = {
        "raises": ("init_fails.handler", TESTS, "RuntimeError", "the configuration is missing"),
        "missing": ("absent_module.handler", TESTS, "Runtime.ImportModuleError", "absent_module"),
        "syntax": ("broken.handler", tmp_path, "Runtime.UserCodeSyntaxError", "broken"),
        "no_handler": ("handlers.nowhere", TESTS, "Runtime.HandlerNotFound", "nowhere"),
    }
    app = App("inits")
    in_process = App("inits-in-process")
    for name, (handler, code, _, _) in cases.items():
        app.add_function(name, handler=handler, code=code, isolation="process")
        in_process.add_function(name, handler=handler, code=code)
    async with app, in_process:
        for name, (_, _, error_type, words) in cases.items():
            result = await app.invoke(name)
            assert result.function_error == "Unhandled", name
            assert result.payload["errorType"] == error_type, name
            assert words in result.payload["errorMessage"], name
            assert result.init_duration_ms is not None
            assert app.instances(name).total == 0
            assert result.payload["requestId"] == result.request_id
            if name != "raises":  # the import errors: the same error in process and out
                expected = await in_process.invoke(name)
                assert result.payload["errorType"] == expected.payload["errorType"], name
                assert result.payload["errorMessage"] == expected.payload["errorMessage"], name
                if name != "syntax":  # awslambdaric traces the line; in process there is none
                    assert result.payload["stackTrace"] == expected.payload["stackTrace"], name


async def test_a_runtime_that_exits_before_asking_for_work_is_exit_error(tmp_path: Path) -> None:
    (tmp_path / "quits.py").write_text("import os\nos._exit(2)\n")
    app = App("quits")
    app.add_function("quits", handler="quits.handler", code=tmp_path, isolation="process")
    async with app:
        result = await app.invoke("quits")
    assert result.payload["errorType"] == "Runtime.ExitError"
    assert result.payload["errorMessage"].endswith("Runtime exited with error: exit status 2")


async def test_memory_beyond_the_setting_is_out_of_memory_and_half_of_it_is_fine() -> None:
    app = App("memory")
    app.function(isolation="process", memory=128, timeout=20)(handlers.allocate)
    async with app:
        fine = await app.invoke("allocate", {"megabytes": 48}, log_type="Tail")
        too_much = await app.invoke("allocate", {"megabytes": 256})
        assert app.instances("allocate").total == 0
    assert fine.payload == 48
    used = int(tail(fine).split("Max Memory Used: ")[1].split(" MB")[0])
    assert 48 <= used <= 128
    assert too_much.function_error == "Unhandled"
    assert too_much.payload == {
        "errorType": "Runtime.OutOfMemory",
        "errorMessage": (
            f"RequestId: {too_much.request_id} Error: Runtime exited with error: signal: killed"
        ),
    }


async def test_nothing_outlives_the_app() -> None:
    app = App("leftovers")
    app.function(isolation="process", provisioned_concurrency=1)(handlers.environment)
    app.function(isolation="process")(handlers.counter)
    names = ["AWS_LAMBDA_RUNTIME_API", "TMPDIR"]
    async with app:
        provisioned = (await app.call("environment", {"names": names}))["values"]
        pid = (await app.call("counter"))["pid"]
        assert is_listening(provisioned["AWS_LAMBDA_RUNTIME_API"])
        assert is_running(pid)
    assert not is_running(pid)
    assert not is_listening(provisioned["AWS_LAMBDA_RUNTIME_API"])
    if provisioned["TMPDIR"] != "/tmp":  # a folder: removed (a disk: see test_storage.py)
        assert not await anyio.Path(provisioned["TMPDIR"]).exists()


async def test_a_host_cancelled_mid_invocation_leaves_no_process_or_port() -> None:
    app = App("cancelled")
    app.function(isolation="process", timeout=30)(handlers.sleepy)
    app.function(isolation="process")(handlers.environment)
    seen: dict[str, Any] = {}
    with anyio.move_on_after(1) as scope:
        async with app:
            seen = (await app.call("environment", {"names": ["AWS_LAMBDA_RUNTIME_API"]}))["values"]
            seen["pid"] = await app.call("sleepy", {"seconds": 0.01})
            await app.call("sleepy", {"seconds": 20})  # cancelled here
    assert scope.cancelled_caught
    assert not is_running(seen["pid"])
    assert not is_listening(seen["AWS_LAMBDA_RUNTIME_API"])


@pytest.mark.parametrize("instances", [2, 8])
async def test_concurrent_invocations_get_their_own_processes(instances: int) -> None:
    app = App("concurrent")
    app.function(isolation="process", timeout=10)(handlers.sleepy)
    pids: list[int] = []

    async def one() -> None:
        pids.append(await app.call("sleepy", {"seconds": 0.5}))

    async with app:
        async with anyio.create_task_group() as tasks:
            for _ in range(instances):
                tasks.start_soon(one)
        assert app.instances("sleepy").total == instances
        # all in flight at once (not one after another): a count, not a timing a loaded
        # machine can stretch
        assert app.metrics("sleepy")["ConcurrentExecutions"]["max"] == instances
    assert len(set(pids)) == instances


async def test_an_instance_whose_process_dies_while_idle_is_not_reused() -> None:
    app = App("idle-death")
    app.function(isolation="process")(handlers.exit_soon_after)
    async with app:
        first = await app.call("exit_soon_after")
        assert await wait_gone(first)
        with anyio.fail_after(5):  # its end is noticed in the app's task group
            while app.instances("exit_soon_after").total:  # noqa: ASYNC110 - polled as a user would
                await anyio.sleep(0.01)
        second = await app.invoke("exit_soon_after")
    assert second.function_error is None
    assert second.init_duration_ms is not None
    assert second.payload != first


async def test_a_runtime_that_cannot_be_started_is_an_invalid_entrypoint(tmp_path: Path) -> None:
    bootstrap = tmp_path / "bootstrap"
    bootstrap.write_text("#!/nonexistent/interpreter\n")
    bootstrap.chmod(0o755)
    app = App("entrypoint")
    app.add_function("custom", handler="x.y", code=tmp_path, runtime="provided.al2023")
    async with app:
        result = await app.invoke("custom")
        assert app.instances("custom").total == 0
    assert result.payload["errorType"] == "Runtime.InvalidEntrypoint"
    assert "fork/exec" in result.payload["errorMessage"]


async def test_timeouts_are_on_the_apps_clock_even_for_a_process() -> None:
    clock = FakeClock()
    app = App("fake-time", clock=clock)
    app.function(isolation="process", timeout=3)(handlers.loop_forever)
    results: list[Any] = []

    async def invoke() -> None:
        results.append(await app.invoke("loop_forever"))

    async with app, anyio.create_task_group() as tasks:
        tasks.start_soon(invoke)
        await anyio.sleep(0.5)  # real time passes (init, the loop); the app's clock stands still
        assert not results
        with anyio.fail_after(10):
            while not results:  # time moves only when the test moves it
                await clock.advance(1)
                await anyio.sleep(0.02)
    assert results[0].payload["errorType"] == "Sandbox.Timedout"


async def test_a_process_function_is_invoked_while_its_app_runs() -> None:
    app = App("stopped")
    app.function(isolation="process")(handlers.echo)
    with pytest.raises(ResourceConflict, match="inside `async with app:`"):
        await app.invoke("echo")
    assert app.instances("echo").total == 0


async def test_an_init_past_the_init_limit_is_init_timeout(tmp_path: Path) -> None:
    (tmp_path / "slow.py").write_text(
        "import time\ntime.sleep(60)\ndef handler(event, context):\n    return 1\n"
    )
    clock = FakeClock()
    app = App("slow-init", clock=clock)
    app.add_function("slow", handler="slow.handler", code=tmp_path, isolation="process")
    results: list[Any] = []

    async def invoke() -> None:
        results.append(await app.invoke("slow"))

    async with app, anyio.create_task_group() as tasks:
        tasks.start_soon(invoke)
        await anyio.sleep(0.2)  # the process is importing; the app's clock stands still
        await clock.advance(9.9)
        await anyio.sleep(0.1)
        assert not results
        with anyio.fail_after(5):
            while not results:  # the limit falls due on the app's clock
                await clock.advance(0.1)
                await anyio.sleep(0.01)
        assert app.instances("slow").total == 0
    assert results[0].payload["errorType"] == "Runtime.InitTimeout"
    assert results[0].payload["errorMessage"].endswith("Init phase timed out after 10.00 seconds")
