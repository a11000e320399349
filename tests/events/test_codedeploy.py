"""CodeDeploy lifecycle hooks: the builder shapes ids as CodeDeploy does, and the status report
takes one call."""

from __future__ import annotations

import base64
import json
import re

import msgspec

from faaslib.events._base import decode
from faaslib.events.codedeploy import CodeDeployLifecycleHookEvent, build_codedeploy_hook
from tests.events.corpus import load, needs_corpus


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


@needs_corpus
def test_execution_status_gives_the_arguments_of_the_status_report() -> None:
    event = decode(
        load("powertools/codeDeployLifecycleHookEvent.json"), CodeDeployLifecycleHookEvent
    )
    assert event.execution_status("Failed") == {
        "deploymentId": "d-ABCDEF",
        "lifecycleEventHookExecutionId": "xxxxxxxxxxxxxxxxxxxxxxxx",
        "status": "Failed",
    }
