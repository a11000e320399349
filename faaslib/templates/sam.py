"""AWS SAM's shorthand, read as SAM's transform reads it: `Globals` merged into each resource,
`AWS::Serverless::Function` with its `Events`, and `AWS::Serverless::SimpleTable`.

faaslib maps SAM's resources onto the app directly rather than expanding them into
CloudFormation first; `tests/templates/test_translator_oracle.py` proves the mapping against
AWS's own transform (aws-sam-translator): the SAM form and its translation load into the same
functions, configurations and triggers.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from faaslib.templates.builder import Builder, TemplateFunction
from faaslib.templates.cfn import function_url
from faaslib.templates.errors import TemplateError
from faaslib.templates.events import bind_event
from faaslib.templates.functions import invoke_options, register_function
from faaslib.templates.properties import Properties

__all__ = ["apply_globals", "declare_simple_table", "register_serverless_function"]

# Globals sections and the resource types they apply to.
GLOBAL_SECTIONS = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "LayerVersion": "AWS::Serverless::LayerVersion",
    "StateMachine": "AWS::Serverless::StateMachine",
}


def apply_globals(template: Mapping[str, Any]) -> dict[str, Any]:
    """The template with its `Globals` merged into each resource, as SAM merges them: a
    mapping merges key by key (the resource's value wins), a list is the global items then the
    resource's, anything else (an intrinsic included) is the resource's if it has one."""
    merged = dict(template)
    section = template.get("Globals")
    if section is None:
        return merged
    if not isinstance(section, Mapping):
        raise TemplateError("Globals", "must be a mapping of sections (Function, Api, ...)")
    for key in section:
        if key not in GLOBAL_SECTIONS:
            raise TemplateError(
                f"Globals.{key}",
                f"{key!r} is not a Globals section (SAM has: {', '.join(GLOBAL_SECTIONS)})",
            )
    resources = {}
    for logical_id, body in (template.get("Resources") or {}).items():
        kind = body.get("Type") if isinstance(body, Mapping) else None
        wanted = next((name for name, type_ in GLOBAL_SECTIONS.items() if type_ == kind), None)
        values = section.get(wanted) if wanted is not None else None
        if isinstance(values, Mapping) and isinstance(body, Mapping):
            body = dict(body)
            body["Properties"] = _merge(copy.deepcopy(dict(values)), body.get("Properties") or {})
        resources[logical_id] = body
    merged["Resources"] = resources
    return merged


def _merge(global_value: Any, local: Any) -> Any:
    if _is_plain_mapping(global_value) and _is_plain_mapping(local):
        result = dict(global_value)
        for key, value in local.items():
            result[key] = _merge(result[key], value) if key in result else value
        return result
    if isinstance(global_value, list) and isinstance(local, list):
        return global_value + local
    return local


def _is_plain_mapping(value: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    if len(value) == 1:
        (key,) = value
        return not (key in ("Ref", "Condition") or str(key).startswith("Fn::"))
    return True


def declare_simple_table(builder: Builder, logical_id: str, properties: Properties) -> Any:
    """An `AWS::Serverless::SimpleTable`: its `PrimaryKey` (default `id`) is the key."""
    key = properties.child("PrimaryKey")
    name = key.text("Name", "id")
    key.ignore("Type")
    properties.ignore("TableName", "ProvisionedThroughput", "SSESpecification", "Tags")
    return builder.app.table(builder.stack.name(logical_id, properties.path), key_schema=(name,))


def register_serverless_function(
    builder: Builder, logical_id: str, invoke_config: dict[str, Any]
) -> TemplateFunction:
    """An `AWS::Serverless::Function`: registered with its `EventInvokeConfig`; its `Events`
    are bound by `bind_serverless_events` once every function is registered."""
    properties = builder.properties(logical_id)
    own = invoke_options(builder, properties.child("EventInvokeConfig"))
    with builder.at(properties.path):
        return register_function(builder, logical_id, properties, invoke_config | own)


def bind_serverless_events(builder: Builder, logical_id: str) -> None:
    """Bind function `logical_id`'s `Events` (and its `FunctionUrlConfig`)."""
    properties = builder.properties(logical_id)
    function = builder.functions[logical_id].name
    events = properties.child("Events")
    for name in events.raw:
        path = events.path_of(name)
        event = events.child(name)
        kind = event.text("Type")
        if kind is None:
            raise TemplateError(f"{path}.Type", "an event needs a Type (SQS, Api, S3, ...)")
        with builder.at(path):
            bind_event(builder, function, logical_id, name, kind, event.child("Properties"))
    if properties.has("FunctionUrlConfig"):
        function_url(builder, function, properties.path_of("FunctionUrlConfig"))
