"""Invocations running in the background of a test, while it moves the fake clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.abc

from faaslib import App, InvocationResult


class Invocations:
    """Starts `app.invoke` calls in `tasks` and collects their results as they finish.

    >>> async with anyio.create_task_group() as tasks:
    ...     running = Invocations(app, tasks)
    ...     running.start("slow")
    ...     await clock.advance(3)
    >>> running.results[0].function_error
    """

    def __init__(self, app: App, tasks: anyio.abc.TaskGroup) -> None:
        self.app = app
        self.tasks = tasks
        self.results: list[InvocationResult] = []

    def start(self, name: str, payload: Any = None, **options: Any) -> None:
        self.tasks.start_soon(self._invoke, name, payload, options)

    async def _invoke(self, name: str, payload: Any, options: dict[str, Any]) -> None:
        self.results.append(await self.app.invoke(name, payload, **options))


async def eventually(condition: Callable[[], bool], seconds: float = 10) -> None:
    """Wait in real time until `condition()` holds: for work in worker threads (class inits,
    sync handlers), which the fake clock and `wait_all_tasks_blocked` cannot see."""
    with anyio.fail_after(seconds):
        while not condition():  # noqa: ASYNC110 - threads cannot wake the event loop
            await anyio.sleep(0.001)
