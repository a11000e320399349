"""Benchmarks of the event sources that do work per event: an event bus routing events through
20 rules, and a stream feeding `@app.on_stream` shard by shard. `run.py` prints them."""

from __future__ import annotations

import ipaddress
import random
import time
from collections.abc import Callable
from typing import Any

import msgspec

from faaslib import App
from faaslib.patterns import compile_pattern
from faaslib.sources.bus import EventBus

# Twenty rules of the kinds a shop's bus carries: a source and detail-type, then conditions on
# the detail with most of the operators.
RULES: list[dict[str, Any]] = [
    {"source": ["shop"], "detail-type": ["Order Placed"]},
    {
        "source": ["shop"],
        "detail-type": ["Order Placed"],
        "detail": {"total": [{"numeric": [">=", 100]}]},
    },
    {"source": ["shop"], "detail": {"country": [{"anything-but": ["US", "CA"]}]}},
    {"source": [{"prefix": "sh"}], "detail": {"customer": {"tier": ["gold", "platinum"]}}},
    {"source": ["billing"], "detail-type": [{"suffix": "Failed"}]},
    {"source": ["billing"], "detail": {"amount": [{"numeric": [">", 0, "<=", 50]}]}},
    {"detail": {"email": [{"wildcard": "*@example.com"}]}},
    {"source": ["shop"], "detail": {"coupon": [{"exists": True}]}},
    {
        "source": ["shop"],
        "detail": {"coupon": [{"exists": False}], "total": [{"numeric": ["<", 10]}]},
    },
    {"source": ["warehouse"], "detail-type": ["Item Shipped", "Item Returned"]},
    {"source": ["warehouse"], "detail": {"sku": [{"prefix": "SKU-9"}]}},
    {"$or": [{"source": ["auth"]}, {"detail": {"risk": [{"numeric": [">", 80]}]}}]},
    {"source": ["auth"], "detail-type": [{"equals-ignore-case": "login failed"}]},
    {"source": ["shop"], "detail": {"items": {"sku": ["SKU-1"]}}},
    {"source": ["shop"], "detail": {"ip": [{"cidr": "10.0.0.0/8"}]}},
    {"resources": [{"prefix": "arn:aws:s3:::media"}]},
    {"source": ["shop"], "detail": {"status": [{"anything-but": {"prefix": "test"}}]}},
    {"account": ["123456789012"], "source": ["audit"]},
    {
        "source": ["shop"],
        "detail-type": ["Order Cancelled"],
        "detail": {"reason": [{"exists": True}]},
    },
    {"region": ["eu-west-1"], "source": ["shop"]},
]

_TEN = ipaddress.ip_network("10.0.0.0/8")


def _skus(detail: dict[str, Any]) -> list[Any]:
    return [item.get("sku") for item in detail.get("items", []) if isinstance(item, dict)]


# The same twenty rules written by hand as Python predicates over the event: the floor a
# pattern interpreter is measured against.
FLOOR: list[Callable[[dict[str, Any]], bool]] = [
    lambda e: e["source"] == "shop" and e["detail-type"] == "Order Placed",
    lambda e: (
        e["source"] == "shop"
        and e["detail-type"] == "Order Placed"
        and isinstance(e["detail"].get("total"), int | float)
        and e["detail"]["total"] >= 100
    ),
    lambda e: (
        e["source"] == "shop"
        and "country" in e["detail"]
        and e["detail"]["country"] not in ("US", "CA")
    ),
    lambda e: (
        e["source"].startswith("sh")
        and e["detail"].get("customer", {}).get("tier") in ("gold", "platinum")
    ),
    lambda e: e["source"] == "billing" and e["detail-type"].endswith("Failed"),
    lambda e: (
        e["source"] == "billing"
        and isinstance(e["detail"].get("amount"), int | float)
        and 0 < e["detail"]["amount"] <= 50
    ),
    lambda e: str(e["detail"].get("email", "")).endswith("@example.com"),
    lambda e: e["source"] == "shop" and "coupon" in e["detail"],
    lambda e: (
        e["source"] == "shop"
        and "coupon" not in e["detail"]
        and isinstance(e["detail"].get("total"), int | float)
        and e["detail"]["total"] < 10
    ),
    lambda e: e["source"] == "warehouse" and e["detail-type"] in ("Item Shipped", "Item Returned"),
    lambda e: e["source"] == "warehouse" and str(e["detail"].get("sku", "")).startswith("SKU-9"),
    lambda e: (
        e["source"] == "auth"
        or (isinstance(e["detail"].get("risk"), int | float) and e["detail"]["risk"] > 80)
    ),
    lambda e: e["source"] == "auth" and e["detail-type"].lower() == "login failed",
    lambda e: e["source"] == "shop" and "SKU-1" in _skus(e["detail"]),
    lambda e: (
        e["source"] == "shop"
        and "ip" in e["detail"]
        and ipaddress.ip_address(e["detail"]["ip"]) in _TEN
    ),
    lambda e: any(r.startswith("arn:aws:s3:::media") for r in e["resources"]),
    lambda e: (
        e["source"] == "shop"
        and "status" in e["detail"]
        and not str(e["detail"]["status"]).startswith("test")
    ),
    lambda e: e["account"] == "123456789012" and e["source"] == "audit",
    lambda e: (
        e["source"] == "shop" and e["detail-type"] == "Order Cancelled" and "reason" in e["detail"]
    ),
    lambda e: e["region"] == "eu-west-1" and e["source"] == "shop",
]


