"""ListObjectsV2's walk over a bucket's keys in order: the prefix, where to start, the grouping
of keys into common prefixes by a delimiter, and where a page ends.

Keys are compared as Python strings, by code point, which for valid Unicode is the UTF-8 binary
order S3 lists in. The walk reads keys through its store's `scan` (keys from a bound on), the
same walk for every store, so a listing pages alike whichever keeps the objects. The keys that
share a prefix sit together in that order, so a common prefix is skipped with one new scan from
the least string above it, whatever the number of keys it groups.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from typing import Any

import msgspec

__all__ = ["Page", "Scan", "decode_token", "encode_token", "list_keys"]

_LAST_CODE_POINT = "\U0010ffff"

Scan = Callable[[str, bool], Iterator[str]]
"""`scan(bound, after)`: the keys from `bound` on (just after it when `after`), in order."""


class Page:
    """One page of a listing: its keys and common prefixes, whether more follow, and the last
    item, `("key", key)` or `("prefix", common_prefix)`, after which the next page starts."""

    __slots__ = ("common_prefixes", "is_truncated", "keys", "last")

    def __init__(
        self,
        keys: list[str],
        common_prefixes: list[str],
        is_truncated: bool,
        last: tuple[str, str] | None,
    ) -> None:
        self.keys = keys
        self.common_prefixes = common_prefixes
        self.is_truncated = is_truncated
        self.last = last


def list_keys(
    scan: Scan,
    prefix: str,
    delimiter: str | None,
    start_after: str,
    max_keys: int,
    marker: tuple[str, str] | None = None,
) -> Page:
    """The page of the keys `scan` walks that ListObjectsV2 returns: keys starting with
    `prefix`, after `start_after` and after `marker` (a previous page's `last`), up to
    `max_keys` items, a common prefix counting as one."""
    # Where to start: the latest of the bounds, (key, after it) comparing as S3 would.
    start = (prefix, False)
    if start_after:
        start = max(start, (start_after, True))
    if marker is not None:
        kind, value = marker
        if kind == "prefix":
            above = _above(value)
            if above is None:
                return Page([], [], False, None)
            start = max(start, (above, False))
        else:
            start = max(start, (value, True))
    keys = scan(*start)
    found: list[str] = []
    common_prefixes: list[str] = []
    last: tuple[str, str] | None = None
    is_truncated = rescan = False
    while True:
        for key in keys:
            if not key.startswith(prefix):
                break
            if len(found) + len(common_prefixes) >= max_keys:
                is_truncated = True
                break
            if delimiter:
                at = key.find(delimiter, len(prefix))
                if at >= 0:
                    common = key[: at + len(delimiter)]
                    common_prefixes.append(common)
                    last = ("prefix", common)
                    above = _above(common)
                    if above is not None:  # else no key is above it: the listing is done
                        keys, rescan = scan(above, False), True
                    break
            found.append(key)
            last = ("key", key)
        if not rescan:
            break
        rescan = False
    return Page(found, common_prefixes, is_truncated, last)


def _above(value: str) -> str | None:
    """The least string above every string that starts with `value`; None if there is none
    (`value` is all U+10FFFF)."""
    stem = value.rstrip(_LAST_CODE_POINT)
    if not stem:
        return None
    return stem[:-1] + chr(ord(stem[-1]) + 1)


def encode_token(last: tuple[str, str]) -> str:
    """A continuation token: opaque to the caller, as S3's are, and naming where to go on."""
    return base64.urlsafe_b64encode(msgspec.json.encode(last)).decode()


def decode_token(token: Any) -> tuple[str, str] | None:
    """The `last` item a token from `encode_token` names, or None if it is not such a token."""
    try:
        kind, value = msgspec.json.decode(base64.urlsafe_b64decode(token), type=tuple[str, str])
    except (TypeError, ValueError, binascii.Error, msgspec.DecodeError):
        return None
    return (kind, value) if kind in ("key", "prefix") else None
