"""EventBridge event patterns, checked against the examples of EventBridge's documentation:

- eb-event-patterns.html (structure, match values, field and value matching),
- eb-event-patterns-null-values.html (null and empty strings),
- eb-event-patterns-arrays.html (arrays in events),
- eb-create-pattern-operators.html (the comparison operator table and its sections),
- eb-event-patterns-content-based-filtering.html (the older content-filtering page),
- and the README of aws/event-ruler, EventBridge's engine, for array consistency and `$or`.

Pure functions: no event loop, so these tests run the same under asyncio and trio.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib.patterns import (
    MAX_PATTERN_LENGTH,
    InvalidPattern,
    Pattern,
    compile_pattern,
    matches,
)

# eb-event-patterns.html: the EC2 state-change event the page is built around.
EC2_EVENT = {
    "version": "0",
    "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "111122223333",
    "time": "2017-12-22T18:43:48Z",
    "region": "us-west-1",
    "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
    "detail": {"instance-id": "i-1234567890abcdef0", "state": "terminated"},
}

# eb-event-patterns-null-values.html: the Auto Scaling event with "" and null.
AUTOSCALING_EVENT = {
    "version": "0",
    "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
    "detail-type": "EC2 Instance Launch Successful",
    "source": "aws.autoscaling",
    "account": "123456789012",
    "time": "2015-11-11T21:31:47Z",
    "region": "us-east-1",
    "resources": [],
    "detail": {"eventVersion": "", "responseElements": None},
}

# aws/event-ruler README ("Ruler by example"): the event its content-filtering examples use.
RULER_EVENT = {
    "version": "0",
    "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
    "detail-type": "EC2 Instance State-change Notification",
    "source": "aws.ec2",
    "account": "012345679012",
    "time": "2017-10-02T16:24:49Z",
    "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
    "detail": {
        "c-count": 5,
        "d-count": 3,
        "x-limit": 301.8,
        "source-ip": "10.0.0.33",
        "instance-id": "i-000000aaaaaa00000",
        "state": "running",
    },
}


def _event(**fields: Any) -> dict[str, Any]:
    return dict(fields)


DOCUMENTED = [
    # eb-event-patterns.html: source, detail-type and detail.state all required.
    (
        {
            "source": ["aws.ec2"],
            "detail-type": ["EC2 Instance State-change Notification"],
            "detail": {"state": ["terminated"]},
        },
        EC2_EVENT,
        True,
    ),
    ({"source": ["aws.ec2"], "detail": {"state": ["running"]}}, EC2_EVENT, False),
    ({"source": ["aws.ec2", "aws.fargate"]}, EC2_EVENT, True),
    ({"source": ["aws.ec2", "aws.fargate"]}, {**EC2_EVENT, "source": "aws.fargate"}, True),
    ({"source": ["aws.ec2", "aws.fargate"]}, {**EC2_EVENT, "source": "aws.s3"}, False),
    # ... the event must have every field the pattern names, nested the same way.
    ({"detail": {"state": ["terminated"]}}, {"state": "terminated"}, False),
    ({"source": ["aws.ec2"], "missing": ["x"]}, EC2_EVENT, False),
    # eb-event-patterns-null-values.html: "" and null match, and are not interchangeable.
    ({"detail": {"eventVersion": [""]}}, AUTOSCALING_EVENT, True),
    ({"detail": {"responseElements": [None]}}, AUTOSCALING_EVENT, True),
    ({"detail": {"responseElements": [""]}}, AUTOSCALING_EVENT, False),
    ({"detail": {"eventVersion": [None]}}, AUTOSCALING_EVENT, False),
    (
        {
            "source": ["aws.autoscaling"],
            "detail-type": ["EC2 Instance Launch Successful"],
            "detail": {"responseElements": [None]},
        },
        AUTOSCALING_EVENT,
        True,
    ),
    # eb-event-patterns.html (value matching): the Macie alert's nested numbers.
    (
        {"source": ["aws.macie"], "detail": {"risk-score": [80], "trigger": {"risk": [8]}}},
        {"source": "aws.macie", "detail": {"risk-score": 80, "trigger": {"risk": 8}}},
        True,
    ),
    (
        {"source": ["aws.macie"], "detail": {"risk-score": [80], "trigger": {"risk": [8]}}},
        {"source": "aws.macie", "detail": {"risk-score": 80, "trigger": {"risk": 7}}},
        False,
    ),
    # eb-event-patterns-arrays.html: an array matches if the intersection is non-empty.
    (
        {
            "resources": [
                "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
                "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
                "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
            ]
        },
        {
            "resources": [
                "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d"
                "-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
                "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
            ]
        },
        True,
    ),
    (
        {"resources": ["arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]},
        {"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"]},
        False,
    ),
    # eb-create-pattern-operators.html, the operator table, row by row.
    (
        {"Location": ["New York"], "Day": ["Monday"]},
        _event(Location="New York", Day="Monday"),
        True,
    ),
    (
        {"Location": ["New York"], "Day": ["Monday"]},
        _event(Location="New York", Day="Sunday"),
        False,
    ),
    ({"state": [{"anything-but": "initializing"}]}, _event(state="running"), True),
    ({"state": [{"anything-but": "initializing"}]}, _event(state="initializing"), False),
    ({"Region": [{"anything-but": {"prefix": "us-"}}]}, _event(Region="eu-west-1"), True),
    ({"Region": [{"anything-but": {"prefix": "us-"}}]}, _event(Region="us-east-1"), False),
    ({"FileName": [{"anything-but": {"suffix": ".png"}}]}, _event(FileName="a.jpg"), True),
    ({"FileName": [{"anything-but": {"suffix": ".png"}}]}, _event(FileName="a.png"), False),
    (
        {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]},
        _event(state="INITIALIZING"),
        False,
    ),
    (
        {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]},
        _event(state="running"),
        True,
    ),
    (
        {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]},
        _event(FilePath="/usr/lib/x"),
        False,
    ),
    (
        {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]},
        _event(FilePath="/usr/bin/x"),
        True,
    ),
    ({"Region": [{"prefix": "us-"}]}, _event(Region="us-east-1"), True),
    ({"Region": [{"prefix": "us-"}]}, _event(Region="eu-west-1"), False),
    (
        {"service": [{"prefix": {"equals-ignore-case": "eventb"}}]},
        _event(service="EventBridge"),
        True,
    ),
    ({"service": [{"prefix": {"equals-ignore-case": "eventb"}}]}, _event(service="Events"), False),
    ({"LastName": [""]}, _event(LastName=""), True),
    ({"LastName": [""]}, _event(LastName="Doe"), False),
    ({"Name": ["Alice"]}, _event(Name="Alice"), True),
    ({"Name": ["Alice"]}, _event(Name="alice"), False),
    ({"Name": [{"equals-ignore-case": "alice"}]}, _event(Name="ALICE"), True),
    ({"Name": [{"equals-ignore-case": "alice"}]}, _event(Name="Alicia"), False),
    ({"FileName": [{"suffix": ".png"}]}, _event(FileName="image.png"), True),
    ({"FileName": [{"suffix": ".png"}]}, _event(FileName="image.PNG"), False),
    (
        {"service": [{"suffix": {"equals-ignore-case": "tBridge"}}]},
        _event(service="EVENTBRIDGE"),
        True,
    ),
    (
        {"service": [{"suffix": {"equals-ignore-case": "tBridge"}}]},
        _event(service="eventbus"),
        False,
    ),
    ({"ProductName": [{"exists": True}]}, _event(ProductName="Widget"), True),
    ({"ProductName": [{"exists": True}]}, _event(Other="Widget"), False),
    ({"ProductName": [{"exists": False}]}, _event(Other="Widget"), True),
    ({"ProductName": [{"exists": False}]}, _event(ProductName="Widget"), False),
    ({"Weather": [{"anything-but": ["Raining"]}]}, _event(Weather="Sunny"), True),
    ({"Weather": [{"anything-but": ["Raining"]}]}, _event(Weather="Raining"), False),
    ({"UserID": [None]}, _event(UserID=None), True),
    ({"UserID": [None]}, _event(UserID="u-1"), False),
    ({"Price": [100]}, _event(Price=100), True),
    ({"Price": [100]}, _event(Price=100.0), True),
    ({"Price": [100]}, _event(Price="100"), False),
    ({"Price": [{"numeric": [">", 10, "<=", 20]}]}, _event(Price=20), True),
    ({"Price": [{"numeric": [">", 10, "<=", 20]}]}, _event(Price=10), False),
    ({"PaymentType": ["Credit", "Debit"]}, _event(PaymentType="Debit"), True),
    ({"PaymentType": ["Credit", "Debit"]}, _event(PaymentType="Cash"), False),
    (
        {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]},
        _event(Location="Paris", Day="Monday"),
        True,
    ),
    (
        {"$or": [{"Location": ["New York"]}, {"Day": ["Monday"]}]},
        _event(Location="Paris", Day="Sunday"),
        False,
    ),
    ({"FilePath": [{"wildcard": "dir/*.png"}]}, _event(FilePath="dir/a/b.png"), True),
    ({"FilePath": [{"wildcard": "dir/*.png"}]}, _event(FilePath="dir/a.jpg"), False),
    ({"FilePath": [{"wildcard": "dir/*.png"}]}, _event(FilePath="other/dir/a.png"), False),
    # Content filtering: prefix, anything-but lists, numeric, cidr, exists (and its subtlety).
    ({"time": [{"prefix": "2017-10-02"}]}, RULER_EVENT, True),
    ({"detail": {"x-limit": [{"anything-but": 123}]}}, RULER_EVENT, True),
    ({"detail": {"state": [{"anything-but": ["stopped", "overloaded"]}]}}, RULER_EVENT, True),
    ({"detail": {"state": [{"anything-but": ["running", "overloaded"]}]}}, RULER_EVENT, False),
    ({"detail": {"x-limit": [{"anything-but": [100, 200, 300]}]}}, RULER_EVENT, True),
    ({"detail": {"c-count": [{"anything-but": [5, 6]}]}}, RULER_EVENT, False),
    ({"detail": {"state": [{"anything-but": {"prefix": "init"}}]}}, RULER_EVENT, True),
    (
        {
            "detail": {
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"numeric": ["=", 3.018e2]}],
            }
        },
        RULER_EVENT,
        True,
    ),
    ({"detail": {"c-count": [{"numeric": [">", 5]}]}}, RULER_EVENT, False),
    ({"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}}, RULER_EVENT, True),
    ({"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}}, RULER_EVENT, False),
    ({"detail": {"c-count": [{"exists": True}]}}, RULER_EVENT, True),
    (
        {"detail": {"c-count": [{"exists": False}]}},
        {"detail": {"state": ["initializing", "running"]}},
        True,
    ),
    # ... and also when c-count is an object: exists looks at leaf nodes only.
    (
        {"detail": {"c-count": [{"exists": False}]}},
        {"detail": {"state": ["initializing", "running"], "c-count": {"c1": 100}}},
        True,
    ),
    (
        {"detail": {"c-count": [{"exists": True}]}},
        {"detail": {"c-count": {"c1": 100}}},
        False,
    ),
    (
        {
            "time": [{"prefix": "2017-10-02"}],
            "detail": {
                "state": [{"anything-but": "initializing"}],
                "c-count": [{"numeric": [">", 0, "<=", 5]}],
                "d-count": [{"numeric": ["<", 10]}],
                "x-limit": [{"anything-but": [100, 200, 300]}],
                "source-ip": [{"cidr": "10.0.0.0/8"}],
            },
        },
        RULER_EVENT,
        True,
    ),
    # aws/event-ruler README, "$or" examples.
    (
        {
            "source": ["aws.cloudwatch"],
            "$or": [
                {"metricName": ["CPUUtilization", "ReadLatency"]},
                {"namespace": ["AWS/EC2", "AWS/ES"]},
            ],
        },
        {"source": "aws.cloudwatch", "namespace": "AWS/ES"},
        True,
    ),
    (
        {
            "source": ["aws.cloudwatch"],
            "$or": [
                {"metricName": ["CPUUtilization"]},
                {"metricType": ["MetricType"], "$or": [{"metricId": [1234]}, {"spaceId": [1000]}]},
            ],
        },
        {"source": "aws.cloudwatch", "metricType": "MetricType", "spaceId": 1000},
        True,
    ),
    (
        {
            "source": ["aws.cloudwatch"],
            "$or": [
                {"metricName": ["CPUUtilization"]},
                {"metricType": ["MetricType"], "$or": [{"metricId": [1234]}, {"spaceId": [1000]}]},
            ],
        },
        {"source": "aws.cloudwatch", "metricType": "Other", "spaceId": 1000},
        False,
    ),
]


@pytest.mark.parametrize(("pattern", "event", "expected"), DOCUMENTED)
def test_documented_examples_match_as_eventbridge_documents(
    pattern: dict[str, Any], event: dict[str, Any], expected: bool
) -> None:
    assert compile_pattern(pattern).matches(event) is expected
    assert compile_pattern(json.dumps(pattern)).matches(event) is expected


EMPLOYEES = {
    "employees": [
        {"firstName": "John", "lastName": "Doe"},
        {"firstName": "Anna", "lastName": "Smith"},
        {"firstName": "Peter", "lastName": "Jones"},
    ]
}


def test_an_object_pattern_matches_one_element_of_an_array_of_objects_whole() -> None:
    # aws/event-ruler README, "JSON Array Matching": Anna matches, Anna Jones does not, since
    # the two fields would come from different elements.
    assert matches({"employees": {"firstName": ["Anna"]}}, EMPLOYEES)
    assert matches({"employees": {"firstName": ["Anna"], "lastName": ["Smith"]}}, EMPLOYEES)
    assert not matches({"employees": {"firstName": ["Anna"], "lastName": ["Jones"]}}, EMPLOYEES)
    nested = {"employees": [[EMPLOYEES["employees"][0]], [EMPLOYEES["employees"][2]]]}
    assert matches({"employees": {"firstName": ["Peter"]}}, nested)


def test_an_object_pattern_over_an_array_needs_a_matching_element_not_absence() -> None:
    pattern = compile_pattern({"a": {"b": [{"exists": False}]}})
    assert not pattern.matches({"a": [{"b": 1}]})  # the only object has b
    assert pattern.matches({"a": [{"b": 1}, {"c": 1}]})  # the second has none
    assert pattern.matches({"a": [1, 2]})  # no objects: b is absent
    assert pattern.matches({"a": []})


def test_or_matches_absence_when_one_branch_does() -> None:
    pattern = compile_pattern({"d": {"$or": [{"a": [{"exists": False}]}, {"b": ["x"]}]}})
    assert pattern.matches({})
    assert pattern.matches({"d": "a scalar"})
    assert not compile_pattern({"d": {"$or": [{"a": ["y"]}, {"b": ["x"]}]}}).matches({})


def test_one_field_may_appear_in_several_branches_of_one_or() -> None:
    pattern = compile_pattern({"$or": [{"a": ["1"]}, {"a": ["2"]}, {"b": ["3"]}]})
    assert pattern.matches({"a": "2"})
    assert not pattern.matches({"a": "3"})


@pytest.mark.parametrize(
    ("value", "exists_true", "exists_false"),
    [
        ("x", True, False),
        (None, True, False),
        (0, True, False),
        ([], False, True),  # an empty array has no leaf
        ([{"a": 1}], False, True),  # an array of objects neither
        (["x"], True, False),
        ({"a": 1}, False, True),  # an object is not a leaf
    ],
)
def test_exists_looks_at_leaves_only(value: Any, exists_true: bool, exists_false: bool) -> None:
    assert matches({"f": [{"exists": True}]}, {"f": value}) is exists_true
    assert matches({"f": [{"exists": False}]}, {"f": value}) is exists_false


def test_exists_false_matches_when_a_parent_is_missing_or_not_an_object() -> None:
    pattern = compile_pattern({"detail": {"c-count": [{"exists": False}]}})
    assert pattern.matches({})
    assert pattern.matches({"detail": "a string"})
    assert not compile_pattern({"detail": {"c-count": [{"exists": True}]}}).matches({})


@pytest.mark.parametrize(
    ("value", "expected"),
    [("x", False), ("y", True), (5, True), (True, True), (None, True), (["x", "y"], True)],
)
def test_anything_but_of_strings_matches_every_other_leaf(value: Any, expected: bool) -> None:
    assert matches({"f": [{"anything-but": "x"}]}, {"f": value}) is expected


def test_anything_but_needs_the_field_to_be_there() -> None:
    assert not matches({"f": [{"anything-but": "x"}]}, {})
    assert matches({"f": [{"anything-but": "x"}, {"exists": False}]}, {})


@pytest.mark.parametrize(
    ("value", "expected"), [(100, False), (100.0, False), (101, True), ("100", True), (True, True)]
)
def test_anything_but_of_numbers_compares_numbers(value: Any, expected: bool) -> None:
    assert matches({"f": [{"anything-but": [100, 200]}]}, {"f": value}) is expected


def test_booleans_are_not_numbers() -> None:
    assert not matches({"f": [1]}, {"f": True})
    assert not matches({"f": [True]}, {"f": 1})
    assert matches({"f": [True]}, {"f": True})
    assert not matches({"f": [{"numeric": [">", 0]}]}, {"f": True})


def test_numeric_matching_stops_at_eventbridges_range() -> None:
    # eb-create-pattern-operators.html: numeric matching is limited to -5.0e9..+5.0e9.
    assert matches({"f": [{"numeric": [">", 0]}]}, {"f": 5e9})
    assert not matches({"f": [{"numeric": [">", 0]}]}, {"f": 5e9 + 1})
    assert not matches({"f": [{"numeric": ["<", 0]}]}, {"f": -math.inf})
    assert not matches({"f": [{"numeric": ["<", 0]}]}, {"f": math.nan})
    assert matches({"f": [123456789012]}, {"f": 123456789012})  # exact values have no limit


@pytest.mark.parametrize(
    ("cidr", "address", "expected"),
    [
        ("10.0.0.0/24", "10.0.0.0", True),
        ("10.0.0.0/24", "10.0.0.255", True),
        ("10.0.0.0/24", "10.0.1.0", False),
        ("10.0.0.0/24", "not an address", False),
        ("2001:db8::/32", "2001:db8:ffff::1", True),
        ("2001:db8::/32", "2001:db9::1", False),
        ("2001:db8::/32", "10.0.0.1", False),
        ("0.0.0.0/0", "255.255.255.255", True),
    ],
)
def test_cidr_matches_ipv4_and_ipv6_ranges(cidr: str, address: str, expected: bool) -> None:
    assert matches({"ip": [{"cidr": cidr}]}, {"ip": address}) is expected
    assert not matches({"ip": [{"cidr": cidr}]}, {"ip": 10})


def test_an_ip_address_value_matches_any_spelling_of_the_address() -> None:
    assert matches({"ip": ["2001:db8::1"]}, {"ip": "2001:0DB8:0:0:0:0:0:1"})
    assert not matches({"ip": ["2001:db8::1"]}, {"ip": "2001:db8::2"})


@pytest.mark.parametrize(
    ("wildcard", "value", "expected"),
    [
        ("*", "", True),
        ("*", "anything", True),
        ("a*b*c", "abc", True),
        ("a*b*c", "aXXbYYc", True),
        ("a*b*c", "aXXbYY", False),
        ("a\\*b", "a*b", True),
        ("a\\*b", "aXb", False),
        ("a\\\\b", "a\\b", True),
        ("line*end", "line\nend", True),
        ("a.c", "abc", False),  # only * is special
    ],
)
def test_wildcard_matches_whole_strings(wildcard: str, value: str, expected: bool) -> None:
    assert matches({"f": [{"wildcard": wildcard}]}, {"f": value}) is expected


def test_a_pattern_holds_its_source_detached_and_its_text() -> None:
    given_pattern = {"source": ["aws.ec2"]}
    pattern = compile_pattern(given_pattern, owner="rule 'ec2'")
    given_pattern["source"].append("aws.s3")
    assert pattern.source == {"source": ["aws.ec2"]}
    assert pattern.text == '{"source":["aws.ec2"]}'
    assert "rule 'ec2'" in repr(pattern)
    assert isinstance(pattern, Pattern)
    assert matches(pattern, {"source": "aws.ec2"})


def test_events_that_are_not_objects_have_no_fields() -> None:
    assert not matches({"f": ["x"]}, None)
    assert matches({"f": [{"exists": False}]}, "just a string")
    assert matches({"f": ["x"]}, [{"f": "y"}, {"f": "x"}])


INVALID = [
    (
        {"detail": {"price": [{"numeric": [">", "ten"]}]}},
        "$.detail.price",
        "numeric needs an operator then a number, got ['>', 'ten']",
    ),
    ({"detail": {"price": [{"numeric": "> 10"}]}}, "$.detail.price", "numeric needs an operator"),
    ({"p": [{"numeric": ["!=", 3]}]}, "$.p", "Unrecognized numeric range operator '!='"),
    ({"p": [{"numeric": ["<", 3, ">", 1]}]}, "$.p", "a range of '>'/'>=' then '<'/'<='"),
    ({"p": [{"numeric": [">", 3, ">", 5]}]}, "$.p", "Bad numeric range operator '>'"),
    ({"p": [{"numeric": [">", 5, "<", 5]}]}, "$.p", "Bottom must be less than top"),
    ({"p": [{"numeric": [">", 1, "<", 5, "x"]}]}, "$.p", "numeric takes one comparison"),
    (
        {"p": [{"numeric": [">", 6e9]}]},
        "$.p",
        "outside EventBridge's numeric range of -5,000,000,000",
    ),
    ({"p": [{"numeric": [">", True]}]}, "$.p", "numeric needs an operator then a number"),
    ({"source": "aws.ec2"}, "$.source", '"source" must be an object or an array'),
    ({"source": 5}, "$.source", "must be an object or an array"),
    ({"source": []}, "$.source", "Empty arrays are not allowed"),
    ({"detail": {}}, "$.detail", "Empty objects are not allowed"),
    ({}, "$", "Empty objects are not allowed"),
    ({"source": [["aws.ec2"]]}, "$.source", "Match value must be String, number, true, false"),
    (
        {"source": [{"prefix": "a", "suffix": "b"}]},
        "$.source",
        "Only one key allowed in match expression",
    ),
    ({"source": [{}]}, "$.source", "exactly one operator"),
    ({"source": [{"regex": "a.*"}]}, "$.source", "Unrecognized match type 'regex'"),
    ({"source": [{"prefix": 5}]}, "$.source", "prefix match pattern must be a string"),
    ({"source": [{"suffix": None}]}, "$.source", "suffix match pattern must be a string"),
    ({"source": [{"prefix": {"anything": "x"}}]}, "$.source", "Unsupported prefix pattern"),
    (
        {"source": [{"equals-ignore-case": ["a"]}]},
        "$.source",
        "equals-ignore-case match pattern must be a string",
    ),
    (
        {"source": [{"exists": "yes"}]},
        "$.source",
        "exists match pattern must be either true or false",
    ),
    (
        {"source": [{"wildcard": "a**b"}]},
        "$.source",
        "consecutive wildcard characters at position 1",
    ),
    ({"source": [{"wildcard": "a\\b"}]}, "$.source", "invalid escape at position 1"),
    ({"source": [{"wildcard": 7}]}, "$.source", "wildcard match pattern must be a string"),
    ({"s": [{"anything-but": [1, "a"]}]}, "$.s", "a list of only strings or only numbers"),
    ({"s": [{"anything-but": [None]}]}, "$.s", "a list of only strings or only numbers"),
    ({"s": [{"anything-but": True}]}, "$.s", "anything-but takes a string, a number"),
    ({"s": [{"anything-but": []}]}, "$.s", "anything-but's list is empty"),
    ({"s": [{"anything-but": [6e9]}]}, "$.s", "outside EventBridge's numeric range"),
    ({"s": [{"anything-but": {"numeric": [">", 1]}}]}, "$.s", "Unsupported anything-but pattern"),
    ({"s": [{"anything-but": {"prefix": ""}}]}, "$.s", "Null prefix/suffix not allowed"),
    ({"s": [{"anything-but": {"suffix": 5}}]}, "$.s", "anything-but suffix takes a string"),
    ({"s": [{"anything-but": {"wildcard": "**"}}]}, "$.s", "consecutive wildcard characters"),
    ({"ip": [{"cidr": "10.0.0.0"}]}, "$.ip", "one '/' required"),
    ({"ip": [{"cidr": "10.0.0.0/x"}]}, "$.ip", "mask bits must be an integer"),
    ({"ip": [{"cidr": "10.0.0.0/-1"}]}, "$.ip", "mask bits must be from 0 to 31"),
    ({"ip": [{"cidr": "10.0.0.1/32"}]}, "$.ip", "list '10.0.0.1' itself"),
    ({"ip": [{"cidr": "2001:db8::/128"}]}, "$.ip", "IPv6 mask bits must be from 0 to 127"),
    ({"ip": [{"cidr": "example.com/8"}]}, "$.ip", "is not an IPv4 or IPv6 address"),
    ({"ip": [{"cidr": 10}]}, "$.ip", "cidr takes a string"),
    ({"$or": {"a": ["x"]}}, "$.$or", "$or takes a list of at least 2 objects"),
    ({"$or": [{"a": ["x"]}]}, "$.$or", "at least 2 objects"),
    ({"$or": [{"a": ["x"]}, "b"]}, "$.$or", "Only JSON object is allowed in array of $or"),
    ({"$or": [{"numeric": [1]}, {"prefix": ["abc"]}]}, "$.$or[0].numeric", "operator name"),
    ({"$or": [{"a": {"exists": [True]}}, {"b": ["x"]}]}, "$.$or[0].a.exists", "operator name"),
    ({"a": ["x"], "$or": [{"a": ["y"]}, {"b": ["z"]}]}, "$.$or[0].a", "also matched at $.a"),
    (
        {"x": {"$or": [{"a": ["1"]}, {"b": ["2"]}]}, "$or": [{"x": {"a": ["3"]}}, {"y": ["4"]}]},
        "$.$or[0].x.a",
        "also matched at $.x.$or[0].a",
    ),
    ({"odd key": "x"}, '$["odd key"]', "must be an object or an array"),
]


@pytest.mark.parametrize(("pattern", "path", "message"), INVALID)
def test_invalid_patterns_are_refused_with_the_place_and_the_reason(
    pattern: dict[str, Any], path: str, message: str
) -> None:
    with pytest.raises(InvalidPattern) as raised:
        compile_pattern(pattern, owner="rule 'r1'")
    assert raised.value.path == path
    assert message in raised.value.reason
    assert str(raised.value).startswith(f"rule 'r1': at {path}: ")


def _json_recurses() -> bool:
    """Whether json.loads gives up on deep nesting (it does not on newer Pythons)."""
    try:
        json.loads("[" * 5000 + "]" * 5000)
    except RecursionError:
        return True
    return False


_JSON_RECURSES = _json_recurses()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": ["x"], "a": ["y"]}', "key 'a' appears twice"),
        ('{"a": [NaN]}', "NaN is not a JSON number"),
        ('{"a": ["x"]', "is not valid JSON"),
        ('["x"]', "must be a JSON object, got ['x'] (Filter is not an object)"),
        ("[" * 5000 + "]" * 5000, "nested too deeply" if _JSON_RECURSES else "a JSON object"),
    ],
)
def test_pattern_text_must_be_one_json_object(text: str, message: str) -> None:
    with pytest.raises(InvalidPattern, match=r"^pattern: ") as raised:
        compile_pattern(text)
    assert message in str(raised.value)
    assert raised.value.path is None


def test_patterns_that_are_not_json_data_are_refused() -> None:
    with pytest.raises(InvalidPattern, match="is not JSON data"):
        compile_pattern({"a": [{1, 2}]})
    with pytest.raises(InvalidPattern, match="is not JSON data"):
        compile_pattern({"a": [math.nan]})
    with pytest.raises(InvalidPattern, match="must be a JSON object"):
        compile_pattern(42)  # type: ignore[arg-type]


def test_patterns_nest_at_most_a_hundred_objects_deep() -> None:
    pattern: dict[str, Any] = {"leaf": ["x"]}
    event: dict[str, Any] = {"leaf": "x"}
    for _ in range(99):
        pattern, event = {"a": pattern}, {"a": event}
    assert compile_pattern(pattern).matches(event)
    with pytest.raises(InvalidPattern, match="nest more than 100 deep"):
        compile_pattern({"a": pattern})


def test_pattern_size_is_limited_to_the_quota() -> None:
    values = [f"value-{index:04d}" for index in range(200)]  # about 2,600 characters
    with pytest.raises(
        InvalidPattern,
        match=r"is 2,\d{3} characters, over EventBridge's event pattern limit of 2,048",
    ):
        compile_pattern({"source": values})
    assert compile_pattern({"source": values}, max_length=4096).matches({"source": "value-0199"})
    assert MAX_PATTERN_LENGTH == 2048
    with pytest.raises(ValueError, match="max_length=5000 is outside"):
        compile_pattern({"source": ["x"]}, max_length=5000)


def test_matches_compiles_pattern_text_once() -> None:
    text = '{"source": ["aws.ec2"]}'
    assert matches(text, {"source": "aws.ec2"})
    assert not matches(text, {"source": "aws.s3"})
    from faaslib.patterns import _compile_text

    assert _compile_text.cache_info().hits >= 1


def test_a_bus_of_twenty_rules_picks_the_right_ones() -> None:
    """The shape of the matches/second benchmark, checked for correctness only."""
    rules: dict[str, Pattern] = {}
    for index in range(4):
        rules[f"exact-{index}"] = compile_pattern(
            {"source": [f"aws.s{index}", "aws.ec2"], "detail": {"state": ["terminated"]}}
        )
        rules[f"numeric-{index}"] = compile_pattern(
            {"source": [{"prefix": "aws."}], "detail": {"c-count": [{"numeric": [">", index * 2]}]}}
        )
        rules[f"anything-but-{index}"] = compile_pattern(
            {
                "detail": {
                    "state": [{"anything-but": ["pending", f"s{index}"]}],
                    "ip": [{"cidr": "10.0.0.0/24"}],
                }
            }
        )
        rules[f"or-{index}"] = compile_pattern(
            {
                "resources": [{"wildcard": f"arn:aws:ec2:*:instance/i-{index}*"}],
                "$or": [{"region": ["us-east-1"]}, {"account": ["123456789012"]}],
            }
        )
        rules[f"other-{index}"] = compile_pattern(
            {"source": ["aws.s3"], "detail": {"bucket": {"name": [f"b{index}"]}}}
        )
    event = {
        "source": "aws.ec2",
        "account": "123456789012",
        "region": "us-west-1",
        "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234"],
        "detail": {"state": "terminated", "c-count": 5, "ip": "10.0.0.9"},
    }
    matched = {name for name, rule in rules.items() if rule.matches(event)}
    assert matched == {
        "exact-0",
        "exact-1",
        "exact-2",
        "exact-3",
        "numeric-0",
        "numeric-1",
        "numeric-2",
        "anything-but-0",
        "anything-but-1",
        "anything-but-2",
        "anything-but-3",
        "or-1",
    }
    for _ in range(200):  # the same answers however often the rules run
        assert {name for name, rule in rules.items() if rule.matches(event)} == matched


# Properties.

_keys = st.text(alphabet="abcdef-_", min_size=1, max_size=4)
_scalars = st.one_of(
    st.text(max_size=8),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.none(),
)
_events = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(_keys, children, max_size=3)
    ),
    max_leaves=12,
).filter(lambda value: isinstance(value, dict))


def _pattern_from(event: Any, data: st.DataObject) -> dict[str, Any] | None:
    """A pattern of exact values taken from some of the event's leaves, or None if none."""
    pattern: dict[str, Any] = {}
    for key, value in event.items():
        if not data.draw(st.booleans()):
            continue
        if isinstance(value, dict):
            if (sub := _pattern_from(value, data)) is not None:
                pattern[key] = sub
        elif isinstance(value, list):
            objects = [item for item in value if isinstance(item, dict)]
            scalars = [item for item in value if not isinstance(item, (dict, list))]
            if objects and data.draw(st.booleans()):
                if (sub := _pattern_from(data.draw(st.sampled_from(objects)), data)) is not None:
                    pattern[key] = sub
            elif scalars:
                pattern[key] = [data.draw(st.sampled_from(scalars))]
        else:
            pattern[key] = [value]
    return pattern or None


