"""AWS's own SAM transform (aws-sam-translator) is the oracle for faaslib's reading of SAM: a
SAM template and the CloudFormation the translator makes of it load into the same functions,
configurations, triggers, routes and resources. faaslib reads SAM directly and CloudFormation
resource by resource, so agreement proves the SAM mapping against AWS's transform."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from faaslib import App
from faaslib.templates import load

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

CODE = "s3://deploy-bucket/code.zip"  # the translator takes only code in S3

EVENTS_TEMPLATE: dict[str, Any] = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Globals": {
        "Function": {
            "Runtime": "python3.12",
            "CodeUri": CODE,
            "Timeout": 20,
            "MemorySize": 256,
            "Environment": {"Variables": {"STAGE": "test", "TABLE": {"Ref": "Users"}}},
        }
    },
    "Resources": {
        "Orders": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 120}},
        "Failures": {"Type": "AWS::SQS::Queue"},
        "Alerts": {"Type": "AWS::SNS::Topic"},
        "Uploads": {"Type": "AWS::S3::Bucket"},
        "Clicks": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 2}},
        "Users": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "StreamSpecification": {"StreamViewType": "NEW_IMAGE"},
                "BillingMode": "PAY_PER_REQUEST",
            },
        },
        "Sessions": {
            "Type": "AWS::Serverless::SimpleTable",
            "Properties": {"PrimaryKey": {"Name": "sessionId", "Type": "String"}},
        },
        "ShopBus": {"Type": "AWS::Events::EventBus", "Properties": {"Name": "shop"}},
        "Worker": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Handler": "app.worker",
                "MemorySize": 1024,
                "Architectures": ["arm64"],
                "EphemeralStorage": {"Size": 2048},
                "ReservedConcurrentExecutions": 10,
                "AutoPublishAlias": "live",
                "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": 2},
                "Environment": {"Variables": {"QUEUE": {"Ref": "Orders"}}},
                "DeadLetterQueue": {
                    "Type": "SQS",
                    "TargetArn": {"Fn::GetAtt": ["Failures", "Arn"]},
                },
                "EventInvokeConfig": {
                    "MaximumRetryAttempts": 1,
                    "MaximumEventAgeInSeconds": 300,
                    "DestinationConfig": {
                        "OnSuccess": {"Type": "SNS", "Destination": {"Ref": "Alerts"}},
                        "OnFailure": {
                            "Type": "SQS",
                            "Destination": {"Fn::GetAtt": ["Failures", "Arn"]},
                        },
                    },
                },
                "Events": {
                    "Queue": {
                        "Type": "SQS",
                        "Properties": {
                            "Queue": {"Fn::GetAtt": ["Orders", "Arn"]},
                            "BatchSize": 7,
                            "MaximumBatchingWindowInSeconds": 2,
                            "FunctionResponseTypes": ["ReportBatchItemFailures"],
                            "ScalingConfig": {"MaximumConcurrency": 3},
                            "FilterCriteria": {"Filters": [{"Pattern": '{"body": {"a": [1]}}'}]},
                        },
                    },
                    "Upload": {
                        "Type": "S3",
                        "Properties": {
                            "Bucket": {"Ref": "Uploads"},
                            "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
                            "Filter": {
                                "S3Key": {
                                    "Rules": [
                                        {"Name": "prefix", "Value": "in/"},
                                        {"Name": "suffix", "Value": ".csv"},
                                    ]
                                }
                            },
                        },
                    },
                    "Alert": {
                        "Type": "SNS",
                        "Properties": {
                            "Topic": {"Ref": "Alerts"},
                            "FilterPolicy": {"level": ["error"]},
                            "FilterPolicyScope": "MessageAttributes",
                        },
                    },
                },
            },
        },
        "Streams": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Handler": "app.streams",
                "FunctionName": {"Fn::Sub": "${AWS::StackName}-streams"},
                "Events": {
                    "Clicks": {
                        "Type": "Kinesis",
                        "Properties": {
                            "Stream": {"Fn::GetAtt": ["Clicks", "Arn"]},
                            "StartingPosition": "TRIM_HORIZON",
                            "BatchSize": 300,
                            "BisectBatchOnFunctionError": True,
                            "MaximumRetryAttempts": 4,
                            "MaximumRecordAgeInSeconds": 3600,
                            "ParallelizationFactor": 3,
                            "FunctionResponseTypes": ["ReportBatchItemFailures"],
                            "DestinationConfig": {
                                "OnFailure": {"Destination": {"Fn::GetAtt": ["Failures", "Arn"]}}
                            },
                        },
                    },
                    "Users": {
                        "Type": "DynamoDB",
                        "Properties": {
                            "Stream": {"Fn::GetAtt": ["Users", "StreamArn"]},
                            "StartingPosition": "LATEST",
                            "BatchSize": 20,
                        },
                    },
                    "Nightly": {
                        "Type": "Schedule",
                        "Properties": {"Schedule": "cron(0 3 * * ? *)"},
                    },
                    "Named": {
                        "Type": "Schedule",
                        "Properties": {"Schedule": "rate(1 hour)", "Name": "hourly"},
                    },
                    "Orders": {
                        "Type": "EventBridgeRule",
                        "Properties": {
                            "EventBusName": {"Ref": "ShopBus"},
                            "Pattern": {"source": ["shop"], "detail-type": ["order"]},
                            "InputPath": "$.detail",
                        },
                    },
                    "Default": {
                        "Type": "CloudWatchEvent",
                        "Properties": {"Pattern": {"source": ["aws.s3"]}},
                    },
                    "Paris": {
                        "Type": "ScheduleV2",
                        "Properties": {
                            "ScheduleExpression": "cron(30 8 * * ? *)",
                            "ScheduleExpressionTimezone": "Europe/Paris",
                        },
                    },
                    "Buffered": {
                        "Type": "SNS",
                        "Properties": {
                            "Topic": {"Ref": "Alerts"},
                            "SqsSubscription": True,
                        },
                    },
                },
            },
        },
        "Rest": {
            "Type": "AWS::Serverless::Api",
            "Properties": {
                "StageName": "v1",
                "Auth": {
                    "DefaultAuthorizer": "Keyed",
                    "Authorizers": {
                        "Keyed": {
                            "FunctionArn": {"Fn::GetAtt": ["Guard", "Arn"]},
                            "FunctionPayloadType": "REQUEST",
                            "Identity": {"Headers": ["X-Key"], "QueryStrings": ["tenant"]},
                        },
                        "Token": {"FunctionArn": {"Fn::GetAtt": ["Guard", "Arn"]}},
                    },
                },
            },
        },
        "Http": {
            "Type": "AWS::Serverless::HttpApi",
            "Properties": {
                "Auth": {
                    "DefaultAuthorizer": "Simple",
                    "Authorizers": {
                        "Simple": {
                            "FunctionArn": {"Fn::GetAtt": ["Guard", "Arn"]},
                            "AuthorizerPayloadFormatVersion": "2.0",
                            "EnableSimpleResponses": True,
                            "Identity": {"Headers": ["Authorization"], "ReauthorizeEvery": 60},
                        },
                        "Policy": {
                            "FunctionArn": {"Fn::GetAtt": ["Guard", "Arn"]},
                            "AuthorizerPayloadFormatVersion": "1.0",
                        },
                    },
                },
            },
        },
        "Guard": {
            "Type": "AWS::Serverless::Function",
            "Properties": {"Handler": "app.guard"},
        },
        "Guarded": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Handler": "app.guarded",
                "Events": {
                    "ByDefault": {
                        "Type": "Api",
                        "Properties": {
                            "Path": "/r1",
                            "Method": "get",
                            "RestApiId": {"Ref": "Rest"},
                        },
                    },
                    "ByToken": {
                        "Type": "Api",
                        "Properties": {
                            "Path": "/r2",
                            "Method": "get",
                            "RestApiId": {"Ref": "Rest"},
                            "Auth": {"Authorizer": "Token"},
                        },
                    },
                    "Open": {
                        "Type": "Api",
                        "Properties": {
                            "Path": "/r3",
                            "Method": "get",
                            "RestApiId": {"Ref": "Rest"},
                            "Auth": {"Authorizer": "NONE"},
                        },
                    },
                    "HttpDefault": {
                        "Type": "HttpApi",
                        "Properties": {"Path": "/h1", "Method": "get", "ApiId": {"Ref": "Http"}},
                    },
                    "HttpPolicy": {
                        "Type": "HttpApi",
                        "Properties": {
                            "Path": "/h2",
                            "Method": "get",
                            "ApiId": {"Ref": "Http"},
                            "Auth": {"Authorizer": "Policy"},
                        },
                    },
                },
            },
        },
        "Web": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Handler": "app.web",
                "Events": {
                    "Get": {"Type": "Api", "Properties": {"Path": "/items/{id}", "Method": "get"}},
                    "Any": {"Type": "Api", "Properties": {"Path": "/{proxy+}", "Method": "any"}},
                    "Post": {"Type": "HttpApi", "Properties": {"Path": "/items", "Method": "post"}},
                    "Old": {
                        "Type": "HttpApi",
                        "Properties": {
                            "Path": "/old",
                            "Method": "put",
                            "PayloadFormatVersion": "1.0",
                        },
                    },
                },
            },
        },
    },
}

URL_TEMPLATE: dict[str, Any] = {
    "Transform": "AWS::Serverless-2016-10-31",
    "Resources": {
        "Site": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Runtime": "python3.12",
                "CodeUri": CODE,
                "Handler": "app.site",
                "FunctionUrlConfig": {"AuthType": "NONE"},
                "Timeout": 60,
            },
        }
    },
}


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def translated(template: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What AWS's SAM transform makes of `template`."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    result: dict[str, Any] = transform(copy.deepcopy(template), {}, _NoManagedPolicies())
    return json.loads(json.dumps(result))  # the translator's own types as plain data


def registrations(app: App, template: Any, tmp_path: Path) -> dict[str, Any]:
    """Everything a load registered, by logical id where the template names it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load(app, template, stack_name="oracle", base_dir=tmp_path)
    names = {function.name: logical_id for logical_id, function in loaded.functions.items()}
    functions = {}
    for logical_id, function in loaded.functions.items():
        config = app.function_configuration(logical_id).model_dump()
        functions[logical_id] = {
            "config": config,
            "handler": function.handler,
            "runtime": function.runtime,
            "triggers": sorted(trigger.describe() for trigger in app.triggers(logical_id)),
        }
    return {
        "functions": functions,
        "routes": sorted(
            (route.key, names[route.function], route.payload_format, route.authorizer or "")
            for route in app.http_routes
        ),
        "queues": {name: queue.visibility_timeout for name, queue in app.queues.items()},
        "topics": sorted(app.topics),
        "buckets": sorted(app.buckets),
        "streams": {name: len(stream.shards) for name, stream in app.streams.items()},
        "tables": {name: table.key_schema for name, table in app.tables.items()},
        "buses": {name: sorted(rule.name for rule in bus.rules) for name, bus in app.buses.items()},
    }


