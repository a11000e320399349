"""SNS subscription filter policies: which published messages a subscription receives.

SNS filters with EventBridge's pattern engine, so a policy is compiled by `faaslib.patterns`
and differs only where SNS does (https://docs.aws.amazon.com/sns/latest/dg/sns-message-filtering.html,
sns-subscription-filter-policies.html, subscription-filter-policy-constraints.html):

- operators: exact values, `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (of values,
  or of a `prefix` or `suffix`), `numeric`, `exists`, `cidr` ("IP address matching") and `$or`;
  no `wildcard` and no case-insensitive `prefix`/`suffix`, which EventBridge has;
- numbers in a policy range from -10^9 to 10^9 (EventBridge: 5 * 10^9);
- at most 5 keys, counted at the top level (`$or` branches' top-level keys included), at most
  150 combinations (see `_combinations`), at most 256 KB of JSON;
- scope `MessageAttributes` (the default) matches message attributes and allows no nesting:
  `String.Array` attributes match if any element does, `Number` attributes are numbers,
  `Binary` attributes are ignored, as if absent; scope `MessageBody` matches the message parsed
  as a JSON object, nested keys included, and a body that is not a JSON object matches nothing.

An empty policy (`{}`) filters nothing: every message matches, as with no policy at all.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, Literal

from faaslib.patterns._syntax import (
    MISSING,
    Context,
    Dialect,
    InvalidPattern,
    child_path,
    decode,
)
from faaslib.patterns._tree import OR, compile_root

# The pattern compiler's internals: SNS's filter policies are its second dialect.
from faaslib.payloads import PayloadError, from_document

__all__ = ["FilterPolicy", "InvalidFilterPolicy"]

Scope = Literal["MessageAttributes", "MessageBody"]

MAX_KEYS = 5
MAX_COMBINATIONS = 150
MAX_POLICY_BYTES = 256 * 1024

# SNS's dialect of the pattern language. Depth: a leaf's combinations are multiplied by its
# depth, so no policy within the 150 combinations can nest deeper than 150.
_SNS = Dialect(
    service="SNS",
    numeric_limit=1e9,
    operators=frozenset(
        {"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists", "cidr"}
    ),
    anything_but_forms=frozenset({"prefix", "suffix"}),
    affix_ignore_case=False,
    max_depth=MAX_COMBINATIONS,
)
_INTEGER = re.compile(r"[+-]?[0-9]+\Z")
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")


class InvalidFilterPolicy(ValueError):
    """A filter policy SNS would refuse (its `InvalidParameter` error); the message names the
    policy, the place (a JSON path) when there is one, and SNS's reason.

    `path` and `reason` hold the parts of the message, as on `faaslib.patterns.InvalidPattern`.
    """

    def __init__(self, owner: str, reason: str, path: str | None = None) -> None:
        super().__init__(f"{owner}: at {path}: {reason}" if path else f"{owner}: {reason}")
        self.owner = owner
        self.reason = reason
        self.path = path


class FilterPolicy:
    """A subscription's filter policy, validated and compiled once.

    ```pycon
    >>> policy = FilterPolicy({"store": ["example_corp"], "price_usd": [{"numeric": [">", 100]}]})
    >>> attributes = {"store": ("String", "example_corp"), "price_usd": ("Number", "210.75")}
    >>> policy.matches("order placed", attributes)
    True
    ```
    """

    __slots__ = ("_match", "_names", "owner", "policy", "scope")

    def __init__(
        self,
        policy: Mapping[str, Any] | str,
        scope: Literal["MessageAttributes", "MessageBody"] = "MessageAttributes",
        *,
        owner: str = "filter policy",
    ) -> None:
        if scope not in ("MessageAttributes", "MessageBody"):
            raise InvalidFilterPolicy(
                owner,
                f"FilterPolicyScope: Invalid value [{scope}]. Please use either MessageBody or"
                " MessageAttributes",
            )
        self.owner = owner
        self.scope: Scope = scope
        context = Context(owner, _SNS)
        try:
            self.policy, text = decode(context, policy)
            size = _utf8_size(context, text)
            if size > MAX_POLICY_BYTES:
                context.fail(
                    None,
                    f"FilterPolicy: Filter policy is too large: {size:,} bytes, over SNS's limit"
                    f" of 256 KB ({MAX_POLICY_BYTES:,} bytes)",
                )
            # Compiled first: the walks below then meet only well-formed, shallow policies.
            self._match = compile_root(context, self.policy) if self.policy else None
            if scope == "MessageAttributes":
                _refuse_nesting(context, self.policy)
            self._names = frozenset(_top_level_names(self.policy))
            if len(self._names) > MAX_KEYS:
                context.fail(
                    None,
                    f"FilterPolicy: Filter policy can not have more than {MAX_KEYS} keys: it has"
                    f" {len(self._names)} ({', '.join(sorted(self._names))})",
                )
            combinations = _combinations(self.policy, 1) if self.policy else 0
            if combinations > MAX_COMBINATIONS:
                context.fail(
                    None,
                    f"FilterPolicy: Filter policy is too complex: {combinations:,} combinations,"
                    f" over SNS's limit of {MAX_COMBINATIONS}",
                )
        except InvalidPattern as error:
            raise InvalidFilterPolicy(owner, error.reason, error.path) from None

    def matches(self, message: str, attributes: Mapping[str, tuple[str, str]]) -> bool:
        """Whether SNS would deliver this message to the subscription.

        `message` is the published body; `attributes` maps each message attribute's name to
        its `(DataType, StringValue)`, as SNS carries them (`String.Array` values are JSON
        array text, `Number` values decimal text, `Binary` values base64).
        """
        if self._match is None:
            return True
        if self.scope == "MessageBody":
            body = _json_object(message)
            return body is not None and self._match(body)
        fields: dict[str, Any] = {}
        for name in self._names:
            attribute = attributes.get(name)
            if attribute is not None:
                value = _attribute_value(self.owner, name, attribute)
                if value is not MISSING:
                    fields[name] = value
        return self._match(fields)

    def __repr__(self) -> str:
        return f"<FilterPolicy {self.owner} ({self.scope}): {json.dumps(self.policy)[:60]}>"


def _utf8_size(context: Context, text: str) -> int:
    """The policy's size in bytes as SNS counts it; a lone surrogate cannot be sent at all."""
    try:
        return len(text.encode())
    except UnicodeEncodeError as error:
        context.fail(
            None,
            f"FilterPolicy: holds {text[error.start : error.end]!r} at character {error.start},"
            " a lone surrogate, which is not Unicode text and cannot be encoded as UTF-8",
        )


