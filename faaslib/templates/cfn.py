"""CloudFormation's service resources as the app's: SQS queues, SNS topics and subscriptions,
S3 buckets and their notifications, EventBridge buses and rules, Kinesis streams, DynamoDB
tables, and Lambda's event source mappings, event-invoke configurations and URLs.

CDK synthesizes these (not SAM's shorthand), so a `cdk.out/*.template.json` loads through here.
Properties about encryption, tags, throughput and access are accepted quietly: they change
nothing a function can observe locally.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from faaslib.config import function_arn
from faaslib.errors import ConfigurationError
from faaslib.patterns import compile_pattern
from faaslib.templates.builder import Builder
from faaslib.templates.errors import TemplateError
from faaslib.templates.functions import invoke_options
from faaslib.templates.inputs import Shape, shaped, shaping
from faaslib.templates.mappings import bind_mapping
from faaslib.templates.names import name_in_arn
from faaslib.templates.properties import Properties, as_int

__all__ = ["BINDERS", "DECLARERS", "invoke_configs"]

_QUIET_COMMON = frozenset({"Tags", "KmsMasterKeyId", "KmsKeyId", "KmsDataKeyReusePeriodSeconds"})


def declare_queue(builder: Builder, logical_id: str, properties: Properties) -> Any:
    """An `AWS::SQS::Queue`."""
    options: dict[str, Any] = {}
    if properties.boolean("FifoQueue", False):
        options["fifo"] = True
    if properties.boolean("ContentBasedDeduplication", False):
        options["content_based_deduplication"] = True
    for key, option in (
        ("VisibilityTimeout", "visibility_timeout"),
        ("DelaySeconds", "delay_seconds"),
        ("MessageRetentionPeriod", "message_retention_period"),
        ("MaximumMessageSize", "maximum_message_size"),
    ):
        value = properties.integer(key)
        if value is not None:
            options[option] = value
    redrive = properties.get("RedrivePolicy")
    path = properties.path_of("RedrivePolicy")
    if isinstance(redrive, str):  # CloudFormation takes the policy as JSON text too
        try:
            redrive = json.loads(redrive)
        except json.JSONDecodeError:
            raise TemplateError(path, f"{redrive!r:.60} is not JSON") from None
    if isinstance(redrive, Mapping):
        target = builder.resource(
            "queue", redrive.get("deadLetterTargetArn"), f"{path}.deadLetterTargetArn"
        )
        count = as_int(redrive.get("maxReceiveCount", 10), f"{path}.maxReceiveCount")
        options["redrive"] = (target, count)
    elif redrive is not None:
        raise TemplateError(path, f"{redrive!r:.60} is not a redrive policy")
    properties.ignore("QueueName", "SqsManagedSseEnabled", "RedriveAllowPolicy")
    properties.ignore("DeduplicationScope", "FifoThroughputLimit", "ReceiveMessageWaitTimeSeconds")
    properties.ignore(*_QUIET_COMMON)
    return builder.app.queue(builder.stack.name(logical_id, properties.path), **options)


def declare_topic(builder: Builder, logical_id: str, properties: Properties) -> Any:
    """An `AWS::SNS::Topic` (its `Subscription` list is bound with the functions)."""
    options: dict[str, Any] = {}
    if properties.boolean("FifoTopic", False):
        options["fifo"] = True
    if properties.boolean("ContentBasedDeduplication", False):
        options["content_based_deduplication"] = True
    properties.ignore("TopicName", "Subscription", "DisplayName", "TracingConfig")
    properties.ignore("SignatureVersion", "DataProtectionPolicy", "ArchivePolicy")
    properties.ignore("DeliveryStatusLogging", "FifoThroughputScope", *_QUIET_COMMON)
    return builder.app.topic(builder.stack.name(logical_id, properties.path), **options)


def declare_bucket(builder: Builder, logical_id: str, properties: Properties) -> Any:
    """An `AWS::S3::Bucket` (its notifications are bound with the functions)."""
    properties.ignore(*(key for key in properties.raw if key != "NotificationConfiguration"))
    properties.ignore("NotificationConfiguration")
    return builder.app.bucket(builder.stack.name(logical_id, properties.path))


def declare_bus(builder: Builder, logical_id: str, properties: Properties) -> Any:
    """An `AWS::Events::EventBus`."""
    properties.ignore("Name", "Description", "Policy", "DeadLetterConfig", "KmsKeyIdentifier")
    properties.ignore(*_QUIET_COMMON)
    return builder.app.bus(builder.stack.name(logical_id, properties.path))


def declare_stream(builder: Builder, logical_id: str, properties: Properties) -> Any:
    """An `AWS::Kinesis::Stream`: ShardCount shards (an on-demand stream gets Kinesis's
    starting four)."""
    options: dict[str, Any] = {}
    mode = properties.child("StreamModeDetails").text("StreamMode", "PROVISIONED")
    shards = properties.integer("ShardCount")
    if shards is not None or mode == "ON_DEMAND":
        options["shards"] = shards if shards is not None else 4
    hours = properties.integer("RetentionPeriodHours")
    if hours is not None:
        options["retention_hours"] = hours
    properties.ignore("Name", "StreamEncryption", *_QUIET_COMMON)
    return builder.app.stream(builder.stack.name(logical_id, properties.path), **options)


def declare_table(builder: Builder, logical_id: str, properties: Properties) -> Any:
    """An `AWS::DynamoDB::Table`: its key schema (hash key first) and stream view type."""
    options: dict[str, Any] = {}
    keys = properties.items("KeySchema")
    if keys:
        ordered = sorted(keys, key=lambda key: 0 if _field(key, "KeyType") == "HASH" else 1)
        options["key_schema"] = tuple(str(_field(key, "AttributeName")) for key in ordered)
    view = properties.child("StreamSpecification").text("StreamViewType")
    if view is not None:
        options["stream_view_type"] = view
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if properties.has(key):
            properties.ignore(key)
            builder.notes.ignored(properties.path_of(key), "secondary indexes are not emulated")
    properties.ignore("TableName", "AttributeDefinitions", "BillingMode", "ProvisionedThroughput")
    properties.ignore("SSESpecification", "PointInTimeRecoverySpecification", "TableClass")
    properties.ignore("DeletionProtectionEnabled", "ContributorInsightsSpecification")
    properties.ignore("TimeToLiveSpecification", "OnDemandThroughput", "WarmThroughput")
    properties.ignore(*_QUIET_COMMON)
    return builder.app.table(builder.stack.name(logical_id, properties.path), **options)


def _field(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, Mapping) else None


def invoke_configs(builder: Builder) -> dict[str, dict[str, Any]]:
    """The options of each `AWS::Lambda::EventInvokeConfig`, and the provisioned concurrency
    of each `AWS::Lambda::Alias`, by the function name they name (faaslib runs `$LATEST`, so
    an alias's provisioned instances are the function's)."""
    found: dict[str, dict[str, Any]] = {}
    for logical_id in builder.active(("AWS::Lambda::Alias",)):
        properties = builder.properties(logical_id)
        count = properties.child("ProvisionedConcurrencyConfig").integer(
            "ProvisionedConcurrentExecutions"
        )
        if count is not None:
            aliased = _function_name(properties.text("FunctionName") or "")
            found.setdefault(aliased, {})["provisioned_concurrency"] = count
    for logical_id in builder.active(("AWS::Lambda::EventInvokeConfig",)):
        properties = builder.properties(logical_id)
        name = properties.text("FunctionName")
        if name is None:
            raise TemplateError(properties.path_of("FunctionName"), "FunctionName is required")
        properties.ignore("Qualifier")
        found.setdefault(_function_name(name), {}).update(invoke_options(builder, properties))
        builder.unread(properties)
    return found


def _function_name(value: str) -> str:
    """A function's name from its name or ARN."""
    found = name_in_arn(value)
    return found[1] if found is not None else value


