"""DynamoDB's expression language as `faaslib.aws.dynamodb.expressions` parses it: any text
either parses or is refused with `ValidationException`, never another error; expressions built
from the grammar parse, and run against any item without failing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib.aws.dynamodb.evaluation import apply_update, holds, project
from faaslib.aws.dynamodb.expressions import (
    Comparison,
    Expressions,
    Logical,
    parse_condition,
    parse_projection,
    parse_update,
)
from faaslib.aws.protocol import AwsError

NAMES = {"#a": "a", "#b": "b"}
VALUES: dict[str, Any] = {
    ":n": {"N": "1"},
    ":s": {"S": "x"},
    ":l": {"L": [{"N": "2"}]},
    ":ss": {"SS": ["x", "y"]},
    ":t": {"S": "N"},
}
TOKENS = [
    "a", "b", "#a", "#b", "#zz", ":n", ":s", ":l", ":ss", ":t", ":nope", "0", "1", "(", ")",
    ",", ".", "[", "]", "=", "<>", "<", "<=", ">", ">=", "+", "-", "AND", "OR", "NOT",
    "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE", "size", "attribute_exists",
    "attribute_not_exists", "attribute_type", "begins_with", "contains", "if_not_exists",
    "list_append", "nosuch", "$", "\u00e9", " ",
]  # fmt: skip
PARSERS = [
    lambda text, e: parse_condition(text, e),
    lambda text, e: parse_update(text, e),
    lambda text, e: parse_projection(text, e),
]


OUTCOMES = ("done", "ValidationException")


def outcome(call: Callable[[], object]) -> str:
    """ "done", or the code of the `AwsError` the call raised (any other error fails the test)."""
    try:
        call()
    except AwsError as error:
        return error.code
    return "done"


def expressions() -> Expressions:
    return Expressions(dict(NAMES), dict(VALUES))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14), st.sampled_from(PARSERS))
def test_token_soup_parses_or_is_a_validation_exception(tokens: list[str], parse: Any) -> None:
    assert outcome(lambda: parse(" ".join(tokens), expressions())) in OUTCOMES


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.sampled_from(PARSERS))
def test_any_text_parses_or_is_a_validation_exception(text: str, parse: Any) -> None:
    assert outcome(lambda: parse(text, expressions())) in OUTCOMES


paths = st.sampled_from(["a", "b", "#a", "a.b", "a[0]", "#b.c[1]"])
values = st.sampled_from(sorted(VALUES))
operands = st.one_of(paths, values, paths.map(lambda path: f"size({path})"))
comparators = st.sampled_from(["=", "<>", "<", ">="])
comparisons = st.one_of(
    st.builds(lambda a, op, b: f"{a} {op} {b}", operands, comparators, operands),
    st.builds(lambda a, b, c: f"{a} BETWEEN {b} AND {c}", operands, operands, operands),
    st.builds(lambda a, b: f"{a} IN ({b}, :n)", operands, operands),
    paths.map(lambda path: f"attribute_exists({path})"),
    st.builds(lambda path, value: f"begins_with({path}, {value})", paths, values),
    st.builds(lambda path, value: f"contains({path}, {value})", paths, values),
)  # fmt: skip
conditions = st.recursive(
    comparisons,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) AND ({b})", inner, inner),
        st.builds(lambda a, b: f"{a} OR {b}", inner, inner),
        inner.map(lambda a: f"NOT ({a})"),
    ),
    max_leaves=6,
)
typed_values = st.recursive(
    st.one_of(
        st.builds(lambda n: {"N": str(n)}, st.integers(-5, 5)),
        st.builds(lambda s: {"S": s}, st.sampled_from(["", "x", "xy"])),
        st.just({"SS": ["x"]}),
        st.just({"NULL": True}),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda items: {"L": items}),
        st.dictionaries(st.sampled_from(["b", "c"]), inner, max_size=2).map(lambda m: {"M": m}),
    ),
    max_leaves=5,
)
items = st.dictionaries(st.sampled_from(["a", "b"]), typed_values, max_size=2)


@settings(max_examples=300, deadline=None)
@given(conditions, items)
def test_conditions_from_the_grammar_parse_and_evaluate(text: str, item: dict[str, Any]) -> None:
    condition = parse_condition(text, expressions())
    assert isinstance(holds(condition, item), bool)


set_actions = st.builds(
    lambda path, value: f"{path} = {value}",
    st.sampled_from(["a", "#b"]),
    st.one_of(
        values,
        st.just("if_not_exists(a, :n)"),
        st.just("list_append(:l, :l)"),
        st.just(":n + :n"),
        st.just("a - :n"),
    ),
)


@settings(max_examples=200, deadline=None)
@given(set_actions, st.booleans(), items)
def test_updates_from_the_grammar_apply_or_are_validation_exceptions(
    action: str, remove: bool, item: dict[str, Any]
) -> None:
    text = f"SET {action}" + (" REMOVE c" if remove else "")
    update = parse_update(text, expressions())
    assert outcome(lambda: apply_update(update, item, ("k",))) in OUTCOMES


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a = :nope", "not defined"),
        ("#zz = :n", "not defined"),
        ("a = ", "Syntax error"),
        ("size(:n) = :n", "document path"),
        ("nosuch(a) = :n", "Invalid function name"),
        ("a BETWEEN :n", "Syntax error"),
        ("AND = :n", "reserved keyword"),
    ],
)
def test_bad_conditions_name_their_problem(text: str, problem: str) -> None:
    with pytest.raises(AwsError) as raised:
        parse_condition(text, expressions())
    assert raised.value.code == "ValidationException"
    assert problem in raised.value.message


def test_precedence_is_not_then_and_then_or() -> None:
    condition = parse_condition("a = :n OR NOT b = :n AND a = :s", expressions())
    assert isinstance(condition, Logical)
    assert condition.operator == "OR"
    right = condition.operands[1]
    assert isinstance(right, Logical)
    assert right.operator == "AND"
    negation = right.operands[0]
    assert isinstance(negation, Logical)
    assert negation.operator == "NOT"
    assert isinstance(right.operands[1], Comparison)


def test_unused_placeholders_are_refused() -> None:
    used = expressions()
    parse_condition("#a = :n", used)
    with pytest.raises(AwsError, match="unused"):
        used.check_all_used()


def test_projection_keeps_the_nesting_of_its_paths() -> None:
    item = {"a": {"M": {"b": {"N": "1"}, "c": {"N": "2"}}}, "d": {"L": [{"S": "x"}, {"S": "y"}]}}
    paths = parse_projection("a.b, d[1]", expressions())
    assert project(item, paths) == {"a": {"M": {"b": {"N": "1"}}}, "d": {"L": [{"S": "y"}]}}
