"""Running a corpus project end to end: its template loaded, the app started on the test's
anyio backend (asyncio and trio), its own handler code unchanged, and its AWS SDK calls
reaching the app in process."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from faaslib import App
from faaslib.testing import TestClient

from .checks import BY_ID, load

PROBE = "corpus-probe"
"""A queue the tests subscribe to a project's topic, to see what its handlers publish."""


@contextmanager
def running(
    project_id: str, backend: str, *, probe_topic: str | None = None, **options: Any
) -> Iterator[tuple[App, TestClient]]:
    """Project `project_id`'s app, running; with `probe_topic` (a logical id) subscribed to
    the queue PROBE first."""
    app, _ = load(BY_ID[project_id], **options)
    if probe_topic is not None:
        app.subscribe(probe_topic, PROBE)
    with TestClient(app, backend=backend) as client:
        yield app, client


def published(app: App) -> list[dict[str, Any]]:
    """The SNS notifications the probe queue holds, decoded."""
    return [json.loads(message.body) for message in app.queue(PROBE).snapshot()]


def eventually(check: Callable[[], Any], seconds: float = 3.0, *, app: App | None = None) -> Any:
    """`check()`'s first truthy result, polling for up to `seconds` of real time: for effects
    that a trigger's delivery makes after the call that caused them returned. With `app`, it
    stops early once one of the app's functions has failed (what it waited for will not come
    that way)."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline or (app is not None and errors(app)):
            return result if result else check()
        time.sleep(0.01)


def errors(app: App) -> int:
    """How many invocations of the app's functions have failed."""
    return sum(int(app.metrics(name)["Errors"]) for name in app.functions)


class Output:
    """What the handlers printed, as pytest captured it (handlers print from worker threads,
    after the call that triggered them returned)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.text = ""

    def wait_for(self, text: str, seconds: float = 10.0, *, app: App | None = None) -> str:
        """All that was printed, once `text` is among it or `seconds` have passed (or, with
        `app`, once one of its functions failed): the test then asserts what it holds."""

        def seen() -> bool:
            self.text += self.capsys.readouterr().out
            return text in self.text

        eventually(seen, seconds, app=app)
        return self.text
