"""SQS through `app.aws` with real boto3: every operation the app's queues back, SQS's errors as
botocore raises them, long polls, redrive, FIFO order, message attribute digests, and the
`@app.on_queue` function a `send_message` triggers."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping
from queue import SimpleQueue
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.aws.queues import app_fixture, deliveries_fixture  # noqa: F401  (fixtures)
from tests.http.server import Served

Client = Any
MISSING = "arn:aws:sqs:us-east-1:123456789012:none"

pytestmark = pytest.mark.usefixtures("each_store")


@pytest.fixture
def sqs(aws_client: Callable[..., Any]) -> Client:
    return aws_client("sqs")


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    error: dict[str, Any] = raised.value.response["Error"]
    return error


def reference_attributes_md5(attributes: Mapping[str, Mapping[str, Any]]) -> str:
    """SQS's documented digest of message attributes, from the boto3 values sent."""
    data = b""
    for name in sorted(attributes):
        value = attributes[name]
        data += len(name.encode()).to_bytes(4, "big") + name.encode()
        kind = value["DataType"].encode()
        data += len(kind).to_bytes(4, "big") + kind
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            data += b"\x02" + len(raw).to_bytes(4, "big") + raw
        else:
            text = value["StringValue"].encode()
            data += b"\x01" + len(text).to_bytes(4, "big") + text
    return hashlib.md5(data).hexdigest()


# -- queues -------------------------------------------------------------------------------------


def test_create_queue_answers_a_path_style_url_on_the_requests_host(
    sqs: Client, served: Served
) -> None:
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    assert url == f"http://127.0.0.1:{served.port}/123456789012/orders"
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url
    assert served.app.queue("orders").visibility_timeout == 30


def test_create_queue_takes_sqs_attributes_and_is_idempotent_for_the_same_ones(
    sqs: Client, served: Served
) -> None:
    attributes = {
        "VisibilityTimeout": "45",
        "DelaySeconds": "2",
        "MessageRetentionPeriod": "600",
        "MaximumMessageSize": "2048",
    }
    url = sqs.create_queue(QueueName="tuned", Attributes=attributes)["QueueUrl"]
    queue = served.app.queue("tuned")
    assert (queue.visibility_timeout, queue.delay_seconds) == (45, 2)
    assert (queue.message_retention_period, queue.maximum_message_size) == (600, 2048)
    assert sqs.create_queue(QueueName="tuned", Attributes=attributes)["QueueUrl"] == url
    with pytest.raises(sqs.exceptions.QueueNameExists) as raised:
        sqs.create_queue(QueueName="tuned", Attributes={"VisibilityTimeout": "10"})
    assert error_of(raised)["Code"] == "QueueAlreadyExists"
    assert "VisibilityTimeout" in error_of(raised)["Message"]


@pytest.mark.parametrize(
    ("attributes", "code"),
    [
        ({"VisibilityTimeout": "43201"}, "InvalidAttributeValue"),
        ({"DelaySeconds": "soon"}, "InvalidAttributeValue"),
        ({"NoSuchAttribute": "1"}, "InvalidAttributeName"),
        ({"KmsMasterKeyId": "alias/aws/sqs"}, "AWS.SimpleQueueService.UnsupportedOperation"),
        (
            {"RedrivePolicy": json.dumps({"deadLetterTargetArn": MISSING, "maxReceiveCount": 3})},
            "InvalidParameterValue",
        ),
    ],
)
def test_create_queue_refuses_attributes_as_sqs_does(
    sqs: Client, attributes: dict[str, str], code: str
) -> None:
    with pytest.raises(ClientError) as raised:
        sqs.create_queue(QueueName="refused", Attributes=attributes)
    assert error_of(raised)["Code"] == code
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="refused")


def test_a_queue_name_sqs_refuses_is_invalid_parameter_value(sqs: Client) -> None:
    with pytest.raises(ClientError) as raised:
        sqs.create_queue(QueueName="no spaces allowed")
    assert error_of(raised)["Code"] == "InvalidParameterValue"


