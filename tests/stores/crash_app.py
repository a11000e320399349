"""The child process of the crash tests: an app on a SQLite file (or a Redis URL), killed with
SIGKILL at random moments by the test and started again on the same store.

    python crash_app.py STORE FOLDER COUNT accept     # accept COUNT events and messages
    python crash_app.py STORE FOLDER COUNT consume    # only drain the queue "jobs"
    python crash_app.py STORE FOLDER 0 serve          # run until FOLDER/stop exists (a worker)

STORE is a SQLite file's path or a store URL; `CONCURRENCY` in the environment sets the app's
account concurrency (50), `WORK_SECONDS` the most a handler call works (0.004). Each handler
call appends `+ TIME PID` to `running.log` as it starts and `- TIME PID` as it ends, so a test
can add up the invocations in flight across processes.

`accept` invokes function `work` with COUNT Event invocations and sends COUNT messages to queue
`jobs`, carrying on from the last id its earlier lives wrote to `accepted.log` (an id is written
there once `invoke` or `send` has returned: accepted). Both handlers fail at random (one attempt
in five); `work` sends its failures to the queue `event-failures`, `jobs` moves a message
received twice to `jobs-dlq`. Each success is appended to `succeeded.log` before the handler
returns, with unbuffered writes, so a kill loses none. When all is accepted and nothing is left
to run, the child writes `done` and exits.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import anyio

from faaslib import App, Context


class Log:
    """Lines appended with one `write` each (O_APPEND): a kill never leaves half a line."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def add(self, *lines: str) -> None:
        if lines:
            os.write(self.fd, "".join(f"{line}\n" for line in lines).encode())


WORK_SECONDS = float(os.environ.get("WORK_SECONDS", "0.004"))


def build(store: str, folder: Path) -> App:
    url = store if "://" in store else f"sqlite:///{store}"
    app = App("crash", store=url, concurrency=int(os.environ.get("CONCURRENCY", "50")))
    failed_events = app.queue("event-failures")
    app.queue("jobs-dlq")
    app.queue("jobs", visibility_timeout=2, redrive=("jobs-dlq", 2))
    succeeded = Log(folder / "succeeded.log")
    running = Log(folder / "running.log")
    pid = os.getpid()
    chance = random.Random()

    @app.function(name="work", maximum_retry_attempts=0, on_failure=failed_events.arn)
    async def work(event: Any, context: Context) -> None:
        running.add(f"+ {time.time()} {pid}")
        try:
            await anyio.sleep(chance.random() * WORK_SECONDS)
            if chance.random() < 0.2:
                raise RuntimeError(f"event {event['id']} failed, as one in five does")
            succeeded.add(f"event {event['id']}")
        finally:
            running.add(f"- {time.time()} {pid}")

    @app.on_queue("jobs", batch_size=10, report_batch_item_failures=True, timeout=1)
    async def consume(event: Any, context: Context) -> dict[str, Any]:
        running.add(f"+ {time.time()} {pid}")
        try:
            await anyio.sleep(chance.random() * WORK_SECONDS)
            failures, done = [], []
            for record in event["Records"]:
                if chance.random() < 0.2:
                    failures.append({"itemIdentifier": record["messageId"]})
                else:
                    done.append(f"message {json.loads(record['body'])['id']}")
            succeeded.add(*done)
            return {"batchItemFailures": failures}
        finally:
            running.add(f"- {time.time()} {pid}")

    return app


def accepted_so_far(folder: Path) -> tuple[int, int]:
    """The next event id and message id to accept (one past the highest accepted)."""
    path = folder / "accepted.log"
    highest = {"event": -1, "message": -1}
    if path.exists():
        for line in path.read_text().splitlines():
            kind, number = line.split()
            highest[kind] = max(highest[kind], int(number))
    return highest["event"] + 1, highest["message"] + 1


async def main(store: str, folder: Path, count: int, role: str) -> None:
    app = build(store, folder)
    accepted = Log(folder / "accepted.log")
    jobs = app.queue("jobs")
    async with app:
        if role == "serve":
            while not (folder / "stop").exists():  # noqa: ASYNC110
                await anyio.sleep(0.05)
            return
        if role == "accept":
            next_event, next_message = accepted_so_far(folder)
            while next_event < count or next_message < count:
                # in small rounds, with a pause, so that a kill finds work at every stage
                for _ in range(20):
                    if next_event < count:
                        await app.invoke("work", {"id": next_event}, invocation_type="Event")
                        accepted.add(f"event {next_event}")
                        next_event += 1
                    if next_message < count:
                        await jobs.send({"id": next_message})
                        accepted.add(f"message {next_message}")
                        next_message += 1
                await anyio.sleep(0.002)
        # Other processes' work shows in the file only: looked at a few times a second.
        while (  # noqa: ASYNC110
            app.pending_events()
            or jobs.approximate_number_of_messages
            or jobs.approximate_number_of_messages_not_visible
        ):
            await anyio.sleep(0.1)
    (folder / f"done-{os.getpid()}").write_text("done\n")


if __name__ == "__main__":
    store, folder, count, role = sys.argv[1:5]
    anyio.run(main, store, Path(folder), int(count), role)
