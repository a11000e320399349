"""TestClient: a running app behind synchronous calls, on asyncio and trio (the `anyio_backend`
fixture of tests/conftest.py picks the backend of the client's loop)."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sniffio

from faaslib import (
    App,
    ConfigurationError,
    Context,
    FunctionError,
    ResourceNotFound,
    TooManyRequests,
)
from faaslib.testing import FakeClock, TestClient, events


@pytest.fixture
def client(app: App, anyio_backend: str) -> Iterator[TestClient]:
    """A client of the `app` fixture, for tests that register no function or trigger: those
    are registered before the app starts, as decorators run in the test's thread."""
    with TestClient(app, backend=anyio_backend) as running:
        yield running


def test_invoke_and_call_answer_as_the_app_does(app: App, anyio_backend: str) -> None:
    @app.function(memory=256)
    def resize(event: Any, context: Context) -> dict[str, Any]:
        return {"key": event["Records"][0]["s3"]["object"]["key"], "loop": sniffio_name()}

    @app.function
    def broken(event: Any, context: Context) -> None:
        raise ValueError("no such image")

    with TestClient(app, backend=anyio_backend) as client:
        result = client.invoke("resize", events.s3("uploads", "cat.jpg"))
        assert result.status_code == 200
        assert result.memory_size_mb == 256
        assert result.payload["key"] == "cat.jpg"
        assert client.call("resize", events.s3("uploads", "dog.jpg"))["key"] == "dog.jpg"
        with pytest.raises(FunctionError, match="no such image") as failure:
            client.call("broken")
        assert failure.value.error_type == "ValueError"
        with pytest.raises(ResourceNotFound, match="function:missing"):
            client.invoke("missing")


def sniffio_name() -> str:
    """The async library of the calling thread's loop, or "thread" in a worker thread."""
    try:
        return sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return "thread"


def test_the_app_runs_on_the_backend_asked_for(app: App, anyio_backend: str) -> None:
    @app.function
    async def where(event: Any, context: Context) -> str:
        return sniffio_name()

    with TestClient(app, backend=anyio_backend) as client:
        assert client.call("where") == anyio_backend
        assert client.run(sniffio_name) == anyio_backend  # sync functions run in the loop too


def test_the_app_runs_inside_the_with_block_only(app: App, anyio_backend: str) -> None:
    @app.function(environment={"FAASLIB_TESTCLIENT_RUNNING": "yes"})
    def noop(event: Any, context: Context) -> None:
        return None

    assert "FAASLIB_TESTCLIENT_RUNNING" not in os.environ
    with TestClient(app, backend=anyio_backend) as client:
        assert os.environ["FAASLIB_TESTCLIENT_RUNNING"] == "yes"  # applied as the app starts
        with pytest.raises(RuntimeError, match="already running"):
            client.__enter__()
    assert "FAASLIB_TESTCLIENT_RUNNING" not in os.environ  # restored as it stops
    with pytest.raises(RuntimeError, match=r"not running; use it as `with TestClient\(app\)"):
        client.invoke("noop")
    client.close()  # closing twice is harmless


def test_an_error_in_the_test_stops_the_app_at_once(
    app: App, clock: FakeClock, anyio_backend: str
) -> None:
    @app.function(timeout=900)
    async def slow(event: Any, context: Context) -> None:
        await clock.sleep(600)  # only a clock the test moves would end it

    with (  # noqa: PT012 - the error comes from the test's own body, on purpose
        pytest.raises(KeyError, match="from the test"),
        TestClient(app, backend=anyio_backend) as client,
    ):
        client.invoke("slow", invocation_type="Event")
        client.advance(1)
        raise KeyError("from the test")
    # not waited for: the attempt was cancelled, and the event is queued again, not lost
    assert len(app.pending_events()) == 1


def test_event_invocations_run_and_wait_idle_waits_for_them(app: App, anyio_backend: str) -> None:
    done: list[int] = []

    @app.function
    def record(event: Any, context: Context) -> None:
        done.append(event["n"])

    with TestClient(app, backend=anyio_backend) as client:
        for n in range(3):
            assert client.invoke("record", {"n": n}, invocation_type="Event").status_code == 202
        client.wait_idle()
        assert sorted(done) == [0, 1, 2]
        assert client.metrics("record")["Invocations"] == 3
        assert client.metrics()["ConcurrentExecutions"]["now"] == 0
        assert client.drain(5) == 0


def test_queue_send_reaches_the_trigger_and_advance_redelivers(
    app: App, clock: FakeClock, anyio_backend: str
) -> None:
    attempts: list[str] = []

    @app.on_queue("orders", batch_size=1)
    async def orders(event: Any, context: Context) -> None:
        attempts.append(event["Records"][0]["body"])
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")

    with TestClient(app, backend=anyio_backend) as client:
        queue = client.queue("orders")
        assert queue.name == "orders"  # attributes are read as they are
        queue.send({"id": 1})
        client.advance(0)  # the poller takes the message, and the first attempt fails
        assert attempts == ['{"id":1}']
        assert queue.approximate_number_of_messages_not_visible == 1
        client.advance(29)
        assert len(attempts) == 1  # still invisible: the visibility timeout is 30 s
        client.advance(1)
        client.wait_idle()
        assert attempts == ['{"id":1}', '{"id":1}']
        assert queue.approximate_number_of_messages == 0
        assert clock.monotonic() == 30


