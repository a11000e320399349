"""Fixtures of the corpus tests."""

from __future__ import annotations

import pytest

from .harness import Output


@pytest.fixture
def backend(anyio_backend: str) -> str:
    """The backend the app runs on (parametrizes each test over asyncio and trio)."""
    return anyio_backend


@pytest.fixture
def output(capsys: pytest.CaptureFixture[str]) -> Output:
    """What the handlers print: `output.wait_for("text")`."""
    return Output(capsys)


@pytest.fixture(autouse=True)
def lambda_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """A host with no AWS credentials or configuration of its own, as Lambda's hosts: handlers
    get only what Lambda gives a function (and boto3 does not wait on an instance metadata
    service that is not there)."""
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/aws/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
