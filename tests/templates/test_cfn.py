"""CloudFormation's own resources, as CDK synthesizes them (`cdk.out/*.template.json`: hashed
logical ids, `Fn::GetAtt` arrays, code in an asset folder named by the function's metadata),
load into the same registrations the decorators make, and their handlers run on their
triggers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from faaslib import App
from faaslib.templates import load
from faaslib.testing import TestClient

from .projects import HANDLERS, recorded

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

FUNCTION = "OrderHandler7E2F9A1B"
QUEUE = "OrdersQueue1234ABCD"
DLQ = "OrdersDeadLetterQueueC0FFEE11"
TOPIC = "EventsTopicAB12CD34"
BUCKET = "UploadsBucket5E6F7A8B"
STREAM = "ClicksStream9A8B7C6D"
TABLE = "UsersTable1F2E3D4C"
ROLE = "OrderHandlerServiceRole3C4D5E6F"
NOTIFIER = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"


def arn(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def cdk_template(out: Path) -> dict[str, Any]:
    function = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {
                "S3Bucket": {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
                "S3Key": "0123abcd.zip",
            },
            "Role": arn(ROLE),
            "Handler": "app.record",
            "Runtime": "python3.12",
            "MemorySize": 512,
            "Timeout": 30,
            "Environment": {
                "Variables": {
                    "OUT": str(out),
                    "QUEUE_URL": {"Ref": QUEUE},
                    "STREAM_ARN": {"Fn::GetAtt": [TABLE, "StreamArn"]},
                }
            },
        },
        "DependsOn": [ROLE],
        "Metadata": {
            "aws:cdk:path": "Shop/OrderHandler/Resource",
            "aws:asset:path": "asset.0123abcd",
            "aws:asset:is-bundled": False,
            "aws:asset:property": "Code",
        },
    }
    return {
        "Resources": {
            ROLE: {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": {"Statement": []}},
            },
            FUNCTION: function,
            DLQ: {"Type": "AWS::SQS::Queue", "UpdateReplacePolicy": "Delete"},
            QUEUE: {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "VisibilityTimeout": 300,
                    "RedrivePolicy": {"deadLetterTargetArn": arn(DLQ), "maxReceiveCount": 2},
                },
            },
            "OrderHandlerSqsEventSourceShopOrdersQueue99AA": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "FunctionName": {"Ref": FUNCTION},
                    "EventSourceArn": arn(QUEUE),
                    "BatchSize": 5,
                    "FunctionResponseTypes": ["ReportBatchItemFailures"],
                },
            },
            TOPIC: {"Type": "AWS::SNS::Topic"},
            "EventsTopicOrdersQueueSubscription11AA": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "Protocol": "sqs",
                    "TopicArn": {"Ref": TOPIC},
                    "Endpoint": arn(QUEUE),
                    "RawMessageDelivery": True,
                },
            },
            BUCKET: {"Type": "AWS::S3::Bucket"},
            # CDK puts a bucket's notifications on it with a custom resource, in S3's API shape.
            "UploadsBucketNotifications46FC9E1D": {
                "Type": "Custom::S3BucketNotifications",
                "Properties": {
                    "ServiceToken": arn(NOTIFIER),
                    "BucketName": {"Ref": BUCKET},
                    "NotificationConfiguration": {
                        "LambdaFunctionConfigurations": [
                            {
                                "Events": ["s3:ObjectCreated:*"],
                                "Filter": {
                                    "Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}]}
                                },
                                "LambdaFunctionArn": arn(FUNCTION),
                            }
                        ]
                    },
                    "Managed": True,
                },
            },
            NOTIFIER: {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {"ZipFile": "def handler(event, context):\n    return None\n"},
                    "Handler": "index.handler",
                    "Runtime": "python3.11",
                    "Timeout": 300,
                    "Role": arn(ROLE),
                },
            },
            "EveryFiveMinutesRule12AB": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "ScheduleExpression": "rate(5 minutes)",
                    "State": "ENABLED",
                    "Targets": [{"Arn": arn(FUNCTION), "Id": "Target0"}],
                },
            },
            "OrdersToQueueRule34CD": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {"source": ["shop"]},
                    "Targets": [{"Arn": arn(QUEUE), "Id": "Target0"}],
                },
            },
            STREAM: {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 3}},
            "OrderHandlerKinesisEventSource55EE": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "FunctionName": {"Ref": FUNCTION},
                    "EventSourceArn": arn(STREAM),
                    "StartingPosition": "TRIM_HORIZON",
                    "BatchSize": 200,
                    "DestinationConfig": {"OnFailure": {"Destination": arn(DLQ)}},
                },
            },
            TABLE: {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"},
                    "BillingMode": "PAY_PER_REQUEST",
                },
            },
            "OrderHandlerDynamoDBEventSource66FF": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "FunctionName": {"Ref": FUNCTION},
                    "EventSourceArn": {"Fn::GetAtt": [TABLE, "StreamArn"]},
                    "StartingPosition": "LATEST",
                },
            },
            "OrderHandlerEventInvokeConfig77AA": {
                "Type": "AWS::Lambda::EventInvokeConfig",
                "Properties": {
                    "FunctionName": {"Ref": FUNCTION},
                    "Qualifier": "$LATEST",
                    "MaximumRetryAttempts": 0,
                    "DestinationConfig": {"OnSuccess": {"Destination": arn(DLQ)}},
                },
            },
            "OrderHandlerInvokePermission88BB": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": arn(FUNCTION),
                    "Principal": "s3.amazonaws.com",
                },
            },
            "Inline99CC": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {
                        "ZipFile": "def handler(event, context):\n    return event['n'] + 1\n"
                    },
                    "Handler": "index.handler",
                    "Runtime": "python3.12",
                    "Role": arn(ROLE),
                },
            },
            "InlineUrlAA11": {
                "Type": "AWS::Lambda::Url",
                "Properties": {"TargetFunctionArn": arn("Inline99CC"), "AuthType": "NONE"},
            },
            "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:x"}},
        }
    }


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out.jsonl"


@pytest.fixture
def app(tmp_path: Path, out: Path) -> App:
    folder = tmp_path / "cdk.out"
    (folder / "asset.0123abcd").mkdir(parents=True)
    (folder / "asset.0123abcd" / "app.py").write_text(HANDLERS)
    (folder / "Shop.template.json").write_text(json.dumps(cdk_template(out)))
    return App.from_template(folder / "Shop.template.json")  # CDK's stack: Shop


def test_a_cdk_function_runs_from_its_asset_folder_with_its_configuration(app: App) -> None:
    template = app.template
    assert template is not None
    function = template.functions[FUNCTION]
    assert function.runnable
    assert function.code is not None
    assert function.code.endswith("asset.0123abcd")
    assert re.fullmatch(r"Shop-OrderHandler7E2F9A1B-[A-Z0-9]{12}", function.name)
    config = app.function_configuration(FUNCTION)
    assert (config.memory, config.timeout, config.maximum_retry_attempts) == (512, 30, 0)
    assert config.on_success == app.queue(DLQ).arn
    assert config.environment["QUEUE_URL"] == app.queue(QUEUE).url
    assert config.environment["STREAM_ARN"] == app.table(TABLE).stream_arn
    assert app.queue(QUEUE).dead_letter_queue is app.queue(DLQ)
    assert app.queue(QUEUE).visibility_timeout == 300


def test_the_cloudformation_resources_are_the_triggers_the_decorators_make(app: App) -> None:
    name = app.template.functions[FUNCTION].name if app.template else ""
    hand = App("by-hand")
    hand.queue(app.queue(DLQ).name)
    hand.queue(app.queue(QUEUE).name, visibility_timeout=300)
    hand.stream(app.stream(STREAM).name, shards=3)
    hand.table(app.table(TABLE).name, key_schema=("id",))
    hand.add_function(name, handler="app.record", code=app.template.functions[FUNCTION].code or "")
    hand.on_queue(app.queue(QUEUE).name, batch_size=5, report_batch_item_failures=True)(name)
    hand.notify_function(app.bucket(BUCKET).name, name, prefix="in/")
    hand.on_schedule("rate(5 minutes)")(name)
    hand.on_stream(
        app.stream(STREAM).name,
        starting_position="TRIM_HORIZON",
        batch_size=200,
        on_failure=app.queue(DLQ).name,
    )(name)
    hand.on_table(app.table(TABLE).name, starting_position="LATEST")(name)
    strip = re.compile(r" rule \S+")
    loaded = [strip.sub("", trigger.describe()) for trigger in app.triggers(FUNCTION)]
    expected = [strip.sub("", trigger.describe()) for trigger in hand.triggers(name)]
    assert sorted(loaded) == sorted(expected)
    assert [t.describe() for t in app.triggers("Inline99CC")] == ["function URL"]


@pytest.mark.anyio
async def test_the_handlers_run_on_their_triggers(app: App, out: Path) -> None:
    async with app:
        await app.topic(TOPIC).publish("from the topic")  # raw delivery into the queue
        await app.bucket(BUCKET).put("in/a.json", b"{}")
        await app.bucket(BUCKET).put("elsewhere/b.json", b"{}")  # not under the prefix
        await app.bus().put_events([{"Source": "shop", "DetailType": "order", "Detail": "{}"}])
        await app.wait_idle()
        assert await app.call("Inline99CC", {"n": 41}) == 42
    records = [record for entry in recorded(out) for record in entry["event"].get("Records", [])]
    bodies = sorted(record["body"] for record in records if "body" in record)
    keys = [record["s3"]["object"]["key"] for record in records if "s3" in record]
    assert bodies[0] == "from the topic"
    assert json.loads(bodies[1])["source"] == "shop"  # the rule's queue target
    assert keys == ["in/a.json"]


def test_load_takes_a_template_already_read(tmp_path: Path, out: Path) -> None:
    app = App("shop")
    template = cdk_template(out)
    del template["Resources"][FUNCTION]["Metadata"]
    loaded = load(app, template, stack_name="Shop", base_dir=tmp_path)
    assert not loaded.functions[FUNCTION].runnable
    assert "S3 bucket" in loaded.functions[FUNCTION].reason
    handler = template["Resources"][FUNCTION]["Properties"]["Handler"]
    assert app.function_handler(FUNCTION) == handler  # the template's, though it cannot run
    assert loaded.resources[QUEUE] == app.queue(QUEUE).name


def test_schedules_aliases_and_api_gateway_resources_bind_the_function(tmp_path: Path) -> None:
    uri = {
        "Fn::Sub": "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        "${Handler.Arn}/invocations"
    }
    template = {
        "Resources": {
            "Handler": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Code": {"ZipFile": "def handler(event, context):\n    return 1\n"},
                    "Handler": "index.handler",
                    "Runtime": "python3.12",
                    "ReservedConcurrentExecutions": 4,
                },
            },
            "Live": {
                "Type": "AWS::Lambda::Alias",
                "Properties": {
                    "FunctionName": {"Ref": "Handler"},
                    "FunctionVersion": "1",
                    "Name": "live",
                    "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": 3},
                },
            },
            "Nightly": {
                "Type": "AWS::Scheduler::Schedule",
                "Properties": {
                    "ScheduleExpression": "cron(0 2 * * ? *)",
                    "ScheduleExpressionTimezone": "Europe/Paris",
                    "FlexibleTimeWindow": {"Mode": "OFF"},
                    "Target": {"Arn": {"Ref": "Live"}, "RoleArn": "arn:aws:iam::1:role/x"},
                },
            },
            "Rest": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "rest"}},
            "Items": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "RestApiId": {"Ref": "Rest"},
                    "ParentId": {"Fn::GetAtt": ["Rest", "RootResourceId"]},
                    "PathPart": "items",
                },
            },
            "Item": {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "RestApiId": {"Ref": "Rest"},
                    "ParentId": {"Ref": "Items"},
                    "PathPart": "{id}",
                },
            },
            "GetItem": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Rest"},
                    "ResourceId": {"Ref": "Item"},
                    "HttpMethod": "GET",
                    "AuthorizationType": "NONE",
                    "Integration": {
                        "Type": "AWS_PROXY",
                        "IntegrationHttpMethod": "POST",
                        "Uri": uri,
                    },
                },
            },
            "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
            "Integration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": {"Ref": "Http"},
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": {"Fn::GetAtt": ["Handler", "Arn"]},
                    "PayloadFormatVersion": "2.0",
                },
            },
            "PostOrders": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": {"Ref": "Http"},
                    "RouteKey": "POST /orders",
                    "Target": {"Fn::Join": ["/", ["integrations", {"Ref": "Integration"}]]},
                },
            },
        }
    }
    app = App("shop")
    load(app, template, stack_name="shop", base_dir=tmp_path)
    config = app.function_configuration("Handler")
    assert (config.reserved_concurrency, config.provisioned_concurrency) == (4, 3)
    name = config.name
    hand = App("by-hand")
    hand.function(name=name)(lambda event, context: 1)
    hand.on_schedule("cron(0 2 * * ? *)", timezone="Europe/Paris")(name)
    strip = re.compile(r" rule \S+")
    assert [strip.sub("", t.describe()) for t in app.triggers("Handler")][:1] == [
        strip.sub("", t.describe()) for t in hand.triggers(name)
    ]
    assert sorted((route.key, route.payload_format) for route in app.http_routes) == [
        ("GET /items/{id}", "1.0"),
        ("POST /orders", "2.0"),
    ]


@pytest.mark.anyio
async def test_an_input_transformer_shapes_what_a_queue_target_gets(tmp_path: Path) -> None:
    template = {
        "Resources": {
            "Inbox": {"Type": "AWS::SQS::Queue"},
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "EventPattern": {"source": ["shop"]},
                    "Targets": [
                        {
                            "Arn": {"Fn::GetAtt": ["Inbox", "Arn"]},
                            "Id": "inbox",
                            "InputTransformer": {
                                "InputPathsMap": {"id": "$.detail.id", "kind": "$.detail-type"},
                                "InputTemplate": '{"order": <id>, "text": "a <kind> order"}',
                            },
                        }
                    ],
                },
            },
        }
    }
    app = App("shop")
    load(app, template, stack_name="shop", base_dir=tmp_path)
    async with app:
        await app.bus().put_events([{"Source": "shop", "DetailType": "big", "Detail": '{"id": 7}'}])
    bodies = [json.loads(message.body) for message in app.queue("Inbox").snapshot()]
    assert bodies == [{"order": 7, "text": "a big order"}]


def test_api_gateway_authorizer_resources_guard_their_methods_and_routes(tmp_path: Path) -> None:
    def inline(name: str, code: str) -> dict[str, Any]:
        return {
            "Type": "AWS::Lambda::Function",
            "Properties": {"Code": {"ZipFile": code}, "Handler": f"index.{name}"},
        }

    def uri(function: str) -> dict[str, Any]:
        return {
            "Fn::Join": [
                "",
                [
                    "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/",
                    {"Fn::GetAtt": [function, "Arn"]},
                    "/invocations",
                ],
            ]
        }

    template = {
        "Resources": {
            "Web": inline(
                "handler", "def handler(event, context):\n    return {'statusCode': 200}\n"
            ),
            "Guard": inline("guard", HANDLERS),
            "Rest": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "rest"}},
            "Keyed": {
                "Type": "AWS::ApiGateway::Authorizer",
                "Properties": {
                    "RestApiId": {"Ref": "Rest"},
                    "Type": "REQUEST",
                    "AuthorizerUri": uri("Guard"),
                    "IdentitySource": "method.request.header.X-Key",
                    "AuthorizerResultTtlInSeconds": 0,
                },
            },
            "GetRoot": {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "RestApiId": {"Ref": "Rest"},
                    "ResourceId": {"Fn::GetAtt": ["Rest", "RootResourceId"]},
                    "HttpMethod": "GET",
                    "AuthorizationType": "CUSTOM",
                    "AuthorizerId": {"Ref": "Keyed"},
                    "Integration": {"Type": "AWS_PROXY", "Uri": uri("Web")},
                },
            },
            "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
            "Simple": {
                "Type": "AWS::ApiGatewayV2::Authorizer",
                "Properties": {
                    "ApiId": {"Ref": "Http"},
                    "AuthorizerType": "REQUEST",
                    "AuthorizerUri": uri("Guard"),
                    "AuthorizerPayloadFormatVersion": "2.0",
                    "EnableSimpleResponses": True,
                    "IdentitySource": ["$request.header.Authorization"],
                },
            },
            "WebIntegration": {
                "Type": "AWS::ApiGatewayV2::Integration",
                "Properties": {
                    "ApiId": {"Ref": "Http"},
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": {"Fn::GetAtt": ["Web", "Arn"]},
                    "PayloadFormatVersion": "2.0",
                },
            },
            "PostOrders": {
                "Type": "AWS::ApiGatewayV2::Route",
                "Properties": {
                    "ApiId": {"Ref": "Http"},
                    "RouteKey": "POST /orders",
                    "AuthorizationType": "CUSTOM",
                    "AuthorizerId": {"Ref": "Simple"},
                    "Target": {"Fn::Join": ["/", ["integrations", {"Ref": "WebIntegration"}]]},
                },
            },
        }
    }
    app = App("guarded")
    load(app, template, stack_name="guarded", base_dir=tmp_path)
    assert sorted(route.authorizer or "" for route in app.http_routes) == [
        "Http.Simple",
        "Rest.Keyed",
    ]
    with TestClient(app) as client:
        assert client.http.get("/").status_code == 401
        assert client.http.get("/", headers={"X-Key": "no"}).status_code == 403
        assert client.http.get("/", headers={"X-Key": "let-me-in"}).status_code == 200
        assert client.http.post("/orders", headers={"Authorization": "no"}).status_code == 403
        assert (
            client.http.post("/orders", headers={"Authorization": "let-me-in"}).status_code == 200
        )
