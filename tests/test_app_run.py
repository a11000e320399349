"""`app.run()`: the app as the whole program, run in the foreground until Ctrl-C or SIGTERM,
checked as a user runs it: a script in a subprocess, stopped by a signal."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import sys
import anyio
from faaslib import App

app = App("worker", shutdown_timeout=5)
jobs = app.queue("jobs")


@app.on_queue("jobs")
def work(event, context):
    for record in event["Records"]:
        print("handled", record["body"], flush=True)


anyio.run(jobs.send, "first")
app.run(backend=sys.argv[1])
print("stopped cleanly;", jobs.counters.deleted, "deleted", flush=True)
"""


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_run_delivers_until_a_signal_then_stops_cleanly(
    tmp_path: Path, backend: str, stop: signal.Signals
) -> None:
    script = tmp_path / "worker.py"
    script.write_text(SCRIPT)
    process = subprocess.Popen(
        [sys.executable, str(script), backend],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "handled first\n"  # the mapping ran: the app is up
        process.send_signal(stop)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert out == "stopped cleanly; 1 deleted\n"
