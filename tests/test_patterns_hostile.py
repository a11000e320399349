"""Event patterns under hostile input: wildcards that made a backtracking matcher take seconds,
EventBridge's complexity limit on wildcards, and generated patterns and events of every shape.

Pure functions: no event loop, so these tests run the same under asyncio and trio. None of them
measures time: each blow-up case asserts its answer, and pytest's timeout catches a regression
to exponential matching (the slowest of them took 13 s before the segment matcher).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib.patterns import InvalidPattern, Pattern, compile_pattern, matches

LONG = 256 * 1024


def test_many_wildcards_match_an_80_character_value_in_linear_time() -> None:
    pattern = compile_pattern({"f": [{"wildcard": "*a*a*a*a*a*a*b"}]})
    assert not pattern.matches({"f": "a" * 80})
    assert pattern.matches({"f": "a" * 80 + "b"})
    assert pattern.matches({"f": "xaxaxaxaxaxab"})


def test_a_path_wildcard_matches_a_256_kb_value_in_linear_time() -> None:
    pattern = compile_pattern({"key": [{"wildcard": "*/logs/*/error*.txt"}]})
    assert not pattern.matches({"key": "/logs/" * (LONG // 6)})
    assert pattern.matches({"key": "/logs/" * (LONG // 6) + "/error-1.txt"})
    assert not pattern.matches({"key": "/logs/" * (LONG // 6) + "/error-1.txt/"})


def test_anything_but_a_wildcard_is_linear_time_on_a_256_kb_value() -> None:
    pattern = compile_pattern({"f": [{"anything-but": {"wildcard": ["*/lib/*x", "a*b*c*d"]}}]})
    assert pattern.matches({"f": "/lib/" * (LONG // 5)})
    assert not pattern.matches({"f": "/lib/" * (LONG // 5) + "x"})


@pytest.mark.parametrize(
    "operator",
    [
        {"prefix": "a" * 100 + "b"},
        {"suffix": "b" + "a" * 100},
        {"equals-ignore-case": "A" * 100 + "B"},
        {"prefix": {"equals-ignore-case": "A" * 100 + "B"}},
        {"suffix": {"equals-ignore-case": "B" + "A" * 100}},
        {"anything-but": {"prefix": "a" * 100 + "b"}},
        {"anything-but": {"suffix": "b" + "a" * 100}},
        {"anything-but": {"equals-ignore-case": "A" * 100 + "B"}},
        {"wildcard": "a" * 100 + "*b"},
        {"cidr": "10.0.0.0/8"},
    ],
)
def test_every_string_operator_is_linear_time_on_a_256_kb_value(operator: dict[str, Any]) -> None:
    negated = "anything-but" in operator
    assert compile_pattern({"f": [operator]}).matches({"f": "a" * LONG}) is negated


@pytest.mark.parametrize(
    ("wildcard", "value", "expected"),
    [
        ("a*", "a", True),
        ("*a", "a", True),
        ("a*a", "a", False),  # the prefix and the suffix cannot share the one character
        ("a*a", "aa", True),
        ("ab*ba", "aba", False),
        ("*ab*ab*", "xabab", True),
        ("*ab*ab*", "xaab", False),
        ("\\**", "*", True),
        ("\\**", "x*", False),
        ("*\\\\", "x\\", True),
        ("*\\\\*\\*", "\\*", True),
        ("a\\\\*b", "a\\XXb", True),
    ],
)
def test_wildcard_segments_keep_their_order_and_escapes(
    wildcard: str, value: str, expected: bool
) -> None:
    assert matches({"f": [{"wildcard": wildcard}]}, {"f": value}) is expected


# EventBridge's own example of a rule refused as too complex: four `*:stack/NAME/*` values on
# one field (vals-ai/Valkyrie pull request 278 met it deploying; three were accepted).
STACKS = ["SharedStack", "AppStack", "DataStack", "MonitoringStack"]


def test_wildcards_eventbridge_accepts_compile() -> None:
    accepted = [
        {"resources": [{"wildcard": f"*:stack/{name}/*"} for name in STACKS[:3]]},
        {"key": [{"wildcard": "*/logs/*/error*.txt"}]},
        {"key": [{"wildcard": "*.png"}, {"wildcard": "*.jpg"}, {"wildcard": "*.gif"}]},
        {"arn": [{"wildcard": "arn:aws:ec2:*:instance/i-0*"}]},
        {"f": [{"wildcard": "*a*b*c*d*e*"}]},
    ]
    for pattern in accepted:
        compile_pattern(pattern)


@pytest.mark.parametrize(
    "values",
    [
        [{"wildcard": f"*:stack/{name}/*"} for name in STACKS],
        [{"wildcard": "*" + "x" * 12 + "*"}],  # a repeated character after a wildcard
        [{"wildcard": "a*" * 12}],
        [{"anything-but": {"wildcard": [f"*:stack/{name}/*" for name in STACKS]}}],
        [
            {"wildcard": f"*:stack/{STACKS[0]}/*"},
            {"anything-but": {"wildcard": [f"*:stack/{name}/*" for name in STACKS[1:]]}},
        ],
    ],
)
def test_wildcards_too_complex_for_eventbridge_are_refused_naming_field_and_limit(
    values: list[Any],
) -> None:
    with pytest.raises(
        InvalidPattern, match=r"Rule is too complex .* over the limit of 10"
    ) as info:
        compile_pattern({"detail": {"resources": values}}, max_length=4096)
    assert info.value.path == "$.detail.resources"


def test_wildcard_complexity_is_counted_per_field() -> None:
    compile_pattern(
        {
            "a": [{"wildcard": f"*:stack/{name}/*"} for name in STACKS[:3]],
            "b": [{"wildcard": f"*:stack/{name}/*"} for name in STACKS[:3]],
        }
    )


def test_a_long_repetitive_wildcard_is_refused_quickly() -> None:
    text = "*" + "*".join(["ab"] * 600) + "*"
    with pytest.raises(InvalidPattern, match="Rule is too complex"):
        compile_pattern({"f": [{"wildcard": text}]}, max_length=4096)


@pytest.mark.parametrize("depth", [150, 5_000])
def test_a_deeply_nested_pattern_is_refused(depth: int) -> None:
    nested: Any = ["x"]
    for _ in range(depth):
        nested = {"k": nested}
    with pytest.raises(InvalidPattern):
        compile_pattern(nested)
    with pytest.raises(InvalidPattern):
        compile_pattern('{"k":' * depth + '["x"]' + "}" * depth)


# Properties.


def _compile_or_refusal(pattern: Any) -> Pattern | InvalidPattern:
    try:
        return compile_pattern(pattern, max_length=4096)
    except InvalidPattern as error:
        return error


def _reference(wildcard: str) -> re.Pattern[str]:
    """A wildcard as a regular expression, the way the previous matcher read it."""
    parts: list[str] = []
    index = 0
    while index < len(wildcard):
        char = wildcard[index]
        if char == "\\":
            index += 1
            parts.append(re.escape(wildcard[index]))
        else:
            parts.append(".*" if char == "*" else re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL)


# Pieces of a wildcard: characters, `*`, and the two escapes EventBridge allows.
def _matches_by_table(wildcard: str, value: str) -> bool:
    """A second reference, for long values: the textbook dynamic program, O(value x pattern)
    (the regular expression above backtracks for minutes on such values, as the old matcher did).
    Wildcards here hold no escapes."""
    tokens = list(wildcard)
    reachable = [True] + [False] * len(tokens)  # which prefixes of the pattern match so far
    for index, token in enumerate(tokens):
        reachable[index + 1] = reachable[index] and token == "*"
    for char in value:
        following = [False] * (len(tokens) + 1)
        for index, token in enumerate(tokens):
            if token == "*":
                following[index + 1] = following[index] or reachable[index + 1]
            else:
                following[index + 1] = reachable[index] and token == char
        reachable = following
    return reachable[-1]


_wildcard_pieces = st.lists(st.sampled_from(["a", "b", "*", "\\*", "\\\\", "\n"]), max_size=8)


@settings(max_examples=400, deadline=None)
@given(pieces=_wildcard_pieces, value=st.text(alphabet="ab*\\\n", max_size=10))
def test_the_wildcard_matcher_agrees_with_a_regular_expression(
    pieces: list[str], value: str
) -> None:
    wildcard = "".join(pieces)
    pattern = _compile_or_refusal({"f": [{"wildcard": wildcard}]})
    if isinstance(pattern, InvalidPattern):
        assert ["*", "*"] in [pieces[index : index + 2] for index in range(len(pieces))]
        assert pattern.path == "$.f"
        return
    expected = _reference(wildcard).fullmatch(value) is not None
    assert pattern.matches({"f": value}) is expected
    negated = compile_pattern({"f": [{"anything-but": {"wildcard": wildcard}}]})
    assert negated.matches({"f": value}) is not expected


_hostile_scalars = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=3),
    st.text(alphabet="a*\\", max_size=40),
    st.integers(),
    st.integers(min_value=10**300, max_value=10**400),
    st.floats(),  # NaN and the infinities included
    st.booleans(),
    st.none(),
    st.binary(max_size=4),
    st.sampled_from(
        ["prefix", "suffix", "wildcard", "anything-but", "numeric", "exists", "cidr", "$or"]
    ),
)
_operator_names = st.sampled_from(
    [
        "prefix",
        "suffix",
        "equals-ignore-case",
        "wildcard",
        "anything-but",
        "numeric",
        "exists",
        "cidr",
        "$or",
        "regex",
    ]
)
_hostile_trees = st.recursive(
    _hostile_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(st.one_of(_operator_names, st.text(max_size=4)), children, max_size=4),
        st.dictionaries(st.integers(), children, max_size=2),
        st.sets(st.integers(), max_size=2),
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(pattern=_hostile_trees, event=_hostile_trees)
def test_any_pattern_compiles_or_is_refused_and_matching_never_raises(
    pattern: Any, event: Any
) -> None:
    for given_pattern in (pattern, {"f": pattern}, {"f": [pattern]}, {"f": [{"x": pattern}]}):
        compiled = _compile_or_refusal(given_pattern)
        if isinstance(compiled, InvalidPattern):
            assert str(compiled).startswith("pattern: ")
            continue
        assert compiled.matches(event) in (True, False)
        assert compiled.matches({"f": event}) in (True, False)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet='{}[]":,0123456789.-eE tfnrulsa*\\$', max_size=60))
def test_any_pattern_text_compiles_or_is_refused(text: str) -> None:
    try:
        compiled = compile_pattern(text)
    except InvalidPattern:
        return
    assert compiled.matches({"a": 1}) in (True, False)


@settings(max_examples=60, deadline=None)
@given(
    wildcards=st.lists(
        st.lists(st.sampled_from(["a", "b", "ab", "/x/", "é"]), min_size=1, max_size=12).map(
            "*".join
        ),
        min_size=1,
        max_size=6,
    ),
    repeat=st.integers(1, 300),
    tail=st.sampled_from(["", "b", "ab", "/x/"]),
)
def test_matching_a_long_value_against_accepted_wildcards_never_raises(
    wildcards: list[str], repeat: int, tail: str
) -> None:
    compiled = _compile_or_refusal({"f": [{"wildcard": text} for text in wildcards]})
    if isinstance(compiled, InvalidPattern):
        assert "Rule is too complex" in compiled.reason or "characters, over" in compiled.reason
        return
    value = "ab/x/" * repeat + tail
    expected = any(_matches_by_table(text, value) for text in wildcards)
    assert compiled.matches({"f": value}) is expected


@given(value=st.floats(allow_nan=True, allow_infinity=True) | st.integers())
def test_numbers_of_any_size_meet_numeric_ranges_without_error(value: float) -> None:
    pattern = compile_pattern({"n": [{"numeric": [">", -5e9, "<=", 5e9]}]})
    expected = not math.isnan(value) and -5e9 < value <= 5e9
    assert pattern.matches({"n": value}) is expected
