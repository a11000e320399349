"""SNS subscription filter policies, checked against the examples of SNS's documentation:

- example-filter-policies.html (the transaction message and the policies that accept/reject it),
- string-value-matching.html (exact, prefix, suffix, equals-ignore-case, anything-but, cidr),
- numeric-value-matching.html (exact, anything-but, ranges),
- attribute-key-matching.html (exists), and-or-logic.html (AND, OR, the $or operator),
- subscription-filter-policy-constraints.html (5 keys, 150 combinations, 256 KB, no nesting
  for attributes) and sns-message-filtering-scope.html (MessageAttributes / MessageBody).

Pure functions: no event loop, so these tests run the same under asyncio and trio.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faaslib import App
from faaslib.patterns import compile_pattern
from faaslib.sources.topic.filter_policy import FilterPolicy, InvalidFilterPolicy

Attributes = dict[str, tuple[str, str]]

# example-filter-policies.html: the transaction the page filters, as attributes and as a body.
TRANSACTION: Attributes = {
    "customer_interests": ("String.Array", '["soccer", "rugby", "hockey"]'),
    "store": ("String", "example_corp"),
    "event": ("String", "order_placed"),
    "price_usd": ("Number", "210.75"),
}
TRANSACTION_BODY = json.dumps(
    {
        "customer_interests": ["soccer", "rugby", "hockey"],
        "store": "example_corp",
        "event": "order_placed",
        "price_usd": 210.75,
    }
)
ACCEPTS = {
    "store": ["example_corp"],
    "event": [{"anything-but": "order_cancelled"}],
    "customer_interests": ["rugby", "football", "baseball"],
    "price_usd": [{"numeric": [">=", 100]}],
}
REJECTS = {
    "store": ["example_corp"],
    "event": ["order_cancelled"],
    "encrypted": [False],
    "customer_interests": ["basketball", "baseball"],
}


@pytest.mark.parametrize(("policy", "expected"), [(ACCEPTS, True), (REJECTS, False)])
def test_the_documented_transaction_is_accepted_or_rejected(
    policy: dict[str, Any], expected: bool
) -> None:
    assert FilterPolicy(policy).matches("message-body", TRANSACTION) is expected
    assert FilterPolicy(policy, "MessageBody").matches(TRANSACTION_BODY, {}) is expected


def _string(value: str) -> tuple[str, str]:
    return ("String", value)


def _array(*values: Any) -> tuple[str, str]:
    return ("String.Array", json.dumps(list(values)))


def _number(text: str) -> tuple[str, str]:
    return ("Number", text)


ATTRIBUTE_EXAMPLES = [
    # string-value-matching.html
    ({"customer_interests": ["rugby", "tennis"]}, _string("rugby"), True),
    ({"customer_interests": ["rugby", "tennis"]}, _string("tennis"), True),
    ({"customer_interests": ["rugby", "tennis"]}, _array("rugby", "tennis"), True),
    ({"customer_interests": ["rugby", "tennis"]}, _string("baseball"), False),
    ({"customer_interests": ["rugby", "tennis"]}, _array("baseball"), False),
    ({"customer_interests": [{"prefix": "bas"}]}, _string("baseball"), True),
    ({"customer_interests": [{"prefix": "bas"}]}, _string("basketball"), True),
    ({"customer_interests": [{"prefix": "bas"}]}, _string("rugby"), False),
    ({"customer_interests": [{"suffix": "ball"}]}, _string("baseball"), True),
    ({"customer_interests": [{"suffix": "ball"}]}, _string("rugby"), False),
    ({"customer_interests": [{"equals-ignore-case": "tennis"}]}, _string("TENNIS"), True),
    ({"customer_interests": [{"equals-ignore-case": "tennis"}]}, _string("Tennis"), True),
    ({"customer_interests": [{"equals-ignore-case": "tennis"}]}, _string("baseball"), False),
    ({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}, _string("baseball"), True),
    ({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}, _string("football"), True),
    # ... "because it contains a value that isn't rugby or tennis". A later revision of the page
    # words String.Array differently ("matches if none of the array elements are listed");
    # faaslib keeps EventBridge's any-element rule, which the worked example shows.
    (
        {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]},
        _array("rugby", "baseball"),
        True,
    ),
    ({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}, _string("rugby"), False),
    ({"event": [{"anything-but": {"prefix": "order-"}}]}, _string("data-entry"), True),
    ({"event": [{"anything-but": {"prefix": "order-"}}]}, _string("order_number"), True),
    ({"event": [{"anything-but": {"prefix": "order-"}}]}, _string("order-cancelled"), False),
    ({"event": [{"anything-but": {"suffix": "-cancelled"}}]}, _string("order-placed"), True),
    ({"event": [{"anything-but": {"suffix": "-cancelled"}}]}, _string("order-cancelled"), False),
    ({"source_ip": [{"cidr": "10.0.0.0/24"}]}, _string("10.0.0.0"), True),
    ({"source_ip": [{"cidr": "10.0.0.0/24"}]}, _string("10.0.0.255"), True),
    ({"source_ip": [{"cidr": "10.0.0.0/24"}]}, _string("10.1.1.0"), False),
    # numeric-value-matching.html
    ({"price_usd": [{"numeric": ["=", 301.5]}]}, _number("301.5"), True),
    ({"price_usd": [{"numeric": ["=", 301.5]}]}, _number("3.015e2"), True),
    ({"price_usd": [{"numeric": ["=", 301.5]}]}, _number("301.6"), False),
    ({"price": [{"anything-but": [100, 500]}]}, _number("101"), True),
    ({"price": [{"anything-but": [100, 500]}]}, _number("100.1"), True),
    ({"price": [{"anything-but": [100, 500]}]}, ("Number.Array", "[100, 50]"), True),
    ({"price": [{"anything-but": [100, 500]}]}, _number("100"), False),
    ({"price_usd": [{"numeric": ["<", 0]}]}, _number("-1"), True),
    ({"price_usd": [{"numeric": ["<", 0]}]}, _number("0"), False),
    ({"price_usd": [{"numeric": [">", 0, "<=", 150]}]}, _number("150"), True),
    ({"price_usd": [{"numeric": [">", 0, "<=", 150]}]}, _number("150.5"), False),
    # A number is not a string, and a string is not a number.
    ({"price": [100]}, _number("100"), True),
    ({"price": [100]}, _string("100"), False),
    ({"price": ["100"]}, _number("100"), False),
    ({"price": [{"numeric": [">", 1]}]}, _string("100"), False),
    # String.Array elements may be numbers, true, false and null.
    ({"flags": [True]}, _array("x", True), True),
    ({"flags": [None]}, _array(None), True),
    ({"flags": [5]}, _array(5, 6), True),
]


@pytest.mark.parametrize(("policy", "attribute", "expected"), ATTRIBUTE_EXAMPLES)
def test_documented_attribute_examples(
    policy: dict[str, Any], attribute: tuple[str, str], expected: bool
) -> None:
    (name,) = policy
    assert FilterPolicy(policy).matches("body", {name: attribute}) is expected


BODY_EXAMPLES = [
    # The same pages, for MessageBody scope.
    ({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": "rugby"}, True),
    ({"customer_interests": ["rugby", "tennis"]}, {"customer_interests": "baseball"}, False),
    (
        {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]},
        {"customer_interests": ["rugby", "baseball"]},
        True,
    ),
    ({"price_usd": [{"numeric": ["=", 301.5]}]}, {"price_usd": 3.015e2}, True),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": [100, 50]}, True),
    ({"price": [{"anything-but": [100, 500]}]}, {"price": 100}, False),
    ({"store": [{"exists": True}]}, {"store": "fans", "customer_interests": ["baseball"]}, True),
    ({"store": [{"exists": True}]}, {"customer_interests": ["baseball", "basketball"]}, False),
    ({"store": [{"exists": False}]}, {"customer_interests": ["baseball", "basketball"]}, True),
    ({"store": [{"exists": False}]}, {"store": "fans"}, False),
    # Nested keys, and arrays of objects such as S3's Records.
    ({"order": {"status": ["paid"]}}, {"order": {"status": "paid", "id": 7}}, True),
    ({"order": {"status": ["paid"]}}, {"order": {"status": "new"}}, False),
    (
        {"Records": {"s3": {"object": {"key": [{"prefix": "uploads/"}]}}}},
        {
            "Records": [
                {"s3": {"object": {"key": "other/a"}}},
                {"s3": {"object": {"key": "uploads/b"}}},
            ]
        },
        True,
    ),
]


@pytest.mark.parametrize(("policy", "body", "expected"), BODY_EXAMPLES)
def test_documented_body_examples(
    policy: dict[str, Any], body: dict[str, Any], expected: bool
) -> None:
    assert FilterPolicy(policy, "MessageBody").matches(json.dumps(body), {}) is expected


def test_exists_matches_attribute_keys() -> None:
    # attribute-key-matching.html
    present: Attributes = {"store": _string("fans"), "customer_interests": _array("baseball")}
    absent: Attributes = {"customer_interests": _array("baseball", "basketball")}
    assert FilterPolicy({"store": [{"exists": True}]}).matches("", present)
    assert not FilterPolicy({"store": [{"exists": True}]}).matches("", absent)
    assert FilterPolicy({"store": [{"exists": False}]}).matches("", absent)
    assert not FilterPolicy({"store": [{"exists": False}]}).matches("", present)


def test_binary_attributes_are_ignored_by_filtering() -> None:
    # subscription-filter-policy-constraints.html: SNS ignores Binary attributes.
    attributes: Attributes = {"blob": ("Binary", "aGVsbG8=")}
    assert not FilterPolicy({"blob": ["aGVsbG8="]}).matches("", attributes)
    assert not FilterPolicy({"blob": [{"exists": True}]}).matches("", attributes)
    assert FilterPolicy({"blob": [{"exists": False}]}).matches("", attributes)


def test_and_of_attributes_and_or_of_values() -> None:
    # and-or-logic.html: AND across names, OR across a name's values.
    both = FilterPolicy({"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]})
    assert both.matches("", {"customer_interests": _string("rugby"), "price_usd": _number("101")})
    assert not both.matches(
        "", {"customer_interests": _string("rugby"), "price_usd": _number("99")}
    )
    assert not both.matches("", {"customer_interests": _string("rugby")})
    either = FilterPolicy({"customer_interests": ["rugby", "football", "baseball"]})
    assert either.matches("", {"customer_interests": _string("football")})
    assert not either.matches("", {"customer_interests": _string("hockey")})


OR_POLICY = {
    "source": ["aws.cloudwatch"],
    "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}],
}


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"source": _string("aws.cloudwatch"), "metricName": _string("CPUUtilization")}, True),
        ({"source": _string("aws.cloudwatch"), "namespace": _string("AWS/EC2")}, True),
        ({"source": _string("aws.cloudwatch"), "namespace": _string("AWS/ES")}, False),
        ({"metricName": _string("CPUUtilization")}, False),
    ],
)
def test_the_or_operator_on_attributes(attributes: Attributes, expected: bool) -> None:
    # and-or-logic.html, "OR operator": "source" && ("metricName" || "namespace").
    assert FilterPolicy(OR_POLICY).matches("", attributes) is expected
    body = json.dumps({name: value for name, (_, value) in attributes.items()})
    assert FilterPolicy(OR_POLICY, "MessageBody").matches(body, {}) is expected


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '"a string"', "42", "", "{", '{"a": NaN}'])
def test_a_body_that_is_not_a_json_object_matches_nothing(body: str) -> None:
    assert not FilterPolicy({"a": [{"exists": False}]}, "MessageBody").matches(body, {})


def test_a_body_with_integers_beyond_64_bits_is_still_json() -> None:
    policy = FilterPolicy({"id": [{"exists": True}]}, "MessageBody")
    assert policy.matches('{"id": 123456789012345678901234567890}', {})


def test_an_empty_policy_filters_nothing() -> None:
    assert FilterPolicy({}).matches("anything", {})
    assert FilterPolicy("{}", "MessageBody").matches("not even json", {})


def test_a_policy_may_be_json_text_and_keeps_its_parts() -> None:
    policy = FilterPolicy('{"kind": ["a"]}', "MessageBody", owner="subscription 's1'")
    assert policy.policy == {"kind": ["a"]}
    assert policy.scope == "MessageBody"
    assert policy.owner == "subscription 's1'"
    assert "subscription 's1'" in repr(policy)
    assert policy.matches('{"kind": "a"}', {})


def test_attributes_the_policy_does_not_name_are_ignored() -> None:
    policy = FilterPolicy({"store": ["x"]})
    assert policy.matches("", {"store": _string("x"), "other": ("Weird.Type", "??")})


def test_a_malformed_attribute_is_a_clear_error() -> None:
    with pytest.raises(
        ValueError, match=r"message attribute 'store' must be \(DataType, StringValue\)"
    ):
        FilterPolicy({"store": ["x"]}).matches("", {"store": "x"})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        (("Number", "not a number"), False),  # SNS refuses this publish; never a number here
        (("Number", "nan"), False),
        (("Number.float", "2.5e0"), True),  # a custom Number type is a number
        (("String.Array", "not json"), False),
        (("String.custom", "2.5"), False),
    ],
)
def test_odd_attribute_values_are_matched_as_what_they_are(
    attribute: tuple[str, str], expected: bool
) -> None:
    assert FilterPolicy({"n": [{"numeric": [">", 2]}]}).matches("", {"n": attribute}) is expected


INVALID = [
    # subscription-filter-policy-constraints.html, with SNS's own wording.
    (
        {"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"], "e": ["1"], "f": ["1"]},
        "MessageAttributes",
        None,
        "Filter policy can not have more than 5 keys: it has 6",
    ),
    (
        {"a": ["1"], "$or": [{"b": ["1"]}, {"c": ["1"], "d": ["1"], "e": ["1"], "f": ["1"]}]},
        "MessageAttributes",
        None,
        "can not have more than 5 keys",
    ),
    (
        {"a": [str(i) for i in range(151)]},
        "MessageAttributes",
        None,
        "Filter policy is too complex: 151 combinations, over SNS's limit of 150",
    ),
    (
        {"a": [str(i) for i in range(15)], "b": [str(i) for i in range(11)]},
        "MessageAttributes",
        None,
        "165 combinations",
    ),
    (
        {"a": {"b": ["x"]}},
        "MessageAttributes",
        "$.a",
        "Filter policy scope MessageAttributes does not support nested filter policy",
    ),
    (
        {"$or": [{"a": {"b": ["x"]}}, {"c": ["y"]}]},
        "MessageAttributes",
        "$.a",
        "does not support nested filter policy",
    ),
    ({"a": [{"wildcard": "x*"}]}, "MessageAttributes", "$.a", "Unrecognized match type 'wildcard'"),
    (
        {"a": [{"prefix": {"equals-ignore-case": "x"}}]},
        "MessageAttributes",
        "$.a",
        "SNS has no case-insensitive prefix",
    ),
    (
        {"a": [{"anything-but": {"equals-ignore-case": "x"}}]},
        "MessageAttributes",
        "$.a",
        "Unsupported anything-but pattern",
    ),
    (
        {"a": [{"numeric": [">", 2e9]}]},
        "MessageBody",
        "$.a",
        "outside SNS's numeric range of -1,000,000,000 to 1,000,000,000",
    ),
    ({"a": [{"anything-but": [-2e9]}]}, "MessageBody", "$.a", "outside SNS's numeric range"),
    ({"a": "x"}, "MessageAttributes", "$.a", '"a" must be an object or an array'),
    ({"a": []}, "MessageAttributes", "$.a", "Empty arrays are not allowed"),
    (
        {"a": [{"numeric": [">", "ten"]}]},
        "MessageBody",
        "$.a",
        "numeric needs an operator then a number",
    ),
    ({"a": [{"cidr": "10.0.0.0"}]}, "MessageAttributes", "$.a", "one '/' required"),
    (
        {"a": [{"exists": 1}]},
        "MessageAttributes",
        "$.a",
        "exists match pattern must be either true or false",
    ),
]


@pytest.mark.parametrize(("policy", "scope", "path", "message"), INVALID)
def test_invalid_policies_are_refused_with_snss_reason(
    policy: dict[str, Any], scope: Any, path: str | None, message: str
) -> None:
    with pytest.raises(InvalidFilterPolicy) as raised:
        FilterPolicy(policy, scope, owner="topic 'orders': filter_policy")
    assert message in raised.value.reason
    assert raised.value.path == path
    assert str(raised.value).startswith("topic 'orders': filter_policy: ")


def test_nested_combinations_count_each_value_times_its_depth() -> None:
    # subscription-filter-policy-constraints.html: 4 values three keys deep and 3 values two
    # keys deep make 3 x 4 x 2 x 3 = 72 combinations.
    documented = {
        "key_a": {"key_b": {"key_c": ["value_one", "value_two", "value_three", "value_four"]}},
        "key_d": {"key_e": ["value_one", "value_two", "value_three"]},
    }
    FilterPolicy(documented, "MessageBody")
    # 15 values five keys deep count 75, times 2 values at the top is 150: accepted; 16 values
    # make it 160.
    FilterPolicy(
        {"a": {"b": {"c": {"d": {"e": [str(i) for i in range(15)]}}}}, "f": ["1", "2"]},
        "MessageBody",
    )
    with pytest.raises(InvalidFilterPolicy, match="160 combinations"):
        FilterPolicy(
            {"a": {"b": {"c": {"d": {"e": [str(i) for i in range(16)]}}}}, "f": ["1", "2"]},
            "MessageBody",
        )


def test_or_adds_the_combinations_of_its_branches() -> None:
    # and-or-logic.html: (source x metricName) + (source x metricType x metricId) +
    # (source x metricType x spaceId) = (1 x 2) + (1 x 1 x 2) + (1 x 1 x 3) = 7, five keys.
    def or_policy(sources: int) -> dict[str, Any]:
        return {
            "source": [f"aws.source{index}" for index in range(sources)],
            "$or": [
                {"metricName": ["CPUUtilization", "ReadLatency"]},
                {
                    "metricType": ["MetricType"],
                    "$or": [{"metricId": [1234, 4321]}, {"spaceId": [1000, 2000, 3000]}],
                },
            ],
        }

    FilterPolicy(or_policy(1), "MessageBody")
    FilterPolicy(or_policy(21), "MessageBody")  # 21 x 7 = 147
    with pytest.raises(InvalidFilterPolicy, match="154 combinations"):
        FilterPolicy(or_policy(22), "MessageBody")
    with pytest.raises(InvalidFilterPolicy, match="more than 5 keys: it has 6"):
        FilterPolicy({**or_policy(1), "region": ["us-east-1"]}, "MessageBody")


def test_a_policy_is_at_most_256_kb() -> None:
    big = {"a": ["x" * 270_000]}
    with pytest.raises(
        InvalidFilterPolicy,
        match=r"Filter policy is too large: 270,\d{3} bytes, over SNS's limit of 256 KB",
    ):
        FilterPolicy(big)
    FilterPolicy({"a": ["x" * 260_000]})  # larger than an EventBridge pattern may be


def test_the_scope_must_be_one_sns_knows() -> None:
    with pytest.raises(InvalidFilterPolicy, match=r"FilterPolicyScope: Invalid value \[Body\]"):
        FilterPolicy({"a": ["x"]}, "Body")  # type: ignore[arg-type]


def test_policy_text_must_be_a_json_object() -> None:
    with pytest.raises(InvalidFilterPolicy, match="is not valid JSON"):
        FilterPolicy('{"a": ["x"]')
    with pytest.raises(InvalidFilterPolicy, match="must be a JSON object"):
        FilterPolicy('["a"]')


_names = st.sampled_from(["store", "event", "kind"])
_values = st.sampled_from(["a", "b", "c"])


@given(
    policy=st.dictionaries(_names, st.lists(_values, min_size=1, max_size=3), min_size=1),
    message=st.dictionaries(_names, st.one_of(_values, st.lists(_values, max_size=3))),
)
def test_both_scopes_and_eventbridge_agree_on_the_same_data(
    policy: dict[str, list[str]], message: dict[str, Any]
) -> None:
    attributes: Attributes = {
        name: _array(*value) if isinstance(value, list) else _string(value)
        for name, value in message.items()
    }
    expected = compile_pattern(policy).matches(message)
    assert FilterPolicy(policy).matches("", attributes) is expected
    assert FilterPolicy(policy, "MessageBody").matches(json.dumps(message), {}) is expected


# Hostile input: long values, and generated policies and messages of every shape.

LONG = 256 * 1024


@pytest.mark.parametrize(
    "operator",
    [
        {"prefix": "a" * 100 + "b"},
        {"suffix": "b" + "a" * 100},
        {"equals-ignore-case": "A" * 100 + "B"},
        {"anything-but": {"prefix": "a" * 100 + "b"}},
        {"anything-but": {"suffix": "b" + "a" * 100}},
        {"cidr": "10.0.0.0/8"},
    ],
)
def test_every_string_operator_is_linear_time_on_a_256_kb_attribute(
    operator: dict[str, Any],
) -> None:
    negated = "anything-but" in operator
    policy = FilterPolicy({"f": [operator]})
    assert policy.matches("", {"f": ("String", "a" * LONG)}) is negated
    body = FilterPolicy({"f": [operator]}, "MessageBody")
    assert body.matches(json.dumps({"f": "a" * LONG}), {}) is negated


def test_a_wildcard_is_refused_by_sns_whatever_its_complexity() -> None:
    with pytest.raises(InvalidFilterPolicy, match="Unrecognized match type 'wildcard'"):
        FilterPolicy({"f": [{"wildcard": "*a*a*a*a*a*a*b"}]})


_hostile_values = st.recursive(
    st.one_of(
        st.text(max_size=8),
        st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=2),
        st.integers(),
        st.floats(),
        st.booleans(),
        st.none(),
        st.sampled_from(["prefix", "suffix", "anything-but", "numeric", "exists", "cidr", "$or"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.one_of(st.sampled_from(["prefix", "numeric", "anything-but", "$or"]), st.text()),
            children,
            max_size=3,
        ),
    ),
    max_leaves=15,
)
_attribute_types = st.sampled_from(["String", "Number", "String.Array", "Binary", "Number.Array"])


@given(
    policy=_hostile_values,
    scope=st.sampled_from(["MessageAttributes", "MessageBody"]),
    message=st.one_of(st.text(max_size=20), _hostile_values.map(json.dumps)),
    attributes=st.dictionaries(
        st.text(max_size=3), st.tuples(_attribute_types, st.text(max_size=12)), max_size=3
    ),
)
def test_any_policy_compiles_or_is_refused_and_matching_never_raises(
    policy: Any, scope: Any, message: str, attributes: Attributes
) -> None:
    for given_policy in (policy, {"f": policy}, {"f": [policy]}):
        try:
            compiled = FilterPolicy(given_policy, scope)
        except InvalidFilterPolicy as error:
            refusal = error
        else:
            assert compiled.matches(message, attributes) in (True, False)
            continue
        assert str(refusal).startswith("filter policy: ")


@pytest.mark.anyio
async def test_a_body_nested_past_the_payload_limit_matches_no_body_policy() -> None:
    app = App()
    received: list[Any] = []

    @app.on_topic("deep", filter_policy={"a": ["x"]}, filter_policy_scope="MessageBody")
    def handler(event: Any, context: Any) -> None:
        received.append(event["Records"][0]["Sns"]["Message"])

    async with app:
        await app.topic("deep").publish("[" * 5000 + "]" * 5000)  # text: accepted as sent
        await app.topic("deep").publish('{"a": "x"}')
        await app.wait_idle()
    assert received == ['{"a": "x"}']
