"""Handlers tuned by the tests: module-level, so process instances can import them."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import anyio

SEEN: list[Any] = []  # the events `recording` received, in order


def burn(rounds: int) -> bytes:
    """Chained SHA-256 over a 1 KB buffer: pure CPU, one thread."""
    data = b"\0" * 1024
    for _ in range(rounds):
        data = hashlib.sha256(data).digest() + data[32:]
    return data[:32]


def cpu_bound(event: dict[str, Any], context: Any) -> str:
    return burn(int(event.get("rounds", 40_000))).hex()


def sleep_bound(event: dict[str, Any], context: Any) -> str:
    time.sleep(0.02)
    return "slept"


async def async_cpu_bound(event: dict[str, Any], context: Any) -> str:
    return burn(int(event.get("rounds", 20_000))).hex()


async def async_sleep_bound(event: dict[str, Any], context: Any) -> str:
    await anyio.sleep(0.02)
    return "slept"


def recording(event: Any, context: Any) -> int:
    SEEN.append((event, context.memory_limit_in_mb))
    return len(SEEN)


def failing(event: Any, context: Any) -> None:
    if int(context.memory_limit_in_mb) < 512:
        raise MemoryError("not enough memory for the model")


class Loader:
    """A class handler whose init (its __init__) burns CPU, as loading a model would."""

    def __init__(self) -> None:
        self.key = burn(20_000)

    def __call__(self, event: Any, context: Any) -> str:
        return self.key.hex()
