"""A fleet on one Redis server: four worker processes (`crash_app.py serve`) share the queue
`jobs` and the Event invocations an acceptor process (`crash_app.py accept`) hands them (1,000
of each), while the test kills two workers with SIGKILL at random moments and starts them
again.

At the end every accepted item has succeeded or sits in its failure queue (the conservation
invariant), and the invocations in flight, added up over the processes from the handlers' own
start and end lines (a killed worker's unfinished ones end at its kill), never exceeded the
account's concurrency: the limit is the fleet's, not each process's.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import anyio
import pytest

from faaslib import App
from faaslib.clock import SystemClock
from faaslib.sources.queue import Queue
from faaslib.stores import open_store

CHILD = Path(__file__).with_name("crash_app.py")
ROOT = Path(__file__).parents[2]
ITEMS = 1_000
LIMIT = 10
WORKERS = 4

pytestmark = pytest.mark.slow


def start(store: str, folder: Path, role: str, count: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), store, str(folder), str(count), role],
        cwd=ROOT,
        # handlers long enough that the fleet's limit, not the acceptor's pace, bounds the work
        env={**os.environ, "CONCURRENCY": str(LIMIT), "WORK_SECONDS": "0.03"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the handlers' random failures are logged there
    )


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def queued_bodies(store: str, name: str) -> list[dict[str, object]]:
    backend = open_store(store)
    try:
        queue = Queue(name, SystemClock(), backend=backend)
        return [json.loads(item.body) for item in queue.snapshot()]
    finally:
        backend.close()


def most_in_flight(folder: Path, killed_at: dict[int, list[float]]) -> int:
    """The most handler calls in flight at once over all processes: each `+` line opens one,
    each `-` line closes one of its process; those a kill cut short close at that kill."""
    changes: list[tuple[float, int]] = []
    open_by_pid: Counter[int] = Counter()
    starts: dict[int, list[float]] = {}
    for line in lines(folder / "running.log"):
        sign, moment, pid = line.split()
        changes.append((float(moment), 1 if sign == "+" else -1))
        if sign == "+":
            open_by_pid[int(pid)] += 1
            starts.setdefault(int(pid), []).append(float(moment))
        else:
            open_by_pid[int(pid)] -= 1
    for pid, unfinished in open_by_pid.items():
        kills = sorted(killed_at.get(pid, []))
        for begun in sorted(starts[pid])[-unfinished:] if unfinished > 0 else []:
            ended = next((kill for kill in kills if kill >= begun), None)
            assert ended is not None, f"process {pid} left a call unfinished without a kill"
            changes.append((ended, -1))
    # at one instant an end comes before a start: a slot freed is taken again
    changes.sort(key=lambda change: (change[0], change[1]))
    in_flight = most = 0
    for _, change in changes:
        in_flight += change
        most = max(most, in_flight)
    return most


@pytest.mark.timeout(180)  # long even alone; longer beside other tests
def test_a_fleet_loses_nothing_and_keeps_the_account_limit_while_workers_die(
    redis_url: str, tmp_path: Path
) -> None:
    store = f"{redis_url}?prefix=fleet{uuid.uuid4().hex[:8]}"
    chance = random.Random(22)
    workers = [start(store, tmp_path, "serve", 0) for _ in range(WORKERS)]
    acceptor = start(store, tmp_path, "accept", ITEMS)
    killed_at: dict[int, list[float]] = {}
    kills = 0
    started = time.monotonic()
    try:
        while acceptor.poll() is None and time.monotonic() - started < 120:
            time.sleep(chance.uniform(0.3, 1.2))
            for index in chance.sample(range(WORKERS), 2):  # two of the four die at once
                victim = workers[index]
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                killed_at.setdefault(victim.pid, []).append(time.time())
                kills += 1
                workers[index] = start(store, tmp_path, "serve", 0)
        assert acceptor.wait(timeout=120) == 0  # it waits for the fleet to finish the work
    finally:
        (tmp_path / "stop").write_text("stop\n")
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
    took = time.monotonic() - started

    accepted = set(lines(tmp_path / "accepted.log"))
    assert len(accepted) == 2 * ITEMS
    succeeded = Counter(lines(tmp_path / "succeeded.log"))
    failed = {
        f"event {record['requestPayload']['id']}"  # type: ignore[index]
        for record in queued_bodies(store, "event-failures")
    }
    failed |= {f"message {body['id']}" for body in queued_bodies(store, "jobs-dlq")}
    lost = accepted - set(succeeded) - failed
    assert not lost, f"{len(lost)} accepted items lost, such as {sorted(lost)[:5]}"
    most = most_in_flight(tmp_path, killed_at)
    duplicates = sum(count - 1 for count in succeeded.values()) + len(failed & set(succeeded))
    print(
        f"\n{WORKERS} workers, {kills} SIGKILLs in {took:.1f} s: {len(accepted):,} accepted, "
        f"{len(set(succeeded)):,} succeeded, {len(failed):,} in failure queues, 0 lost, "
        f"{duplicates} run again after a kill; at most {most} in flight (limit {LIMIT})"
    )
    assert kills >= 4
    assert most <= LIMIT
    assert most >= LIMIT // 2  # the fleet did run in parallel: the check above had a load

    # The fleet's metrics and bill add up every process's invocations: all of those of the
    # processes never killed, and of the killed ones what they sent before their last second.
    started_by: Counter[int] = Counter(
        int(line.split()[2]) for line in lines(tmp_path / "running.log") if line[0] == "+"
    )
    survivors = sum(count for pid, count in started_by.items() if pid not in killed_at)
    invocations, requests = anyio.run(fleet_figures, store)
    print(
        f"fleet: {invocations:,} invocations, {requests:,} billed requests, "
        f"{sum(started_by.values()):,} handler calls started, {survivors:,} by the survivors"
    )
    for figure in (invocations, requests):
        assert survivors <= figure <= sum(started_by.values())


async def fleet_figures(store: str) -> tuple[int, int]:
    """The fleet's invocations and billed requests, as a process joining it sees them."""
    app = App("crash", store=store)
    for name in ("work", "consume"):
        app.function(name=name)(lambda event, context: None)
    async with app:
        invocations = app.metrics()["Invocations"]
        requests = app.costs.total().requests
    return invocations, int(requests)


def test_most_in_flight_counts_overlaps_and_closes_killed_calls(tmp_path: Path) -> None:
    (tmp_path / "running.log").write_text(
        "+ 1.0 7\n+ 1.5 8\n- 2.0 7\n+ 2.0 7\n+ 2.5 9\n- 3.0 8\n- 3.5 9\n"
    )  # process 7's second call never ends: killed at 4.0
    assert most_in_flight(tmp_path, {7: [4.0]}) == 3
    assert most_in_flight(tmp_path, {7: [2.2]}) == 2  # killed before 9 started
