"""Random interleavings of invokes, finishes and clock moves through a whole App: no limit is
ever passed, throttling matches a model of Lambda's pools, and the metrics add up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import App, ConfigurationError, Context, TooManyRequests
from faaslib.testing import FakeClock

# (reserved or None, provisioned) per function
FUNCTIONS = st.lists(
    st.tuples(
        st.one_of(st.none(), st.integers(min_value=0, max_value=4)),
        st.integers(min_value=0, max_value=3),
    ),
    min_size=1,
    max_size=3,
)
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("invoke"), st.integers(0, 2), st.booleans()),  # function, raises
        st.tuples(st.just("finish"), st.integers(0, 30), st.just(False)),  # nth running
        st.tuples(st.just("advance"), st.integers(1, 8), st.just(False)),  # seconds
    ),
    max_size=60,
)


@dataclass
class Model:
    """What Lambda's pools allow: reserved functions their own slots, provisioned instances
    guaranteed slots, everyone else the shared rest."""

    limit: int
    functions: list[tuple[int | None, int]]
    running: list[int] = field(default_factory=list)  # per function
    most: int = 0

    @property
    def shared_limit(self) -> int:
        carved = sum(r if r is not None else p for r, p in self.functions)
        return self.limit - carved

    def has_room(self, index: int) -> bool:
        reserved, provisioned = self.functions[index]
        if reserved is not None:
            return self.running[index] < reserved
        shared_used = sum(
            max(0, n - p)
            for n, (r, p) in zip(self.running, self.functions, strict=True)
            if r is None
        )
        return self.running[index] < provisioned or shared_used < self.shared_limit


@settings(max_examples=200, deadline=None)
@given(
    limit=st.integers(min_value=1, max_value=10),
    functions=FUNCTIONS,
    steps=STEPS,
    backend=st.sampled_from(["asyncio", "trio"]),
)
def test_random_interleavings_keep_every_limit_and_the_metrics_add_up(
    limit: int,
    functions: list[tuple[int | None, int]],
    steps: list[tuple[str, int, bool]],
    backend: str,
) -> None:
    functions = [(r, p if r is None else min(p, r)) for r, p in functions]
    clock = FakeClock()
    app = App(clock=clock, concurrency=limit, unreserved_minimum=0, idle_timeout=10)
    model = Model(limit, [], [])
    gates: dict[int, anyio.Event] = {}
    inside = Counter[str]()  # handlers running right now, seen from inside
    most_inside = Counter[str]()

    def make(name: str) -> Any:
        async def handler(event: Any, context: Context) -> None:
            inside[name] += 1
            most_inside[name] = max(most_inside[name], inside[name])
            try:
                await gates[event["id"]].wait()
            finally:
                inside[name] -= 1
            if event["raises"]:
                raise RuntimeError("asked to")

        return handler

    names: list[str] = []  # of the functions registration accepted, as the model indexes them
    for number, (reserved, provisioned) in enumerate(functions):
        name = f"f{number}"
        options = {"reserved_concurrency": reserved, "provisioned_concurrency": provisioned}
        candidate = [*model.functions, (reserved, provisioned)]
        if Model(limit, candidate).shared_limit < 0:
            with pytest.raises(ConfigurationError, match="unreserved"):
                app.function(name=name, timeout=900, **options)(make(name))
            continue
        app.function(name=name, timeout=900, **options)(make(name))
        model.functions.append((reserved, provisioned))
        model.running.append(0)
        names.append(name)
    count = len(names)

    expected: dict[str, Counter[str]] = {name: Counter() for name in names}
    results: list[Any] = []

    async def invoke(index: int, ident: int, raises: bool) -> None:
        name = names[index]
        try:
            result = await app.invoke(name, {"id": ident, "raises": raises})
        except TooManyRequests:
            expected[name]["throttled"] += 1
            return
        results.append((name, result))

    def check_limits() -> None:
        total = sum(inside.values())
        assert total <= limit
        assert sum(model.running) == total  # every admitted invocation is inside its handler
        metrics = app.metrics()
        assert metrics["ConcurrentExecutions"]["now"] == total
        assert metrics["ConcurrentExecutions"]["max"] == model.most
        for name, (reserved, provisioned) in zip(names, model.functions, strict=True):
            assert reserved is None or most_inside[name] <= reserved
            per_function = app.metrics(name)
            assert per_function["ConcurrentExecutions"]["now"] == inside[name]
            assert per_function["ProvisionedConcurrentExecutions"]["now"] <= provisioned

    async def scenario() -> None:
        running: list[tuple[int, int]] = []  # (ident, function) of admitted, unfinished ones

        def finish(position: int) -> None:
            ident, index = running.pop(position)
            gates[ident].set()
            model.running[index] -= 1

        ident = 0
        async with app, anyio.create_task_group() as tasks:
            for kind, number, raises in steps:
                if kind == "invoke" and count:
                    index = number % count
                    name = names[index]
                    ident += 1
                    gates[ident] = anyio.Event()
                    admitted = model.has_room(index)
                    tasks.start_soon(invoke, index, ident, raises)
                    await clock.advance(0)  # runs until it is inside its handler or throttled
                    if admitted:
                        model.running[index] += 1
                        model.most = max(model.most, sum(model.running))
                        running.append((ident, index))
                        expected[name]["invocations"] += 1
                        expected[name]["errors"] += raises
                    assert inside[name] == model.running[index], "throttled against the model"
                elif kind == "finish" and running:
                    finish(number % len(running))
                    await clock.advance(0)
                elif kind == "advance":
                    await clock.advance(number)
                check_limits()
            while running:
                finish(0)
        check_limits()

    anyio.run(scenario, backend=backend)

    account = app.metrics()
    for name, (_, provisioned) in zip(names, model.functions, strict=True):
        metrics = app.metrics(name)
        mine = [result for owner, result in results if owner == name]
        assert metrics["Invocations"] == expected[name]["invocations"] == len(mine)
        assert metrics["Errors"] == expected[name]["errors"]
        assert metrics["Errors"] == sum(r.function_error is not None for r in mine)
        assert metrics["Throttles"] == expected[name]["throttled"]
        assert metrics["Duration"]["count"] == metrics["Invocations"]
        assert metrics["ColdStarts"] == sum(r.cold_start for r in mine)
        assert metrics["InitDuration"]["count"] == metrics["ColdStarts"]
        served = metrics["ProvisionedConcurrencyInvocations"]
        spilled = metrics["ProvisionedConcurrencySpilloverInvocations"]
        if provisioned:
            assert served + spilled == metrics["Invocations"]
            assert served <= metrics["Invocations"] - metrics["ColdStarts"]  # always warm
        else:
            assert served == spilled == 0
        assert metrics["ConcurrentExecutions"]["now"] == 0
    for key in ("Invocations", "Errors", "Throttles", "ColdStarts"):
        assert account[key] == sum(app.metrics(name)[key] for name in names)
    assert account["Duration"]["count"] == account["Invocations"]
