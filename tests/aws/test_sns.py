"""SNS through `app.aws` with real boto3: topics, publishing, subscriptions and their
attributes, SNS's errors as botocore raises them, and the triggers a publish fires: an
`@app.on_topic` function, a function subscribed by ARN, and a queue subscribed by ARN (read with
boto3's SQS client)."""

from __future__ import annotations

import json
from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any

import pytest
from botocore.exceptions import ClientError

from faaslib import App

Client = Any
MISSING = "arn:aws:sns:us-east-1:123456789012:none"


@pytest.fixture
def deliveries() -> SimpleQueue[dict[str, Any]]:
    """The SNS records the app's functions were given."""
    return SimpleQueue()


@pytest.fixture
def app(deliveries: SimpleQueue[dict[str, Any]]) -> App:
    app = App(name="aws")

    @app.on_topic("alerts")
    def on_alert(event: dict[str, Any], context: object) -> None:
        for record in event["Records"]:
            deliveries.put({"by": "on_alert", **record["Sns"]})

    @app.function
    def notified(event: dict[str, Any], context: object) -> None:
        for record in event["Records"]:
            deliveries.put({"by": "notified", **record["Sns"]})

    app.queue("inbox")
    return app


@pytest.fixture
def sns(aws_client: Callable[..., Any]) -> Client:
    return aws_client("sns")


@pytest.fixture
def sqs(aws_client: Callable[..., Any]) -> Client:
    return aws_client("sqs")


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    error: dict[str, Any] = raised.value.response["Error"]
    return error


def next_delivery(deliveries: SimpleQueue[dict[str, Any]]) -> dict[str, Any]:
    return deliveries.get(timeout=10)


def receive_one(sqs: Client, queue: str, **options: Any) -> dict[str, Any]:
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, **options).get("Messages")
    assert messages, f"no message reached queue {queue!r}"
    message: dict[str, Any] = messages[0]
    return message


# -- topics -------------------------------------------------------------------------------------


def test_create_topic_answers_its_arn_and_is_idempotent(sns: Client) -> None:
    arn = sns.create_topic(Name="orders")["TopicArn"]
    assert arn == "arn:aws:sns:us-east-1:123456789012:orders"
    assert sns.create_topic(Name="orders")["TopicArn"] == arn
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["TopicArn"] == arn
    assert attributes["SubscriptionsConfirmed"] == "0"
    assert "FifoTopic" not in attributes


