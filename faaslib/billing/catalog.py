"""AWS Lambda's price model: what a request, a GB-second and a provisioned GB-second cost.

The default catalog is us-east-1 as published on https://aws.amazon.com/lambda/pricing/ (prices
cross-checked with the AWS Price List API). Other regions, or future prices, load from a JSON or
TOML file with the same fields, validated like any other configuration.

Prices are `Decimal` dollars; every computation with them is exact.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from faaslib.errors import ConfigurationError

__all__ = ["ArchitecturePrices", "PriceCatalog", "PriceTier"]

Architecture = Literal["x86_64", "arm64"]


class PriceTier(BaseModel):
    """A monthly volume tier of on-demand duration: `price` per GB-second for usage up to
    `up_to_gb_seconds` (aggregated per architecture and region), or for all the rest (None)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    up_to_gb_seconds: Decimal | None = Field(default=None, gt=0)
    price: Decimal = Field(ge=0)


class ArchitecturePrices(BaseModel):
    """What duration costs on one architecture."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    duration_tiers: tuple[PriceTier, ...] = Field(min_length=1)
    provisioned_concurrency: Decimal = Field(ge=0)  # per GB-second configured
    provisioned_duration: Decimal = Field(ge=0)  # per GB-second run on provisioned instances

    @model_validator(mode="after")
    def _tiers_ascend(self) -> ArchitecturePrices:
        bounds = [tier.up_to_gb_seconds for tier in self.duration_tiers]
        if bounds[-1] is not None:
            raise ValueError("the last duration tier must have up_to_gb_seconds=None (no limit)")
        if any(bound is None for bound in bounds[:-1]):
            raise ValueError("only the last duration tier may have up_to_gb_seconds=None")
        limits = [bound for bound in bounds[:-1] if bound is not None]
        if limits != sorted(set(limits)):
            raise ValueError(f"duration tiers must ascend: up_to_gb_seconds={limits}")
        return self


def _tiers(tier_1: str, tier_2: str, tier_3: str, first: int, second: int) -> tuple[PriceTier, ...]:
    return (
        PriceTier(up_to_gb_seconds=Decimal(first), price=Decimal(tier_1)),
        PriceTier(up_to_gb_seconds=Decimal(first + second), price=Decimal(tier_2)),
        PriceTier(up_to_gb_seconds=None, price=Decimal(tier_3)),
    )


class PriceCatalog(BaseModel):
    """The AWS Lambda price model of one region; us-east-1 unless told otherwise.

    ```pycon
    >>> catalog = PriceCatalog()                      # us-east-1, as published
    >>> catalog = PriceCatalog.load("eu-west-1.toml")  # the same fields, from a file
    ```

    `bill_init` says whether a cold start's init duration is billed with its invocation: AWS
    bills it for every function since 1 August 2025. `free_tier_*` are the monthly free
    allowances (1M requests and 400,000 GB-seconds, shared by both architectures); whether to
    apply them is up to the bill.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: str = "us-east-1"
    currency: str = "USD"
    request: Decimal = Field(default=Decimal("0.0000002"), ge=0)  # per request
    x86_64: ArchitecturePrices = ArchitecturePrices(
        duration_tiers=_tiers(
            "0.0000166667", "0.000015", "0.0000133334", 6_000_000_000, 9_000_000_000
        ),
        provisioned_concurrency=Decimal("0.0000041667"),
        provisioned_duration=Decimal("0.0000097222"),
    )
    arm64: ArchitecturePrices = ArchitecturePrices(
        duration_tiers=_tiers(
            "0.0000133334", "0.0000120001", "0.0000106667", 7_500_000_000, 11_250_000_000
        ),
        provisioned_concurrency=Decimal("0.0000033334"),
        provisioned_duration=Decimal("0.0000077778"),
    )
    ephemeral_storage: Decimal = Field(
        default=Decimal("0.0000000309"), ge=0
    )  # per GB-s over 512 MB
    free_tier_requests: int = Field(default=1_000_000, ge=0)
    free_tier_gb_seconds: Decimal = Field(default=Decimal(400_000), ge=0)
    bill_init: bool = True
    # Provisioned concurrency is billed from enabling to disabling, rounded up to this.
    provisioned_rounding_seconds: int = Field(default=300, ge=1)

    def prices(self, architecture: Architecture) -> ArchitecturePrices:
        return self.x86_64 if architecture == "x86_64" else self.arm64

    @classmethod
    def load(cls, path: str | Path) -> PriceCatalog:
        """A catalog from a `.json` or `.toml` file; fields left out keep the us-east-1 values.

        A file that is not valid raises `ConfigurationError` naming the file and the field.
        """
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ConfigurationError(f"price catalog {str(path)!r}: {error.strerror}") from None
        data: Any
        try:
            if path.suffix == ".toml":
                data = _parse_toml(text)
            elif path.suffix == ".json":
                data = json.loads(text, parse_float=Decimal)
            else:
                raise ValueError("the file must end in .json or .toml")
        except ValueError as error:  # json and tomllib errors are both ValueErrors
            raise ConfigurationError(f"price catalog {str(path)!r}: {error}") from None
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: Any, source: str = "price catalog") -> PriceCatalog:
        """A catalog from plain data (as a JSON or TOML document holds it), validated."""
        if not isinstance(data, Mapping):
            raise ConfigurationError(
                f"{source}: expected a table of fields, not {type(data).__name__}"
            )
        try:
            return cls.model_validate(_decimals(data))
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in issue['loc']) or 'catalog'}: {issue['msg']}"
                for issue in error.errors()
            )
            raise ConfigurationError(f"{source}: {problems}") from None


def _parse_toml(text: str) -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            raise ValueError("reading TOML on Python 3.10 needs `pip install tomli`") from None
    return tomllib.loads(text, parse_float=Decimal)


def _decimals(value: Any) -> Any:
    """Floats never reach a price: they become Decimals through their shortest repr."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, Mapping):
        return {key: _decimals(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_decimals(item) for item in value]
    return value
