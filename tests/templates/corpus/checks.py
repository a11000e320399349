"""Loading a corpus project, and comparing what faaslib made of it with what its template
declares (`model.py`): configuration, environment, handler and triggers.

Trigger texts are the sources' `describe()` lines (faaslib/sources/*.py, faaslib/http/); only
the parts that come from the template are compared (names, batch sizes, windows, paths, event
names, expressions), not their formatting.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable
from typing import Any

from faaslib import App
from faaslib.templates import UnsupportedResourceWarning

from . import expected_durable, expected_events, expected_http, expected_untriggered
from .model import (
    ANY,
    S3,
    Function,
    Http,
    Project,
    Queue,
    Res,
    Rule,
    Schedule,
    Sns,
    Sqs,
    Stream,
    Trigger,
)

PROJECTS: tuple[Project, ...] = tuple(
    sorted(
        (
            *expected_http.PROJECTS,
            *expected_events.PROJECTS,
            *expected_durable.PROJECTS,
            *expected_untriggered.PROJECTS,
        ),
        key=lambda project: project.id,
    )
)
BY_ID = {project.id: project for project in PROJECTS}

GENERATED = re.compile(r"[A-Za-z0-9._-]+-[A-Za-z0-9]{12}(\.fifo)?")
"""CloudFormation's generated physical names end in a 12-character unique suffix."""


def load(project: Project, **options: Any) -> tuple[App, list[warnings.WarningMessage]]:
    """The app `App.from_template` makes of `project`, and the UnsupportedResourceWarnings
    the load issued."""
    category = UnsupportedResourceWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = App.from_template(
            project.path,
            parameters=dict(project.parameters),
            stack_name=project.stack_name,
            **options,
        )
    return app, [warning for warning in caught if issubclass(warning.category, category)]


class Resolver:
    """Fills in an expected value's placeholders from the loaded app: `{region}`,
    `{account}`, `{stack}`, and `{kind:LogicalId}` for what CloudFormation generates."""

    _FIELD = re.compile(r"\{(\w+)(?::(\w+))?\}")

    def __init__(self, app: App, project: Project) -> None:
        self.app = app
        self.project = project
        loaded = app.template
        self.stack = loaded.stack_name if loaded is not None else project.stack

    def __call__(self, text: str) -> str:
        return self._FIELD.sub(self._field, text)

    def _field(self, match: re.Match[str]) -> str:
        kind, logical_id = match.group(1), match.group(2)
        app = self.app
        if logical_id is None:
            simple = {
                "region": app.config.region,
                "account": app.config.account_id,
                "stack": self.stack,
            }
            return simple[kind]
        if kind == "name":
            return self.function_name(logical_id)
        if kind == "arn":
            return (
                f"arn:aws:lambda:{app.config.region}:{app.config.account_id}:function:"
                f"{self.function_name(logical_id)}"
            )
        resource = Res(logical_id)
        if kind == "topic_arn":
            self.resource_name("topic", resource)  # a generated name, of CloudFormation's form
            return app.topic(logical_id).arn
        if kind == "queue_url":
            self.resource_name("queue", resource)
            return app.queue(logical_id).url
        if kind == "bucket":
            return self.resource_name("bucket", resource)
        raise AssertionError(f"unknown placeholder {match.group(0)}")

    def function_name(self, logical_id: str) -> str:
        return self.app.function_configuration(logical_id).name

    def resource_name(self, kind: str, resource: Res) -> str:
        """The physical name `resource` must have: the template's, or the one the app gives
        its logical ID (then checked to be of CloudFormation's generated form)."""
        if resource.name is not None:
            return self(resource.name)
        found = getattr(self.app, kind)(resource.logical_id).name
        assert GENERATED.fullmatch(found), (
            f"{kind} {resource.logical_id}: {found!r} is not CloudFormation's generated form "
            "{StackName}-{LogicalId}-{SUFFIX}"
        )
        return str(found)


# -- triggers -----------------------------------------------------------------------------------

_HTTP = re.compile(r"http (?P<key>\$default|[A-Z]+ \S+) \(payload (?P<payload>[\d.]+)")
_QUEUE = re.compile(r"queue (?P<name>\S+) \(batch (?P<batch>\d+)(?P<rest>.*)\)")
_STREAM = re.compile(
    r"(?P<kind>stream|table) (?P<name>\S+) \(batch (?P<batch>\d+), (?P<shards>\d+) shards?"
    r"(?P<rest>.*)\)"
)
_BUCKET = re.compile(
    r"bucket (?P<name>\S+)(?: (?P<prefix>\S*)\*(?P<suffix>\S*))? \((?P<events>.*)\)"
)
_TOPIC = re.compile(r"topic (?P<name>\S+)(?P<filtered> \(filtered\))?")
_BUS = re.compile(r"bus (?P<bus>\S+) rule (?P<rule>\S+)")
_SCHEDULE = re.compile(r"schedule (?P<expression>(?:rate|cron|at)\(.*?\))(?: \((?P<zone>.+)\))?")