def test_create_fifo_topic_with_content_based_deduplication(sns: Client) -> None:
    arn = sns.create_topic(
        Name="ledger.fifo",
        Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"},
    )["TopicArn"]
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attributes["FifoTopic"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"


@pytest.mark.parametrize(
    ("name", "attributes"),
    [
        ("plain.fifo", {}),
        ("ledger", {"FifoTopic": "true"}),
        ("shown", {"DisplayName": "Shown"}),
        ("bad name!", {}),
    ],
)
def test_create_topic_refuses_what_sns_refuses(
    sns: Client, name: str, attributes: dict[str, str]
) -> None:
    with pytest.raises(ClientError) as raised:
        sns.create_topic(Name=name, Attributes=attributes)
    assert error_of(raised)["Code"] == "InvalidParameter"


def test_create_topic_again_with_other_attributes_is_refused(sns: Client) -> None:
    sns.create_topic(Name="ledger.fifo", Attributes={"FifoTopic": "true"})
    with pytest.raises(ClientError) as raised:
        sns.create_topic(
            Name="ledger.fifo",
            Attributes={"FifoTopic": "true", "ContentBasedDeduplication": "true"},
        )
    assert "different attributes" in error_of(raised)["Message"]


def test_list_topics_pages_by_next_token(sns: Client) -> None:
    for number in range(104):
        sns.create_topic(Name=f"t{number:03}")
    first = sns.list_topics()
    assert len(first["Topics"]) == 100
    second = sns.list_topics(NextToken=first["NextToken"])
    assert "NextToken" not in second
    arns = [topic["TopicArn"] for topic in first["Topics"] + second["Topics"]]
    assert len(arns) == len(set(arns)) == 105  # with the app's "alerts"
    paginated = sns.get_paginator("list_topics").paginate()
    assert sum(len(page["Topics"]) for page in paginated) == 105


def test_a_topic_the_app_does_not_have_is_not_found(sns: Client) -> None:
    with pytest.raises(ClientError) as raised:
        sns.get_topic_attributes(TopicArn=MISSING)
    assert error_of(raised)["Code"] == "NotFound"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as raised:
        sns.publish(TopicArn=MISSING, Message="hi")
    assert error_of(raised)["Code"] == "NotFound"


# -- publishing and triggers ------------------------------------------------------------------


def test_publish_triggers_the_on_topic_function(
    sns: Client, deliveries: SimpleQueue[dict[str, Any]]
) -> None:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    answer = sns.publish(
        TopicArn=arn,
        Message="disk full",
        Subject="Alarm",
        MessageAttributes={
            "level": {"DataType": "String", "StringValue": "high"},
            "count": {"DataType": "Number", "StringValue": "3"},
        },
    )
    record = next_delivery(deliveries)
    assert record["by"] == "on_alert"
    assert record["MessageId"] == answer["MessageId"]
    assert record["TopicArn"] == arn
    assert record["Message"] == "disk full"
    assert record["Subject"] == "Alarm"
    assert record["MessageAttributes"]["level"] == {"Type": "String", "Value": "high"}
    # Lambda's record shows a Number as String, as SNS documents
    assert record["MessageAttributes"]["count"] == {"Type": "String", "Value": "3"}


def test_publish_by_target_arn_reaches_a_function_subscribed_by_arn(
    sns: Client, deliveries: SimpleQueue[dict[str, Any]]
) -> None:
    arn = sns.create_topic(Name="news")["TopicArn"]
    function = "arn:aws:lambda:us-east-1:123456789012:function:notified"
    subscription = sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=function)
    assert subscription["SubscriptionArn"].startswith(arn + ":")
    sns.publish(TargetArn=arn, Message=json.dumps({"headline": "hi"}))
    record = next_delivery(deliveries)
    assert record["by"] == "notified"
    assert json.loads(record["Message"]) == {"headline": "hi"}
    assert record["UnsubscribeUrl"].endswith(subscription["SubscriptionArn"])


def test_a_filter_policy_on_a_function_subscription_selects_messages(
    sns: Client, deliveries: SimpleQueue[dict[str, Any]]
) -> None:
    arn = sns.create_topic(Name="news")["TopicArn"]
    sns.subscribe(
        TopicArn=arn,
        Protocol="lambda",
        Endpoint="arn:aws:lambda:us-east-1:123456789012:function:notified",
        Attributes={"FilterPolicy": json.dumps({"kind": ["sport"]})},
    )
    sns.publish(TopicArn=arn, Message="skipped", MessageAttributes=_kind("weather"))
    sns.publish(TopicArn=arn, Message="kept", MessageAttributes=_kind("sport"))
    assert next_delivery(deliveries)["Message"] == "kept"
    with pytest.raises(Empty):
        deliveries.get(timeout=0.3)


def _kind(kind: str) -> dict[str, Any]:
    return {"kind": {"DataType": "String", "StringValue": kind}}


