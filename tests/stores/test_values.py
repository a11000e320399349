"""`Values.add_many` on every backend: the same documents as the `add`s it stands for, one key
at a time, and an empty amount only reads. What processes keep in step through it (the bill,
the fleet's metrics) depends on nothing else."""

from __future__ import annotations

import threading
import uuid

import pytest
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


documents = st.one_of(
    st.none(),
    st.text(max_size=4),
    st.lists(st.sampled_from(["arn:1", "arn:2", "arn:3"]), max_size=3),
    st.dictionaries(st.sampled_from(["holder", "until"]), st.integers(0, 9), max_size=2),
)


def test_swap_replaces_only_what_it_expects(store: str) -> None:
    """`swap` against a model: it replaces (or removes, with None) a document only when the
    document is the expected one (None: absent), and says whether it did."""
    backend = open_store(store)
    try:

        @given(st.lists(st.tuples(documents, documents, st.booleans()), max_size=8))
        @settings(max_examples=40, deadline=None)
        def check(steps: list[tuple[object, object, bool]]) -> None:
            namespace = f"s{uuid.uuid4().hex[:8]}"
            held: object = None
            for expected, value, honest in steps:
                if honest:  # expect what is there: the swap must happen
                    expected = held
                done = backend.values.swap(namespace, "k", expected, value)
                assert done == (expected == held)
                if done:
                    held = value
                assert backend.values.get(namespace, "k") == held

        check()
    finally:
        backend.close()


def test_of_processes_racing_to_swap_one_document_each_change_lands_once(store: str) -> None:
    """Threads with backends of their own (as processes have) append to one list by read and
    swap, retrying when they lose: no append is lost, none is made twice."""
    if store == "memory":
        pytest.skip("one process's dict: nothing shared to race on")
    namespace = f"r{uuid.uuid4().hex[:8]}"

    def append(worker: int) -> None:
        backend = open_store(store)
        try:
            for item in range(25):
                while True:
                    held = backend.values.get(namespace, "list")
                    if backend.values.swap(
                        namespace, "list", held, [*(held or []), f"{worker}-{item}"]
                    ):
                        break
        finally:
            backend.close()

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    backend = open_store(store)
    try:
        final = backend.values.get(namespace, "list")
    finally:
        backend.close()
    assert sorted(final) == sorted(f"{w}-{i}" for w in range(4) for i in range(25))