def test_an_unknown_queue_raises_queue_does_not_exist_with_sqs_legacy_code(
    sqs: Client, served: Served
) -> None:
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as raised:
        sqs.get_queue_url(QueueName="missing")
    assert error_of(raised)["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    missing = f"{served.url}/123456789012/missing"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=missing, MessageBody="x")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.receive_message(QueueUrl=missing)
    sqs.create_queue(QueueName="elsewhere")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):  # another account's URL
        sqs.send_message(QueueUrl=f"{served.url}/999999999999/elsewhere", MessageBody="x")


def test_list_queues_filters_by_prefix_and_paginates(sqs: Client, served: Served) -> None:
    names = [f"list-{number:02}" for number in range(7)]
    for name in names:
        sqs.create_queue(QueueName=name)
    first = sqs.list_queues(QueueNamePrefix="list-", MaxResults=3)
    assert [url.rsplit("/", 1)[1] for url in first["QueueUrls"]] == names[:3]
    assert "NextToken" in first
    pages = sqs.get_paginator("list_queues").paginate(
        QueueNamePrefix="list-", PaginationConfig={"PageSize": 3}
    )
    seen = [url.rsplit("/", 1)[1] for page in pages for url in page.get("QueueUrls", [])]
    assert seen == names
    everything = sqs.list_queues()
    assert "NextToken" not in everything
    assert set(names) <= {url.rsplit("/", 1)[1] for url in everything["QueueUrls"]}
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="nothing-")
    with pytest.raises(ClientError) as raised:
        sqs.list_queues(MaxResults=1001)
    assert error_of(raised)["Code"] == "InvalidParameterValue"


def test_get_queue_attributes_answers_counts_arn_and_redrive_policy(
    sqs: Client, served: Served
) -> None:
    dlq = sqs.create_queue(QueueName="attrs-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    assert dlq_arn == "arn:aws:sqs:us-east-1:123456789012:attrs-dlq"
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "4"})
    url = sqs.create_queue(QueueName="attrs", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one")
    sqs.send_message(QueueUrl=url, MessageBody="two")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
    sqs.receive_message(QueueUrl=url)
    values = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert values["ApproximateNumberOfMessages"] == "1"
    assert values["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert values["ApproximateNumberOfMessagesDelayed"] == "1"
    assert values["VisibilityTimeout"] == "30"
    assert values["QueueArn"].endswith(":attrs")
    assert json.loads(values["RedrivePolicy"]) == {
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": 4,
    }
    assert "FifoQueue" not in values
    only = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
    assert only["Attributes"] == {"DelaySeconds": "0"}
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Colour"])


def test_set_queue_attributes_applies_to_the_next_receive(sqs: Client, served: Served) -> None:
    url = sqs.create_queue(QueueName="settable")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
    assert served.app.queue("settable").visibility_timeout == 0
    sqs.send_message(QueueUrl=url, MessageBody="again")
    sqs.receive_message(QueueUrl=url)
    again = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])
    assert again["Messages"][0]["Attributes"]["ApproximateReceiveCount"] == "2"
    with pytest.raises(ClientError) as raised:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "60"})
    assert error_of(raised)["Code"] == "AWS.SimpleQueueService.UnsupportedOperation"
    with pytest.raises(sqs.exceptions.InvalidAttributeValue):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"})


def test_purge_queue_removes_every_message(sqs: Client, served: Served) -> None:
    url = sqs.create_queue(QueueName="purged")["QueueUrl"]
    for number in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=str(number))
    sqs.receive_message(QueueUrl=url)
    sqs.purge_queue(QueueUrl=url)
    assert served.app.queue("purged").counters.purged == 3
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_delete_queue_deletes_it_and_its_name_waits_sixty_seconds(
    sqs: Client, served: Served
) -> None:
    url = sqs.create_queue(QueueName="deleted")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="gone with the queue")
    sqs.delete_queue(QueueUrl=url)
    assert "deleted" not in served.app.queues
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="deleted")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url, MessageBody="x")
    with pytest.raises(sqs.exceptions.QueueDeletedRecently) as raised:
        sqs.create_queue(QueueName="deleted")
    assert "60 seconds" in error_of(raised)["Message"]
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.delete_queue(QueueUrl=f"{served.url}/123456789012/never")


