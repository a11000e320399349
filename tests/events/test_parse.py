"""`parse` and `dump`: strict about types, lenient about unknown keys, and nothing but
`EventValidationError` for input of the wrong shape; a family's `detect` says None, without
raising, to anything that is not its event."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import events
from faaslib.events import _DETECTORS, AWSEvent, EventValidationError, SQSEvent
from faaslib.events.responses import RESPONSES

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
# Shapes close to real events, so decoding gets past the first key
NEAR = st.fixed_dictionaries(
    {"Records": st.lists(st.dictionaries(st.sampled_from(
        ["eventSource", "EventSource", "body", "s3", "Sns", "kinesis", "dynamodb", "messageId"]
    ), JSON, max_size=4), max_size=2)}
) | st.dictionaries(st.sampled_from(
    ["version", "routeKey", "requestContext", "httpMethod", "resource", "detail-type", "source",
     "awslogs", "eventSource", "records", "headers", "body", "detail", "triggerSource",
     "userPoolId", "type", "methodArn", "routeArn", "arguments", "identity", "info", "fieldName",
     "agent", "actionGroup", "messageVersion", "sessionId", "currentIntent", "bot", "Name",
     "Details", "alarmArn", "alarmData", "widgetContext", "DeploymentId", "connection-id",
     "endpoint-id", "configRuleArn", "invokingEvent", "CodePipeline", "RequestType", "ResponseURL",
     "StackId", "SecretId", "ClientRequestToken", "Step", "serialNumber", "clickType",
     "deviceEvent", "deviceInfo", "protocolData", "connectionMetadata", "deliveryStreamArn",
     "invocationSchemaVersion", "tasks", "getObjectContext", "userRequest", "messages",
     "rmqMessagesByQueue", "raw_path", "method", "authorizationToken", "identityPoolId",
     "datasetRecords"]
), JSON, max_size=6)  # fmt: skip


EVENT_TYPES = sorted({kind for kinds in events.FAMILIES.values() for kind in kinds}, key=repr)
TYPES = EVENT_TYPES + sorted(set(RESPONSES.values()), key=repr)


@settings(max_examples=300)
@given(st.one_of(JSON, NEAR), st.sampled_from(TYPES))
def test_any_json_decodes_or_raises_a_validation_error(value: Any, event_type: type) -> None:
    outcome: object
    try:
        outcome = events.parse(value, type=event_type)
    except EventValidationError as error:
        outcome = error.type_name
    assert isinstance(outcome, event_type) or outcome == event_type.__name__


@settings(max_examples=300)
@given(st.one_of(JSON, NEAR))
def test_detection_returns_an_event_or_raises_a_validation_error(value: Any) -> None:
    try:
        event = events.parse(value)
    except EventValidationError:
        return
    assert isinstance(event, tuple(EVENT_TYPES))


def test_an_error_names_the_field_path() -> None:
    raw = {"Records": [{"messageId": "1", "body": 5}]}
    with pytest.raises(
        EventValidationError,
        match=r"SQSEvent: Expected `str`, got `int` - at `\$.Records\[0\].body`",
    ):
        events.parse(raw, type=SQSEvent)


def test_unknown_keys_are_ignored_and_json_text_is_accepted() -> None:
    text = '{"Records": [{"eventSource": "aws:sqs", "body": "{\\"n\\": 1}", "newKey": true}]}'
    event = events.parse(text)
    assert isinstance(event, SQSEvent)
    assert event.records[0].json() == {"n": 1}
    assert events.dump(event) == {"Records": [{"eventSource": "aws:sqs", "body": '{"n": 1}'}]}


def test_an_unknown_shape_says_so() -> None:
    with pytest.raises(EventValidationError, match="no event family matches"):
        events.parse({"hello": "world"})
    with pytest.raises(EventValidationError, match="not JSON"):
        events.parse(b"{nope")


# Not events, and near misses of each family's keys: every `detect` says None and raises nothing.
ODD_INPUTS: list[Any] = [
    [], "x", 5, None, {}, {"Records": 5}, {"Records": []}, {"Records": ["x"]}, {"Records": [{}]},
    {"Records": ["aws:ses"]},
    # AppSync resolvers and identities, Bedrock agents, Lex V1 (V2 sends sessionState), Connect
    {"arguments": "x", "identity": None}, {"sourceIp": 1}, {"agent": "x", "actionGroup": "a"},
    {"currentIntent": [], "bot": {}, "invocationSource": "x"},
    {"bot": {"name": "b"}, "invocationSource": "DialogCodeHook", "sessionState": {}},
    {"Name": "n", "Details": {"ContactData": 1}},
    # API Gateway authorizers and WebSockets, VPC Lattice
    {"type": "TOKEN"}, {"type": "REQUEST", "httpMethod": "GET", "resource": "/"},
    {"type": ["TOKEN"], "methodArn": "arn"}, {"authorizationToken": "t", "requestContext": []},
    {"authorizationToken": 5, "requestContext": {"apiId": "a", "queryString": "q"}},
    {"requestContext": "x"}, {"requestContext": ["connectionId", "eventType"]},
    {"requestContext": {"connectionId": "abc"}},
    {"requestContext": {"routeKey": "$connect", "stage": "prod"}},
    {"raw_path": "/"}, {"version": "2.0", "requestContext": "x"},
    {"version": "2.0", "requestContext": {"serviceArn": "arn"}},
    {"version": "1.0", "requestContext": {"serviceArn": "a", "targetGroupArn": "b"}},
    # Cognito user pools and sync
    {"triggerSource": 5, "userPoolId": "us-east-1_abc"}, {"triggerSource": "PreSignUp_SignUp"},
    {"identityPoolId": "us-east-1:abc", "datasetRecords": []},
    # S3 Object Lambda and Batch Operations, Firehose (a Kinesis Analytics input-preprocessing
    # batch names its source stream), Amazon MQ
    {"configuration": {}}, {"invocationSchemaVersion": "1.0", "tasks": 3},
    {"deliveryStreamArn": "arn", "records": {}},
    {"applicationArn": "arn", "streamArn": "arn", "records": []},
    {"eventSource": "aws:amq", "messages": {}}, {"eventSource": ["aws:amq"], "messages": []},
    {"eventSource": "aws:rmq", "rmqMessagesByQueue": []},
    # IoT, Config, CodePipeline, CloudFormation, Secrets Manager
    {"serialNumber": 5, "clickType": "SINGLE"}, {"deviceEvent": "x", "deviceInfo": {}},
    {"protocolData": {}, "connectionMetadata": None}, {"claimCertificateId": "a"},
    {"configRuleArn": "arn", "invokingEvent": {}}, {"CodePipeline.job": "job"}, {"job": {}},
    {"RequestType": "Create", "ResponseURL": "u"},
    {"SecretId": 1, "ClientRequestToken": "t", "Step": "s"},
    # CloudWatch alarms and dashboards, CodeDeploy, Client VPN
    {"alarmArn": 1, "alarmData": {}}, {"widgetContext": "x"}, {"DeploymentId": "d-ABCDEF"},
    {"DeploymentId": 1, "LifecycleEventHookExecutionId": "x"},
    {"connection-id": "cvpn-connection-04e7e1b2f0daf9460"}, {"connection-id": 1, "endpoint-id": 2},
]  # fmt: skip


@pytest.mark.parametrize("detect", _DETECTORS, ids=[detect.__module__ for detect in _DETECTORS])
def test_a_family_detector_returns_none_for_odd_input(
    detect: Callable[[Mapping[str, Any]], type[AWSEvent] | None],
) -> None:
    claimed = [data for data in ODD_INPUTS if detect(data) is not None]
    assert claimed == []
