"""Intrinsic functions evaluate as CloudFormation documents them; malformed ones name the path.

The examples are CloudFormation's own (its documentation of each function); the properties
build random expressions together with the value CloudFormation's rules give them.
"""

from __future__ import annotations

import base64
import re
import textwrap
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib.templates.errors import TemplateError
from faaslib.templates.intrinsics import Scope
from faaslib.templates.loading import parse_template

REGION = "eu-west-1"
ACCOUNT = "123456789012"


class QueueStack:
    """The Stack seam for the tests' SQS queues, answering as CloudFormation documents for
    AWS::SQS::Queue: Ref is the URL; Arn, QueueName and QueueUrl are attributes."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, ...]] = []

    def ref(self, logical_id: str, path: str) -> Any:
        self.asked.append(("Ref", logical_id, path))
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{logical_id}"

    def get_att(self, logical_id: str, attribute: str, path: str) -> Any:
        self.asked.append(("GetAtt", logical_id, attribute, path))
        values = {
            "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{logical_id}",
            "QueueName": logical_id,
            "QueueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{logical_id}",
        }
        if attribute not in values:
            raise TemplateError(path, f"AWS::SQS::Queue {logical_id} has no attribute {attribute}")
        return values[attribute]


BASE = """
Parameters:
  Stage: {Type: String, Default: prod, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 5}
  Csv: {Type: CommaDelimitedList, Default: "a,b,c"}
  Attribute: {Type: String, Default: Arn}
Mappings:
  RegionMap:
    eu-west-1: {HVM64: ami-0a, Zones: [a, b]}
    us-east-1: {HVM64: ami-0b}
  Years:
    5: {yes: five-yes}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsDev: !Not [!Condition IsProd]
  IsBig: !Equals [!Ref Size, 5]
  ProdAndBig: !And [!Condition IsProd, !Condition IsBig]
  DevOrBig: !Or [!Condition IsDev, !Condition IsBig]
  InEurope: !Equals [!Select [0, !Split ["-", !Ref "AWS::Region"]], eu]
Resources:
  Queue: {Type: AWS::SQS::Queue}
  DevQueue: {Type: AWS::SQS::Queue, Condition: IsDev}
