"""AWS Config rule evaluations: the invoking event and rule parameters decode, and the builder
makes scheduled and change-triggered requests with its arguments where Config puts them."""

from __future__ import annotations

import base64
import json

import msgspec
import pytest

from faaslib.events._base import EventValidationError, decode
from faaslib.events.config_rules import (
    ConfigEvent,
    ConfigInvokingEvent,
    ConfigurationItem,
    build_config,
)
from tests.events.corpus import load, needs_corpus, paths


def sample(path: str) -> ConfigEvent:
    return decode(load(path), ConfigEvent)


@needs_corpus
@pytest.mark.parametrize("path", paths("config"))
def test_the_invoking_event_of_a_sample_round_trips_exactly(path: str) -> None:
    raw = json.loads(load(path)["invokingEvent"])
    assert msgspec.to_builtins(sample(path).decoded_invoking_event()) == raw


@needs_corpus
@pytest.mark.parametrize(
    ("path", "message_type"),
    [
        ("aws-lambda-go/config-event.json", "ConfigurationSnapshotDeliveryCompleted"),
        (
            "powertools/awsConfigRuleConfigurationChanged.json",
            "ConfigurationItemChangeNotification",
        ),
        (
            "powertools/awsConfigRuleOversizedConfiguration.json",
            "OversizedConfigurationItemChangeNotification",
        ),
        ("powertools/awsConfigRuleScheduled.json", "ScheduledNotification"),
    ],
)
def test_the_invoking_event_says_what_triggered_the_evaluation(
    path: str, message_type: str
) -> None:
    assert sample(path).decoded_invoking_event().message_type == message_type


@needs_corpus
def test_a_change_notification_carries_the_item_and_its_diff() -> None:
    invoking = sample("powertools/awsConfigRuleConfigurationChanged.json").decoded_invoking_event()
    item = invoking.configuration_item
    assert isinstance(item, ConfigurationItem)
    assert item.resource_type == "AWS::EC2::Instance"
    assert item.arn == "arn:aws:ec2:us-east-1:0123456789012:instance/i-042dd005362091826"
    assert item.resource_name is None
    assert item.relationships[0].resource_type == "AWS::EC2::EIP"
    assert item.configuration["instanceType"] == "t2.medium"
    change = invoking.configuration_item_diff.changed_properties["Configuration.StateReason"]
    assert change.previous_value is None
    assert change.updated_value["code"] == "Client.UserInitiatedShutdown"


@needs_corpus
def test_an_oversized_item_comes_as_its_summary() -> None:
    path = "powertools/awsConfigRuleOversizedConfiguration.json"
    summary = sample(path).decoded_invoking_event().configuration_item_summary
    assert summary.change_type == "UPDATE"
    assert summary.configuration_state_id == 0
    assert summary.configuration is msgspec.UNSET


def test_a_deleted_resource_item_decodes_with_its_nulls() -> None:
    text = json.dumps(
        {
            "configurationItemDiff": None,
            "configurationItem": {
                "configuration": None,
                "resourceName": None,
                "availabilityZone": None,
                "resourceCreationTime": None,
                "configurationItemStatus": "ResourceDeleted",
            },
            "messageType": "ConfigurationItemChangeNotification",
        }
    )
    invoking = ConfigEvent(invoking_event=text).decoded_invoking_event()
    assert msgspec.to_builtins(invoking) == json.loads(text)


def test_an_event_without_an_invoking_event_raises_a_validation_error() -> None:
    with pytest.raises(EventValidationError, match="no invokingEvent"):
        ConfigEvent().decoded_invoking_event()
    with pytest.raises(EventValidationError, match="ConfigInvokingEvent"):
        ConfigEvent(invoking_event="not json").decoded_invoking_event()


@needs_corpus
def test_rule_parameters_decode_to_a_dict() -> None:
    event = sample("powertools/awsConfigRuleConfigurationChanged.json")
    assert event.decoded_rule_parameters() == {"desiredInstanceType": "t2.micro"}
    assert ConfigEvent().decoded_rule_parameters() == {}
    assert ConfigEvent(rule_parameters="").decoded_rule_parameters() == {}
    with pytest.raises(EventValidationError, match="ruleParameters is not a JSON object"):
        ConfigEvent(rule_parameters='["a"]').decoded_rule_parameters()


@needs_corpus
def test_the_default_build_has_the_invoking_event_of_a_scheduled_sample() -> None:
    invoking = build_config().decoded_invoking_event()
    scheduled = json.loads(load("powertools/awsConfigRuleScheduled.json")["invokingEvent"])
    assert set(msgspec.to_builtins(invoking)) == set(scheduled)


def test_the_build_places_its_arguments_and_region() -> None:
    built = build_config(
        "s3-versioning",
        rule_parameters={"mode": "strict"},
        event_left_scope=True,
        now=1_700_000_000,
        region="eu-west-1",
        account="111122223333",
    )
    assert built.config_rule_name == "s3-versioning"
    assert built.config_rule_arn == (
        f"arn:aws:config:eu-west-1:111122223333:config-rule/{built.config_rule_id}"
    )
    assert built.account_id == "111122223333"
    assert built.execution_role_arn.startswith("arn:aws:iam::111122223333:role/")
    assert built.event_left_scope is True
    assert built.decoded_rule_parameters() == {"mode": "strict"}
    invoking = built.decoded_invoking_event()
    assert invoking.message_type == "ScheduledNotification"
    assert invoking.notification_creation_time == "2023-11-14T22:13:20.000Z"
    assert invoking.aws_account_id == "111122223333"
    token = json.loads(base64.b64decode(built.result_token))
    assert set(token) == {"encryptedData", "materialSetSerialNumber", "ivParameterSpec"}


def test_a_configuration_item_builds_a_change_notification_stamped_where_unset() -> None:
    item = ConfigurationItem(
        resource_type="AWS::S3::Bucket",
        resource_id="my-bucket",
        configuration={"versioning": "Enabled"},
        configuration_item_status="ResourceDiscovered",
    )
    built = build_config("s3", configuration_item=item, now=1_700_000_000, region="eu-west-1")
    invoking = built.decoded_invoking_event()
    assert invoking.message_type == "ConfigurationItemChangeNotification"
    assert invoking.configuration_item_diff is None
    recorded = invoking.configuration_item
    assert isinstance(recorded, ConfigurationItem)
    assert recorded.resource_id == "my-bucket"
    assert recorded.configuration == {"versioning": "Enabled"}
    assert recorded.configuration_item_status == "ResourceDiscovered"
    assert recorded.configuration_item_capture_time == "2023-11-14T22:13:20.000Z"
    assert recorded.configuration_state_id == 1_700_000_000_000
    assert recorded.aws_region == "eu-west-1"
    assert isinstance(invoking, ConfigInvokingEvent)
