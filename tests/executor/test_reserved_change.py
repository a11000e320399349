"""Changing a function's reserved concurrency while it runs: its invocations in flight move
between the shared pool and its own with every count exact, the ones past a lowered reservation
finish, and no limit is passed meanwhile."""

from __future__ import annotations

import uuid

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import App, ConfigurationError, Context, TooManyRequests
from faaslib.executor import Admission, Slots
from tests.background import Invocations

pytestmark = pytest.mark.anyio

RESERVED = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT = "ConcurrentInvocationLimitExceeded"


async def throttled(app: App, name: str) -> TooManyRequests:
    with pytest.raises(TooManyRequests) as raised:
        await app.invoke(name, "refused")
    return raised.value


def counts(app: App) -> tuple[int, int, int, int, int, int]:
    admission = app._admission
    return (
        admission.in_use,
        admission.shared_in_use,
        admission.unreserved_in_use,
        admission.carved_out,
        admission.reserved_out,
        admission.overhang,
    )


async def test_reserved_concurrency_moves_while_invocations_are_in_flight() -> None:
    app = App(concurrency=10, unreserved_minimum=0)
    gates: dict[str, anyio.Event] = {}

    async def held(event: str, context: Context) -> str:
        await gates[event].wait()
        return event

    app.function(name="f", timeout=60)(held)
    app.function(name="g", timeout=60)(held)
    f = app._function("f").slots

    async with app, anyio.create_task_group() as tasks:
        running = Invocations(app, tasks)

        async def start(name: str, *events: str) -> None:
            for event in events:
                gates[event] = anyio.Event()
                running.start(name, event)
            await anyio.wait_all_tasks_blocked()

        def finish(*events: str) -> None:
            for event in events:
                gates[event].set()

        await start("f", "f1", "f2", "f3")
        await start("g", "g1", "g2")
        assert counts(app) == (5, 5, 5, 0, 0, 0)  # all in the shared pool

        # None -> 4: f's three leave the shared pool for its own
        await app.set_reserved_concurrency("f", 4)
        assert counts(app) == (5, 2, 2, 4, 4, 0)
        assert app.metrics()["UnreservedConcurrentExecutions"]["now"] == 2
        await start("f", "f4")
        assert (await throttled(app, "f")).reason == RESERVED
        await start("g", "g3", "g4", "g5", "g6")  # the shared pool is 10 - 4
        assert (await throttled(app, "g")).reason == ACCOUNT
        assert counts(app) == (10, 6, 6, 4, 4, 0)

        # 4 -> 2 with 4 in flight: they run on, past the reservation, and hold 2 account slots
        await app.set_reserved_concurrency("f", 2)
        assert counts(app) == (10, 6, 6, 2, 2, 2)
        assert f.in_use == 4
        assert (await throttled(app, "f")).reason == RESERVED
        refused = await throttled(app, "g")  # 10 - 2 carved out - 2 still past it
        assert refused.reason == ACCOUNT
        assert "running past a lowered reserved concurrency (2)" in str(refused)
        finish("f1", "f2")
        await anyio.wait_all_tasks_blocked()
        assert f.in_use == 2
        assert (await throttled(app, "f")).reason == RESERVED  # at its 2, not under
        await start("g", "g7", "g8")  # the overhang is gone: the shared pool is 10 - 2
        assert counts(app) == (10, 8, 8, 2, 2, 0)
        assert (await throttled(app, "g")).reason == ACCOUNT

        # 2 -> None: f's two in flight join the shared pool, now all 10 of it
        await app.set_reserved_concurrency("f", None)
        assert counts(app) == (10, 10, 10, 0, 0, 0)
        assert (await throttled(app, "f")).reason == ACCOUNT
        assert app.metrics()["UnreservedConcurrentExecutions"]["now"] == 10

        # None -> 0: they leave it again, finishing past a reservation of 0
        await app.set_reserved_concurrency("f", 0)
        assert counts(app) == (10, 8, 8, 0, 0, 2)
        assert "its reserved concurrency is 0" in str(await throttled(app, "f"))
        assert (await throttled(app, "g")).reason == ACCOUNT  # 10 - 2 past it: all in use
        finish(*gates)

    assert counts(app) == (0, 0, 0, 0, 0, 0)
    assert (f.in_use, app._function("g").slots.in_use) == (0, 0)
    metrics = app.metrics()
    assert metrics["ConcurrentExecutions"] == {"now": 0, "max": 10}
    assert metrics["UnreservedConcurrentExecutions"] == {"now": 0, "max": 10}
    assert sorted(r.payload for r in running.results) == sorted(gates)
    assert all(r.function_error is None for r in running.results)
    assert app.metrics("f")["Throttles"] == 5
    assert (await throttled(app, "f")).reason == RESERVED  # 0 throttles even when idle
    await app.set_reserved_concurrency("f", None)
    assert (await app.invoke("f", "f1")).payload == "f1"  # not running: it applies at once


