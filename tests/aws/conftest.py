"""`app.aws` under a real uvicorn on 127.0.0.1, and real boto3 clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from faaslib import App
from tests.http.server import Served, serve

boto3 = pytest.importorskip("boto3", reason="boto3 is the client of app.aws's tests")
from botocore.config import Config  # noqa: E402  (after the skip: botocore comes with boto3)

REGION = "us-east-1"


@pytest.fixture
def app() -> App:
    return App(name="aws")


@pytest.fixture
def served(app: App) -> Iterator[Served]:
    """The app's AWS endpoints, served; its lifespan runs the app."""
    yield from serve(app, asgi=app.aws)


@pytest.fixture
def aws_client(served: Served) -> Callable[..., Any]:
    """`aws_client("sqs")`: a boto3 client of that service, signed with dummy credentials,
    talking to the served app (no retries, so an error shows as it is)."""

    def make(service: str, **options: Any) -> Any:
        session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name=REGION,
        )
        config = Config(retries={"max_attempts": 1, "mode": "standard"}, **options)
        return session.client(service, endpoint_url=served.url, config=config)

    return make
