"""The console in a real headless Chromium (Debian's, driven by Playwright), served by a real
uvicorn on 127.0.0.1: a person's path through it, and a payload that tries to run script.

With FAASLIB_SCREENSHOTS=1 the tests save the main views to docs/images/console-*.png (the
docs show them); otherwise they write nothing.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from faaslib.console import Console
from tests.console.shop import make_shop
from tests.http.server import Served, serve

CHROMIUM = Path("/usr/bin/chromium")
IMAGES = Path(__file__).parents[2] / "docs" / "images"
HOSTILE_KEY = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'

try:
    from playwright.sync_api import Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the skip below says why
    sync_playwright = None  # type: ignore[assignment]

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="no /usr/bin/chromium (apt-get install -y chromium)"
    ),
    pytest.mark.skipif(
        sync_playwright is None, reason="no playwright (pip install playwright; no download)"
    ),
]


@pytest.fixture(scope="module")
def gate() -> threading.Event:
    return threading.Event()


@pytest.fixture(scope="module")
def console(gate: threading.Event) -> Iterator[Served]:
    app = make_shop(gate)
    yield from serve(app, gate.set, Console(app))


@pytest.fixture(scope="module")
def browser_page(console: Served) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(console.url + "/")
        yield page
        browser.close()
        assert errors == []  # the page's own script never failed


def screenshot(page: Page, view: str) -> None:
    if os.environ.get("FAASLIB_SCREENSHOTS") == "1":
        page.wait_for_timeout(1200)  # a refresh (once a second) has drawn the latest figures
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / f"console-{view}.png"), full_page=False)


def show(page: Page, section: str) -> None:
    page.click(f'a[data-show="{section}"]')
    expect(page.locator(f'section[data-section="{section}"]')).to_be_visible()


def post(console: Served, action: str, form: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(f"{console.url}/api/actions/{action}", json=form, timeout=10)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def test_functions_are_listed(browser_page: Page) -> None:
    page = browser_page
    expect(page.locator('section[data-section="functions"]')).to_be_visible()
    expect(page.locator('[data-function="resize"]')).to_have_text("resize")
    expect(page.locator('section[data-section="functions"]')).to_contain_text(
        "queue slow (batch 1, at most 2 at once)"
    )


def test_an_invocation_from_the_page_appears_live_with_its_log(browser_page: Page) -> None:
    page = browser_page
    show(page, "invocations")
    expect(page.locator("#feed-state")).to_have_text("live")
    show(page, "actions")
    page.select_option("#invoke-form select[name=function]", "resize")
    page.select_option("#event-family", "s3")  # an event from the builders
    expect(page.locator("#invoke-form textarea")).to_have_value(re.compile('"aws:s3"'))
    page.fill("#invoke-form textarea", '{"key": "cat.jpg"}')
    page.click("#invoke-form button")
    expect(page.locator("#action-result")).to_contain_text('"request_id"')
    request_id = re.search(r'"request_id": "([0-9a-f-]+)"', page.inner_text("#action-result"))
    assert request_id is not None
    show(page, "invocations")
    row = page.locator(f'#feed tr[data-request-id="{request_id.group(1)}"]')
    expect(row).to_contain_text("console")
    row.click()
    expect(page.locator("#detail-log")).to_contain_text("resizing cat.jpg")
    expect(page.locator("#detail-log")).to_contain_text("REPORT RequestId: " + request_id.group(1))
    expect(page.locator("#detail-response")).to_contain_text('"resized": "cat.jpg"')


def test_an_event_with_script_is_shown_as_text(browser_page: Page) -> None:
    page = browser_page
    show(page, "actions")
    page.select_option("#invoke-form select[name=function]", "resize")
    page.fill("#invoke-form textarea", f'{{"key": {_json_string(HOSTILE_KEY)}}}')
    page.click("#invoke-form button")
    expect(page.locator("#action-result")).to_contain_text("__pwned")
    request_id = re.search(r'"request_id": "([0-9a-f-]+)"', page.inner_text("#action-result"))
    assert request_id is not None
    show(page, "invocations")
    page.locator(f'#feed tr[data-request-id="{request_id.group(1)}"]').click()
    expect(page.locator("#detail-event")).to_contain_text(_json_string(HOSTILE_KEY))
    expect(page.locator("#detail-log")).to_contain_text(f"resizing {HOSTILE_KEY}")
    assert page.locator("#detail script, #detail img, #feed script, #feed img").count() == 0
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_a_queue_depth_falls_as_its_function_drains_it(
    browser_page: Page, console: Served, gate: threading.Event
) -> None:
    page = browser_page
    show(page, "services")
    for number in range(6):  # two are taken at once (maximum concurrency 2), four wait
        post(console, "send-message", {"queue": "slow", "body": f"job {number}"})
    depth = page.locator('[data-depth="slow"]')
    expect(depth).not_to_have_text("0")
    waiting = int(depth.inner_text())
    assert waiting >= 1
    screenshot(page, "services")
    gate.set()
    expect(depth).to_have_text("0", timeout=15_000)


def test_a_dead_letter_queue_is_redriven(browser_page: Page, console: Served) -> None:
    page = browser_page
    post(console, "send-message", {"queue": "jobs", "body": "job 7"})  # fails once: dead letter
    show(page, "services")
    services = page.locator('section[data-section="services"]')
    expect(services).to_contain_text("Dead letters in jobs-dlq")
    expect(services.locator("pre", has_text="job 7")).to_be_visible(timeout=10_000)
    show(page, "actions")
    page.select_option('form[data-action="api/actions/redrive"] select', "jobs-dlq")
    page.click('form[data-action="api/actions/redrive"] button')
    expect(page.locator("#action-result")).to_contain_text('"moved": 1')
    show(page, "services")
    expect(services.locator("pre", has_text="job 7")).to_have_count(0, timeout=10_000)
    show(page, "invocations")
    expect(page.locator("#feed tbody tr", has_text="queue jobs").first).to_be_visible()


def test_reserved_concurrency_is_set_and_removed_from_the_page(
    browser_page: Page, console: Served
) -> None:
    page = browser_page
    show(page, "actions")
    form = 'form[data-action="api/actions/concurrency"]'
    page.select_option(f"{form} select[name=function]", "fail")
    page.fill(f"{form} input[name=reserved_concurrency]", "3")
    page.click(f"{form} button")
    expect(page.locator("#action-result")).to_contain_text('"reserved_concurrency": 3')
    assert console.app.function_configuration("fail").reserved_concurrency == 3
    page.fill(f"{form} input[name=reserved_concurrency]", "lots")  # refused, with the reason
    page.click(f"{form} button")
    expect(page.locator("#action-result")).to_contain_text("must be a whole number, not 'lots'")
    assert console.app.function_configuration("fail").reserved_concurrency == 3
    page.fill(f"{form} input[name=reserved_concurrency]", "none")
    page.click(f"{form} button")
    expect(page.locator("#action-result")).to_contain_text('"reserved_concurrency": null')
    assert console.app.function_configuration("fail").reserved_concurrency is None


def test_metrics_and_costs_are_drawn(browser_page: Page, console: Served) -> None:
    page = browser_page
    show(page, "metrics")
    charts = 5 + len(console.app.queues)  # the function charts, then one per queue
    expect(page.locator("#charts canvas")).to_have_count(charts, timeout=10_000)
    drawn = page.evaluate(
        "Array.from(document.querySelectorAll('#charts canvas')).map(c => c.dataset.title)"
    )
    assert {"Invocations, Errors, Throttles", "Duration", "Queue slow"} <= set(drawn)
    show(page, "costs")
    expect(page.locator('section[data-section="costs"] svg').first).to_be_visible()


def test_screenshots_of_the_main_views(browser_page: Page, console: Served) -> None:
    """The docs' pictures (each test may run in a worker of its own: this one makes its own
    traffic to show)."""
    page = browser_page
    post(console, "invoke", {"function": "resize", "event": '{"key": "cat.jpg"}'})
    post(console, "invoke", {"function": "fail", "event": "{}"})
    for number in range(3):
        post(console, "send-message", {"queue": "orders", "body": f"order {number}"})
    for view in ("functions", "metrics", "costs", "actions"):
        show(page, view)
        screenshot(page, view)
    show(page, "invocations")
    page.locator("#feed tr", has_text="resize").first.click()
    expect(page.locator("#detail-log")).to_contain_text("REPORT RequestId")
    screenshot(page, "invocations")


def _json_string(text: str) -> str:
    import json

    return json.dumps(text)
