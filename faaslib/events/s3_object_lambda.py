"""Amazon S3 Object Lambda: the request an Object Lambda Access Point hands a function so it
can transform a GetObject, HeadObject, ListObjects or ListObjectsV2 on the way out.

The function reads the original through `inputS3Url` (a presigned URL of the supporting access
point) and, for GetObject, answers with `WriteGetObjectResponse` using `outputRoute` and
`outputToken`; for the other operations it returns the response as its result.
"""

from __future__ import annotations

import hashlib
import secrets
import urllib.parse
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, Literal

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset
from faaslib.events.http import _Headers

__all__ = [
    "S3ObjectLambdaConfiguration",
    "S3ObjectLambdaEvent",
    "S3ObjectLambdaGetObjectContext",
    "S3ObjectLambdaInputContext",
    "S3ObjectLambdaSessionAttributes",
    "S3ObjectLambdaSessionContext",
    "S3ObjectLambdaSessionIssuer",
    "S3ObjectLambdaUserIdentity",
    "S3ObjectLambdaUserRequest",
    "build_s3_object_lambda",
    "detect",
]


class S3ObjectLambdaGetObjectContext(AWSEvent, rename="camel"):
    """What a GetObject transformation needs: where to read the original (`inputS3Url`) and
    the route and token to pass to `WriteGetObjectResponse`."""

    input_s3_url: str | Unset = msgspec.field(default=UNSET, name="inputS3Url")
    output_route: str | Unset = UNSET
    output_token: str | Unset = UNSET


class S3ObjectLambdaInputContext(AWSEvent):
    """The context of a HeadObject, ListObjects or ListObjectsV2 request: the presigned URL
    that performs the original request against the supporting access point."""

    input_s3_url: str | Unset = msgspec.field(default=UNSET, name="inputS3Url")


class S3ObjectLambdaConfiguration(AWSEvent, rename="camel"):
    """The Object Lambda Access Point's configuration: its ARN, the supporting access point's,
    and the payload text set on the access point for this function."""

    access_point_arn: str | Unset = UNSET
    supporting_access_point_arn: str | Unset = UNSET
    payload: str | Unset = UNSET

    def json(self) -> Any:
        """The payload decoded from JSON (None if there is none)."""
        return msgspec.json.decode(self.payload if isinstance(self.payload, str) else "null")


class S3ObjectLambdaUserRequest(AWSEvent, _Headers):
    """The caller's original request to the Object Lambda Access Point: URL and headers."""

    url: str | Unset = UNSET
    headers: dict[str, str] | Unset = UNSET


class S3ObjectLambdaSessionAttributes(AWSEvent, rename="camel"):
    """When the caller's temporary credentials were issued and whether with MFA."""

    mfa_authenticated: str | Unset = UNSET
    creation_date: str | Unset = UNSET


class S3ObjectLambdaSessionIssuer(AWSEvent, rename="camel"):
    """The role (or user) whose temporary credentials the caller holds."""

    type: str | Unset = UNSET
    principal_id: str | Unset = UNSET
    arn: str | Unset = UNSET
    account_id: str | Unset = UNSET
    user_name: str | Unset = UNSET


class S3ObjectLambdaSessionContext(AWSEvent, rename="camel"):
    """The temporary-credentials session of an assumed-role caller."""

    attributes: S3ObjectLambdaSessionAttributes | Unset = UNSET
    session_issuer: S3ObjectLambdaSessionIssuer | Unset = UNSET


class S3ObjectLambdaUserIdentity(AWSEvent, rename="camel"):
    """Who made the original request, as CloudTrail records an identity."""

    type: str | Unset = UNSET
    principal_id: str | Unset = UNSET
    arn: str | Unset = UNSET
    account_id: str | Unset = UNSET
    access_key_id: str | Unset = UNSET
    user_name: str | Unset = UNSET
    session_context: S3ObjectLambdaSessionContext | Unset = UNSET


