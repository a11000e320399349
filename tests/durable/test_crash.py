"""A durable execution survives its process being killed: a real child process
(`crash_worker.py`) runs an app on a SQLite file with AWS's durable SDK, real boto3 talks to its
`app.aws` over uvicorn, and the test SIGKILLs the child at chosen moments (mid-step, mid-wait,
suspended on a callback, just after answering it), starting it again on the same file each
time, until the execution ends.

Waits run on the real clock (1 s each). The kills are placed by a seeded random plan; the seed
is printed, and `CRASH_SEED=<seed>` replays it. After each kill the test reads what the dead
process left in the file, so what Lambda's semantics allow is counted exactly:

- a step whose success was checkpointed never runs again: the line its result names appears
  once, and last;
- an AT_LEAST_ONCE step (the SDK's default) killed after its side effect and before its
  success was checkpointed runs again, as the same attempt: one extra line per such kill;
- an AT_MOST_ONCE_PER_RETRY step killed after its start was checkpointed is not run again as
  that attempt: the next invocation fails the attempt (StepInterruptedError) and the retry
  strategy runs a new one; no attempt number ever appears twice.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3", reason="boto3 is the test's client of app.aws")
pytest.importorskip("aws_durable_execution_sdk_python", reason="the durable SDK")
from botocore.config import Config  # noqa: E402
from botocore.exceptions import BotoCoreError  # noqa: E402

from faaslib.stores import SQLiteBackend  # noqa: E402
from tests.durable.crash_worker import AFTER_EFFECT, WAIT_SECONDS  # noqa: E402

CHILD = Path(__file__).with_name("crash_worker.py")
ROOT = Path(__file__).parents[2]
STEPS = ("reserve", "charge", "pack", "ship")
AT_MOST_ONCE = "charge"
APPROVAL = {"approved": True, "by": "the parent"}
LIFE_SECONDS = 20  # the most one life may take to reach its kill (or the end)


@dataclass
class Kill:
    """Where a kill is aimed (`kind`, `target`), how long after that moment it comes, and what
    the dead process left in the store (`state`: operation name -> status)."""

    # "step", "wait", "callback" (suspended on it), "answered" (just after answering it), or
    # "moment" (`delay` after the life began)
    kind: str
    target: str
    delay: float
    pid: int = 0
    state: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)  # the dead process's side effects


def plan(chance: random.Random) -> list[Kill]:
    """The kills, in the workflow's order: always mid-step in an AT_LEAST_ONCE step and in the
    AT_MOST_ONCE one, mid-wait and suspended on the callback; the rest at random. Half the
    plans start with a kill at a random moment of the first life (mid-step, before or after
    the side effect, between operations, mid-wait): the aimed kills then all come later."""
    moment = chance.random() < 0.5
    steps = ("pack",) if moment else ("reserve", "pack")
    waits = ("settle",) if moment else ("cool-off", "settle")
    kills = [
        Kill("step", chance.choice(steps), chance.uniform(0, AFTER_EFFECT / 4)),
        Kill("step", AT_MOST_ONCE, chance.uniform(0, AFTER_EFFECT / 4)),
        Kill("wait", chance.choice(waits), chance.uniform(0, WAIT_SECONDS / 2)),
        Kill("callback", "approval", chance.uniform(0, 0.3)),
    ]
    optional = [
        Kill("answered", "approval", chance.uniform(0, 0.05)),
        Kill("step", "ship", chance.uniform(0, AFTER_EFFECT / 4)),
        Kill("step", AT_MOST_ONCE, chance.uniform(0, AFTER_EFFECT / 4)),
    ]
    if not moment:
        optional.append(Kill("step", "reserve", chance.uniform(0, AFTER_EFFECT / 4)))
    kills += chance.sample(optional, chance.randint(0, 1))
    order = ["reserve", "cool-off", AT_MOST_ONCE, "pack", "approval", "settle", "ship"]
    kills.sort(key=lambda kill: (order.index(kill.target), kill.kind == "answered"))
    if moment:  # the first step and wait take 1.4 s: a kill by 1.2 s comes before the charge
        kills.insert(0, Kill("moment", "", chance.uniform(0.1, 1.2)))
    return kills


class Life:
    """One run of the child process, and a boto3 Lambda client of its `app.aws`."""

    def __init__(self, folder: Path, **environ: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), **environ}  # the faaslib this test imports
        with (folder / "children.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(CHILD), str(folder)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=log,  # the SDK logs each interrupted attempt there
            )
        announced = folder / f"port-{self.process.pid}"
        deadline = time.monotonic() + 30
        while not announced.exists():
            assert self.process.poll() is None, f"the child exited with {self.process.returncode}"
            assert time.monotonic() < deadline, "the child did not start serving in 30 s"
            time.sleep(0.01)
        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        self.aws = session.client(
            "lambda",
            endpoint_url=f"http://127.0.0.1:{announced.read_text()}",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


class Driver:
    """The test's side: starts the execution, answers its callback, watches and kills."""

    def __init__(self, folder: Path, seed: int) -> None:
        self.folder = folder
        self.seed = seed
        self.effects = folder / "effects.log"
        self.arn = ""
        self.answered = False
        self.killed: list[Kill] = []

    def lines(self) -> list[str]:
        return self.effects.read_text().splitlines() if self.effects.exists() else []

    def events(self, life: Life) -> list[dict[str, Any]]:
        answer = life.aws.get_durable_execution_history(DurableExecutionArn=self.arn, MaxItems=1000)
        return list(answer["Events"])

    def answer(self, life: Life, events: list[dict[str, Any]]) -> bool:
        """Answer the callback once it is there; whether it was answered now."""
        started = [event for event in events if event["EventType"] == "CallbackStarted"]
        if self.answered or not started:
            return False
        callback_id = started[0]["CallbackStartedDetails"]["CallbackId"]
        life.aws.send_durable_execution_callback_success(
            CallbackId=callback_id, Result=json.dumps(APPROVAL).encode()
        )
        self.answered = True
        return True

    def ran(self, step: str, life: Life) -> bool:
        """Whether `step` did its side effect in this life."""
        return any(line.split()[::2] == [step, str(life.pid)] for line in self.lines())

    def reached(self, kill: Kill, life: Life, events: list[dict[str, Any]]) -> bool:
        """Whether the moment `kill` (not a step's) aims at has come in this life."""
        named = [event["EventType"] for event in events if event.get("Name") == kill.target]
        if kill.kind == "wait":
            return "WaitStarted" in named and "WaitSucceeded" not in named
        if kill.kind == "callback":  # created, unanswered, and the invocation has returned
            suspended = events[-1]["EventType"] == "InvocationCompleted"
            return "CallbackStarted" in named and not self.answered and suspended
        return self.answer(life, events)  # "answered": the kill comes right after the answer

    def status(self, life: Life) -> str:
        return str(life.aws.get_durable_execution(DurableExecutionArn=self.arn)["Status"])

    def live(self, life: Life, kill: Kill | None, later: list[Kill]) -> bool:
        """Run one life until `kill`'s moment, then kill; whether the execution is still
        running (without a kill: until the execution ends). The callback is answered as soon
        as it is there, unless this kill or a `later` one is aimed at it."""
        aimed = [k for k in [kill, *later] if k is not None and k.target == "approval"]
        deadline = time.monotonic() + LIFE_SECONDS
        looked = 0.0
        if kill is not None and kill.kind == "moment":  # from the life's start, blindly
            self.kill(kill, life)
            return True
        while time.monotonic() < deadline:
            if kill is not None and kill.kind == "step":  # the file alone: no time lost
                if self.ran(kill.target, life):
                    self.kill(kill, life)
                    return True
                if time.monotonic() - looked < 0.1:
                    time.sleep(0.002)
                    continue
            looked = time.monotonic()
            events = self.events(life)
            if events[-1]["EventType"].startswith("Execution") and self.status(life) != "RUNNING":
                return False
            if kill is not None and kill.kind != "step" and self.reached(kill, life, events):
                self.kill(kill, life)
                return True
            if not aimed:
                self.answer(life, events)
            time.sleep(0.02)
        aim = "the end" if kill is None else f"{kill.kind} {kill.target}"
        raise AssertionError(
            f"seed {self.seed}: life {len(self.killed) + 1} (pid {life.pid}) did not reach "
            f"{aim} in {LIFE_SECONDS} s after {self.killed_so_far()}; "
            f"status {self.status(life)}, history {summary(self.events(life))}, "
            f"kept {self.kept_operations()}, effects {self.lines()}"
        )

    def kill(self, kill: Kill, life: Life) -> None:
        """Kill `life` `kill.delay` s from now; keep what the dead process left."""
        time.sleep(kill.delay)
        life.kill()
        kill.pid = life.pid
        kill.state = self.kept_operations()
        kill.lines = [line for line in self.lines() if line.endswith(f" {life.pid}")]
        self.killed.append(kill)

    def kept_operations(self) -> dict[str, str]:
        """What the store holds of each operation (name -> status): the truth a restart
        resumes from, read with no app at all."""
        backend = SQLiteBackend(self.folder / "app.db")
        try:
            document = backend.values.get("durable", self.arn)
        finally:
            backend.close()
        assert document is not None, f"seed {self.seed}: {self.arn} is not in the store"
        operations = document["operations"].values()
        return {op["Name"]: op["Status"] for op in operations if op["Type"] != "EXECUTION"}

    def killed_so_far(self) -> str:
        return ", ".join(
            f"{k.kind} {k.target}".strip() + f" (pid {k.pid}: {k.state})" for k in self.killed
        )