@pytest.mark.parametrize("template", [EVENTS_TEMPLATE, URL_TEMPLATE], ids=["events", "url"])
def test_the_sam_form_and_aws_s_translation_register_the_same(
    template: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cloudformation = translated(template, monkeypatch)
    from_sam = registrations(App("sam"), template, tmp_path)
    from_cloudformation = registrations(App("cfn"), cloudformation, tmp_path)
    assert from_sam == from_cloudformation
    # Not vacuous: the template's functions are all there, each with what it declared.
    assert set(from_sam["functions"]) == {
        key
        for key, body in template["Resources"].items()
        if body["Type"] == "AWS::Serverless::Function"
    }
    triggers = sum(len(function["triggers"]) for function in from_sam["functions"].values())
    # One trigger per event, an S3 event one per S3 event type (as S3 holds them).
    declared = sum(
        len(event["Properties"]["Events"]) if event["Type"] == "S3" else 1
        for body in template["Resources"].values()
        if body["Type"] == "AWS::Serverless::Function"
        for event in body["Properties"].get("Events", {}).values()
    ) + sum(
        "FunctionUrlConfig" in body.get("Properties", {}) for body in template["Resources"].values()
    )
    assert triggers == declared
    guarded = {key: authorizer for key, _, _, authorizer in from_sam["routes"]}
    if "GET /r1" in guarded:  # the template with authorizers: each route guarded as declared
        assert guarded == guarded | {
            "GET /r1": "Rest.Keyed",
            "GET /r2": "",  # a TOKEN authorizer is not run (warned about)
            "GET /r3": "",
            "GET /h1": "Http.Simple",
            "GET /h2": "Http.Policy",
        }
