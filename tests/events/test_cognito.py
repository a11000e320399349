"""Cognito user pool and sync triggers: one Struct reads every trigger's own fields, the trigger
reads from the trigger source, and the builders shape events as Cognito does."""

from __future__ import annotations

import base64
import re
from typing import Any

import msgspec
import pytest

from faaslib.events._base import decode, dump
from faaslib.events.cognito import CognitoUserPoolEvent, build_cognito, build_cognito_sync
from tests.events.corpus import load, needs_corpus
from tests.events.structure import assert_shaped_like

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"


@needs_corpus
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


@needs_corpus
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


def test_build_cognito_defaults_to_a_pre_sign_up() -> None:
    assert build_cognito().trigger_source == "PreSignUp_SignUp"


@needs_corpus
@pytest.mark.parametrize(
    ("trigger_source", "options", "path"),
    [
        ("PostConfirmation_ConfirmSignUp", {}, "powertools/cognitoPostConfirmationEvent.json"),
        ("PreAuthentication_Authentication", {}, "powertools/cognitoPreAuthenticationEvent.json"),
        ("PostAuthentication_Authentication", {}, "powertools/cognitoPostAuthenticationEvent.json"),
        (
            "DefineAuthChallenge_Authentication",
            {},
            "powertools/cognitoDefineAuthChallengeEvent.json",
        ),
        (
            "CreateAuthChallenge_Authentication",
            {},
            "powertools/cognitoCreateAuthChallengeEvent.json",
        ),
        (
            "VerifyAuthChallengeResponse_Authentication",
            {"client_metadata": {"k": "v"}},
            "powertools/cognitoVerifyAuthChallengeResponseEvent.json",
        ),
        ("UserMigration_Authentication", {}, "powertools/cognitoUserMigrationEvent.json"),
        ("TokenGeneration_Authentication", {}, "powertools/cognitoPreTokenGenerationEvent.json"),
        (
            "InboundFederation_ExternalProvider",
            {},
            "aws-lambda-go/cognito-event-userpools-inbound-federation-oidc.json",
        ),
    ],
)
def test_build_cognito_shapes_other_triggers_like_their_samples(
    trigger_source: str, options: dict[str, Any], path: str
) -> None:
    assert_shaped_like(build_cognito(trigger_source, **options), path)


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
    assert re.fullmatch(UUID, str(attributes["sub"]))


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