def _number(rest: str, pattern: str) -> int:
    found = re.search(pattern, rest)
    return int(found.group(1)) if found else 0


def _path(path: str) -> str:
    return path.rstrip("/") or "/"


def parse_trigger(text: str) -> tuple[Any, ...]:
    """The template-given parts of a trigger's description, as a comparable tuple."""
    if found := _HTTP.fullmatch(text) or _HTTP.match(text):
        key = found["key"]
        if key != "$default":
            method, path = key.split(" ", 1)
            key = f"{method} {_path(path)}"
        return ("http", key, found["payload"])
    if found := _QUEUE.fullmatch(text):
        rest = found["rest"]
        return (
            "queue",
            found["name"],
            int(found["batch"]),
            _number(rest, r", window (\d+) s"),
            ", partial failures" in rest,
            _number(rest, r", (\d+) filters?"),
            _number(rest, r", at most (\d+) at once") or None,
        )
    if found := _STREAM.fullmatch(text):
        return (
            found["kind"],
            found["name"],
            int(found["batch"]),
            int(found["shards"]),
            _number(found["rest"], r", window (\d+) s"),
        )
    if found := _BUCKET.fullmatch(text):
        events = tuple(sorted(event.strip() for event in found["events"].split(",")))
        return ("bucket", found["name"], events, found["prefix"] or "", found["suffix"] or "")
    if found := _TOPIC.fullmatch(text):
        return ("topic", found["name"], bool(found["filtered"]))
    if found := _BUS.fullmatch(text):
        return ("bus", found["bus"])
    if found := _SCHEDULE.fullmatch(text):
        return ("schedule", found["expression"], found["zone"] or "UTC")
    return ("unknown", text)


def expected_trigger(trigger: Trigger, resolve: Resolver) -> tuple[Any, ...]:
    """`trigger` as `parse_trigger` gives a description of it."""
    match trigger:
        case Http(method=method, path=path, payload=payload):
            key = "$default" if path is None else f"{method.upper()} {_path(path)}"
            return ("http", key, payload)
        case Sqs():
            return (
                "queue",
                resolve.resource_name("queue", trigger.queue),
                trigger.batch_size,
                trigger.window,
                trigger.partial,
                trigger.filters,
                trigger.maximum_concurrency,
            )
        case Stream():
            kind = "stream" if trigger.kind == "stream" else "table"
            return (
                kind,
                resolve.resource_name(kind, trigger.source),
                trigger.batch_size,
                trigger.shards,
                trigger.window,
            )
        case S3():
            return (
                "bucket",
                resolve.resource_name("bucket", trigger.bucket),
                tuple(sorted(trigger.events)),
                trigger.prefix,
                trigger.suffix,
            )
        case Sns():
            return ("topic", resolve.resource_name("topic", trigger.topic), trigger.filtered)
        case Rule(bus=bus):
            return ("bus", bus)
        case Schedule(expression=expression, timezone=zone):
            return ("schedule", expression, zone)
    raise AssertionError(f"unknown trigger {trigger!r}")


def compare_triggers(
    function: Function, descriptions: Iterable[str], resolve: Resolver
) -> list[str]:
    """What differs between the function's triggers in the app and in its template."""
    found = Counter(parse_trigger(text) for text in descriptions)
    wanted = Counter(expected_trigger(trigger, resolve) for trigger in function.triggers)
    problems = []
    missing = wanted - found
    extra = found - wanted
    if missing:
        problems.append(f"{function.logical_id}: triggers missing: {sorted(missing, key=str)}")
    if extra:
        problems.append(
            f"{function.logical_id}: triggers not in the template: {sorted(extra, key=str)}"
        )
    return problems


# -- functions ----------------------------------------------------------------------------------


