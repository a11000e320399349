"""End to end, the corpus projects API Gateway drives (INDEX.tsv's services_all_emulated=yes):
the template loaded, a request through `app.asgi` as API Gateway would send it, and the effect
of the project's own handler (its response, what it wrote to a queue, table or topic).

Where faaslib lacks what the project needs, the test says what AWS does and is marked
xfail(strict=True) with the gap."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from faaslib.testing import FakeClock

from .harness import Output, eventually, published, running
from .model import needs_corpus

pytestmark = needs_corpus


def _json(response: object) -> object:
    return json.loads(response.text)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("project_id", "method", "path", "message"),
    [
        ("apigw-caching-sam", "GET", "/", "hello world"),
        ("apigw-caching-sam", "DELETE", "/", "hello world"),  # Method: ANY
        ("apigw-cloudwatch", "GET", "/", "Request received by Lambda function"),
        ("apigw-edge-custom-domain", "GET", "/hello", "hello world"),
        ("apigw-throttle-sam", "GET", "/", "This was a get request"),
        ("apigw-throttle-sam", "POST", "/", "This was a post request"),
        ("waf-apigw-rest", "GET", "/", "Request received by Lambda function"),
    ],
)
def test_route_answers_with_the_handlers_message(
    backend: str, project_id: str, method: str, path: str, message: str
) -> None:
    with running(project_id, backend) as (_, client):
        response = client.http.request(method, path)
    assert response.status_code == 200
    assert _json(response) == {"message": message}


TOKEN = {"authorization": "eyJraWQiOiJjb3JwdXMifQ.eyJzdWIiOiJhbmEifQ.c2lnbmF0dXJl"}
"""A Cognito ID token as a signed-in client sends it (the authorizer is not run in faaslib)."""


def test_amplify_cognito_env_variables(backend: str, output: Output) -> None:
    """The handler prints the Cognito settings its environment holds, and answers OK."""
    with running("amplify_cognito_apigateway_lambda_envvariables", backend) as (app, client):
        response = client.http.get("/lambdaExample", headers=TOKEN)
        printed = output.wait_for("Cognito User Pool Client ID: ", app=app)
    assert response.status_code == 200
    assert response.text == "OK"
    assert f"Cognito Region:  {app.config.region}" in printed


def test_amplify_cognito_cors_headers(backend: str) -> None:
    """A REST API returns the function's own headers: here its CORS ones."""
    with running("amplify_cognito_apigateway_lambda_envvariables", backend) as (_, client):
        response = client.http.get(
            "/lambdaExample", headers={**TOKEN, "origin": "https://a.example"}
        )
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-methods"] == "OPTIONS,POST,GET"


def test_custom_resource_policy_inside_its_window(backend: str) -> None:
    """The API's resource policy allows invocations in September 2022 only."""
    clock = FakeClock(datetime(2022, 9, 15, tzinfo=timezone.utc))
    with running("apigw-custom-resource-policy", backend, clock=clock) as (_, client):
        response = client.http.get("/")
    assert response.status_code == 200
    assert _json(response) == {"message": "Hello world"}


@pytest.mark.xfail(
    strict=True,
    reason="Api authorizers (here a Cognito user pool's, the API's DefaultAuthorizer) are not "
    "run: the routes are open",
)
def test_amplify_cognito_refuses_a_request_without_a_token(backend: str) -> None:
    with running("amplify_cognito_apigateway_lambda_envvariables", backend) as (_, client):
        response = client.http.get("/lambdaExample")
    assert response.status_code == 401
    assert _json(response) == {"message": "Unauthorized"}


@pytest.mark.xfail(
    strict=True, reason="API Gateway resource policies (Auth.ResourcePolicy) are not evaluated"
)
def test_custom_resource_policy_outside_its_window(backend: str) -> None:
    clock = FakeClock(datetime(2026, 1, 15, tzinfo=timezone.utc))
    with running("apigw-custom-resource-policy", backend, clock=clock) as (_, client):
        response = client.http.get("/")
    assert response.status_code == 403


VEHICLE = {"make": "Volvo", "model": "XC40", "year": 2021, "color": "blue"}


def test_data_validation_accepts_a_valid_vehicle(backend: str) -> None:
    with running("apigw-data-validation", backend) as (_, client):
        response = client.http.post("/vehicle", json=VEHICLE)
    assert response.status_code == 200
    assert _json(response) == {"message": "Data validation succeeded", "data": VEHICLE}


