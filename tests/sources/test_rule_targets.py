"""`app.rule_target(arn, id=...)`: an event bus rule's target by ARN, as PutTargets names it:
a function (an Event invocation), a standard queue (a message) or a standard topic (published
while the app runs, so its subscribers get the event)."""

from __future__ import annotations

import json
from typing import Any

import anyio.lowlevel
import pytest

from faaslib import App, ConfigurationError, Context
from faaslib.patterns import compile_pattern

pytestmark = pytest.mark.anyio


async def test_a_topic_target_publishes_each_event_to_its_subscribers(app: App) -> None:
    got: list[Any] = []

    @app.on_topic("alerts")
    def alerted(event: dict[str, Any], context: Context) -> None:
        got.extend(json.loads(record["Sns"]["Message"]) for record in event["Records"])

    bus = app.bus()
    bus.put_rule("to-alerts", compile_pattern({"source": ["shop"]}))
    bus.put_target("to-alerts", app.rule_target(app.topic("alerts").arn, id="alerts"))
    app.queue("copies")
    bus.put_target("to-alerts", app.rule_target(app.queue("copies").arn, id="copies"))
    async with app:
        await bus.put_events([{"Source": "shop", "DetailType": "order", "Detail": '{"id": 1}'}])
        for _ in range(100):  # the publication is the app's task: let it run
            if app.topic("alerts").counters.published:
                break
            await anyio.lowlevel.checkpoint()
        await app.wait_idle()
    assert [event["detail"] for event in got] == [{"id": 1}]
    assert got[0]["source"] == "shop"
    [copy] = app.queue("copies").snapshot()
    assert json.loads(copy.body) == got[0]


def test_a_fifo_topic_or_an_unknown_arn_is_refused(app: App) -> None:
    fifo = app.topic("alerts.fifo", fifo=True)
    with pytest.raises(ConfigurationError, match="needs a message group id"):
        app.rule_target(fifo.arn, id="fifo")
    with pytest.raises(ConfigurationError, match="not the ARN of a function, queue or topic"):
        app.rule_target("arn:aws:sns:us-east-1:123456789012:nowhere", id="nowhere")
