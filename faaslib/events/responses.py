"""What a handler returns to the service that invoked it: HTTP responses for API Gateway, function
URLs and load balancers, authorizer decisions, transformed stream records and partial batch
failures. A Lex bot's reply, `LexResponse`, stands beside `LexEvent` in `faaslib.events.lex`.

Handlers build these and return them; Lambda serializes them with `dump`. The constructors spare
the boilerplate AWS asks for, e.g.

```pycon
>>> APIGatewayProxyResponseV2.json({"id": 7}, status_code=201)
>>> SQSBatchResponse.of(["059f36b4-87a3-44ab-83d2-661975830a7d"])
>>> APIGatewayAuthorizerResponse.allow("user-42", event["methodArn"])
```
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any, Literal, TypeVar

import msgspec

from faaslib.events._base import UNSET, AWSEvent, Unset
from faaslib.events.lex import LexResponse

__all__ = [
    "RESPONSES",
    "ALBResponse",
    "APIGatewayAuthorizerResponse",
    "APIGatewayAuthorizerSimpleResponse",
    "APIGatewayProxyResponse",
    "APIGatewayProxyResponseV2",
    "AppSyncAuthorizerResponse",
    "BatchItemFailure",
    "IAMPolicyDocument",
    "IAMPolicyStatement",
    "IoTCustomAuthorizerResponse",
    "IoTPreProvisionHookResponse",
    "KinesisAnalyticsOutputDeliveryRecord",
    "KinesisAnalyticsOutputDeliveryResponse",
    "KinesisFirehoseResponse",
    "KinesisFirehoseResponseMetadata",
    "KinesisFirehoseResponseOTFMetadata",
    "KinesisFirehoseResponseRecord",
    "LambdaFunctionUrlResponse",
    "S3BatchResponse",
    "S3BatchResult",
    "SQSBatchResponse",
]

R = TypeVar("R", bound="_HTTPResponse")

_IAM_POLICY_VERSION = "2012-10-17"


# HTTP: API Gateway REST and HTTP APIs, function URLs, Application Load Balancer


class _HTTPResponse(AWSEvent, rename="camel"):
    """The fields every HTTP response shape shares, and the constructors built on them."""

    status_code: int | Unset = UNSET
    headers: dict[str, str] | Unset = UNSET
    body: str | Unset = UNSET
    is_base64_encoded: bool | Unset = msgspec.field(default=UNSET, name="isBase64Encoded")

    @classmethod
    def json(
        cls: type[R],
        data: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> R:
        """A response whose body is `data` encoded as JSON, with `Content-Type:
        application/json` unless `headers` name a content type already."""
        return cls._of(
            status_code, headers, "application/json", msgspec.json.encode(data).decode(), False
        )

    @classmethod
    def binary(
        cls: type[R],
        data: bytes,
        content_type: str = "application/octet-stream",
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> R:
        """A response whose body is `data`, base64-encoded as the service requires for binary
        content, with `Content-Type: content_type` unless `headers` name one already."""
        return cls._of(status_code, headers, content_type, base64.b64encode(data).decode(), True)

    @classmethod
    def _of(
        cls: type[R],
        status_code: int,
        headers: Mapping[str, str] | None,
        content_type: str,
        body: str,
        is_base64_encoded: bool,
    ) -> R:
        all_headers = dict(headers or {})
        if not any(name.lower() == "content-type" for name in all_headers):
            all_headers["Content-Type"] = content_type
        return cls(
            status_code=status_code,
            headers=all_headers,
            body=body,
            is_base64_encoded=is_base64_encoded,
            **cls._status_fields(status_code),
        )

    @classmethod
    def _status_fields(cls, status_code: int) -> dict[str, Any]:
        return {}


class APIGatewayProxyResponse(_HTTPResponse, rename="camel"):
    """What a REST API (or an HTTP API with payload 1.0) expects from a Lambda proxy integration.

    Headers sent more than once go in `multi_value_headers`; API Gateway merges both maps.
    """

    multi_value_headers: dict[str, list[str]] | Unset = UNSET


class APIGatewayProxyResponseV2(_HTTPResponse, rename="camel"):
    """What an HTTP API (payload 2.0) expects from a Lambda integration.

    `Set-Cookie` values go in `cookies`, one string each; repeated headers are comma-joined.
    """

    cookies: list[str] | Unset = UNSET


class LambdaFunctionUrlResponse(APIGatewayProxyResponseV2):
    """What a Lambda function URL expects: the HTTP API 2.0 response shape."""


class ALBResponse(_HTTPResponse, rename="camel"):
    """What an Application Load Balancer expects from a Lambda target.

    If the target group has multi-value headers on, the load balancer reads only
    `multi_value_headers`, otherwise only `headers`.
    """

    status_description: str | Unset = UNSET
    multi_value_headers: dict[str, list[str]] | Unset = UNSET

    @classmethod
    def _status_fields(cls, status_code: int) -> dict[str, Any]:
        try:
            phrase = HTTPStatus(status_code).phrase
        except ValueError:
            return {"status_description": str(status_code)}
        return {"status_description": f"{status_code} {phrase}"}


# Authorizers: API Gateway, AppSync, IoT Core


class IAMPolicyStatement(AWSEvent, rename="pascal"):
    """One statement of an IAM policy an authorizer returns: which actions on which resources it
    allows or denies. `Action` and `Resource` are a string or a list of strings."""

    action: str | list[str] | Unset = UNSET
    effect: str | Unset = UNSET
    resource: str | list[str] | Unset = UNSET
    condition: dict[str, Any] | Unset = UNSET


class IAMPolicyDocument(AWSEvent, rename="pascal"):
    """An IAM policy an authorizer returns (`Version` is "2012-10-17")."""

    version: str | Unset = UNSET
    statement: list[IAMPolicyStatement] | Unset = UNSET


class APIGatewayAuthorizerResponse(AWSEvent, rename="camel"):
    """What a Lambda authorizer of a REST API (or an HTTP API using IAM policies) returns: the
    caller's principal, the policy that allows or denies the call, and context values the
    integration receives (strings, numbers and booleans only)."""

    principal_id: str | Unset = UNSET
    policy_document: IAMPolicyDocument | Unset = UNSET
    context: dict[str, str | int | float | bool] | Unset = UNSET
    usage_identifier_key: str | Unset = UNSET

    @classmethod
    def allow(
        cls,
        principal_id: str,
        resource: str | list[str],
        *,
        context: Mapping[str, str | int | float | bool] | None = None,
    ) -> APIGatewayAuthorizerResponse:
        """A policy that lets `principal_id` invoke `resource` (a method ARN, wildcards allowed,
        e.g. the event's `methodArn`)."""
        return cls._policy(principal_id, "Allow", resource, context)

    @classmethod
    def deny(
        cls,
        principal_id: str,
        resource: str | list[str],
        *,
        context: Mapping[str, str | int | float | bool] | None = None,
    ) -> APIGatewayAuthorizerResponse:
        """A policy that forbids `principal_id` to invoke `resource` (API Gateway answers 403)."""
        return cls._policy(principal_id, "Deny", resource, context)

    @classmethod
    def _policy(
        cls,
        principal_id: str,
        effect: str,
        resource: str | list[str],
        context: Mapping[str, str | int | float | bool] | None,
    ) -> APIGatewayAuthorizerResponse:
        statement = IAMPolicyStatement(
            action="execute-api:Invoke",
            effect=effect,
            resource=list(resource) if isinstance(resource, list) else resource,
        )
        return cls(
            principal_id=principal_id,
            policy_document=IAMPolicyDocument(version=_IAM_POLICY_VERSION, statement=[statement]),
            context=UNSET if context is None else dict(context),
        )


class APIGatewayAuthorizerSimpleResponse(AWSEvent, rename="camel"):
    """What a Lambda authorizer of an HTTP API returns with simple responses enabled: whether
    the call is authorized, and context values the integration receives."""

    is_authorized: bool | Unset = UNSET
    context: dict[str, Any] | Unset = UNSET


class AppSyncAuthorizerResponse(AWSEvent, rename="camel"):
    """What an AppSync Lambda authorizer returns: whether the request is authorized, context
    for resolvers (`$ctx.identity.resolverContext`), fields to deny, and a cache TTL in
    seconds."""

    is_authorized: bool | Unset = UNSET
    resolver_context: dict[str, Any] | Unset = UNSET
    denied_fields: list[str] | Unset = UNSET
    ttl_override: int | Unset = UNSET


class IoTCustomAuthorizerResponse(AWSEvent, rename="camel"):
    """What an AWS IoT Core custom authorizer returns: whether the device is authenticated, its
    principal, its IoT policies, and how long the connection and the decision last (seconds).

    Each policy document is a JSON object or, as some SDKs send it, the same object as a JSON
    string.
    """

    is_authenticated: bool | Unset = UNSET
    principal_id: str | Unset = UNSET
    disconnect_after_in_seconds: int | Unset = UNSET
    refresh_after_in_seconds: int | Unset = UNSET
    policy_documents: list[IAMPolicyDocument | str] | Unset = UNSET


# Provisioning, stream processing and batch jobs


class IoTPreProvisionHookResponse(AWSEvent, rename="camel"):
    """What an IoT fleet provisioning pre-provisioning hook returns: whether to provision the
    device, and template parameters to override."""

    allow_provisioning: bool | Unset = UNSET
    parameter_overrides: dict[str, str] | Unset = UNSET


class KinesisFirehoseResponseOTFMetadata(AWSEvent, rename="camel"):
    """Where Firehose writes a record in an Apache Iceberg table, and how (insert, update or
    delete)."""

    destination_table_name: str | Unset = UNSET
    destination_database_name: str | Unset = UNSET
    operation: str | Unset = UNSET


class KinesisFirehoseResponseMetadata(AWSEvent, rename="camel"):
    """Routing for a transformed record: dynamic partitioning keys and Iceberg destination."""

    partition_keys: dict[str, str] | Unset = UNSET
    otf_metadata: KinesisFirehoseResponseOTFMetadata | Unset = UNSET


class KinesisFirehoseResponseRecord(AWSEvent, rename="camel"):
    """One record a Firehose transformation returns: its id, the outcome ("Ok", "Dropped" or
    "ProcessingFailed") and the transformed data, base64-encoded."""

    record_id: str | Unset = UNSET
    result: str | Unset = UNSET
    data: str | Unset = UNSET
    metadata: KinesisFirehoseResponseMetadata | Unset = UNSET

    @classmethod
    def of(
        cls,
        record_id: str,
        data: bytes | str,
        *,
        result: Literal["Ok", "Dropped", "ProcessingFailed"] = "Ok",
        partition_keys: Mapping[str, str] | None = None,
    ) -> KinesisFirehoseResponseRecord:
        """The record `record_id` transformed into `data` (bytes, or text sent as UTF-8), with
        dynamic partitioning keys if given."""
        raw = data.encode() if isinstance(data, str) else data
        return cls(
            record_id=record_id,
            result=result,
            data=base64.b64encode(raw).decode(),
            metadata=UNSET
            if partition_keys is None
            else KinesisFirehoseResponseMetadata(partition_keys=dict(partition_keys)),
        )

    def decoded_data(self) -> bytes:
        """The transformed data, base64-decoded (empty if there is none)."""
        return base64.b64decode(self.data) if isinstance(self.data, str) else b""


class KinesisFirehoseResponse(AWSEvent):
    """What a Firehose data transformation returns: one record for every record it received."""

    records: list[KinesisFirehoseResponseRecord] | Unset = UNSET


class KinesisAnalyticsOutputDeliveryRecord(AWSEvent, rename="camel"):
    """Whether one record reached the Lambda output of a Kinesis Data Analytics application:
    "Ok" or "DeliveryFailed"."""

    record_id: str | Unset = UNSET
    result: str | Unset = UNSET


class KinesisAnalyticsOutputDeliveryResponse(AWSEvent):
    """What a Lambda output of a Kinesis Data Analytics application returns, record by record."""

    records: list[KinesisAnalyticsOutputDeliveryRecord] | Unset = UNSET


class BatchItemFailure(AWSEvent, rename="camel"):
    """One message (SQS message id) or stream record (sequence number) that failed."""

    item_identifier: str | Unset = UNSET


class SQSBatchResponse(AWSEvent, rename="camel"):
    """A partial batch response: the items of an SQS, Kinesis or DynamoDB Streams batch that
    failed, for Lambda to retry (the mapping needs `ReportBatchItemFailures`). An empty list
    means the whole batch succeeded."""

    batch_item_failures: list[BatchItemFailure] | Unset = UNSET

    @classmethod
    def of(cls, failed_ids: Iterable[str]) -> SQSBatchResponse:
        """The response reporting `failed_ids` (SQS message ids, or Kinesis/DynamoDB sequence
        numbers) as failed; with none, the whole batch succeeded."""
        failures = [BatchItemFailure(item_identifier=item) for item in failed_ids]
        return cls(batch_item_failures=failures)


class S3BatchResult(AWSEvent, rename="camel"):
    """The outcome of one S3 Batch Operations task: "Succeeded", "TemporaryFailure" or
    "PermanentFailure", with a message for the job report."""

    task_id: str | Unset = UNSET
    result_code: str | Unset = UNSET
    result_string: str | Unset = UNSET


class S3BatchResponse(AWSEvent, rename="camel"):
    """What a function invoked by an S3 Batch Operations job returns for its tasks, echoing the
    event's `invocationId` and `invocationSchemaVersion`."""

    invocation_schema_version: str | Unset = UNSET
    treat_missing_keys_as: str | Unset = UNSET
    invocation_id: str | Unset = UNSET
    results: list[S3BatchResult] | Unset = UNSET


# The corpus samples (../shared/corpus/events/INDEX.tsv, family "response") and their Structs.
RESPONSES: dict[str, type[AWSEvent]] = {
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