# -- bindings (after the functions) ------------------------------------------------------------


def bind_topic(builder: Builder, logical_id: str) -> None:
    """An `AWS::SNS::Topic`'s own `Subscription` list."""
    properties = builder.properties(logical_id)
    topic = builder.declare(logical_id).name
    for index, item in enumerate(properties.items("Subscription")):
        path = f"{properties.path_of('Subscription')}[{index}]"
        item = item if isinstance(item, Mapping) else {}
        _subscribe(builder, topic, item.get("Protocol"), item.get("Endpoint"), {}, path)


def bind_subscription(builder: Builder, logical_id: str) -> None:
    """An `AWS::SNS::Subscription` of a function (lambda) or a queue (sqs)."""
    properties = builder.properties(logical_id)
    topic = builder.resource("topic", properties.text("TopicArn"), properties.path_of("TopicArn"))
    policy = properties.get("FilterPolicy")
    options = {
        "filter_policy": json.loads(policy) if isinstance(policy, str) else policy,
        "filter_policy_scope": properties.text("FilterPolicyScope", "MessageAttributes"),
        "raw_message_delivery": properties.boolean("RawMessageDelivery", False),
    }
    protocol, endpoint = properties.text("Protocol"), properties.text("Endpoint")
    properties.ignore("Region", "DeliveryPolicy", "SubscriptionRoleArn", "RedrivePolicy")
    _subscribe(builder, topic, protocol, endpoint, options, properties.path)
    builder.unread(properties)


