"""EventBridge through `app.aws` with real boto3: PutEvents' per-entry results, rules and
targets made by PutRule and PutTargets, TestEventPattern, the app's buses, EventBridge's errors
as botocore raises them, and the triggers: an `@app.on_event` function a `put_events` runs, and
a function (or queue) a rule made through the API delivers to."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from queue import Empty, SimpleQueue
from typing import Any

import pytest
from botocore.exceptions import ClientError

from faaslib import App

Client = Any
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:"
ORDER = {"source": ["shop"], "detail-type": ["Order Placed"]}


@pytest.fixture
def deliveries() -> SimpleQueue[tuple[str, dict[str, Any]]]:
    """(function, event) for each event the app's functions were given."""
    return SimpleQueue()


@pytest.fixture
def app(deliveries: SimpleQueue[tuple[str, dict[str, Any]]]) -> App:
    app = App(name="aws")

    @app.on_event({"source": ["billing"]}, rule="bills")
    def on_bill(event: dict[str, Any], context: object) -> None:
        deliveries.put(("on_bill", event))

    @app.function
    def handle(event: dict[str, Any], context: object) -> None:
        deliveries.put(("handle", event))

    app.bus("orders")
    app.queue("audit")
    app.queue("ledger.fifo", fifo=True)
    return app


@pytest.fixture
def events(aws_client: Callable[..., Any]) -> Client:
    return aws_client("events")


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    error: dict[str, Any] = raised.value.response["Error"]
    return error


def order(**fields: Any) -> dict[str, Any]:
    return {"Source": "shop", "DetailType": "Order Placed", "Detail": '{"id": 1}', **fields}


# -- PutEvents ----------------------------------------------------------------------------------


def test_put_events_triggers_the_on_event_function(
    events: Client, deliveries: SimpleQueue[tuple[str, dict[str, Any]]]
) -> None:
    moment = datetime(2026, 12, 7, 6, 0, tzinfo=timezone.utc)
    answer = events.put_events(
        Entries=[
            {
                "Source": "billing",
                "DetailType": "Invoice Paid",
                "Detail": json.dumps({"amount": 12}),
                "Resources": ["arn:aws:s3:::invoices"],
                "Time": moment,
            }
        ]
    )
    assert answer["FailedEntryCount"] == 0
    function, event = deliveries.get(timeout=10)
    assert function == "on_bill"
    assert event["id"] == answer["Entries"][0]["EventId"]
    assert event["detail"] == {"amount": 12}
    assert event["detail-type"] == "Invoice Paid"
    assert event["time"] == "2026-12-07T06:00:00Z"
    assert event["resources"] == ["arn:aws:s3:::invoices"]


def test_put_events_answers_each_entry_in_place(events: Client) -> None:
    answer = events.put_events(
        Entries=[
            order(),
            {"Source": "shop", "DetailType": "Order Placed", "Detail": "[1]"},
            {"Source": "aws.s3", "DetailType": "x", "Detail": "{}"},
            order(EventBusName="nowhere"),
            order(EventBusName="arn:aws:events:us-east-1:123456789012:event-bus/orders"),
        ]
    )
    assert answer["FailedEntryCount"] == 3
    codes = [entry.get("ErrorCode") for entry in answer["Entries"]]
    assert codes == [
        None,
        "MalformedDetail",
        "NotAuthorizedForSourceException",
        "ResourceNotFoundException",
        None,
    ]
    assert "EventId" in answer["Entries"][4]


@pytest.mark.parametrize("count", [0, 11])
def test_put_events_with_too_few_or_too_many_entries_is_refused(
    aws_client: Callable[..., Any], count: int
) -> None:
    events = aws_client("events", parameter_validation=False)  # botocore checks the minimum
    with pytest.raises(ClientError) as raised:
        events.put_events(Entries=[order() for _ in range(count)])
    assert error_of(raised)["Code"] == "ValidationException"


def test_put_events_over_the_size_limit_is_refused_whole(events: Client) -> None:
    detail = json.dumps({"text": "x" * 200_000})
    with pytest.raises(ClientError) as raised:
        events.put_events(Entries=[order(Detail=detail) for _ in range(6)])
    assert error_of(raised)["Code"] == "ValidationException"


# -- rules and targets --------------------------------------------------------------------------


