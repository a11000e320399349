"""Typed AWS events: the shapes Lambda hands a handler, as msgspec Structs.

```pycon
>>> from faaslib import events
>>> event = events.parse(raw)                        # the family is recognised
>>> event = events.parse(raw, type=events.SQSEvent)  # or named
>>> events.dump(event) == raw                        # the same JSON comes back
```

Decoding is strict about types (a wrong type raises `EventValidationError`, naming the field
path) and lenient about unknown keys, which AWS adds over time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

import msgspec

from faaslib.events import (
    appsync,
    authorizers,
    bedrock,
    build,
    clientvpn,
    cloudformation,
    cloudwatch,
    codecommit,
    codedeploy,
    codepipeline,
    cognito,
    config_rules,
    connect,
    eventbridge,
    firehose,
    http,
    iot,
    lattice,
    lex,
    mq,
    s3,
    s3_batch,
    s3_object_lambda,
    secretsmanager,
    ses,
    sns,
    sqs,
    streams,
    websocket,
)
from faaslib.events._base import (
    UNSET,
    AWSEvent,
    EventValidationError,
    Unset,
    decode,
    decode_document,
    dump,
)
from faaslib.events.appsync import AppSyncIdentity, AppSyncResolverEvent
from faaslib.events.authorizers import (
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerTokenEvent,
    AppSyncAuthorizerEvent,
)
from faaslib.events.bedrock import BedrockAgentEvent
from faaslib.events.clientvpn import ClientVPNConnectionHandlerEvent
from faaslib.events.cloudformation import CloudFormationCustomResourceEvent
from faaslib.events.cloudwatch import CloudWatchAlarmEvent, CloudWatchDashboardEvent
from faaslib.events.codecommit import CodeCommitEvent
from faaslib.events.codedeploy import CodeDeployLifecycleHookEvent
from faaslib.events.codepipeline import CodePipelineJobEvent
from faaslib.events.cognito import CognitoSyncEvent, CognitoUserPoolEvent
from faaslib.events.config_rules import ConfigEvent
from faaslib.events.connect import ConnectContactFlowEvent
from faaslib.events.eventbridge import EventBridgeEvent, ScheduledEvent
from faaslib.events.firehose import KinesisAnalyticsOutputDeliveryEvent, KinesisFirehoseEvent
from faaslib.events.http import (
    ALBEvent,
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
    LambdaFunctionUrlEvent,
)
from faaslib.events.iot import (
    IoTButtonEvent,
    IoTCustomAuthorizerEvent,
    IoTOneClickEvent,
    IoTPreProvisionHookEvent,
)
from faaslib.events.lattice import VPCLatticeEvent, VPCLatticeEventV2
from faaslib.events.lex import LexEvent, LexResponse
from faaslib.events.mq import ActiveMQEvent, RabbitMQEvent
from faaslib.events.responses import (
    ALBResponse,
    APIGatewayAuthorizerResponse,
    APIGatewayAuthorizerSimpleResponse,
    APIGatewayProxyResponse,
    APIGatewayProxyResponseV2,
    AppSyncAuthorizerResponse,
    IoTCustomAuthorizerResponse,
    IoTPreProvisionHookResponse,
    KinesisAnalyticsOutputDeliveryResponse,
    KinesisFirehoseResponse,
    LambdaFunctionUrlResponse,
    S3BatchResponse,
    SQSBatchResponse,
)
from faaslib.events.s3 import S3Event
from faaslib.events.s3_batch import S3BatchEvent
from faaslib.events.s3_object_lambda import S3ObjectLambdaEvent
from faaslib.events.secretsmanager import SecretsManagerRotationEvent
from faaslib.events.ses import SESEvent
from faaslib.events.sns import SNSEvent
from faaslib.events.sqs import SQSEvent
from faaslib.events.streams import (
    CloudWatchLogsEvent,
    DynamoDBStreamEvent,
    KafkaEvent,
    KinesisStreamEvent,
)
from faaslib.events.websocket import APIGatewayWebSocketEvent

__all__ = [
    "BUILDERS",
    "FAMILIES",
    "UNSET",
    "ALBEvent",
    "ALBResponse",
    "APIGatewayAuthorizerEventV2",
    "APIGatewayAuthorizerRequestEvent",
    "APIGatewayAuthorizerResponse",
    "APIGatewayAuthorizerSimpleResponse",
    "APIGatewayAuthorizerTokenEvent",
    "APIGatewayProxyEvent",
    "APIGatewayProxyEventV2",
    "APIGatewayProxyResponse",
    "APIGatewayProxyResponseV2",
    "APIGatewayWebSocketEvent",
    "AWSEvent",
    "ActiveMQEvent",
    "AppSyncAuthorizerEvent",
    "AppSyncAuthorizerResponse",
    "AppSyncIdentity",
    "AppSyncResolverEvent",
    "BedrockAgentEvent",
    "ClientVPNConnectionHandlerEvent",
    "CloudFormationCustomResourceEvent",
    "CloudWatchAlarmEvent",
    "CloudWatchDashboardEvent",
    "CloudWatchLogsEvent",
    "CodeCommitEvent",
    "CodeDeployLifecycleHookEvent",
    "CodePipelineJobEvent",
    "CognitoSyncEvent",
    "CognitoUserPoolEvent",
    "ConfigEvent",
    "ConnectContactFlowEvent",
    "DynamoDBStreamEvent",
    "EventBridgeEvent",
    "EventValidationError",
    "IoTButtonEvent",
    "IoTCustomAuthorizerEvent",
    "IoTCustomAuthorizerResponse",
    "IoTOneClickEvent",
    "IoTPreProvisionHookEvent",
    "IoTPreProvisionHookResponse",
    "KafkaEvent",
    "KinesisAnalyticsOutputDeliveryEvent",
    "KinesisAnalyticsOutputDeliveryResponse",
    "KinesisFirehoseEvent",
    "KinesisFirehoseResponse",
    "KinesisStreamEvent",
    "LambdaFunctionUrlEvent",
    "LambdaFunctionUrlResponse",
    "LexEvent",
    "LexResponse",
    "RabbitMQEvent",
    "S3BatchEvent",
    "S3BatchResponse",
    "S3Event",
    "S3ObjectLambdaEvent",
    "SESEvent",
    "SNSEvent",
    "SQSBatchResponse",
    "SQSEvent",
    "ScheduledEvent",
    "SecretsManagerRotationEvent",
    "Unset",
    "VPCLatticeEvent",
    "VPCLatticeEventV2",
    "build",
    "detect",
    "dump",
    "parse",
]

E = TypeVar("E", bound=msgspec.Struct)

_MODULES = (
    appsync,
    authorizers,
    bedrock,
    clientvpn,
    cloudformation,
    cloudwatch,
    codecommit,
    codedeploy,
    codepipeline,
    cognito,
    config_rules,
    connect,
    eventbridge,
    firehose,
    http,
    iot,
    lattice,
    lex,
    mq,
    s3,
    s3_batch,
    s3_object_lambda,
    secretsmanager,
    ses,
    sns,
    sqs,
    streams,
    websocket,
)
# Tried before the shapes of the core families below: their keys are specific, and some (an
# authorizer's request, a WebSocket event) also carry the keys of a proxy event.
_DETECTORS: tuple[Callable[[Mapping[str, Any]], type[AWSEvent] | None], ...] = (
    appsync.detect,
    authorizers.detect,
    bedrock.detect,
    clientvpn.detect,
    cloudformation.detect,
    cloudwatch.detect,
    codecommit.detect,
    codedeploy.detect,
    codepipeline.detect,
    cognito.detect,
    config_rules.detect,
    connect.detect,
    firehose.detect,
    iot.detect,
    lattice.detect,
    lex.detect,
    mq.detect,
    s3_batch.detect,
    s3_object_lambda.detect,
    secretsmanager.detect,
    ses.detect,
    websocket.detect,
)

# The corpus's family names (../shared/corpus/events/INDEX.tsv) and the Structs of each, the
# family's main one first.
FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = dict(
    sorted(item for module in _MODULES for item in module.FAMILIES.items())
)
"""The Structs of each event family, by the corpus's family name, the family's main one first."""
BUILDERS = build.BUILDERS
"""Each family's builder by its name: `BUILDERS["sqs"]` is `build.sqs`."""

