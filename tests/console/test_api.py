"""The console's JSON endpoints and actions, through httpx's ASGI transport (no sockets), with
the console's lifespan running the app; each figure is checked against the app's own API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from faaslib import App
from faaslib.console import Console
from faaslib.executor import record as records
from tests.console.shop import make_shop

pytestmark = pytest.mark.anyio


@pytest.fixture
async def shop() -> AsyncIterator[tuple[App, Console, httpx.AsyncClient]]:
    app = make_shop()
    console = Console(app)
    async with console.lifespan():
        transport = httpx.ASGITransport(app=console)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            yield app, console, client


async def invoke(client: httpx.AsyncClient, function: str, event: str) -> dict[str, Any]:
    answer = await client.post("/api/actions/invoke", json={"function": function, "event": event})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    data: dict[str, Any] = answer.json()
    return data


async def test_functions_show_configuration_triggers_instances_and_concurrency(
    shop: tuple[App, Console, httpx.AsyncClient],
) -> None:
    app, _, client = shop
    await invoke(client, "resize", '{"key": "a.jpg"}')
    await invoke(client, "resize", '{"key": "b.jpg"}')
    data = (await client.get("/api/functions")).json()
    functions = {f["name"]: f for f in data["functions"]}
    assert list(functions) == list(app.functions)
    resize = functions["resize"]
    assert resize["configuration"] == app.function_configuration("resize").model_dump(mode="json")
    assert resize["configuration"]["memory"] == 256
    counts = app.instances("resize")
    assert resize["instances"]["total"] == counts.total == 1
    assert resize["instances"]["warm"] == counts.idle == 1
    assert resize["instances"]["cold_starts"] == 1
    assert resize["metrics"]["Invocations"] == app.metrics("resize")["Invocations"] == 2
    assert resize["concurrency"]["max"] == 1
    assert functions["drain"]["triggers"] == ["queue slow (batch 1, at most 2 at once)"]
    assert functions["resize"]["triggers"] == []


async def test_an_invocation_from_the_console_is_kept_with_its_log_event_and_response(
    shop: tuple[App, Console, httpx.AsyncClient],
) -> None:
    app, _, client = shop
    made = await invoke(client, "resize", '{"key": "<b>cat</b>.jpg"}')
    assert made["response"] == '{"resized":"<b>cat</b>.jpg"}'
    direct = await app.invoke("resize", {"key": "dog.jpg"})
    listed = (await client.get("/api/invocations")).json()["invocations"]
    by_id = {entry["request_id"]: entry for entry in listed}
    assert by_id[made["request_id"]]["source"] == "console"
    assert by_id[direct.request_id]["source"] == "invoke"
    assert by_id[made["request_id"]]["cold_start"] is True
    assert by_id[direct.request_id]["cold_start"] is False
    assert by_id[direct.request_id]["billed_ms"] == direct.billed_duration_ms
    ended = datetime.strptime(by_id[direct.request_id]["time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert abs(ended.replace(tzinfo=UTC).timestamp() - app.clock.now()) < 1  # to a tick
    detail = (await client.get(f"/api/invocations/{made['request_id']}")).json()
    assert detail["event"] == '{"key":"<b>cat</b>.jpg"}'
    assert detail["response"] == made["response"]
    logs = detail["logs"]
    assert logs[0] == f"START RequestId: {made['request_id']} Version: $LATEST"
    assert any(line.endswith("resizing <b>cat</b>.jpg") for line in logs)
    assert logs[-1].startswith(f"REPORT RequestId: {made['request_id']}\tDuration: ")
    # another invocation's lines are its own
    other = (await client.get(f"/api/invocations/{direct.request_id}")).json()
    assert not any("cat" in line for line in other["logs"])
    assert other["event"] is None  # only what the console sent is kept
    assert (await client.get("/api/invocations/nope")).status_code == 404


async def test_a_handler_error_is_listed_as_one(
    shop: tuple[App, Console, httpx.AsyncClient],
) -> None:
    _, _, client = shop
    made = await invoke(client, "fail", "{}")
    assert made["error"] == "Unhandled"
    detail = (await client.get(f"/api/invocations/{made['request_id']}")).json()
    assert detail["error"] == "Unhandled"
    assert any("ValueError: no such size" in line for line in detail["logs"])


async def test_queue_invocations_are_sourced_to_the_queue(
    shop: tuple[App, Console, httpx.AsyncClient],
) -> None:
    app, _, client = shop
    sent = await client.post("/api/actions/send-message", json={"queue": "orders", "body": "x"})
    assert sent.status_code == 200
    await app.wait_idle()
    listed = (await client.get("/api/invocations")).json()["invocations"]
    assert [e["source"] for e in listed if e["function"] == "orders"] == ["queue orders (batch 5)"]


async def test_services_match_the_app(shop: tuple[App, Console, httpx.AsyncClient]) -> None:
    app, _, client = shop
    await app.queue("orders-dlq").send("<script>dead</script>")
    await app.bucket("uploads").put("cat.jpg", b"...")
    await app.stream("clicks").put_record(b"{}", partition_key="a")
    await app.table("carts").put_item({"id": "1"})
    data = (await client.get("/api/services")).json()
    queues = {q["name"]: q for q in data["queues"]}
    assert queues["orders"]["dead_letter_queue"] == "orders-dlq"
    assert queues["orders-dlq"]["dead_letter_of"] == ["orders"]
    assert queues["orders-dlq"]["visible"] == app.queue("orders-dlq").approximate_number_of_messages
    assert [m["body"] for m in queues["orders-dlq"]["messages"]] == ["<script>dead</script>"]
    assert queues["orders"]["messages"] is None
    assert data["buckets"] == [
        {
            "name": "uploads",
            "objects": 1,
            "keys": ["cat.jpg"],
            "metrics": app.bucket("uploads").metrics(),
        }
    ]
    assert data["topics"][0]["subscriptions"][0]["protocol"] == "lambda"
    [rule] = data["buses"][0]["rules"]
    assert rule["name"] == "shop-events"
    assert '"shop"' in rule["pattern"]
    [stream] = data["streams"]
    assert stream["shards"] == [s.shard_id for s in app.stream("clicks").shards]
    assert stream["records_put"] == 1
    assert stream["mappings"][0]["function"] == "count_clicks"
    assert data["tables"] == [
        {
            "name": "carts",
            "key_schema": ["id"],
            "stream_view_type": app.table("carts").stream_view_type,
            "items": 1,
        }
    ]
    [schedule] = data["schedules"]
    [trigger] = app.triggers("hourly")
    assert schedule["next_fire_time"] == trigger.next_fire_time().isoformat()  # type: ignore[attr-defined]


async def test_redrive_moves_dead_letters_back_to_their_queue(
    shop: tuple[App, Console, httpx.AsyncClient],
) -> None:
    app, _, client = shop
    returns, dead = app.queue("returns"), app.queue("returns-dlq")
    await returns.send("broken", attributes={"attempt": 3, "why": "<b>"})
    await returns.receive(visibility_timeout=0)
    assert await returns.receive() == []  # received once already: moved to the DLQ
    services = (await client.get("/api/services")).json()
    [listed] = [q for q in services["queues"] if q["name"] == "returns-dlq"]
    assert [m["body"] for m in listed["messages"]] == ["broken"]
    moved = await client.post("/api/actions/redrive", json={"queue": "returns-dlq"})
    assert moved.json() == {"queue": "returns-dlq", "moved": 1, "to": ["returns"]}
    assert dead.approximate_number_of_messages == 0
    [message] = await returns.receive()
    assert (message.body, message.receive_count) == ("broken", 1)  # sent anew
    assert message.message_attributes["attempt"].string_value == "3"
    assert message.message_attributes["why"].string_value == "<b>"
    refused = await client.post("/api/actions/redrive", json={"queue": "returns"})
    assert refused.status_code == 400
    assert "no queue's dead-letter queue" in refused.json()["error"]


async def test_actions_change_the_app_through_its_api(
    shop: tuple[App, Console, httpx.AsyncClient],
) -> None:
    app, _, client = shop
    put = await client.post(
        "/api/actions/put-object", json={"bucket": "uploads", "key": "a.txt", "body": "hi"}
    )
    assert put.status_code == 200
    assert (await app.bucket("uploads").get("a.txt")).body == b"hi"
    changed = await client.post(
        "/api/actions/concurrency", json={"function": "resize", "provisioned_concurrency": 2}
    )
    assert changed.json()["provisioned_concurrency"] == 2
    assert app.function_configuration("resize").provisioned_concurrency == 2
    assert app.instances("resize").total == 2  # initialized before the answer
    reserved = await client.post(
        "/api/actions/concurrency", json={"function": "resize", "reserved_concurrency": 5}
    )
    assert reserved.json() == {
        "function": "resize",
        "reserved_concurrency": 5,
        "provisioned_concurrency": 2,
    }
    assert app.function_configuration("resize").reserved_concurrency == 5
    assert app._admission.reserved_out == 5
    both = {"function": "resize", "reserved_concurrency": 1, "provisioned_concurrency": 1}
    lowered = await client.post("/api/actions/concurrency", json=both)  # provisioned first
    assert (lowered.json()["reserved_concurrency"], lowered.json()["provisioned_concurrency"]) == (
        1,
        1,
    )
    refused = await client.post(
        "/api/actions/concurrency", json={"function": "resize", "reserved_concurrency": 0}
    )
    assert refused.status_code == 400
    assert (
        "should not be lower than function's total provisioned concurrency [1]"
        in (refused.json()["error"])
    )
    removed = await client.post(
        "/api/actions/concurrency", json={"function": "resize", "reserved_concurrency": None}
    )
    assert removed.json()["reserved_concurrency"] is None
    assert app.function_configuration("resize").reserved_concurrency is None
    assert (app._admission.reserved_out, app._admission.carved_out) == (0, 1)  # its provisioned


@pytest.mark.parametrize(
    ("path", "form", "message"),
    [
        ("invoke", {"function": "nope", "event": "{}"}, "Function not found"),
        ("invoke", {"function": "resize", "event": "{nope"}, "the event is not JSON"),
        ("invoke", {"event": "{}"}, "the field 'function' is missing"),
        ("send-message", {"queue": "nope", "body": "x"}, "has no queue 'nope'"),
        ("put-object", {"bucket": "uploads", "key": 7, "body": "x"}, "'key' must be text"),
        ("concurrency", {"function": "resize", "provisioned_concurrency": -1}, "provisioned"),
        ("concurrency", {"function": "resize", "reserved_concurrency": "5"}, "a whole number"),
        (
            "concurrency",
            {"function": "resize", "reserved_concurrency": 1, "provisioned_concurrency": 2},
            "more than reserved_concurrency=1",
        ),
        ("nothing", {}, "no action 'nothing'"),
    ],
)
async def test_a_refused_action_says_why(
    shop: tuple[App, Console, httpx.AsyncClient], path: str, form: dict[str, Any], message: str
) -> None:
    _, _, client = shop
    answer = await client.post(f"/api/actions/{path}", json=form)
    assert answer.status_code in (400, 404)
    assert answer.headers["content-type"] == "application/json"
    assert message in answer.json()["error"]


async def test_metrics_are_cloudwatch_named_series_over_time(
    shop: tuple[App, Console, httpx.AsyncClient],
) -> None:
    app, console, client = shop
    console.series.sample()
    for _ in range(3):
        await app.invoke("resize", {"key": "x"})
    await app.invoke("fail", {})
    console.series.sample()
    data = (await client.get("/api/metrics")).json()
    assert len(data["times"]) >= 2
    charts = {chart["title"]: chart for chart in data["charts"]}
    assert {"Invocations, Errors, Throttles", "Duration", "ConcurrentExecutions"} <= set(charts)
    assert {"AsyncEventAge", "IteratorAge", "Queue orders", "Queue slow"} <= set(charts)
    series = {s["name"]: s["values"] for s in charts["Invocations, Errors, Throttles"]["series"]}
    assert series["Invocations"][0] is None  # a rate needs two samples
    assert sum(v for v in series["Invocations"] if v) > 0
    assert sum(v for v in series["Errors"] if v) > 0
    duration = {s["name"]: s["values"] for s in charts["Duration"]["series"]}
    assert duration["Duration p99"][-1] >= duration["Duration p50"][-1] > 0
    one = (await client.get("/api/metrics", params={"function": "drain"})).json()
    assert [c["title"] for c in one["charts"]][-1] == "Queue slow"
    missing = await client.get("/api/metrics", params={"function": "nope"})
    assert missing.status_code == 400


async def test_costs_are_the_apps_bill(shop: tuple[App, Console, httpx.AsyncClient]) -> None:
    app, _, client = shop
    await app.invoke("resize", {"key": "x"})
    data = (await client.get("/api/costs")).json()
    assert data["bill"] == app.costs.to_dict()
    assert data["projection"]["invocations"] > 0
    assert data["budget"] is None
    part = (await client.get("/part/costs")).text
    assert "<svg" in part
    assert "resize" in part


async def test_event_families_come_from_the_builders(
    shop: tuple[App, Console, httpx.AsyncClient],
) -> None:
    from faaslib.events import BUILDERS

    _, _, client = shop
    families = (await client.get("/api/events")).json()["families"]
    assert [f["name"] for f in families] == list(BUILDERS)
    sample = (await client.get("/api/events/sqs")).json()["event"]
    assert sample["Records"][0]["eventSource"] == "aws:sqs"
    assert (await client.get("/api/events/nope")).status_code == 400


async def test_the_feed_listens_only_while_the_console_runs() -> None:
    before = records.listeners
    app = make_shop()
    console = Console(app)
    # (its lifespan entered in the test, after pytest has put its own sys.stdout in place)
    async with console.lifespan():
        assert len(records.listeners) == len(before) + 1
        result = await app.invoke("resize", {"key": "x"})
    assert records.listeners == before
    await app.invoke("resize", {"key": "after"})
    assert [e["request_id"] for e in console.feed.since(None)[0]] == [result.request_id]
    detail = console.feed.detail(result.request_id)
    assert detail is not None
    assert "printed by resize" in detail["logs"]  # a print, as well as logging records


async def test_tuning_runs_are_not_the_apps_invocations() -> None:
    app = make_shop()
    console = Console(app)
    async with console.lifespan():
        transport = httpx.ASGITransport(app=console)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            tuned = await client.post(
                "/api/actions/tune",
                json={"function": "resize", "memory": [128, 256], "invocations": 2, "event": "{}"},
            )
            assert tuned.status_code == 200, tuned.text
            assert tuned.json()["recommended"] in (128, 256)
            assert console.feed.since(None)[0] == []  # the copies' invocations are not this app's
            costs = (await client.get("/api/costs")).json()
            [tuning] = costs["tunings"]
            assert tuning["function"] == "resize"
            assert "128" in tuning["table"]
            assert (await client.get("/part/costs")).text.count("<svg") == 2


async def test_a_tuning_run_outside_the_console_is_charted_too() -> None:
    app = make_shop()
    console = Console(app)
    async with console.lifespan():
        await app.tune("resize", [{}], memory=[128, 256], invocations=2)
        transport = httpx.ASGITransport(app=console)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            [tuning] = (await client.get("/api/costs")).json()["tunings"]
            assert tuning["function"] == "resize"
            assert (await client.get("/part/costs")).text.count("<svg") == 2
    assert app.tunings[-1].recommended in (128, 256)


async def test_an_event_invocation_from_the_console_is_marked_when_it_runs(
    shop: tuple[App, Console, httpx.AsyncClient],
) -> None:
    app, _, client = shop
    queued = await client.post(
        "/api/actions/invoke",
        json={"function": "resize", "event": '{"key": "later"}', "invocation_type": "Event"},
    )
    assert queued.json()["status"] == 202
    await app.wait_idle()
    detail = (await client.get(f"/api/invocations/{queued.json()['request_id']}")).json()
    assert detail["source"] == "console"
    assert detail["event"] == '{"key":"later"}'
    assert any(line.endswith("resizing later") for line in detail["logs"])


async def test_the_console_mounts_under_a_path_in_starlette() -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount

    app = make_shop()
    console = Console(app)
    host = Starlette(routes=[Mount("/console", app=console)], lifespan=console.lifespan)
    async with console.lifespan(host):
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            page = await client.get("/console/")
            assert page.status_code == 200
            assert '<base href="/console/">' in page.text  # the page's links stay under it
            assert (await client.get("/console/static/console.js")).status_code == 200
            functions = (await client.get("/console/api/functions")).json()["functions"]
            assert [f["name"] for f in functions] == list(app.functions)


async def test_costs_show_the_budget_when_the_app_has_one() -> None:
    app = App("thrifty", budget="0.50")

    @app.function
    def work(event: Any, context: Any) -> Any:
        return None

    console = Console(app)
    async with console.lifespan():
        await app.invoke("work", {})
        transport = httpx.ASGITransport(app=console)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            budget = (await client.get("/api/costs")).json()["budget"]
            part = (await client.get("/part/costs")).text
    assert budget["limit"] == "0.50"
    assert budget["spent"] == str(app.costs.budget.spent)  # type: ignore[union-attr]
    assert budget["crossed"] is False
    assert "Budget: 0.0000" in part
    assert "spent of 0.50 USD (within)" in part
