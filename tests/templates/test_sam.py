"""A SAM project loads into the registrations the decorators make: functions with their
configuration (Globals merged as SAM merges them), every event type as its trigger, resources
answering to their logical ids and physical names, and the handlers running on their triggers."""

from __future__ import annotations

import json
import re
import textwrap
import warnings
from pathlib import Path
from typing import Any

import pytest

from faaslib import App, FunctionError
from faaslib.templates import TemplateError, UnsupportedPropertyWarning, UnsupportedResourceWarning
from faaslib.testing import FakeClock, TestClient

from .projects import recorded, write_project

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Out:
    Type: String
  Stage:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Globals:
  Function:
    Runtime: python3.12
    CodeUri: src/
    Timeout: 10
    MemorySize: 256
    Layers: []
    Environment:
      Variables:
        OUT: !Ref Out
        STAGE: !Ref Stage
Resources:
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 60
      RedrivePolicy:
        deadLetterTargetArn: !GetAtt OrdersDLQ.Arn
        maxReceiveCount: 3
  OrdersDLQ:
    Type: AWS::SQS::Queue
  Uploads:
    Type: AWS::S3::Bucket
  Alerts:
    Type: AWS::SNS::Topic
  Users:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema:
        - {AttributeName: sk, KeyType: RANGE}
        - {AttributeName: userId, KeyType: HASH}
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Sessions:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: {Name: sessionId, Type: String}
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties: {ShardCount: 2}
  ShopBus:
    Type: AWS::Events::EventBus
    Properties: {Name: shop}
  ProdOnly:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Role:
    Type: AWS::IAM::Role
    Properties: {AssumeRolePolicyDocument: {}}
  OrderProcessor:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.record
      MemorySize: 512
      Architectures: [arm64]
      EphemeralStorage: {Size: 1024}
      ReservedConcurrentExecutions: 5
      Policies: [SQSPollerPolicy: {QueueName: !GetAtt Orders.QueueName}]
      Environment:
        Variables:
          QUEUE_URL: !Ref Orders
          TABLE: !Ref Users
          FLAG: true
      Events:
        Queue:
          Type: SQS
          Properties:
            Queue: !GetAtt Orders.Arn
            BatchSize: 5
            FunctionResponseTypes: [ReportBatchItemFailures]
            ScalingConfig: {MaximumConcurrency: 2}
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: s3:ObjectCreated:*
            Filter: {S3Key: {Rules: [{Name: suffix, Value: .csv}]}}
        Alert:
          Type: SNS
          Properties:
            Topic: !Ref Alerts
            FilterPolicy: {level: [error]}
  StreamReader:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub "${AWS::StackName}-reader"
      Handler: app.record
      Role: !GetAtt Role.Arn
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        MaximumEventAgeInSeconds: 120
        DestinationConfig:
          OnFailure: {Type: SQS, Destination: !GetAtt OrdersDLQ.Arn}
      DeadLetterQueue: {Type: SNS, TargetArn: !Ref Alerts}
      Events:
        Clicks:
          Type: Kinesis
          Properties:
            Stream: !GetAtt Clicks.Arn
            StartingPosition: TRIM_HORIZON
            BatchSize: 50
            BisectBatchOnFunctionError: true
            MaximumRetryAttempts: 3
            ParallelizationFactor: 2
        Users:
          Type: DynamoDB
          Properties: {Stream: !GetAtt Users.StreamArn, StartingPosition: LATEST}
        Nightly:
          Type: Schedule
          Properties: {Schedule: cron(0 3 * * ? *)}
        Orders:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref ShopBus
            Pattern: {source: [shop]}
  Web:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.echo
      Events:
        Get: {Type: Api, Properties: {Path: "/items/{id}", Method: get}}
        Post: {Type: HttpApi, Properties: {Path: /items, Method: post}}
Outputs:
  QueueUrl:
    Value: !Ref Orders
  ReaderArn:
    Value: !GetAtt StreamReader.Arn
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "shop-project", TEMPLATE)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out.jsonl"


@pytest.fixture
def app(project: Path, out: Path) -> App:
    return App.from_template(project, parameters={"Out": str(out)})


