"""`app.delete_queue`: SQS's DeleteQueue on the app's queues, refused while the app relies on
the queue, and the name held for 60 seconds as SQS holds it."""

from __future__ import annotations

from typing import Any

import pytest

from faaslib import App, ConfigurationError
from faaslib.sources.registry import QueueDeletedRecently
from faaslib.testing import FakeClock

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]


def handler(event: Any, context: Any) -> None:
    return None


async def test_a_deleted_queue_is_gone_and_its_name_is_free_after_sixty_seconds() -> None:
    clock = FakeClock()
    app = App(clock=clock)
    queue = app.queue("scratch", visibility_timeout=5)
    await queue.send({"n": 1})
    await queue.send({"n": 2})
    assert await app.delete_queue("scratch") == 2
    assert "scratch" not in app.queues
    with pytest.raises(QueueDeletedRecently, match="deleted 0 seconds ago"):
        app.queue("scratch")
    await clock.advance(59)
    with pytest.raises(QueueDeletedRecently, match="deleted 59 seconds ago"):
        app.queue("scratch")
    await clock.advance(1)
    again = app.queue("scratch", visibility_timeout=9)  # a new queue, with new options
    assert again is not queue
    assert again.visibility_timeout == 9
    assert again.approximate_number_of_messages == 0


@pytest.mark.parametrize(
    ("declare", "user"),
    [
        (lambda app: app.on_queue("held")(handler), "function 'handler'"),
        (lambda app: app.queue("source", redrive=("held", 3)), "queue 'source'"),
        (lambda app: app.subscribe("news", "held"), "topic 'news'"),
        (
            lambda app: app.function(on_failure=app.queues["held"].arn)(handler),
            "function 'handler''s on_failure",
        ),
    ],
)
async def test_a_queue_the_app_relies_on_is_not_deleted(declare: Any, user: str) -> None:
    app = App()
    held = app.queue("held")
    declare(app)
    await held.send({"kept": True})
    with pytest.raises(ConfigurationError, match=f"queue 'held' cannot be deleted: {user}"):
        await app.delete_queue("held")
    assert app.queues["held"] is held
    assert held.approximate_number_of_messages == 1  # nothing lost


async def test_deleting_a_queue_the_app_lacks_names_it() -> None:
    with pytest.raises(ConfigurationError, match="no queue 'ghost'"):
        await App(name="shop").delete_queue("ghost")
