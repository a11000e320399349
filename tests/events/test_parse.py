"""`parse` and `dump`: strict about types, lenient about unknown keys, and nothing but
`EventValidationError` for input of the wrong shape."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import events
from faaslib.events import EventValidationError, SQSEvent
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
