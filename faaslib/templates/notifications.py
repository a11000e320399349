"""A bucket's notifications of functions: CloudFormation's `NotificationConfiguration` on an
`AWS::S3::Bucket`, and the `Custom::S3BucketNotifications` resource CDK synthesizes instead
(S3's own API shape, which a CDK handler function would put on the bucket at deploy time).

Both become `app.notify_function`, one configuration per event type, as S3 holds them.
Notifications of queues and topics, and EventBridge delivery, are not emulated (warned about).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from faaslib.templates.builder import Builder
from faaslib.templates.errors import TemplateError
from faaslib.templates.properties import Properties

__all__ = ["bind_bucket", "bind_cdk_notifications", "key_filter"]

_UNEMULATED = "only notifications of functions are emulated"


def bind_bucket(builder: Builder, logical_id: str) -> None:
    """An `AWS::S3::Bucket`'s `NotificationConfiguration` of functions."""
    properties = builder.properties(logical_id)
    bucket = builder.declare(logical_id).name
    notifications = properties.child("NotificationConfiguration")
    for index, item in enumerate(notifications.items("LambdaConfigurations")):
        path = f"{notifications.path_of('LambdaConfigurations')}[{index}]"
        if not isinstance(item, Mapping):
            raise TemplateError(path, "a notification configuration must be a mapping")
        prefix, suffix = key_filter(item.get("Filter"), f"{path}.Filter")
        _notify(builder, bucket, item.get("Function"), [item.get("Event")], prefix, suffix, path)
    _unemulated(builder, notifications, "QueueConfigurations", "TopicConfigurations")
    _unemulated(builder, notifications, "EventBridgeConfiguration")


def bind_cdk_notifications(builder: Builder, logical_id: str) -> None:
    """CDK's `Custom::S3BucketNotifications`: S3's PutBucketNotificationConfiguration shape
    (`LambdaFunctionConfigurations` with `Events`, `LambdaFunctionArn` and
    `Filter.Key.FilterRules`) for the bucket its `BucketName` names."""
    properties = builder.properties(logical_id)
    bucket = builder.resource("bucket", properties.text("BucketName"), properties.path)
    notifications = properties.child("NotificationConfiguration")
    for index, item in enumerate(notifications.items("LambdaFunctionConfigurations")):
        path = f"{notifications.path_of('LambdaFunctionConfigurations')}[{index}]"
        if not isinstance(item, Mapping):
            raise TemplateError(path, "a notification configuration must be a mapping")
        rules = _field(_field(item.get("Filter"), "Key", path), "FilterRules", path)
        prefix, suffix = key_filter({"S3Key": {"Rules": rules or []}}, f"{path}.Filter")
        events = item.get("Events") or []
        if not isinstance(events, list):
            raise TemplateError(f"{path}.Events", "must be a list of S3 event names")
        function = item.get("LambdaFunctionArn")
        _notify(builder, bucket, function, events, prefix, suffix, path)
    _unemulated(builder, notifications, "QueueConfigurations", "TopicConfigurations")
    _unemulated(builder, notifications, "EventBridgeConfiguration")
    properties.ignore("ServiceToken", "Managed", "SkipDestinationValidation")


def _notify(
    builder: Builder,
    bucket: str,
    function: Any,
    events: list[Any],
    prefix: str,
    suffix: str,
    path: str,
) -> None:
    name = builder.function(function, path)
    for event in events:
        with builder.at(path):
            builder.app.notify_function(
                bucket, name, events=[str(event)], prefix=prefix, suffix=suffix
            )


def _unemulated(builder: Builder, notifications: Properties, *keys: str) -> None:
    for key in keys:
        if notifications.has(key):
            notifications.ignore(key)
            builder.notes.ignored(notifications.path_of(key), _UNEMULATED)


def _field(value: Any, key: str, path: str) -> Any:
    """`value[key]`, None for a value or key not given; a `TemplateError` for a value that is
    not a mapping."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TemplateError(path, f"{value!r:.60} is not a mapping")
    return value.get(key)


def key_filter(value: Any, path: str) -> tuple[str, str]:
    """S3's `Filter: {S3Key: {Rules: [{Name: prefix|suffix, Value}]}}` as (prefix, suffix)."""
    found = {"prefix": "", "suffix": ""}
    rules = _field(_field(value, "S3Key", path), "Rules", f"{path}.S3Key") or []
    if not isinstance(rules, list):
        raise TemplateError(f"{path}.S3Key.Rules", f"{rules!r:.60} is not a list of rules")
    for index, rule in enumerate(rules):
        name = str(rule.get("Name", "")).lower() if isinstance(rule, Mapping) else ""
        if name not in found:
            raise TemplateError(f"{path}.S3Key.Rules[{index}]", "Name must be prefix or suffix")
        found[name] = str(rule.get("Value", ""))
    return found["prefix"], found["suffix"]