def _refuse_nesting(context: Context, policy: dict[str, Any]) -> None:
    for key, value in policy.items():
        if key == OR:
            for branch in value:
                _refuse_nesting(context, branch)
        elif isinstance(value, dict):
            context.fail(
                child_path("$", key),
                "Filter policy scope MessageAttributes does not support nested filter policy:"
                " use FilterPolicyScope MessageBody to filter on nested properties",
            )


def _top_level_names(policy: dict[str, Any]) -> set[str]:
    """The policy's top-level keys, reading through `$or` branches, which SNS counts as keys."""
    names: set[str] = set()
    for key, value in policy.items():
        if key == OR:
            for branch in value:
                names |= _top_level_names(branch)
        else:
            names.add(key)
    return names


def _combinations(policy: dict[str, Any], depth: int) -> int:
    """SNS's complexity of a (validated) policy, as subscription-filter-policy-constraints.html
    computes it: the product over the keys of the number of values in each list, each times
    its depth (1 at the top level, 2 one object down, ...); a `$or` contributes the sum of its
    branches. `{"a": {"b": [1, 2, 3, 4]}, "c": [5, 6, 7]}` counts (4 x 2) x (3 x 1) = 24."""
    total = 1
    for key, value in policy.items():
        if key == OR:
            total *= sum(_combinations(branch, depth) for branch in value)
        elif isinstance(value, dict):
            total *= _combinations(value, depth + 1)
        else:
            total *= len(value) * depth
    return total


def _json_object(message: str) -> dict[str, Any] | None:
    """The body as a JSON object, or None: SNS's body scope matches nothing else (a body that is
    not JSON, or is nested deeper than faaslib's payload limit, matches as no object)."""
    try:
        body = from_document(message)
    except PayloadError:
        return None
    return body if isinstance(body, dict) else None


def _attribute_value(owner: str, name: str, attribute: tuple[str, str]) -> Any:
    """A message attribute as the value the policy sees: a string, a number, a list, or MISSING
    for a Binary attribute, which SNS leaves out of filtering."""
    try:
        data_type, text = attribute
    except (TypeError, ValueError):
        raise ValueError(
            f"{owner}: message attribute {name!r} must be (DataType, StringValue), got"
            f" {attribute!r}"
        ) from None
    if data_type.startswith("Binary"):
        return MISSING
    if data_type in ("String.Array", "Number.Array"):
        try:
            values = json.loads(text, parse_constant=_not_json)
        except ValueError:
            return text  # SNS refuses such a publish; here it is matched as the text it is
        return values if isinstance(values, list) else text
    if data_type.startswith("Number"):
        if _INTEGER.match(text):
            return int(text)
        if _DECIMAL.match(text):
            number = float(text)
            return number if math.isfinite(number) else text
        return text  # not a number: SNS refuses such a publish; matched as the text it is
    return text


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
