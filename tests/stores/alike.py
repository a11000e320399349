"""What the store tests check alike on SQLite and on Redis: a bucket's listing pages as on the
memory store (the same operations, then every page of one listing), and a DynamoDB transaction
whose writer is killed half-way leaves all of its items or none."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from faaslib.sources.bucket import Bucket
from faaslib.sources.table import Table

ROOT = Path(__file__).parents[2]

# -- listings ----------------------------------------------------------------------------------

# Few characters, so that keys share prefixes; the highest code point, one above the
# surrogates and NUL, where an ordering by anything but code point would show.
CHARACTERS = st.sampled_from(["a", "b", "/", "-", "é", "\x00", "\ue000", "\U0010ffff"])
KEYS = st.text(CHARACTERS, min_size=1, max_size=5)
# A listing's bounds need not be valid Unicode: a lone surrogate sorts between U+D7FF and U+E000.
BOUNDS = st.text(st.sampled_from(["a", "/", "é", "\ud800", "\U0010ffff"]), max_size=3)


@dataclass(frozen=True)
class Listing:
    """Puts (True) and deletes of keys, then a listing of the bucket, paged."""

    operations: list[tuple[bool, str]]
    prefix: str
    delimiter: str | None
    start_after: str
    max_keys: int


def listings(max_operations: int) -> st.SearchStrategy[Listing]:
    return st.builds(
        Listing,
        operations=st.lists(
            st.tuples(st.sampled_from([True, True, False]), KEYS), max_size=max_operations
        ),
        prefix=st.one_of(st.just(""), BOUNDS, KEYS),
        delimiter=st.sampled_from([None, "/", "-", "a/", "\U0010ffff", "é"]),
        start_after=st.one_of(st.just(""), BOUNDS, KEYS),
        max_keys=st.one_of(st.integers(0, 5), st.just(1000)),
    )


async def listing_pages(bucket: Bucket, listing: Listing) -> list[Any]:
    """Do `listing`'s operations on `bucket`, then list: the bucket's keys and every page of
    the listing (40 at the most)."""
    for is_put, key in listing.operations:
        if is_put:
            await bucket.put(key, key.encode())
        else:
            await bucket.delete(key)
    pages: list[Any] = [bucket.keys()]
    prefix, max_keys = listing.prefix, listing.max_keys
    options: dict[str, Any] = {"delimiter": listing.delimiter, "start_after": listing.start_after}
    page = await bucket.list(prefix, max_keys=max_keys, **options)
    pages.append(page)
    while page.next_continuation_token is not None and len(pages) < 40:
        token = page.next_continuation_token
        page = await bucket.list(prefix, max_keys=max_keys, continuation_token=token, **options)
        pages.append(page)
    return pages


# -- transactions killed half-way ----------------------------------------------------------------

ITEMS = 25  # DynamoDB's most per transaction

WRITER = """
import sys
from faaslib import App
from faaslib.testing import TestClient

app = App(store=sys.argv[1])
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


def kill_writers(store: str, kills: int) -> None:
    """Kill (SIGKILL) `kills` writers on `store` in turn, each while it writes transactions of
    `ITEMS` items to table "orders" as fast as it can (numbering on from the last one kept)."""
    chance = random.Random(7)
    for _ in range(kills):
        child = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(WRITER), store, str(ITEMS)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
        )
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n"
        time.sleep(chance.uniform(0.2, 0.6))  # writing transactions as fast as it can
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()


def assert_all_or_none(table: Table) -> Counter[str]:
    """Check that the writers' table kept every item of a transaction or none, and the
    transactions kept are numbered on from 0; the items kept of each, by its number."""
    parts = Counter(item["pk"].split("-")[0] for item in table.items())
    assert parts, "no transaction committed before the kills"
    assert set(parts.values()) == {ITEMS}, {n: c for n, c in parts.items() if c != ITEMS}
    assert sorted(int(number) for number in parts) == list(range(len(parts)))
    return parts