def test_functions_take_their_configuration_with_globals_merged(app: App, out: Path) -> None:
    config = app.function_configuration("OrderProcessor")
    assert (config.memory, config.timeout, config.architecture) == (512, 10, "arm64")
    assert (config.ephemeral_storage, config.reserved_concurrency) == (1024, 5)
    assert config.runtime == "python3.12"
    # Globals' variables merge with the function's own; a Boolean is text, as CloudFormation
    # stringifies it; a Ref of a queue is its URL, of a table its name.
    assert config.environment == {
        "OUT": str(out),
        "STAGE": "dev",
        "QUEUE_URL": app.queue("Orders").url,
        "TABLE": app.table("Users").name,
        "FLAG": "true",
    }
    reader = app.function_configuration("StreamReader")
    assert (reader.memory, reader.timeout) == (256, 10)  # Globals alone


def test_each_name_is_the_template_s_or_cloudformation_s_and_the_logical_id_works_too(
    app: App,
) -> None:
    functions = app.template.functions if app.template else {}
    assert functions["StreamReader"].name == "shop-project-reader"  # FunctionName: !Sub
    generated = functions["OrderProcessor"].name
    assert re.fullmatch(r"shop-project-OrderProcessor-[A-Z0-9]{12}", generated)
    assert app.function_configuration("OrderProcessor") is app.function_configuration(generated)
    assert re.fullmatch(r"shop-project-Orders-[A-Z0-9]{12}", app.queue("Orders").name)
    assert app.queue("Orders") is app.queue(app.queue("Orders").name)
    assert app.table("Sessions").key_schema == ("sessionId",)
    assert app.table("Users").key_schema == ("userId", "sk")  # the HASH key first
    assert app.stream("Clicks").name.startswith("shop-project-Clicks-")
    assert "shop" in app.buses
    assert app.template is not None
    assert app.template.outputs == {
        "QueueUrl": app.queue("Orders").url,
        "ReaderArn": "arn:aws:lambda:us-east-1:123456789012:function:shop-project-reader",
    }


def test_a_condition_decides_whether_a_resource_exists(project: Path, out: Path) -> None:
    dev = App.from_template(project, parameters={"Out": str(out)})
    prod = App.from_template(project, parameters={"Out": str(out), "Stage": "prod"})
    assert not any("ProdOnly" in name for name in dev.queues)
    assert any("ProdOnly" in name for name in prod.queues)


def _by_decorators(app: App, out: Path) -> App:
    """The same app, declared with the Python API by hand: the template's oracle."""
    names = {
        f.logical_id: f.name for f in (app.template.functions.values() if app.template else [])
    }
    hand = App("by-hand")
    hand.queue(app.queue("OrdersDLQ").name)
    hand.queue(
        app.queue("Orders").name, visibility_timeout=60, redrive=(app.queue("OrdersDLQ").name, 3)
    )
    hand.stream(app.stream("Clicks").name, shards=2)
    hand.table(app.table("Users").name, key_schema=("userId", "sk"), stream_view_type="NEW_IMAGE")
    for name in names.values():
        hand.add_function(name, handler="app.record", code=str(out.parent / "shop-project" / "src"))
    hand.on_queue(
        app.queue("Orders").name,
        batch_size=5,
        report_batch_item_failures=True,
        maximum_concurrency=2,
    )(names["OrderProcessor"])
    hand.on_object(app.bucket("Uploads").name, suffix=".csv")(names["OrderProcessor"])
    hand.on_topic(app.topic("Alerts").name, filter_policy={"level": ["error"]})(
        names["OrderProcessor"]
    )
    hand.on_stream(
        app.stream("Clicks").name,
        starting_position="TRIM_HORIZON",
        batch_size=50,
        bisect_batch_on_function_error=True,
        maximum_retry_attempts=3,
        parallelization_factor=2,
    )(names["StreamReader"])
    hand.on_table(app.table("Users").name, starting_position="LATEST")(names["StreamReader"])
    hand.on_schedule("cron(0 3 * * ? *)")(names["StreamReader"])
    hand.on_event({"source": ["shop"]}, bus="shop")(names["StreamReader"])
    hand.route("GET", "/items/{id}", payload_format="1.0")(names["Web"])
    hand.route("POST", "/items")(names["Web"])
    return hand


def test_every_event_is_the_trigger_its_decorator_makes(app: App, out: Path) -> None:
    hand = _by_decorators(app, out)
    for logical_id, function in app.template.functions.items() if app.template else []:
        loaded = [trigger.describe() for trigger in app.triggers(logical_id)]
        expected = [trigger.describe() for trigger in hand.triggers(function.name)]
        # Rules are named by CloudFormation's scheme, not the decorators' default.
        strip = re.compile(r" rule \S+")
        assert [strip.sub("", d) for d in loaded] == [strip.sub("", d) for d in expected]
    assert app.queue("Orders").dead_letter_queue is app.queue("OrdersDLQ")


