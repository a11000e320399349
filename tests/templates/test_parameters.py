"""Parameters as CloudFormation resolves and checks them, and SAM's --parameter-overrides."""

from __future__ import annotations

import re
import textwrap
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib.templates.errors import TemplateError
from faaslib.templates.parameters import parse_parameter_overrides, resolve_parameters


def _resolve(declaration: dict[str, Any], given: dict[str, Any] | None = None) -> Any:
    return resolve_parameters({"P": declaration}, given or {}).values["P"]


@pytest.mark.parametrize(
    ("declaration", "given", "expected"),
    [
        ({"Type": "String", "Default": "dev"}, {}, "dev"),
        ({"Type": "String", "Default": "dev"}, {"P": "prod"}, "prod"),
        ({"Type": "String", "Default": ""}, {}, ""),
        # Ref of a Number is text, as CloudFormation hands it on.
        ({"Type": "Number", "Default": 128}, {}, "128"),
        ({"Type": "Number", "Default": 1.5}, {}, "1.5"),
        ({"Type": "Number"}, {"P": "-3e2"}, "-3e2"),
        ({"Type": "String", "Default": True}, {}, "true"),
        # List types: members space-trimmed, one more member than there are commas.
        ({"Type": "CommaDelimitedList", "Default": "a, b ,c"}, {}, ["a", "b", "c"]),
        ({"Type": "CommaDelimitedList", "Default": ""}, {}, [""]),
        ({"Type": "CommaDelimitedList", "Default": "a,,b"}, {}, ["a", "", "b"]),
        ({"Type": "List<Number>", "Default": "1,2.5"}, {}, ["1", "2.5"]),
        (
            {"Type": "List<AWS::EC2::Subnet::Id>"},
            {"P": "subnet-1,subnet-2"},
            ["subnet-1", "subnet-2"],
        ),
        ({"Type": "AWS::EC2::VPC::Id"}, {"P": "vpc-1"}, "vpc-1"),
        ({"Type": "AWS::SSM::Parameter::Name", "Default": "/app/x"}, {}, "/app/x"),
        ({"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/x"}, {"P": "v"}, "v"),
        (
            {"Type": "AWS::SSM::Parameter::Value<List<String>>", "Default": "/x"},
            {"P": "a,b"},
            ["a", "b"],
        ),
        # A YAML list as a Default reads as the comma-separated text it stands for.
        ({"Type": "CommaDelimitedList", "Default": ["a", "b"]}, {}, ["a", "b"]),
        ({"Type": "String", "AllowedValues": ["dev", "prod"]}, {"P": "prod"}, "prod"),
        ({"Type": "Number", "AllowedValues": [1, 2]}, {"P": "2"}, "2"),
        ({"Type": "String", "AllowedPattern": "[a-z]+"}, {"P": "abc"}, "abc"),
        ({"Type": "String", "MinLength": 2, "MaxLength": 3}, {"P": "abc"}, "abc"),
        ({"Type": "Number", "MinValue": 1, "MaxValue": 10}, {"P": "10"}, "10"),
        (
            {"Type": "CommaDelimitedList", "AllowedValues": ["a", "b"]},
            {"P": "a,b,a"},
            ["a", "b", "a"],
        ),
    ],
)
def test_a_parameter_resolves_to_the_text_ref_gives(
    declaration: dict[str, Any], given: dict[str, Any], expected: Any
) -> None:
    assert _resolve(declaration, given) == expected


