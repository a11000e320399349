"""Reading a template file into the tree CloudFormation sees: JSON, or YAML with its short forms.

CloudFormation reads YAML 1.1 without the timestamp tag, so an unquoted `2012-10-17` stays the
string IAM and `AWSTemplateFormatVersion` expect, while `yes`/`no`/`on`/`off` are booleans, as
they are to CloudFormation (an unquoted `Value: YES` tag is deployed as "true"; aws-cli quotes
those words when it writes YAML for that reason). The short forms (`!Ref X`, `!GetAtt A.B`,
`!Sub ...`) become the long forms (`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`,
`{"Fn::Sub": ...}`) exactly as AWS's own tools (aws-cli, aws-sam-translator, cfn-lint) turn them,
so the evaluator only ever meets one spelling. Anchors, aliases and `<<` merges are read, as SAM
CLI reads them before a template reaches CloudFormation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from faaslib.templates.errors import TemplateError

__all__ = ["load_template", "parse_template"]


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key, value in pairs:
        if key in mapping:
            raise ValueError(
                f"the key {key!r} appears twice in one object; CloudFormation would keep only "
                "one of them"
            )
        mapping[key] = value
    return mapping


def parse_template(text: str, *, source: str = "<template>") -> dict[str, Any]:
    """The template in `text` (JSON or YAML) as plain dicts, lists and scalars.

    `source` names the text in error messages (a file name). JSON is tried first when the text
    starts with `{`, as aws-cli does: JSON's escapes and tabs are not always valid YAML.

    ```python
    from faaslib.templates.loading import parse_template

    tree = parse_template("Resources:\\n  Q:\\n    Type: AWS::SQS::Queue\\n"
                          "Outputs:\\n  Url:\\n    Value: !GetAtt Q.QueueUrl\\n")
    assert tree["Outputs"]["Url"]["Value"] == {"Fn::GetAtt": ["Q", "QueueUrl"]}
    ```
    """
    tree: Any
    if text.lstrip().startswith("{"):
        try:
            tree = json.loads(text, object_pairs_hook=_reject_duplicate_keys)
        except ValueError as error:
            if source.endswith(".json"):
                raise TemplateError("", f"{source} is not valid JSON: {error}") from None
            tree = _parse_yaml(text, source)
    else:
        tree = _parse_yaml(text, source)
    if not isinstance(tree, dict):
        kind = "empty" if tree is None else f"a {type(tree).__name__}, not a mapping"
        raise TemplateError("", f"{source}: the template is {kind}; it needs a Resources section")
    return tree


def _parse_yaml(text: str, source: str) -> Any:
    try:
        from faaslib.templates import _yaml
    except ImportError as error:
        if error.name != "yaml":
            raise
        raise TemplateError(
            "", f"{source} is YAML, which needs PyYAML: pip install 'faaslib[templates]'"
        ) from None
    return _yaml.parse(text, source)


def load_template(path: str | Path) -> dict[str, Any]:
    """Read the template at `path` (`template.yaml`, `template.json`, CDK's
    `*.template.json`) into the tree CloudFormation evaluates, short forms spelled out.

    Raises `TemplateError` naming the file and line for a file CloudFormation would not parse,
    or `FileNotFoundError`.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    return parse_template(text, source=str(path))