def test_bucket_and_topic_methods_are_synchronous(app: App, anyio_backend: str) -> None:
    seen: list[str] = []

    @app.on_object("uploads")
    def uploaded(event: Any, context: Context) -> None:
        seen.append(event["Records"][0]["s3"]["object"]["key"])

    @app.on_topic("news")
    def news(event: Any, context: Context) -> None:
        seen.append(event["Records"][0]["Sns"]["Message"])

    with TestClient(app, backend=anyio_backend) as client:
        bucket = client.bucket("uploads")
        bucket.put("cat.jpg", b"meow")
        assert bucket.get("cat.jpg").body == b"meow"
        client.topic("news").publish("hello")
        client.wait_idle()
    assert sorted(seen) == ["cat.jpg", "hello"]


def test_sync_runs_any_objects_methods_in_the_apps_loop(client: TestClient) -> None:
    class Counter:
        label = "counter"

        def __init__(self) -> None:
            self.threads: list[int] = []

        def bump(self, by: int) -> int:
            self.threads.append(threading.get_ident())
            return by + 1

        async def bump_later(self, *, by: int) -> str:
            return f"{sniffio_name()}:{by}"

    counter = Counter()
    proxy = client.sync(counter)
    assert proxy.label == "counter"
    assert proxy.bump(1) == 2
    assert counter.threads != [threading.get_ident()]  # not the test's thread: the loop's
    assert proxy.bump_later(by=3) == f"{client.backend}:3"
    assert "Counter" in repr(proxy)


def test_advance_needs_a_fake_clock(anyio_backend: str) -> None:
    app = App("real")  # the system clock
    with (
        TestClient(app, backend=anyio_backend) as client,
        pytest.raises(ConfigurationError, match="App 'real' runs on SystemClock"),
    ):
        client.advance(1)


def test_a_throttle_raises_in_the_test(app: App, anyio_backend: str) -> None:
    @app.function(reserved_concurrency=0)
    def closed(event: Any, context: Context) -> None:
        return None

    with TestClient(app, backend=anyio_backend) as client, pytest.raises(TooManyRequests):
        client.invoke("closed")


def test_only_an_app_can_be_run() -> None:
    with pytest.raises(TypeError, match=r"app must be a faaslib\.App, not dict"):
        TestClient({})  # type: ignore[arg-type]


# -- HTTP -----------------------------------------------------------------------------------


def test_http_requests_reach_the_routes_through_app_asgi(app: App, anyio_backend: str) -> None:
    @app.route("GET", "/items/{id}")
    def get_item(event: Any, context: Context) -> dict[str, Any]:
        return {
            "id": event["pathParameters"]["id"],
            "query": event["rawQueryString"],
            "trace": event["headers"].get("x-trace"),
        }

    @app.route("ANY", "/echo")
    def echo(event: Any, context: Context) -> dict[str, Any]:
        method = event["requestContext"]["http"]["method"]
        return {
            "statusCode": 201,
            "body": json.dumps({"method": method, "body": event.get("body")}),
        }

    @app.route("GET", "/boom")
    def boom(event: Any, context: Context) -> None:
        raise ValueError("database password is hunter2")

    with TestClient(app, backend=anyio_backend) as client:
        response = client.http.get("/items/7", params={"q": "cats"}, headers={"X-Trace": "1"})
        assert (response.status_code, response.json()) == (
            200,
            {"id": "7", "query": "q=cats", "trace": "1"},
        )
        for method in ("post", "put", "patch", "delete", "options"):
            sent = getattr(client.http, method)("/echo", content=b"hi")
            assert sent.status_code == 201
            assert sent.json()["method"] == method.upper()
        assert client.http.request("POST", "/echo", json={"n": 1}).json()["body"] == '{"n":1}'
        assert client.http.head("/echo").status_code == 201  # ANY takes HEAD; GET would not
        failed = client.http.get("/boom")  # API Gateway's generic answer, nothing leaked
        assert (failed.status_code, failed.json()) == (500, {"message": "Internal Server Error"})
        missing = client.http.get("/nowhere")
        assert (missing.status_code, missing.json()) == (404, {"message": "Not Found"})
        assert client.metrics("boom")["Errors"] == 1


def test_http_without_httpx_says_what_to_install(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "httpx", None)  # as if it were not installed
    with pytest.raises(ImportError, match=r"TestClient.http needs httpx.*pip install httpx"):
        client.http.get("/")
