"""What handlers return: each corpus response has its Struct, and the convenience constructors
produce exactly the JSON the services expect."""

from __future__ import annotations

import base64
import json

import msgspec
import pytest

from faaslib.events._base import UNSET, AWSEvent, EventValidationError, decode, dump
from faaslib.events.lex import LexResponse
from faaslib.events.responses import (
    RESPONSES,
    ALBResponse,
    APIGatewayAuthorizerResponse,
    APIGatewayAuthorizerSimpleResponse,
    APIGatewayProxyResponse,
    APIGatewayProxyResponseV2,
    AppSyncAuthorizerResponse,
    IAMPolicyDocument,
    IoTCustomAuthorizerResponse,
    IoTPreProvisionHookResponse,
    KinesisAnalyticsOutputDeliveryResponse,
    KinesisFirehoseResponse,
    KinesisFirehoseResponseRecord,
    LambdaFunctionUrlResponse,
    S3BatchResponse,
    SQSBatchResponse,
)
from tests.events.corpus import load, needs_corpus

# The Struct of each response sample of the corpus, which tests/events/test_corpus.py round-trips.
EXPECTED: dict[str, type[AWSEvent]] = {
    "aws-lambda-go/alb-lambda-target-response.json": ALBResponse,
    "aws-lambda-go/apigw-custom-auth-response.json": APIGatewayAuthorizerResponse,
    "aws-lambda-go/apigw-response.json": APIGatewayProxyResponse,
    "aws-lambda-go/appsync-lambda-auth-response.json": AppSyncAuthorizerResponse,
    "aws-lambda-go/iot-custom-auth-response.json": IoTCustomAuthorizerResponse,
    "aws-lambda-go/iot-preprovision-hook-response.json": IoTPreProvisionHookResponse,
    "aws-lambda-go/kinesis-analytics-output-delivery-response.json": (
        KinesisAnalyticsOutputDeliveryResponse
    ),
    "aws-lambda-go/kinesis-firehose-response.json": KinesisFirehoseResponse,
    "aws-lambda-go/lambda-urls-response.json": LambdaFunctionUrlResponse,
    "aws-lambda-go/lex-response.json": LexResponse,
    "aws-lambda-go/s3-batch-job-event-response.json": S3BatchResponse,
    "powertools/appSyncAuthorizerResponse.json": AppSyncAuthorizerResponse,
}


def round_trips(response: AWSEvent) -> bool:
    """Whether `response` survives encoding to JSON and decoding with its own type."""
    return msgspec.json.decode(msgspec.json.encode(response), type=type(response)) == response


# The corpus


def test_the_registry_names_the_struct_of_each_response_sample() -> None:
    assert RESPONSES == EXPECTED


@needs_corpus
def test_iot_policy_documents_decode_as_policies() -> None:
    raw = load("aws-lambda-go/iot-custom-auth-response.json")
    response = decode(raw, IoTCustomAuthorizerResponse)
    assert isinstance(response.policy_documents, list)
    policy = response.policy_documents[0]
    assert isinstance(policy, IAMPolicyDocument)
    assert isinstance(policy.statement, list)
    assert policy.statement[0].action == ["iot:Publish"]


def test_iot_policy_documents_may_be_json_strings() -> None:
    policy = json.dumps({"Version": "2012-10-17", "Statement": []})
    raw = {"isAuthenticated": True, "principalId": "device42", "policyDocuments": [policy]}
    response = decode(raw, IoTCustomAuthorizerResponse)
    assert response.policy_documents == [policy]
    assert dump(response) == raw


def test_wrong_types_are_rejected() -> None:
    with pytest.raises(EventValidationError, match=r"statusCode"):
        decode({"statusCode": "200"}, APIGatewayProxyResponseV2)
    with pytest.raises(EventValidationError, match=r"context"):
        decode({"principalId": "u", "context": {"nested": {"a": 1}}}, APIGatewayAuthorizerResponse)


# HTTP responses


@pytest.mark.parametrize(
    "response_type", [APIGatewayProxyResponse, APIGatewayProxyResponseV2, LambdaFunctionUrlResponse]
)
def test_json_responses_encode_the_body_and_set_the_content_type(
    response_type: type[APIGatewayProxyResponse | APIGatewayProxyResponseV2],
) -> None:
    response = response_type.json({"id": 7, "tags": ["a"]}, status_code=201)
    assert type(response) is response_type
    assert dump(response) == {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json"},
        "body": '{"id":7,"tags":["a"]}',
        "isBase64Encoded": False,
    }
    assert json.loads(response.body) == {"id": 7, "tags": ["a"]}  # type: ignore[arg-type]
    assert round_trips(response)


def test_json_responses_keep_the_callers_headers_and_content_type() -> None:
    headers = {"content-type": "application/problem+json", "X-Trace": "abc"}
    response = APIGatewayProxyResponseV2.json({"error": "gone"}, 410, headers)
    assert response.headers == headers
    assert response.headers is not headers
    assert response.status_code == 410


