"""Reading templates: every corpus template as cfn-lint's decoder reads it, the short forms as
AWS's tools spell them out, and the YAML 1.1 corners as CloudFormation takes them."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib.templates.errors import TemplateError
from faaslib.templates.loading import load_template, parse_template

# The SAM corpus beside the repository (../shared/corpus/sam), or $FAASLIB_SAM_CORPUS, as the
# corpus acceptance tests find it; the tests over it skip, saying why, when it is not there.
CORPUS = Path(
    os.environ.get("FAASLIB_SAM_CORPUS")
    or Path(__file__).resolve().parents[3] / "shared" / "corpus" / "sam"
)
needs_corpus = pytest.mark.skipif(
    not (CORPUS / "INDEX.tsv").is_file(),
    reason=f"the SAM project corpus is not at {CORPUS} (set FAASLIB_SAM_CORPUS)",
)
CORPUS_YAML = sorted(path for pattern in ("*/*.yaml", "*/*.yml") for path in CORPUS.glob(pattern))


def _plain(tree: Any) -> Any:
    """cfn-lint's tree as plain data: its str/dict/list subclasses as the builtins, and the
    dates its SafeLoader builds as the text they were written as (CloudFormation has no
    timestamp type)."""
    if isinstance(tree, dict):
        return {_plain(key): _plain(value) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_plain(item) for item in tree]
    if isinstance(tree, (datetime.date, datetime.datetime)):
        return tree.isoformat()
    if isinstance(tree, str):
        return str(tree)
    return tree


@needs_corpus
def test_every_corpus_project_has_a_template_among_the_files_read() -> None:
    index = (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]
    projects = {line.split("\t")[0] for line in index}
    with_template = {path.parent.name for path in CORPUS_YAML if "\nResources:" in path.read_text()}
    assert len(projects) == 54
    assert projects == with_template


@pytest.mark.parametrize("path", CORPUS_YAML, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_corpus_yaml_reads_as_cfn_lint_decodes_it(path: Path) -> None:
    assert load_template(path) == _plain(cfn_yaml.load(str(path)))


@pytest.mark.parametrize("path", CORPUS_YAML[:12], ids=lambda path: path.parent.name)
def test_a_template_reads_the_same_as_json(path: Path, tmp_path: Path) -> None:
    tree = load_template(path)
    as_json = tmp_path / "template.json"
    as_json.write_text(json.dumps(tree, indent=2))
    assert load_template(as_json) == tree


SHORT_FORMS = [
    ("!Ref Queue", {"Ref": "Queue"}),
    ("!Ref AWS::Region", {"Ref": "AWS::Region"}),
    ("!Sub '${AWS::StackName}-q'", {"Fn::Sub": "${AWS::StackName}-q"}),
    ("!Sub ['${A}-x', {A: !Ref B}]", {"Fn::Sub": ["${A}-x", {"A": {"Ref": "B"}}]}),
    ("!GetAtt Queue.Arn", {"Fn::GetAtt": ["Queue", "Arn"]}),
    ("!GetAtt Db.Endpoint.Address", {"Fn::GetAtt": ["Db", "Endpoint.Address"]}),
    ("!GetAtt [Queue, QueueUrl]", {"Fn::GetAtt": ["Queue", "QueueUrl"]}),
    ("!Join [':', [a, b]]", {"Fn::Join": [":", ["a", "b"]]}),
    ("!Select [0, !GetAZs '']", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}),
    ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
    ("!If [IsProd, 5, !Ref AWS::NoValue]", {"Fn::If": ["IsProd", 5, {"Ref": "AWS::NoValue"}]}),
    ("!Equals [!Ref Stage, prod]", {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}),
    (
        "!And [!Condition A, !Not [!Condition B]]",
        {"Fn::And": [{"Condition": "A"}, {"Fn::Not": [{"Condition": "B"}]}]},
    ),
    ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
    (
        "!FindInMap [M, !Ref AWS::Region, Ami]",
        {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Ami"]},
    ),
    ("!ImportValue shared-vpc", {"Fn::ImportValue": "shared-vpc"}),
    ("!Base64 hello", {"Fn::Base64": "hello"}),
    ("!Cidr ['10.0.0.0/16', 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
    ("!GetAZs ''", {"Fn::GetAZs": ""}),
    # A tagged scalar is text, whatever it looks like: CloudFormation reads `!Ref 5` as "5".
    ("!Ref 5", {"Ref": "5"}),
    ("!Base64 |\n    line one\n    line two\n", {"Fn::Base64": "line one\nline two\n"}),
]


@pytest.mark.parametrize(("short", "long"), SHORT_FORMS, ids=[short for short, _ in SHORT_FORMS])
def test_short_forms_become_the_long_forms(short: str, long: Any) -> None:
    assert parse_template(f"Value: {short}") == {"Value": long}


@pytest.mark.parametrize(
    ("yaml_value", "expected"),
    [
        ("2012-10-17", "2012-10-17"),  # IAM policy Version
        ("2010-09-09", "2010-09-09"),  # AWSTemplateFormatVersion
        ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
        ("'2012-10-17'", "2012-10-17"),
        ("yes", True),  # YAML 1.1, as CloudFormation reads it (a tag `Value: YES` becomes "true")
        ("On", True),
        ("off", False),
        ("'yes'", "yes"),
        ("true", True),
        ("~", None),
        ("0x1F", 31),
        ("1_000", 1000),
        ("1.5", 1.5),
        ("'0123'", "0123"),
    ],
)
def test_scalars_read_as_cloudformation_reads_yaml_1_1(yaml_value: str, expected: Any) -> None:
    assert parse_template(f"Value: {yaml_value}")["Value"] == expected


def test_anchors_and_merge_keys_are_read_as_sam_cli_reads_them() -> None:
    tree = parse_template(
        textwrap.dedent(
            """
            Defaults: &defaults {Timeout: 3, MemorySize: 128}
            Resources:
              Fn: {Type: AWS::Serverless::Function, Properties: {<<: *defaults, Timeout: 9}}
            """
        )
    )
    assert tree["Resources"]["Fn"]["Properties"] == {"Timeout": 9, "MemorySize": 128}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "Resources:\n  A: 1\n  A: 2\n",
            "the key 'A' appears twice in one mapping (first at line 2)",
        ),
        ('{"Resources": {"A": 1, "A": 2}}', "the key 'A' appears twice"),
        ("Resources:\n  A: [1, 2\n", "line 3"),
        ("Resources:\n  ~: 1\n", "empty (null)"),
        ("", "the template is empty"),
        ("- Resources\n", "a list, not a mapping"),
        ("Value: !Ref [a, b\n", "line 2"),
        ("Value: !!binary aGk=\n", "CloudFormation does not support the !!binary tag"),
        ("Value: !!set {a, b}\n", "CloudFormation does not support the !!set tag"),
    ],
)
def test_unreadable_templates_name_the_file_and_line(text: str, fragment: str) -> None:
    with pytest.raises(TemplateError) as raised:
        parse_template(text, source="template.yaml")
    assert fragment in str(raised.value)
    assert "template.yaml" in str(raised.value)


def test_invalid_json_in_a_json_file_is_a_json_error(tmp_path: Path) -> None:
    path = tmp_path / "stack.template.json"
    path.write_text('{"Resources": {"A": }}')
    with pytest.raises(TemplateError, match=r"stack\.template\.json is not valid JSON"):
        load_template(path)


def test_a_cdk_template_reads_as_json(tmp_path: Path) -> None:
    tree = {
        "Resources": {
            "Queue4A7E3555": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}},
            "Fn9270CBC0": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Environment": {"Variables": {"Q": {"Ref": "Queue4A7E3555"}}}},
            },
        }
    }
    path = tmp_path / "App.template.json"
    # Tabs are JSON whitespace but not YAML indentation: JSON must be read as JSON.
    path.write_text(json.dumps(tree, indent="\t"))
    assert load_template(path) == tree


def test_json_templates_load_without_pyyaml_and_yaml_ones_say_what_to_install(
    tmp_path: Path,
) -> None:
    (tmp_path / "t.json").write_text('{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')
    (tmp_path / "t.yaml").write_text("Resources:\n  Q: {Type: AWS::SQS::Queue}\n")
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["yaml"] = None  # as if the templates extra were not installed
        from faaslib.templates.errors import TemplateError
        from faaslib.templates.loading import load_template
        print(load_template({str(tmp_path / "t.json")!r})["Resources"]["Q"]["Type"])
        try:
            load_template({str(tmp_path / "t.yaml")!r})
        except TemplateError as error:
            print(error)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True
    )
    lines = result.stdout.splitlines()
    assert lines[0] == "AWS::SQS::Queue"
    assert "needs PyYAML: pip install 'faaslib[templates]'" in lines[1]


# Property: a tree of intrinsics written in YAML's short forms reads as the same tree written in
# JSON's long forms, and as cfn-lint's decoder reads the YAML.

_NAMES = st.from_regex(r"[A-Z][A-Za-z0-9]{0,8}", fullmatch=True)
# YAML's printable characters: no surrogates, controls or non-characters.
_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc", "Cn")), max_size=12)
_FUNCTIONS = ["Join", "Select", "Split", "If", "Equals", "FindInMap", "Base64", "Sub", "And"]


def _trees() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        _TEXT,
        st.integers(-1000, 1000),
        st.builds(lambda name: {"Ref": name}, _NAMES),
        st.builds(lambda a, b: {"Fn::GetAtt": [a, b]}, _NAMES, _NAMES),
        st.builds(lambda name: {"Condition": name}, _NAMES),
    )

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(_NAMES, children, max_size=3),
            st.builds(
                lambda name, args: {f"Fn::{name}": args},
                st.sampled_from(_FUNCTIONS),
                st.lists(children, min_size=1, max_size=3),
            ),
            st.builds(lambda text: {"Fn::Sub": text}, _TEXT),
        )

    return st.recursive(leaves, extend, max_leaves=12)


def _short_form(tree: Any) -> str:
    """`tree` written in YAML flow style with the short forms wherever one exists."""
    if isinstance(tree, dict):
        if len(tree) == 1:
            ((key, value),) = tree.items()
            if key in ("Ref", "Condition"):
                return f"!{key} {_scalar(value)}"
            if key == "Fn::GetAtt":
                return f"!GetAtt {value[0]}.{value[1]}"
            if key.startswith("Fn::"):
                return f"!{key[4:]} {_short_form(value)}"
        items = ", ".join(f"{_scalar(k)}: {_short_form(v)}" for k, v in tree.items())
        return "{" + items + "}"
    if isinstance(tree, list):
        return "[" + ", ".join(_short_form(item) for item in tree) + "]"
    return _scalar(tree)


def _scalar(value: Any) -> str:
    # A JSON string is a YAML double-quoted scalar, if astral characters stay unescaped (YAML
    # has no surrogate pairs).
    return json.dumps(value, ensure_ascii=False)


@settings(max_examples=150, deadline=None)
@given(tree=_trees())
def test_short_forms_read_as_the_long_forms_they_stand_for(tree: Any) -> None:
    yaml_text = f"Value: {_short_form(tree)}\n"
    assert parse_template(yaml_text) == {"Value": tree}
    assert parse_template(json.dumps({"Value": tree})) == {"Value": tree}
    assert _plain(cfn_yaml.loads(yaml_text)) == {"Value": tree}


def test_the_docstring_example_runs() -> None:
    docstring = parse_template.__doc__ or ""
    (example,) = re.findall(r"```python\n(.*?)```", docstring, flags=re.DOTALL)
    exec(textwrap.dedent(example), {})
