"""Fault injection through the HTTP front door: handlers that raise, exit, interrupt, hang or are
abandoned by their client get API Gateway's generic answers, leak nothing, and leave the API
serving the next request, with every request counted."""

from __future__ import annotations

import sys
from typing import Any

import anyio
import httpx
import pytest

from faaslib import App, Context
from faaslib.testing import FakeClock
from tests.http.transport import in_process

pytestmark = pytest.mark.anyio

SECRET = "s3cr3t-in-the-error"


def faulty_app(clock: FakeClock) -> App:
    app = App("faults", clock=clock)

    @app.route("GET", "/raise")
    async def raises(event: Any, context: Context) -> None:
        raise RuntimeError(SECRET)

    @app.route("GET", "/exit")
    def exits(event: Any, context: Context) -> None:
        sys.exit(SECRET)

    @app.route("GET", "/interrupt")
    async def interrupts(event: Any, context: Context) -> None:
        raise KeyboardInterrupt(SECRET)

    @app.route("GET", "/hang", timeout=5)
    async def hangs(event: Any, context: Context) -> None:
        await clock.sleep(3600)

    @app.route("GET", "/slow", timeout=60)
    async def slow(event: Any, context: Context) -> dict[str, str]:
        await clock.sleep(45)  # past the API's 30 s integration timeout, within its own
        return {"done": "late"}

    @app.route("GET", "/ok")
    async def ok(event: Any, context: Context) -> dict[str, bool]:
        return {"ok": True}

    return app


async def _get(client: httpx.AsyncClient, path: str, answers: dict[str, httpx.Response]) -> None:
    answers[path] = await client.get(path)


async def test_failing_handlers_get_generic_answers_and_the_api_keeps_serving(
    clock: FakeClock,
) -> None:
    app = faulty_app(clock)
    answers: dict[str, httpx.Response] = {}
    async with app, in_process(app) as client:
        async with anyio.create_task_group() as requests:
            for path in ("/raise", "/exit", "/interrupt", "/hang", "/slow"):
                requests.start_soon(_get, client, path, answers)
            await anyio.wait_all_tasks_blocked()
            await clock.advance(5)  # /hang's timeout
            await clock.advance(25)  # the integration timeout of /slow
            await clock.advance(15)  # /slow ends, after its answer was given up on
        after = await client.get("/ok")
        await app.wait_idle()
    for path in ("/raise", "/exit", "/interrupt", "/hang"):
        response = answers[path]
        assert response.status_code == 500, path
        assert response.json() == {"message": "Internal Server Error"}, path
        shown = response.text + str(response.headers)
        for leak in (SECRET, "Traceback", "RuntimeError", "SystemExit", "KeyboardInterrupt"):
            assert leak not in shown, (path, leak)
    assert answers["/slow"].status_code == 503
    assert answers["/slow"].json() == {"message": "Service Unavailable"}
    assert after.status_code == 200
    assert after.json() == {"ok": True}
    assert app.metrics("hangs")["Errors"] == 1
    assert app.metrics("slow")["Invocations"] == 1  # it ran to its end, and was billed so
    assert app.metrics("slow")["Errors"] == 0
    counts = {t.function: t.metrics() for t in app.triggers()}
    assert counts["raises"] == {"Count": 1, "4xx": 0, "5xx": 1}
    assert counts["slow"] == {"Count": 1, "4xx": 0, "5xx": 1}
    assert counts["ok"] == {"Count": 1, "4xx": 0, "5xx": 0}


async def test_a_client_that_goes_away_cancels_nothing_it_should_not(clock: FakeClock) -> None:
    # The client gives up while the function runs: the invocation still ends as Lambda's would
    # (the function runs to completion and is billed), and the API serves the next request.
    app = faulty_app(clock)
    async with app, in_process(app) as client:
        with anyio.move_on_after(0.5):  # real time: the client's own patience
            async with anyio.create_task_group() as requests:
                requests.start_soon(client.get, "/slow")
                await anyio.wait_all_tasks_blocked()
                requests.cancel_scope.cancel()
        await clock.advance(60)
        await app.wait_idle()
        after = await client.get("/ok")
    assert after.status_code == 200
    assert app.instances("slow").busy == 0
