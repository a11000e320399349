"""START/END/REPORT lines in Lambda's format, and per-invocation log capture for Tail."""

from __future__ import annotations

import logging
import re
import sys
import threading
from typing import Any

import anyio
import pytest

from faaslib import App, ConfigurationError, Context
from faaslib.logs import report_line
from faaslib.testing import FakeClock
from tests.background import Invocations

pytestmark = pytest.mark.anyio

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def test_report_line_matches_cloudwatch() -> None:
    line = report_line("8f507cfc-xmpl-4697-b07a-ac58fc914c95", 15.736, 16, 128, 56, 130.49)
    assert line == (
        "REPORT RequestId: 8f507cfc-xmpl-4697-b07a-ac58fc914c95\tDuration: 15.74 ms\t"
        "Billed Duration: 16 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\t"
        "Init Duration: 130.49 ms\t"
    )
    warm = report_line("id", 3071.27, 3072, 128, 21, None)
    assert warm == (
        "REPORT RequestId: id\tDuration: 3071.27 ms\tBilled Duration: 3072 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 21 MB\t"
    )


async def test_every_invocation_logs_start_end_and_report(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.platform_logs = True

    @app.function(memory=256)
    def hello(event: Any, context: Context) -> None: ...

    with caplog.at_level(logging.INFO, logger="faaslib.function.hello"):
        cold = await app.invoke("hello")
        warm = await app.invoke("hello")
    lines = [r.getMessage() for r in caplog.records if r.name == "faaslib.function.hello"]
    assert len(lines) == 6
    assert lines[0] == f"START RequestId: {cold.request_id} Version: $LATEST"
    assert lines[1] == f"END RequestId: {cold.request_id}"
    assert re.fullmatch(
        rf"REPORT RequestId: {cold.request_id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t",
        lines[2],
    )
    assert lines[3] == f"START RequestId: {warm.request_id} Version: $LATEST"
    assert "Init Duration" not in lines[5]


async def test_no_platform_lines_are_formatted_when_the_logger_is_off(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    app.platform_logs = True

    @app.function
    def quiet(event: Any, context: Context) -> None: ...

    with caplog.at_level(logging.WARNING):
        await app.invoke("quiet")
    assert [r for r in caplog.records if r.name.startswith("faaslib.")] == []


async def test_platform_lines_are_off_unless_asked_for(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    app = App(clock=clock)
    assert app.platform_logs is False

    @app.function(timeout=1)
    async def slow(event: Any, context: Context) -> None:
        if event.get("fail"):
            raise ValueError("card declined")
        await clock.sleep(10)

    with caplog.at_level(logging.INFO):
        async with anyio.create_task_group() as tasks:
            running = Invocations(app, tasks)
            running.start("slow")
            await clock.advance(1)
        failed = await app.invoke("slow", {"fail": True}, log_type="Tail")
    platform = [r.getMessage() for r in caplog.records if r.name == "faaslib.function.slow"]
    # no START, END, REPORT or timeout line; the handler's unhandled exception still
    assert len(platform) == 1
    assert platform[0].startswith("[ERROR] ValueError: card declined")
    assert running.results[0].payload["errorType"] == "Sandbox.Timedout"
    # the Tail holds them all the same
    assert failed.log_tail is not None
    assert failed.log_tail.startswith(f"START RequestId: {failed.request_id}")
    assert f"REPORT RequestId: {failed.request_id}" in failed.log_tail


async def test_platform_logs_must_be_a_bool() -> None:
    with pytest.raises(ConfigurationError, match="platform_logs='yes' must be True or False"):
        App(platform_logs="yes")  # type: ignore[arg-type]
    app = App()
    with pytest.raises(ConfigurationError, match="platform_logs=1 must be True or False"):
        app.platform_logs = 1  # type: ignore[assignment]
    assert app.platform_logs is False


async def test_a_timeout_is_logged_after_the_report(app: App, clock: FakeClock) -> None:
    @app.function(timeout=1)
    async def hang(event: Any, context: Context) -> None:
        await clock.sleep(10)

    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        running.start("hang", log_type="Tail")
        await clock.advance(1)
    results = running.results
    lines = results[0].log_tail.splitlines()
    assert lines[-2].startswith("REPORT RequestId:")
    assert lines[-1] == (
        f"2026-01-01T00:00:01.000Z {results[0].request_id} Task timed out after 1.00 seconds"
    )


async def test_tail_holds_the_invocations_own_prints_and_logs(app: App) -> None:
    logger = logging.getLogger("tests.handler")
    logger.setLevel(logging.INFO)

    @app.function
    def talk(event: Any, context: Context) -> None:
        print("printed", event)
        print("to stderr", file=sys.stderr)
        logger.info("logged %s", event)

    result = await app.invoke("talk", 7, log_type="Tail")
    assert result.log_result is not None
    lines = result.log_tail.splitlines()
    request_id = result.request_id
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert lines[1:4] == [
        "printed 7",
        "to stderr",
        f"[INFO]\t2026-01-01T00:00:00.000Z\t{request_id}\tlogged 7",
    ]
    assert lines[4] == f"END RequestId: {request_id}"
    assert lines[5].startswith(f"REPORT RequestId: {request_id}\t")
    assert (await app.invoke("talk", 8)).log_result is None


async def test_concurrent_captures_see_only_their_own_lines(app: App, clock: FakeClock) -> None:
    gate = threading.Barrier(4, timeout=10)

    @app.function
    def sync_talk(event: Any, context: Context) -> None:
        print(f"sync {event} before")
        gate.wait()
        print(f"sync {event} after")

    @app.function
    async def async_talk(event: Any, context: Context) -> None:
        print(f"async {event} before")
        await clock.sleep(1)
        print(f"async {event} after")

    async with anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)
        for number in range(4):
            running.start("sync_talk", number, log_type="Tail")
            running.start("async_talk", number, log_type="Tail")
        await anyio.wait_all_tasks_blocked()
        await clock.advance(1)
    seen = set()
    for result in running.results:
        body = result.log_tail.splitlines()[1:-2]  # between START and END/REPORT
        first = body[0].removesuffix(" before")
        assert body == [f"{first} before", f"{first} after"]
        assert first.startswith(result.function_name.removesuffix("_talk") + " ")
        seen.add(first)
    assert seen == {f"{kind} {number}" for kind in ("sync", "async") for number in range(4)}


async def test_tail_is_the_last_4_kb(app: App) -> None:
    @app.function
    def chatty(event: Any, context: Context) -> None:
        for number in range(2000):
            print(f"line {number:05d}")

    result = await app.invoke("chatty", log_type="Tail")
    import base64

    assert len(base64.b64decode(result.log_result or "")) == 4096
    assert result.log_tail.rstrip("\n").splitlines()[-1].startswith("REPORT RequestId:")
    assert "line 01999" in result.log_tail


async def test_capture_leaves_stdout_as_it_found_it(app: App) -> None:
    before = sys.stdout

    @app.function
    def talk(event: Any, context: Context) -> None:
        print("x")

    await app.invoke("talk", log_type="Tail")
    assert sys.stdout is before
    assert logging.getLogger().handlers == logging.getLogger().handlers  # unchanged object
    assert not any(type(h).__name__ == "_CaptureHandler" for h in logging.getLogger().handlers)


async def test_an_unhandled_exception_is_logged_as_the_runtime_logs_it(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    @app.function
    def fails(event: Any, context: Context) -> None:
        raise ValueError("card declined")

    with caplog.at_level(logging.ERROR, logger="faaslib.function.fails"):
        result = await app.invoke("fails", log_type="Tail")
    lines = result.log_tail.splitlines()
    assert lines[1] == "[ERROR] ValueError: card declined"
    assert lines[2] == "Traceback (most recent call last):"
    assert lines[3].startswith('  File "')
    assert lines[3].endswith(", in fails")
    assert lines[4] == '    raise ValueError("card declined")'
    assert lines[5] == f"END RequestId: {result.request_id}"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].getMessage().startswith("[ERROR] ValueError: card declined\nTraceback")
