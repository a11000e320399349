"""A malformed template never crashes the load: whatever is changed in a working template (a
property removed, a value of the wrong type, a reference to nothing), the load succeeds or
raises a `ConfigurationError` (a `TemplateError` names the path) — never another exception."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from faaslib import App, ConfigurationError
from faaslib.templates import load
from faaslib.templates.loading import parse_template

from .test_cfn import cdk_template
from .test_sam import TEMPLATE
from .test_translator_oracle import EVENTS_TEMPLATE

WEIRD: list[Any] = [
    None,
    0,
    -1,
    "",
    "x",
    [],
    {},
    {"Ref": "Nowhere"},
    {"Fn::GetAtt": ["Nowhere", "Arn"]},
    {"Fn::Sub": "${Nowhere}"},
    True,
    10**9,
    {"a": 1},
    ["a"],
    "arn:aws:sqs:us-east-1:123456789012:elsewhere",
]


def _paths(value: Any, prefix: tuple[Any, ...]) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _paths(inner, (*prefix, index))


def _mutate(template: dict[str, Any], choices: list[tuple[int, int, bool]]) -> dict[str, Any]:
    template = copy.deepcopy(template)
    for path_choice, value_choice, remove in choices:
        paths = [p for p in _paths(template["Resources"], ("Resources",)) if len(p) > 2]
        path = paths[path_choice % len(paths)]
        node: Any = template
        for key in path[:-1]:
            node = node[key]
        if remove and isinstance(node, dict):
            del node[path[-1]]
        else:
            node[path[-1]] = copy.deepcopy(WEIRD[value_choice % len(WEIRD)])
    return template


SEEDS = [parse_template(TEMPLATE), cdk_template(Path("out.jsonl")), EVENTS_TEMPLATE]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(seed=2, choices=[(220, 0, False)])  # an HTTP API authorizer's TTL made null (a crash once)
@given(
    seed=st.sampled_from(range(len(SEEDS))),
    choices=st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 100), st.booleans()),
        min_size=1,
        max_size=3,
    ),
)
def test_a_malformed_template_loads_or_names_what_is_wrong(
    seed: int, choices: list[tuple[int, int, bool]]
) -> None:
    template = _mutate(SEEDS[seed], choices)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            load(App("malformed"), template, parameters={"Out": "x"}, stack_name="m")
        except ConfigurationError as error:  # a TemplateError names the path first
            message = str(error)
            assert message, "an error says what is wrong"
