"""Realistic events from a few arguments, one builder per event family of the corpus.

```pycon
>>> from faaslib.events import build
>>> build.s3("uploads", "cat.jpg", content=b"...")       # an S3Event, eTag the MD5 of the content
>>> build.sqs({"order": 1}, "second body", queue="orders")
>>> build.apigw_http_v2("POST", "/items", body={"name": "x"})
>>> build.family("kinesis", b"payload")                   # by the corpus's family name
```

Ids, timestamps, ARNs and checksums are filled in as AWS fills them; pass `now` (Unix seconds)
to stamp an event with a fake clock's time. Each builder returns the family's Struct.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faaslib.events._base import AWSEvent
from faaslib.events.appsync import BUILDERS as _APPSYNC
from faaslib.events.appsync import build_appsync as appsync
from faaslib.events.authorizers import BUILDERS as _AUTHORIZERS
from faaslib.events.authorizers import build_apigw_authorizer as apigw_authorizer
from faaslib.events.authorizers import build_appsync_authorizer as appsync_authorizer
from faaslib.events.bedrock import BUILDERS as _BEDROCK
from faaslib.events.bedrock import build_bedrock_agent as bedrock_agent
from faaslib.events.clientvpn import BUILDERS as _CLIENTVPN
from faaslib.events.clientvpn import build_clientvpn as clientvpn
from faaslib.events.cloudformation import BUILDERS as _CLOUDFORMATION
from faaslib.events.cloudformation import build_cloudformation as cloudformation
from faaslib.events.cloudwatch import BUILDERS as _CLOUDWATCH
from faaslib.events.cloudwatch import build_cloudwatch_alarm as cloudwatch_alarm
from faaslib.events.cloudwatch import build_cloudwatch_dashboard as cloudwatch_dashboard
from faaslib.events.codecommit import BUILDERS as _CODECOMMIT
from faaslib.events.codecommit import build_codecommit as codecommit
from faaslib.events.codedeploy import BUILDERS as _CODEDEPLOY
from faaslib.events.codedeploy import build_codedeploy_hook as codedeploy_hook
from faaslib.events.codepipeline import BUILDERS as _CODEPIPELINE
from faaslib.events.codepipeline import build_codepipeline as codepipeline
from faaslib.events.cognito import BUILDERS as _COGNITO
from faaslib.events.cognito import build_cognito as cognito
from faaslib.events.cognito import build_cognito_sync as cognito_sync
from faaslib.events.config_rules import BUILDERS as _CONFIG_RULES
from faaslib.events.config_rules import build_config as config
from faaslib.events.connect import BUILDERS as _CONNECT
from faaslib.events.connect import build_connect as connect
from faaslib.events.eventbridge import BUILDERS as _EVENTBRIDGE
from faaslib.events.eventbridge import build_eventbridge as eventbridge
from faaslib.events.eventbridge import build_scheduled as scheduled
from faaslib.events.firehose import BUILDERS as _FIREHOSE
from faaslib.events.firehose import build_kinesis_firehose as kinesis_firehose
from faaslib.events.http_builders import BUILDERS as _HTTP_BUILDERS
from faaslib.events.http_builders import build_alb as alb
from faaslib.events.http_builders import build_apigw_http_v2 as apigw_http_v2
from faaslib.events.http_builders import build_apigw_rest as apigw_rest
from faaslib.events.http_builders import build_function_url as function_url
from faaslib.events.iot import BUILDERS as _IOT
from faaslib.events.iot import build_iot as iot
from faaslib.events.iot import build_iot_custom_authorizer as iot_custom_authorizer
from faaslib.events.iot import build_iot_one_click as iot_one_click
from faaslib.events.iot import build_iot_preprovision_hook as iot_preprovision_hook
from faaslib.events.lattice import BUILDERS as _LATTICE
from faaslib.events.lattice import build_vpc_lattice as vpc_lattice
from faaslib.events.lex import BUILDERS as _LEX
from faaslib.events.lex import build_lex as lex
from faaslib.events.mq import BUILDERS as _MQ
from faaslib.events.mq import build_mq as mq
from faaslib.events.s3 import BUILDERS as _S3
from faaslib.events.s3 import build_s3 as s3
from faaslib.events.s3_batch import BUILDERS as _S3_BATCH
from faaslib.events.s3_batch import build_s3_batch as s3_batch
from faaslib.events.s3_object_lambda import BUILDERS as _S3_OBJECT_LAMBDA
from faaslib.events.s3_object_lambda import build_s3_object_lambda as s3_object_lambda
from faaslib.events.secretsmanager import BUILDERS as _SECRETSMANAGER
from faaslib.events.secretsmanager import build_secretsmanager as secretsmanager
from faaslib.events.ses import BUILDERS as _SES
from faaslib.events.ses import build_ses as ses
from faaslib.events.sns import BUILDERS as _SNS
from faaslib.events.sns import build_sns as sns
from faaslib.events.sqs import BUILDERS as _SQS
from faaslib.events.sqs import build_sqs as sqs
from faaslib.events.stream_builders import BUILDERS as _STREAM_BUILDERS
from faaslib.events.stream_builders import build_cloudwatch_logs as cloudwatch_logs
from faaslib.events.stream_builders import build_dynamodb_stream as dynamodb_stream
from faaslib.events.stream_builders import build_kafka as kafka
from faaslib.events.stream_builders import build_kinesis as kinesis
from faaslib.events.websocket import BUILDERS as _WEBSOCKET
from faaslib.events.websocket import build_apigw_websocket as apigw_websocket

__all__ = [
    "BUILDERS",
    "alb",
    "apigw_authorizer",
    "apigw_http_v2",
    "apigw_rest",
    "apigw_websocket",
    "appsync",
    "appsync_authorizer",
    "bedrock_agent",
    "clientvpn",
    "cloudformation",
    "cloudwatch_alarm",
    "cloudwatch_dashboard",
    "cloudwatch_logs",
    "codecommit",
    "codedeploy_hook",
    "codepipeline",
    "cognito",
    "cognito_sync",
    "config",
    "connect",
    "dynamodb_stream",
    "eventbridge",
    "family",
    "function_url",
    "iot",
    "iot_custom_authorizer",
    "iot_one_click",
    "iot_preprovision_hook",
    "kafka",
    "kinesis",
    "kinesis_firehose",
    "lex",
    "mq",
    "s3",
    "s3_batch",
    "s3_object_lambda",
    "scheduled",
    "secretsmanager",
    "ses",
    "sns",
    "sqs",
    "vpc_lattice",
]

# The builder of each corpus family, by the family's name in ../shared/corpus/events/INDEX.tsv.
BUILDERS: dict[str, Callable[..., AWSEvent]] = dict(
    sorted(
        item
        for builders in (
            _APPSYNC,
            _AUTHORIZERS,
            _BEDROCK,
            _CLIENTVPN,
            _CLOUDFORMATION,
            _CLOUDWATCH,
            _CODECOMMIT,
            _CODEDEPLOY,
            _CODEPIPELINE,
            _COGNITO,
            _CONFIG_RULES,
            _CONNECT,
            _EVENTBRIDGE,
            _FIREHOSE,
            _HTTP_BUILDERS,
            _IOT,
            _LATTICE,
            _LEX,
            _MQ,
            _S3,
            _S3_BATCH,
            _S3_OBJECT_LAMBDA,
            _SECRETSMANAGER,
            _SES,
            _SNS,
            _SQS,
            _STREAM_BUILDERS,
            _WEBSOCKET,
        )
        for item in builders.items()
    )
)


def family(name: str, *args: Any, **options: Any) -> AWSEvent:
    """An event of the family `name` (`"s3"`, `"apigw-http-v2"`, ...), from its builder's
    arguments; `ValueError` naming the families if there is no such family."""
    builder = BUILDERS.get(name)
    if builder is None:
        raise ValueError(f"no event family {name!r}; the families are: {', '.join(BUILDERS)}")
    return builder(*args, **options)