def summary(events: list[dict[str, Any]]) -> list[str]:
    return [f"{event['EventType']} {event.get('Name') or ''}".strip() for event in events]


@pytest.mark.slow
@pytest.mark.timeout(150)
def test_a_workflow_killed_again_and_again_ends_with_each_side_effect_done_as_lambda_allows(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("CRASH_SEED") or random.randrange(2**32))
    print(f"\nCRASH_SEED={seed}")
    driver = Driver(tmp_path, seed)
    kills = plan(random.Random(seed))
    print("plan:", [f"{kill.kind} {kill.target} +{kill.delay:.3f}s" for kill in kills])
    started = time.monotonic()

    lives: list[Life] = []
    try:
        lives.append(Life(tmp_path))
        answer = lives[-1].aws.invoke(
            FunctionName="order",
            InvocationType="Event",
            DurableExecutionName="order-1",
            Payload=json.dumps({"item": "lamp"}).encode(),
        )
        assert answer["StatusCode"] == 202
        driver.arn = answer["DurableExecutionArn"]
        for index, kill in enumerate(kills):
            if not driver.live(lives[-1], kill, kills[index + 1 :]):
                break
            lives.append(Life(tmp_path))
        else:
            assert not driver.live(lives[-1], None, [])
        life = lives[-1]
        execution = life.aws.get_durable_execution(DurableExecutionArn=driver.arn)
        events = driver.events(life)
        again = life.aws.invoke(  # the same name and input, after every restart: the same one
            FunctionName="order",
            InvocationType="Event",
            DurableExecutionName="order-1",
            Payload=json.dumps({"item": "lamp"}).encode(),
        )
    finally:
        for life in lives:
            if life.process.poll() is None:
                life.kill()
    took = time.monotonic() - started
    where = f"seed {seed}, kills: {driver.killed_so_far()}"
    print(f"{len(driver.killed)} kills in {took:.1f} s; {where}")
    print("effects:", driver.lines())

    assert execution["Status"] == "SUCCEEDED", f"{where}: {execution}"
    assert again["DurableExecutionArn"] == driver.arn
    assert len(driver.killed) == len(kills), f"{where}: the execution ended before its kills"
    result = json.loads(execution["Result"])
    assert result["item"] == "lamp"
    assert json.loads(result["approval"]) == APPROVAL
    checkpointed = dict(zip(STEPS, result["steps"], strict=True))
    succeeded = {
        event["Name"]: json.loads(event["StepSucceededDetails"]["Result"]["Payload"])
        for event in events
        if event["EventType"] == "StepSucceeded"
    }
    assert succeeded == checkpointed, where  # the result's steps are the ones checkpointed

    lines = driver.lines()
    assert len(set(lines)) == len(lines), f"{where}: a run did its side effect twice: {lines}"
    killed_pids = {kill.pid for kill in driver.killed}
    for step in STEPS:
        runs = [line for line in lines if line.split()[0] == step]
        winner = checkpointed[step]
        assert runs.count(winner) == 1, f"{where}: {step} ran {runs}"
        assert runs[-1] == winner, f"{where}: {step} ran again after its success: {runs}"
        assert {int(line.split()[2]) for line in runs[:-1]} <= killed_pids, where
        # A kill with the step's side effect done and its success not yet kept: one extra run.
        interrupted = [
            kill
            for kill in driver.killed
            if any(line.split()[0] == step for line in kill.lines)
            and kill.state.get(step) != "SUCCEEDED"
        ]
        assert len(runs) == 1 + len(interrupted), f"{where}: {step} ran {runs}"
        attempts = [int(line.split()[1]) for line in runs]
        if step != AT_MOST_ONCE:  # run again after a kill as the same attempt
            assert attempts == [1] * len(runs), f"{where}: {step} ran {runs}"

    # AT_MOST_ONCE_PER_RETRY: each kill with the step's start kept ends that attempt; the
    # next invocation fails it (StepInterruptedError) and the retry strategy starts another.
    charge = [int(line.split()[1]) for line in lines if line.split()[0] == AT_MOST_ONCE]
    assert sorted(Counter(charge).values()) == [1] * len(charge), f"{where}: {charge}"
    assert charge == sorted(charge), where
    starts = [kill for kill in driver.killed if kill.state.get(AT_MOST_ONCE) == "STARTED"]
    final = int(checkpointed[AT_MOST_ONCE].split()[1])
    assert final == 1 + len(starts), f"{where}: {AT_MOST_ONCE} ended on attempt {final}"
    interruptions = [
        event
        for event in events
        if event["EventType"] == "StepFailed"
        and event["Name"] == AT_MOST_ONCE
        and event["StepFailedDetails"]["Error"]["Payload"]["ErrorType"].endswith(
            ".StepInterruptedError"
        )
    ]
    assert len(interruptions) == len(starts), f"{where}: {summary(events)}"

    # What a dead process was answered was kept: it did a step's side effect only once every
    # step before it had its success kept, and its answer to the callback was kept too.
    for kill in driver.killed:
        for line in kill.lines:
            before = STEPS[: STEPS.index(line.split()[0])]
            kept = {step: kill.state.get(step) for step in before}
            assert set(kept.values()) <= {"SUCCEEDED"}, f"{where}: {line} ran with {kept}"
        if kill.kind == "answered":
            assert kill.state["approval"] == "SUCCEEDED", where

    # The kills fell where they were aimed: the store shows what each interrupted.
    mid_step = [
        k for k in driver.killed if k.kind == "step" and k.state.get(k.target) != "SUCCEEDED"
    ]
    assert {k.target == AT_MOST_ONCE for k in mid_step} == {True, False}, where
    assert any(k.kind == "wait" and k.state.get(k.target) == "STARTED" for k in driver.killed), (
        where
    )
    assert any(
        k.kind == "callback" and k.state.get("approval") == "STARTED" for k in driver.killed
    ), where


