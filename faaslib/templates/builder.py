"""Loading a template into an app: the order of the work, and what the load leaves behind.

The order matters as it does to CloudFormation: the services (queues, topics, buckets, buses,
streams, tables) are declared first, each with its options, so that a trigger or a redrive
policy finds them configured; then the functions, with the event-invoke configurations that
name them; then the triggers that bind them. Every name the template gives a resource (its
logical id) becomes an alias of the physical name in the app, so `app.invoke("Processor")`
and `app.queue("OrderQueue")` work beside the physical names handlers see.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from faaslib.templates.errors import TemplateError
from faaslib.templates.names import name_in_arn
from faaslib.templates.properties import Properties
from faaslib.templates.stack import TemplateStack
from faaslib.templates.unemulated import Notes, is_silent

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.templates.intrinsics import Scope

__all__ = ["Builder", "LoadedTemplate", "TemplateFunction"]

# The app's resource kinds, by the CloudFormation types that declare them.
KINDS = {
    "AWS::SQS::Queue": "queue",
    "AWS::SNS::Topic": "topic",
    "AWS::S3::Bucket": "bucket",
    "AWS::Events::EventBus": "bus",
    "AWS::Kinesis::Stream": "stream",
    "AWS::DynamoDB::Table": "table",
    "AWS::Serverless::SimpleTable": "table",
}
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
_SERVICE_BY_KIND = {
    "queue": "sqs",
    "topic": "sns",
    "bucket": "s3",
    "bus": "events",
    "stream": "kinesis",
    "table": "dynamodb",
}


class TemplateFunction(msgspec.Struct, frozen=True, kw_only=True):
    """A function of the template: its `logical_id`, the `name` it runs under (its
    `FunctionName`, or CloudFormation's generated one), its `runtime` and `handler`, the
    `code` folder, and whether faaslib can run it (`runnable`), or why not (`reason`)."""

    logical_id: str
    name: str
    runtime: str | None
    handler: str | None
    code: str | None
    runnable: bool
    reason: str = ""


class LoadedTemplate(msgspec.Struct, frozen=True, kw_only=True):
    """What loading a template made: its `functions` by logical id, the physical names of its
    `resources` by logical id, its evaluated `outputs`, the resolved `parameters`, and the
    `stack_name` its names derive from."""

    path: str | None
    stack_name: str
    functions: dict[str, TemplateFunction]
    resources: dict[str, str]
    outputs: dict[str, Any]
    parameters: dict[str, Any]


# Each step registers one resource type; filled by the modules that know the types.
Step = Callable[["Builder", str, Properties], Any]


class Builder:
    """One load of one template into one app."""

    def __init__(
        self,
        app: App,
        template: Mapping[str, Any],
        *,
        base_dir: Path,
        source: str,
        stack_name: str,
        partition: str,
    ) -> None:
        self.app = app
        self.template = template
        self.base_dir = base_dir
        self.notes = Notes(source)
        resources = template.get("Resources")
        if not isinstance(resources, Mapping) or not resources:
            raise TemplateError("Resources", "a template needs a Resources section (a mapping)")
        for logical_id, body in resources.items():
            if str(logical_id).startswith("Fn::ForEach"):
                raise TemplateError(
                    f"Resources.{logical_id}",
                    "Fn::ForEach (AWS::LanguageExtensions) is not expanded by faaslib; write "
                    "the resources it would make out in full",
                )
            if not isinstance(body, Mapping) or not isinstance(body.get("Type"), str):
                raise TemplateError(
                    f"Resources.{logical_id}", "a resource needs a Type (e.g. AWS::SQS::Queue)"
                )
        self.resources: Mapping[str, Mapping[str, Any]] = resources
        self.stack = TemplateStack(
            resources,
            stack_name=stack_name,
            region=app.config.region,
            account_id=app.config.account_id,
            partition=partition,
            declare=self.declare,
        )
        self.functions: dict[str, TemplateFunction] = {}
        self.declared: dict[str, Any] = {}
        self._declaring: set[str] = set()
        self.declarers: dict[str, Step] = {}
        # What the HTTP API has already: (route key, function), and authorizers by (API, name).
        self.routes: set[tuple[str, str]] = set()
        self.authorizers: dict[tuple[str, str], str | None] = {}
        self.scope: Scope

    def attach(self, scope: Scope) -> None:
        """Give the builder (and its stack) the scope intrinsics are evaluated in."""
        self.scope = scope
        self.stack.scope = scope

    # -- resources -----------------------------------------------------------------------------

    def active(self, types: tuple[str, ...] | None = None) -> list[str]:
        """The logical ids of the resources (of `types`) whose Condition holds."""
        found = []
        for logical_id, body in self.resources.items():
            if types is not None and body["Type"] not in types:
                continue
            condition = body.get("Condition")
            path = f"Resources.{logical_id}.Condition"
            if condition is not None:
                if not isinstance(condition, str):
                    raise TemplateError(path, f"{condition!r} is not a condition's name")
                if not self.scope.condition(condition, path):
                    continue
            found.append(logical_id)
        return found

    def properties(self, logical_id: str) -> Properties:
        """Resource `logical_id`'s properties, to be read one by one."""
        path = f"Resources.{logical_id}.Properties"
        return Properties(self.resources[logical_id].get("Properties"), path, self.scope)

    def declare(self, logical_id: str) -> Any:
        """Declare service resource `logical_id` in the app (once) and return it."""
        held = self.declared.get(logical_id)
        if held is not None:
            return held
        kind = self.resources[logical_id]["Type"] if logical_id in self.resources else None
        step = self.declarers.get(kind) if isinstance(kind, str) else None
        if step is None or not isinstance(kind, str):
            raise TemplateError(f"Resources.{logical_id}", f"{kind} is not a service resource")
        if logical_id in self._declaring:
            raise TemplateError(
                f"Resources.{logical_id}", "the resource's declaration depends on itself"
            )
        self._declaring.add(logical_id)
        try:
            properties = self.properties(logical_id)
            with self.at(f"Resources.{logical_id}"):
                made = step(self, logical_id, properties)
            self.unread(properties)
        finally:
            self._declaring.discard(logical_id)
        self.declared[logical_id] = made
        self.alias(KINDS[kind], logical_id, made.name)
        return made

    def alias(self, kind: str, logical_id: str, name: str) -> None:
        """Let the app find `name` of `kind` by its logical id too."""
        if logical_id != name:
            self.app._aliases[(kind, logical_id)] = name

    def logical_id(self, kind: str, name: str) -> str | None:
        """The logical id of the template's resource of `kind` named `name`, if any."""
        for logical_id in self.active():
            if (
                KINDS.get(self.resources[logical_id]["Type"]) == kind
                and self.stack.name(logical_id, f"Resources.{logical_id}") == name
            ):
                return logical_id
        return None

    def resource(
        self, kind: str, value: Any, path: str, outside: Mapping[str, Any] | None = None
    ) -> str:
        """The name of the app's resource of `kind` that `value` (an ARN, a queue URL or a name)
        points at, declaring the template's resource of that name first; one from outside the
        template is declared with `outside` (its options, unknown here), if the app lacks it."""
        name = self.name_of(kind, value, path)
        logical_id = self.logical_id(kind, name)
        if logical_id is not None:
            self.declare(logical_id)
        elif name not in getattr(self.app, f"{kind}es" if kind == "bus" else f"{kind}s"):
            with self.at(path):
                getattr(self.app, kind)(name, **(outside or {}))
        return name

    def name_of(self, kind: str, value: Any, path: str) -> str:
        """The resource name in `value`: an ARN of the right service, a queue URL, or a name."""
        if not isinstance(value, str) or not value:
            raise TemplateError(path, f"{value!r:.60} does not name a {kind}")
        if value.startswith("arn:"):
            found = name_in_arn(value)
            if found is None or found[0] != _SERVICE_BY_KIND[kind]:
                raise TemplateError(path, f"{value!r} is not the ARN of a {kind}")
            return found[1]
        if kind == "queue" and value.startswith("https://"):
            return value.rstrip("/").rsplit("/", 1)[-1]
        return value

    def function(self, value: Any, path: str) -> str:
        """The registered name of the template's function that `value` (a name, an ARN or a
        logical id) names; a `TemplateError` for a function the template lacks."""
        if isinstance(value, str) and value.startswith("arn:"):
            found = name_in_arn(value)
            value = found[1] if found is not None and found[0] == "lambda" else value
        if isinstance(value, str):
            for function in self.functions.values():
                if value in (function.name, function.logical_id):
                    return function.name
        known = ", ".join(sorted(self.functions)) or "none"
        raise TemplateError(
            path, f"{value!r:.80} names no function of the template (its functions: {known})"
        )

    def has_function(self, value: Any) -> bool:
        """Whether `value` names one of the template's registered functions."""
        try:
            self.function(value, "")
        except TemplateError:
            return False
        return True

    @contextlib.contextmanager
    def at(self, path: str) -> Iterator[None]:
        """Turn what the app refuses while registering into a `TemplateError` at `path`: its
        `ConfigurationError`s, and the `ValueError`s its services raise for what their AWS
        service would refuse (a filter policy, a bucket name, ...)."""
        try:
            yield
        except TemplateError:
            raise
        except ValueError as error:  # ConfigurationError is one
            raise TemplateError(path, str(error)) from None

    # -- what is left over ---------------------------------------------------------------------

    def unread(self, properties: Properties, quiet: frozenset[str] = frozenset()) -> None:
        """Note each property nothing read (except the `quiet` ones) as ignored."""
        for key in properties.unread():
            if key not in quiet:
                self.notes.ignored(
                    properties.path_of(key), "faaslib does not emulate this property; ignored"
                )

    def note_unemulated(self, handled: set[str]) -> None:
        """List each active resource that no step handled and that is not silently fine."""
        for logical_id in self.active():
            kind = self.resources[logical_id]["Type"]
            if logical_id not in handled and not is_silent(kind):
                self.notes.unemulated(logical_id, kind)

    def outputs(self) -> dict[str, Any]:
        """The template's Outputs, evaluated; one that cannot be is left out (it may name what
        faaslib does not emulate)."""
        section = self.template.get("Outputs")
        if not isinstance(section, Mapping):
            return {}
        values = {}
        for key, body in section.items():
            if not isinstance(body, Mapping) or "Value" not in body:
                continue
            condition = body.get("Condition")
            path = f"Outputs.{key}"
            try:
                if isinstance(condition, str) and not self.scope.condition(condition, path):
                    continue
                values[key] = self.scope.evaluate(body["Value"], f"{path}.Value")
            except TemplateError:
                continue
        return values
