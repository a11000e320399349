"""`from_template` and `load`: a template, read and deployed into an app, in CloudFormation's
order (services, functions, triggers), with what faaslib does not do warned about once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faaslib.errors import ConfigurationError
from faaslib.templates.apis import bind_apis
from faaslib.templates.builder import FUNCTION_TYPES, Builder, LoadedTemplate
from faaslib.templates.cfn import BINDERS, DECLARERS, invoke_configs
from faaslib.templates.errors import TemplateError
from faaslib.templates.functions import register_function
from faaslib.templates.intrinsics import Scope
from faaslib.templates.loading import load_template
from faaslib.templates.notifications import bind_bucket, bind_cdk_notifications
from faaslib.templates.sam import (
    apply_globals,
    bind_serverless_events,
    declare_simple_table,
    register_serverless_function,
)

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["from_template", "load", "stack_name_for"]

_STACK_NAME = re.compile(r"[^A-Za-z0-9-]+")
_VALID_STACK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,127}")
# What faaslib does itself: SAM's transform, and the language extensions' functions.
_TRANSFORMS = ("AWS::Serverless-2016-10-31", "AWS::LanguageExtensions")
# Types the load handles itself, beyond the declarers and binders.
_HANDLED = frozenset(
    {
        *FUNCTION_TYPES,
        "AWS::Serverless::SimpleTable",
        "AWS::Lambda::EventInvokeConfig",
    }
)


def stack_name_for(path: Path) -> str:
    """The stack name a template gets without `--stack-name`: its folder's name (a CDK
    template's own, `cdk.out/Shop.template.json` is Shop's), made a valid stack name
    (letters, digits and hyphens, starting with a letter)."""
    cdk = path.name.endswith(".template.json")
    folder = path.name.removesuffix(".template.json") if cdk else path.resolve().parent.name
    name = _STACK_NAME.sub("-", folder).strip("-") or "stack"
    return name if name[0].isalpha() else f"stack-{name}"[:128]


def from_template(
    path: str | Path,
    *,
    parameters: Mapping[str, Any] | None = None,
    stack_name: str | None = None,
    imports: Mapping[str, str] | None = None,
    app: type[App] | None = None,
    **app_options: Any,
) -> App:
    """An app holding template `path`'s functions, services and triggers (see `load`);
    `app_options` go to `App(...)` (its `name` defaults to the stack name)."""
    from faaslib.app import App

    make = App if app is None else app
    file = Path(path)
    stack = stack_name or stack_name_for(file)
    if not _VALID_STACK_NAME.fullmatch(stack):
        raise ConfigurationError(
            f"stack_name={stack!r} is not a stack name CloudFormation takes: a letter, then "
            "letters, digits and hyphens, at most 128 characters"
        )
    made = make(**{"name": stack[:64], **app_options})
    load(made, file, parameters=parameters, stack_name=stack, imports=imports)
    return made


def load(
    app: App,
    template: str | Path | Mapping[str, Any],
    *,
    parameters: Mapping[str, Any] | None = None,
    stack_name: str | None = None,
    imports: Mapping[str, str] | None = None,
    base_dir: str | Path | None = None,
    partition: str = "aws",
) -> LoadedTemplate:
    """Deploy `template` (a file, or the template already read) into `app`: its queues,
    topics, buckets, buses, streams and tables, its functions (`app.add_function`, runnable
    or not), and the triggers that bind them. Every function and resource answers to its
    logical id as well as its physical name. `parameters` are the deploy's values; a relative
    code path resolves against `base_dir` (default: the template's folder). Raises
    `TemplateError` naming the template path of what CloudFormation (or faaslib) refuses."""
    if isinstance(template, Mapping):
        body, source = dict(template), "<template>"
        folder = Path(base_dir) if base_dir is not None else Path.cwd()
        stack = stack_name or "stack"
    else:
        file = Path(template)
        body, source = load_template(file), str(file)
        folder = Path(base_dir) if base_dir is not None else file.resolve().parent
        stack = stack_name or stack_name_for(file)
    merged = apply_globals(_include(body, folder))
    implicit = _implicit_resources(merged.get("Resources") or {})
    merged["Resources"] = {**implicit, **(merged.get("Resources") or {})}
    builder = Builder(
        app, merged, base_dir=folder, source=source, stack_name=stack, partition=partition
    )
    transforms = body.get("Transform") or []
    for transform in [transforms] if isinstance(transforms, str | Mapping) else transforms:
        if transform not in _TRANSFORMS:
            builder.notes.ignored("Transform", f"the transform {transform!r} is not run")
    builder.declarers.update(DECLARERS)
    builder.declarers["AWS::Serverless::SimpleTable"] = declare_simple_table
    values = {key: _parameter_text(value) for key, value in (parameters or {}).items()}
    builder.attach(
        Scope(
            merged,
            stack=builder.stack,
            parameters=values,
            stack_name=stack,
            region=app.config.region,
            account_id=app.config.account_id,
            partition=partition,
            imports=imports,
        )
    )
    handled = set(implicit) | _deploy(builder)
    builder.note_unemulated(handled)
    loaded = LoadedTemplate(
        path=None if isinstance(template, Mapping) else str(template),
        stack_name=stack,
        functions=dict(builder.functions),
        resources={
            logical_id: builder.stack.name(logical_id, f"Resources.{logical_id}")
            for logical_id in builder.active()
            if logical_id not in implicit
        },
        outputs=builder.outputs(),
        parameters=dict(builder.scope.parameters),
    )
    app.template = loaded
    builder.notes.warn({k: v for k, v in builder.resources.items() if k not in implicit})
    return loaded


def _deploy(builder: Builder) -> set[str]:
    """Declare the services, register the functions, bind the triggers, in that order (what
    a trigger names must exist first); the logical ids handled."""
    handled = set()
    for logical_id in builder.active(tuple(builder.declarers)):
        builder.declare(logical_id)
        handled.add(logical_id)
    configs = invoke_configs(builder)
    for logical_id in builder.active(FUNCTION_TYPES):
        name = builder.stack.name(logical_id, f"Resources.{logical_id}")
        config = configs.get(name, {}) | configs.get(logical_id, {})
        if builder.resources[logical_id]["Type"] == "AWS::Serverless::Function":
            function = register_serverless_function(builder, logical_id, config)
        else:
            properties = builder.properties(logical_id)
            with builder.at(properties.path):
                function = register_function(builder, logical_id, properties, config)
        builder.functions[logical_id] = function
    for logical_id in builder.active(("AWS::Serverless::Function",)):
        bind_serverless_events(builder, logical_id)
    binders = {
        **BINDERS,
        "AWS::S3::Bucket": bind_bucket,
        "Custom::S3BucketNotifications": bind_cdk_notifications,
    }
    for logical_id in builder.active(tuple(binders)):
        binders[builder.resources[logical_id]["Type"]](builder, logical_id)
        handled.add(logical_id)
    handled |= bind_apis(builder)
    return handled | {i for i in builder.resources if builder.resources[i]["Type"] in _HANDLED}


def _include(value: Any, folder: Path, path: str = "") -> Any:
    """`value` with each `Fn::Transform: {Name: AWS::Include, ...}` replaced by the local file
    it names (an OpenAPI definition, mostly), as SAM CLI includes it before deploying."""
    if isinstance(value, list):
        return [_include(item, folder, f"{path}[{i}]") for i, item in enumerate(value)]
    if not isinstance(value, Mapping):
        return value
    transform = value.get("Fn::Transform")
    if len(value) == 1 and isinstance(transform, Mapping):
        where = f"{path}.Fn::Transform"
        if transform.get("Name") != "AWS::Include":
            raise TemplateError(where, f"the transform {transform.get('Name')!r} is not run")
        parameters = transform.get("Parameters")
        location = parameters.get("Location") if isinstance(parameters, Mapping) else None
        if not isinstance(location, str) or not (folder / location).is_file():
            raise TemplateError(
                f"{where}.Parameters.Location",
                f"AWS::Include of {location!r}: give a local file (from {folder})",
            )
        return _include(load_template(folder / location), folder, path)
    return {
        key: _include(inner, folder, f"{path}.{key}" if path else str(key))
        for key, inner in value.items()
    }


def _parameter_text(value: Any) -> str:
    """A parameter's value as CloudFormation takes it: text (a list comma-separated)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    return str(value)


def _implicit_resources(resources: Mapping[str, Any]) -> dict[str, Any]:
    """The resources SAM's transform adds that a template may name: the implicit APIs, each
    function's role, and `Function.Alias` / `Function.Version` of an auto-published alias."""
    implicit: dict[str, Any] = {}
    for logical_id, body in resources.items():
        if not isinstance(body, Mapping) or body.get("Type") != "AWS::Serverless::Function":
            continue
        properties = body.get("Properties")
        properties = properties if isinstance(properties, Mapping) else {}
        if "Role" not in properties:
            implicit[f"{logical_id}Role"] = {"Type": "AWS::IAM::Role"}
        if "AutoPublishAlias" in properties:
            implicit[f"{logical_id}.Alias"] = {"Type": "AWS::Lambda::Alias"}
            implicit[f"{logical_id}.Version"] = {"Type": "AWS::Lambda::Version"}
        events = properties.get("Events")
        for event in (events or {}).values() if isinstance(events, Mapping) else ():
            kind = event.get("Type") if isinstance(event, Mapping) else None
            if kind == "Api":
                implicit["ServerlessRestApi"] = {"Type": "AWS::Serverless::Api"}
            elif kind == "HttpApi":
                implicit["ServerlessHttpApi"] = {"Type": "AWS::Serverless::HttpApi"}
    for logical_id, body in resources.items():
        if isinstance(body, Mapping) and body.get("Type") == "AWS::Serverless::Api":
            implicit[f"{logical_id}.Stage"] = {"Type": "AWS::ApiGateway::Stage"}
            implicit[f"{logical_id}.Deployment"] = {"Type": "AWS::ApiGateway::Deployment"}
    if "ServerlessRestApi" in implicit:
        implicit["ServerlessRestApi.Stage"] = {"Type": "AWS::ApiGateway::Stage"}
    return {key: value for key, value in implicit.items() if key not in resources}
