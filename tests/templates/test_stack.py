"""`Ref` and `Fn::GetAtt` answer, per resource type, what CloudFormation documents, with the
names, URLs and ARNs the app's own services answer to: what a handler's SDK call needs to
reach them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faaslib import App
from faaslib.templates import TemplateError, load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

RESOURCES: dict[str, Any] = {
    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"FifoQueue": True}},
    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "alerts"}},
    "Bucket": {"Type": "AWS::S3::Bucket"},
    "Table": {
        "Type": "AWS::DynamoDB::Table",
        "Properties": {"KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]},
    },
    "Stream": {"Type": "AWS::Kinesis::Stream"},
    "Bus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "orders"}},
    "Function": {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Code": {"ZipFile": "def h(e, c): pass"}, "Handler": "index.h"},
    },
    "Machine": {"Type": "AWS::StepFunctions::StateMachine"},
}


def outputs(tmp_path: Path, values: dict[str, Any]) -> tuple[App, dict[str, Any]]:
    app = App("stack")
    template = {
        "Resources": RESOURCES,
        "Outputs": {key: {"Value": value} for key, value in values.items()},
    }
    loaded = load(app, template, stack_name="shop", base_dir=tmp_path)
    return app, loaded.outputs


def test_ref_and_get_att_give_what_the_app_s_services_answer_to(tmp_path: Path) -> None:
    def get(logical_id: str, attribute: str) -> dict[str, Any]:
        return {"Fn::GetAtt": [logical_id, attribute]}

    app, values = outputs(
        tmp_path,
        {
            "QueueRef": {"Ref": "Queue"},
            "QueueArn": get("Queue", "Arn"),
            "QueueName": get("Queue", "QueueName"),
            "QueueUrl": get("Queue", "QueueUrl"),
            "TopicRef": {"Ref": "Topic"},
            "TopicName": get("Topic", "TopicName"),
            "BucketRef": {"Ref": "Bucket"},
            "BucketArn": get("Bucket", "Arn"),
            "BucketDomain": get("Bucket", "RegionalDomainName"),
            "TableRef": {"Ref": "Table"},
            "TableArn": get("Table", "Arn"),
            "TableStream": get("Table", "StreamArn"),
            "StreamRef": {"Ref": "Stream"},
            "StreamArn": get("Stream", "Arn"),
            "BusRef": {"Ref": "Bus"},
            "BusArn": get("Bus", "Arn"),
            "FunctionRef": {"Ref": "Function"},
            "FunctionArn": get("Function", "Arn"),
            "MachineArn": get("Machine", "Arn"),
        },
    )
    queue, table, stream = app.queue("Queue"), app.table("Table"), app.stream("Stream")
    assert queue.name.endswith(".fifo")  # a FIFO queue's generated name, as SQS requires
    assert (values["QueueRef"], values["QueueUrl"]) == (queue.url, queue.url)
    assert (values["QueueArn"], values["QueueName"]) == (queue.arn, queue.name)
    assert (values["TopicRef"], values["TopicName"]) == (app.topic("alerts").arn, "alerts")
    bucket = app.bucket("Bucket")
    assert (values["BucketRef"], values["BucketArn"]) == (bucket.name, bucket.arn)
    assert values["BucketDomain"] == f"{bucket.name}.s3.us-east-1.amazonaws.com"
    assert (values["TableRef"], values["TableArn"]) == (table.name, table.arn)
    assert values["TableStream"] == table.stream_arn
    assert (values["StreamRef"], values["StreamArn"]) == (stream.name, stream.arn)
    assert (values["BusRef"], values["BusArn"]) == ("orders", app.bus("orders").arn)
    function = app.function_configuration("Function").name
    assert values["FunctionRef"] == function
    assert values["FunctionArn"] == f"arn:aws:lambda:us-east-1:123456789012:function:{function}"
    assert values["MachineArn"].startswith("arn:aws:states:us-east-1:123456789012:stateMachine:")


def test_an_attribute_the_type_lacks_names_the_ones_it_has(tmp_path: Path) -> None:
    template = {
        "Resources": {
            **RESOURCES,
            "User": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {"ZipFile": "def h(e, c): pass"},
                    "Handler": "index.h",
                    "Environment": {"Variables": {"Q": {"Fn::GetAtt": ["Queue", "Url"]}}},
                },
            },
        }
    }
    with pytest.raises(TemplateError) as raised:
        load(App("stack"), template, base_dir=tmp_path)
    assert raised.value.path == "Resources.User.Properties.Environment.Variables.Q"
    assert "has no attribute 'Url' (it has: Arn, QueueName, QueueUrl)" in str(raised.value)