@pytest.mark.parametrize("last_write", ["active", "count:greet", "function:greet:1"])
def test_a_start_killed_between_its_writes_still_runs_when_started_again(
    tmp_path: Path, last_write: str
) -> None:
    """Starting an execution writes several documents: the execution, the list of executions
    to resume, its function's index of executions and its name (which a start by name looks
    in). Killed between two, the caller had no answer and starts it again by name, as Lambda's
    idempotent start invites: the one execution must run, once, not stay RUNNING with nothing
    running it, nor run twice."""
    first = Life(tmp_path, CRASH_AFTER_PUT=last_write)
    try:
        with pytest.raises(BotoCoreError):  # the connection drops: no answer
            first.aws.invoke(
                FunctionName="greet", InvocationType="Event", DurableExecutionName="greet-1"
            )
        assert first.process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if first.process.poll() is None:
            first.kill()
    second = Life(tmp_path)
    try:
        answer = second.aws.invoke(
            FunctionName="greet", InvocationType="Event", DurableExecutionName="greet-1"
        )
        arn = answer["DurableExecutionArn"]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            execution = second.aws.get_durable_execution(DurableExecutionArn=arn)
            if execution["Status"] != "RUNNING":
                break
            time.sleep(0.05)
    finally:
        second.kill()
    status = execution["Status"]
    assert status == "SUCCEEDED", f"{arn}, started again by name, is {status}: nothing runs it"
    assert json.loads(execution["Result"]) == f"greet 1 {second.pid}"
    assert (tmp_path / "effects.log").read_text() == f"greet 1 {second.pid}\n"
