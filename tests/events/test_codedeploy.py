"""CodeDeploy lifecycle hooks: the real sample round-trips, `detect` recognises it and nothing
else, the builder shapes ids as CodeDeploy does, and the status report takes one call."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import msgspec
import pytest

from faaslib.events._base import AWSEvent, decode
from faaslib.events.codedeploy import (
    FAMILIES,
    CodeDeployLifecycleHookEvent,
    build_codedeploy_hook,
    detect,
)
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

EXPECTED: dict[str, type[AWSEvent]] = {
    "powertools/codeDeployLifecycleHookEvent.json": CodeDeployLifecycleHookEvent
}
ROWS = (
    [line.split("\t") for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]]
    if HAS_CORPUS
    else []
)
OURS = [row[0] for row in ROWS if row[4] in FAMILIES]
OTHERS = [row[0] for row in ROWS if row[4] not in FAMILIES]


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def test_every_sample_of_the_family_has_an_expected_struct() -> None:
    assert sorted(OURS) == sorted(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_a_sample_round_trips_exactly(path: str) -> None:
    raw = load(path)
    assert msgspec.to_builtins(decode(raw, EXPECTED[path])) == raw


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_detect_recognises_each_sample(path: str) -> None:
    assert detect(load(path)) is EXPECTED[path]


@pytest.mark.parametrize("path", OTHERS)
def test_detect_claims_no_sample_of_another_family(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "data",
    [
        [],
        "x",
        5,
        None,
        {},
        {"Records": 5},
        {"DeploymentId": "d-ABCDEF"},
        {"DeploymentId": 1, "LifecycleEventHookExecutionId": "x"},
    ],
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def test_a_default_built_event_has_the_structure_of_a_sample() -> None:
    built = build_codedeploy_hook()
    assert decode(msgspec.json.encode(built), CodeDeployLifecycleHookEvent) == built
    samples: list[msgspec.Struct] = [decode(load(path), EXPECTED[path]) for path in OURS]
    assert matching_sample(built, samples)


def test_a_built_hook_has_fresh_ids_shaped_as_codedeploy_shapes_them() -> None:
    first, second = build_codedeploy_hook(), build_codedeploy_hook()
    assert isinstance(first.deployment_id, str)
    assert re.fullmatch(r"d-[A-Z0-9]{9}", first.deployment_id)
    assert isinstance(first.lifecycle_event_hook_execution_id, str)
    token = json.loads(base64.b64decode(first.lifecycle_event_hook_execution_id))
    assert set(token) == {"encryptedData", "ivParameterSpec", "materialSetSerial"}
    assert first.deployment_id != second.deployment_id
    assert first.lifecycle_event_hook_execution_id != second.lifecycle_event_hook_execution_id


def test_a_built_hook_keeps_the_ids_it_is_given() -> None:
    event = build_codedeploy_hook(deployment_id="d-ABCDEF123", hook_execution_id="hook-1")
    assert msgspec.to_builtins(event) == {
        "DeploymentId": "d-ABCDEF123",
        "LifecycleEventHookExecutionId": "hook-1",
    }


def test_execution_status_gives_the_arguments_of_the_status_report() -> None:
    event = decode(
        load("powertools/codeDeployLifecycleHookEvent.json"), CodeDeployLifecycleHookEvent
    )
    assert event.execution_status("Failed") == {
        "deploymentId": "d-ABCDEF",
        "lifecycleEventHookExecutionId": "xxxxxxxxxxxxxxxxxxxxxxxx",
        "status": "Failed",
    }