def test_delete_queue_is_refused_while_a_trigger_reads_it(sqs: Client) -> None:
    url = sqs.get_queue_url(QueueName="triggered")["QueueUrl"]
    with pytest.raises(sqs.exceptions.UnsupportedOperation) as raised:
        sqs.delete_queue(QueueUrl=url)
    message = error_of(raised)["Message"]
    assert "DeleteQueue" in message
    assert "function 'consume'" in message
    assert sqs.get_queue_url(QueueName="triggered")["QueueUrl"] == url


def test_an_operation_faaslib_does_not_emulate_is_unsupported_operation_naming_it(
    sqs: Client,
) -> None:
    url = sqs.create_queue(QueueName="tagged")["QueueUrl"]
    with pytest.raises(sqs.exceptions.UnsupportedOperation) as raised:
        sqs.tag_queue(QueueUrl=url, Tags={"team": "a"})
    assert "TagQueue" in error_of(raised)["Message"]


# -- messages -----------------------------------------------------------------------------------


def test_message_attributes_round_trip_with_sqs_digests(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="typed")["QueueUrl"]
    attributes: dict[str, dict[str, Any]] = {
        "colour": {"DataType": "String", "StringValue": "blue ✓"},
        "count": {"DataType": "Number", "StringValue": "42"},
        "ratio": {"DataType": "Number", "StringValue": "0.5"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xffdata"},
    }
    body = "héllo {json}"
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == reference_attributes_md5(attributes)
    [message] = sqs.receive_message(
        QueueUrl=url,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
    )["Messages"]
    assert message["Body"] == body
    assert message["MessageId"] == sent["MessageId"]
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MessageAttributes"] == attributes
    assert message["MD5OfMessageAttributes"] == reference_attributes_md5(attributes)
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert abs(int(message["Attributes"]["SentTimestamp"]) - time.time() * 1000) < 60_000
    assert set(message["Attributes"]) == {"ApproximateReceiveCount", "SentTimestamp"}


def test_receive_returns_only_the_message_attributes_asked_for(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="filtered")["QueueUrl"]
    attributes: dict[str, dict[str, Any]] = {
        "trace.id": {"DataType": "String", "StringValue": "t1"},
        "trace.span": {"DataType": "String", "StringValue": "s1"},
        "other": {"DataType": "String", "StringValue": "o"},
    }
    for _ in range(3):
        sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=attributes)
    [bare] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert "MessageAttributes" not in bare
    assert "Attributes" not in bare
    [prefixed] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["trace.*"])["Messages"]
    assert set(prefixed["MessageAttributes"]) == {"trace.id", "trace.span"}
    expected = {name: attributes[name] for name in ("trace.id", "trace.span")}
    assert prefixed["MD5OfMessageAttributes"] == reference_attributes_md5(expected)
    [named] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["other"])["Messages"]
    assert named["MessageAttributes"] == {"other": attributes["other"]}


@pytest.mark.parametrize(
    ("attribute", "code"),
    [
        ({"DataType": "Number.int", "StringValue": "1"}, "UnsupportedOperation"),
        ({"DataType": "Number", "StringValue": "007"}, "UnsupportedOperation"),
        ({"DataType": "Number", "StringValue": "many"}, "InvalidParameterValue"),
        ({"DataType": "Text", "StringValue": "x"}, "InvalidParameterValue"),
        ({"DataType": "String"}, "InvalidParameterValue"),
    ],
)
def test_a_message_attribute_faaslib_cannot_keep_exactly_is_refused(
    sqs: Client, attribute: dict[str, str], code: str
) -> None:
    url = sqs.create_queue(QueueName="strict")["QueueUrl"]
    with pytest.raises(ClientError) as raised:
        sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes={"a": attribute})
    assert raised.value.response["Error"]["QueryErrorCode"] == code


def test_delete_message_removes_it_and_a_foreign_receipt_handle_is_invalid(
    sqs: Client, served: Served
) -> None:
    url = sqs.create_queue(QueueName="deleting", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="gone")
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert served.app.queue("deleting").counters.deleted == 1
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")


def test_change_message_visibility_hides_and_returns_a_message(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="visible")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    [first] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)["Messages"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=0
    )
    [again] = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    assert again["MessageId"] == first["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):  # received again since
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=first["ReceiptHandle"], VisibilityTimeout=5
        )
    with pytest.raises(ClientError) as raised:
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=again["ReceiptHandle"], VisibilityTimeout=43_201
        )
    assert error_of(raised)["Code"] == "InvalidParameterValue"