def test_event_invoke_config_and_dead_letter_queue_are_the_function_s_destinations(
    app: App,
) -> None:
    config = app.function_configuration("StreamReader")
    assert config.maximum_retry_attempts == 1
    assert config.maximum_event_age == 120
    assert config.on_failure == app.queue("OrdersDLQ").arn
    assert config.dead_letter == app.topic("Alerts").arn


def test_api_and_http_api_events_are_routes_with_their_payload_formats(app: App) -> None:
    routes = {route.key: route.payload_format for route in app.http_routes}
    assert routes == {"GET /items/{id}": "1.0", "POST /items": "2.0"}


@pytest.mark.anyio
async def test_the_handlers_run_on_their_triggers(app: App, out: Path) -> None:
    async with app:
        await app.queue("Orders").send({"order": 1})
        await app.bucket("Uploads").put("report.csv", b"a,b")
        await app.bucket("Uploads").put("notes.txt", b"no")  # filtered out by the suffix
        await app.topic("Alerts").publish("disk full", attributes={"level": "error"})
        await app.topic("Alerts").publish("all fine", attributes={"level": "info"})
        await app.wait_idle()
        answer = await app.call("StreamReader", {"direct": True})
    name = app.template.functions["OrderProcessor"].name if app.template else ""
    events = [entry["event"] for entry in recorded(out) if entry["function"] == name]
    bodies = [
        record.get("body")
        or record.get("s3", {}).get("object", {}).get("key")
        or record.get("Sns", {}).get("Message")
        for event in events
        for record in event["Records"]
    ]
    assert sorted(bodies) == sorted(['{"order":1}', "report.csv", "disk full"])
    assert answer["environment"]["AWS_LAMBDA_FUNCTION_NAME"] == "shop-project-reader"
    assert answer["environment"]["OUT"] == str(out)


