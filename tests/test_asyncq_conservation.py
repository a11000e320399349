"""Conservation: every accepted Event invocation ends in exactly one outcome, whatever happens."""

from __future__ import annotations

import random
from typing import Any

import pytest

from faaslib import App, Context
from faaslib.testing import FakeClock

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]

# A file store runs a fifth as many: each event's moves are transactions (the same meaning);
# Redis a twentieth: each exchange is a round trip to the server.
EVENTS = {"memory": 100_000, "sqlite": 20_000, "redis": 5_000}


@pytest.mark.slow
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.timeout(240)  # long even alone; longer beside other tests
async def test_every_accepted_event_ends_exactly_once(anyio_backend: str, store: str) -> None:
    events = EVENTS[store.partition(":")[0]]
    clock = FakeClock()
    app = App(clock=clock, concurrency=200)
    successes: list[str] = []
    failures: list[tuple[str, str]] = []

    def on_success(record: dict[str, Any]) -> None:
        successes.append(record["requestContext"]["requestId"])

    def on_failure(record: dict[str, Any]) -> None:
        context = record["requestContext"]
        failures.append((context["requestId"], context["condition"]))

    async def handler(event: Any, context: Context) -> None:
        if event["kind"] == "fail":
            raise RuntimeError("failed")
        if event["kind"] == "slow":
            await clock.sleep(2)  # past the 1 s timeout: a function error
        else:
            await clock.sleep(0.5)

    destinations = {"on_success": on_success, "on_failure": on_failure}
    app.function(name="wide", timeout=1, **destinations)(handler)
    # five at a time, so most of its events are throttled, and some grow too old
    app.function(
        name="narrow", timeout=1, reserved_concurrency=5, maximum_event_age=600, **destinations
    )(handler)
    names = ("wide", "narrow")
    chooser = random.Random(5)
    accepted: list[str] = []
    async with app:
        for _ in range(events):
            name = chooser.choice(["wide", "wide", "narrow"])
            kind = chooser.choice(["ok", "ok", "fail", "slow"])
            result = await app.invoke(name, {"kind": kind}, invocation_type="Event")
            accepted.append(result.request_id)

        def still_pending() -> int:
            return sum(app.metrics(name)["AsyncEventOutcomes"]["Pending"] for name in names)

        while clock.monotonic() < 1200 and still_pending():
            await clock.advance(1)
        pending = {event.request_id for event in app.pending_events()}

    ended = successes + [request_id for request_id, _ in failures]
    assert len(ended) == len(set(ended))  # nothing ended twice
    assert set(ended).isdisjoint(pending)
    assert set(ended) | pending == set(accepted)  # nothing lost
    assert len(accepted) == events
    conditions = [condition for _, condition in failures]
    totals = {"Success": 0, "RetriesExhausted": 0, "EventAgeExceeded": 0, "Pending": 0}
    for name in ("wide", "narrow"):
        for outcome, count in app.metrics(name)["AsyncEventOutcomes"].items():
            totals[outcome] += count
    assert totals == {
        "Success": len(successes),
        "RetriesExhausted": conditions.count("RetriesExhausted"),
        "EventAgeExceeded": conditions.count("EventAgeExceeded"),
        "Pending": len(pending),
    }
    assert sum(totals.values()) == events
    # every kind of outcome happened
    assert min(totals["Success"], totals["RetriesExhausted"], totals["EventAgeExceeded"]) > 0
    assert app.metrics("narrow")["Throttles"] > 0
