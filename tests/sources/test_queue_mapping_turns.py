"""The queue mapping's poller reads a queue in this process without a long poll while messages
wait (issue 23): it must still give the loop's other tasks their turns, and a message that
arrives as the mapping stops must stay in its queue, not received."""

from __future__ import annotations

from typing import Any

import anyio
import anyio.lowlevel
import pytest

from faaslib import App, Context

pytestmark = pytest.mark.anyio


async def test_a_poller_that_always_finds_messages_lets_other_tasks_run() -> None:
    app = App()
    queue = app.queue("busy")
    handled = 0

    @app.on_queue("busy", batch_size=1)
    async def drain(event: dict[str, Any], context: Context) -> None:
        nonlocal handled
        handled += 1  # never waits: only the poller can give the loop a turn

    await queue.send_batch([{"id": str(n), "body": "x"} for n in range(10)])
    for start in range(10, 2000, 10):
        await queue.send_batch([{"id": str(n), "body": "x"} for n in range(start, start + 10)])
    turns = 0

    async def other_task() -> None:
        nonlocal turns
        while True:
            await anyio.lowlevel.checkpoint()
            turns += 1

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(other_task)
        async with app:
            await app.wait_idle()
        tasks.cancel_scope.cancel()
    assert handled == 2000
    # A turn per round of the five pollers' batches (about 400): far more than the invoke's own
    # yield, once per 10 ms of real time, would give.
    assert turns >= 200, turns


async def test_a_message_that_arrives_as_the_mapping_stops_stays_unreceived() -> None:
    app = App()
    queue = app.queue("late")
    calls: list[Any] = []

    @app.on_queue("late", batch_size=1)
    async def late(event: dict[str, Any], context: Context) -> None:
        calls.append(event)

    async with app:
        await anyio.sleep(0.01)  # the pollers are in their long polls
        [mapping] = [trigger for trigger in app._resources.triggers if trigger.queue is queue]
        queue._send_now("x")  # wakes a poller, which has not run yet
        await mapping.stop()
    assert calls == []
    [message] = await queue.receive(1)
    assert message.attributes["ApproximateReceiveCount"] == "1"  # never received before
    assert message.body == "x"