@pytest.mark.xfail(
    strict=True,
    reason="Api events' RequestModel (ValidateBody against the API's Models) is not enforced",
)
def test_data_validation_refuses_a_vehicle_the_model_refuses(backend: str) -> None:
    """API Gateway validates the body against the Vehicle model before the function runs."""
    with running("apigw-data-validation", backend) as (_, client):
        response = client.http.post("/vehicle", json={**VEHICLE, "year": 2001})
    assert response.status_code == 400
    assert _json(response) == {"message": "Invalid request body"}


@pytest.mark.xfail(
    strict=True,
    reason="the handler needs aurora_dsql_psycopg2 and an Aurora DSQL cluster (not emulated)",
)
def test_dsql_users(backend: str) -> None:
    with running("apigw-lambda-dsql", backend) as (_, client):
        response = client.http.get("/users")
    assert response.status_code == 200
    assert _json(response)["name"] == "John"  # type: ignore[index]


@pytest.mark.xfail(
    strict=True,
    run=False,  # its handler writes and deletes /mnt/msg/content on the host
    reason="FileSystemConfigs (EFS mounted at /mnt/msg) are not emulated: the handler's file "
    "cannot be written",
)
def test_efs_messages(backend: str) -> None:
    with running("apigw-lambda-efs-sam", backend) as (_, client):
        client.http.delete("/")
        posted = client.http.post("/", content="hello from the corpus")
        listed = client.http.get("/")
    assert posted.status_code == 200
    assert listed.text == "hello from the corpus\n"


@pytest.mark.xfail(
    strict=True,
    reason="the handlers query an OpenSearch Serverless collection (not emulated) with "
    "opensearch-py, which is not installed",
)
def test_opensearch_search(backend: str) -> None:
    with running("apigw-lambda-opensearch-serverless-nextgen", backend) as (_, client):
        response = client.http.post("/search", json={"query": "lambda", "mode": "lexical"})
    assert response.status_code == 200
    assert _json(response)["mode"] == "lexical"  # type: ignore[index]


def test_sns_monitoring_publishes_the_request(backend: str) -> None:
    """GET / publishes the API event to the topic and answers with the message's id."""
    project = "apigw-lambda-sns-monitoring-sam"
    with running(project, backend, probe_topic="MySnsTopic") as (app, client):
        response = client.http.get("/", params={"probe": "1"})
        assert response.status_code == 200
        notifications = eventually(lambda: published(app), app=app)
    answer = _json(response)
    assert answer["status"] == "Success"  # type: ignore[index]
    [notification] = notifications
    assert notification["MessageId"] == answer["messageId"]  # type: ignore[index]
    event = json.loads(json.loads(notification["Message"])["default"])
    assert event["httpMethod"] == "GET"
    assert event["queryStringParameters"] == {"probe": "1"}


def test_tenant_isolation_standard_counter(backend: str) -> None:
    """The route (a raw AWS::ApiGateway::Method) reaches the function, whose one counter all
    tenants share."""
    with running("apigw-lambda-tenant-isolation", backend) as (_, client):
        first = client.http.get("/standard", headers={"tenant-id": "blue"})
        second = client.http.get("/standard", headers={"tenant-id": "green"})
    assert first.status_code == second.status_code == 200
    assert _json(first)["tenant_id"] == "blue"  # type: ignore[index]
    assert _json(second)["tenant_id"] == "green"  # type: ignore[index]
    assert _json(second)["counter"] == _json(first)["counter"] + 1  # type: ignore[index]


@pytest.mark.xfail(
    strict=True,
    reason="tenant isolation (TenancyConfig PER_TENANT: an instance per tenant, "
    "context.tenant_id from X-Amz-Tenant-Id) is not emulated",
)
def test_tenant_isolation_isolated_counters(backend: str) -> None:
    """Each tenant has its own instances, so its own counter, named in context.tenant_id."""
    with running("apigw-lambda-tenant-isolation", backend) as (_, client):
        blue = client.http.get("/isolated", headers={"x-tenant-id": "blue"})
        green = client.http.get("/isolated", headers={"x-tenant-id": "green"})
    assert blue.status_code == green.status_code == 200
    assert _json(blue)["tenant_id"] == "blue"  # type: ignore[index]
    assert _json(green)["counter"] == 1  # type: ignore[index]


