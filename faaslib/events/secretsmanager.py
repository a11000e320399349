"""AWS Secrets Manager rotation: the step of a secret's rotation that Secrets Manager asks the
rotation function to perform."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = ["ROTATION_STEPS", "SecretsManagerRotationEvent", "build_secretsmanager"]

# The steps of a rotation, in the order Secrets Manager invokes them.
ROTATION_STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


class SecretsManagerRotationEvent(AWSEvent, rename="pascal"):
    """One step of rotating a secret: which secret, which version (`client_request_token`) and
    which `step`; `rotation_token` is there when the function must pass it back to
    `PutSecretValue` (rotation by a function in another account)."""

    step: str | Unset = UNSET
    secret_id: str | Unset = UNSET
    client_request_token: str | Unset = UNSET
    rotation_token: str | Unset = UNSET


# Builders


def build_secretsmanager(
    secret_id: str = "prod/app/database",
    step: str = "createSecret",
    *,
    client_request_token: str | None = None,
    rotation_token: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> SecretsManagerRotationEvent:
    """The event Secrets Manager sends for `step` of rotating `secret_id`: a secret's ARN, or
    its name, which becomes an ARN with the random six-character suffix Secrets Manager adds.
    The event carries no time; `now` is accepted as by every builder.

    ```pycon
    >>> event = build_secretsmanager("prod/db", "setSecret", region="eu-west-1")
    >>> event.secret_id.startswith("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-")
    True
    ```
    """
    if step not in ROTATION_STEPS:
        raise ValueError(
            f"build_secretsmanager: step={step!r} is not a rotation step; "
            f"expected one of {', '.join(ROTATION_STEPS)}"
        )
    if not secret_id.startswith("arn:"):
        resource = f"secret:{secret_id}-{_fake.hex_id(6)}"
        secret_id = _fake.arn("secretsmanager", resource, region=region, account=account)
    return SecretsManagerRotationEvent(
        step=step,
        secret_id=secret_id,
        client_request_token=client_request_token or _fake.request_id(),
        rotation_token=UNSET if rotation_token is None else rotation_token,
    )


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"secretsmanager": (SecretsManagerRotationEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"secretsmanager": build_secretsmanager}


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`SecretsManagerRotationEvent` for a rotation step (`SecretId`, `ClientRequestToken` and
    `Step`, all text), else None."""
    if not isinstance(data, Mapping):
        return None
    keys = ("SecretId", "ClientRequestToken", "Step")
    if all(isinstance(data.get(key), str) for key in keys):
        return SecretsManagerRotationEvent
    return None