def test_receive_refuses_counts_and_waits_out_of_range(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="ranges")["QueueUrl"]
    for options in ({"MaxNumberOfMessages": 11}, {"WaitTimeSeconds": 21}):
        with pytest.raises(ClientError) as raised:
            sqs.receive_message(QueueUrl=url, **options)
        assert error_of(raised)["Code"] == "InvalidParameterValue"
        assert next(iter(options)) in error_of(raised)["Message"]


def test_send_message_refusals_carry_sqs_codes(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    with pytest.raises(ClientError) as raised:
        sqs.send_message(QueueUrl=url, MessageBody="x" * 1025)
    assert error_of(raised)["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as raised:
        sqs.send_message(QueueUrl=url, MessageBody="m", DelaySeconds=901)
    assert error_of(raised)["Code"] == "InvalidParameterValue"
    with pytest.raises(sqs.exceptions.InvalidMessageContents):
        sqs.send_message(QueueUrl=url, MessageBody="bad \x01 char")


# -- batches ------------------------------------------------------------------------------------


def test_send_message_batch_answers_each_entry(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="batched")["QueueUrl"]
    answer = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a", "MessageBody": "first"},
            {"Id": "b", "MessageBody": "late", "DelaySeconds": 901},
            {
                "Id": "c",
                "MessageBody": "third",
                "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}},
            },
            {
                "Id": "d",
                "MessageBody": "custom",
                "MessageAttributes": {"k": {"DataType": "String.label", "StringValue": "v"}},
            },
        ],
    )
    assert [entry["Id"] for entry in answer["Successful"]] == ["a", "c"]
    assert answer["Successful"][0]["MD5OfMessageBody"] == hashlib.md5(b"first").hexdigest()
    assert answer["Successful"][1]["MD5OfMessageAttributes"] == reference_attributes_md5(
        {"k": {"DataType": "String", "StringValue": "v"}}
    )
    failed = {entry["Id"]: entry for entry in answer["Failed"]}
    assert set(failed) == {"b", "d"}
    assert failed["b"]["Code"] == "InvalidParameterValue"
    assert failed["b"]["SenderFault"] is True
    assert failed["d"]["Code"] == "UnsupportedOperation"
    bodies = {
        message["Body"]
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    }
    assert bodies == {"first", "third"}


@pytest.mark.parametrize(
    ("ids", "exception", "code"),
    [
        ([], "EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest"),
        (
            [f"m{n}" for n in range(11)],
            "TooManyEntriesInBatchRequest",
            "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        ),
        (
            ["same", "same"],
            "BatchEntryIdsNotDistinct",
            "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        ),
        (["not valid!"], "InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId"),
    ],
)
def test_a_batch_sqs_refuses_whole_raises_its_exception(
    aws_client: Callable[..., Any], ids: list[str], exception: str, code: str
) -> None:
    sqs = aws_client("sqs", parameter_validation=False)  # botocore would refuse [] itself
    url = sqs.create_queue(QueueName="whole")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    [message] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]
    handle = message["ReceiptHandle"]
    calls = [
        (sqs.send_message_batch, {"MessageBody": "x"}),
        (sqs.delete_message_batch, {"ReceiptHandle": handle}),
        (sqs.change_message_visibility_batch, {"ReceiptHandle": handle, "VisibilityTimeout": 9}),
    ]
    for call, fields in calls:
        with pytest.raises(getattr(sqs.exceptions, exception)) as raised:
            call(QueueUrl=url, Entries=[{"Id": entry_id, **fields} for entry_id in ids])
        assert error_of(raised)["Code"] == code
    [again] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert again["MessageId"] == message["MessageId"]  # neither sent, deleted nor hidden


def test_delete_and_change_visibility_batches_answer_each_entry(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="batch-handles")["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": str(n)} for n in range(3)]
    )
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert len(messages) == 3
    changed = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "zero", "ReceiptHandle": messages[0]["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "bad", "ReceiptHandle": "forged", "VisibilityTimeout": 0},
        ],
    )
    assert changed["Successful"] == [{"Id": "zero"}]
    assert [(entry["Id"], entry["Code"]) for entry in changed["Failed"]] == [
        ("bad", "ReceiptHandleIsInvalid")
    ]
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "one", "ReceiptHandle": messages[1]["ReceiptHandle"]},
            {"Id": "two", "ReceiptHandle": messages[2]["ReceiptHandle"]},
            {"Id": "bad", "ReceiptHandle": "forged"},
        ],
    )
    assert [entry["Id"] for entry in deleted["Successful"]] == ["one", "two"]
    assert [(entry["Id"], entry["Code"]) for entry in deleted["Failed"]] == [
        ("bad", "ReceiptHandleIsInvalid")
    ]
    [left] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert left["MessageId"] == messages[0]["MessageId"]