"""


def scope_of(text: str = BASE, parameters: dict[str, str] | None = None, **options: Any) -> Scope:
    stack = options.pop("stack", QueueStack())
    return Scope(
        parse_template(text),
        stack=stack,
        parameters=parameters or {},
        stack_name=options.pop("stack_name", "orders"),
        region=options.pop("region", REGION),
        account_id=ACCOUNT,
        **options,
    )


def evaluate(expression_yaml: str, scope: Scope | None = None) -> Any:
    value = parse_template(f"Value: {expression_yaml}")["Value"]
    return (scope or scope_of()).evaluate(value, "Outputs.X.Value")


DOCUMENTED = [
    # Fn::Join
    ("!Join [':', [a, b, c]]", "a:b:c"),
    (
        "!Join ['', ['arn:', !Ref AWS::Partition, ':s3:::elasticbeanstalk-*-', "
        "!Ref AWS::AccountId]]",
        "arn:aws:s3:::elasticbeanstalk-*-123456789012",
    ),
    ("!Join [',', !Ref Csv]", "a,b,c"),
    ("!Join ['', []]", ""),
    # Fn::Select: the index may be text
    ("!Select ['1', [apples, grapes, oranges, mangoes]]", "grapes"),
    ("!Select [2, !Ref Csv]", "c"),
    ("!Select [0, !GetAZs '']", "eu-west-1a"),
    # Fn::Split
    ("!Split ['|', 'a|b|c']", ["a", "b", "c"]),
    ("!Split ['|', 'a||c|']", ["a", "", "c", ""]),
    ("!Select [2, !Split [',', !ImportValue Subnets]]", "subnet-c"),
    # Fn::Sub
    (
        "!Sub ['arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc/${vpc}', "
        "{vpc: vpc-1}]",
        "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-1",
    ),
    ("!Sub '${AWS::StackName}-${Stage}'", "orders-prod"),
    ("!Sub '${!Literal}-${Stage}'", "${Literal}-prod"),
    ("!Sub '${ Stage }'", "prod"),
    ("!Sub '${Queue}'", f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/Queue"),
    ("!Sub '${Queue.Arn}'", f"arn:aws:sqs:{REGION}:{ACCOUNT}:Queue"),
    ("!Sub ['${Stage}', {Stage: overridden}]", "overridden"),
    ("!Sub ['${Queue.Arn}', {Queue.Arn: mine}]", "mine"),
    ("!Sub 'no variables, a $ and a { }'", "no variables, a $ and a { }"),
    ("!Sub ['${N}', {N: 5}]", "5"),
    # Fn::GetAtt: list, dotted text, attribute from a parameter
    ("!GetAtt Queue.QueueName", "Queue"),
    ({"Fn::GetAtt": "Queue.QueueName"}, "Queue"),
    ("!GetAtt [Queue, !Ref Attribute]", f"arn:aws:sqs:{REGION}:{ACCOUNT}:Queue"),
    # Ref
    ("!Ref Queue", f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/Queue"),
    ("!Ref Size", "5"),
    ("!Ref Csv", ["a", "b", "c"]),
    # Fn::FindInMap, with and without DefaultValue
    ("!FindInMap [RegionMap, !Ref 'AWS::Region', HVM64]", "ami-0a"),
    ("!FindInMap [RegionMap, !Ref 'AWS::Region', Zones]", ["a", "b"]),
    ("!FindInMap [RegionMap, ap-south-1, HVM64, {DefaultValue: ami-0c}]", "ami-0c"),
    ("!FindInMap [RegionMap, us-east-1, Nope, {DefaultValue: !Ref Stage}]", "prod"),
    # Mapping keys are text to CloudFormation, whatever YAML made of them.
    ("!FindInMap [Years, !Ref Size, true]", "five-yes"),
    # Fn::Base64, Fn::Cidr, Fn::GetAZs
    ("!Base64 AWS CloudFormation", "QVdTIENsb3VkRm9ybWF0aW9u"),
    (
        "!Cidr ['192.168.0.0/24', 6, 5]",
        [f"192.168.0.{start}/27" for start in (0, 32, 64, 96, 128, 160)],
    ),
    ("!Cidr ['10.0.0.0/16', '2', '8']", ["10.0.0.0/24", "10.0.1.0/24"]),
    ("!Cidr ['2001:db8::/56', 2, 64]", ["2001:db8::/64", "2001:db8:0:1::/64"]),
    ("!GetAZs us-east-1", ["us-east-1a", "us-east-1b", "us-east-1c"]),
    ({"Fn::GetAZs": {"Ref": "AWS::Region"}}, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]),
    # AWS::LanguageExtensions: Fn::Length, Fn::ToJsonString
    ("!Length [1, 2, 3]", 3),
    ({"Fn::Length": {"Ref": "Csv"}}, 3),
    ("!ToJsonString {key1: value1, list: [!Ref Stage, 5]}", '{"key1":"value1","list":["prod",5]}'),
    # Fn::If and AWS::NoValue
    ("!If [IsProd, big, small]", "big"),
    (
        "!If [IsDev, !Ref DevQueue, !Ref Queue]",
        f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/Queue",
    ),
    ("!If [IsDev, !Ref NotAnything, kept]", "kept"),  # the branch not taken is not evaluated
    ("{A: 1, B: !If [IsDev, 2, !Ref AWS::NoValue]}", {"A": 1}),
    ("[a, !If [IsProd, !Ref AWS::NoValue, b], c]", ["a", "c"]),
    ("!Join ['-', [a, !Ref AWS::NoValue, b]]", "a-b"),
    ("!Ref AWS::NoValue", None),
    # Fn::ImportValue: from imports, else from a parameter value the template does not declare
    ("!ImportValue shared-vpc", "vpc-shared"),
    ({"Fn::ImportValue": {"Fn::Sub": "${Stage}-table"}}, "prod-orders"),
    ("!ImportValue FromOverrides", "yes"),
    # Structures are evaluated throughout; plain values pass through.
    (
        "{Nested: [{Q: !GetAtt Queue.Arn}], N: 5, B: true}",
        {"Nested": [{"Q": f"arn:aws:sqs:{REGION}:{ACCOUNT}:Queue"}], "N": 5, "B": True},
    ),
]


@pytest.mark.parametrize(
    ("expression", "expected"), DOCUMENTED, ids=[str(e) for e, _ in DOCUMENTED]
)
def test_intrinsics_evaluate_as_cloudformation_documents(expression: Any, expected: Any) -> None:
    scope = scope_of(
        parameters={"FromOverrides": "yes"},
        imports={
            "shared-vpc": "vpc-shared",
            "prod-table": "prod-orders",
            "Subnets": "subnet-a,subnet-b,subnet-c",
        },
    )
    if isinstance(expression, str):
        assert evaluate(expression, scope) == expected
    else:
        assert scope.evaluate(expression, "Outputs.X.Value") == expected


@pytest.mark.parametrize(
    ("partition", "name", "expected"),
    [
        ("aws", "AWS::Region", REGION),
        ("aws", "AWS::AccountId", ACCOUNT),
        ("aws", "AWS::StackName", "orders"),
        ("aws", "AWS::Partition", "aws"),
        ("aws", "AWS::URLSuffix", "amazonaws.com"),
        ("aws-cn", "AWS::URLSuffix", "amazonaws.com.cn"),
        ("aws", "AWS::NotificationARNs", []),
    ],
)
def test_pseudo_parameters(partition: str, name: str, expected: Any) -> None:
    assert evaluate(f"!Ref {name}", scope_of(partition=partition)) == expected


def test_the_stack_id_is_a_stack_arn_stable_per_stack() -> None:
    first = evaluate("!Ref AWS::StackId")
    assert first.startswith(f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/orders/")
    assert len(first.rsplit("/", 1)[1]) == 36  # a UUID, as CloudFormation's
    assert evaluate("!Ref AWS::StackId") == first
    assert evaluate("!Ref AWS::StackId", scope_of(stack_name="other")) != first


def test_conditions_follow_their_truth_tables() -> None:
    scope = scope_of()
    expected = {
        "IsProd": True,
        "IsDev": False,
        "IsBig": True,
        "ProdAndBig": True,
        "DevOrBig": True,
        "InEurope": True,
    }
    assert {name: scope.condition(name, "t") for name in expected} == expected
    dev = scope_of(parameters={"Stage": "dev", "Size": "6"}, region="us-east-1")
    assert [dev.condition(name, "t") for name in expected] == [
        False,
        True,
        False,
        False,
        True,
        False,
    ]


def test_a_resource_left_out_by_its_condition_is_not_created_nor_referable() -> None:
    scope = scope_of()
    assert scope.is_created("Queue")
    assert not scope.is_created("DevQueue")
    assert not scope.is_created("NotAResource")
    with pytest.raises(TemplateError, match="Ref names DevQueue, which condition IsDev leaves out"):
        scope.evaluate({"Ref": "DevQueue"}, "Outputs.X.Value")
    assert scope_of(parameters={"Stage": "dev"}).is_created("DevQueue")


def test_the_stack_answers_for_resources_with_the_expressions_path() -> None:
    stack = QueueStack()
    scope = scope_of(stack=stack)
    scope.evaluate(
        {"A": [{"Fn::GetAtt": ["Queue", "Arn"]}], "B": {"Ref": "Queue"}}, "Resources.F.Properties"
    )
    assert stack.asked == [
        ("GetAtt", "Queue", "Arn", "Resources.F.Properties.A[0].Fn::GetAtt"),
        ("Ref", "Queue", "Resources.F.Properties.B.Ref"),
    ]


def _with_conditions(conditions: str) -> str:
    return (
        "Parameters:\n  P: {Type: String, Default: x}\n"
        f"Conditions:\n{conditions}\n"
        "Resources:\n  Q: {Type: AWS::SQS::Queue}\n"
    )


@pytest.mark.parametrize(
    ("conditions", "path", "fragment"),
    [
        (
            "  A: !Condition B\n  B: !Condition A\n",
            "Conditions.A",
            "conditions refer in a circle: A -> B -> A",
        ),
        ("  A: !Condition Missing\n", "Conditions.A.Condition", "no condition named 'Missing'"),
        ("  A: !Equals [!Ref Q, x]\n", "Conditions.A", "a condition cannot use Ref of a resource"),
        ("  A: !Equals [x]\n", "Conditions.A", "Fn::Equals takes a list of 2 items"),
        ("  A: !And [!Condition A]\n", "Conditions.A", "Fn::And takes a list of 2 to 10 items"),
        (
            "  A: !Not [!Equals [a, a], !Equals [a, a]]\n",
            "Conditions.A",
            "Fn::Not takes a list of 1",
        ),
        ("  A: !Sub x\n", "Conditions.A", "Fn::Sub is not a condition function"),
        ("  A: x\n", "Conditions.A", "a condition must be one of Fn::Equals"),
        ("  A: !Equals [{a: 1}, x]\n", "Conditions.A", "Fn::Equals compares text or lists"),
    ],
)
def test_broken_conditions_fail_the_load_naming_the_condition(
    conditions: str, path: str, fragment: str
) -> None:
    with pytest.raises(TemplateError) as raised:
        scope_of(_with_conditions(conditions))
    assert raised.value.path == path
    assert fragment in str(raised.value)


MALFORMED = [
    ("!Ref Missing", "Ref names 'Missing': no parameter, pseudo parameter or resource"),
    ("!Ref [Queue]", "Ref names ['Queue']"),
    ("!GetAtt Missing.Arn", "Fn::GetAtt names 'Missing', which is not a resource"),
    ("!GetAtt Queue.Nope", "AWS::SQS::Queue Queue has no attribute Nope"),
    ({"Fn::GetAtt": ["Queue"]}, "Fn::GetAtt takes [LogicalId, Attribute]"),
    ("!Sub '${Missing}'", "${Missing}: Ref names 'Missing'"),
    ("!Sub '${Csv}'", "Fn::Sub's ${Csv} needs text here, not ['a', 'b', 'c']"),
    ("!Sub [x, y, z]", "Fn::Sub takes a string or [string, {variables}]"),
    ("!Sub [x, [y]]", "Fn::Sub's variables must be a mapping"),
    ("!Join [',']", "Fn::Join takes a list of 2 items"),
    ("!Join [',', a]", "Fn::Join takes a list, not 'a'"),
    ("!Join [',', [[a]]]", "Fn::Join needs text here, not ['a']"),
    ("!Select [3, [a, b]]", "Fn::Select's index '3' is not within the list's 2 items"),
    ("!Select [-1, [a, b]]", "Fn::Select's index '-1' is not within"),
    ("!Select [x, [a, b]]", "Fn::Select's index 'x'"),
    ("!Split ['', abc]", "Fn::Split's delimiter is empty"),
    ("!Split [',', [a]]", "Fn::Split's source needs text here"),
    ("!If [Missing, a, b]", "no condition named 'Missing'"),
    ("!If [IsProd, a]", "Fn::If takes a list of 3 items"),
    ("!FindInMap [RegionMap, Nowhere, HVM64]", "Mappings.RegionMap has no key 'Nowhere'"),
    ("!FindInMap [Nope, a, b]", "Mappings has no key 'Nope'"),
    (
        "!FindInMap [RegionMap, eu-west-1]",
        "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]",
    ),
    ("!ImportValue nobody-exports-this", "give its value as imports={'nobody-exports-this': ...}"),
    ("!Base64 [a]", "Fn::Base64 needs text here"),
    ("!Cidr ['10.0.0.0/24', 2, 9]", "Fn::Cidr [10.0.0.0/24, 2, 9]"),
    ("!Cidr ['10.0.0.0/24', 300, 2]", "Fn::Cidr [10.0.0.0/24, 300, 2]"),
    ("!Cidr ['not-an-ip', 1, 2]", "Fn::Cidr [not-an-ip, 1, 2]"),
    ("!Length abc", "Fn::Length takes a list"),
    ("!ToJsonString abc", "Fn::ToJsonString takes a mapping or a list"),
    ("!Equals [a, a]", "Fn::Equals belongs in the Conditions section"),
    (
        "!Transform {Name: AWS::Include}",
        "Fn::Transform is not an intrinsic function faaslib evaluates",
    ),
]


@pytest.mark.parametrize(("expression", "fragment"), MALFORMED, ids=[str(e) for e, _ in MALFORMED])
def test_malformed_intrinsics_name_the_property_path(expression: Any, fragment: str) -> None:
    value = parse_template(f"V: {expression}")["V"] if isinstance(expression, str) else expression
    properties = {"RedrivePolicy": {"deadLetterTargetArn": value}}
    with pytest.raises(TemplateError) as raised:
        scope_of().evaluate(properties, "Resources.OrderQueue.Properties")
    assert raised.value.path == "Resources.OrderQueue.Properties.RedrivePolicy.deadLetterTargetArn"
    assert fragment in str(raised.value)
    assert str(raised.value).startswith(raised.value.path + ": ")


def test_a_nested_error_says_where_in_the_expression() -> None:
    expression = parse_template("V: !Join [',', [a, !Select [5, !Ref Csv]]]")["V"]
    with pytest.raises(TemplateError) as raised:
        scope_of().evaluate({"Tags": [expression]}, "Resources.F.Properties")
    assert raised.value.path == "Resources.F.Properties.Tags[0]"
    assert str(raised.value).endswith("(at Fn::Join[1][1].Fn::Select[0])")


@pytest.mark.parametrize(
    ("text", "path", "fragment"),
    [
        ("Parameters: {}\n", "Resources", "a template needs a Resources mapping"),
        (
            "Parameters: {Queue: {Type: String, Default: x}}\nResources: {Queue: {Type: T}}\n",
            "Parameters.Queue",
            "'Queue' names both a parameter and a resource",
        ),
        ("Mappings: [a]\nResources: {Q: {Type: T}}\n", "Mappings", "Mappings must be a mapping"),
        (
            "Conditions: [a]\nResources: {Q: {Type: T}}\n",
            "Conditions",
            "Conditions must be a mapping",
        ),
    ],
)
def test_broken_template_sections_fail_the_scope(text: str, path: str, fragment: str) -> None:
    with pytest.raises(TemplateError) as raised:
        scope_of(text)
    assert raised.value.path == path
    assert fragment in str(raised.value)


def test_evaluate_leaves_the_template_untouched_and_returns_fresh_values() -> None:
    scope = scope_of()
    template_before = parse_template(BASE)
    listed = scope.evaluate({"Ref": "Csv"}, "p")
    listed.append("mutated")
    mapped = scope.evaluate({"Fn::FindInMap": ["RegionMap", REGION, "Zones"]}, "p")
    mapped.append("mutated")
    assert scope.evaluate({"Ref": "Csv"}, "p") == ["a", "b", "c"]
    assert scope.evaluate({"Fn::FindInMap": ["RegionMap", REGION, "Zones"]}, "p") == ["a", "b"]
    assert scope.template == template_before


# Properties: random expressions, built together with the value CloudFormation's documented rules
# give them (Join joins with the delimiter, Sub substitutes each ${Name}, Select picks the index,
# Split cuts at every delimiter, If takes the branch of its condition, Base64 encodes UTF-8).

PARAMETERS = {"Stage": "prod", "Size": "5"}
TRUTHS = {"IsProd": True, "IsDev": False, "IsBig": True, "ProdAndBig": True, "DevOrBig": True}
PSEUDO = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::StackName": "orders"}

_LITERAL = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="$"), max_size=8)
_DELIMITER = st.sampled_from([",", "-", "|", ":", "::", " "])


def _apply(function: Any, *strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # st.builds would describe each call with the drawn (large, nested) arguments; a map does not.
    return st.tuples(*strategies).map(lambda arguments: function(*arguments))


def _build_text_expressions() -> st.SearchStrategy[tuple[Any, str]]:
    leaves = st.one_of(
        _LITERAL.map(lambda text: (text, text)),
        st.sampled_from(sorted(PARAMETERS)).map(lambda name: ({"Ref": name}, PARAMETERS[name])),
        st.sampled_from(sorted(PSEUDO)).map(lambda name: ({"Ref": name}, PSEUDO[name])),
        st.just(({"Fn::GetAtt": ["Queue", "QueueName"]}, "Queue")),
        st.just(({"Fn::FindInMap": ["RegionMap", {"Ref": "AWS::Region"}, "HVM64"]}, "ami-0a")),
    )

    def extend(texts: st.SearchStrategy[tuple[Any, str]]) -> st.SearchStrategy[tuple[Any, str]]:
        lists = _list_expressions(texts)
        return st.one_of(
            _apply(
                lambda d, items: ({"Fn::Join": [d, items[0]]}, d.join(items[1])),
                _DELIMITER,
                lists,
            ),
            _apply(_select, _list_expressions(texts, min_size=1), st.data()),
            _apply(
                lambda name, a, b: ({"Fn::If": [name, a[0], b[0]]}, a[1] if TRUTHS[name] else b[1]),
                st.sampled_from(sorted(TRUTHS)),
                texts,
                texts,
            ),
            _apply(
                _sub,
                st.lists(
                    st.one_of(
                        _LITERAL.map(lambda t: ("literal", t)),
                        texts.map(lambda e: ("variable", e)),
                        st.sampled_from(sorted(PARAMETERS | PSEUDO)).map(lambda n: ("name", n)),
                        _LITERAL.map(lambda t: ("escaped", t.replace("}", ""))),
                    ),
                    max_size=5,
                ),
            ),
            _apply(
                lambda e: ({"Fn::Base64": e[0]}, base64.b64encode(e[1].encode()).decode()), texts
            ),
            _apply(_select_split, _DELIMITER, st.lists(texts, min_size=1, max_size=4), st.data()),
        )

    return st.recursive(leaves, extend, max_leaves=10)


def _list_expressions(
    texts: st.SearchStrategy[tuple[Any, str]], *, min_size: int = 0
) -> st.SearchStrategy[tuple[Any, list[str]]]:
    """List-valued expressions with their values: literal lists, Fn::Split, a list parameter,
    Fn::GetAZs, and Fn::If between two of them."""
    literal = st.lists(texts, min_size=min_size, max_size=4).map(
        lambda items: ([e for e, _ in items], [v for _, v in items])
    )
    simple = st.one_of(
        literal,
        _apply(lambda d, text: ({"Fn::Split": [d, text[0]]}, text[1].split(d)), _DELIMITER, texts),
        st.just(({"Ref": "Csv"}, ["a", "b", "c"])),
        st.just(({"Fn::GetAZs": ""}, [f"{REGION}{zone}" for zone in "abc"])),
    )
    return st.one_of(
        simple,
        _apply(
            lambda name, a, b: ({"Fn::If": [name, a[0], b[0]]}, a[1] if TRUTHS[name] else b[1]),
            st.sampled_from(sorted(TRUTHS)),
            simple,
            simple,
        ),
    )


def _select(items: tuple[Any, list[str]], data: st.DataObject) -> tuple[Any, str]:
    expression, values = items
    index = data.draw(st.integers(0, len(values) - 1))
    as_text = data.draw(st.booleans())
    return {"Fn::Select": [str(index) if as_text else index, expression]}, values[index]


def _select_split(
    delimiter: str, items: list[tuple[Any, str]], data: st.DataObject
) -> tuple[Any, str]:
    # Split undoes Join when no member holds a character of the delimiter (else "::" could
    # straddle two members): Select [i, Split [d, Join [d, xs]]] is member i.
    members = [(e, v) for e, v in items if set(delimiter).isdisjoint(v)]
    if not members:
        return items[0]
    joined = {"Fn::Join": [delimiter, [e for e, _ in members]]}
    index = data.draw(st.integers(0, len(members) - 1))
    return {"Fn::Select": [index, {"Fn::Split": [delimiter, joined]}]}, members[index][1]


def _sub(pieces: list[tuple[str, Any]]) -> tuple[Any, str]:
    text, expected, variables = [], [], {}
    for kind, piece in pieces:
        if kind == "literal":
            text.append(piece)
            expected.append(piece)
        elif kind == "escaped":
            text.append("${!" + piece + "}")
            expected.append("${" + piece + "}")
        elif kind == "name":
            text.append("${" + piece + "}")
            expected.append((PARAMETERS | PSEUDO)[piece])
        else:
            name = f"Var{len(variables)}"
            variables[name] = piece[0]
            text.append("${" + name + "}")
            expected.append(piece[1])
    template = "".join(text)
    return ({"Fn::Sub": [template, variables] if variables else template}, "".join(expected))


_TEXT_EXPRESSIONS = _build_text_expressions()


@st.composite
def text_expressions(draw: Any) -> tuple[Any, str]:
    """A text-valued expression and its value (behind a composite, so hypothesis reports it by
    this short name rather than the recursive strategy's own, very long repr)."""
    return draw(_TEXT_EXPRESSIONS)  # type: ignore[no-any-return]


_SCOPE = scope_of()


@settings(max_examples=300, deadline=None)
@given(case=text_expressions())
def test_random_expressions_evaluate_as_cloudformations_rules_say(case: tuple[Any, str]) -> None:
    expression, expected = case
    assert _SCOPE.evaluate(expression, "Outputs.X.Value") == expected


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(_LITERAL, max_size=6), delimiter=_DELIMITER)
def test_join_and_split_undo_each_other(pieces: list[str], delimiter: str) -> None:
    joined = _SCOPE.evaluate({"Fn::Join": [delimiter, pieces]}, "p")
    assert joined == delimiter.join(pieces)
    split = _SCOPE.evaluate({"Fn::Split": [delimiter, joined]}, "p")
    assert _SCOPE.evaluate({"Fn::Join": [delimiter, split]}, "p") == joined
    if pieces and all(set(delimiter).isdisjoint(piece) for piece in pieces):
        assert split == pieces