def test_a_rule_made_with_put_rule_and_put_targets_runs_its_function(
    events: Client, deliveries: SimpleQueue[tuple[str, dict[str, Any]]]
) -> None:
    arn = events.put_rule(Name="placed", EventPattern=json.dumps(ORDER), EventBusName="orders")[
        "RuleArn"
    ]
    assert arn == "arn:aws:events:us-east-1:123456789012:rule/orders/placed"
    events.put_events(Entries=[order(EventBusName="orders")])
    with pytest.raises(Empty):  # a rule without targets matches nothing
        deliveries.get(timeout=0.3)
    answer = events.put_targets(
        Rule="placed", EventBusName="orders", Targets=[{"Id": "h", "Arn": FUNCTION + "handle"}]
    )
    assert (answer["FailedEntryCount"], answer["FailedEntries"]) == (0, [])
    put = events.put_events(Entries=[order(EventBusName="orders")])
    function, event = deliveries.get(timeout=10)
    assert function == "handle"
    assert event["id"] == put["Entries"][0]["EventId"]
    assert event["detail"] == {"id": 1}


def test_a_queue_target_receives_the_event_as_a_message(
    events: Client, aws_client: Callable[..., Any]
) -> None:
    events.put_rule(Name="audit", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(
        Rule="audit", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:123456789012:audit"}]
    )
    put = events.put_events(Entries=[order()])
    sqs = aws_client("sqs")
    url = sqs.get_queue_url(QueueName="audit")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert json.loads(messages[0]["Body"])["id"] == put["Entries"][0]["EventId"]


def test_put_targets_refuses_a_target_the_app_does_not_have(events: Client) -> None:
    events.put_rule(Name="placed", EventPattern=json.dumps(ORDER))
    answer = events.put_targets(
        Rule="placed",
        Targets=[
            {"Id": "gone", "Arn": FUNCTION + "nobody"},
            {"Id": "shaped", "Arn": FUNCTION + "handle", "Input": "{}"},
            {"Id": "fifo", "Arn": "arn:aws:sqs:us-east-1:123456789012:ledger.fifo"},
            {"Id": "ok", "Arn": FUNCTION + "handle"},
        ],
    )
    assert answer["FailedEntryCount"] == 3
    failed = [entry["TargetId"] for entry in answer["FailedEntries"]]
    assert failed == ["gone", "shaped", "fifo"]
    listed = events.list_targets_by_rule(Rule="placed")["Targets"]
    assert listed == [{"Id": "ok", "Arn": FUNCTION + "handle"}]


def test_describe_and_list_rules_include_the_on_event_rule(events: Client) -> None:
    events.put_rule(Name="placed", EventPattern=json.dumps(ORDER), Description="orders in")
    described = events.describe_rule(Name="placed")
    assert described["EventPattern"] == json.dumps(ORDER)
    assert described["State"] == "ENABLED"
    assert described["Description"] == "orders in"
    assert described["EventBusName"] == "default"
    rules = events.list_rules()["Rules"]
    assert [rule["Name"] for rule in rules] == ["bills", "placed"]
    targets = events.list_targets_by_rule(Rule="bills")["Targets"]
    assert targets == [{"Id": "on_bill", "Arn": FUNCTION + "on_bill"}]


def test_list_rules_pages_by_limit_and_next_token(events: Client) -> None:
    for number in range(5):
        events.put_rule(Name=f"r{number}", EventPattern=json.dumps(ORDER), EventBusName="orders")
    first = events.list_rules(EventBusName="orders", Limit=2)
    assert [rule["Name"] for rule in first["Rules"]] == ["r0", "r1"]
    rest = events.list_rules(EventBusName="orders", Limit=3, NextToken=first["NextToken"])
    assert [rule["Name"] for rule in rest["Rules"]] == ["r2", "r3", "r4"]
    assert "NextToken" not in rest
    prefixed = events.list_rules(EventBusName="orders", NamePrefix="r4")["Rules"]
    assert [rule["Name"] for rule in prefixed] == ["r4"]


def test_remove_targets_then_delete_rule(
    events: Client, deliveries: SimpleQueue[tuple[str, dict[str, Any]]]
) -> None:
    events.put_rule(Name="placed", EventPattern=json.dumps(ORDER))
    events.put_targets(Rule="placed", Targets=[{"Id": "h", "Arn": FUNCTION + "handle"}])
    with pytest.raises(ClientError) as raised:
        events.delete_rule(Name="placed")
    assert error_of(raised)["Message"] == "Rule can't be deleted since it has targets."
    answer = events.remove_targets(Rule="placed", Ids=["h", "missing"])
    assert answer["FailedEntryCount"] == 1
    assert answer["FailedEntries"][0]["TargetId"] == "missing"
    events.put_events(Entries=[order()])
    with pytest.raises(Empty):
        deliveries.get(timeout=0.3)
    events.delete_rule(Name="placed")
    with pytest.raises(ClientError) as raised:
        events.describe_rule(Name="placed")
    assert error_of(raised)["Code"] == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"Name": "bad name", "EventPattern": json.dumps(ORDER)}, "ValidationException"),
        ({"Name": "p", "EventPattern": '{"source": "shop"}'}, "InvalidEventPatternException"),
        ({"Name": "p", "ScheduleExpression": "rate(5 minutes)"}, "ValidationException"),
        (
            {"Name": "p", "EventPattern": json.dumps(ORDER), "State": "DISABLED"},
            "ValidationException",
        ),
        (
            {"Name": "p", "EventPattern": json.dumps(ORDER), "EventBusName": "nowhere"},
            "ResourceNotFoundException",
        ),
    ],
)
def test_put_rule_refuses_what_eventbridge_refuses(
    events: Client, options: dict[str, Any], code: str
) -> None:
    with pytest.raises(ClientError) as raised:
        events.put_rule(**options)
    assert error_of(raised)["Code"] == code


