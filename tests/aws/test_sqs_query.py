"""SQS's query protocol through `app.aws`, spoken by a real botocore client: the client loads
SQS's query-protocol service model (`tests/aws/data/sqs/2012-11-05/service-2.json`, botocore
1.34.22's, the last model before SQS moved to JSON, documentation stripped; Apache-2.0), so it
sends form bodies (`Action=SendMessage&MessageAttribute.1.Name=...`) and parses SQS's XML
answers and errors, as older SDKs and the AWS CLI v1 do."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from queue import SimpleQueue
from typing import Any
from urllib.parse import parse_qs, urlencode
from xml.etree import ElementTree

import botocore.session
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.aws.conftest import REGION, boto3
from tests.aws.queues import app_fixture, deliveries_fixture  # noqa: F401  (fixtures)
from tests.http.server import Served

Client = Any
MODELS = Path(__file__).parent / "data"

pytestmark = pytest.mark.usefixtures("each_store")


@pytest.fixture
def sqs(served: Served) -> Client:
    """A boto3 SQS client speaking the query protocol to the served app."""
    core = botocore.session.Session()
    core.set_config_variable("data_path", str(MODELS))
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
        botocore_session=core,
    )
    config = Config(retries={"max_attempts": 1, "mode": "standard"})
    client = session.client("sqs", endpoint_url=served.url, config=config)
    assert client.meta.service_model.protocol == "query"
    return client


def sent_bodies(sqs: Client) -> list[dict[str, str]]:
    """The form bodies the client sends (to show they are the query protocol's)."""
    bodies: list[dict[str, str]] = []

    def keep(request: Any, **kwargs: Any) -> None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        bodies.append({key: values[0] for key, values in parse_qs(body).items()})

    sqs.meta.events.register("before-sign.sqs", keep)
    return bodies


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    error: dict[str, Any] = raised.value.response["Error"]
    return error


def test_create_get_url_list_and_attributes_over_query(sqs: Client) -> None:
    bodies = sent_bodies(sqs)
    created = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "45"})
    url = created["QueueUrl"]
    assert url.endswith("/123456789012/orders")
    assert created["ResponseMetadata"]["RequestId"]
    assert bodies[0].get("Action") == "CreateQueue"
    assert bodies[0].get("Attribute.1.Name") == "VisibilityTimeout"
    sqs.create_queue(QueueName="other")

    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url
    listed = sqs.list_queues(QueueNamePrefix="ord")["QueueUrls"]
    assert listed == [url]
    assert len(sqs.list_queues()["QueueUrls"]) == 3  # with `triggered`

    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["VisibilityTimeout", "QueueArn"]
    )["Attributes"]
    assert attributes == {
        "VisibilityTimeout": "45",
        "QueueArn": "arn:aws:sqs:us-east-1:123456789012:orders",
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "10"})
    names = ["VisibilityTimeout"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"] == {
        "VisibilityTimeout": "10"
    }


def test_send_with_message_attributes_and_receive_them(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    bodies = sent_bodies(sqs)
    message_attributes = {
        "kind": {"DataType": "String", "StringValue": 'order <&> "new"'},
        "count": {"DataType": "Number", "StringValue": "3"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01bytes"},
    }
    body = 'line one\nline two & <three> "quoted"'
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=message_attributes)
    assert bodies[0].get("MessageAttribute.1.Value.DataType") == "String"
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"]

    received = sqs.receive_message(
        QueueUrl=url,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
        MaxNumberOfMessages=10,
    )["Messages"]
    assert len(received) == 1
    message = received[0]
    assert message["MessageId"] == sent["MessageId"]
    assert message["Body"] == body
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MessageAttributes"] == message_attributes
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert int(message["Attributes"]["SentTimestamp"]) > 0

    only = sqs.send_message(
        QueueUrl=url, MessageBody="second", MessageAttributes=message_attributes
    )
    again = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["count"])["Messages"][0]
    assert again["MessageId"] == only["MessageId"]
    assert again["MessageAttributes"] == {"count": message_attributes["count"]}
    assert "Attributes" not in again