# -- long polling, redrive, FIFO --------------------------------------------------------------


def test_a_long_poll_returns_as_soon_as_a_message_arrives_from_another_thread(
    sqs: Client, aws_client: Callable[..., Any]
) -> None:
    url = sqs.create_queue(QueueName="polled")["QueueUrl"]
    sender = aws_client("sqs")

    def send_later() -> None:
        time.sleep(0.3)  # after the poll has begun waiting
        sender.send_message(QueueUrl=url, MessageBody="arrived")

    thread = threading.Thread(target=send_later)
    started = time.monotonic()
    thread.start()
    answer = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
    elapsed = time.monotonic() - started
    thread.join()
    assert [message["Body"] for message in answer["Messages"]] == ["arrived"]
    assert elapsed < 5


def test_a_long_poll_of_an_empty_queue_answers_nothing_after_its_wait(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="quiet")["QueueUrl"]
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert 0.9 <= time.monotonic() - started < 5


def test_a_message_received_max_receive_count_times_is_redriven_to_the_dead_letter_queue(
    sqs: Client, served: Served
) -> None:
    dlq = sqs.create_queue(QueueName="redrive-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2})
    url = sqs.create_queue(
        QueueName="redrive-source",
        Attributes={"RedrivePolicy": policy, "VisibilityTimeout": "0"},
    )["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="poison")
    for count in ("1", "2"):
        [message] = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])[
            "Messages"
        ]
        assert message["Attributes"]["ApproximateReceiveCount"] == count
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    [dead] = sqs.receive_message(QueueUrl=dlq, MessageSystemAttributeNames=["All"])["Messages"]
    assert dead["MessageId"] == sent["MessageId"]
    assert dead["Attributes"]["DeadLetterQueueSourceArn"].endswith(":redrive-source")
    assert served.app.queue("redrive-source").counters.redriven == 1


def test_a_fifo_queue_delivers_each_group_in_order_and_deduplicates(sqs: Client) -> None:
    url = sqs.create_queue(
        QueueName="orders.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    sent = {}
    for body, group in [("a1", "a"), ("b1", "b"), ("a2", "a"), ("b2", "b"), ("a3", "a")]:
        sent[body] = sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
        assert "SequenceNumber" in sent[body]
    repeat = sqs.send_message(QueueUrl=url, MessageBody="a1", MessageGroupId="a")
    assert repeat["MessageId"] == sent["a1"]["MessageId"]
    delivered: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            break
        delivered += messages
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    by_group: dict[str, list[str]] = {}
    for message in delivered:
        by_group.setdefault(message["Attributes"]["MessageGroupId"], []).append(message["Body"])
    assert by_group == {"a": ["a1", "a2", "a3"], "b": ["b1", "b2"]}
    with pytest.raises(ClientError) as raised:
        sqs.send_message(QueueUrl=url, MessageBody="no group")
    assert error_of(raised)["Code"] == "MissingParameter"


# -- triggers -----------------------------------------------------------------------------------


def test_send_message_invokes_the_on_queue_function(
    sqs: Client, deliveries: SimpleQueue[str]
) -> None:
    url = sqs.get_queue_url(QueueName="triggered")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"order": 7}))
    assert json.loads(deliveries.get(timeout=10)) == {"order": 7}


def test_binary_values_are_base64_on_the_wire(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="binary")["QueueUrl"]
    raw = bytes(range(256))
    sqs.send_message(
        QueueUrl=url,
        MessageBody="b",
        MessageAttributes={"raw": {"DataType": "Binary", "BinaryValue": raw}},
    )
    [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=[".*"])["Messages"]
    assert message["MessageAttributes"]["raw"]["BinaryValue"] == raw
