"""DynamoDB's all-or-nothing writes on a durable store: a `TransactWriteItems` (and a
conditional write) through `app.aws` is one SQLite transaction, so a process killed with
SIGKILL in the middle of one leaves all of its items or none."""

from __future__ import annotations

from pathlib import Path

import pytest

from faaslib.clock import SystemClock
from faaslib.sources.table import Table
from faaslib.stores import SQLiteBackend
from tests.stores.alike import assert_all_or_none, kill_writers

pytest.importorskip("boto3", reason="the transactions go through boto3, as an app sends them")


@pytest.mark.slow
def test_a_transaction_killed_mid_way_leaves_all_its_items_or_none(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    kill_writers(f"sqlite:///{path}", 5)
    backend = SQLiteBackend(path)
    assert_all_or_none(Table("orders", SystemClock(), key_schema=("pk",), backend=backend))
