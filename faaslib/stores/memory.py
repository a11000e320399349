"""What the memory stores of every service share."""

from __future__ import annotations

__all__ = ["NO_BATCH", "NoBatch"]


class NoBatch:
    """`batch()` of a memory store: every operation is one step already (nothing inside awaits),
    so a batch has nothing to join. One instance serves every store: entering it costs two
    method calls and no allocation."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


NO_BATCH = NoBatch()