@settings(max_examples=150, deadline=None)
@given(event=_events, data=st.data())
def test_a_pattern_of_an_events_own_values_always_matches_it(
    event: dict[str, Any], data: st.DataObject
) -> None:
    pattern = _pattern_from(event, data)
    if pattern is not None:
        assert compile_pattern(pattern, max_length=4096).matches(event)


_strings_or_numbers = st.one_of(
    st.text(max_size=10), st.integers(-(10**9), 10**9), st.floats(-5e9, 5e9, allow_nan=False)
)


@given(value=_strings_or_numbers, others=st.lists(_strings_or_numbers, max_size=3))
def test_anything_but_a_value_never_matches_it(value: Any, others: list[Any]) -> None:
    same_kind = [other for other in others if isinstance(other, str) == isinstance(value, str)]
    assert not matches({"f": [{"anything-but": value}]}, {"f": value})
    assert not matches({"f": [{"anything-but": [value, *same_kind]}]}, {"f": value})


@given(text=st.text(min_size=1, max_size=20), cut=st.integers(0, 20))
def test_a_prefix_or_suffix_of_a_string_matches_it(text: str, cut: int) -> None:
    assert matches({"f": [{"prefix": text[:cut]}]}, {"f": text})
    assert matches({"f": [{"suffix": text[cut:]}]}, {"f": text})
    if text[:cut]:
        assert not matches({"f": [{"anything-but": {"prefix": text[:cut]}}]}, {"f": text})