@pytest.mark.xfail(
    strict=True,
    reason="non-proxy (type: aws) integrations with VTL response templates, from an "
    "AWS::Include'd OpenAPI body, are not emulated: the route is a proxy integration",
)
def test_mapping_template_rewrites_the_error(backend: str) -> None:
    """The integration response template turns a result containing "error" into a 400."""
    with running("apigw-mappingtemplate-lambda", backend) as (_, client):
        response = client.http.get("/")
    assert response.status_code == 400
    assert _json(response) == {"statuscode": 650, "body": "changed"}


def test_vpc_sqs_sends_the_message(backend: str) -> None:
    """POST /sendmessage sends the body's message to the queue the environment names."""
    with running("apigw-rest-api-lambda-vpc-sqs", backend) as (app, client):
        response = client.http.post("/sendmessage", json={"message": "order 42"})
        bodies = [message.body for message in app.queue("FirstSqsQueue").snapshot()]
    assert response.status_code == 200
    assert _json(response) == "Message has been sent to SQS Queue"
    assert bodies == ["order 42"]


def test_route53_failover_names_the_function(backend: str) -> None:
    with running("apigw-route53-failover", backend) as (app, client):
        response = client.http.get("/")
        name = app.function_configuration("HelloWorldFunction").name
    assert response.status_code == 200
    arn = f"arn:aws:lambda:{app.config.region}:{app.config.account_id}:function:{name}"
    assert _json(response) == {"message": "Function hit", "Function name": arn}


def test_usage_plans_with_a_key(backend: str) -> None:
    with running("apigw-usage-plans", backend) as (_, client):
        got = client.http.get("/plantest", headers={"x-api-key": "k" * 20})
        posted = client.http.post("/plantest", headers={"x-api-key": "k" * 20})
    assert got.status_code == posted.status_code == 200
    assert _json(got) == _json(posted) == {"message": "hello world"}


@pytest.mark.xfail(strict=True, reason="API keys (Auth.ApiKeyRequired) are not enforced")
def test_usage_plans_without_a_key(backend: str) -> None:
    with running("apigw-usage-plans", backend) as (_, client):
        response = client.http.get("/plantest")
    assert response.status_code == 403
    assert _json(response) == {"message": "Forbidden"}


@pytest.mark.xfail(
    strict=True,
    run=False,  # its module pip-installs boto3 into /tmp at import
    reason="the handler pip-installs boto3 at import and calls Amazon Bedrock (not emulated)",
)
def test_dynamic_bedrock(backend: str) -> None:
    with running("dynamic-bedrock-svls-sam", backend) as (_, client):
        response = client.http.post("/text/model_anthropic_claudev2", content="Hello")
    assert response.status_code == 200


ORDER = {"order_id": "103", "address": "Singapore", "amount": "50", "type": "Food"}


def test_pipes_api_writes_the_order(backend: str) -> None:
    """The pipe's target API: POST / puts the order into OrderTable."""
    project = "eventbridge-pipes-sqs-lambda-api-destination"
    with running(project, backend) as (app, client):
        response = client.http.post("/", json=ORDER)
        items = app.table("DynamoDBTable").items()
    assert response.status_code == 200
    assert _json(response) == {"message": json.dumps("Order Id 103 received successfully")}
    assert items == [{"id": "103", "Address": "Singapore", "Amount": "50", "Type": "Food"}]


@pytest.mark.xfail(
    strict=True, reason="EventBridge Pipes (AWS::Pipes::Pipe) and API destinations are not emulated"
)
def test_pipes_queue_to_table(backend: str) -> None:
    """SQS → the enrichment function → the API destination → the function → OrderTable."""
    project = "eventbridge-pipes-sqs-lambda-api-destination"
    order = {key: ORDER[key] for key in ("order_id", "address", "amount")}
    with running(project, backend) as (app, client):
        sqs = client.boto3_session().client("sqs")
        sqs.send_message(QueueUrl=app.queue("SourceQueue").url, MessageBody=json.dumps(order))
        # 1 s while the gap stands (the default once the xfail goes)
        items = eventually(lambda: app.table("DynamoDBTable").items(), seconds=1, app=app)
    assert items == [{"id": "103", "Address": "Singapore", "Amount": "50", "Type": "Food"}]
