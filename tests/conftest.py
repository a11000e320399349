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
    yield from _made_on(store, monkeypatch, close=True)


def _made_on(store: str, monkeypatch: pytest.MonkeyPatch, *, close: bool) -> Iterator[str]:
    """While a test runs, every App, Queue, Bucket, Stream and Table made without naming a
    store is made on `store` (closed after the test when `close`)."""
    backend = open_store(store)
    for made in (App.__init__, Queue.__init__, Bucket.__init__, Stream.__init__, Table.__init__):
        defaults = dict(made.__kwdefaults__ or {})
        defaults["store" if made is App.__init__ else "backend"] = backend
        monkeypatch.setattr(made, "__kwdefaults__", defaults)
    yield store
    if close:
        backend.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store",
        choices=["memory", "sqlite"],
        default="memory",
        help="run every test on this store (a fresh SQLite file per test with 'sqlite'); the "
        "modules of stateful services run on both stores whatever it says",
    )


@pytest.fixture(autouse=True)
def _whole_suite_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """`pytest --store sqlite`: the whole suite, unchanged, on SQLite. The file stays open
    after the test: an app a module makes when first imported lives on into later tests."""
    if request.config.getoption("--store") == "memory" or "each_store" in request.fixturenames:
        yield
        return
    folder = tmp_path_factory.mktemp("store")
    with pytest.MonkeyPatch.context() as monkeypatch:
        made = _made_on(f"sqlite:///{folder / 'app.db'}", monkeypatch, close=False)
        yield from (None for _ in made)
