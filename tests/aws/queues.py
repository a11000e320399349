"""An app whose queue `triggered` feeds an `on_queue` function, for the SQS tests of both
protocols: import `app_fixture` and `deliveries_fixture` (the fixtures `app` and `deliveries`)."""

from __future__ import annotations

from queue import SimpleQueue
from typing import Any

import pytest

from faaslib import App


@pytest.fixture(name="deliveries")
def deliveries_fixture() -> SimpleQueue[str]:
    """The bodies the `on_queue` function of queue `triggered` was given."""
    return SimpleQueue()


@pytest.fixture(name="app")
def app_fixture(deliveries: SimpleQueue[str]) -> App:
    app = App(name="aws")

    @app.on_queue("triggered", batch_size=1)
    def consume(event: dict[str, Any], context: object) -> None:
        for record in event["Records"]:
            deliveries.put(record["body"])

    return app
