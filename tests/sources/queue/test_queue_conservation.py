"""Conservation through a queue's event source mapping: every message sent is deleted after a
success or sits in the dead-letter queue; none is lost, none deleted unprocessed."""

from __future__ import annotations

import random
from typing import Any

import pytest

from faaslib import App, Context
from faaslib.testing import FakeClock, settle

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]


async def conserve(messages: int, seed: int) -> None:
    clock = FakeClock()
    app = App(clock=clock, concurrency=100)
    dead = app.queue("work-dlq", message_retention_period=1_209_600)
    queue = app.queue("work", visibility_timeout=5, redrive=("work-dlq", 3))
    chooser = random.Random(seed)
    succeeded: list[str] = []  # bodies the handler reported done, in batches that succeeded

    @app.on_queue("work", batch_size=10, report_batch_item_failures=True, timeout=1)
    async def work(event: dict[str, Any], context: Context) -> dict[str, Any]:
        fate = chooser.random()
        if fate < 0.03:
            raise RuntimeError("the whole batch fails")
        if fate < 0.05:
            await clock.sleep(2)  # past the timeout: the whole batch fails
        failures = []
        done = []
        for record in event["Records"]:
            if chooser.random() < 0.2:
                failures.append({"itemIdentifier": record["messageId"]})
            else:
                done.append(record["body"])
        succeeded.extend(done)
        return {"batchItemFailures": failures}

    sent: list[str] = []
    async with app:
        for start in range(0, messages, 10):
            entries = [{"id": str(n), "body": f"m{n}"} for n in range(start, start + 10)]
            await queue.send_batch(entries)
            sent.extend(entry["body"] for entry in entries)
        while (
            queue.approximate_number_of_messages or queue.approximate_number_of_messages_not_visible
        ):
            await settle()
            await clock.advance(1)
        await app.wait_idle()

    dead_lettered = []
    while batch := await dead.receive(10):
        dead_lettered.extend(message.body for message in batch)
        for message in batch:
            await dead.delete(message.receipt_handle)
    assert len(sent) == messages
    assert len(succeeded) == len(set(succeeded))  # none processed to success twice
    assert set(succeeded).isdisjoint(dead_lettered)  # none deleted and dead-lettered
    assert sorted(succeeded + dead_lettered) == sorted(sent)  # none lost
    assert queue.counters.deleted == len(succeeded)  # none deleted unprocessed
    assert queue.counters.redriven == len(dead_lettered)
    assert dead_lettered  # the failure rates leave some for the dead-letter queue


async def test_a_few_thousand_messages_are_conserved() -> None:
    await conserve(2_000, seed=7)


# On Redis each operation is a round trip to the server: a fifth as many (the same meaning).
MESSAGES = {"memory": 100_000, "sqlite": 100_000, "redis": 20_000}


@pytest.mark.slow
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.timeout(180)  # long even alone; longer beside other tests
async def test_a_hundred_thousand_messages_are_conserved(anyio_backend: str, store: str) -> None:
    await conserve(MESSAGES[store.partition(":")[0]], seed=11)
