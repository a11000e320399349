"""A template's Parameters: the values a deploy supplies, checked the way CloudFormation checks
them before it creates anything.

Every value is text, as CloudFormation hands it to `Ref`: a `Number` parameter of 5 is "5". The
list types (`CommaDelimitedList`, `List<Number>`, `List<AWS::EC2::...>`) are lists of text, each
member space-trimmed. `AWS::SSM::Parameter::Value<...>` parameters read Systems Manager at deploy
time; faaslib has no Parameter Store, so they need their value given explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from faaslib.templates.errors import TemplateError, child_path

__all__ = ["ParameterValues", "parse_parameter_overrides", "resolve_parameters", "text_of"]

ParameterValue = str | list[str]

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SSM_VALUE = re.compile(r"AWS::SSM::Parameter::Value<(.+)>")
_AWS_LIST = re.compile(r"List<(AWS::[A-Za-z0-9:]+)>")
_AWS_TYPE = re.compile(r"AWS::[A-Za-z0-9]+(?:::[A-Za-z0-9]+)+")


@dataclass(frozen=True)
class ParameterValues:
    """The resolved Parameters of one deploy: `values[name]` is what `Ref: name` gives, and
    `no_echo` the names whose values must not be printed (their `NoEcho: true`)."""

    values: dict[str, ParameterValue]
    no_echo: frozenset[str]


def text_of(value: Any) -> str:
    """A YAML/JSON scalar as CloudFormation turns it into text: booleans lower-case, numbers as
    written, text unchanged."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a scalar")


def _is_list_type(kind: str) -> bool:
    return kind in ("CommaDelimitedList", "List<Number>") or bool(_AWS_LIST.fullmatch(kind))


def _check_type(kind: Any, path: str) -> str:
    if not isinstance(kind, str):
        raise TemplateError(child_path(path, "Type"), "every parameter needs a Type (String, ...)")
    ssm = _SSM_VALUE.fullmatch(kind)
    inner = ssm.group(1) if ssm else kind
    # List<String> exists only inside AWS::SSM::Parameter::Value<...>.
    basic = ("String", "Number", "CommaDelimitedList", "List<Number>")
    if inner in basic or (ssm and inner == "List<String>"):
        return kind
    if _AWS_LIST.fullmatch(inner) or _AWS_TYPE.fullmatch(inner):
        return kind
    raise TemplateError(
        child_path(path, "Type"),
        f"{kind!r} is not a parameter type CloudFormation knows (String, Number, List<Number>, "
        "CommaDelimitedList, an AWS-specific type or AWS::SSM::Parameter::Value<...>)",
    )


def resolve_parameters(
    declarations: Any, given: Mapping[str, Any], *, path: str = "Parameters"
) -> ParameterValues:
    """Each declared parameter's value: the one `given`, else its `Default`, checked against its
    Type, AllowedValues, AllowedPattern, Min/MaxLength and Min/MaxValue.

    Names in `given` that the template does not declare are left for the caller (they can stand
    for `Fn::ImportValue` exports). Raises `TemplateError` at `Parameters.<Name>` naming the rule
    a value breaks, with the template's `ConstraintDescription` when it has one.
    """
    if declarations is None:
        return ParameterValues({}, frozenset())
    if not isinstance(declarations, dict):
        raise TemplateError(path, "Parameters must be a mapping of names to declarations")
    values: dict[str, ParameterValue] = {}
    no_echo: set[str] = set()
    for name, declaration in declarations.items():
        where = child_path(path, str(name))
        if not isinstance(declaration, dict):
            raise TemplateError(where, "a parameter declaration must be a mapping with a Type")
        kind = _check_type(declaration.get("Type"), where)
        values[name] = _value_of(name, kind, declaration, given, where)
        if str(declaration.get("NoEcho", "")).lower() == "true":
            no_echo.add(name)
    return ParameterValues(values, frozenset(no_echo))


def _value_of(
    name: str, kind: str, declaration: dict[str, Any], given: Mapping[str, Any], where: str
) -> ParameterValue:
    ssm = _SSM_VALUE.fullmatch(kind)
    if name in given:
        raw = given[name]
        text = ",".join(raw) if isinstance(raw, (list, tuple)) else str(raw)
    elif ssm:
        raise TemplateError(
            where,
            f"type {kind} reads the Systems Manager parameter "
            f"{declaration.get('Default', '(no Default)')!r} at deploy time, and faaslib has no "
            f"Parameter Store: give the value itself, parameters={{{name!r}: ...}} "
            f"(--parameter-overrides {name}=...)",
        )
    elif "Default" in declaration:
        default = declaration["Default"]
        try:
            if isinstance(default, list):
                text = ",".join(text_of(item) for item in default)
            else:
                text = text_of(default)
        except TypeError:
            raise TemplateError(
                child_path(where, "Default"), "a Default must be text, a number or a list of them"
            ) from None
    else:
        raise TemplateError(
            where,
            f"no value and no Default: give one, parameters={{{name!r}: ...}} "
            f"(--parameter-overrides {name}=...)",
        )
    value_kind = ssm.group(1) if ssm else kind
    if _is_list_type(value_kind) or value_kind == "List<String>":
        members = [member.strip() for member in text.split(",")]
        for member in members:
            _check_constraints(name, value_kind, member, declaration, where)
        return members
    _check_constraints(name, value_kind, text, declaration, where)
    return text


