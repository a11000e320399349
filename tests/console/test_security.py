"""Who may reach the console, and what a payload can do in its page: nothing but be read."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from typing import Any

import anyio
import httpx
import pytest

from faaslib import ConfigurationError
from faaslib.console import Console
from tests.console.shop import make_shop

pytestmark = pytest.mark.anyio

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


class Elements(HTMLParser):
    """Every start tag and attribute of a page, as a browser's parser meets them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parsed(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.tags


def client_of(console: Console, host: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=console), base_url=f"http://{host}")


async def test_hostile_payloads_are_text_in_every_part() -> None:
    app = make_shop()
    console = Console(app)
    async with console.lifespan(), client_of(console) as client:
        await app.queue("orders-dlq").send(HOSTILE)
        await app.bucket("uploads").put(HOSTILE, b"x")
        for path in ("/", "/part/services", "/part/functions", "/part/costs"):
            page = (await client.get(path)).text
            tags = parsed(page)
            scripts = [attrs for tag, attrs in tags if tag == "script"]
            assert scripts == [{"src": "static/console.js", "defer": None}] or path != "/"
            assert all(tag != "script" for tag, _ in tags) or path == "/"
            assert not [tag for tag, attrs in tags if any(k.startswith("on") for k in attrs)]
            assert ("img", {"src": "x", "onerror": "window.__pwned=2"}) not in tags
        services = (await client.get("/part/services")).text
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in services


async def test_pages_forbid_inline_script_and_json_is_json() -> None:
    console = Console(make_shop())
    async with client_of(console) as client:
        page = await client.get("/")
        policy = page.headers["content-security-policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        for path in ("/api/functions", "/api/services", "/api/invocations", "/api/events"):
            answer = await client.get(path)
            assert answer.headers["content-type"] == "application/json"
            json.loads(answer.content)
        assert (await client.get("/api/invocations")).json()["watching"] is False  # no lifespan
        script = await client.get("/static/console.js")
        assert script.headers["content-type"] == "text/javascript; charset=utf-8"
        # HTML is parsed in one place only: a section the server wrote (escaped) and sends
        [parsed_html] = [line for line in script.text.splitlines() if "innerHTML" in line]
        assert "await answer.text()" in parsed_html
        assert "data-part" in parsed_html
        assert (await client.get("/static/../console.py")).status_code == 404


@pytest.mark.parametrize("host", ["example.com", "127.0.0.1.example.com", "10.0.0.1:3001"])
async def test_without_a_token_only_loopback_hosts_are_answered(host: str) -> None:
    console = Console(make_shop())
    async with client_of(console, host) as client:
        answer = await client.get("/api/functions")
    assert answer.status_code == 403
    assert "loopback" in answer.text


@pytest.mark.parametrize("host", ["127.0.0.1:3001", "localhost", "[::1]:3001", "127.0.0.2"])
async def test_loopback_hosts_are_answered(host: str) -> None:
    console = Console(make_shop())
    async with client_of(console, host) as client:
        assert (await client.get("/api/functions")).status_code == 200


async def test_a_token_is_required_once_given() -> None:
    console = Console(make_shop(), token="s3cret")
    async with client_of(console, "console.example.com") as client:
        assert (await client.get("/api/functions")).status_code == 401
        wrong = await client.get("/api/functions", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await client.get("/api/functions", headers={"authorization": "Bearer s3cret"})
        assert right.status_code == 200
        first = await client.get("/", params={"token": "s3cret"})
        assert first.status_code == 200
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "s3cret" not in cookie
        assert (await client.get("/api/functions")).status_code == 200  # by the cookie now


async def test_actions_take_json_from_the_same_origin_only() -> None:
    app = make_shop()
    console = Console(app)
    async with console.lifespan(), client_of(console) as client:
        form = await client.post(
            "/api/actions/invoke",
            content=b"function=resize",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert form.status_code == 415
        foreign = await client.post(
            "/api/actions/invoke",
            json={"function": "resize"},
            headers={"origin": "http://evil.example"},
        )
        assert foreign.status_code == 403
        assert app.metrics("resize")["Invocations"] == 0
        same = await client.post(
            "/api/actions/invoke",
            json={"function": "resize", "event": "{}"},
            headers={"origin": "http://127.0.0.1"},
        )
        assert same.status_code == 200


def test_a_token_must_be_a_string() -> None:
    with pytest.raises(ConfigurationError, match="token must be a non-empty string"):
        Console(make_shop(), token="")


async def test_the_live_stream_sends_each_invocation_as_an_event() -> None:
    app = make_shop()
    console = Console(app)
    sent: list[dict[str, Any]] = []
    gone = anyio.Event()

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if b"event: invocation" in message.get("body", b""):
            gone.set()

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/invocations/stream",
        "headers": [(b"host", b"127.0.0.1")],
        "query_string": b"",
    }
    async with console.lifespan():
        result = await app.invoke("resize", {"key": HOSTILE})
        with anyio.fail_after(10):
            await console(scope, receive, send)  # type: ignore[arg-type]
    start, state, body = sent[0], sent[1]["body"].decode(), sent[2]["body"].decode()
    assert state == "event: state\ndata: watching\n\n"
    assert dict(start["headers"])[b"content-type"] == b"text/event-stream; charset=utf-8"
    assert body.startswith(f"id: {result.request_id}\nevent: invocation\ndata: ")
    entry = json.loads(body.split("data: ", 1)[1].split("\n\n")[0])
    assert entry["request_id"] == result.request_id
    assert entry["function"] == "resize"