@pytest.mark.parametrize(
    ("declaration", "given", "rule", "fragment"),
    [
        ({"Type": "String"}, {}, "", "no value and no Default"),
        ({"Default": "x"}, {}, "Type", "every parameter needs a Type"),
        ({"Type": "Text"}, {}, "Type", "'Text' is not a parameter type"),
        ({"Type": "List<String>", "Default": "a"}, {}, "Type", "is not a parameter type"),
        ({"Type": "Number"}, {"P": "ten"}, "Type", "Number needs a number"),
        ({"Type": "Number"}, {"P": "nan"}, "Type", "Number needs a number"),
        ({"Type": "List<Number>"}, {"P": "1,x"}, "Type", "P='x'"),
        (
            {"Type": "String", "AllowedValues": ["a"]},
            {"P": "b"},
            "AllowedValues",
            "is not one of ['a']",
        ),
        (
            {"Type": "String", "AllowedPattern": "[a-z]+"},
            {"P": "abc1"},
            "AllowedPattern",
            "does not match",
        ),
        (
            {"Type": "String", "AllowedPattern": "("},
            {"P": "a"},
            "AllowedPattern",
            "not a regular expression",
        ),
        (
            {"Type": "String", "MinLength": 2},
            {"P": "a"},
            "MinLength",
            "shorter than the MinLength of 2",
        ),
        (
            {"Type": "String", "MaxLength": "2"},
            {"P": "abc"},
            "MaxLength",
            "longer than the MaxLength of 2",
        ),
        ({"Type": "Number", "MinValue": 1}, {"P": "0"}, "MinValue", "below the MinValue of 1"),
        ({"Type": "Number", "MaxValue": 1}, {"P": "1.5"}, "MaxValue", "above the MaxValue of 1"),
        (
            {"Type": "CommaDelimitedList", "AllowedValues": ["a"]},
            {"P": "a,c"},
            "AllowedValues",
            "P='c'",
        ),
        (
            {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/app/key"},
            {},
            "",
            "reads the Systems Manager parameter '/app/key'",
        ),
        (
            {"Type": "String", "AllowedValues": ["a"], "ConstraintDescription": "pick a"},
            {"P": "b"},
            "AllowedValues",
            "(pick a)",
        ),
    ],
)
def test_a_value_breaking_a_rule_names_the_parameter_and_the_rule(
    declaration: dict[str, Any], given: dict[str, Any], rule: str, fragment: str
) -> None:
    with pytest.raises(TemplateError) as raised:
        _resolve(declaration, given)
    assert raised.value.path == ("Parameters.P." + rule if rule else "Parameters.P")
    assert fragment in str(raised.value)


def test_no_echo_parameters_are_listed_and_undeclared_values_ignored() -> None:
    resolved = resolve_parameters(
        {
            "Secret": {"Type": "String", "NoEcho": True, "Default": "s"},
            "Quoted": {"Type": "String", "NoEcho": "true", "Default": "s"},
            "Plain": {"Type": "String", "Default": "p"},
        },
        {"NotDeclared": "x"},
    )
    assert resolved.no_echo == {"Secret", "Quoted"}
    assert resolved.values == {"Secret": "s", "Quoted": "s", "Plain": "p"}


def test_a_template_without_parameters_has_none() -> None:
    assert resolve_parameters(None, {"X": "1"}).values == {}
    with pytest.raises(TemplateError, match="Parameters must be a mapping"):
        resolve_parameters(["P"], {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stage=prod", {"Stage": "prod"}),
        ("Stage=prod Size=5", {"Stage": "prod", "Size": "5"}),
        ("  Stage=prod   Size=5  ", {"Stage": "prod", "Size": "5"}),
        ("ParameterKey=Stage,ParameterValue=prod", {"Stage": "prod"}),
        (
            "ParameterKey=A,ParameterValue=1 ParameterKey=B,ParameterValue=2",
            {"A": "1", "B": "2"},
        ),
        ('Greeting="hello world"', {"Greeting": "hello world"}),
        ("Greeting='hello world' X=1", {"Greeting": "hello world", "X": "1"}),
        (r"Greeting=hello\ world", {"Greeting": "hello world"}),
        (r'Q="say \"hi\""', {"Q": 'say "hi"'}),
        ("Subnets=a,b,c", {"Subnets": "a,b,c"}),
        ("Url=https://x.example/?a=b", {"Url": "https://x.example/?a=b"}),
        (r"Pattern=^\d+$", {"Pattern": r"^\d+$"}),
        ("Empty=", {"Empty": ""}),
        ("", {}),
        (["Stage=prod", "ParameterKey=Size,ParameterValue=5"], {"Stage": "prod", "Size": "5"}),
        (["A=1", "A=2"], {"A": "2"}),
    ],
)
def test_parameter_overrides_read_both_of_sams_spellings(text: Any, expected: Any) -> None:
    assert parse_parameter_overrides(text) == expected


@pytest.mark.parametrize(
    "text", ["Stage", "=prod", "Stage:prod", "ParameterKey=Stage", 'A="open', "A-B=1"]
)
def test_malformed_parameter_overrides_say_how_to_write_them(text: str) -> None:
    with pytest.raises(TemplateError) as raised:
        parse_parameter_overrides(text)
    assert raised.value.path == "--parameter-overrides"
    assert "Key=Value Key2=Value2" in str(raised.value)


_KEYS = st.from_regex(r"[A-Za-z0-9]{1,12}", fullmatch=True)
# Backslashes are left out: SAM keeps one that escapes nothing, which the table above covers.
_VALUES = st.text(
    st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\\"),
    max_size=16,
)


@settings(max_examples=200, deadline=None)
@given(values=st.dictionaries(_KEYS, _VALUES, max_size=6), data=st.data())
def test_overrides_written_either_way_read_back(values: dict[str, str], data: Any) -> None:
    pieces = []
    for key, value in values.items():
        bare = value != "" and not any(c.isspace() or c in "\"'" for c in value)
        if bare and data.draw(st.booleans()):
            written = value
        else:
            written = '"' + value.replace('"', '\\"') + '"'
        if data.draw(st.booleans()):
            pieces.append(f"{key}={written}")
        else:
            pieces.append(f"ParameterKey={key},ParameterValue={written}")
    assert parse_parameter_overrides(" ".join(pieces)) == values


def test_the_docstring_example_runs() -> None:
    docstring = parse_parameter_overrides.__doc__ or ""
    (example,) = re.findall(r"```python\n(.*?)```", docstring, flags=re.DOTALL)
    exec(textwrap.dedent(example), {})
