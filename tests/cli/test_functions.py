"""`faaslib functions MODULE:APP`: a table of functions, their configuration and triggers."""

from __future__ import annotations

import json

from tests.cli import faaslib


def test_the_table_shows_configuration_and_triggers() -> None:
    run = faaslib("functions", "shop:app")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "App 'shop': 5 functions, account concurrency 1,000, us-east-1"
    assert lines[2].split() == list(
        ("function", "memory", "timeout", "arch", "reserved", "provisioned", "triggers")
    )
    rows = {line.split()[0]: line for line in lines[4:] if line and not line.startswith(" ")}
    assert rows["echo"].split()[:7] == ["echo", "512", "MB", "10", "s", "x86_64", "-"]
    assert rows["closed"].split()[5:7] == ["x86_64", "0"]  # reserved concurrency 0
    # a function with two triggers: the second on a line of its own, under the first
    orders = lines.index(rows["orders"])
    assert rows["orders"].endswith("topic news")
    assert lines[orders + 1].strip() == "queue orders (batch 5, partial failures)"


def test_json_has_every_field() -> None:
    run = faaslib("functions", "web:app", "--json")
    rows = {row["function"]: row for row in json.loads(run.stdout)}
    assert rows["get_item"]["triggers"] == ["http GET /items/{id} (payload 2.0)"]
    assert rows["orders"]["triggers"] == ["queue orders (batch 1)"]
    assert rows["get_item"] | {"triggers": []} == {
        "function": "get_item",
        "memory": 128,
        "timeout": 3,
        "architecture": "x86_64",
        "ephemeral_storage": 512,
        "reserved_concurrency": None,
        "provisioned_concurrency": 0,
        "maximum_retry_attempts": 2,
        "maximum_event_age": 21600,
        "triggers": [],
        "description": "",
    }
