"""The child process of the durable crash test (`test_crash.py`): an app on a SQLite file whose
AWS endpoints (`app.aws`) a real uvicorn serves on 127.0.0.1, killed with SIGKILL by the test
at chosen moments and started again on the same file.

    python tests/durable/crash_worker.py FOLDER

The app is `FOLDER/app.db`; once uvicorn listens, the child writes its port to
`FOLDER/port-PID`. Durable function `order` (AWS's SDK, `@durable_execution`) runs steps,
waits on the real clock and a callback; each step appends `NAME ATTEMPT PID` to
`FOLDER/effects.log` (one `write` with O_APPEND, then fsync: a kill never leaves half a line
and never loses a whole one) and returns that line, so the execution's result names the very
runs whose success was checkpointed. Durable function `greet` is one such step.

`CRASH_AFTER_PUT=KEY` in the environment makes the child kill itself (SIGKILL) right after the
store commits durable document KEY (e.g. `function:greet`, the index of greet's executions).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

import uvicorn
from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import (
    CallbackConfig,
    Duration,
    StepConfig,
    StepSemantics,
)
from aws_durable_execution_sdk_python.retries import RetryDecision

from faaslib import App

# Inside a step: the side effect comes after BEFORE_EFFECT seconds, the step returns (and its
# success is checkpointed) AFTER_EFFECT seconds later; the test kills in either window (at most
# AFTER_EFFECT / 4 after it sees the side effect: 0.4 s left CI's loaded runners too little to
# see it and kill in time, once in three runs of the suite).
BEFORE_EFFECT = 0.05
AFTER_EFFECT = 0.8
WAIT_SECONDS = 1


def effect(folder: Path, name: str) -> Any:
    """A step that does its side effect once per run: one line, durable once written."""

    def run(step: StepContext) -> str:
        time.sleep(BEFORE_EFFECT)
        line = f"{name} {step.attempt} {os.getpid()}"
        fd = os.open(folder / "effects.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, f"{line}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        time.sleep(AFTER_EFFECT)
        return line

    return run


def retry_each_second(error: Exception, attempts_made: int) -> RetryDecision:
    """An interrupted at-most-once attempt is retried a second later (the SDK's least), up to
    ten attempts: the test's kills never exhaust it."""
    if attempts_made >= 10:
        return RetryDecision.no_retry()
    return RetryDecision.retry(Duration.from_seconds(1))


def build(folder: Path) -> App:
    app = App("crash", store=f"sqlite:///{folder / 'app.db'}")

    @app.function(name="order", durable={"execution_timeout": 600}, timeout=30)
    @durable_execution
    def order(event: Any, context: DurableContext) -> Any:
        reserved = context.step(effect(folder, "reserve"), name="reserve")
        context.wait(Duration.from_seconds(WAIT_SECONDS), name="cool-off")
        once = StepConfig(
            step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
            retry_strategy=retry_each_second,
        )
        charged = context.step(effect(folder, "charge"), name="charge", config=once)
        approval = context.create_callback(
            name="approval", config=CallbackConfig(timeout=Duration.from_minutes(10))
        )
        packed = context.step(effect(folder, "pack"), name="pack")
        approved = approval.result()
        context.wait(Duration.from_seconds(WAIT_SECONDS), name="settle")
        shipped = context.step(effect(folder, "ship"), name="ship")
        return {
            "item": event["item"],
            "steps": [reserved, charged, packed, shipped],
            "approval": approved,
        }

    @app.function(name="greet", durable={"execution_timeout": 600}, timeout=30)
    @durable_execution
    def greet(event: Any, context: DurableContext) -> Any:
        return context.step(effect(folder, "greet"), name="greet")

    dying = os.environ.get("CRASH_AFTER_PUT")
    if dying:
        die_after_put(app, dying)
    return app


def die_after_put(app: App, key: str) -> None:
    """SIGKILL this process as soon as the store has committed a put of `durable` `key`: a
    kill at an exact moment between two writes, which a kill from outside hits only by luck."""
    values = app.store.values
    put = values.put

    def put_then_die(namespace: str, name: str, value: Any) -> None:
        put(namespace, name, value)
        if (namespace, name) == ("durable", key):
            os.kill(os.getpid(), signal.SIGKILL)

    values.put = put_then_die  # type: ignore[method-assign,assignment]


class Server(uvicorn.Server):
    """uvicorn, writing its port for the test once it listens (the app has started by then:
    the lifespan runs first)."""

    def __init__(self, config: uvicorn.Config, announce: Path, port: int) -> None:
        super().__init__(config)
        self.announce = announce
        self.port = port

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        written = self.announce.with_suffix(".tmp")
        written.write_text(str(self.port))
        written.rename(self.announce)  # whole, or not there


def main(folder: Path) -> None:
    app = build(folder)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app.aws, lifespan="on", ws="none", log_level="warning")
    server = Server(config, folder / f"port-{os.getpid()}", sock.getsockname()[1])
    server.run(sockets=[sock])


if __name__ == "__main__":
    main(Path(sys.argv[1]))
