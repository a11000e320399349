from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from faaslib import App
from faaslib.sources.bucket import Bucket
from faaslib.sources.queue import Queue
from faaslib.sources.stream import Stream
from faaslib.sources.table import Table
from faaslib.stores import open_store
from faaslib.testing import FakeClock


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> App:
    return App("test", clock=clock)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store an app may keep its services' state in: "memory", and a fresh SQLite file."""
    if request.param == "memory":
        yield "memory"
        return
    yield f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def each_store(store: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run a test module on every store (`pytestmark = pytest.mark.usefixtures("each_store")`):
    every `App` and `Queue` the test makes without naming a store gets `store`, so the same
    test, unchanged, checks that both stores keep the same semantics."""
    if store == "memory":
        yield store
        return
    backend = open_store(store)
    for made in (App.__init__, Queue.__init__, Bucket.__init__, Stream.__init__, Table.__init__):
        defaults = dict(made.__kwdefaults__ or {})
        defaults["store" if made is App.__init__ else "backend"] = backend
        monkeypatch.setattr(made, "__kwdefaults__", defaults)
    yield store
    backend.close()