def test_binary_responses_are_base64_encoded() -> None:
    png = b"\x89PNG\r\n\x1a\n\x00"
    response = APIGatewayProxyResponse.binary(png, "image/png", headers={"Cache-Control": "no"})
    assert dump(response) == {
        "statusCode": 200,
        "headers": {"Cache-Control": "no", "Content-Type": "image/png"},
        "body": base64.b64encode(png).decode(),
        "isBase64Encoded": True,
    }
    assert round_trips(response)


def test_alb_responses_carry_a_status_description() -> None:
    assert dump(ALBResponse.json([1, 2], status_code=404)) == {
        "statusCode": 404,
        "statusDescription": "404 Not Found",
        "headers": {"Content-Type": "application/json"},
        "body": "[1,2]",
        "isBase64Encoded": False,
    }
    assert ALBResponse.binary(b"x", status_code=299).status_description == "299"
    assert round_trips(ALBResponse.json(None))


def test_cookies_and_multi_value_headers_are_kept_apart() -> None:
    v2 = APIGatewayProxyResponseV2(status_code=200, cookies=["a=1", "b=2"])
    assert dump(v2) == {"statusCode": 200, "cookies": ["a=1", "b=2"]}
    v1 = APIGatewayProxyResponse(status_code=200, multi_value_headers={"Set-Cookie": ["a=1"]})
    assert dump(v1) == {"statusCode": 200, "multiValueHeaders": {"Set-Cookie": ["a=1"]}}


# Authorizers


def test_authorizer_allow_builds_the_iam_policy_api_gateway_expects() -> None:
    method_arn = "arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/GET/orders"
    response = APIGatewayAuthorizerResponse.allow(
        "user-42", method_arn, context={"tier": "gold", "quota": 5, "admin": False}
    )
    assert dump(response) == {
        "principalId": "user-42",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": method_arn}
            ],
        },
        "context": {"tier": "gold", "quota": 5, "admin": False},
    }
    assert round_trips(response)


def test_authorizer_deny_takes_several_resources_and_no_context() -> None:
    resources = ["arn:aws:execute-api:us-east-1:123456789012:api/prod/*/admin/*"]
    response = APIGatewayAuthorizerResponse.deny("anonymous", resources)
    assert dump(response) == {
        "principalId": "anonymous",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Deny", "Resource": resources}
            ],
        },
    }
    assert response.context is UNSET
    assert round_trips(response)


def test_http_api_simple_authorizer_response_has_its_documented_shape() -> None:
    raw = {"isAuthorized": True, "context": {"user": "u-1", "roles": ["admin"], "n": 1.5}}
    response = decode(raw, APIGatewayAuthorizerSimpleResponse)
    assert response.is_authorized is True
    assert dump(response) == raw
    assert dump(APIGatewayAuthorizerSimpleResponse(is_authorized=False)) == {"isAuthorized": False}


# Streams and batches


def test_firehose_records_base64_encode_their_data() -> None:
    ok = KinesisFirehoseResponseRecord.of("r1", b'{"n":1}\n', partition_keys={"day": "2026-01-02"})
    failed = KinesisFirehoseResponseRecord.of("r2", "raw line", result="ProcessingFailed")
    response = KinesisFirehoseResponse(records=[ok, failed])
    assert dump(response) == {
        "records": [
            {
                "recordId": "r1",
                "result": "Ok",
                "data": base64.b64encode(b'{"n":1}\n').decode(),
                "metadata": {"partitionKeys": {"day": "2026-01-02"}},
            },
            {
                "recordId": "r2",
                "result": "ProcessingFailed",
                "data": base64.b64encode(b"raw line").decode(),
            },
        ]
    }
    assert ok.decoded_data() == b'{"n":1}\n'
    assert failed.decoded_data() == b"raw line"
    assert KinesisFirehoseResponseRecord(record_id="r3", result="Dropped").decoded_data() == b""
    assert round_trips(response)


@needs_corpus
def test_firehose_sample_data_decodes() -> None:
    response = decode(load("aws-lambda-go/kinesis-firehose-response.json"), KinesisFirehoseResponse)
    assert isinstance(response.records, list)
    assert [record.decoded_data() for record in response.records] == [b"Hello World"] * 3


def test_sqs_batch_response_lists_the_failed_items() -> None:
    response = SQSBatchResponse.of(item for item in ["m-1", "m-2"])
    assert dump(response) == {
        "batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]
    }
    assert round_trips(response)


def test_sqs_batch_response_with_no_failures_keeps_the_empty_list() -> None:
    response = SQSBatchResponse.of([])
    assert dump(response) == {"batchItemFailures": []}
    assert round_trips(response)


# Lex


def test_lex_close_ends_the_conversation_with_a_plain_text_message() -> None:
    response = LexResponse.close(
        "Your order is placed.", fulfillment_state="Failed", session_attributes={"order": "42"}
    )
    assert dump(response) == {
        "sessionAttributes": {"order": "42"},
        "dialogAction": {
            "type": "Close",
            "fulfillmentState": "Failed",
            "message": {"contentType": "PlainText", "content": "Your order is placed."},
        },
    }
    assert round_trips(response)


def test_lex_delegate_hands_back_the_slots_including_empty_ones() -> None:
    response = LexResponse.delegate({"size": "large", "crust": None})
    assert dump(response) == {
        "dialogAction": {"type": "Delegate", "slots": {"size": "large", "crust": None}}
    }
    assert round_trips(response)
