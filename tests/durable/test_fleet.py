"""Durable executions shared by processes on one Redis store: each is driven by one process, a
callback answered or a stop sent in any process reaches it, a process that leaves or is killed
(SIGKILL) has its executions taken over, and a step checkpointed before is not run again.

Two apps with backends of their own stand for two processes where a test needs no kill (each
app has its own process id in the fleet); a real child process is killed for the rest."""

from __future__ import annotations

import json
import signal
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration

from faaslib import App
from faaslib.stores import RedisBackend, open_store

pytestmark = [pytest.mark.anyio, pytest.mark.parametrize("anyio_backend", ["asyncio"])]

ROOT = Path(__file__).resolve().parents[2]  # where `tests.durable.test_fleet` imports from
STEPS: list[str] = []  # the side effects of the steps run in this process


@durable_execution
def order(event: Any, context: DurableContext) -> Any:
    def reserve(_: Any) -> str:
        STEPS.append(event["item"])
        return f"reserved {event['item']}"

    reserved = context.step(reserve, name="reserve")
    callback = context.create_callback(
        name="payment", config=CallbackConfig(timeout=Duration.from_hours(1))
    )
    return {"reserved": reserved, "paid": json.loads(callback.result())}


@pytest.fixture
def url(redis_url: str) -> str:
    return f"{redis_url}?prefix=durable{uuid.uuid4().hex[:10]}"


@pytest.fixture
def apps(url: str) -> Iterator[Callable[[str], App]]:
    """Apps on the test's prefix, each with a backend of its own (a process of the fleet)."""
    opened: list[RedisBackend] = []

    def app(name: str) -> App:
        backend = open_store(url)
        assert isinstance(backend, RedisBackend)
        opened.append(backend)
        made = App(name, store=backend, shutdown_timeout=1)
        made.function(name="order", durable={"execution_timeout": 3600}, timeout=30)(order)
        return made

    yield app
    for backend in opened:
        backend.close()


async def callback_of(app: App, arn: str) -> str:
    """The callback id of `arn` once its handler waits for it (read through `app`)."""
    with anyio.fail_after(20):
        while True:
            for event in await app.durable.history(arn):
                if event["EventType"] == "CallbackStarted":
                    return str(event["CallbackStartedDetails"]["CallbackId"])
            await anyio.sleep(0.02)


def invocations(history: list[dict[str, Any]]) -> int:
    return sum(event["EventType"] == "InvocationCompleted" for event in history)


async def test_a_callback_answered_in_another_process_reaches_the_execution(
    apps: Callable[[str], App], anyio_backend: str
) -> None:
    STEPS.clear()
    driver, other = apps("driver"), apps("other")
    async with driver, other:
        arn = await driver.durable.start("order", {"item": "lamp"}, name="order-1")
        callback_id = await callback_of(other, arn)
        assert (await other.durable.get(arn))["Status"] == "RUNNING"  # as the store has it
        assert other.durable._executions == {}  # read, never driven, there
        again = await other.durable.start("order", {"item": "lamp"}, name="order-1")
        assert again == arn
        assert arn not in other.durable._running  # still the driver's
        await other.durable.callback_success(callback_id, b'{"amount": 12}')
        done = await other.durable.wait(arn)  # ended in the driver, seen from the store
        history = await other.durable.history(arn)
    assert done["Status"] == "SUCCEEDED"
    assert json.loads(done["Result"]) == {"reserved": "reserved lamp", "paid": {"amount": 12}}
    assert STEPS == ["lamp"]
    assert invocations(history) == 2  # to the callback, then after it: by the driver alone


async def test_a_stop_sent_in_another_process_ends_the_execution(
    apps: Callable[[str], App], anyio_backend: str
) -> None:
    driver, other = apps("driver"), apps("other")
    async with driver, other:
        arn = await driver.durable.start("order", {"item": "desk"})
        await callback_of(other, arn)
        answer = await other.durable.stop(arn, {"ErrorMessage": "changed my mind"})
        done = await driver.durable.wait(arn, timeout=10)
    assert done["Status"] == "STOPPED"
    assert done["Error"] == {"ErrorMessage": "changed my mind"}
    assert answer["StopTimestamp"] == done["EndTimestamp"]


