from __future__ import annotations

import os
import shutil
import uuid
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
from tests.redis_server import running


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(clock: FakeClock) -> App:
    return App("test", clock=clock)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis server for the suite: `FAASLIB_TEST_REDIS` (CI starts one), else a redis-server
    of our own on a free port of 127.0.0.1; the tests that need one skip without it."""
    given = os.environ.get("FAASLIB_TEST_REDIS")
    if given:
        yield given
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip(
            "no redis-server on PATH: the Redis store's tests need one (apt install redis-server)"
        )
    with running(tmp_path_factory.mktemp("redis"), binary) as url:
        yield url


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each store an app may keep its services' state in: "memory", a fresh SQLite file, and a
    fresh key prefix on the suite's Redis server."""
    if request.param == "memory":
        yield "memory"
        return
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        yield f"{url}?prefix=t{uuid.uuid4().hex[:12]}"
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
        choices=["memory", "sqlite", "redis"],
        default="memory",
        help="run every test on this store (a fresh SQLite file per test with 'sqlite', a fresh "
        "key prefix on the suite's Redis server with 'redis'); the modules of stateful services "
        "run on every store whatever it says",
    )


@pytest.fixture(autouse=True)
def _whole_suite_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """`pytest --store sqlite` (or `redis`): the whole suite, unchanged, on that store. The
    store stays open after the test: an app a module makes when first imported lives on into
    later tests."""
    chosen = request.config.getoption("--store")
    if chosen == "memory" or "each_store" in request.fixturenames:
        yield
        return
    if chosen == "redis":
        url = f"{request.getfixturevalue('redis_url')}?prefix=t{uuid.uuid4().hex[:12]}"
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'app.db'}"
    with pytest.MonkeyPatch.context() as monkeypatch:
        made = _made_on(url, monkeypatch, close=False)
        yield from (None for _ in made)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The SQLite and Redis variants of the store-parametrised modules run on asyncio only, to
    keep the suite within its time: the services' semantics run on trio in memory, and the
    stores' own waits and round trips on trio in their own tests (tests/stores/,
    tests/sources/queue/test_queue_redis.py, tests/test_asyncq_redis.py run on both)."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        params = callspec.params if callspec is not None else {}
        if params.get("store", "memory") != "memory" and params.get("anyio_backend") == "trio":
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Captured output goes to pytest-xdist's controller as UTF-8: a lone surrogate a hostile
    payload test logged (the marshalling tests do) is sent escaped, not as a crash of the run."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    report.sections = [
        (title, text.encode("utf-8", "backslashreplace").decode("utf-8"))
        for title, text in report.sections
    ]
