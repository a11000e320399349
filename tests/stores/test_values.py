"""`Values.add_many` on every backend: the same documents as the `add`s it stands for, one key
at a time, and an empty amount only reads. What processes keep in step through it (the bill,
the fleet's metrics) depends on nothing else."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib.stores import open_store

amounts = st.dictionaries(
    st.sampled_from(["x", "y", "z"]), st.integers(-(10**9), 10**9), max_size=3
)
batches = st.lists(
    st.dictionaries(st.sampled_from(["a", "b", "c"]), amounts, max_size=3), max_size=6
)


def test_add_many_is_the_adds_it_stands_for(store: str) -> None:
    backend = open_store(store)
    try:

        @given(batches)
        @settings(max_examples=40, deadline=None)
        def check(steps: list[dict[str, dict[str, int]]]) -> None:
            namespace = f"n{uuid.uuid4().hex[:8]}"
            model: dict[str, dict[str, int]] = {}
            for step in steps:
                got = backend.values.add_many(namespace, step)
                assert set(got) == set(step)
                for key, part in step.items():
                    document = model.setdefault(key, {})
                    for name, amount in part.items():
                        document[name] = document.get(name, 0) + amount
                    assert got[key] == document
            for key, document in model.items():  # and `get` sees what `add_many` wrote
                held = backend.values.get(namespace, key)
                assert (held or {}) == document

        check()
    finally:
        backend.close()
