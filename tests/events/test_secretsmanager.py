"""Secrets Manager rotation events: the builder starts at createSecret, names the secret by ARN
and keeps what it is given."""

from __future__ import annotations

import pytest

from faaslib.events._base import UNSET, dump
from faaslib.events.secretsmanager import build_secretsmanager


def test_the_default_build_is_the_first_step_of_a_rotation() -> None:
    built = build_secretsmanager()
    assert built.step == "createSecret"
    assert built.rotation_token is UNSET


def test_a_secret_name_becomes_an_arn_in_the_region_and_account() -> None:
    built = build_secretsmanager(
        "prod/db", "finishSecret", region="eu-west-1", account="111122223333"
    )
    assert isinstance(built.secret_id, str)
    prefix = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-"
    assert built.secret_id.startswith(prefix)
    assert len(built.secret_id) == len(prefix) + 6
    assert built.step == "finishSecret"


def test_a_secret_arn_and_the_tokens_are_kept_as_given() -> None:
    arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestDatabaseSecret-a1b2c3"
    built = build_secretsmanager(
        arn, "testSecret", client_request_token="token-1", rotation_token="rotation-1"
    )
    assert dump(built) == {
        "Step": "testSecret",
        "SecretId": arn,
        "ClientRequestToken": "token-1",
        "RotationToken": "rotation-1",
    }


def test_each_build_has_a_new_client_request_token() -> None:
    first, second = build_secretsmanager("s"), build_secretsmanager("s")
    assert first.client_request_token != second.client_request_token


def test_an_unknown_step_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="step='rotate'"):
        build_secretsmanager("s", "rotate")
