"""Event factories for tests: each returns the event as the handler receives it on Lambda, a
plain dict of AWS's JSON, built by the matching `faaslib.events.build` builder.

```pycon
>>> from faaslib.testing import events
>>> events.sqs({"order": 1}, queue="orders")["Records"][0]["body"]
'{"order":1}'
>>> events.s3("uploads", "cat.jpg")["Records"][0]["s3"]["object"]["key"]
'cat.jpg'
>>> events.family("apigw-http-v2", "POST", "/items", body={"name": "x"})
```

The arguments are the builders' (ids, timestamps, ARNs and checksums are filled in as AWS fills
them; `now=` stamps the event with a fake clock's time). For the typed Struct instead, use
`faaslib.events.build`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec

from faaslib.events import AWSEvent, build, dump

__all__ = [
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

P = ParamSpec("P")


def _as_dict(builder: Callable[P, AWSEvent]) -> Callable[P, dict[str, Any]]:
    """`builder`, answering with the event's JSON data rather than its Struct."""

    @functools.wraps(builder)
    def factory(*args: P.args, **options: P.kwargs) -> dict[str, Any]:
        data: dict[str, Any] = dump(builder(*args, **options))
        return data

    return factory


def family(name: str, *args: Any, **options: Any) -> dict[str, Any]:
    """An event of the corpus family `name` (`"s3"`, `"apigw-http-v2"`, ...) as a dict, from
    its builder's arguments; `ValueError` naming the families if there is no such family."""
    data: dict[str, Any] = dump(build.family(name, *args, **options))
    return data


alb = _as_dict(build.alb)
apigw_authorizer = _as_dict(build.apigw_authorizer)
apigw_http_v2 = _as_dict(build.apigw_http_v2)
apigw_rest = _as_dict(build.apigw_rest)
apigw_websocket = _as_dict(build.apigw_websocket)
appsync = _as_dict(build.appsync)
appsync_authorizer = _as_dict(build.appsync_authorizer)
bedrock_agent = _as_dict(build.bedrock_agent)
clientvpn = _as_dict(build.clientvpn)
cloudformation = _as_dict(build.cloudformation)
cloudwatch_alarm = _as_dict(build.cloudwatch_alarm)
cloudwatch_dashboard = _as_dict(build.cloudwatch_dashboard)
cloudwatch_logs = _as_dict(build.cloudwatch_logs)
codecommit = _as_dict(build.codecommit)
codedeploy_hook = _as_dict(build.codedeploy_hook)
codepipeline = _as_dict(build.codepipeline)
cognito = _as_dict(build.cognito)
cognito_sync = _as_dict(build.cognito_sync)
config = _as_dict(build.config)
connect = _as_dict(build.connect)
dynamodb_stream = _as_dict(build.dynamodb_stream)
eventbridge = _as_dict(build.eventbridge)
function_url = _as_dict(build.function_url)
iot = _as_dict(build.iot)
iot_custom_authorizer = _as_dict(build.iot_custom_authorizer)
iot_one_click = _as_dict(build.iot_one_click)
iot_preprovision_hook = _as_dict(build.iot_preprovision_hook)
kafka = _as_dict(build.kafka)
kinesis = _as_dict(build.kinesis)
kinesis_firehose = _as_dict(build.kinesis_firehose)
lex = _as_dict(build.lex)
mq = _as_dict(build.mq)
s3 = _as_dict(build.s3)
s3_batch = _as_dict(build.s3_batch)
s3_object_lambda = _as_dict(build.s3_object_lambda)
scheduled = _as_dict(build.scheduled)
secretsmanager = _as_dict(build.secretsmanager)
ses = _as_dict(build.ses)
sns = _as_dict(build.sns)
sqs = _as_dict(build.sqs)
vpc_lattice = _as_dict(build.vpc_lattice)
