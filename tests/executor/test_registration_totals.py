"""What registration keeps as running totals instead of recomputing it each time: the slots
carved out of the account (the unreserved-minimum check reads it), and the functions a start or
stop has work for. Random sequences of registrations and provisioned-concurrency changes must
leave both equal to what a recount over every function gives, and refuse exactly what the
recount refuses."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import App, ConfigurationError
from faaslib.executor import Admission
from faaslib.testing import FakeClock

NAMES = [f"f{number}" for number in range(6)]

# ("register", name, reserved, provisioned, on_success) or ("set", name, provisioned)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("register"),
            st.sampled_from(NAMES),
            st.one_of(st.none(), st.integers(0, 6)),
            st.integers(0, 4),
            st.one_of(st.none(), st.sampled_from(NAMES)),
        ),
        st.tuples(st.just("set"), st.sampled_from(NAMES), st.integers(0, 5)),
    ),
    max_size=25,
)


def handler(event: Any, context: Any) -> Any:
    return event


def carve(reserved: int | None, provisioned: int) -> int:
    return reserved if reserved is not None else provisioned


@settings(max_examples=150, deadline=None)
@given(
    operations=OPERATIONS,
    limit=st.integers(5, 20),
    minimum=st.integers(0, 5),
    backend=st.sampled_from(["asyncio", "trio"]),
)
def test_the_running_totals_equal_a_recount(
    operations: list[tuple[Any, ...]], limit: int, minimum: int, backend: str
) -> None:
    async def scenario() -> None:
        app = App(concurrency=limit, unreserved_minimum=minimum, clock=FakeClock())
        model: dict[str, list[Any]] = {}  # name -> [reserved, provisioned, on_success]
        for operation in operations:
            name = operation[1]
            if operation[0] == "register":
                _, _, reserved, provisioned, on_success = operation
                wanted = carve(reserved, provisioned)
                others = sum(carve(r, p) for r, p, _ in model.values())
                refused = (
                    name in model
                    or (reserved is not None and provisioned > reserved)
                    or (wanted > 0 and others + wanted > limit - minimum)
                )
                options: dict[str, Any] = {"provisioned_concurrency": provisioned}
                if reserved is not None:
                    options["reserved_concurrency"] = reserved
                if on_success is not None:
                    options["on_success"] = on_success
                if refused:
                    with pytest.raises(ConfigurationError):
                        app.function(name=name, **options)(handler)
                else:
                    app.function(name=name, **options)(handler)
                    model[name] = [reserved, provisioned, on_success]
            else:
                _, _, provisioned = operation
                if name not in model:
                    continue
                reserved = model[name][0]
                wanted = carve(reserved, provisioned)
                others = sum(carve(r, p) for n, (r, p, _) in model.items() if n != name)
                refused = (reserved is not None and provisioned > reserved) or (
                    wanted > 0 and others + wanted > limit - minimum
                )
                if refused:
                    with pytest.raises(ConfigurationError):
                        await app.set_provisioned_concurrency(name, provisioned)
                else:
                    await app.set_provisioned_concurrency(name, provisioned)
                    model[name][1] = provisioned
            functions = app._functions
            admission = app._admission
            assert admission.carved_out == Admission.carve_out(f.slots for f in functions.values())
            assert admission.carved_out == sum(carve(r, p) for r, p, _ in model.values())
            assert admission.reserved_out == sum(r or 0 for r, _, _ in model.values())
            needing = {n for n, (_, p, on_success) in model.items() if p or on_success is not None}
            assert needing <= set(app._start_work) <= set(functions)
        # The start sees every function the index must hold: a destination naming no function
        # is refused, and every provisioned instance is made (and billed until the stop).
        unknown = [n for n, (_, _, s) in model.items() if s is not None and s not in model]
        if unknown:
            with pytest.raises(ConfigurationError, match="names no function"):
                async with app:
                    pass
            return
        async with app:
            for name, (_, provisioned, _) in model.items():
                assert app.instances(name).idle == provisioned
                assert app._functions[name].ledger.provisioned_concurrency == provisioned
        for name in model:  # billing stopped with the app
            assert app._functions[name].ledger.provisioned_concurrency == 0

    anyio.run(scenario, backend=backend)