@given(text=st.text(alphabet="abcXYZ019 -", min_size=1, max_size=20), cut=st.integers(0, 20))
def test_case_insensitive_operators_ignore_ascii_case(text: str, cut: int) -> None:
    shouted = text.swapcase()
    assert matches({"f": [{"equals-ignore-case": text}]}, {"f": shouted})
    assert matches({"f": [{"prefix": {"equals-ignore-case": text[:cut]}}]}, {"f": shouted})
    assert matches({"f": [{"suffix": {"equals-ignore-case": text[cut:]}}]}, {"f": shouted})


@given(text=st.text(max_size=20))
def test_an_escaped_string_is_a_wildcard_matching_only_itself(text: str) -> None:
    escaped = text.replace("\\", "\\\\").replace("*", "\\*")
    assert matches({"f": [{"wildcard": escaped}]}, {"f": text})
    assert not matches({"f": [{"wildcard": escaped}]}, {"f": text + "x"})


_bounds = st.floats(-5e9, 5e9, allow_nan=False)


@given(value=st.one_of(_bounds, st.integers(-5 * 10**9, 5 * 10**9)), bottom=_bounds, top=_bounds)
def test_numeric_comparisons_agree_with_python(value: float, bottom: float, top: float) -> None:
    event = {"n": value}
    assert matches({"n": [{"numeric": ["=", bottom]}]}, event) is (value == bottom)
    assert matches({"n": [{"numeric": [">", bottom]}]}, event) is (value > bottom)
    assert matches({"n": [{"numeric": [">=", bottom]}]}, event) is (value >= bottom)
    assert matches({"n": [{"numeric": ["<", top]}]}, event) is (value < top)
    assert matches({"n": [{"numeric": ["<=", top]}]}, event) is (value <= top)
    if bottom < top:
        for low, high in ((">", "<"), (">", "<="), (">=", "<"), (">=", "<=")):
            expected = (value > bottom if low == ">" else value >= bottom) and (
                value < top if high == "<" else value <= top
            )
            assert matches({"n": [{"numeric": [low, bottom, high, top]}]}, event) is expected


_small_values = st.sampled_from(["x", "y", 1, 2, None, True])
_small_events = st.dictionaries(
    st.sampled_from(["a", "b", "c"]),
    st.one_of(_small_values, st.lists(_small_values, max_size=2)),
    max_size=3,
)
_alternatives = st.one_of(
    _small_values,
    st.sampled_from(
        [
            {"exists": True},
            {"exists": False},
            {"anything-but": "x"},
            {"prefix": "x"},
            {"numeric": [">", 1]},
        ]
    ),
)
_branches = st.dictionaries(
    st.sampled_from(["a", "b", "c"]),
    st.lists(_alternatives, min_size=1, max_size=2),
    min_size=1,
    max_size=2,
)


@given(branches=st.lists(_branches, min_size=2, max_size=3), event=_small_events)
def test_or_is_the_or_of_its_branches(
    branches: list[dict[str, Any]], event: dict[str, Any]
) -> None:
    either = compile_pattern({"$or": branches}).matches(event)
    assert either is any(compile_pattern(branch).matches(event) for branch in branches)
    nested = compile_pattern({"d": {"$or": branches}}).matches({"d": event})
    assert nested is either
