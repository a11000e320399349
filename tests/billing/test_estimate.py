"""`estimate()` against AWS's own arithmetic.

The worked examples are those of the AWS Lambda pricing page, https://aws.amazon.com/lambda/pricing/
(US East (N. Virginia) prices; sections "Lambda Ephemeral Storage Pricing" and "Provisioned
Concurrency Pricing"), each charge as the page prints it. The page rounds each charge to the cent
and adds the rounded charges. The hand-computed cases cover what the page has no example for.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from faaslib.billing import Bill, PriceCatalog, PriceTier, estimate
from faaslib.billing.catalog import ArchitecturePrices


def charges(bill: Bill) -> dict[str, str]:
    return {
        "request": str(bill.request_cost),
        "compute": str(bill.compute_cost),
        "provisioned concurrency": str(bill.provisioned_concurrency_cost),
        "provisioned compute": str(bill.provisioned_compute_cost),
        "storage": str(bill.storage_cost),
        "total": str(bill.total),
    }


def test_pricing_page_mobile_application_backend() -> None:
    # 3M requests of 120 ms at 1536 MB, x86, free tier applied: 540,000 GB-s - 400,000 free =
    # 140,000 GB-s * $0.0000166667 = $2.33; (3M - 1M) * $0.20/M = $0.40; total $2.73.
    bill = estimate(1536, 3_000_000, 120, free_tier=True)
    assert bill.gb_seconds == 540_000
    assert charges(bill) == {
        "request": "0.40",
        "compute": "2.33",
        "provisioned concurrency": "0.00",
        "provisioned compute": "0.00",
        "storage": "0.00",
        "total": "2.73",
    }


def test_pricing_page_enriching_streaming_telemetry() -> None:
    # 10,000 vehicles * 24 * 31 = 7,440,000 requests of 2 s at 1 GB, no free tier:
    # 7.44M * $0.20/M = $1.488 ~= $1.49; 14.88M GB-s * $0.0000166667 = $248.00; total $249.49.
    bill = estimate(1024, 10_000 * 24 * 31, 2000)
    assert bill.gb_seconds == 14_880_000
    assert (bill.request_cost, bill.compute_cost, bill.total) == (
        Decimal("1.49"),
        Decimal("248.00"),
        Decimal("249.49"),
    )


def test_pricing_page_machine_learning_on_support_tickets() -> None:
    # 6M requests of 280 ms at 4096 MB with 2048 MB ephemeral storage, free tier applied:
    # 6,320,000 GB-s * $0.0000166667 = $105.33; 5M * $0.20/M = $1; 2,520,000 storage GB-s *
    # $0.0000000309 = $0.08; total $106.41.
    bill = estimate(4096, 6_000_000, 280, ephemeral_storage_mb=2048, free_tier=True)
    assert (bill.compute_cost, bill.request_cost, bill.storage_cost, bill.total) == (
        Decimal("105.33"),
        Decimal("1.00"),
        Decimal("0.08"),
        Decimal("106.41"),
    )


def test_pricing_page_provisioned_concurrency_mobile_application_launch() -> None:
    # Provisioned concurrency 100 at 1536 MB for 8 hours: 4.32M GB-s * $0.0000041667 = $18;
    # 500,000 requests of 100 ms on it: 75,000 GB-s * $0.0000097222 = $0.73; 2.5M requests of
    # 120 ms on demand: 450,000 - 400,000 free GB-s = 50,000 * $0.0000166667 = $0.83;
    # 3M - 1M free requests = $0.40; total $19.96. (The page applies the free tier here.)
    bill = estimate(
        1536,
        3_000_000,
        120,
        provisioned_concurrency=100,
        provisioned_seconds=8 * 3600,
        provisioned_invocations=500_000,
        provisioned_duration_ms=100,
        free_tier=True,
    )
    assert charges(bill) == {
        "request": "0.40",
        "compute": "0.83",
        "provisioned concurrency": "18.00",
        "provisioned compute": "0.73",
        "storage": "0.00",
        "total": "19.96",
    }


def test_pricing_page_provisioned_concurrency_cyber_monday() -> None:
    # Provisioned concurrency 7 at 4096 MB for 24 hours: 2,419,200 GB-s * $0.0000041667 =
    # $10.08; 2M requests of 280 ms on it: 2,240,000 GB-s * $0.0000097222 = $21.78; requests
    # $0.40; total $32.26. No free tier.
    bill = estimate(4096, 2_000_000, 280, provisioned_concurrency=7, provisioned_seconds=86_400)
    assert charges(bill) == {
        "request": "0.40",
        "compute": "0.00",
        "provisioned concurrency": "10.08",
        "provisioned compute": "21.78",
        "storage": "0.00",
        "total": "32.26",
    }
    assert bill.provisioned_cost == Decimal("31.86")


def test_the_legacy_pricing_page_example_with_its_own_price() -> None:
    # The pre-2020 page: 512 MB, 3M requests of 1 s, free tier applied, at $0.00001667 per GB-s:
    # 1,100,000 GB-s * $0.00001667 = $18.34, requests $0.40, total $18.74.
    old = ArchitecturePrices(
        duration_tiers=(PriceTier(price=Decimal("0.00001667")),),
        provisioned_concurrency=Decimal(0),
        provisioned_duration=Decimal(0),
    )
    bill = estimate(512, 3_000_000, 1000, free_tier=True, catalog=PriceCatalog(x86_64=old))
    assert (bill.compute_cost, bill.request_cost, bill.total) == (
        Decimal("18.34"),
        Decimal("0.40"),
        Decimal("18.74"),
    )


# -- hand-computed cases --------------------------------------------------------------------


def test_arm64_uses_its_own_price() -> None:
    # 1M requests of 1 s at 1024 MB: 1,000,000 GB-s * $0.0000133334 = $13.3334 -> $13.33.
    bill = estimate(1024, 1_000_000, 1000, architecture="arm64")
    assert (bill.compute_cost, bill.request_cost, bill.total) == (
        Decimal("13.33"),
        Decimal("0.20"),
        Decimal("13.53"),
    )


def test_arm64_provisioned_concurrency_prices() -> None:
    # 10 at 2048 MB for 1 hour: 72,000 GB-s * $0.0000033334 = $0.2400048 -> $0.24;
    # 100,000 requests of 500 ms: 100,000 GB-s * $0.0000077778 = $0.77778 -> $0.78.
    bill = estimate(
        2048,
        100_000,
        500,
        architecture="arm64",
        provisioned_concurrency=10,
        provisioned_seconds=3600,
    )
    assert (bill.provisioned_concurrency_cost, bill.provisioned_compute_cost) == (
        Decimal("0.24"),
        Decimal("0.78"),
    )


def test_duration_tiers_split_at_six_billion_gb_seconds() -> None:
    # 10,240 MB for 900 s is 9,000 GB-s per request; 1M of them is 9 billion GB-s: 6 billion at
    # $0.0000166667 ($100,000.20) and 3 billion at $0.000015 ($45,000).
    bill = estimate(10_240, 1_000_000, 900_000)
    assert bill.compute_cost == Decimal("145000.20")


def test_duration_tiers_reach_the_third_on_arm64() -> None:
    # 2,500,000 requests of 9,000 GB-s = 22.5 billion arm64 GB-s: 7.5B at $0.0000133334
    # ($100,000.50), 11.25B at $0.0000120001 ($135,001.125), 3.75B at $0.0000106667
    # ($40,000.125): $275,001.75.
    bill = estimate(10_240, 2_500_000, 900_000, architecture="arm64")
    assert bill.gb_seconds == 22_500_000_000
    assert bill.compute_cost == Decimal("275001.75")


def test_billed_duration_rounds_each_invocation_up_to_the_millisecond() -> None:
    # 1,000,000 invocations of 0.2 ms bill 1 ms each: 1,000 s at 1 GB = 1,000 GB-s.
    assert estimate(1024, 1_000_000, 0.2).gb_seconds == 1000


def test_the_free_tier_covers_small_workloads() -> None:
    bill = estimate(128, 1_000_000, 100, free_tier=True)
    assert bill.total == 0
    assert estimate(128, 1_000_000, 100).total == Decimal("0.41")  # $0.20 + $0.2083


def test_provisioned_time_rounds_up_to_five_minutes() -> None:
    # 1 at 1024 MB for 61 s bills 300 s: 300 GB-s * $0.0000041667 = $0.00125 -> $0.00.
    one_minute = estimate(1024, 0, 0, provisioned_concurrency=1, provisioned_seconds=61)
    five_minutes = estimate(1024, 0, 0, provisioned_concurrency=1, provisioned_seconds=300)
    assert one_minute == five_minutes
    hundred = estimate(1024, 0, 0, provisioned_concurrency=100, provisioned_seconds=301)
    assert hundred.provisioned_concurrency_cost == Decimal("0.25")  # 600 s: $0.250002


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"memory_mb": 100}, "memory_mb=100 is out of range \\(allowed: 128 to 10,240 MB\\)"),
        ({"ephemeral_storage_mb": 20_000}, "ephemeral_storage_mb=20,000 is out of range"),
        ({"invocations": -1}, "invocations=-1 is out of range \\(allowed: at least 0\\)"),
        ({"duration_ms": -5}, "duration_ms=-5 and provisioned_seconds=0 must be 0 or more"),
        ({"provisioned_invocations": 11}, "provisioned_invocations=11 must be from 0 to"),
    ],
)
def test_bad_arguments_are_named(arguments: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"memory_mb": 128, "invocations": 10, "duration_ms": 100}
    values.update(arguments)
    with pytest.raises(ValueError, match=message):
        estimate(**values)  # type: ignore[arg-type]