def test_operations_on_a_missing_rule_are_not_found(events: Client) -> None:
    for call in (
        lambda: events.describe_rule(Name="none"),
        lambda: events.list_targets_by_rule(Rule="none"),
        lambda: events.put_targets(Rule="none", Targets=[{"Id": "h", "Arn": FUNCTION + "handle"}]),
        lambda: events.remove_targets(Rule="none", Ids=["h"]),
        lambda: events.delete_rule(Name="none"),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert error_of(raised)["Code"] == "ResourceNotFoundException"


# -- patterns and buses -------------------------------------------------------------------------


def test_test_event_pattern_matches_with_faaslib_patterns(events: Client) -> None:
    event = {
        "id": "1",
        "account": "123456789012",
        "source": "shop",
        "time": "2026-12-07T06:00:00Z",
        "region": "us-east-1",
        "detail-type": "Order Placed",
        "detail": {"total": 30},
    }
    pattern = {"source": ["shop"], "detail": {"total": [{"numeric": [">", 20]}]}}
    assert events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))[
        "Result"
    ]
    event["detail"] = {"total": 10}
    assert not events.test_event_pattern(EventPattern=json.dumps(pattern), Event=json.dumps(event))[
        "Result"
    ]
    with pytest.raises(ClientError) as raised:
        events.test_event_pattern(EventPattern="{", Event=json.dumps(event))
    assert error_of(raised)["Code"] == "InvalidEventPatternException"
    with pytest.raises(ClientError) as raised:
        events.test_event_pattern(EventPattern=json.dumps(pattern), Event='{"source": "shop"}')
    assert error_of(raised)["Code"] == "ValidationException"


def test_list_and_describe_the_apps_event_buses(events: Client) -> None:
    buses = events.list_event_buses()["EventBuses"]
    assert [(bus["Name"], bus["Arn"]) for bus in buses] == [
        ("default", "arn:aws:events:us-east-1:123456789012:event-bus/default"),
        ("orders", "arn:aws:events:us-east-1:123456789012:event-bus/orders"),
    ]
    assert events.describe_event_bus()["Name"] == "default"
    assert events.describe_event_bus(Name="orders")["Arn"].endswith("event-bus/orders")
    with pytest.raises(ClientError) as raised:
        events.describe_event_bus(Name="nowhere")
    assert error_of(raised)["Code"] == "ResourceNotFoundException"


def test_an_operation_faaslib_does_not_emulate_is_named(events: Client) -> None:
    with pytest.raises(ClientError) as raised:
        events.create_event_bus(Name="new")
    error = error_of(raised)
    assert error["Code"] == "UnknownOperationException"
    assert "CreateEventBus" in error["Message"]