# A condition tree over Fn::Equals of parameters, evaluated by CloudFormation's truth tables.
_CONDITION_LEAVES = st.builds(
    lambda name, value: ({"Fn::Equals": [{"Ref": name}, value]}, PARAMETERS[name] == value),
    st.sampled_from(sorted(PARAMETERS)),
    st.sampled_from(["prod", "dev", "5", "6"]),
)


def _conditions(
    children: st.SearchStrategy[tuple[Any, bool]],
) -> st.SearchStrategy[tuple[Any, bool]]:
    many = st.lists(children, min_size=2, max_size=10)
    return st.one_of(
        children.map(lambda c: ({"Fn::Not": [c[0]]}, not c[1])),
        many.map(lambda cs: ({"Fn::And": [c for c, _ in cs]}, all(t for _, t in cs))),
        many.map(lambda cs: ({"Fn::Or": [c for c, _ in cs]}, any(t for _, t in cs))),
    )


@settings(max_examples=200, deadline=None)
@given(case=st.recursive(_CONDITION_LEAVES, _conditions, max_leaves=12))
def test_conditions_decide_fn_if_by_their_truth_tables(case: tuple[Any, bool]) -> None:
    condition, truth = case
    template = parse_template(BASE)
    template["Conditions"] = {"Random": condition, "Again": {"Condition": "Random"}}
    scope = Scope(
        template,
        stack=QueueStack(),
        parameters={},
        stack_name="s",
        region=REGION,
        account_id=ACCOUNT,
    )
    assert scope.condition("Again", "p") is truth
    assert scope.evaluate({"Fn::If": ["Random", "then", "else"]}, "p") == (
        "then" if truth else "else"
    )


