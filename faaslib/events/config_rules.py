"""AWS Config custom rules: the evaluation request AWS Config sends a rule's function, on a
resource's configuration change or on the rule's schedule.

The event carries two JSON documents as text: `invokingEvent` (what triggered the evaluation,
with the configuration item for a change) and `ruleParameters` (the rule's own settings).
`ConfigEvent.decoded_invoking_event()` and `decoded_rule_parameters()` decode them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, EventValidationError, Unset, decode

__all__ = [
    "ConfigEvent",
    "ConfigInvokingEvent",
    "ConfigPropertyChange",
    "ConfigRelationship",
    "ConfigurationItem",
    "ConfigurationItemDiff",
    "build_config",
]


class ConfigRelationship(AWSEvent, rename="camel"):
    """A resource related to the configuration item, and how (`name`)."""

    resource_id: str | Unset = UNSET
    resource_name: str | Unset | None = UNSET
    resource_type: str | Unset = UNSET
    name: str | Unset = UNSET


class ConfigurationItem(AWSEvent, rename="camel"):
    """A resource's configuration as AWS Config recorded it. An oversized item comes as its
    summary: these fields without `configuration`, plus `change_type`."""

    related_events: list[str] | Unset = UNSET
    relationships: list[ConfigRelationship] | Unset = UNSET
    configuration: dict[str, Any] | Unset | None = UNSET
    supplementary_configuration: dict[str, Any] | Unset = UNSET
    tags: dict[str, str] | Unset = UNSET
    change_type: str | Unset = UNSET
    configuration_item_version: str | Unset = UNSET
    configuration_item_capture_time: str | Unset = UNSET
    configuration_state_id: int | Unset = UNSET
    aws_account_id: str | Unset = UNSET
    configuration_item_status: str | Unset = UNSET
    resource_type: str | Unset = UNSET
    resource_id: str | Unset = UNSET
    resource_name: str | Unset | None = UNSET
    arn: str | Unset = msgspec.field(default=UNSET, name="ARN")
    aws_region: str | Unset = UNSET
    availability_zone: str | Unset | None = UNSET
    configuration_state_md5_hash: str | Unset = UNSET
    resource_creation_time: str | Unset | None = UNSET


class ConfigPropertyChange(AWSEvent, rename="camel"):
    """One changed property: its values before and after (any JSON) and the kind of change."""

    previous_value: Any = UNSET
    updated_value: Any = UNSET
    change_type: str | Unset = UNSET


class ConfigurationItemDiff(AWSEvent, rename="camel"):
    """What changed since the previous configuration item, by property path."""

    changed_properties: dict[str, ConfigPropertyChange] | Unset = UNSET
    change_type: str | Unset = UNSET


class ConfigInvokingEvent(AWSEvent, rename="camel"):
    """What triggered an evaluation, by `message_type`: `ConfigurationItemChangeNotification`
    (with the item and its diff), `OversizedConfigurationItemChangeNotification` (with the
    item's summary), `ScheduledNotification`, or `ConfigurationSnapshotDeliveryCompleted`."""

    configuration_item_diff: ConfigurationItemDiff | Unset | None = UNSET
    configuration_item: ConfigurationItem | Unset | None = UNSET
    configuration_item_summary: ConfigurationItem | Unset = UNSET
    aws_account_id: str | Unset = UNSET
    config_snapshot_id: str | Unset = UNSET
    s3_object_key: str | Unset = UNSET
    s3_bucket: str | Unset = UNSET
    notification_creation_time: str | Unset = UNSET
    message_type: str | Unset = UNSET
    record_version: str | Unset = UNSET


class ConfigEvent(AWSEvent, rename="camel"):
    """A request to evaluate a custom Config rule. The function reports its verdict with
    `PutEvaluations`, passing back `result_token`; `event_left_scope` says the resource is no
    longer in the rule's scope."""

    version: str | Unset = UNSET
    invoking_event: str | Unset = UNSET
    rule_parameters: str | Unset = UNSET
    result_token: str | Unset = UNSET
    event_left_scope: bool | Unset = UNSET
    execution_role_arn: str | Unset = UNSET
    config_rule_arn: str | Unset = UNSET
    config_rule_name: str | Unset = UNSET
    config_rule_id: str | Unset = UNSET
    account_id: str | Unset = UNSET
    evaluation_mode: str | Unset = UNSET

    def decoded_invoking_event(self) -> ConfigInvokingEvent:
        """`invokingEvent` decoded; an `EventValidationError` if it is absent or not JSON of
        that shape."""
        if isinstance(self.invoking_event, Unset):
            raise EventValidationError(type(self).__name__, "the event has no invokingEvent")
        return decode(self.invoking_event, ConfigInvokingEvent)

    def decoded_rule_parameters(self) -> dict[str, Any]:
        """`ruleParameters` decoded (empty if the rule has none); an `EventValidationError`
        if they are not a JSON object."""
        if isinstance(self.rule_parameters, Unset) or not self.rule_parameters.strip():
            return {}
        try:
            return msgspec.json.decode(self.rule_parameters, type=dict[str, Any])
        except msgspec.DecodeError as error:  # a ValidationError too
            problem = f"ruleParameters is not a JSON object: {error}"
            raise EventValidationError(type(self).__name__, problem) from None


# Builders


def build_config(
    rule_name: str = "my-config-rule",
    *,
    rule_parameters: Mapping[str, str] | None = None,
    configuration_item: ConfigurationItem | None = None,
    event_left_scope: bool = False,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> ConfigEvent:
    """The request AWS Config sends rule `rule_name`'s function: a periodic evaluation, or,
    given a `configuration_item`, the evaluation of that change (the item's version, capture
    time, status, account and region are filled in where it leaves them out).

    ```pycon
    >>> event = build_config("s3-versioning", rule_parameters={"mode": "strict"})
    >>> event.decoded_rule_parameters(), event.decoded_invoking_event().message_type
    ({'mode': 'strict'}, 'ScheduledNotification')
    ```
    """
    created = _fake.iso_time(now)
    if configuration_item is None:
        invoking = ConfigInvokingEvent(
            aws_account_id=account,
            notification_creation_time=created,
            message_type="ScheduledNotification",
            record_version="1.0",
        )
    else:
        invoking = ConfigInvokingEvent(
            configuration_item_diff=None,
            configuration_item=_recorded(configuration_item, now, region, account),
            notification_creation_time=created,
            message_type="ConfigurationItemChangeNotification",
            record_version="1.3",
        )
    rule_id = f"config-rule-{_fake.hex_id(6)}"
    role = "role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig"
    return ConfigEvent(
        version="1.0",
        invoking_event=msgspec.json.encode(invoking).decode(),
        rule_parameters=msgspec.json.encode(dict(rule_parameters or {})).decode(),
        result_token=_result_token(),
        event_left_scope=event_left_scope,
        execution_role_arn=_fake.arn("iam", role, region="", account=account),
        config_rule_arn=_fake.arn(
            "config", f"config-rule/{rule_id}", region=region, account=account
        ),
        config_rule_name=rule_name,
        config_rule_id=rule_id,
        account_id=account,
        evaluation_mode="DETECTIVE",
    )


def _recorded(
    item: ConfigurationItem, now: float | None, region: str, account: str
) -> ConfigurationItem:
    """`item` with what AWS Config stamps on a recording filled in where it is unset."""
    stamps = {
        "configuration_item_version": "1.3",
        "configuration_item_capture_time": _fake.iso_time(now),
        "configuration_state_id": _fake.epoch_ms(now),
        "configuration_item_status": "OK",
        "aws_account_id": account,
        "aws_region": region,
    }
    unset = {name: value for name, value in stamps.items() if getattr(item, name) is UNSET}
    return msgspec.structs.replace(item, **unset)


def _result_token() -> str:
    """An opaque result token shaped as AWS Config's: base64 of JSON with encrypted bytes."""
    signed = [byte - 256 if byte > 127 else byte for byte in bytes.fromhex(_fake.hex_id(256))]
    initial = [byte - 256 if byte > 127 else byte for byte in bytes.fromhex(_fake.hex_id(32))]
    token = {
        "encryptedData": signed,
        "materialSetSerialNumber": 1,
        "ivParameterSpec": {"iv": initial},
    }
    return _fake.b64(msgspec.json.encode(token))


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"config": (ConfigEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"config": build_config}


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`ConfigEvent` for a rule evaluation (`configRuleArn` and an `invokingEvent` text),
    else None."""
    if not isinstance(data, Mapping):
        return None
    if isinstance(data.get("configRuleArn"), str) and isinstance(data.get("invokingEvent"), str):
        return ConfigEvent
    return None