@pytest.mark.anyio
async def test_a_function_faaslib_cannot_run_is_listed_and_says_why(tmp_path: Path) -> None:
    template = write_project(
        tmp_path / "other-runtimes",
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          JavaFunction:
            Type: AWS::Serverless::Function
            Properties:
              {Runtime: java21, Handler: shop.Orders::handle, CodeUri: src/, MemorySize: 1024}
          S3Function:
            Type: AWS::Serverless::Function
            Properties: {Runtime: python3.12, Handler: app.record, CodeUri: s3://bucket/code.zip}
        """,
    )
    app = App.from_template(template)
    functions = app.template.functions if app.template else {}
    assert not functions["JavaFunction"].runnable
    assert "java21" in functions["JavaFunction"].reason
    assert "S3" in functions["S3Function"].reason
    assert app.function_configuration("JavaFunction").memory == 1024
    async with app:
        with pytest.raises(FunctionError, match="cannot run in faaslib: its code is in S3"):
            await app.call("S3Function", {})


@pytest.mark.anyio
async def test_a_node_function_runs_in_a_process_instance(tmp_path: Path) -> None:
    template = write_project(
        tmp_path / "node",
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          NodeFunction:
            Type: AWS::Serverless::Function
            Properties: {Runtime: nodejs20.x, Handler: index.handler, CodeUri: src/}
        """,
    )
    (template.parent / "src" / "index.js").write_text(
        "exports.handler = async (event, context) => "
        "({doubled: event.n * 2, name: context.functionName});\n"
    )
    app = App.from_template(template)
    assert app.function_configuration("NodeFunction").isolation == "process"
    async with app:
        answer = await app.call("NodeFunction", {"n": 21})
    assert answer == {"doubled": 42, "name": app.function_configuration("NodeFunction").name}


@pytest.mark.anyio
async def test_inline_code_runs(tmp_path: Path) -> None:
    template = write_project(
        tmp_path / "inline",
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Inline:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              InlineCode: |
                def handler(event, context):
                    return {"doubled": event["n"] * 2}
        """,
    )
    app = App.from_template(template)
    async with app:
        assert await app.call("Inline", {"n": 21}) == {"doubled": 42}


@pytest.mark.anyio
async def test_a_schedule_events_input_is_what_the_function_gets(tmp_path: Path) -> None:
    template = write_project(
        tmp_path / "nightly",
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Report:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: index.handler
              InlineCode: |
                SEEN = []
                def handler(event, context):
                    SEEN.append(event)
                    return SEEN
              Events:
                Hourly:
                  Type: Schedule
                  Properties:
                    Schedule: rate(1 hour)
                    Input: '{"report": "hourly"}'
        """,
    )
    clock = FakeClock()
    app = App.from_template(template, clock=clock)
    async with app:
        await clock.advance(3600)
        await app.wait_idle()
        seen = await app.call("Report", {"report": "by hand"})
    assert seen == [{"report": "hourly"}, {"report": "by hand"}]  # the tick's, then this one
    [trigger] = app.triggers("Report")
    assert trigger.describe() == "schedule rate(1 hour), constant input"
    assert trigger.metrics()["Invocations"] == 1


def test_what_faaslib_does_not_emulate_is_warned_about_once_with_its_users(tmp_path: Path) -> None:
    template = write_project(
        tmp_path / "unemulated",
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Machine:
            Type: AWS::Serverless::StateMachine
            Properties: {Definition: {}}
          Pool:
            Type: AWS::Cognito::UserPool
          Role:
            Type: AWS::IAM::Role
          Starter:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              Handler: app.record
              CodeUri: src/
              VpcConfig: {SubnetIds: [a], SecurityGroupIds: [b]}
              Environment:
                Variables: {MACHINE: !GetAtt Machine.Arn, POOL: !Ref Pool}
        """,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = App.from_template(template)
    resources = [w for w in caught if w.category is UnsupportedResourceWarning]
    properties = [w for w in caught if w.category is UnsupportedPropertyWarning]
    assert len(resources) == 1
    message = str(resources[0].message)
    assert "Machine (AWS::Serverless::StateMachine, referenced by Starter)" in message
    assert "Pool (AWS::Cognito::UserPool, referenced by Starter)" in message
    assert "Role" not in message  # IAM is silently fine
    assert [str(w.message).split(": ")[1] for w in properties] == [
        "Resources.Starter.Properties.VpcConfig"
    ]
    environment = app.function_configuration("Starter").environment
    assert environment["MACHINE"].startswith("arn:aws:states:us-east-1:123456789012:")


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"MemorySize": "lots"}, "Resources.Broken.Properties.MemorySize"),
        ({"MemorySize": 64}, "Resources.Broken"),
        (
            {
                "Events": {
                    "Q": {"Type": "SQS", "Properties": {"Queue": "arn:aws:sns:us-east-1:1:x"}}
                }
            },
            "Resources.Broken.Properties.Events.Q",
        ),
        (
            {"Environment": {"Variables": {"A": {"Ref": "Nowhere"}}}},
            "Resources.Broken.Properties.Environment.Variables.A",
        ),
    ],
)
def test_a_template_error_names_the_path(tmp_path: Path, change: dict[str, Any], path: str) -> None:
    properties = {"Runtime": "python3.12", "Handler": "app.record", "CodeUri": "src/", **change}
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Resources": {"Broken": {"Type": "AWS::Serverless::Function", "Properties": properties}},
    }
    folder = tmp_path / "broken"
    write_project(folder, json.dumps(template), name="template.json")
    with pytest.raises(TemplateError) as raised:
        App.from_template(folder / "template.json")
    assert raised.value.path.startswith(path)
    assert str(raised.value).startswith(raised.value.path)


def test_an_included_openapi_definition_serves_its_lambda_proxy_routes(tmp_path: Path) -> None:
    template = write_project(
        tmp_path / "openapi",
        """\
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Api:
            Type: AWS::Serverless::Api
            Properties:
              StageName: v1
              DefinitionBody:
                Fn::Transform:
                  Name: AWS::Include
                  Parameters: {Location: api.yaml}
          Web:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              CodeUri: src/
              Handler: app.echo
              Environment:
                Variables:
                  URL: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Api.Stage}"
        """,
    )
    (template.parent / "api.yaml").write_text(
        textwrap.dedent("""\
        openapi: 3.0.1
        paths:
          /items/{id}:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/\
                  functions/${Web.Arn}/invocations"
          /orders:
            post:
              x-amazon-apigateway-integration:
                type: aws
                uri: arn:aws:apigateway:us-east-1:sqs:path/123456789012/orders
        """)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        app = App.from_template(template)
    name = app.template.functions["Web"].name if app.template else ""
    assert [(route.key, route.function, route.payload_format) for route in app.http_routes] == [
        ("GET /items/{id}", name, "1.0")
    ]
    url = app.function_configuration("Web").environment["URL"]
    assert re.fullmatch(r"https://[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com/v1", url)
    ignored = [str(w.message) for w in caught if w.category is UnsupportedPropertyWarning]
    assert any(
        "Resources.Api.Properties.DefinitionBody.paths./orders.post" in message
        and "aws integration" in message
        for message in ignored
    )


def test_lambda_authorizers_guard_their_routes(tmp_path: Path) -> None:
    template = write_project(
        tmp_path / "guarded",
        """\
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function: {Runtime: python3.12, CodeUri: src/}
        Resources:
          Rest:
            Type: AWS::Serverless::Api
            Properties:
              StageName: v1
              Auth:
                DefaultAuthorizer: Keyed
                Authorizers:
                  Keyed:
                    FunctionArn: !GetAtt Guard.Arn
                    FunctionPayloadType: REQUEST
                    Identity: {Headers: [X-Key], ReauthorizeEvery: 0}
          Http:
            Type: AWS::Serverless::HttpApi
            Properties:
              Auth:
                DefaultAuthorizer: Simple
                Authorizers:
                  Simple:
                    FunctionArn: !GetAtt Guard.Arn
                    AuthorizerPayloadFormatVersion: "2.0"
                    EnableSimpleResponses: true
                    Identity: {Headers: [Authorization]}
          Guard:
            Type: AWS::Serverless::Function
            Properties: {Handler: app.guard}
          Web:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.echo
              Events:
                Rest: {Type: Api, Properties: {Path: /rest, Method: get, RestApiId: !Ref Rest}}
                Open:
                  Type: Api
                  Properties:
                    Path: /open
                    Method: get
                    RestApiId: !Ref Rest
                    Auth: {Authorizer: NONE}
                Http: {Type: HttpApi, Properties: {Path: /http, Method: get, ApiId: !Ref Http}}
        """,
    )
    app = App.from_template(template)
    with TestClient(app) as client:
        assert client.http.get("/rest").status_code == 401  # no identity source: not asked
        assert client.http.get("/rest", headers={"X-Key": "wrong"}).status_code == 403
        assert client.http.get("/rest", headers={"X-Key": "let-me-in"}).status_code == 200
        assert client.http.get("/open").status_code == 200
        assert client.http.get("/http", headers={"Authorization": "wrong"}).status_code == 403
        allowed = client.http.get("/http", headers={"Authorization": "let-me-in"})
        assert allowed.status_code == 200
        assert allowed.json() == {"path": "/http"}


@pytest.mark.anyio
async def test_a_rule_s_input_path_and_input_shape_what_the_function_gets(
    tmp_path: Path, out: Path
) -> None:
    template = write_project(
        tmp_path / "inputs",
        """\
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Out: {Type: String}
        Globals:
          Function:
            Runtime: python3.12
            CodeUri: src/
            Handler: app.record
            Environment: {Variables: {OUT: !Ref Out}}
        Resources:
          Details:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Orders:
                  Type: EventBridgeRule
                  Properties: {Pattern: {source: [shop]}, InputPath: $.detail}
          Constant:
            Type: AWS::Serverless::Function
            Properties:
              Events:
                Orders:
                  Type: EventBridgeRule
                  Properties: {Pattern: {source: [shop]}, Input: '{"fixed": true}'}
        """,
    )
    app = App.from_template(template, parameters={"Out": str(out)})
    async with app:
        await app.bus().put_events([{"Source": "shop", "DetailType": "o", "Detail": '{"id": 7}'}])
        await app.wait_idle()
    got = {entry["function"].split("-")[1]: entry["event"] for entry in recorded(out)}
    assert got == {"Details": {"id": 7}, "Constant": {"fixed": True}}


def test_a_queue_from_outside_the_template_is_declared_for_its_trigger(tmp_path: Path) -> None:
    template = write_project(
        tmp_path / "outside",
        """\
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          JobsArn: {Type: String}
        Resources:
          Worker:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.12
              CodeUri: src/
              Handler: app.record
              Timeout: 60
              Events:
                Jobs: {Type: SQS, Properties: {Queue: !Ref JobsArn}}
        """,
    )
    arn = "arn:aws:sqs:us-east-1:123456789012:shared-jobs"
    app = App.from_template(template, parameters={"JobsArn": arn})
    # Its visibility timeout is unknown here: AWS's advice, six times the function's timeout.
    assert app.queue("shared-jobs").visibility_timeout == 360
    assert [t.describe() for t in app.triggers("Worker")] == ["queue shared-jobs (batch 10)"]
