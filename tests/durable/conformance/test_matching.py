"""The conformance matcher (`matching.py`): a pattern drawn from a history matches it, a history
changed where the pattern is literal does not, and on any history and any pattern it judges as
AWS's own `history.py` does (real histories are checked the same way in test_conformance.py)."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.durable.conformance.matching import Bindings, check_result, match_history
from tests.durable.conformance.oracle import disagreement, mutations
from tests.durable.conformance.requirements import requirements

PLAIN = st.text("abcXYZ019 -", max_size=6)
# Strings that look like the suite's syntax, so that both matchers meet its corner cases.
TRICKY = st.sampled_from(
    ["*", "${A}", "${B}", "${/a.c/}", "${//}", "${A}-${B}", "x${A}y", "{}", "${/[/}", "$A"]
)


def values(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | text
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.sampled_from(["Id", "Name", "Payload", "k"]), children, max_size=3)
        ),
        max_leaves=8,
    )


def histories(text: st.SearchStrategy[str]) -> st.SearchStrategy[list[dict[str, Any]]]:
    event = st.fixed_dictionaries(
        {"EventType": st.sampled_from(["StepStarted", "StepSucceeded"]), "Details": values(text)},
        optional={"Id": text, "Name": text},
    )
    return st.lists(event, max_size=4).map(
        lambda events: [{**event, "EventId": index + 2} for index, event in enumerate(events)]
    )


@st.composite
def pattern_of(draw: st.DrawFn, value: Any, fresh: itertools.count[int]) -> Any:
    """A pattern that `value` matches: parts kept, parts wildcarded, bound or regex-matched."""
    kind = draw(st.sampled_from(["same", "same", "star", "dont-care", "placeholder", "regex"]))
    if kind == "star":
        return "*"
    if kind == "dont-care":
        return {}
    if kind == "placeholder":
        return f"${{P{next(fresh)}}}"
    if kind == "regex" and str(value):
        return "${/" + re.escape(str(value)) + "/}"
    if isinstance(value, dict):
        keys = draw(st.lists(st.sampled_from(sorted(value)), unique=True)) if value else []
        return {key: draw(pattern_of(value[key], fresh)) for key in keys} or value
    if isinstance(value, list):
        return [draw(pattern_of(item, fresh)) for item in value]
    return value


@settings(max_examples=150, deadline=None)
@given(st.data(), histories(PLAIN))
def test_a_pattern_drawn_from_a_history_matches_it(data: st.DataObject, events: list[Any]) -> None:
    fresh = itertools.count()
    chosen = data.draw(st.lists(st.sampled_from(events), unique_by=id)) if events else []
    expected = []
    for event in chosen:
        fields = data.draw(st.lists(st.sampled_from(sorted(event)), unique=True))
        pattern = {key: data.draw(pattern_of(event[key], fresh)) for key in fields}
        expected.append({**pattern, "EventId": event["EventId"]})
    assert match_history(expected, events, Bindings()), (expected, events)
    assert disagreement(expected, events, {}) is None


@settings(max_examples=150, deadline=None)
@given(histories(PLAIN), st.integers(0, 10**6))
def test_a_history_changed_where_the_pattern_is_literal_does_not_match(
    events: list[Any], seed: int
) -> None:
    for changed in mutations(events, seed):
        if changed != events:
            assert not match_history(events, changed, Bindings()), (events, changed)
            assert disagreement(events, changed, {}) is None


@settings(max_examples=300, deadline=None)
@given(
    histories(PLAIN | TRICKY),
    histories(PLAIN | TRICKY),
    st.dictionaries(st.sampled_from("AB"), PLAIN),
)
def test_any_pattern_on_any_history_is_judged_as_aws_judges_it(
    expected: list[Any], actual: list[Any], bound: dict[str, Any]
) -> None:
    assert disagreement(expected, actual, bound) is None


@pytest.mark.parametrize("requirement", requirements(), ids=lambda r: r.id)
def test_each_requirements_history_against_its_mutations(requirement: Any) -> None:
    """Each requirement's own expected history, made concrete (every placeholder, wildcard and
    regex given a value that fits it) is matched, and each mutation judged as AWS judges it."""
    expected = requirement.expected_history
    concrete = _concrete(expected, itertools.count())
    assert match_history(expected, concrete, Bindings()), concrete
    for changed in mutations(concrete, seed=sum(map(ord, requirement.id)), count=8):
        assert disagreement(expected, changed, {}) is None


def _concrete(
    pattern: Any, fresh: itertools.count[int], names: dict[str, str] | None = None
) -> Any:
    names = {} if names is None else names
    if isinstance(pattern, dict):
        return {key: _concrete(value, fresh, names) for key, value in pattern.items()}
    if isinstance(pattern, list):
        return [_concrete(item, fresh, names) for item in pattern]
    if pattern == "*":
        return f"any-{next(fresh)}"
    if isinstance(pattern, str) and (regex := re.fullmatch(r"\$\{/(.+)/\}", pattern)):
        return _sample(regex[1])
    if isinstance(pattern, str) and (name := re.fullmatch(r"\$\{(.+)\}", pattern)):
        return names.setdefault(name[1], f"{name[1]}-value")
    return pattern


def _sample(regex: str) -> str:
    """A string the requirement's regex finds (its literal text, for the regexes it uses)."""
    stripped = (regex.replace("\\", "").strip("^$"), re.sub(r"[\\^$.*+?()\[\]]", "", regex))
    for candidate in (*stripped, *map(str, range(11))):
        if re.search(regex, candidate):
            return candidate
    raise AssertionError(f"no sample for /{regex}/")


def test_the_result_is_compared_after_one_json_decode() -> None:
    bindings = Bindings({"NAME": "World"})
    execution = {"Status": "SUCCEEDED", "Result": '"Hello, World!"'}
    assert check_result(
        {"ExecutionStatus": "SUCCEEDED", "Result": "Hello, ${NAME}!"}, execution, bindings
    )
    assert not check_result({"Result": "Hello!"}, execution, bindings)
    assert not check_result({"ExecutionStatus": "FAILED"}, execution, bindings)
    failed = {"Status": "FAILED", "Error": {"ErrorType": "x"}}
    assert check_result({"ExecutionStatus": "FAILED", "Result": "ignored"}, failed, bindings)
    assert check_result({"Result": "raw"}, {"Status": "SUCCEEDED", "Result": "raw"}, bindings)
