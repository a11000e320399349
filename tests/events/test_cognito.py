"""Cognito user pool and sync triggers: every real sample round-trips, `detect` knows them and
nothing else, and the builders shape events as Cognito does."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import msgspec
import pytest

from faaslib.events._base import AWSEvent, decode, dump
from faaslib.events.cognito import (
    BUILDERS,
    FAMILIES,
    CognitoSyncEvent,
    CognitoUserPoolEvent,
    build_cognito,
    build_cognito_sync,
    detect,
)
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
ROWS = [line.split("\t") for line in INDEX.splitlines()[1:]]
USER_POOL = [row[0] for row in ROWS if row[4] == "cognito"]
SYNC = [row[0] for row in ROWS if row[4] == "cognito-sync"]
EXPECTED: list[tuple[str, type[AWSEvent]]] = [
    *((path, CognitoUserPoolEvent) for path in USER_POOL),
    *((path, CognitoSyncEvent) for path in SYNC),
]
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"
OTHER_FAMILIES = [
    "powertools/sqsEvent.json",
    "powertools/apiGatewayProxyV2Event.json",
    "powertools/apiGatewayProxyEvent.json",
    "powertools/eventBridgeEvent.json",
    "powertools/s3Event.json",
    "powertools/kinesisStreamEvent.json",
    "powertools/cloudWatchLogEvent.json",
]


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def samples(paths: list[str], type: type[AWSEvent]) -> list[msgspec.Struct]:
    return [decode(load(path), type) for path in paths]


def test_the_corpus_has_every_trigger_family() -> None:
    assert len(USER_POOL) == 27
    assert len(SYNC) == 1


@pytest.mark.parametrize(("path", "type"), EXPECTED, ids=[path for path, _ in EXPECTED])
def test_a_sample_round_trips_through_its_struct(path: str, type: type[AWSEvent]) -> None:
    raw = load(path)
    event = decode(raw, type)
    assert dump(event) == raw
    assert msgspec.to_builtins(event) == raw


@pytest.mark.parametrize(("path", "type"), EXPECTED, ids=[path for path, _ in EXPECTED])
def test_detect_names_the_struct_of_a_sample(path: str, type: type[AWSEvent]) -> None:
    assert detect(load(path)) is type


@pytest.mark.parametrize("path", OTHER_FAMILIES)
def test_detect_leaves_other_families_alone(path: str) -> None:
    assert detect(load(path)) is None


OTHERS = [row[0] for row in ROWS if row[4] not in ("cognito", "cognito-sync")]


def test_detect_claims_no_sample_of_any_other_family() -> None:
    assert len(OTHERS) > 100
    claimed = [path for path in OTHERS if detect(load(path)) is not None]
    assert claimed == []


@pytest.mark.parametrize(
    "data",
    [
        [],
        "x",
        5,
        None,
        {},
        {"Records": 5},
        {"triggerSource": 5, "userPoolId": "us-east-1_abc"},
        {"triggerSource": "PreSignUp_SignUp"},
        {"identityPoolId": "us-east-1:abc", "datasetRecords": []},
    ],
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def test_the_registries_name_both_families() -> None:
    assert FAMILIES["cognito"] == (CognitoUserPoolEvent,)
    assert FAMILIES["cognito-sync"] == (CognitoSyncEvent,)
    assert BUILDERS["cognito"] is build_cognito
    assert BUILDERS["cognito-sync"] is build_cognito_sync


def test_one_struct_reads_each_triggers_own_fields() -> None:
    migration = decode(
        load("aws-lambda-go/cognito-event-userpools-migrateuser.json"), CognitoUserPoolEvent
    )
    assert isinstance(migration.response, msgspec.Struct)
    assert migration.response.force_alias_creation is True
    assert migration.response.desired_delivery_mediums == [
        "<desired-delivery-mediums-1>",
        "<desired-delivery-mediums-2>",
    ]
    tokens = decode(
        load("aws-lambda-go/cognito-event-userpools-pretokengen-v2_0.json"), CognitoUserPoolEvent
    )
    assert isinstance(tokens.response, msgspec.Struct)
    details = tokens.response.claims_and_scope_override_details
    assert isinstance(details, msgspec.Struct)
    assert isinstance(details.id_token_generation, msgspec.Struct)
    assert details.id_token_generation.claims_to_add_or_override == {
        "family_name": "xyz",
        "favorite_number": 2,
    }
    assert isinstance(tokens.request, msgspec.Struct)
    assert isinstance(tokens.request.group_configuration, msgspec.Struct)
    assert tokens.request.group_configuration.preferred_role is None


def test_a_user_attribute_of_the_wrong_type_is_rejected() -> None:
    raw = load("powertools/cognitoPreSignUpEvent.json")
    raw["request"]["userAttributes"]["email"] = 5
    with pytest.raises(ValueError, match=r"request\.userAttributes"):
        decode(raw, CognitoUserPoolEvent)


@pytest.mark.parametrize(
    ("trigger_source", "trigger"),
    [
        ("PreSignUp_SignUp", "PreSignUp"),
        ("CustomMessage_ForgotPassword", "CustomMessage"),
        ("TokenGeneration_RefreshTokens", "TokenGeneration"),
        ("VerifyAuthChallengeResponse_Authentication", "VerifyAuthChallengeResponse"),
        ("PreTokenGen", "PreTokenGen"),
    ],
)
def test_trigger_is_the_trigger_source_without_its_flow(trigger_source: str, trigger: str) -> None:
    assert CognitoUserPoolEvent(trigger_source=trigger_source).trigger == trigger


def test_trigger_is_empty_without_a_trigger_source() -> None:
    assert CognitoUserPoolEvent().trigger == ""


def test_build_cognito_defaults_to_a_pre_sign_up_shaped_like_a_real_one() -> None:
    built = build_cognito()
    again = msgspec.json.decode(msgspec.json.encode(built), type=CognitoUserPoolEvent)
    assert again == built
    assert built.trigger_source == "PreSignUp_SignUp"
    assert matching_sample(built, samples(USER_POOL, CognitoUserPoolEvent))


@pytest.mark.parametrize(
    ("trigger_source", "options"),
    [
        ("PostConfirmation_ConfirmSignUp", {}),
        ("PreAuthentication_Authentication", {}),
        ("PostAuthentication_Authentication", {}),
        ("DefineAuthChallenge_Authentication", {}),
        ("CreateAuthChallenge_Authentication", {}),
        ("VerifyAuthChallengeResponse_Authentication", {"client_metadata": {"k": "v"}}),
        ("UserMigration_Authentication", {}),
        ("TokenGeneration_Authentication", {}),
        ("InboundFederation_ExternalProvider", {}),
    ],
)
def test_build_cognito_shapes_other_triggers_like_their_samples(
    trigger_source: str, options: dict[str, Any]
) -> None:
    built = build_cognito(trigger_source, **options)
    assert matching_sample(built, samples(USER_POOL, CognitoUserPoolEvent))


def test_build_cognito_puts_the_arguments_where_cognito_does() -> None:
    built = build_cognito(
        "PreSignUp_AdminCreateUser",
        user_name="ana",
        user_attributes={"email": "ana@example.org", "phone_number": "+14155550100"},
        client_metadata={"campaign": "spring"},
        validation_data={"captcha": "ok"},
        client_id="3n4b5urk1ft4fl3mg5e62d9ado",
        region="eu-west-1",
    )
    raw = dump(built)
    assert raw["triggerSource"] == "PreSignUp_AdminCreateUser"
    assert raw["userName"] == "ana"
    assert raw["region"] == "eu-west-1"
    assert re.fullmatch(r"eu-west-1_[A-Za-z0-9]{9}", raw["userPoolId"])
    assert raw["callerContext"] == {
        "awsSdkVersion": "aws-sdk-unknown-unknown",
        "clientId": "3n4b5urk1ft4fl3mg5e62d9ado",
    }
    assert raw["request"] == {
        "userAttributes": {"email": "ana@example.org", "phone_number": "+14155550100"},
        "clientMetadata": {"campaign": "spring"},
        "validationData": {"captcha": "ok"},
    }
    assert raw["response"] == {}


def test_build_cognito_gives_a_signed_up_user_a_sub_and_a_status() -> None:
    built = build_cognito("PostConfirmation_ConfirmSignUp", user_name="ana@example.org")
    assert isinstance(built.request, msgspec.Struct)
    attributes = built.request.user_attributes
    assert isinstance(attributes, dict)
    assert attributes["email"] == "ana@example.org"
    assert attributes["cognito:user_status"] == "CONFIRMED"
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", str(attributes["sub"])
    )


def test_build_cognito_verify_challenge_answers_its_own_challenge() -> None:
    built = build_cognito("VerifyAuthChallengeResponse_Authentication")
    assert isinstance(built.request, msgspec.Struct)
    assert built.request.private_challenge_parameters == {"answer": built.request.challenge_answer}


def test_build_cognito_custom_message_carries_the_placeholders() -> None:
    request = dump(build_cognito("CustomMessage_AdminCreateUser"))["request"]
    assert request["codeParameter"] == "{####}"
    assert request["usernameParameter"] == "{username}"
    sign_up = dump(build_cognito("CustomMessage_SignUp"))["request"]
    assert sign_up["usernameParameter"] is None


def test_build_cognito_sender_has_an_encrypted_code_and_no_response() -> None:
    raw = dump(build_cognito("CustomSMSSender_SignUp"))
    assert raw["request"]["type"] == "customSMSSenderRequestV1"
    assert len(base64.b64decode(raw["request"]["code"], validate=True)) > 100
    assert "response" not in raw
    assert dump(build_cognito("CustomEmailSender_SignUp"))["request"]["type"] == (
        "customEmailSenderRequestV1"
    )


def test_build_cognito_sync_defaults_shape_like_the_sample() -> None:
    built = build_cognito_sync()
    again = msgspec.json.decode(msgspec.json.encode(built), type=CognitoSyncEvent)
    assert again == built
    assert matching_sample(built, samples(SYNC, CognitoSyncEvent))


def test_build_cognito_sync_records_each_change() -> None:
    built = build_cognito_sync(
        {"theme": "dark", "lang": "fr"},
        old_values={"theme": "light"},
        dataset="prefs",
        identity_id="eu-west-1:8f4c2d1e-1111-4a6b-9c0d-222233334444",
        region="eu-west-1",
    )
    raw = dump(built)
    assert raw["datasetName"] == "prefs"
    assert raw["identityId"] == "eu-west-1:8f4c2d1e-1111-4a6b-9c0d-222233334444"
    assert raw["identityPoolId"].startswith("eu-west-1:")
    assert raw["datasetRecords"] == {
        "theme": {"oldValue": "light", "newValue": "dark", "op": "replace"},
        "lang": {"oldValue": "", "newValue": "fr", "op": "replace"},
    }
