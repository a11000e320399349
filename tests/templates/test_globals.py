"""SAM's `Globals` merge into each resource exactly as AWS's own transform merges them: random
global and resource properties (mappings, lists, scalars, intrinsics), merged by faaslib and by
aws-sam-translator's `Globals`, agree."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from samtranslator.plugins.globals.globals import Globals

from faaslib.templates.sam import apply_globals

PROPERTIES = ["Timeout", "MemorySize", "Environment", "Layers", "Tags", "Runtime", "VpcConfig"]

scalars = st.one_of(st.integers(0, 99), st.text("abc", max_size=3), st.booleans())
intrinsics = st.one_of(
    st.builds(lambda name: {"Ref": name}, st.sampled_from(["A", "B"])),
    st.builds(lambda text: {"Fn::Sub": text}, st.text("xy${}", max_size=4)),
    st.builds(lambda a, b: {"Fn::If": ["C", a, b]}, scalars, scalars),
)
keys = st.sampled_from(["Variables", "A", "B", "C"])
values = st.recursive(
    st.one_of(scalars, intrinsics),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(keys, inner, min_size=1, max_size=3)
    ),
    max_leaves=8,
)
sections = st.dictionaries(st.sampled_from(PROPERTIES), values, max_size=4)


@settings(max_examples=300, deadline=None)
@given(global_properties=sections, properties=sections)
def test_globals_merge_as_aws_s_transform_merges_them(
    global_properties: dict[str, Any], properties: dict[str, Any]
) -> None:
    template = {
        "Globals": {"Function": copy.deepcopy(global_properties)},
        "Resources": {
            "Fn": {"Type": "AWS::Serverless::Function", "Properties": copy.deepcopy(properties)},
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 1}},
        },
    }
    expected = Globals(copy.deepcopy(template)).merge(
        "AWS::Serverless::Function", copy.deepcopy(properties)
    )
    merged = apply_globals(template)["Resources"]
    assert merged["Fn"]["Properties"] == expected
    assert merged["Queue"] == template["Resources"]["Queue"]  # other types: untouched