def _subscribe(
    builder: Builder,
    topic: str,
    protocol: Any,
    endpoint: Any,
    options: dict[str, Any],
    path: str,
) -> None:
    app = builder.app
    raw = options.pop("raw_message_delivery", False)
    with builder.at(path):
        if protocol == "lambda" and builder.has_function(endpoint):
            app.on_topic(topic, **options)(builder.function(endpoint, path))
        elif protocol == "sqs":
            queue = builder.resource("queue", endpoint, f"{path}.Endpoint")
            app.subscribe(topic, queue, raw_message_delivery=raw, **options)
        else:
            builder.notes.ignored(
                path,
                f"a {protocol} subscription is not emulated (faaslib delivers to the "
                "template's functions and queues); no delivery",
            )


def bind_rule(builder: Builder, logical_id: str) -> None:
    """An `AWS::Events::Rule`: an event pattern or a schedule, and its targets."""
    properties = builder.properties(logical_id)
    app = builder.app
    name = builder.stack.name(logical_id, properties.path)
    if properties.text("State", "ENABLED") == "DISABLED":
        builder.notes.ignored(properties.path_of("State"), "the rule is disabled; no trigger")
        return
    bus_value = properties.text("EventBusName", "default") or "default"
    bus = builder.resource("bus", bus_value, properties.path_of("EventBusName"))
    pattern = properties.get("EventPattern")
    schedule = properties.text("ScheduleExpression")
    if pattern is None and schedule is None:
        raise TemplateError(properties.path, "a rule needs an EventPattern or a ScheduleExpression")
    properties.ignore("Name", "Description", "RoleArn")
    rule_made = False
    for index, target in enumerate(properties.items("Targets")):
        path = f"{properties.path_of('Targets')}[{index}]"
        target = target if isinstance(target, Mapping) else {}
        arn, target_id = target.get("Arn"), str(target.get("Id", index + 1))
        shape = shaping(target, path)
        with builder.at(path):
            if builder.has_function(arn) and not rule_made:
                function = builder.function(arn, path)
                if schedule is not None:
                    if shape is not None:
                        builder.notes.ignored(path, "the function gets the Scheduled Event")
                    app.on_schedule(schedule, rule=name)(function)
                else:
                    app.on_event(pattern, bus=bus, rule=name)(function)
                    reshape(builder, bus, name, function, shape)
                rule_made = True
                continue
            if schedule is not None:
                builder.notes.ignored(path, "a schedule's target other than a function")
                continue
            if not rule_made:
                try:
                    compiled = compile_pattern(pattern, owner=properties.path_of("EventPattern"))
                except ValueError as error:
                    raise TemplateError(properties.path_of("EventPattern"), str(error)) from None
                app.bus(bus).put_rule(name, compiled)
                rule_made = True
            try:
                made = app.rule_target(str(arn), id=target_id)
            except ConfigurationError as error:
                builder.notes.ignored(path, f"{error}; not delivered")
                continue
            app.bus(bus).put_target(name, made if shape is None else shaped(made, shape))
    builder.unread(properties)


