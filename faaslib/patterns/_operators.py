"""The operators of a leaf (`prefix`, `numeric`, `anything-but`, ...): each is validated as
EventBridge validates it, with the reason it would give, and added to the leaf's alternatives.
The rules are those of eb-create-pattern-operators.html and of EventBridge's engine,
aws/event-ruler (JsonRuleCompiler, CIDR, WildcardParser, MachineComplexityEvaluator)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from faaslib.patterns._leaf import Leaf, Matcher, NumberTest, StringTest, parse_address
from faaslib.patterns._syntax import Context, describe
from faaslib.patterns._wildcard import check_complexity, parse_wildcard, wildcard_test

__all__ = ["compile_leaf"]

_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_NUMERIC_OPERATORS = ("=", "<", "<=", ">", ">=")


def compile_leaf(context: Context, path: str, values: list[Any]) -> tuple[Matcher, bool]:
    """A field's list of alternatives as (test of the event's value, whether absence matches)."""
    if not values:
        context.fail(path, "Empty arrays are not allowed: list at least one value to match")
    leaf = Leaf()
    for value in values:
        if isinstance(value, str):
            leaf.strings.add(value)
            address = parse_address(value)
            if address is not None:  # EventBridge compares IP literals as addresses
                leaf.addresses.add(address)
        elif value is True or value is False or value is None:
            leaf.literals[value] = True
        elif isinstance(value, (int, float)):
            leaf.numbers.add(value)
        elif isinstance(value, dict):
            _add_operator(context, path, leaf, value)
        else:
            context.fail(
                path,
                "Match value must be String, number, true, false, null or an operator object,"
                f" got {describe(value)}",
            )
    check_complexity(context, path, [*leaf.wildcards, *leaf.excluded_wildcards])
    return leaf.build()


def _add_operator(context: Context, path: str, leaf: Leaf, expression: dict[str, Any]) -> None:
    if len(expression) != 1:
        context.fail(
            path,
            "Only one key allowed in match expression: an operator object holds exactly one"
            f" operator, got {describe(expression)}",
        )
    ((name, operand),) = expression.items()
    dialect = context.dialect
    if name not in dialect.operators:
        known = ", ".join(sorted(dialect.operators))
        context.fail(path, f"Unrecognized match type {name!r}: {dialect.service} accepts {known}")
    _OPERATORS[name](context, path, leaf, operand)


def _string_operand(context: Context, path: str, name: str, operand: Any) -> str:
    if not isinstance(operand, str):
        context.fail(path, f"{name} match pattern must be a string, got {describe(operand)}")
    return operand


def _ignore_case_operand(context: Context, path: str, name: str, operand: dict[str, Any]) -> str:
    """The string of `{"prefix": {"equals-ignore-case": "..."}}` (or of its suffix twin)."""
    if not context.dialect.affix_ignore_case:
        context.fail(
            path,
            f"{name} match pattern must be a string, got {describe(operand)}"
            f" ({context.dialect.service} has no case-insensitive {name})",
        )
    if list(operand) != ["equals-ignore-case"]:
        context.fail(
            path,
            f"Unsupported {name} pattern: {name} takes a string or"
            f' {{"equals-ignore-case": string}}, got {describe(operand)}',
        )
    return _string_operand(context, path, "equals-ignore-case", operand["equals-ignore-case"])


def _prefix(context: Context, path: str, leaf: Leaf, operand: Any) -> None:
    if isinstance(operand, dict):
        leaf.folded_prefixes.append(_ignore_case_operand(context, path, "prefix", operand).lower())
    else:
        leaf.prefixes.append(_string_operand(context, path, "prefix", operand))


def _suffix(context: Context, path: str, leaf: Leaf, operand: Any) -> None:
    if isinstance(operand, dict):
        leaf.folded_suffixes.append(_ignore_case_operand(context, path, "suffix", operand).lower())
    else:
        leaf.suffixes.append(_string_operand(context, path, "suffix", operand))


def _equals_ignore_case(context: Context, path: str, leaf: Leaf, operand: Any) -> None:
    leaf.folded.add(_string_operand(context, path, "equals-ignore-case", operand).lower())


def _wildcard(context: Context, path: str, leaf: Leaf, operand: Any) -> None:
    leaf.wildcards.append(
        parse_wildcard(context, path, _string_operand(context, path, "wildcard", operand))
    )


def _exists(context: Context, path: str, leaf: Leaf, operand: Any) -> None:
    if operand is True:
        leaf.all_strings = leaf.all_numbers = leaf.all_literals = True
    elif operand is False:
        leaf.when_absent = True
    else:
        context.fail(
            path, f"exists match pattern must be either true or false, got {describe(operand)}"
        )


def _cidr(context: Context, path: str, leaf: Leaf, operand: Any) -> None:
    if not isinstance(operand, str):
        context.fail(path, f"cidr takes a string such as '10.0.0.0/24', got {describe(operand)}")
    address, slash, bits = operand.partition("/")
    if not slash or "/" in bits:
        context.fail(path, f"cidr {operand!r} is malformed: one '/' required")
    if not _INTEGER.match(bits):
        context.fail(path, f"cidr {operand!r} is malformed: mask bits must be an integer")
    mask = int(bits)
    parsed = parse_address(address)
    if parsed is None:
        context.fail(path, f"cidr {operand!r}: {address!r} is not an IPv4 or IPv6 address")
    version, number = parsed
    width = 32 if version == 4 else 128
    # aws/event-ruler's CIDR.cidr() refuses a full-length mask: match one address with the
    # address itself as a plain value (compared as an address, so any IPv6 spelling matches).
    if not 0 <= mask < width:
        context.fail(
            path,
            f"cidr {operand!r}: IPv{version} mask bits must be from 0 to {width - 1}"
            f" (to match one address, list {address!r} itself)",
        )
    # The range starts at the address as written, not at its network address: so does the
    # engine's, which ORs in the host bits only.
    leaf.cidrs.append((version, number, number | ((1 << (width - mask)) - 1)))


def _number(context: Context, path: str, value: Any, where: str) -> int | float:
    limit = context.dialect.numeric_limit
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        context.fail(path, where)
    if not -limit <= value <= limit:
        context.fail(
            path,
            f"number {value!r} is outside {context.dialect.service}'s numeric range of"
            f" -{limit:,.0f} to {limit:,.0f}",
        )
    return value


def _numeric(context: Context, path: str, leaf: Leaf, operand: Any) -> None:
    shape = f"numeric needs an operator then a number, got {describe(operand)}"
    if not isinstance(operand, list) or len(operand) < 2:
        context.fail(path, shape)
    first = operand[0]
    if first not in _NUMERIC_OPERATORS:
        context.fail(
            path,
            f"Unrecognized numeric range operator {describe(first)} in {describe(operand)}:"
            " use =, <, <=, > or >=",
        )
    bottom = _number(context, path, operand[1], shape)
    if len(operand) == 2:
        leaf.number_tests.append(_comparison(first, bottom, context.dialect.numeric_limit))
        return
    if len(operand) != 4 or first in ("=", "<", "<="):
        context.fail(
            path,
            f"numeric takes one comparison, or a range of '>'/'>=' then '<'/'<=', got"
            f" {describe(operand)}",
        )
    second = operand[2]
    if second not in ("<", "<="):
        context.fail(
            path,
            f"Bad numeric range operator {describe(second)} in {describe(operand)}:"
            " a range ends with '<' or '<='",
        )
    top = _number(context, path, operand[3], shape)
    if not bottom < top:
        context.fail(
            path, f"numeric range {describe(operand)} is empty: Bottom must be less than top"
        )
    leaf.number_tests.append(_between(bottom, first == ">", top, second == "<"))


def _comparison(operator: str, bound: float, limit: float) -> NumberTest:
    """One comparison; values beyond the dialect's range never match, as in EventBridge."""
    if operator == "=":
        return lambda value: value == bound
    if operator == ">":
        return _between(bound, True, limit, False)
    if operator == ">=":
        return _between(bound, False, limit, False)
    if operator == "<":
        return _between(-limit, False, bound, True)
    return _between(-limit, False, bound, False)