class S3ObjectLambdaEvent(AWSEvent, rename="camel"):
    """An S3 Object Lambda request: exactly one of the operation contexts is set, by the
    operation the caller made through the Object Lambda Access Point."""

    x_amz_request_id: str | Unset = UNSET
    get_object_context: S3ObjectLambdaGetObjectContext | Unset = UNSET
    head_object_context: S3ObjectLambdaInputContext | Unset = UNSET
    list_objects_context: S3ObjectLambdaInputContext | Unset = UNSET
    list_objects_v2_context: S3ObjectLambdaInputContext | Unset = msgspec.field(
        default=UNSET, name="listObjectsV2Context"
    )
    configuration: S3ObjectLambdaConfiguration | Unset = UNSET
    user_request: S3ObjectLambdaUserRequest | Unset = UNSET
    user_identity: S3ObjectLambdaUserIdentity | Unset = UNSET
    protocol_version: str | Unset = UNSET

    @property
    def operation(self) -> str | None:
        """`GetObject`, `HeadObject`, `ListObjects` or `ListObjectsV2`: the operation whose
        context the event carries, or None if it carries none."""
        for operation, context in self._contexts():
            if not isinstance(context, Unset):
                return operation
        return None

    @property
    def input_s3_url(self) -> str | None:
        """The presigned URL that performs the original request, whatever the operation."""
        for _, context in self._contexts():
            if not isinstance(context, Unset):
                return context.input_s3_url if isinstance(context.input_s3_url, str) else None
        return None

    def _contexts(
        self,
    ) -> list[tuple[str, S3ObjectLambdaGetObjectContext | S3ObjectLambdaInputContext | Unset]]:
        return [
            ("GetObject", self.get_object_context),
            ("HeadObject", self.head_object_context),
            ("ListObjects", self.list_objects_context),
            ("ListObjectsV2", self.list_objects_v2_context),
        ]


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`S3ObjectLambdaEvent` for an Object Lambda request (`xAmzRequestId`, `configuration`
    and `userRequest`, which S3 always sends), else None."""
    if not isinstance(data, Mapping):
        return None
    if all(key in data for key in ("xAmzRequestId", "configuration", "userRequest")):
        return S3ObjectLambdaEvent
    return None


# Builders

Operation = Literal["GetObject", "HeadObject", "ListObjects", "ListObjectsV2"]


def build_s3_object_lambda(
    key: str = "example.txt",
    *,
    operation: Operation = "GetObject",
    access_point: str = "my-access-point",
    object_lambda_access_point: str = "my-object-lambda-ap",
    payload: Any = "{}",
    user: str = "my-user",
    role: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> S3ObjectLambdaEvent:
    """The request an Object Lambda Access Point sends for `operation` on `key` (ignored by
    the list operations): a presigned `inputS3Url` on the supporting `access_point`, the
    access points' ARNs, the `payload` configured for the function (text, or any other value
    as JSON), and the caller: IAM user `user`, or a session of `role` if given.

    ```pycon
    >>> build_s3_object_lambda("a.txt").get_object_context.input_s3_url.split("?")[0]
    'https://my-access-point-123456789012.s3-accesspoint.us-east-1.amazonaws.com/a.txt'
    ```
    """
    path = "/" if operation.startswith("List") else "/" + urllib.parse.quote(key)
    query = {"list-type": "2"} if operation == "ListObjectsV2" else {}
    input_url = _presigned_url(
        f"https://{access_point}-{account}.s3-accesspoint.{region}.amazonaws.com{path}",
        query,
        now,
        region,
    )
    host = f"{object_lambda_access_point}-{account}.s3-object-lambda.{region}.amazonaws.com"
    event = S3ObjectLambdaEvent(
        x_amz_request_id=_fake.request_id(),
        configuration=S3ObjectLambdaConfiguration(
            access_point_arn=_fake.arn(
                "s3-object-lambda",
                f"accesspoint/{object_lambda_access_point}",
                region=region,
                account=account,
            ),
            supporting_access_point_arn=_fake.arn(
                "s3", f"accesspoint/{access_point}", region=region, account=account
            ),
            payload=payload if isinstance(payload, str) else msgspec.json.encode(payload).decode(),
        ),
        user_request=S3ObjectLambdaUserRequest(
            url=f"https://{host}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else ""),
            headers={
                "Host": host,
                "Accept-Encoding": "identity",
                "X-Amz-Content-SHA256": hashlib.sha256(b"").hexdigest(),
            },
        ),
        user_identity=_user_identity(user, role, now, account),
        protocol_version="1.00" if operation == "GetObject" else "1.01",
    )
    if operation == "GetObject":
        event.get_object_context = S3ObjectLambdaGetObjectContext(
            input_s3_url=input_url,
            output_route=f"io-{_region_code(region)}-001",
            output_token=_fake.b64(secrets.token_bytes(96)),
        )
    elif operation == "HeadObject":
        event.head_object_context = S3ObjectLambdaInputContext(input_s3_url=input_url)
    elif operation == "ListObjects":
        event.list_objects_context = S3ObjectLambdaInputContext(input_s3_url=input_url)
    else:
        event.list_objects_v2_context = S3ObjectLambdaInputContext(input_s3_url=input_url)
    return event


def _presigned_url(base: str, query: dict[str, str], now: float | None, region: str) -> str:
    """`base` presigned with SigV4 query parameters, as S3 presigns `inputS3Url` with the
    function's temporary credentials (the signature is random: nothing checks it)."""
    moment = datetime.fromtimestamp(_fake.seconds(now), tz=timezone.utc)
    day = moment.strftime("%Y%m%d")
    signed = {
        **query,
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{_access_key('ASIA')}/{day}/{region}/s3/aws4_request",
        "X-Amz-Date": moment.strftime("%Y%m%dT%H%M%SZ"),
        "X-Amz-Expires": "61",
        "X-Amz-Security-Token": _fake.b64(secrets.token_bytes(240)),
        "X-Amz-SignedHeaders": "host",
        "X-Amz-Signature": _fake.hex_id(64),
    }
    return f"{base}?{urllib.parse.urlencode(signed)}"