def test_subscribe_a_queue_then_publish_puts_the_envelope_in_the_queue(
    sns: Client, sqs: Client
) -> None:
    arn = sns.create_topic(Name="orders")["TopicArn"]
    queue = "arn:aws:sqs:us-east-1:123456789012:inbox"
    subscription = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]
    published = sns.publish(
        TopicArn=arn,
        Message="order 1",
        MessageAttributes={"shop": {"DataType": "String", "StringValue": "north"}},
    )
    envelope = json.loads(receive_one(sqs, "inbox")["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["MessageId"] == published["MessageId"]
    assert envelope["TopicArn"] == arn
    assert envelope["Message"] == "order 1"
    assert envelope["MessageAttributes"]["shop"] == {"Type": "String", "Value": "north"}
    assert envelope["UnsubscribeURL"].endswith(subscription)


def test_raw_message_delivery_sends_the_message_and_its_attributes_as_published(
    sns: Client, sqs: Client
) -> None:
    arn = sns.create_topic(Name="orders")["TopicArn"]
    sns.subscribe(
        TopicArn=arn,
        Protocol="sqs",
        Endpoint="arn:aws:sqs:us-east-1:123456789012:inbox",
        Attributes={"RawMessageDelivery": "true"},
    )
    sns.publish(
        TopicArn=arn,
        Message="order 2",
        MessageAttributes={"blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}},
    )
    message = receive_one(sqs, "inbox", MessageAttributeNames=["All"])
    assert message["Body"] == "order 2"
    assert message["MessageAttributes"]["blob"]["BinaryValue"] == b"\x00\x01"


def test_fifo_topic_deduplicates_and_passes_ids_to_a_fifo_queue(sns: Client, sqs: Client) -> None:
    sqs.create_queue(QueueName="ledger.fifo", Attributes={"FifoQueue": "true"})
    arn = sns.create_topic(Name="ledger.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    sns.subscribe(
        TopicArn=arn,
        Protocol="sqs",
        Endpoint="arn:aws:sqs:us-east-1:123456789012:ledger.fifo",
        Attributes={"RawMessageDelivery": "true"},
    )
    first = sns.publish(
        TopicArn=arn, Message="credit", MessageGroupId="a", MessageDeduplicationId="d1"
    )
    again = sns.publish(
        TopicArn=arn, Message="credit", MessageGroupId="a", MessageDeduplicationId="d1"
    )
    assert again["MessageId"] == first["MessageId"]
    assert again["SequenceNumber"] == first["SequenceNumber"]
    message = receive_one(sqs, "ledger.fifo", MessageSystemAttributeNames=["All"])
    assert message["Body"] == "credit"
    assert message["Attributes"]["MessageGroupId"] == "a"
    with pytest.raises(ClientError) as raised:
        sns.publish(TopicArn=arn, Message="debit", MessageDeduplicationId="d2")
    assert error_of(raised)["Code"] == "InvalidParameter"


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"Message": ""}, "InvalidParameter"),
        ({"Message": "x" * 262_145}, "InvalidParameter"),
        ({"Message": "x", "Subject": "a\nb"}, "InvalidParameter"),
        ({"Message": "x", "MessageStructure": "json"}, "InvalidParameter"),
        (
            {
                "Message": "x",
                "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "z"}},
            },
            "ParameterValueInvalid",
        ),
    ],
)
def test_publish_refuses_what_sns_refuses(sns: Client, options: dict[str, Any], code: str) -> None:
    arn = sns.create_topic(Name="orders")["TopicArn"]
    with pytest.raises(ClientError) as raised:
        sns.publish(TopicArn=arn, **options)
    assert error_of(raised)["Code"] == code


def test_publish_batch_answers_each_entry(
    sns: Client, deliveries: SimpleQueue[dict[str, Any]]
) -> None:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    answer = sns.publish_batch(
        TopicArn=arn,
        PublishBatchRequestEntries=[
            {"Id": "one", "Message": "first", "MessageAttributes": _kind("a")},
            {"Id": "two", "Message": ""},
            {"Id": "three", "Message": "third"},
        ],
    )
    assert [entry["Id"] for entry in answer["Successful"]] == ["one", "three"]
    assert [entry["Id"] for entry in answer["Failed"]] == ["two"]
    assert answer["Failed"][0]["SenderFault"] is True
    # (Event invocations run concurrently: the function may see them in either order)
    records = {
        record["Message"]: record for record in [next_delivery(deliveries) for _ in range(2)]
    }
    assert sorted(records) == ["first", "third"]
    assert records["first"]["MessageAttributes"]["kind"]["Value"] == "a"


def test_publish_batch_with_repeated_ids_is_refused_whole(sns: Client) -> None:
    arn = sns.create_topic(Name="orders")["TopicArn"]
    with pytest.raises(ClientError) as raised:
        sns.publish_batch(
            TopicArn=arn,
            PublishBatchRequestEntries=[
                {"Id": "same", "Message": "a"},
                {"Id": "same", "Message": "b"},
            ],
        )
    assert error_of(raised)["Code"] == "BatchEntryIdsNotDistinct"


# -- subscriptions ----------------------------------------------------------------------------


