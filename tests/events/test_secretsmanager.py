"""Secrets Manager rotation events: real samples round-trip, are recognised, and the builder
makes events of their shape."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from faaslib.events._base import UNSET, decode, dump
from faaslib.events.secretsmanager import (
    BUILDERS,
    FAMILIES,
    SecretsManagerRotationEvent,
    build_secretsmanager,
    detect,
)
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

EXPECTED = {
    "aws-lambda-go/secretsmanager-secret-rotation-event.json": SecretsManagerRotationEvent,
    "powertools/secretsManagerEvent.json": SecretsManagerRotationEvent,
}
INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
ROWS = [line.split("\t") for line in INDEX.splitlines()[1:]]
FAMILY = sorted(row[0] for row in ROWS if row[4] == "secretsmanager")
OTHERS = sorted(row[0] for row in ROWS if row[4] != "secretsmanager")


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def test_every_secretsmanager_sample_has_an_expected_struct() -> None:
    assert sorted(EXPECTED) == FAMILY


@pytest.mark.parametrize(("path", "struct"), sorted(EXPECTED.items()))
def test_a_sample_round_trips_exactly(path: str, struct: type[Any]) -> None:
    raw = load(path)
    assert msgspec.to_builtins(decode(raw, struct)) == raw


@pytest.mark.parametrize(("path", "struct"), sorted(EXPECTED.items()))
def test_detect_recognises_a_sample(path: str, struct: type[Any]) -> None:
    assert detect(load(path)) is struct


@pytest.mark.parametrize("path", OTHERS)
def test_detect_claims_no_other_family(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "data",
    [[], "x", 5, None, {}, {"Records": 5}, {"SecretId": 1, "ClientRequestToken": "t", "Step": "s"}],
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def test_the_registries_name_the_family() -> None:
    assert list(FAMILIES) == list(BUILDERS) == ["secretsmanager"]
    assert FAMILIES["secretsmanager"] == (SecretsManagerRotationEvent,)
    assert BUILDERS["secretsmanager"] is build_secretsmanager


def test_the_default_build_has_the_shape_of_a_real_sample() -> None:
    built = build_secretsmanager()
    again = msgspec.json.decode(msgspec.json.encode(built), type=SecretsManagerRotationEvent)
    assert again == built
    samples = [decode(load(path), struct) for path, struct in EXPECTED.items()]
    assert matching_sample(built, samples)
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