def test_delete_and_change_visibility(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one")
    message = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"][0]
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert message["Body"] == "one"
    deleted = sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert "Messages" not in sqs.receive_message(QueueUrl=url)

    with pytest.raises(ClientError) as raised:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    assert error_of(raised)["Code"] == "ReceiptHandleIsInvalid"


def test_batches_answer_each_entry(sqs: Client) -> None:
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    bodies = sent_bodies(sqs)
    answer = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {
                "Id": "a",
                "MessageBody": "first",
                "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "1"}},
            },
            {"Id": "b", "MessageBody": "late", "DelaySeconds": 901},
            {"Id": "c", "MessageBody": "third"},
        ],
    )
    assert bodies[0].get("SendMessageBatchRequestEntry.2.Id") == "b"
    assert [entry["Id"] for entry in answer["Successful"]] == ["a", "c"]
    assert answer["Successful"][0]["MD5OfMessageBody"] == hashlib.md5(b"first").hexdigest()
    assert answer["Successful"][0]["MD5OfMessageAttributes"]
    [failed] = answer["Failed"]
    assert failed["Id"] == "b"
    assert failed["SenderFault"] is True
    assert failed["Code"] == "InvalidParameterValue"

    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(message["Body"] for message in received) == ["first", "third"]
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "x", "ReceiptHandle": received[0]["ReceiptHandle"]},
            {"Id": "y", "ReceiptHandle": "not-a-handle"},
        ],
    )
    assert [entry["Id"] for entry in deleted["Successful"]] == ["x"]
    assert [(entry["Id"], entry["Code"]) for entry in deleted["Failed"]] == [
        ("y", "ReceiptHandleIsInvalid")
    ]
    changed = sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "z", "ReceiptHandle": received[1]["ReceiptHandle"], "VisibilityTimeout": 0}
        ],
    )
    assert [entry["Id"] for entry in changed["Successful"]] == ["z"]

    with pytest.raises(ClientError) as raised:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "same", "MessageBody": "x"}] * 2)
    assert error_of(raised)["Code"] == "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"


def test_errors_carry_sqs_legacy_query_codes(sqs: Client) -> None:
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as missing:
        sqs.get_queue_url(QueueName="none")
    error = missing.value.response["Error"]
    assert error["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert error["Type"] == "Sender"
    assert "none" in error["Message"]
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    missing_url = "http://localhost/123456789012/none"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=missing_url, MessageBody="lost")

    url = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    with pytest.raises(sqs.exceptions.QueueNameExists) as exists:
        sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "6"})
    assert exists.value.response["Error"]["Code"] == "QueueAlreadyExists"

    with pytest.raises(ClientError) as invalid:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert error_of(invalid)["Code"] == "InvalidParameterValue"

    triggered = sqs.get_queue_url(QueueName="triggered")["QueueUrl"]
    with pytest.raises(ClientError) as unsupported:
        sqs.delete_queue(QueueUrl=triggered)
    assert error_of(unsupported)["Code"] == "AWS.SimpleQueueService.UnsupportedOperation"

    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDeletedRecently) as recently:
        sqs.create_queue(QueueName="orders")
    assert error_of(recently)["Code"] == "AWS.SimpleQueueService.QueueDeletedRecently"


def test_a_message_sent_over_query_triggers_the_queue_function(
    sqs: Client, deliveries: SimpleQueue[str]
) -> None:
    url = sqs.get_queue_url(QueueName="triggered")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"order": 8}))
    assert json.loads(deliveries.get(timeout=10)) == {"order": 8}


def signed_post(served: Served, path: str, form: dict[str, str]) -> httpx.Response:
    """A query request as SQS's API reference shows it, signed with SigV4 for `sqs`."""
    url = served.url + path
    body = urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest(method="POST", url=url, data=body, headers=headers)
    SigV4Auth(Credentials("testing", "testing"), "sqs", REGION).add_auth(request)
    return httpx.post(url, content=body, headers=dict(request.headers.items()))


def test_documented_query_requests_get_sqs_xml(sqs: Client, served: Served) -> None:
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    # The queue named by the request's path, as SQS's query API allows, not by `QueueUrl`.
    sent = signed_post(
        served,
        "/123456789012/orders",
        {
            "Action": "SendMessage",
            "Version": "2012-11-05",
            "MessageBody": "This is a test message",
            "MessageAttribute.1.Name": "my_attribute_name_1",
            "MessageAttribute.1.Value.StringValue": "my_attribute_value_1",
            "MessageAttribute.1.Value.DataType": "String",
        },
    )
    assert sent.status_code == 200
    root = ElementTree.fromstring(sent.content)
    ns = {"sqs": "http://queue.amazonaws.com/doc/2012-11-05/"}
    assert root.tag == "{http://queue.amazonaws.com/doc/2012-11-05/}SendMessageResponse"
    result = root.find("sqs:SendMessageResult", ns)
    assert result is not None
    assert (
        result.findtext("sqs:MD5OfMessageBody", namespaces=ns) == "fafb00f5732ab283681e124bf8747ed1"
    )
    assert root.findtext("sqs:ResponseMetadata/sqs:RequestId", namespaces=ns)
    message = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert message["MessageAttributes"] == {
        "my_attribute_name_1": {"DataType": "String", "StringValue": "my_attribute_value_1"}
    }

    missing = signed_post(
        served,
        "/",
        {"Action": "GetQueueUrl", "Version": "2012-11-05", "QueueName": "none"},
    )
    assert missing.status_code == 400
    error = ElementTree.fromstring(missing.content).find("Error")
    assert error is not None
    assert error.findtext("Type") == "Sender"
    assert error.findtext("Code") == "AWS.SimpleQueueService.NonExistentQueue"
