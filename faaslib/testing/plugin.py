"""faaslib's pytest plugin, registered by entry point when faaslib is installed.

Fixtures (prefixed `faas_` so that they never shadow a project's own `clock` or `app`):

- `faas_clock`: a fresh `FakeClock`;
- `faas_app`: a fresh `App("test")` on `faas_clock`, not running, with `shutdown_timeout=0`:
  the time a stopping app gives work in hand is time on its clock, which a fake clock would
  never let pass, so the app stops at once when the test ends (`wait_idle()` first to see work
  finish);
- `faas_client`: a factory, `faas_client(app=None, **options) -> TestClient`, that starts the
  app (by default `faas_app`) in a `TestClient` and stops it when the test ends;
- `faas_backend`: the anyio backend of the clients' event loop, `"asyncio"`. A project that
  runs its tests on trio too overrides it, e.g. to follow anyio's fixture:

      @pytest.fixture
      def faas_backend(anyio_backend):
          return anyio_backend

```pycon
>>> def test_resize(faas_client):
...     client = faas_client(app)
...     assert client.call("resize", {"key": "a.jpg"}) == {"key": "a.jpg"}
```
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from faaslib import App
    from faaslib.testing import FakeClock, TestClient

__all__ = ["faas_app", "faas_backend", "faas_client", "faas_clock"]


@pytest.fixture
def faas_clock() -> FakeClock:
    """A `FakeClock`: time stands still until the test advances it."""
    from faaslib.testing import FakeClock

    return FakeClock()


@pytest.fixture
def faas_app(faas_clock: FakeClock) -> App:
    """An empty `App("test")` on `faas_clock`, for a test to register its functions on; it
    stops without waiting (`shutdown_timeout=0`)."""
    from faaslib import App

    return App("test", clock=faas_clock, shutdown_timeout=0)


@pytest.fixture
def faas_backend() -> Any:
    """The anyio backend `faas_client` runs apps on: a name, or `(name, options)`."""
    return "asyncio"


@pytest.fixture
def faas_client(faas_app: App, faas_backend: Any) -> Iterator[Callable[..., TestClient]]:
    """A factory of running `TestClient`s: `faas_client(app=None, **options)`; each one is
    closed (its app stopped) when the test ends, the last started first."""
    from faaslib.testing import TestClient

    if isinstance(faas_backend, tuple):  # as anyio's fixture gives it: (name, options)
        backend, backend_options = str(faas_backend[0]), dict(faas_backend[1])
    else:
        backend, backend_options = str(faas_backend), None
    with contextlib.ExitStack() as running:

        def start(app: App | None = None, **options: Any) -> TestClient:
            if "backend" not in options:  # the fixture's options are for its own backend
                options["backend"] = backend
                options.setdefault("backend_options", backend_options)
            return running.enter_context(TestClient(faas_app if app is None else app, **options))

        yield start
