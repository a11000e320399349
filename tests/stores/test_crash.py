"""Nothing accepted is lost when the process dies: real child processes running an app on a
SQLite file (`crash_app.py`), killed with SIGKILL at random moments and started again.

After the last life, every accepted Event invocation has succeeded at least once or its
failure record sits in the `on_failure` queue, and every accepted message has succeeded or sits
in the dead-letter queue. Duplicates are what at-least-once delivery allows (a handler's success
written just before its process was killed, then run again); they are counted and shown.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from faaslib.clock import SystemClock
from faaslib.sources.queue import Queue
from faaslib.stores import SQLiteBackend

CHILD = Path(__file__).with_name("crash_app.py")
ROOT = Path(__file__).parents[2]
ITEMS = 10_000
KILLS = 20

pytestmark = pytest.mark.slow


def start(folder: Path, role: str, count: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), str(folder / "app.db"), str(folder), str(count), role],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the handlers' random failures are logged there
    )


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def queued_bodies(folder: Path, name: str) -> list[dict[str, object]]:
    """The bodies of the messages a queue of the crashed app holds, read from its file."""
    backend = SQLiteBackend(folder / "app.db")
    try:
        return [
            json.loads(item.body) for item in Queue(name, SystemClock(), backend=backend).snapshot()
        ]
    finally:
        backend.close()


def outcomes(folder: Path) -> tuple[Counter[str], set[str]]:
    """How often each item succeeded, and the items that ended in a failure queue."""
    succeeded = Counter(lines(folder / "succeeded.log"))
    failed = {
        f"event {record['requestPayload']['id']}"
        for record in queued_bodies(folder, "event-failures")
    }  # type: ignore[index]
    failed |= {f"message {body['id']}" for body in queued_bodies(folder, "jobs-dlq")}
    return succeeded, failed


@pytest.mark.timeout(180)  # long even alone; longer beside other tests
def test_nothing_accepted_is_lost_across_twenty_kills(tmp_path: Path) -> None:
    chance = random.Random(2026)
    kills = mid_acceptance = 0
    started = time.monotonic()
    while kills < KILLS:
        child = start(tmp_path, "accept", ITEMS)
        time.sleep(chance.uniform(0.2, 1.0))
        if child.poll() is not None:  # it finished all its work before the kill came
            break
        accepted_before = len(lines(tmp_path / "accepted.log"))
        child.send_signal(signal.SIGKILL)
        child.wait()
        kills += 1
        mid_acceptance += accepted_before < 2 * ITEMS
    final = start(tmp_path, "accept", ITEMS)
    assert final.wait(timeout=240) == 0
    assert (tmp_path / f"done-{final.pid}").exists()

    accepted = set(lines(tmp_path / "accepted.log"))
    assert len(accepted) == 2 * ITEMS
    succeeded, failed = outcomes(tmp_path)
    lost = accepted - set(succeeded) - failed
    assert not lost, f"{len(lost)} accepted items lost, such as {sorted(lost)[:5]}"
    with sqlite3.connect(tmp_path / "app.db") as database:  # nothing left to run
        assert database.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)
        assert database.execute(
            "SELECT COUNT(*) FROM messages WHERE queue = 'jobs'"
        ).fetchone() == (0,)
    duplicates = sum(count - 1 for count in succeeded.values()) + len(failed & set(succeeded))
    took = time.monotonic() - started
    print(
        f"\n{kills} kills ({mid_acceptance} while accepting) in {took:.1f} s: "
        f"{len(accepted):,} items accepted, {len(set(succeeded)):,} succeeded, "
        f"{len(failed):,} in failure queues, 0 lost, {duplicates} run again after a kill"
    )
    assert kills == KILLS
    assert mid_acceptance >= KILLS // 2
    # at least once, not "many times": a kill repeats at most the work in hand when it came
    assert duplicates <= kills * 100


def test_two_processes_share_a_queue_and_a_kill_mid_batch_loses_nothing(
    tmp_path: Path,
) -> None:
    count = 3_000
    backend = SQLiteBackend(tmp_path / "app.db")
    jobs = Queue("jobs", SystemClock(), visibility_timeout=2, backend=backend)
    for first in range(0, count, 10):
        jobs._send_batch_now(
            [{"id": str(n), "body": json.dumps({"id": n})} for n in range(first, first + 10)]
        )
    backend.close()
    workers = [start(tmp_path, "consume", 0) for _ in range(2)]
    deadline = time.monotonic() + 30
    while len(lines(tmp_path / "succeeded.log")) < count // 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(workers[0].pid, signal.SIGKILL)  # mid-batch: it was consuming as fast as it could
    workers[0].wait()
    assert workers[1].wait(timeout=120) == 0  # the survivor drains the queue, then stops
    succeeded, failed = outcomes(tmp_path)
    everything = {f"message {n}" for n in range(count)}
    assert everything <= set(succeeded) | failed
    pids = {path.name for path in tmp_path.glob("done-*")}
    assert pids == {f"done-{workers[1].pid}"}