def bus_events(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """`count` events of mixed sources, types and details, as the bus hands them to rules."""
    rng = random.Random(seed)
    events = []
    for number in range(count):
        events.append(
            {
                "version": "0",
                "id": str(number),
                "detail-type": rng.choice(
                    ["Order Placed", "Payment Failed", "Item Shipped", "Login Failed"]
                ),
                "source": rng.choice(["shop", "billing", "warehouse", "auth", "audit", "other"]),
                "account": "123456789012",
                "time": "2026-01-01T00:00:00Z",
                "region": "us-east-1",
                "resources": [],
                "detail": {
                    "total": rng.randint(0, 300),
                    "country": rng.choice(["US", "FR", "DE"]),
                    "customer": {"tier": rng.choice(["gold", "silver"])},
                    "email": f"u{number}@example.com",
                    "items": [{"sku": f"SKU-{rng.randint(1, 9)}"}, {"sku": "SKU-2"}],
                    "ip": f"10.0.{number % 255}.1",
                    "status": "ok",
                    "risk": rng.randint(0, 100),
                },
            }
        )
    return events


async def bus_rates(count: int, rounds: int) -> list[tuple[str, float, float]]:
    """(name, events/s, matches per event) for the hand-written floor, and for the bus through
    its public `put_events` (10 entries a call, as a caller batching would: each entry checked,
    sized and made an event, then every rule's pattern tried on it)."""
    events = bus_events(count)
    floor_matches = sum(1 for event in events for rule in FLOOR if rule(event))
    best_floor = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for event in events:
            for rule in FLOOR:
                rule(event)
        best_floor = max(best_floor, count / (time.perf_counter() - start))
    bus = EventBus("bench")
    matched = 0

    def target(event: dict[str, Any]) -> None:
        nonlocal matched
        matched += 1

    for number, pattern in enumerate(RULES):
        bus.add_rule(f"rule-{number}", compile_pattern(pattern), target)
    entries = [
        {
            "Source": event["source"],
            "DetailType": event["detail-type"],
            "Detail": event["detail"],
            "Resources": event["resources"],
        }
        for event in events
    ]
    calls = [entries[at : at + 10] for at in range(0, count, 10)]
    best_bus = 0.0
    for _ in range(rounds):
        matched = 0
        start = time.perf_counter()
        for call in calls:
            await bus.put_events(call)
        best_bus = max(best_bus, count / (time.perf_counter() - start))
    assert matched == floor_matches, (matched, floor_matches)  # the two agree on every event
    return [
        ("floor: 20 hand-written Python predicates", best_floor, floor_matches / count),
        ("faaslib: EventBus.put_events, 20 rules", best_bus, matched / count),
    ]


async def stream_rates(count: int, rounds: int) -> list[tuple[str, float]]:
    """Records per second from one shard through `@app.on_stream` to a trivial handler, in
    batches of 100 and 1,000, beside the floor: the same records read with `get_records` in
    batches of 100, each batch's Kinesis event encoded and decoded as an invocation's would be,
    and the handler awaited directly."""
    rows: list[tuple[str, float]] = []
    done = 0

    async def handler(event: Any, context: Any) -> None:
        nonlocal done
        done += len(event["Records"])

    async def fill(stream: Any) -> None:
        for _ in range(0, count, 500):
            await stream.put_records(
                [{"data": b"x" * 100, "partition_key": str(n)} for n in range(500)]
            )

    floor = 0.0
    for _ in range(rounds):
        stream = App("bench").stream("floor")
        await fill(stream)
        done = 0
        start = time.perf_counter()
        iterator = stream.iterator(stream.shards[0].shard_id, "TRIM_HORIZON")
        while done < count:
            result = stream.get_records(iterator, limit=100)
            iterator = result.next_iterator
            payload = msgspec.json.encode(stream.lambda_event(result.records))
            await handler(msgspec.json.decode(payload), None)
        floor = max(floor, count / (time.perf_counter() - start))
    rows.append(("floor: get_records, encode, await handler", floor))
    for batch_size in (100, 1000):
        best = 0.0
        for _ in range(rounds):
            app = App("bench")
            stream = app.stream("clicks")
            app.on_stream("clicks", batch_size=batch_size, starting_position="TRIM_HORIZON")(
                handler
            )
            await fill(stream)
            done = 0
            start = time.perf_counter()
            async with app:
                await app.wait_idle()
            best = max(best, count / (time.perf_counter() - start))
            assert done == count, (done, count)
        rows.append((f"faaslib: stream -> on_stream, batch {batch_size}", best))
    return rows
