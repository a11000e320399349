"""Durable functions need AWS's durable execution SDK, which needs Python 3.11+: without it
these tests are not collected, and the run's header says so."""

from __future__ import annotations

import importlib.util

import pytest

MISSING = importlib.util.find_spec("aws_durable_execution_sdk_python") is None
if MISSING:
    collect_ignore_glob = ["test_*.py", "*/test_*.py"]


def pytest_report_header(config: pytest.Config) -> str | None:
    if MISSING:
        return "tests/durable not run: AWS's durable execution SDK (Python 3.11+) is not installed"
    return None
