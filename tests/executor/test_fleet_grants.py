"""The account's concurrency and reserved concurrency are the fleet's on Redis: processes on one
prefix never run more than the limits together, and a process killed mid-run frees its share:
at once on its host (its pid is gone), when its lease lapses on any other.

The fleet test runs four real processes (`fleet_app.py`) on this host; the unit tests drive
`FleetGrants` turn by turn, several "processes" (an admission and its grants each) on one
prefix, on a fake clock that expires leases at will (a process on another host, which nobody
sees die).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import App, Context, TooManyRequests
from faaslib.executor.admission import Admission, Slots
from faaslib.executor.grants import LEASE, MARGIN, FleetGrants
from faaslib.stores import RedisBackend
from faaslib.testing import FakeClock
from tests.executor import fleet_app

CHILD = Path(fleet_app.__file__)
ROOT = Path(__file__).parents[2]
PROCESSES = 4
REFUSED = "ConcurrentInvocationLimitExceeded"
REASONS = {
    "ConcurrentInvocationLimitExceeded",
    "ReservedFunctionConcurrentInvocationLimitExceeded",
}


# -- a fleet of real processes ----------------------------------------------------------------


def read(backend: RedisBackend, key: str) -> dict[str, str]:
    async def work(client: Any) -> Any:
        return await client.hgetall(backend.key(*key.split(":")))

    return {k.decode(): v.decode() for k, v in backend.blocking(work).items()}


def most(backend: RedisBackend, name: str) -> int:
    async def work(client: Any) -> Any:
        return await client.get(backend.key("fleet", "most", name))

    return int(backend.blocking(work) or 0)


def forget(backend: RedisBackend, pid: int) -> None:
    """Take a killed process's handlers off the in-flight counts (they died with it)."""

    async def work(client: Any) -> None:
        for name in ("work", "capped", "all"):
            await client.hdel(backend.key("fleet", "inflight", name), [str(pid)])

    backend.blocking(work)


def in_flight(backend: RedisBackend) -> int:
    return sum(int(count) for count in read(backend, "fleet:inflight:all").values())


def granted(backend: RedisBackend, pool: str) -> dict[str, int]:
    return {who: int(value.split()[0]) for who, value in read(backend, pool).items()}


@pytest.fixture
def fleet_store(redis_url: str) -> Iterator[tuple[str, RedisBackend]]:
    store = f"{redis_url}?prefix=grants{uuid.uuid4().hex[:8]}"
    backend = RedisBackend(store)
    try:
        yield store, backend
    finally:
        backend.close()


