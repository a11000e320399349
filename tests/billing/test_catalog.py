"""The price catalog: us-east-1 by default, other catalogs from validated JSON or TOML files."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from faaslib import ConfigurationError
from faaslib.billing import PriceCatalog, estimate


def test_the_default_is_us_east_1_as_published() -> None:
    catalog = PriceCatalog()
    assert catalog.region == "us-east-1"
    assert catalog.request == Decimal("0.0000002")
    assert [tier.price for tier in catalog.x86_64.duration_tiers] == [
        Decimal("0.0000166667"),
        Decimal("0.000015"),
        Decimal("0.0000133334"),
    ]
    assert [tier.up_to_gb_seconds for tier in catalog.arm64.duration_tiers] == [
        Decimal(7_500_000_000),
        Decimal(18_750_000_000),
        None,
    ]
    assert catalog.x86_64.provisioned_concurrency == Decimal("0.0000041667")
    assert catalog.x86_64.provisioned_duration == Decimal("0.0000097222")
    assert catalog.ephemeral_storage == Decimal("0.0000000309")
    assert (catalog.free_tier_requests, catalog.free_tier_gb_seconds) == (1_000_000, 400_000)


def test_a_json_catalog_keeps_prices_exact(tmp_path: Path) -> None:
    path = tmp_path / "future.json"
    path.write_text(json.dumps({"region": "eu-west-1", "request": 0.00000025}))
    catalog = PriceCatalog.load(path)
    assert catalog.region == "eu-west-1"
    assert catalog.request == Decimal("0.00000025")  # not 2.4999999999999999e-07
    assert catalog.x86_64 == PriceCatalog().x86_64  # fields left out keep us-east-1's
    assert estimate(128, 1_000_000, 1, catalog=catalog).request_cost == Decimal("0.25")


def test_a_toml_catalog(tmp_path: Path) -> None:
    path = tmp_path / "legacy.toml"
    path.write_text(
        'region = "us-east-1"\n'
        "bill_init = false\n"
        "[x86_64]\n"
        "provisioned_concurrency = 0.0000041667\n"
        "provisioned_duration = 0.0000097222\n"
        "[[x86_64.duration_tiers]]\n"
        "price = 0.00001667\n"
    )
    catalog = PriceCatalog.load(path)
    assert not catalog.bill_init
    # the pricing page before December 2020: 512 MB, 3M requests of 1 s, free tier: $18.74
    assert estimate(512, 3_000_000, 1000, free_tier=True, catalog=catalog).total == Decimal("18.74")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"request": -1}', "request: Input should be greater than or equal to 0"),
        ('{"requests": 1}', "requests: Extra inputs are not permitted"),
        ("[1, 2]", "expected a table of fields, not list"),
        ("{not json", "Expecting property name"),
        (
            '{"arm64": {"duration_tiers": [{"price": 1, "up_to_gb_seconds": 5}],'
            ' "provisioned_concurrency": 0, "provisioned_duration": 0}}',
            "the last duration tier must have up_to_gb_seconds=None",
        ),
        (
            '{"arm64": {"duration_tiers": [{"price": 1, "up_to_gb_seconds": 5},'
            ' {"price": 1, "up_to_gb_seconds": 2}, {"price": 1}],'
            ' "provisioned_concurrency": 0, "provisioned_duration": 0}}',
            "duration tiers must ascend",
        ),
    ],
)
def test_a_bad_catalog_names_the_file_and_the_field(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "prices.json"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=message) as caught:
        PriceCatalog.load(path)
    assert str(path) in str(caught.value)


def test_a_missing_file_or_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="No such file"):
        PriceCatalog.load(tmp_path / "absent.json")
    path = tmp_path / "prices.yaml"
    path.write_text("request: 1")
    with pytest.raises(ConfigurationError, match=r"must end in \.json or \.toml"):
        PriceCatalog.load(path)