def reshape(builder: Builder, bus: str, rule: str, function: str, shape: Shape | None) -> None:
    """Have `function`'s target of `rule` (as `app.on_event` made it) deliver what `shape`
    makes of each event."""
    if shape is None:
        return
    app = builder.app
    arn = function_arn(app.config.region, app.config.account_id, function)
    app.bus(bus).put_target(rule, shaped(app.rule_target(arn, id=function), shape))


def bind_scheduler_schedule(builder: Builder, logical_id: str) -> None:
    """An `AWS::Scheduler::Schedule` (EventBridge Scheduler; what SAM's ScheduleV2 makes)
    whose target is a function of the template."""
    properties = builder.properties(logical_id)
    target = properties.child("Target")
    arn = target.text("Arn")
    if not builder.has_function(arn):
        builder.notes.unemulated(logical_id, "AWS::Scheduler::Schedule (not of a function)")
        return
    if properties.text("State", "ENABLED") == "DISABLED":
        builder.notes.ignored(properties.path_of("State"), "the schedule is disabled; no trigger")
        return
    if target.has("Input"):
        target.ignore("Input")
        builder.notes.ignored(target.path_of("Input"), "the function gets the Scheduled Event")
    target.ignore("RoleArn", "RetryPolicy", "DeadLetterConfig")
    properties.ignore("Name", "GroupName", "Description", "FlexibleTimeWindow", "KmsKeyArn")
    expression = properties.text("ScheduleExpression")
    if expression is None:
        raise TemplateError(properties.path_of("ScheduleExpression"), "is required")
    with builder.at(properties.path):
        builder.app.on_schedule(
            expression,
            timezone=properties.text("ScheduleExpressionTimezone"),
            rule=builder.stack.name(logical_id, properties.path),
        )(builder.function(arn, target.path_of("Arn")))
    builder.unread(properties)


def bind_event_source_mapping(builder: Builder, logical_id: str) -> None:
    """An `AWS::Lambda::EventSourceMapping`."""
    properties = builder.properties(logical_id)
    name = properties.text("FunctionName")
    if not builder.has_function(name):
        builder.notes.ignored(properties.path_of("FunctionName"), "not a function of the template")
        return
    function = builder.function(name, properties.path_of("FunctionName"))
    with builder.at(properties.path):
        bind_mapping(builder, function, properties.get("EventSourceArn"), properties)


def bind_url(builder: Builder, logical_id: str) -> None:
    """An `AWS::Lambda::Url`: the app's function URL (faaslib serves one per app)."""
    properties = builder.properties(logical_id)
    function = builder.function(
        properties.text("TargetFunctionArn"), properties.path_of("TargetFunctionArn")
    )
    properties.ignore("AuthType", "Qualifier", "Cors", "InvokeMode")
    function_url(builder, function, properties.path)


def function_url(builder: Builder, function: str, path: str) -> None:
    """Serve `function` at the app's function URL, if the app has no API already."""
    try:
        builder.app.http("function-url", function=function)
    except ConfigurationError as error:
        builder.notes.ignored(path, f"faaslib serves one API per app: {error}")


DECLARERS = {
    "AWS::SQS::Queue": declare_queue,
    "AWS::SNS::Topic": declare_topic,
    "AWS::S3::Bucket": declare_bucket,
    "AWS::Events::EventBus": declare_bus,
    "AWS::Kinesis::Stream": declare_stream,
    "AWS::DynamoDB::Table": declare_table,
}
BINDERS = {
    "AWS::SNS::Topic": bind_topic,
    "AWS::SNS::Subscription": bind_subscription,
    "AWS::Events::Rule": bind_rule,
    "AWS::Lambda::EventSourceMapping": bind_event_source_mapping,
    "AWS::Scheduler::Schedule": bind_scheduler_schedule,
    "AWS::Lambda::Url": bind_url,
}
