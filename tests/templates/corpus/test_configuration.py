"""Acceptance: every template of the SAM corpus (../shared/corpus/sam) loads, and every
function's configuration and triggers, through `App.from_template` and through
`faaslib functions -t TEMPLATE --json`, are what the template declares (`expected_*.py`,
written from the templates by hand). Resources faaslib does not emulate are named in exactly
one UnsupportedResourceWarning."""

from __future__ import annotations

import json
import shlex

import pytest

from faaslib import App
from faaslib.cli import main
from faaslib.templates import TemplateError

from .checks import (
    BY_ID,
    PROJECTS,
    Resolver,
    compare_app,
    compare_triggers,
    load,
    parse_trigger,
    unsupported_problems,
)
from .model import CORPUS, HAS_CORPUS, Project, needs_corpus

pytestmark = needs_corpus

IDS = [project.id for project in PROJECTS]


def test_every_corpus_project_has_a_table() -> None:
    """The tables cover INDEX.tsv's projects, each once (a new corpus project needs one)."""
    if not HAS_CORPUS:
        pytest.skip("no corpus")
    listed = [line.split("\t")[0] for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]]
    assert sorted({project.folder for project in PROJECTS}) == sorted(listed)
    assert len(IDS) == len(set(IDS))


@pytest.mark.parametrize("project_id", IDS)
def test_template_loads_as_declared(project_id: str) -> None:
    project = BY_ID[project_id]
    app, _ = load(project)
    assert compare_app(app, project) == []


@pytest.mark.parametrize("project_id", IDS)
def test_unemulated_resources_warned_once(project_id: str) -> None:
    project = BY_ID[project_id]
    _, caught = load(project)
    assert unsupported_problems(project, caught) == []


def _options(project: Project) -> list[str]:
    """The command line's options for the project's parameters and stack name."""
    options = ["--stack-name", project.stack_name] if project.stack_name else []
    if project.parameters:
        text = " ".join(
            f"{key}={shlex.quote(value)}" for key, value in sorted(project.parameters.items())
        )
        options += ["--parameter-overrides", text]
    return options


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("project_id", IDS)
def test_cli_functions_json(project_id: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`faaslib functions -t TEMPLATE --json`: a row per function, by logical id, with the
    template's memory, timeout, architecture, concurrency, runtime and triggers."""
    project = BY_ID[project_id]
    capsys.readouterr()
    status = main(["functions", "-t", str(project.path), "--json", *_options(project)])
    out, err = capsys.readouterr()
    assert status == 0, err
    rows = {row["logical_id"]: row for row in json.loads(out)}
    assert sorted(rows) == sorted(function.logical_id for function in project.functions)
    app, _ = load(project)  # for the names CloudFormation would generate
    resolve = Resolver(app, project)
    problems: list[str] = []
    for function in project.functions:
        row = rows[function.logical_id]
        got = {
            "function": row["function"],
            "memory": row["memory"],
            "timeout": row["timeout"],
            "architecture": row["architecture"],
            "reserved": row["reserved_concurrency"],
            "provisioned": row["provisioned_concurrency"],
            "runtime": row["runtime"],
        }
        want = {
            "function": resolve.function_name(function.logical_id),
            "memory": function.memory,
            "timeout": function.timeout,
            "architecture": function.architecture,
            "reserved": function.reserved,
            "provisioned": function.provisioned,
            "runtime": function.runtime,
        }
        if function.name is not None:
            want["function"] = resolve(function.name)
        problems += [
            f"{function.logical_id}.{key}: {got[key]!r} != template's {want[key]!r}"
            for key in want
            if got[key] != want[key]
        ]
        problems += compare_triggers(function, row["triggers"], resolve)
    assert problems == []


FIFO = "apigw-http-api-fifo-sqs-lambda-sns-sam"


def test_parameter_overrides_replace_the_defaults() -> None:
    """The template's names come from parameters: overrides replace their defaults."""
    project = BY_ID[FIFO]
    app = App.from_template(
        project.path,
        parameters={
            "FunctionName": "OrderForwarder",
            "SQSQueueName": "orders.fifo",
            "SNSTopicName": "order-events",
        },
    )
    assert app.functions == ("OrderForwarder",)
    config = app.function_configuration("MyLambdaFunction")
    assert config.environment["TOPIC_ARN"] == app.topic("order-events").arn
    assert app.topic("MySNSTopic").name == "order-events"
    triggers = [parse_trigger(trigger.describe()) for trigger in app.triggers("OrderForwarder")]
    assert triggers == [("queue", "orders.fifo", 10, 0, False, 0, None)]


def test_cli_takes_sam_cli_parameter_overrides(capsys: pytest.CaptureFixture[str]) -> None:
    """`--parameter-overrides` in SAM CLI's long spelling."""
    project = BY_ID[FIFO]
    overrides = (
        "ParameterKey=FunctionName,ParameterValue=OrderForwarder "
        "ParameterKey=SQSQueueName,ParameterValue=orders.fifo"
    )
    capsys.readouterr()
    status = main(
        ["functions", "-t", str(project.path), "--json", "--parameter-overrides", overrides]
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    [row] = json.loads(out)
    assert (row["function"], row["logical_id"]) == ("OrderForwarder", "MyLambdaFunction")
    assert [parse_trigger(text) for text in row["triggers"]] == [
        ("queue", "orders.fifo", 10, 0, False, 0, None)
    ]


def test_a_parameter_without_default_must_be_given() -> None:
    """PinpointAppId has no Default: loading without it names the parameter."""
    project = BY_ID["apigw-lambda-pinpoint"]
    with pytest.raises(TemplateError, match="PinpointAppId") as raised:
        App.from_template(project.path)
    assert "PinpointAppId" in raised.value.path