def compare_function(app: App, project: Project, function: Function) -> list[str]:
    """What differs between the app's function `function.logical_id` and the template's."""
    resolve = Resolver(app, project)
    config = app.function_configuration(function.logical_id)
    problems: list[str] = []

    def differs(field: str, got: Any, want: Any) -> None:
        if got != want:
            problems.append(f"{function.logical_id}.{field}: {got!r} != template's {want!r}")

    name = config.name
    if function.name is not None:
        differs("name", name, resolve(function.name))
    elif not GENERATED.fullmatch(name) or len(name) > 64:
        problems.append(f"{function.logical_id}.name: {name!r} is not a generated name")
    loaded = app.template.functions.get(function.logical_id) if app.template else None
    if function.not_runnable is not None:
        if loaded is None or loaded.runnable:
            problems.append(f"{function.logical_id}: runnable, but {function.not_runnable}")
        else:
            if function.not_runnable not in loaded.reason:
                problems.append(f"{function.logical_id}: not runnable because {loaded.reason!r}")
            differs("handler", loaded.handler, function.handler)
    else:
        if loaded is not None and not loaded.runnable:
            problems.append(f"{function.logical_id}: not runnable: {loaded.reason}")
        differs("handler", app.function_handler(function.logical_id), function.handler)
    differs("memory", config.memory, function.memory)
    differs("timeout", config.timeout, function.timeout)
    differs("architecture", config.architecture, function.architecture)
    differs("description", config.description, resolve(function.description))
    differs("reserved_concurrency", config.reserved_concurrency, function.reserved)
    differs("provisioned_concurrency", config.provisioned_concurrency, function.provisioned)
    environment = dict(config.environment)
    differs("environment keys", sorted(environment), sorted(function.environment))
    for key, value in function.environment.items():
        if value != ANY and key in environment:
            differs(f"environment[{key}]", environment[key], resolve(value))
    if function.dead_letter is not None:
        queue = app.queue(function.dead_letter.logical_id)
        if config.dead_letter not in (queue.name, queue.arn):
            problems.append(
                f"{function.logical_id}.dead_letter: {config.dead_letter!r} is not queue "
                f"{function.dead_letter.logical_id} ({queue.name})"
            )
    descriptions = [trigger.describe() for trigger in app.triggers(function.logical_id)]
    problems += compare_triggers(function, descriptions, resolve)
    return problems


def compare_queue(app: App, resolve: Resolver, spec: Queue) -> list[str]:
    """What differs between the app's queue `spec.queue` and the template's."""
    queue = app.queue(spec.queue.logical_id)
    dead_letter = queue.dead_letter_queue
    got = {
        "name": queue.name,
        "fifo": queue.fifo,
        "content_based_deduplication": queue.content_based_deduplication,
        "visibility_timeout": queue.visibility_timeout,
        "retention": queue.message_retention_period,
        "dead_letter": None if dead_letter is None else dead_letter.name,
        "max_receive_count": queue.max_receive_count,
    }
    want = {
        "name": resolve.resource_name("queue", spec.queue),
        "fifo": spec.fifo,
        "content_based_deduplication": spec.content_based_deduplication,
        "visibility_timeout": spec.visibility_timeout,
        "retention": spec.retention,
        "dead_letter": None if spec.dead_letter is None else app.queue(spec.dead_letter).name,
        "max_receive_count": spec.max_receive_count,
    }
    return [
        f"{spec.queue.logical_id}.{key}: {got[key]!r} != template's {want[key]!r}"
        for key in want
        if got[key] != want[key]
    ]


def compare_app(app: App, project: Project) -> list[str]:
    """Every difference between the loaded app and the project's template."""
    problems: list[str] = []
    resolve = Resolver(app, project)
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", project.stack) and resolve.stack != project.stack:
        problems.append(f"stack name {resolve.stack!r} is not {project.stack!r}")
    wanted = sorted(resolve.function_name(function.logical_id) for function in project.functions)
    if sorted(app.functions) != wanted:
        problems.append(f"functions: {sorted(app.functions)} != template's {wanted}")
    for function in project.functions:
        problems += compare_function(app, project, function)
    for queue in project.queues:
        problems += compare_queue(app, resolve, queue)
    return problems


def unsupported_problems(project: Project, caught: list[warnings.WarningMessage]) -> list[str]:
    """What is wrong with the UnsupportedResourceWarnings of a load: one warning naming every
    resource faaslib does not emulate (and no other, beyond those it may name), or none when
    the template has none."""
    if len(caught) > 1:
        return [f"{len(caught)} UnsupportedResourceWarnings, not one"]
    if not caught:
        return ["no UnsupportedResourceWarning"] if project.unsupported else []
    text = str(caught[0].message)
    # each resource is named as `LogicalId (AWS::Service::Type, referenced by ...)`
    named = set(re.findall(r"(\w+) \((?:AWS|Custom)::", text))
    problems = []
    missing = sorted(
        logical_id
        for logical_id in project.unsupported  # named, or listed as referencing one that is
        if not re.search(rf"(?<!\w){re.escape(logical_id)}(?!\w)", text)
    )
    if missing:
        problems.append(f"the warning does not name {missing}: {text}")
    unexpected = sorted(named - set(project.unsupported) - set(project.maybe_unsupported))
    if unexpected:
        problems.append(f"the warning names {unexpected}, which faaslib emulates: {text}")
    return problems
