"""Hostile values for the property tests of faaslib's doors: what a careless or malicious caller
sends. Lone surrogates, NaN and infinite floats and Decimals, nesting around faaslib's limit and
far past Python's recursion limit, self-references, huge and empty values, and wrong types."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from faaslib.payloads import MAX_DEPTH

__all__ = ["clean_json", "hostile", "nested"]


def nested(depth: int, *, mapping: bool = False) -> Any:
    """`depth` arrays (or objects) one inside the other: JSON text nested `depth` deep. Built
    without recursion, so any depth can be made."""
    value: Any = {} if mapping else []
    for _ in range(depth - 1):
        value = {"a": value} if mapping else [value]
    return value


def _containing_itself(mapping: bool) -> Any:
    if mapping:
        loop: dict[str, Any] = {"id": 1}
        loop["self"] = loop
        return loop
    ring: list[Any] = [1]
    ring.append([ring])
    return ring


_surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
surrogate_text = st.text(st.one_of(_surrogates, st.characters()), min_size=1, max_size=6).filter(
    lambda text: any(0xD800 <= ord(c) <= 0xDFFF for c in text)
)
_keys = st.one_of(st.text(max_size=4), surrogate_text)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.just(10**200),  # beyond SQS's, SNS's and DynamoDB's numbers
    st.floats(),  # NaN and infinities included
    st.decimals(),  # NaN, sNaN and infinities included
    st.sampled_from([Decimal("NaN"), Decimal("-Infinity")]),
    st.text(max_size=6),
    surrogate_text,
    st.binary(max_size=6),
    st.sampled_from([b"\xff\xfe", "", b"", "\x00", "\ufffe"]),
)
_structures = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(_keys, children, max_size=3),
        st.tuples(children),
        st.frozensets(st.integers(), max_size=3),
    ),
    max_leaves=6,
)
_depths = st.sampled_from(
    [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 985, 5_000]
)  # the limit, and past Python's recursion limit
_extremes = st.one_of(
    st.builds(nested, _depths, mapping=st.booleans()),
    st.builds(lambda depth: "[" * depth + "]" * depth, _depths),
    st.builds(lambda depth: b"[" * depth + b"]" * depth, _depths),
    st.builds(_containing_itself, st.booleans()),
    st.builds(lambda: "x" * 2_000_000),
    st.builds(lambda: b"y" * 2_000_000),
    st.sampled_from([[], {}, (), set()]),
    st.builds(object),
    st.builds(lambda: {"when": Decimal("Infinity")}),
)
hostile = st.one_of(_structures, _extremes)
"""Anything a caller might send: each door must take it or refuse it with its own error."""

_plain_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cn", "Co")), max_size=8
)
_clean_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        _plain_text,
    ),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(_plain_text, children, max_size=3)
    ),
    max_leaves=8,
)
clean_json = st.dictionaries(_plain_text, _clean_values, max_size=4)
"""Values every door must accept and deliver intact (as JSON, small enough for any limit)."""
