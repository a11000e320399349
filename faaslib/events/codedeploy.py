"""AWS CodeDeploy: a lifecycle event hook (e.g. `BeforeAllowTraffic`) of a Lambda or ECS
deployment invoking a validation function, which reports back whether the hook passed."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = ["CodeDeployLifecycleHookEvent", "build_codedeploy_hook", "detect"]

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class CodeDeployLifecycleHookEvent(AWSEvent, rename="pascal"):
    """A deployment's lifecycle hook invoking its function: the two ids the function passes to
    `PutLifecycleEventHookExecutionStatus` to report `Succeeded` or `Failed`."""

    deployment_id: str | Unset = UNSET
    lifecycle_event_hook_execution_id: str | Unset = UNSET

    def execution_status(self, status: str) -> dict[str, Any]:
        """The arguments of boto3's `put_lifecycle_event_hook_execution_status` reporting
        `status` ("Succeeded" or "Failed") for this hook.

        ```pycon
        >>> codedeploy.put_lifecycle_event_hook_execution_status(
        ...     **event.execution_status("Succeeded"))
        ```
        """
        return {
            "deploymentId": self.deployment_id,
            "lifecycleEventHookExecutionId": self.lifecycle_event_hook_execution_id,
            "status": status,
        }


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`CodeDeployLifecycleHookEvent` for a lifecycle hook (`DeploymentId` and
    `LifecycleEventHookExecutionId`), else None."""
    if not isinstance(data, Mapping):
        return None
    if isinstance(data.get("DeploymentId"), str) and isinstance(
        data.get("LifecycleEventHookExecutionId"), str
    ):
        return CodeDeployLifecycleHookEvent
    return None


# Builders


def build_codedeploy_hook(
    *,
    deployment_id: str | None = None,
    hook_execution_id: str | None = None,
) -> CodeDeployLifecycleHookEvent:
    """A lifecycle hook invocation with a fresh deployment id (`d-` and nine characters) and an
    opaque hook execution id shaped as CodeDeploy's (base64 of encrypted JSON).

    ```pycon
    >>> build_codedeploy_hook(deployment_id="d-ABCDEF123").deployment_id
    'd-ABCDEF123'
    ```
    """
    if deployment_id is None:
        deployment_id = "d-" + _fake.random_text(9, _ID_ALPHABET)
    if hook_execution_id is None:
        token = {
            "encryptedData": _fake.b64(secrets.token_bytes(48)),
            "ivParameterSpec": _fake.b64(secrets.token_bytes(12)),
            "materialSetSerial": 1,
        }
        hook_execution_id = _fake.b64(msgspec.json.encode(token))
    return CodeDeployLifecycleHookEvent(
        deployment_id=deployment_id, lifecycle_event_hook_execution_id=hook_execution_id
    )


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "codedeploy-hook": (CodeDeployLifecycleHookEvent,)
}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"codedeploy-hook": build_codedeploy_hook}