async def test_refusals_name_lambdas_reason_and_change_nothing() -> None:
    app = App(concurrency=1000)  # 100 kept unreserved, as Lambda keeps them
    app.function(name="other", reserved_concurrency=500)(lambda event, context: None)
    app.function(name="f", provisioned_concurrency=3)(lambda event, context: None)
    with pytest.raises(ConfigurationError) as raised:
        await app.set_reserved_concurrency("f", 401)
    assert str(raised.value).startswith(
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100]."
    )
    assert "reserved_concurrency=401 would leave 99" in str(raised.value)
    with pytest.raises(ConfigurationError) as raised:
        await app.set_reserved_concurrency("f", 2)
    assert str(raised.value).startswith(
        "ReservedConcurrentExecutions 2 should not be lower than function's total provisioned "
        "concurrency [3]."
    )
    with pytest.raises(ConfigurationError, match="reserved_concurrency"):
        await app.set_reserved_concurrency("f", -1)
    assert app.function_configuration("f").reserved_concurrency is None
    assert (app._admission.carved_out, app._admission.reserved_out) == (503, 500)
    await app.set_reserved_concurrency("f", 400)  # exactly what the minimum leaves
    assert (app._admission.carved_out, app._admission.reserved_out) == (900, 900)
    await app.set_reserved_concurrency("other", None)  # its reservation back to the account
    assert (app._admission.carved_out, app._admission.reserved_out) == (400, 400)


async def test_a_fleet_refuses_a_change_in_one_process(redis_url: str) -> None:
    app = App(store=f"{redis_url}?prefix=t{uuid.uuid4().hex[:12]}", concurrency=100)
    app.function(name="f", reserved_concurrency=5)(lambda event, context: None)
    async with app:
        await app.set_reserved_concurrency("f", 5)  # no change: nothing to refuse
        with pytest.raises(ConfigurationError) as raised:
            await app.set_reserved_concurrency("f", 6)
        assert "in every process's code or template" in str(raised.value)
        assert "fleet" in str(raised.value)
        with pytest.raises(ConfigurationError):
            await app.set_reserved_concurrency("f", None)
        assert app.function_configuration("f").reserved_concurrency == 5
        assert app._admission.reserved_out == 5


# -- the admission alone, against a model ---------------------------------------------------------

OPS = st.lists(
    st.tuples(
        st.sampled_from(["acquire", "acquire", "release", "reserve", "provision"]),
        st.integers(min_value=0, max_value=2),  # which function
        st.one_of(st.none(), st.integers(min_value=0, max_value=5)),  # a new value
    ),
    max_size=120,
)


class Model:
    """What admission should decide, from first principles: per function its limits and how
    many it holds."""

    def __init__(self, limit: int, count: int) -> None:
        self.limit = limit
        self.reserved: list[int | None] = [None] * count
        self.provisioned = [0] * count
        self.held = [0] * count

    def carved(self) -> int:
        return sum(
            r if r is not None else p for r, p in zip(self.reserved, self.provisioned, strict=True)
        )

    def shared(self) -> int:
        return sum(
            max(0, h - p)
            for r, p, h in zip(self.reserved, self.provisioned, self.held, strict=True)
            if r is None
        )

    def overhang(self) -> int:
        return sum(
            max(0, h - r) for r, h in zip(self.reserved, self.held, strict=True) if r is not None
        )

    def accounted(self) -> int:
        """The slots the pools account for; every invocation in flight is in one of them."""
        return self.carved() + self.overhang() + self.shared()

    def has_room(self, i: int) -> bool:
        reserved = self.reserved[i]
        if reserved is not None:
            return self.held[i] < reserved
        if self.held[i] < self.provisioned[i]:
            return True
        return self.shared() < self.limit - self.carved() - self.overhang()

    def allows(self, i: int, reserved: int | None, provisioned: int) -> bool:
        """What the app's checks allow (an unreserved minimum of 0)."""
        if reserved is not None and provisioned > reserved:
            return False
        before = (self.reserved[i], self.provisioned[i])
        self.reserved[i], self.provisioned[i] = reserved, provisioned
        fits = self.carved() <= self.limit
        self.reserved[i], self.provisioned[i] = before
        return fits


