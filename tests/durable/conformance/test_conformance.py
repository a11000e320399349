"""AWS's durable execution conformance requirements, each run on faaslib (issue 25's acceptance).

One case per requirement file: AWS's handler for it, deployed from AWS's SAM template with
`App.from_template`, invoked as AWS's runner invokes it, its history and result judged by the
suite's rules (`matching.py`) and, on the same real history and mutations of it, by AWS's own
`history.py` (both must agree). A requirement faaslib does not pass yet is `xfail(strict=True)`
with its diagnosis (`expectations.py`). Requirements that also give ExpectedLogs are judged on
history and result only (the report lists them). Callbacks go through boto3 into `app.aws`, as
AWS's runner sends them, except in the wait_for_callback suite, which uses
`app.durable.callback_*`, so both doors are exercised. Runs start a few ahead of their tests, in
threads (`ahead.Ahead`): the SDK's own threads spend most of a run's real time waiting.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

from faaslib import App
from faaslib.durable import DurableConfig
from tests.durable.conformance.ahead import Ahead
from tests.durable.conformance.expectations import NOT_YET
from tests.durable.conformance.faaslib_run import Run, conformance_runs, deployable
from tests.durable.conformance.oracle import disagreement, mutations
from tests.durable.conformance.requirements import Requirement, requirements, unmapped

pytest.importorskip(
    "aws_durable_execution_sdk_python", reason="AWS's durable SDK needs Python 3.11+"
)


@pytest.fixture(scope="module")
def runs() -> Iterator[Ahead[Requirement, Run]]:
    ahead = conformance_runs()
    yield ahead
    ahead.close()


def _case(requirement: Requirement) -> object:
    marks = []
    if requirement.id in NOT_YET:
        marks.append(pytest.mark.xfail(strict=True, reason=NOT_YET[requirement.id]))
    return pytest.param(requirement, id=f"{requirement.suite}-{requirement.id}", marks=marks)


@pytest.mark.parametrize("requirement", [_case(r) for r in requirements()])
def test_requirement(requirement: Requirement, runs: Ahead[Requirement, Run]) -> None:
    run = runs.result(requirement)
    events = run.outcome.events
    expected = requirement.expected_history
    assert disagreement(expected, events, run.variables) is None
    for changed in mutations(events, seed=len(events), count=4):
        assert disagreement(expected, changed, run.variables) is None
    assert run.verdict, "\n".join([*run.verdict.errors, "history:", *map(_line, events)])


def _line(event: dict[str, object]) -> str:
    """An event in one line, for a failure's message: its type, id and details."""
    details = {key: value for key, value in event.items() if key.endswith("Details")}
    return f"  {event.get('EventId')} {event.get('EventType')} {event.get('Name') or ''} {details}"


def test_every_suite_has_requirements_and_each_a_function() -> None:
    """Nothing drops out of the count: every suite has requirement files, AWS's templates map
    each to a function, and the only mapped ids with no file are the plugin suite's newer ones
    (10-8 to 10-18, in the SDK's template but not in version 1.0.0 of the suite's wheel)."""
    found = requirements()
    assert {r.suite for r in found} == {
        "step", "wait", "child", "callback", "invoke", "wait_for_condition",
        "wait_for_callback", "parallel", "map", "plugin",
    }  # fmt: skip
    assert all(r.function for r in found)
    missing = {suite: ids for suite, ids in unmapped().items() if ids}
    assert missing == {"plugin": [f"10-{n}" for n in range(8, 19)]}


def test_the_template_loader_gives_functions_their_durable_config() -> None:
    """The functions run as SAM deploys them: durable, with the template's DurableConfig."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = App.from_template(deployable("step"))
    durable = app._function("StepBasic").config.durable
    assert durable == DurableConfig(execution_timeout=300, retention_days=7)