_RECORD_SOURCES: dict[str, type[AWSEvent]] = {
    "aws:s3": S3Event,
    "aws:sqs": SQSEvent,
    "aws:sns": SNSEvent,
    "aws:kinesis": KinesisStreamEvent,
    "aws:dynamodb": DynamoDBStreamEvent,
}


@overload
def parse(raw: Any, type: None = None) -> AWSEvent: ...


@overload
def parse(raw: Any, type: type[E]) -> E: ...


def parse(raw: Any, type: type[Any] | None = None) -> Any:
    """`raw` (a dict, or JSON bytes or text) as a typed event: of `type` if given, else of the
    family its shape shows. Raises `EventValidationError` if it is not of that shape."""
    if type is not None:
        return decode(raw, type)
    data = raw
    if isinstance(raw, (bytes, bytearray, memoryview, str)):
        data = decode_document(raw)
    return decode(data, detect(data))


def detect(data: Any) -> type[AWSEvent]:
    """The event family of decoded JSON `data`, from the keys AWS always sends."""
    if isinstance(data, Mapping):
        for detector in _DETECTORS:  # the specific shapes first (an authorizer's request...)
            found = detector(data)
            if found is not None:
                return found
        records = data.get("Records")
        if isinstance(records, list) and records and isinstance(records[0], Mapping):
            first = records[0]
            source = first.get("eventSource", first.get("EventSource"))
            if isinstance(source, str) and source in _RECORD_SOURCES:
                return _RECORD_SOURCES[source]
        if "awslogs" in data:
            return CloudWatchLogsEvent
        # Self-managed Kafka's events say "SelfManagedKafka" (Lambda's developer guide); some
        # published samples (Powertools' test events) say "aws:SelfManagedKafka".
        if data.get("eventSource") in ("aws:kafka", "SelfManagedKafka", "aws:SelfManagedKafka"):
            return KafkaEvent
        if "detail-type" in data and "source" in data:
            is_schedule = data.get("detail-type") == "Scheduled Event"
            return ScheduledEvent if is_schedule else EventBridgeEvent
        context = data.get("requestContext")
        if isinstance(context, Mapping):
            if "elb" in context:
                return ALBEvent
            if data.get("version") == "2.0" and "http" in context:
                domain = context.get("domainName")
                if isinstance(domain, str) and ".lambda-url." in domain:
                    return LambdaFunctionUrlEvent
                return APIGatewayProxyEventV2
            if "httpMethod" in data and "resource" in data:
                return APIGatewayProxyEvent
    raise EventValidationError(
        "event", "no event family matches its keys; name one with parse(raw, type=...)"
    )
