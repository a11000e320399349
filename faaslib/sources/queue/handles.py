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
_RANDOM_BYTES = _HANDLE_BYTES - 20  # then the queue's key (8 bytes) and the masked code (12)
_POOL_HANDLES = 256  # handles' random bytes read from the OS at once: one read per 256
# A serial is a Lua number (a double) in the Redis scripts: a handle naming a higher one is forged.
_MOST_SERIAL = 1 << 53


class Handles:
    """Queue `name`'s receipt handles, made with its `key` and `mask`."""

    def __init__(self, name: str, key: bytes, mask: int) -> None:
        self.name = name
        self.key = key
        self.mask = mask
        self._pool = b""  # random bytes for the next handles, read from the OS in bulk
        self._used = 0

    def make(self, serial: int, number: int) -> str:
        code = ((serial << 32) | number) ^ self.mask
        used = self._used
        if used >= len(self._pool):  # a read from the OS costs as much as the rest of a handle
            self._pool = secrets.token_bytes(_RANDOM_BYTES * _POOL_HANDLES)
            used = 0
        self._used = used + _RANDOM_BYTES
        raw = self._pool[used : used + _RANDOM_BYTES] + self.key + code.to_bytes(12, "big")
        return "AQEB" + binascii.b2a_base64(raw, newline=False).decode()

    def read_issued(self, receipt_handle: str) -> tuple[int, int]:
        """The serial and receive number of a handle this queue made for faaslib's own code
        (the event source mapping settling its batch): only its masked code, in its last 16
        characters, is read; a caller's handle goes through `read`."""
        code = int.from_bytes(binascii.a2b_base64(receipt_handle[-16:]), "big") ^ self.mask
        return code >> 32, code & 0xFFFF_FFFF

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
