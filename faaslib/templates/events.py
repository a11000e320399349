"""SAM's event types of a function (`Events:`), each as the app's trigger: SQS, Kinesis and
DynamoDB as event source mappings, SNS as a subscription, S3 as a bucket notification,
Schedule and ScheduleV2 as schedules, EventBridgeRule and CloudWatchEvent as bus rules, Api and
HttpApi as routes. The rules SAM generates are named as CloudFormation would name them
(`{StackName}-{Function}{Event}-{SUFFIX}`), so the SAM form and its translation agree.
"""

from __future__ import annotations

import json
from typing import Any

from faaslib.templates.apis import bind_api_event, bind_http_api_event
from faaslib.templates.builder import Builder
from faaslib.templates.cfn import reshape
from faaslib.templates.errors import TemplateError
from faaslib.templates.inputs import shaping
from faaslib.templates.mappings import bind_mapping
from faaslib.templates.names import generated_name, name_in_arn
from faaslib.templates.notifications import key_filter
from faaslib.templates.properties import Properties

__all__ = ["bind_event"]

_SOURCES = {"SQS": "Queue", "Kinesis": "Stream", "DynamoDB": "Stream"}
_RULE = "AWS::Events::Rule"
_INPUTS = ("Input", "InputPath", "InputTransformer")


def bind_event(
    builder: Builder,
    function: str,
    logical_id: str,
    event: str,
    kind: str,
    properties: Properties,
) -> None:
    """Bind `function` to its event `event` of type `kind`."""
    if kind in _SOURCES:
        key = _SOURCES[kind]
        source = properties.get(key)
        found = name_in_arn(source) if isinstance(source, str) else None
        if found is None or found[0] != kind.lower():
            what = {"SQS": "a queue", "Kinesis": "a stream", "DynamoDB": "a table's stream"}[kind]
            raise TemplateError(properties.path_of(key), f"{source!r:.80} is not the ARN of {what}")
        bind_mapping(builder, function, source, properties)
        return
    handled = True
    if kind == "SNS":
        _sns(builder, function, logical_id, event, properties)
    elif kind == "S3":
        _s3(builder, function, properties)
    elif kind in ("Schedule", "ScheduleV2"):
        _schedule(builder, function, logical_id, event, kind, properties)
    elif kind in ("EventBridgeRule", "CloudWatchEvent"):
        _rule(builder, function, logical_id, event, properties)
    elif kind == "Api":
        bind_api_event(builder, function, properties)
    elif kind == "HttpApi":
        bind_http_api_event(builder, function, properties)
    else:
        handled = False
        builder.notes.ignored(
            properties.path.removesuffix(".Properties"),
            f"the {kind} event type is not emulated; no trigger",
        )
    if handled:
        builder.unread(properties)


def _sns(
    builder: Builder, function: str, logical_id: str, event: str, properties: Properties
) -> None:
    app = builder.app
    topic = builder.resource("topic", properties.text("Topic"), properties.path_of("Topic"))
    policy = properties.get("FilterPolicy")
    scope = properties.text("FilterPolicyScope", "MessageAttributes")
    properties.ignore("Region", "RedrivePolicy")
    subscription = properties.get("SqsSubscription")
    if subscription is None or subscription is False or subscription == "false":
        app.on_topic(topic, filter_policy=policy, filter_policy_scope=scope)(function)  # type: ignore[arg-type]
        return
    # SAM puts a queue between the topic and the function: subscribed, then polled.
    settings = properties.child("SqsSubscription") if isinstance(subscription, dict) else None
    queue_arn = settings.text("QueueArn") if settings is not None else None
    if queue_arn is not None:
        queue = builder.resource("queue", queue_arn, properties.path_of("SqsSubscription"))
    else:
        queue = app.queue(
            generated_name(builder.stack.stack_name, f"{logical_id}{event}Queue", "AWS::SQS::Queue")
        ).name
    batch_size = settings.integer("BatchSize", 10) if settings is not None else 10
    if settings is not None:
        settings.ignore("QueueUrl", "QueuePolicyLogicalId", "Enabled")
    app.subscribe(topic, queue, filter_policy=policy, filter_policy_scope=scope)  # type: ignore[arg-type]
    app.on_queue(queue, batch_size=batch_size or 10)(function)


def _s3(builder: Builder, function: str, properties: Properties) -> None:
    bucket = builder.resource("bucket", properties.text("Bucket"), properties.path_of("Bucket"))
    prefix, suffix = key_filter(properties.get("Filter"), properties.path_of("Filter"))
    for event in properties.items("Events"):  # one configuration each, as SAM writes them
        builder.app.on_object(bucket, events=[str(event)], prefix=prefix, suffix=suffix)(function)


def _schedule(
    builder: Builder, function: str, logical_id: str, event: str, kind: str, properties: Properties
) -> None:
    key = "Schedule" if kind == "Schedule" else "ScheduleExpression"
    expression = properties.text(key)
    if expression is None:
        raise TemplateError(properties.path_of(key), f"a {kind} event needs {key}")
    enabled = properties.boolean("Enabled", True) and properties.text("State", "ENABLED") in (
        "ENABLED",
        None,
    )
    if not enabled:
        builder.notes.ignored(properties.path, "the schedule is disabled; no trigger")
        return
    timezone = properties.text("ScheduleExpressionTimezone")
    name = properties.text("Name") or generated_name(
        builder.stack.stack_name, f"{logical_id}{event}", _RULE
    )
    constant = None
    text = properties.get("Input")
    if text is not None:  # a JSON string, as EventBridge takes a target's Input
        try:
            constant = json.loads(text) if isinstance(text, str) else text
        except json.JSONDecodeError:
            raise TemplateError(properties.path_of("Input"), f"{text!r:.60} is not JSON") from None
    properties.ignore("Description", "RetryPolicy", "RoleArn", "GroupName", "OmitName")
    properties.ignore("PermissionsBoundary", "KmsKeyArn")
    builder.app.on_schedule(expression, timezone=timezone, rule=name, input=constant)(function)


def _rule(
    builder: Builder, function: str, logical_id: str, event: str, properties: Properties
) -> None:
    pattern = properties.get("Pattern")
    if pattern is None:
        raise TemplateError(properties.path_of("Pattern"), "an EventBridge rule needs a Pattern")
    if properties.text("State", "ENABLED") == "DISABLED" or not properties.boolean("Enabled", True):
        builder.notes.ignored(properties.path, "the rule is disabled; no trigger")
        return
    bus_value: Any = properties.text("EventBusName", "default") or "default"
    bus = builder.resource("bus", bus_value, properties.path_of("EventBusName"))
    name = properties.text("RuleName") or generated_name(
        builder.stack.stack_name, f"{logical_id}{event}", _RULE
    )
    shape = shaping({key: properties.get(key) for key in _INPUTS}, properties.path)
    properties.ignore("Target", "RetryPolicy", "DeadLetterConfig")
    builder.app.on_event(pattern, bus=bus, rule=name)(function)
    reshape(builder, bus, name, function, shape)
