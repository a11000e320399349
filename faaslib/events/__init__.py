"""Typed AWS events: the shapes Lambda hands a handler, as msgspec Structs.

>>> from faaslib import events
>>> event = events.parse(raw)                        # the family is recognised
>>> event = events.parse(raw, type=events.SQSEvent)  # or named
>>> events.dump(event) == raw                        # the same JSON comes back

Decoding is strict about types (a wrong type raises `EventValidationError`, naming the field
path) and lenient about unknown keys, which AWS adds over time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, overload

import msgspec

from faaslib.events._base import UNSET, AWSEvent, EventValidationError, Unset, decode, dump
from faaslib.events.eventbridge import EventBridgeEvent, ScheduledEvent
from faaslib.events.http import (
    ALBEvent,
    APIGatewayProxyEvent,
    APIGatewayProxyEventV2,
    LambdaFunctionUrlEvent,
)
from faaslib.events.s3 import S3Event
from faaslib.events.sns import SNSEvent
from faaslib.events.sqs import SQSEvent
from faaslib.events.streams import (
    CloudWatchLogsEvent,
    DynamoDBStreamEvent,
    KafkaEvent,
    KinesisStreamEvent,
)

__all__ = [
    "FAMILIES",
    "UNSET",
    "ALBEvent",
    "APIGatewayProxyEvent",
    "APIGatewayProxyEventV2",
    "AWSEvent",
    "CloudWatchLogsEvent",
    "DynamoDBStreamEvent",
    "EventBridgeEvent",
    "EventValidationError",
    "KafkaEvent",
    "KinesisStreamEvent",
    "LambdaFunctionUrlEvent",
    "S3Event",
    "SNSEvent",
    "SQSEvent",
    "ScheduledEvent",
    "Unset",
    "dump",
    "parse",
]

E = TypeVar("E", bound=msgspec.Struct)

# The corpus's family names (../shared/corpus/events/INDEX.tsv) and the Struct of each.
FAMILIES: dict[str, type[AWSEvent]] = {
    "alb": ALBEvent,
    "apigw-http-v2": APIGatewayProxyEventV2,
    "apigw-rest": APIGatewayProxyEvent,
    "cloudwatch-logs": CloudWatchLogsEvent,
    "dynamodb-stream": DynamoDBStreamEvent,
    "eventbridge": EventBridgeEvent,
    "function-url": LambdaFunctionUrlEvent,
    "kafka": KafkaEvent,
    "kinesis": KinesisStreamEvent,
    "s3": S3Event,
    "sns": SNSEvent,
    "sqs": SQSEvent,
}

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
        try:
            data = msgspec.json.decode(raw)
        except msgspec.DecodeError as error:
            raise EventValidationError("event", f"not JSON: {error}") from None
    return decode(data, detect(data))


def detect(data: Any) -> type[AWSEvent]:
    """The event family of decoded JSON `data`, from the keys AWS always sends."""
    if isinstance(data, Mapping):
        records = data.get("Records")
        if isinstance(records, list) and records and isinstance(records[0], Mapping):
            first = records[0]
            source = first.get("eventSource", first.get("EventSource"))
            if isinstance(source, str) and source in _RECORD_SOURCES:
                return _RECORD_SOURCES[source]
        if "awslogs" in data:
            return CloudWatchLogsEvent
        if data.get("eventSource") in ("aws:kafka", "aws:SelfManagedKafka"):
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
