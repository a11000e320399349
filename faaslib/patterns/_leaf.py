"""A pattern's leaf: the alternatives a field's value may match, gathered while the pattern is
read and built into one test that takes the event's value and answers without looking at the
pattern again.

A leaf matches when any alternative matches. Exact strings and numbers become set lookups,
prefixes and suffixes one `startswith`/`endswith` over a tuple, wildcards their literal segments
found in order (never a regular expression, which can backtrack for seconds on one hostile
value); only what the leaf actually uses is tested at match time, and every string test is
linear in the value.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from faaslib.patterns._syntax import MISSING
from faaslib.patterns._wildcard import Wildcard, wildcard_test

__all__ = ["Leaf", "Matcher", "NumberTest", "StringTest", "parse_address"]

Matcher = Callable[[Any], bool]
StringTest = Callable[[str], bool]
NumberTest = Callable[[Any], bool]

# The shapes aws/event-ruler (EventBridge's engine) takes for an IP address literal; a string of
# another shape is never an address there, whatever Python's parser would make of it.
_IPV4 = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\Z")
_IPV6 = re.compile(r"[0-9a-fA-F:]*:[0-9a-fA-F:]*\Z")


def _yes(value: Any) -> bool:
    return True


@functools.lru_cache(maxsize=4096)
def parse_address(text: str) -> tuple[int, int] | None:
    """(IP version, address as an integer) for an IPv4/IPv6 literal, else None."""
    if len(text) > 45 or not (_IPV4.match(text) or _IPV6.match(text)):
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.version, int(address)


class Leaf:
    """The alternatives of one leaf, gathered while reading it, then `build()` into a test."""

    def __init__(self) -> None:
        self.strings: set[str] = set()
        self.numbers: set[int | float] = set()
        self.addresses: set[tuple[int, int]] = set()
        self.literals = {True: False, False: False, None: False}
        self.prefixes: list[str] = []
        self.suffixes: list[str] = []
        self.folded: set[str] = set()  # equals-ignore-case, lowercased
        self.folded_prefixes: list[str] = []
        self.folded_suffixes: list[str] = []
        self.wildcards: list[Wildcard] = []
        self.excluded_wildcards: list[Wildcard] = []  # of `anything-but`, for their complexity
        self.cidrs: list[tuple[int, int, int]] = []  # (version, lowest, highest)
        self.string_tests: list[StringTest] = []
        self.number_tests: list[NumberTest] = []
        self.all_strings = False
        self.all_numbers = False
        self.all_literals = False
        self.when_absent = False  # {"exists": false}

    def every_value_but_strings(self) -> None:
        """An `anything-but` of strings: a number, true, false or null is never among them."""
        self.all_numbers = self.all_literals = True

    def every_value_but_numbers(self) -> None:
        """An `anything-but` of numbers: a string, true, false or null is never among them."""
        self.all_strings = self.all_literals = True

    def build(self) -> tuple[Matcher, bool]:
        """The leaf's test of an event value (MISSING if absent), and whether absence matches."""
        string_test = self._string_test()
        number_test = self._number_test()
        literals = {key: ok or self.all_literals for key, ok in self.literals.items()}
        true_ok, false_ok, null_ok = literals[True], literals[False], literals[None]
        when_absent = self.when_absent

        def scalar(value: Any) -> bool:
            cls = value.__class__
            if cls is str:
                return string_test(value)
            if cls is int or cls is float:
                return number_test(value)
            if value is True:
                return true_ok
            if value is False:
                return false_ok
            if value is None:
                return null_ok
            if isinstance(value, str):
                return string_test(value)
            if isinstance(value, (int, float)):
                return number_test(value)
            return False

        def leaf(value: Any) -> bool:
            cls = value.__class__
            if cls is str:
                return string_test(value)
            if value is MISSING or cls is dict:
                # An object is not a leaf: for `exists` it is as if the field were absent.
                return when_absent
            if cls is list or cls is tuple:
                # An array matches if any of its (flattened) leaves does; one with no leaves at
                # all (empty, or objects only) is, again, as if the field were absent.
                seen = False
                for item in _leaves(value):
                    if scalar(item):
                        return True
                    seen = True
                return False if seen else when_absent
            if isinstance(value, Mapping):
                return when_absent
            return scalar(value)

        return leaf, when_absent

    def _string_test(self) -> StringTest:
        if self.all_strings:
            return _yes
        strings = frozenset(self.strings)
        tests: list[StringTest] = []
        if self.prefixes:
            prefixes = tuple(self.prefixes)
            tests.append(lambda value: value.startswith(prefixes))
        if self.suffixes:
            suffixes = tuple(self.suffixes)
            tests.append(lambda value: value.endswith(suffixes))
        if self.folded or self.folded_prefixes or self.folded_suffixes:
            folded = frozenset(self.folded)
            folded_prefixes, folded_suffixes = (
                tuple(self.folded_prefixes),
                tuple(self.folded_suffixes),
            )

            def folded_test(value: str) -> bool:
                lowered = value.lower()
                return (
                    lowered in folded
                    or lowered.startswith(folded_prefixes)
                    or lowered.endswith(folded_suffixes)
                )

            tests.append(folded_test)
        if self.wildcards:
            tests.append(wildcard_test(self.wildcards))
        if self.addresses or self.cidrs:
            tests.append(_address_test(frozenset(self.addresses), tuple(self.cidrs)))
        tests.extend(self.string_tests)
        return _any_of(strings, tests)

    def _number_test(self) -> NumberTest:
        if self.all_numbers:
            return _yes
        return _any_of(frozenset(self.numbers), self.number_tests)


def _any_of(exact: frozenset[Any], tests: list[Callable[[Any], bool]]) -> Callable[[Any], bool]:
    if not tests:
        return exact.__contains__
    if not exact and len(tests) == 1:
        return tests[0]

    def test(value: Any) -> bool:
        if value in exact:
            return True
        return any(test(value) for test in tests)

    return test


def _address_test(
    addresses: frozenset[tuple[int, int]], cidrs: tuple[tuple[int, int, int], ...]
) -> StringTest:
    def test(value: str) -> bool:
        address = parse_address(value)
        if address is None:
            return False
        if address in addresses:
            return True
        version, number = address
        return any(v == version and low <= number <= high for v, low, high in cidrs)

    return test


def flattened(items: Any) -> Iterator[Any]:
    """The items of a (possibly nested) event array that are not arrays, depth first: scalars
    and objects alike, for the matcher to pick what it compares."""
    stack = [iter(items)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, (list, tuple)):
                stack.append(iter(item))
                break
            yield item
        else:
            stack.pop()


def _leaves(items: Any) -> Iterator[Any]:
    """The scalars of a (possibly nested) event array, depth first, skipping objects."""
    return (item for item in flattened(items) if not isinstance(item, Mapping))
