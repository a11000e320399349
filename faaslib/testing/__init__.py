"""Tools for testing Lambda handlers with faaslib.

- `FakeClock`: time that moves only when the test says so, and `settle()`: until every task
  waits (and no round trip to a shared store is in progress);
- `TestClient(app)`: a running app behind synchronous calls, for plain (not async) tests;
- `context(...)`: a Lambda context for calling a handler directly;
- `events`: event factories (`events.sqs(...)`, `events.s3(...)`...) giving the dicts a handler
  receives;
- a pytest plugin, registered when faaslib is installed: the `faas_clock`, `faas_app`,
  `faas_client` and `faas_backend` fixtures (see `faaslib.testing.plugin`).
"""

from faaslib.testing import events
from faaslib.testing.client import HttpClient, SyncProxy, TestClient
from faaslib.testing.clock import FakeClock, settle
from faaslib.testing.contexts import context

__all__ = [
    "FakeClock",
    "HttpClient",
    "SyncProxy",
    "TestClient",
    "context",
    "events",
    "settle",
]