def test_a_fleet_keeps_the_limits_and_a_killed_process_frees_its_share(
    fleet_store: tuple[str, RedisBackend], tmp_path: Path
) -> None:
    store, backend = fleet_store
    errors = (tmp_path / "errors.log").open("ab")
    children = [
        subprocess.Popen(
            [sys.executable, str(CHILD), store, str(tmp_path)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        for _ in range(PROCESSES)
    ]
    errors.close()
    try:
        deadline = time.monotonic() + 20
        while len(list(tmp_path.glob("*.ready"))) < PROCESSES:
            assert time.monotonic() < deadline, "the fleet's processes did not start"
            assert all(child.poll() is None for child in children)
            time.sleep(0.05)
        samples = []
        started = time.monotonic()
        while time.monotonic() - started < 1.0:  # all four invoking hard
            samples.append(in_flight(backend))
            time.sleep(0.01)
        victim = children[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        killed = time.monotonic()
        forget(backend, victim.pid)
        marker = f"/{victim.pid}/"
        while any(marker in who for who in granted(backend, "grants:account")):
            assert time.monotonic() - killed < LEASE + 1, "the killed process's grants stayed"
            time.sleep(0.05)
        freed = time.monotonic() - killed
        while (
            sum(granted(backend, "grants:account").values()) < fleet_app.LIMIT - fleet_app.RESERVED
            or sum(granted(backend, "grants:fn:capped").values()) < fleet_app.RESERVED
        ):
            assert time.monotonic() - killed < LEASE + 2, "the survivors did not take its share"
            time.sleep(0.02)
        taken = time.monotonic() - killed
        started = time.monotonic()
        while time.monotonic() - started < 0.5:
            samples.append(in_flight(backend))
            time.sleep(0.01)
    finally:
        (tmp_path / "stop").write_text("")
        for child in children[1:]:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    for child in children[1:]:
        assert child.returncode == 0, (tmp_path / "errors.log").read_text()
    summaries = [json.loads(path.read_text()) for path in tmp_path.glob("*.json")]
    assert len(summaries) == PROCESSES - 1
    throttles = {reason for s in summaries for reason in s["throttles"]}
    done = sum(sum(s["done"].values()) for s in summaries)
    refused = sum(sum(s["throttles"].values()) for s in summaries)
    by_grant = sum(s["by_grant"] for s in summaries)
    fleet = {name: most(backend, name) for name in ("all", "work", "capped")}
    print(
        f"\n{PROCESSES} processes, one SIGKILLed: at most {fleet} in flight (limits "
        f"{fleet_app.LIMIT}, {fleet_app.LIMIT - fleet_app.RESERVED} unreserved, "
        f"{fleet_app.RESERVED} reserved); its grants freed after {freed:.2f} s and taken "
        f"by the others after {taken:.2f} s (same host; lease {LEASE} s); survivors: {done} "
        f"invocations, "
        f"{refused} throttles ({by_grant} by the process's grant); in flight when the fleet "
        f"was whole: {sum(samples) / len(samples):.1f} on average, at the limit in "
        f"{sum(s == fleet_app.LIMIT for s in samples) / len(samples):.0%} of samples"
    )
    assert fleet["all"] <= fleet_app.LIMIT
    assert fleet["capped"] <= fleet_app.RESERVED
    assert fleet["work"] <= fleet_app.LIMIT - fleet_app.RESERVED
    assert fleet["all"] >= fleet_app.LIMIT - 1  # the fleet did use the limits: a real load
    assert throttles == REASONS  # Lambda's reasons, both met
    assert all(s["done"].get("work") and s["done"].get("capped") for s in summaries), summaries
    assert freed < 1  # on one host its pid is gone at once: no waiting for its lease
    assert read(backend, "grants:account") == {}  # the survivors gave theirs back at the stop
    assert read(backend, "grants:fn:capped") == {}


# -- turn by turn -------------------------------------------------------------------------------


class Stub:
    """A function as FleetGrants reads it: its slots; and told the live processes' count."""

    def __init__(self, reserved: int | None) -> None:
        self.slots = Slots(reserved, 0)
        self.processes = 1

    def share_scaling(self, processes: int) -> None:
        self.processes = processes


class Process:
    """One process of the fleet: its admission, its functions and its grants."""

    def __init__(self, backend: RedisBackend, clock: FakeClock, limit: int, reserved: int) -> None:
        self.admission = Admission(limit)
        self.functions = {"shared": Stub(None), "reserved": Stub(reserved)}
        for function in self.functions.values():
            self.admission.add(function.slots)
        self.grants = FleetGrants(
            backend,
            self.admission,
            self.functions,  # type: ignore[arg-type]
            clock=clock,
        )
        self.admission.cap = self.grants.cap
        self.renewed = clock.monotonic()

    def acquire(self, name: str) -> str | None:
        try:
            self.admission.acquire(self.functions[name].slots, name)
        except TooManyRequests as throttle:
            return str(throttle.reason)
        return None

    def release(self, name: str) -> bool:
        slots = self.functions[name].slots
        if slots.in_use == 0:
            return False
        self.admission.release(slots)
        return True


@asynccontextmanager
async def connected(redis_url: str, count: int) -> AsyncIterator[list[RedisBackend]]:
    prefix = f"grants{uuid.uuid4().hex[:8]}"
    async with AsyncExitStack() as stack:
        backends = []
        for _ in range(count):
            backend = RedisBackend(f"{redis_url}?prefix={prefix}")
            await stack.enter_async_context(backend.connected())
            backends.append(backend)
        yield backends


async def live_grants(backend: RedisBackend, clock: FakeClock, pool: str) -> dict[str, int]:
    """The grants the store holds for live processes (whose lease has not run out)."""
    client = backend.client
    held = await client.hgetall(backend.key("grants", *pool.split(":")))
    grants = {}
    for who, value in held.items():
        expiry = await client.zscore(backend.key("grants", "leases"), who)
        if expiry is not None and expiry > clock.now():
            grants[who.decode()] = int(value.split()[0])
    return grants


functions = st.sampled_from(["shared", "reserved"])
steps = st.lists(
    st.one_of(
        st.tuples(st.just("acquire"), st.integers(0, 2), functions),
        st.tuples(st.just("acquire"), st.integers(0, 2), functions),  # twice: contention
        st.tuples(st.just("release"), st.integers(0, 2), functions),
        st.tuples(st.just("renew"), st.integers(0, 2), st.just("")),
        st.tuples(st.just("kill"), st.integers(0, 2), st.just("")),
        st.tuples(st.just("wait"), st.integers(1, 30), st.just("")),
    ),
    max_size=60,
)


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # the grants' arithmetic, 20 s a run
@settings(max_examples=60, deadline=None)
@given(steps=steps)
@pytest.mark.timeout(180)  # long even alone; longer beside other tests
async def test_processes_sharing_a_prefix_never_exceed_the_limits_together(
    redis_url: str, steps: list[tuple[str, int, str]]
) -> None:
    """Invocations start and end in three processes, which renew their grants, die (their
    invocations die with them, their grants stay until the lease lapses) and restart, while
    time passes: the invocations in flight never pass a limit, nor do the live grants."""
    limit, reserved = 6, 2
    clock = FakeClock()
    async with connected(redis_url, 3) as backends:
        processes = [Process(b, clock, limit, reserved) for b in backends]
        for number, process in enumerate(processes):  # the same shares in every run
            process.grants.process_id = f"process-{number}"
        for process in processes:
            await process.grants.renew()
        for action, which, name in steps:
            process = processes[which % 3]
            if action == "acquire":
                reason = process.acquire(name)
                assert reason is None or reason in REASONS
            elif action == "release":
                process.release(name)
            elif action == "renew":
                await process.grants.renew()
                process.renewed = clock.monotonic()
            elif action == "kill":  # and started again, as a new process
                processes[which] = Process(backends[which], clock, limit, reserved)
                processes[which].grants.process_id = f"process-{which}-{clock.monotonic()}"
                await processes[which].grants.renew()
            else:
                seconds = which / 10
                for other in processes:  # a live process renews before its lease could lapse
                    if clock.monotonic() + seconds - other.renewed >= LEASE - MARGIN:
                        await other.grants.renew()
                        other.renewed = clock.monotonic()
                await clock.advance(seconds)
            shared_in_use = sum(p.admission.unreserved_held for p in processes)
            reserved_in_use = sum(p.functions["reserved"].slots.in_use for p in processes)
            assert shared_in_use <= limit - reserved
            assert reserved_in_use <= reserved
            account = await live_grants(backends[0], clock, "account")
            capped = await live_grants(backends[0], clock, "fn:reserved")
            assert sum(account.values()) <= limit - reserved
            assert sum(capped.values()) <= reserved
            for p in processes:  # what each uses, the store holds for it: nobody else has it
                assert p.admission.unreserved_held <= account[p.grants.process_id]
                assert p.functions["reserved"].slots.in_use <= capped[p.grants.process_id]


@pytest.mark.anyio
async def test_a_process_alone_gets_the_whole_pool_and_shares_it_when_another_asks(
    redis_url: str,
) -> None:
    clock = FakeClock()
    async with connected(redis_url, 2) as (one, two):
        first = Process(one, clock, 10, 4)
        await first.grants.renew()
        assert first.grants.cap.account.granted == 6  # alone: as a process without a fleet
        assert first.functions["reserved"].slots.grant.granted == 4  # type: ignore[union-attr]
        assert [first.acquire("shared") for _ in range(4)] == [None] * 4
        second = Process(two, clock, 10, 4)
        await second.grants.renew()
        assert second.grants.cap.account.granted == 0  # the first holds the pool: none is free
        assert [second.acquire("shared") for _ in range(3)] == [REFUSED] * 3
        await second.grants.renew()  # it says what it was refused
        assert await first.grants.renew()  # the first learns its share (3): it stops at it
        assert first.acquire("shared") == REFUSED
        assert not await first.grants.renew()  # and gives back what it does not use...
        await second.grants.renew()
        # ... but not the 4 it runs: the second has the rest, not its whole share yet
        assert await live_grants(one, clock, "account") == {
            first.grants.process_id: 4,
            second.grants.process_id: 2,
        }
        assert [second.acquire("shared") for _ in range(3)] == [None, None, REFUSED]
        first.release("shared")
        first.release("shared")
        await first.grants.renew()
        await second.grants.renew()
        assert second.acquire("shared") is None  # shares of 3 and 3
        assert await live_grants(one, clock, "account") == {
            first.grants.process_id: 3,
            second.grants.process_id: 3,
        }


@pytest.mark.anyio
async def test_a_lapsed_lease_throttles_and_a_killed_process_frees_its_share(
    redis_url: str,
) -> None:
    clock = FakeClock()
    async with connected(redis_url, 2) as (one, two):
        first = Process(one, clock, 10, 4)
        await first.grants.renew()
        await clock.advance(LEASE - MARGIN)
        with pytest.raises(TooManyRequests) as raised:
            first.admission.acquire(first.functions["shared"].slots, "shared")
        assert raised.value.reason == "ConcurrentInvocationLimitExceeded"
        assert "lease on the fleet's concurrency" in str(raised.value)
        assert "lapsed" in str(raised.value)
        await first.grants.renew()
        assert first.acquire("shared") is None
        second = Process(two, clock, 10, 4)
        await second.grants.renew()
        assert second.grants.cap.account.granted == 0
        await clock.advance(LEASE)  # the first dies without renewing: its lease runs out
        await second.grants.renew()
        assert second.grants.cap.account.granted == 6
        assert list((await live_grants(two, clock, "account")).values()) == [6]


# -- an app -------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_an_app_on_redis_holds_grants_while_it_runs_and_gives_them_back(
    redis_url: str,
) -> None:
    store = f"{redis_url}?prefix=grants{uuid.uuid4().hex[:8]}"
    app = App(store=store, concurrency=5, unreserved_minimum=0)

    @app.function(reserved_concurrency=2)
    async def capped(event: Any, context: Context) -> None:
        await anyio.sleep(0.05)

    try:
        assert app._grants is not None
        async with app:
            assert app._admission.cap is app._grants.cap
            assert app._grants.cap.account.granted == 3
            metrics = app.metrics()["FleetConcurrentExecutions"]
            assert metrics == {"now": 0, "processes": 1, "granted": 3, "throttled_by_grant": 0}
            results = []

            async def invoke() -> None:
                try:
                    await app.invoke("capped")
                    results.append("ok")
                except TooManyRequests as throttle:
                    results.append(str(throttle.reason))

            async with anyio.create_task_group() as tasks:
                for _ in range(3):
                    tasks.start_soon(invoke)
            assert sorted(results) == [
                "ReservedFunctionConcurrentInvocationLimitExceeded",
                "ok",
                "ok",
            ]
        assert app._admission.cap is None
        assert read(app.store, "grants:account") == {}  # type: ignore[arg-type]
    finally:
        app.store.close()


def test_memory_and_sqlite_apps_have_no_fleet(tmp_path: Path) -> None:
    assert App(store="memory")._grants is None
    assert App(store=f"sqlite:///{tmp_path / 'app.db'}")._grants is None