def _between(bottom: float, open_bottom: bool, top: float, open_top: bool) -> NumberTest:
    if open_bottom and open_top:
        return lambda value: bottom < value < top
    if open_bottom:
        return lambda value: bottom < value <= top
    if open_top:
        return lambda value: bottom <= value < top
    return lambda value: bottom <= value <= top


def _anything_but(context: Context, path: str, leaf: Leaf, operand: Any) -> None:
    if isinstance(operand, dict):
        _anything_but_form(context, path, leaf, operand)
        return
    shape = (
        "anything-but takes a string, a number, a list of only strings or only numbers, or an"
        f' object such as {{"prefix": ...}}; got {describe(operand)}'
    )
    values = operand if isinstance(operand, list) else [operand]
    if not values:
        context.fail(path, f"anything-but's list is empty: {shape}")
    if all(isinstance(value, str) for value in values):
        excluded_strings = frozenset(values)
        leaf.string_tests.append(lambda value: value not in excluded_strings)
        leaf.every_value_but_strings()
        return
    if any(isinstance(value, bool) or not isinstance(value, (int, float)) for value in values):
        context.fail(path, shape)
    excluded = frozenset(_number(context, path, value, shape) for value in values)
    leaf.number_tests.append(lambda value: value not in excluded)
    leaf.every_value_but_numbers()


def _anything_but_form(context: Context, path: str, leaf: Leaf, operand: dict[str, Any]) -> None:
    dialect = context.dialect
    forms = ", ".join(sorted(dialect.anything_but_forms))
    if len(operand) != 1 or next(iter(operand)) not in dialect.anything_but_forms:
        context.fail(
            path,
            f"Unsupported anything-but pattern {describe(operand)}: {dialect.service}'s"
            f" anything-but object holds one of {forms}",
        )
    ((form, inner),) = operand.items()
    texts = inner if isinstance(inner, list) else [inner]
    if not texts or not all(isinstance(text, str) for text in texts):
        context.fail(
            path, f"anything-but {form} takes a string or a list of strings, got {describe(inner)}"
        )
    if form in ("prefix", "suffix") and "" in texts:
        context.fail(path, f"anything-but {form} cannot be empty (Null prefix/suffix not allowed)")
    test: StringTest
    if form == "prefix":
        prefixes = tuple(texts)
        test = lambda value: not value.startswith(prefixes)  # noqa: E731
    elif form == "suffix":
        suffixes = tuple(texts)
        test = lambda value: not value.endswith(suffixes)  # noqa: E731
    elif form == "equals-ignore-case":
        folded = frozenset(text.lower() for text in texts)
        test = lambda value: value.lower() not in folded  # noqa: E731
    else:
        wildcards = [parse_wildcard(context, path, text) for text in texts]
        leaf.excluded_wildcards.extend(wildcards)
        matches = wildcard_test(wildcards)
        test = lambda value: not matches(value)  # noqa: E731
    leaf.string_tests.append(test)
    leaf.every_value_but_strings()


_OPERATORS: dict[str, Callable[[Context, str, Leaf, Any], None]] = {
    "prefix": _prefix,
    "suffix": _suffix,
    "equals-ignore-case": _equals_ignore_case,
    "wildcard": _wildcard,
    "exists": _exists,
    "cidr": _cidr,
    "numeric": _numeric,
    "anything-but": _anything_but,
}
