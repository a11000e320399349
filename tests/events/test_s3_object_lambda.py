"""S3 Object Lambda requests: the operation, input URL, headers and configuration read from the
event, and the builder shapes requests as S3 does."""

from __future__ import annotations

import urllib.parse
from typing import Any

import msgspec
import pytest

from faaslib.events._base import decode
from faaslib.events.s3_object_lambda import S3ObjectLambdaEvent, build_s3_object_lambda
from tests.events.corpus import load, needs_corpus
from tests.events.structure import assert_shaped_like


@needs_corpus
@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("aws-lambda-go/s3-object-lambda-event-get-object-iam.json", "GetObject"),
        ("aws-lambda-go/s3-object-lambda-event-head-object-iam.json", "HeadObject"),
        ("aws-lambda-go/s3-object-lambda-event-list-objects-iam.json", "ListObjects"),
        ("aws-lambda-go/s3-object-lambda-event-list-objects-v2-iam.json", "ListObjectsV2"),
    ],
)
def test_the_operation_and_input_url_come_from_whichever_context_is_set(
    path: str, operation: str
) -> None:
    event = decode(load(path), S3ObjectLambdaEvent)
    assert event.operation == operation
    assert event.input_s3_url is not None
    assert event.input_s3_url.startswith("https://my-s3-ap-111122223333.s3-accesspoint.")


def test_an_event_without_context_has_no_operation() -> None:
    event = S3ObjectLambdaEvent()
    assert event.operation is None
    assert event.input_s3_url is None


@needs_corpus
def test_user_request_headers_are_case_insensitive() -> None:
    event = decode(load("powertools/s3ObjectEventIAMUser.json"), S3ObjectLambdaEvent)
    assert isinstance(event.user_request, msgspec.Struct)
    assert event.user_request.header("accept-encoding") == "identity"
    assert event.user_request.header("HOST") == (
        "myolap-123412341234.s3-object-lambda.us-east-1.amazonaws.com"
    )
    assert event.user_request.header("Range") is None


@needs_corpus
def test_the_configuration_payload_decodes_from_json() -> None:
    event = decode(
        load("aws-lambda-go/s3-object-lambda-event-get-object-iam.json"), S3ObjectLambdaEvent
    )
    assert isinstance(event.configuration, msgspec.Struct)
    assert event.configuration.json() == {}
    built = build_s3_object_lambda(payload={"redact": ["ssn"]})
    assert isinstance(built.configuration, msgspec.Struct)
    assert built.configuration.json() == {"redact": ["ssn"]}


@needs_corpus
def test_an_assumed_role_build_is_shaped_like_the_temporary_credentials_sample() -> None:
    built = build_s3_object_lambda(role="Admin", user="alice")
    assert_shaped_like(built, "powertools/s3ObjectEventTempCredentials.json")
    identity = built.user_identity
    assert isinstance(identity, msgspec.Struct)
    assert identity.type == "AssumedRole"
    assert identity.arn == "arn:aws:sts::123456789012:assumed-role/Admin/alice"
    assert isinstance(identity.session_context, msgspec.Struct)
    assert isinstance(identity.session_context.session_issuer, msgspec.Struct)
    assert identity.session_context.session_issuer.arn == "arn:aws:iam::123456789012:role/Admin"


def test_builder_arguments_land_where_s3_puts_them() -> None:
    built = build_s3_object_lambda(
        "reports/q1 2026.csv",
        access_point="reports-ap",
        object_lambda_access_point="redacting-ap",
        now=1_767_225_600,  # 2026-01-01T00:00:00Z
        region="eu-west-2",
        account="210987654321",
    )
    assert built.operation == "GetObject"
    assert built.protocol_version == "1.00"
    assert isinstance(built.configuration, msgspec.Struct)
    assert built.configuration.access_point_arn == (
        "arn:aws:s3-object-lambda:eu-west-2:210987654321:accesspoint/redacting-ap"
    )
    assert built.configuration.supporting_access_point_arn == (
        "arn:aws:s3:eu-west-2:210987654321:accesspoint/reports-ap"
    )
    url = urllib.parse.urlsplit(built.input_s3_url or "")
    assert url.netloc == "reports-ap-210987654321.s3-accesspoint.eu-west-2.amazonaws.com"
    assert urllib.parse.unquote(url.path) == "/reports/q1 2026.csv"
    query = urllib.parse.parse_qs(url.query)
    assert query["X-Amz-Date"] == ["20260101T000000Z"]
    assert query["X-Amz-Credential"][0].endswith("/20260101/eu-west-2/s3/aws4_request")
    assert isinstance(built.get_object_context, msgspec.Struct)
    assert built.get_object_context.output_route == "io-euw2-001"
    assert isinstance(built.user_request, msgspec.Struct)
    assert built.user_request.header("host") == (
        "redacting-ap-210987654321.s3-object-lambda.eu-west-2.amazonaws.com"
    )
    assert isinstance(built.user_identity, msgspec.Struct)
    assert built.user_identity.account_id == "210987654321"


@pytest.mark.parametrize(
    ("operation", "path"),
    [("HeadObject", "/example.txt"), ("ListObjects", "/"), ("ListObjectsV2", "/")],
)
def test_other_operations_carry_only_their_own_context(operation: Any, path: str) -> None:
    built = build_s3_object_lambda(operation=operation)
    assert built.operation == operation
    assert built.get_object_context is msgspec.UNSET
    assert built.protocol_version == "1.01"
    url = urllib.parse.urlsplit(built.input_s3_url or "")
    assert url.netloc == "my-access-point-123456789012.s3-accesspoint.us-east-1.amazonaws.com"
    assert url.path == path
    assert ("list-type=2" in url.query) is (operation == "ListObjectsV2")