def test_list_subscriptions_and_by_topic(sns: Client) -> None:
    arn = sns.create_topic(Name="orders")["TopicArn"]
    queue = "arn:aws:sqs:us-east-1:123456789012:inbox"
    made = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]
    assert sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)["SubscriptionArn"] == made
    by_topic = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert by_topic == [
        {
            "SubscriptionArn": made,
            "Owner": "123456789012",
            "Protocol": "sqs",
            "Endpoint": queue,
            "TopicArn": arn,
        }
    ]
    everything = sns.list_subscriptions()["Subscriptions"]
    assert {s["Protocol"] for s in everything} == {"sqs", "lambda"}  # with on_topic's
    assert len(everything) == 2


def test_set_subscription_attributes_changes_filter_and_raw_delivery(
    sns: Client, sqs: Client
) -> None:
    arn = sns.create_topic(Name="orders")["TopicArn"]
    made = sns.subscribe(
        TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:inbox"
    )["SubscriptionArn"]
    policy = json.dumps({"kind": ["sport"]})
    sns.set_subscription_attributes(
        SubscriptionArn=made, AttributeName="FilterPolicy", AttributeValue=policy
    )
    sns.set_subscription_attributes(
        SubscriptionArn=made, AttributeName="RawMessageDelivery", AttributeValue="true"
    )
    attributes = sns.get_subscription_attributes(SubscriptionArn=made)["Attributes"]
    assert json.loads(attributes["FilterPolicy"]) == {"kind": ["sport"]}
    assert attributes["RawMessageDelivery"] == "true"
    assert attributes["FilterPolicyScope"] == "MessageAttributes"
    sns.publish(TopicArn=arn, Message="weather", MessageAttributes=_kind("weather"))
    sns.publish(TopicArn=arn, Message="sport", MessageAttributes=_kind("sport"))
    assert receive_one(sqs, "inbox")["Body"] == "sport"
    sns.set_subscription_attributes(
        SubscriptionArn=made, AttributeName="FilterPolicyScope", AttributeValue="MessageBody"
    )
    assert (
        sns.get_subscription_attributes(SubscriptionArn=made)["Attributes"]["FilterPolicyScope"]
        == "MessageBody"
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FilterPolicy", "{not json"),
        ("FilterPolicyScope", "Everything"),
        ("DeliveryPolicy", "{}"),
    ],
)
def test_set_subscription_attributes_refuses_what_sns_refuses(
    sns: Client, name: str, value: str
) -> None:
    arn = sns.create_topic(Name="orders")["TopicArn"]
    made = sns.subscribe(
        TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:inbox"
    )["SubscriptionArn"]
    with pytest.raises(ClientError) as raised:
        sns.set_subscription_attributes(
            SubscriptionArn=made, AttributeName=name, AttributeValue=value
        )
    assert error_of(raised)["Code"] == "InvalidParameter"


@pytest.mark.parametrize(
    ("protocol", "endpoint"),
    [
        ("lambda", "arn:aws:lambda:us-east-1:123456789012:function:nobody"),
        ("sqs", "arn:aws:sqs:us-east-1:123456789012:nowhere"),
        ("email", "someone@example.com"),
    ],
)
def test_subscribe_refuses_an_endpoint_the_app_does_not_have(
    sns: Client, protocol: str, endpoint: str
) -> None:
    arn = sns.create_topic(Name="orders")["TopicArn"]
    with pytest.raises(ClientError) as raised:
        sns.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint)
    assert error_of(raised)["Code"] == "InvalidParameter"


def test_unsubscribe_stops_delivery(sns: Client, sqs: Client) -> None:
    arn = sns.create_topic(Name="orders")["TopicArn"]
    made = sns.subscribe(
        TopicArn=arn, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:inbox"
    )["SubscriptionArn"]
    sns.unsubscribe(SubscriptionArn=made)
    assert sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"] == []
    sns.publish(TopicArn=arn, Message="lost")
    url = sqs.get_queue_url(QueueName="inbox")["QueueUrl"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(ClientError) as raised:
        sns.unsubscribe(SubscriptionArn=made)
    assert error_of(raised)["Code"] == "NotFound"


def test_an_operation_faaslib_does_not_emulate_is_named(sns: Client) -> None:
    arn = sns.create_topic(Name="orders")["TopicArn"]
    with pytest.raises(ClientError) as raised:
        sns.delete_topic(TopicArn=arn)
    error = error_of(raised)
    assert error["Code"] == "UnsupportedOperation"
    assert "DeleteTopic" in error["Message"]