# Malformed expressions, anywhere in a resource's properties, name that property's path.
BROKEN = [
    {"Ref": "Missing"},
    {"Fn::Join": [","]},
    {"Fn::Select": [99, ["a"]]},
    {"Fn::GetAtt": ["Nope", "Arn"]},
    {"Fn::If": ["NoSuchCondition", "a", "b"]},
    {"Fn::Split": ["", "abc"]},
    {"Fn::Sub": "${Missing}"},
    {"Fn::FindInMap": ["RegionMap", "nowhere", "HVM64"]},
    {"Fn::Base64": ["list"]},
    {"Fn::Nope": "x"},
]

_KEYS = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,6}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(
    broken=st.sampled_from(BROKEN),
    around=text_expressions(),
    steps=st.lists(st.one_of(_KEYS, st.integers(0, 2)), min_size=1, max_size=4),
)
def test_malformed_expressions_name_the_path_of_the_property(
    broken: Any, around: tuple[Any, str], steps: list[str | int]
) -> None:
    value: Any = {"Fn::Join": ["-", [around[0], broken]]}
    path = "Resources.R.Properties"
    for step in reversed(steps):
        value = {step: value} if isinstance(step, str) else [*(["pad"] * step), value]
    for step in steps:
        path += f".{step}" if isinstance(step, str) else f"[{step}]"
    with pytest.raises(TemplateError) as raised:
        _SCOPE.evaluate(value, "Resources.R.Properties")
    assert raised.value.path == path