def _check_constraints(
    name: str, kind: str, value: str, declaration: dict[str, Any], where: str
) -> None:
    hint = declaration.get("ConstraintDescription")
    suffix = f" ({hint})" if isinstance(hint, str) and hint else ""

    def refuse(rule: str, message: str) -> TemplateError:
        return TemplateError(child_path(where, rule), f"{name}={value!r}: {message}{suffix}")

    if kind in ("Number", "List<Number>"):
        if not _NUMBER.fullmatch(value):
            raise refuse("Type", f"{kind} needs a number")
        number = float(value)
        for rule, breaks in (("MinValue", number.__lt__), ("MaxValue", number.__gt__)):
            if rule in declaration and breaks(_number(declaration[rule], child_path(where, rule))):
                relation = "below" if rule == "MinValue" else "above"
                raise refuse(rule, f"is {relation} the {rule} of {text_of(declaration[rule])}")
    if "AllowedValues" in declaration:
        allowed = declaration["AllowedValues"]
        if not isinstance(allowed, list):
            raise TemplateError(child_path(where, "AllowedValues"), "AllowedValues must be a list")
        allowed_text = [text_of(item) for item in allowed]
        if value not in allowed_text:
            raise refuse("AllowedValues", f"is not one of {allowed_text}")
    if "AllowedPattern" in declaration:
        pattern = text_of(declaration["AllowedPattern"])
        try:
            matches = re.fullmatch(pattern, value) is not None
        except re.error as error:
            raise TemplateError(
                child_path(where, "AllowedPattern"),
                f"{pattern!r} is not a regular expression: {error}",
            ) from None
        if not matches:
            raise refuse("AllowedPattern", f"does not match the AllowedPattern {pattern!r}")
    for rule in ("MinLength", "MaxLength"):
        if rule in declaration:
            limit = _number(declaration[rule], child_path(where, rule))
            too_short = rule == "MinLength" and len(value) < limit
            if too_short or (rule == "MaxLength" and len(value) > limit):
                word = "shorter" if too_short else "longer"
                raise refuse(
                    rule, f"is {len(value)} characters, {word} than the {rule} of {int(limit)}"
                )


def _number(value: Any, where: str) -> float:
    try:
        text = text_of(value)
    except TypeError:
        text = ""
    if not _NUMBER.fullmatch(text):
        raise TemplateError(where, f"{value!r} is not a number")
    return float(text)


_EXAMPLES = "'Key=Value Key2=Value2' or 'ParameterKey=Key,ParameterValue=Value'"
_KEY = re.compile(r"[A-Za-z0-9]+")


def parse_parameter_overrides(text: str | Sequence[str]) -> dict[str, str]:
    """SAM CLI's `--parameter-overrides`, in both of its spellings, into a mapping.

    ```python
    from faaslib.templates.parameters import parse_parameter_overrides

    assert parse_parameter_overrides('Stage=prod Greeting="hello world"') == {
        "Stage": "prod", "Greeting": "hello world"}
    assert parse_parameter_overrides(
        ["ParameterKey=Stage,ParameterValue=prod", "Size=5"]) == {"Stage": "prod", "Size": "5"}
    ```

    Values may be quoted ('...' or "...") to hold spaces; a backslash escapes a space or a quote,
    as SAM reads it. Raises `TemplateError` (path `--parameter-overrides`) for anything else.
    """
    pieces = [text] if isinstance(text, str) else list(text)
    result: dict[str, str] = {}
    for piece in pieces:
        result.update(_parse_override_text(piece))
    return result


def _parse_override_text(text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return result
        key, position = _read_key(text, position)
        if key == "ParameterKey":
            key, position = _read_key(text, position, ",ParameterValue=")
        value, position = _read_value(text, position)
        result[key] = value


def _read_key(text: str, position: int, separator: str = "=") -> tuple[str, int]:
    match = _KEY.match(text, position)
    if not match or not text.startswith(separator, match.end()):
        raise _override_error(text, f"expected Key{separator}Value at {text[position:]!r}")
    return match.group(), match.end() + len(separator)


def _read_value(text: str, position: int) -> tuple[str, int]:
    quote = text[position] if position < len(text) and text[position] in "\"'" else None
    if quote:
        position += 1
    characters: list[str] = []
    while position < len(text):
        character = text[position]
        if character == "\\" and position + 1 < len(text):
            following = text[position + 1]
            characters.append(following if following in " \"'" else character + following)
            position += 2
            continue
        if quote and character == quote:
            return "".join(characters), position + 1
        if not quote and character.isspace():
            break
        characters.append(character)
        position += 1
    if quote:
        raise _override_error(text, f"a value opened with {quote} is never closed")
    return "".join(characters), position


def _override_error(text: str, problem: str) -> TemplateError:
    return TemplateError("--parameter-overrides", f"{text!r}: {problem}; write it as {_EXAMPLES}")
