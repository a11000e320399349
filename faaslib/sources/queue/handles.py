"""A queue's receipt handles: opaque as SQS's, yet naming their message. Random bytes, the
queue's key, and the message's serial and receive number masked with the queue's mask; the same
key and mask in every process sharing the queue's store, so a handle from one resolves in
another."""

from __future__ import annotations

import base64
import binascii
import secrets

from faaslib.sources.queue import checks
from faaslib.sources.queue.messages import ReceiptHandleIsInvalid

__all__ = ["Handles"]

_HANDLE_BYTES = 96
# A serial is a Lua number (a double) in the Redis scripts: a handle naming a higher one is forged.
_MOST_SERIAL = 1 << 53


class Handles:
    """Queue `name`'s receipt handles, made with its `key` and `mask`."""

    def __init__(self, name: str, key: bytes, mask: int) -> None:
        self.name = name
        self.key = key
        self.mask = mask

    def make(self, serial: int, number: int) -> str:
        code = ((serial << 32) | number) ^ self.mask
        raw = secrets.token_bytes(_HANDLE_BYTES - 20) + self.key + code.to_bytes(12, "big")
        return "AQEB" + base64.b64encode(raw).decode()

    def read(self, receipt_handle: str) -> tuple[int, int]:
        """The serial and receive number a handle names; `ReceiptHandleIsInvalid` when this
        queue cannot have issued it (the store checks the rest against the message)."""
        raw = b""
        if isinstance(receipt_handle, str) and receipt_handle.startswith("AQEB"):
            try:
                raw = base64.b64decode(receipt_handle[4:], validate=True)
            except (binascii.Error, ValueError):
                raw = b""
        code = int.from_bytes(raw[-12:], "big") ^ self.mask
        serial, number = code >> 32, code & 0xFFFF_FFFF
        if len(raw) != _HANDLE_BYTES or raw[-20:-12] != self.key or not 0 < serial < _MOST_SERIAL:
            raise self.not_issued(receipt_handle)
        return serial, number

    def not_issued(self, receipt_handle: str) -> ReceiptHandleIsInvalid:
        return ReceiptHandleIsInvalid(
            self.name,
            f"receipt_handle {checks.short(receipt_handle)} was not issued by this queue",
        )
