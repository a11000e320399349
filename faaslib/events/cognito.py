"""Amazon Cognito: user pool triggers (sign-up, sign-in, custom auth, messages, tokens, migration,
federation) and the Cognito Sync trigger.

Every user pool trigger sends the same envelope (`version`, `triggerSource`, `region`,
`userPoolId`, `userName`, `callerContext`) around a trigger-specific `request` and `response`.
One `CognitoUserPoolEvent` decodes them all: its `request` and `response` hold the union of the
triggers' fields, and a field a trigger does not send stays `UNSET`. The function returns the
event with `response` filled in.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "CognitoCallerContext",
    "CognitoChallengeResult",
    "CognitoClaimsAndScopeOverrideDetails",
    "CognitoClaimsOverrideDetails",
    "CognitoFederationAttributes",
    "CognitoGroupConfiguration",
    "CognitoSyncEvent",
    "CognitoSyncRecord",
    "CognitoTokenGeneration",
    "CognitoUserPoolEvent",
    "CognitoUserPoolRequest",
    "CognitoUserPoolResponse",
    "build_cognito",
    "build_cognito_sync",
    "detect",
]


class CognitoCallerContext(AWSEvent, rename="camel"):
    """Who called the user pool: the app client and the SDK it used."""

    aws_sdk_version: str | Unset = UNSET
    # AWS's own sample events for the message triggers spell it `awsSdk`; kept so they round-trip.
    aws_sdk: str | Unset = UNSET
    client_id: str | Unset = UNSET


class CognitoChallengeResult(AWSEvent, rename="camel"):
    """One challenge of a custom authentication flow so far, and whether the user passed it."""

    challenge_name: str | Unset = UNSET
    challenge_result: bool | Unset = UNSET
    challenge_metadata: str | Unset = UNSET


class CognitoGroupConfiguration(AWSEvent, rename="camel"):
    """The user's groups and IAM roles, as the token would carry them (and as the pre token
    generation trigger may override them)."""

    groups_to_override: list[str] | Unset = UNSET
    iam_roles_to_override: list[str] | Unset = UNSET
    preferred_role: str | Unset | None = UNSET


class CognitoClaimsOverrideDetails(AWSEvent, rename="camel"):
    """Pre token generation v1: the ID token claims to add, override or suppress."""

    claims_to_add_or_override: dict[str, str] | Unset = UNSET
    claims_to_suppress: list[str] | Unset = UNSET
    group_override_details: CognitoGroupConfiguration | Unset = UNSET


class CognitoTokenGeneration(AWSEvent, rename="camel"):
    """Pre token generation v2: what to change in one token (ID or access). Claim values may be
    any JSON; only access tokens take scopes."""

    claims_to_add_or_override: dict[str, Any] | Unset = UNSET
    claims_to_suppress: list[str] | Unset = UNSET
    scopes_to_add: list[str] | Unset = UNSET
    scopes_to_suppress: list[str] | Unset = UNSET


class CognitoClaimsAndScopeOverrideDetails(AWSEvent, rename="camel"):
    """Pre token generation v2: the changes to the ID token, the access token and the groups."""

    id_token_generation: CognitoTokenGeneration | Unset = UNSET
    access_token_generation: CognitoTokenGeneration | Unset = UNSET
    group_override_details: CognitoGroupConfiguration | Unset = UNSET


class CognitoFederationAttributes(AWSEvent, rename="camel"):
    """Inbound federation: what the identity provider sent, by where it came from (the OIDC token
    response, ID token claims and user info, or the SAML assertion's attributes)."""

    token_response: dict[str, str] | Unset = UNSET
    id_token: dict[str, str] | Unset = UNSET
    user_info: dict[str, str] | Unset = UNSET
    saml_response: dict[str, str] | Unset = UNSET


class CognitoUserPoolRequest(AWSEvent, rename="camel"):
    """What Cognito tells the function: every trigger's request fields, each set only by the
    triggers that send it (noted per group)."""

    # Nearly every trigger. Attribute values are strings, though AWS's samples for the message
    # triggers carry JSON booleans for the `*_verified` attributes.
    user_attributes: dict[str, str | bool] | Unset = UNSET
    client_metadata: dict[str, str] | Unset = UNSET
    # Pre sign-up, pre authentication, user migration.
    validation_data: dict[str, str] | Unset | None = UNSET
    # Post authentication.
    new_device_used: bool | Unset = UNSET
    # User migration.
    password: str | Unset = UNSET
    # Define, create and verify auth challenge.
    session: list[CognitoChallengeResult] | Unset = UNSET
    challenge_name: str | Unset = UNSET
    private_challenge_parameters: dict[str, str] | Unset = UNSET
    challenge_answer: str | Unset = UNSET
    user_not_found: bool | Unset = UNSET
    # Custom message.
    code_parameter: str | Unset = UNSET
    link_parameter: str | Unset | None = UNSET
    username_parameter: str | Unset | None = UNSET
    # Pre token generation.
    group_configuration: CognitoGroupConfiguration | Unset = UNSET
    scopes: list[str] | Unset = UNSET
    # Custom email and SMS senders: `code` is KMS-encrypted, base64.
    type: str | Unset = UNSET
    code: str | Unset | None = UNSET
    # Inbound federation.
    provider_name: str | Unset = UNSET
    provider_type: str | Unset = UNSET
    attributes: CognitoFederationAttributes | Unset = UNSET


class CognitoUserPoolResponse(AWSEvent, rename="camel"):
    """What the function tells Cognito: every trigger's response fields, each read only by the
    trigger that takes it. Cognito sends most of them as null or leaves them out."""

    # Pre sign-up.
    auto_confirm_user: bool | Unset = UNSET
    auto_verify_email: bool | Unset = UNSET
    auto_verify_phone: bool | Unset = UNSET
    # Custom message.
    sms_message: str | Unset | None = UNSET
    email_message: str | Unset | None = UNSET
    email_subject: str | Unset | None = UNSET
    # User migration.
    user_attributes: dict[str, str] | Unset | None = UNSET
    final_user_status: str | Unset | None = UNSET
    message_action: str | Unset | None = UNSET
    desired_delivery_mediums: list[str] | Unset | None = UNSET
    force_alias_creation: bool | Unset | None = UNSET
    enable_sms_mfa: bool | Unset | None = msgspec.field(default=UNSET, name="enableSMSMFA")
    # Define auth challenge.
    challenge_name: str | Unset | None = UNSET
    issue_tokens: bool | Unset | None = UNSET
    fail_authentication: bool | Unset | None = UNSET
    # Create auth challenge.
    public_challenge_parameters: dict[str, str] | Unset | None = UNSET
    private_challenge_parameters: dict[str, str] | Unset | None = UNSET
    challenge_metadata: str | Unset | None = UNSET
    # Verify auth challenge response.
    answer_correct: bool | Unset = UNSET
    # Pre token generation, v1 and v2.
    claims_override_details: CognitoClaimsOverrideDetails | Unset | None = UNSET
    claims_and_scope_override_details: CognitoClaimsAndScopeOverrideDetails | Unset | None = UNSET
    # Inbound federation: the attributes to keep ({} keeps them all).
    user_attributes_to_map: dict[str, str] | Unset = UNSET


class CognitoUserPoolEvent(AWSEvent, rename="camel"):
    """A Cognito user pool trigger invocation, any trigger: `trigger_source` says which
    (`PreSignUp_SignUp`, `TokenGeneration_Authentication`, ...), and `trigger` names the trigger
    without the flow that fired it.

    ```pycon
    >>> event = build_cognito("PostConfirmation_ConfirmSignUp", user_name="ana")
    >>> event.trigger, event.request.user_attributes["email"]
    ('PostConfirmation', 'ana@example.com')
    ```
    """

    version: str | Unset = UNSET
    trigger_source: str | Unset = UNSET
    region: str | Unset = UNSET
    user_pool_id: str | Unset = UNSET
    user_name: str | Unset = UNSET
    caller_context: CognitoCallerContext | Unset = UNSET
    request: CognitoUserPoolRequest | Unset = UNSET
    response: CognitoUserPoolResponse | Unset = UNSET

    @property
    def trigger(self) -> str:
        """The trigger, without the flow: "PreSignUp" for `PreSignUp_SignUp`, "CustomMessage"
        for `CustomMessage_ForgotPassword`; "" when the event has no trigger source."""
        source = self.trigger_source if isinstance(self.trigger_source, str) else ""
        return source.partition("_")[0]


class CognitoSyncRecord(AWSEvent, rename="camel"):
    """One changed key of a Cognito Sync dataset: its old and new values and the operation."""

    old_value: str | Unset = UNSET
    new_value: str | Unset = UNSET
    op: str | Unset = UNSET


class CognitoSyncEvent(AWSEvent, rename="camel"):
    """A Cognito Sync trigger: the changed records of one identity's dataset, by key."""

    version: int | Unset = UNSET
    event_type: str | Unset = UNSET
    region: str | Unset = UNSET
    identity_pool_id: str | Unset = UNSET
    identity_id: str | Unset = UNSET
    dataset_name: str | Unset = UNSET
    dataset_records: dict[str, CognitoSyncRecord] | Unset = UNSET


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`CognitoUserPoolEvent` for a user pool trigger (a `triggerSource` and a `userPoolId`),
    `CognitoSyncEvent` for a sync trigger (an `identityPoolId` and `datasetRecords`), else None."""
    if not isinstance(data, Mapping):
        return None
    if isinstance(data.get("triggerSource"), str) and isinstance(data.get("userPoolId"), str):
        return CognitoUserPoolEvent
    if isinstance(data.get("identityPoolId"), str) and isinstance(
        data.get("datasetRecords"), Mapping
    ):
        return CognitoSyncEvent
    return None


# Builders


def build_cognito(
    trigger_source: str = "PreSignUp_SignUp",
    *,
    user_name: str = "jdoe",
    user_attributes: Mapping[str, str] | None = None,
    client_metadata: Mapping[str, str] | None = None,
    validation_data: Mapping[str, str] | None = None,
    user_pool_id: str | None = None,
    client_id: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
) -> CognitoUserPoolEvent:
    """The event a user pool sends its `trigger_source` trigger for `user_name`, with the request
    that trigger gets and an empty response for the function to fill.

    Without `user_attributes`, the user has an email at example.com (and, once signed up, a
    `sub` and a status). `client_metadata` and `validation_data` are sent only when given, as
    Cognito sends them only when the app does. `now` is accepted like every builder's: Cognito
    events carry no timestamp.

    ```pycon
    >>> event = build_cognito(user_name="ana", user_attributes={"email": "ana@example.org"})
    >>> event.trigger_source, event.request.user_attributes
    ('PreSignUp_SignUp', {'email': 'ana@example.org'})
    ```
    """
    trigger, _, flow = trigger_source.partition("_")
    attributes = dict(
        user_attributes if user_attributes is not None else _attributes(user_name, trigger, flow)
    )
    request = _request(trigger, flow, user_name, attributes)
    if validation_data is not None:
        request.validation_data = dict(validation_data)
    if client_metadata is not None:
        request.client_metadata = dict(client_metadata)
    response: CognitoUserPoolResponse | Unset = CognitoUserPoolResponse()
    if trigger == "InboundFederation":
        response = CognitoUserPoolResponse(user_attributes_to_map={})
    elif trigger in _SENDERS:  # the senders return nothing to Cognito
        response = UNSET
    return CognitoUserPoolEvent(
        version="1",
        trigger_source=trigger_source,
        region=region,
        user_pool_id=user_pool_id or f"{region}_{_fake.random_text(9, _POOL_ID)}",
        user_name=user_name,
        caller_context=CognitoCallerContext(
            aws_sdk_version="aws-sdk-unknown-unknown",
            client_id=client_id or _fake.random_text(26, string.ascii_lowercase + string.digits),
        ),
        request=request,
        response=response,
    )


def build_cognito_sync(
    records: Mapping[str, str] | None = None,
    *,
    old_values: Mapping[str, str] | None = None,
    dataset: str = "settings",
    identity_id: str | None = None,
    identity_pool_id: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
) -> CognitoSyncEvent:
    """The event Cognito Sync sends when an identity syncs `records` (key to new value) into a
    dataset; a key's old value comes from `old_values`, "" when it had none. `now` is accepted
    like every builder's: sync events carry no timestamp.

    ```pycon
    >>> build_cognito_sync({"theme": "dark"}).dataset_records["theme"].new_value
    'dark'
    ```
    """
    changes = dict(records) if records is not None else {"theme": "dark"}
    previous = old_values or {}
    return CognitoSyncEvent(
        version=2,
        event_type="SyncTrigger",
        region=region,
        identity_pool_id=identity_pool_id or f"{region}:{_fake.request_id()}",
        identity_id=identity_id or f"{region}:{_fake.request_id()}",
        dataset_name=dataset,
        dataset_records={
            key: CognitoSyncRecord(old_value=previous.get(key, ""), new_value=value, op="replace")
            for key, value in changes.items()
        },
    )


_POOL_ID = string.ascii_letters + string.digits  # user pool ids: `us-east-1_AbC123xYz`
_SENDERS = {
    "CustomEmailSender": "customEmailSenderRequestV1",
    "CustomSMSSender": "customSMSSenderRequestV1",
}
_CHALLENGES = ("DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse")


def _request(
    trigger: str, flow: str, user_name: str, attributes: dict[str, str]
) -> CognitoUserPoolRequest:
    """The request `trigger` gets, with the fields Cognito always sends it."""
    if trigger == "UserMigration":  # the user is not in the pool yet: only what they typed
        return CognitoUserPoolRequest(password=secrets.token_urlsafe(12))
    if trigger == "InboundFederation":
        return CognitoUserPoolRequest(
            provider_name="ExampleOIDC",
            provider_type="OIDC",
            attributes=_oidc_attributes(user_name, attributes),
        )
    request = CognitoUserPoolRequest(user_attributes=dict(attributes))
    if trigger == "PostAuthentication":
        request.new_device_used = False
    elif trigger in _CHALLENGES:
        request.user_not_found = False
        if trigger == "VerifyAuthChallengeResponse":
            answer = f"{secrets.randbelow(1_000_000):06d}"
            request.private_challenge_parameters = {"answer": answer}
            request.challenge_answer = answer
        else:
            # After the password and one custom challenge, as a multi-round custom flow goes.
            request.session = [
                CognitoChallengeResult(challenge_name="PASSWORD_VERIFIER", challenge_result=True),
                CognitoChallengeResult(
                    challenge_name="CUSTOM_CHALLENGE",
                    challenge_result=True,
                    challenge_metadata="CAPTCHA_CHALLENGE",
                ),
            ]
        if trigger == "CreateAuthChallenge":
            request.challenge_name = "CUSTOM_CHALLENGE"
    elif trigger == "TokenGeneration":
        request.group_configuration = CognitoGroupConfiguration(
            groups_to_override=[], iam_roles_to_override=[], preferred_role=None
        )
    elif trigger == "CustomMessage":
        request.code_parameter = "{####}"
        request.link_parameter = "{##Click Here##}"
        request.username_parameter = "{username}" if flow == "AdminCreateUser" else None
    elif trigger in _SENDERS:
        request.type = _SENDERS[trigger]
        # The code, encrypted with the pool's KMS key by the AWS Encryption SDK, in base64.
        request.code = _fake.b64(secrets.token_bytes(180))
    return request


def _attributes(user_name: str, trigger: str, flow: str) -> dict[str, str]:
    """The attributes Cognito holds for a user who signed up with an email address."""
    email = user_name if "@" in user_name else f"{user_name}@example.com"
    if trigger == "PreSignUp":  # not created yet: only what the user submitted
        return {"email": email}
    unconfirmed = flow in ("SignUp", "ResendCode")
    return {
        "sub": _fake.request_id(),
        "cognito:user_status": "UNCONFIRMED" if unconfirmed else "CONFIRMED",
        "email_verified": "false" if unconfirmed else "true",
        "email": email,
    }


def _oidc_attributes(user_name: str, attributes: Mapping[str, str]) -> CognitoFederationAttributes:
    subject = _fake.request_id()
    email = str(attributes.get("email", f"{user_name}@example.com"))
    return CognitoFederationAttributes(
        token_response={
            "access_token": _fake.b64(secrets.token_bytes(48)),
            "token_type": "Bearer",
            "expires_in": "3600",
        },
        id_token={"sub": subject, "email": email, "email_verified": "true"},
        user_info={"sub": subject, "email": email},
    )


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {
    "cognito": (CognitoUserPoolEvent,),
    "cognito-sync": (CognitoSyncEvent,),
}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {
    "cognito": build_cognito,
    "cognito-sync": build_cognito_sync,
}