def test_the_docstring_example_runs() -> None:
    (example,) = re.findall(r"```python\n(.*?)```", Scope.__doc__ or "", flags=re.DOTALL)
    exec(textwrap.dedent(example), {})


# A function given the wrong shape of argument fails, whatever the arguments hold: each
# function's argument reshaped (an item dropped, one added, a list made of a single value).
def _reshaped(expression: Any, data: st.DataObject) -> Any:
    ((name, argument),) = expression.items()
    if isinstance(argument, list):
        if name == "Fn::Sub":
            return {name: [*argument, "extra"] if len(argument) == 2 else [argument, {}, {}]}
        how = data.draw(st.sampled_from(["drop", "add"]))
        return {name: argument[:-1] if how == "drop" else [*argument, "extra"]}
    return {name: [argument, "extra"]}


@settings(max_examples=200, deadline=None)
@given(
    case=text_expressions(),
    data=st.data(),
    key=_KEYS,
)
def test_functions_given_the_wrong_shape_name_the_property_path(
    case: tuple[Any, str], data: Any, key: str
) -> None:
    expression = case[0] if isinstance(case[0], dict) else {"Fn::Join": ["", [case[0]]]}
    broken = _reshaped(expression, data)
    with pytest.raises(TemplateError) as raised:
        _SCOPE.evaluate({key: broken}, "Resources.R.Properties")
    assert raised.value.path == f"Resources.R.Properties.{key}"
    assert next(iter(broken)) in str(raised.value)
