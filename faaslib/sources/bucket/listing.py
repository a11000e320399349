"""ListObjectsV2's walk over a bucket's sorted keys: the prefix, where to start, the grouping of
keys into common prefixes by a delimiter, and where a page ends.

Keys are compared as Python strings, by code point, which for valid Unicode is the UTF-8 binary
order S3 lists in. The keys that share a prefix sit together in that order, so a common prefix
is skipped in one bisection, whatever the number of keys it groups.
"""

from __future__ import annotations

import base64
import binascii
import bisect
from collections.abc import Sequence
from typing import Any

import msgspec

__all__ = ["Page", "decode_token", "encode_token", "list_keys"]

_LAST_CODE_POINT = "\U0010ffff"


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
    keys: Sequence[str],
    prefix: str,
    delimiter: str | None,
    start_after: str,
    max_keys: int,
    marker: tuple[str, str] | None = None,
) -> Page:
    """The page of sorted `keys` that ListObjectsV2 returns: keys starting with `prefix`, after
    `start_after` and after `marker` (a previous page's `last`), up to `max_keys` items, a
    common prefix counting as one."""
    count = len(keys)
    index = bisect.bisect_left(keys, prefix)
    if start_after:
        index = max(index, bisect.bisect_right(keys, start_after))
    if marker is not None:
        kind, value = marker
        index = max(index, _skip(keys, value, kind == "prefix"))
    found: list[str] = []
    common_prefixes: list[str] = []
    last: tuple[str, str] | None = None
    while index < count and len(found) + len(common_prefixes) < max_keys:
        key = keys[index]
        if not key.startswith(prefix):
            break
        if delimiter:
            at = key.find(delimiter, len(prefix))
            if at >= 0:
                common = key[: at + len(delimiter)]
                common_prefixes.append(common)
                last = ("prefix", common)
                index = _skip(keys, common, True, index)
                continue
        found.append(key)
        last = ("key", key)
        index += 1
    is_truncated = index < count and keys[index].startswith(prefix)
    return Page(found, common_prefixes, is_truncated, last)


def _skip(keys: Sequence[str], value: str, is_prefix: bool, start: int = 0) -> int:
    """The index of the first key after `value`, or after every key that starts with it."""
    if not is_prefix:
        return bisect.bisect_right(keys, value, start)
    # The least string above every string that starts with `value`.
    stem = value.rstrip(_LAST_CODE_POINT)
    if not stem:
        return len(keys)
    bound = stem[:-1] + chr(ord(stem[-1]) + 1)
    return bisect.bisect_left(keys, bound, start)


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