@settings(max_examples=400, deadline=None)
@given(limit=st.integers(min_value=1, max_value=8), count=st.integers(2, 3), ops=OPS)
def test_any_sequence_of_invocations_and_changes_keeps_every_count_exact(
    limit: int, count: int, ops: list[tuple[str, int, int | None]]
) -> None:
    """Acquire, release, set_reserved and set_provisioned in any order: each acquire is decided
    as the model decides it, no acquire takes a function past its reservation or the account
    past its limit, and once everything is released every count is back to zero."""
    admission = Admission(limit)
    model = Model(limit, count)
    slots = [Slots(None, 0) for _ in range(count)]
    for each in slots:
        admission.add(each)
    # Raising a carve-out while the shared pool's invocations hold its slots is the one way
    # past the limit (they finish first); the model tracks how far that could go.
    allowance = 0
    for op, index, value in ops:
        i = index % count
        if op == "acquire":
            expected = model.has_room(i)
            reason = RESERVED if model.reserved[i] is not None else ACCOUNT
            try:
                admission.acquire(slots[i], f"f{i}")
            except TooManyRequests as error:
                assert (expected, error.reason) == (False, reason)  # noqa: PT017
            else:
                assert expected
                model.held[i] += 1
                reserved = model.reserved[i]
                assert reserved is None or model.held[i] <= reserved
        elif op == "release":
            if model.held[i]:
                admission.release(slots[i])
                model.held[i] -= 1
        elif op == "reserve":
            if model.allows(i, value, model.provisioned[i]):
                admission.set_reserved(slots[i], value)
                model.reserved[i] = value
                allowance = max(allowance, model.accounted() - limit)
        elif model.allows(i, model.reserved[i], value or 0):
            admission.set_provisioned(slots[i], value or 0)
            model.provisioned[i] = value or 0
            allowance = max(allowance, model.accounted() - limit)
        assert sum(model.held) <= model.accounted() <= limit + allowance
        assert admission.in_use == sum(model.held)
        assert [s.in_use for s in slots] == model.held
        assert admission.shared_in_use == model.shared()
        unreserved = sum(h for r, h in zip(model.reserved, model.held, strict=True) if r is None)
        assert admission.unreserved_in_use == unreserved
        assert admission.carved_out == model.carved()
        assert admission.reserved_out == sum(r for r in model.reserved if r is not None)
        assert admission.overhang == model.overhang()
    for i, each in enumerate(slots):
        for _ in range(model.held[i]):
            admission.release(each)
    assert (admission.in_use, admission.shared_in_use, admission.unreserved_in_use) == (0, 0, 0)
    assert admission.overhang == 0
    assert admission.shared_limit == limit - model.carved()


def test_a_lowered_reservation_never_lets_the_account_pass_its_limit() -> None:
    """The case the model's allowance is not for: lowering only ever shrinks what is free."""
    admission = Admission(10)
    reserved, shared = Slots(8, 0), Slots(None, 0)
    admission.add(reserved)
    admission.add(shared)
    for _ in range(8):
        admission.acquire(reserved, "r")
    admission.acquire(shared, "s")
    admission.acquire(shared, "s")
    admission.set_reserved(reserved, 2)  # 6 run on past it
    with pytest.raises(TooManyRequests):
        admission.acquire(shared, "s")  # 10 - 2 - 6 = 2 shared slots, both in use
    for _ in range(6):
        admission.release(reserved)
        admission.acquire(shared, "s")  # each one finishing frees one
        assert admission.in_use == 10
    with pytest.raises(TooManyRequests):
        admission.acquire(shared, "s")
    assert (admission.overhang, admission.shared_in_use, admission.shared_limit) == (0, 8, 8)
