"""DynamoDB's all-or-nothing writes on a durable store: a `TransactWriteItems` (and a
conditional write) through `app.aws` is one SQLite transaction, so a process killed with
SIGKILL in the middle of one leaves all of its items or none."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from faaslib.clock import SystemClock
from faaslib.sources.table import Table
from faaslib.stores import SQLiteBackend

pytest.importorskip("boto3", reason="the transactions go through boto3, as an app sends them")

ROOT = Path(__file__).parents[2]
ITEMS = 25  # DynamoDB's most per transaction

WRITER = """
import sys
from faaslib import App
from faaslib.testing import TestClient

app = App(store=f"sqlite:///{sys.argv[1]}")
items = int(sys.argv[2])
app.table("orders", key_schema=("pk",))
with TestClient(app) as client:
    dynamodb = client.boto3_session().client("dynamodb")
    done = len(dynamodb.scan(TableName="orders").get("Items", [])) // items
    print("ready", flush=True)
    for number in range(done, 1_000_000):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "orders", "Item": {"pk": {"S": f"{number}-{part}"}}}}
                for part in range(items)
            ]
        )
"""


@pytest.mark.slow
def test_a_transaction_killed_mid_way_leaves_all_its_items_or_none(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    chance = random.Random(7)
    for _ in range(5):
        child = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(WRITER), str(path), str(ITEMS)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"
        time.sleep(chance.uniform(0.2, 0.6))  # writing transactions as fast as it can
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    table = Table("orders", SystemClock(), key_schema=("pk",), backend=SQLiteBackend(path))
    parts = Counter(item["pk"].split("-")[0] for item in table.items())
    assert parts, "no transaction committed before the kills"
    assert set(parts.values()) == {ITEMS}, {n: c for n, c in parts.items() if c != ITEMS}
    assert sorted(int(number) for number in parts) == list(range(len(parts)))