async def test_the_executions_of_a_process_that_leaves_are_taken_over(
    apps: Callable[[str], App], anyio_backend: str
) -> None:
    STEPS.clear()
    first, second = apps("first"), apps("second")
    async with second:
        async with first:
            arn = await first.durable.start("order", {"item": "chair"})
            callback_id = await callback_of(second, arn)
        # `first` stopped: `second` drives the execution from its next scan (a second)
        with anyio.fail_after(10):
            while arn not in second.durable._running:  # noqa: ASYNC110 - a scan on its own time
                await anyio.sleep(0.02)
        await second.durable.callback_success(callback_id, b'{"amount": 3}')
        done = await second.durable.wait(arn, timeout=10)
    assert done["Status"] == "SUCCEEDED"
    assert STEPS == ["chair"]  # checkpointed by the first: not run again by the second


async def test_an_execution_waits_for_a_process_with_its_function_and_gets_what_was_sent(
    url: str, apps: Callable[[str], App], anyio_backend: str
) -> None:
    """Processes sharing a store may run different apps: one without the function never takes
    its executions over, and a callback answered there waits, in the inbox of the process that
    left, for the process that takes the execution over."""
    STEPS.clear()
    first = apps("first")
    backend = open_store(url)
    assert isinstance(backend, RedisBackend)
    stranger = App("stranger", store=backend, shutdown_timeout=1)
    # Durable functions of its own: its durable service runs, and scans the store.
    stranger.function(name="unrelated", durable={"execution_timeout": 60})(order)
    try:
        async with stranger:
            async with first:
                arn = await first.durable.start("order", {"item": "sofa"})
                callback_id = await callback_of(stranger, arn)
            await anyio.sleep(1.5)  # a scan or more of the stranger's: it leaves it alone
            assert stranger.durable._executions == {}
            await stranger.durable.callback_success(callback_id, b'{"amount": 9}')
            later = apps("later")
            async with later:  # takes it over at start, with the answer the stranger sent
                done = await later.durable.wait(arn, timeout=10)
    finally:
        backend.close()
    assert done["Status"] == "SUCCEEDED"
    assert json.loads(done["Result"]) == {"reserved": "reserved sofa", "paid": {"amount": 9}}
    assert STEPS == ["sofa"]


CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path

    import anyio

    from faaslib import App
    from tests.durable.test_fleet import order

    url, marker = sys.argv[1], Path(sys.argv[2])
    app = App("doomed", store=url)
    app.function(name="order", durable={"execution_timeout": 3600}, timeout=30)(order)

    async def main():
        async with app:
            arn = await app.durable.start("order", {"item": "lamp"}, name="doomed-1")
            await app.durable.settled(arn)  # suspended on the callback
            marker.write_text(arn)
            await anyio.sleep_forever()  # killed here

    anyio.run(main)
    """
)


@pytest.mark.slow  # a child process to start, with the SDK (a second or two)
async def test_a_killed_process_execution_completes_in_another_with_its_step_run_once(
    url: str, apps: Callable[[str], App], tmp_path: Path, anyio_backend: str
) -> None:
    STEPS.clear()
    marker = tmp_path / "arn"
    async with await anyio.open_process(
        [sys.executable, "-c", CHILD, url, str(marker)], cwd=ROOT
    ) as child:
        with anyio.fail_after(30):
            while not marker.exists():  # another process's doing
                assert child.returncode is None, "the child process ended"
                await anyio.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        assert await child.wait() == -signal.SIGKILL
    arn = marker.read_text()
    survivors = apps("one"), apps("two")
    async with survivors[0], survivors[1]:
        # The child is gone (its pid): taken over at start, without waiting for its lease, by
        # exactly one of the two; the callback is answered through the other.
        (driver,) = [app for app in survivors if arn in app.durable._running]
        (other,) = [app for app in survivors if app is not driver]
        callback_id = await callback_of(other, arn)
        await other.durable.callback_success(callback_id, b'{"amount": 5}')
        done = await other.durable.wait(arn, timeout=10)
        history = await driver.durable.history(arn)
    # The child's, to the callback; then one after it. Suspended, the execution needed no
    # invocation to be taken over (one cut short by the kill would have been run again).
    assert invocations(history) == 2
    assert done["Status"] == "SUCCEEDED"
    assert json.loads(done["Result"]) == {"reserved": "reserved lamp", "paid": {"amount": 5}}
    assert STEPS == []  # the step ran once, in the child; the survivor replayed its result