def _user_identity(
    user: str, role: str | None, now: float | None, account: str
) -> S3ObjectLambdaUserIdentity:
    if role is None:
        return S3ObjectLambdaUserIdentity(
            type="IAMUser",
            principal_id=_unique_id("AIDA"),
            arn=_fake.arn("iam", f"user/{user}", region="", account=account),
            account_id=account,
            access_key_id=_access_key("AKIA"),
            user_name=user,
        )
    role_id = _unique_id("AROA")
    issued = datetime.fromtimestamp(_fake.seconds(now) - 600, tz=timezone.utc)
    return S3ObjectLambdaUserIdentity(
        type="AssumedRole",
        principal_id=f"{role_id}:{user}",
        arn=_fake.arn("sts", f"assumed-role/{role}/{user}", region="", account=account),
        account_id=account,
        access_key_id=_access_key("ASIA"),
        session_context=S3ObjectLambdaSessionContext(
            attributes=S3ObjectLambdaSessionAttributes(
                mfa_authenticated="false",
                # Java's Date.toString(), as CloudTrail writes it here
                creation_date=issued.strftime("%a %b %d %H:%M:%S UTC %Y"),
            ),
            session_issuer=S3ObjectLambdaSessionIssuer(
                type="Role",
                principal_id=role_id,
                arn=_fake.arn("iam", f"role/{role}", region="", account=account),
                account_id=account,
                user_name=role,
            ),
        ),
    )


_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _unique_id(prefix: str) -> str:
    """An IAM unique id (`AIDA...` for a user, `AROA...` for a role): 21 characters."""
    return prefix + _fake.random_text(17, _ID_ALPHABET)


def _access_key(prefix: str) -> str:
    """An access key id: `AKIA...` long-term, `ASIA...` temporary; 20 characters."""
    return prefix + _fake.random_text(16, _ID_ALPHABET)


def _region_code(region: str) -> str:
    """`us-east-1` → `use1`, the short region code S3 uses in output routes."""
    parts = region.split("-")
    if len(parts) == 3 and parts[1]:
        return f"{parts[0]}{parts[1][0]}{parts[2]}"
    return region.replace("-", "")


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"s3-object-lambda": (S3ObjectLambdaEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"s3-object-lambda": build_s3_object_lambda}
