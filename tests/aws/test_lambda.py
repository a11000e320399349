"""Lambda's API on `app.aws`, driven by real boto3 over a real uvicorn: Invoke in each of its
modes, Lambda's errors as botocore's exceptions, listing and describing functions, concurrency
and the account's settings."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from faaslib import App
from faaslib.aws.lambda_ import RUNTIME
from tests.http.server import serve


class Seen:
    """What the handlers saw, for the test thread to wait on."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.delivered = threading.Event()
        self.counted = 0


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def app(seen: Seen) -> App:
    app = App(name="aws")

    @app.function(memory=512, timeout=10, environment={"STAGE": "test"}, description="echoes")
    def echo(event: Any, context: Any) -> Any:
        return event

    @app.function
    async def echo_async(event: Any, context: Any) -> Any:
        return {"async": True, "event": event}

    @app.function
    def fails(event: Any, context: Any) -> Any:
        raise ValueError("the photo is not a JPEG")

    @app.function
    def chatty(event: Any, context: Any) -> Any:
        print("resizing the photo")
        return "done"

    @app.function
    def identify(event: Any, context: Any) -> Any:
        custom = context.client_context.custom if context.client_context else None
        return {"request_id": context.aws_request_id, "custom": custom}

    @app.function
    def counted(event: Any, context: Any) -> Any:
        seen.counted += 1
        return seen.counted

    @app.function
    def sink(event: Any, context: Any) -> None:
        seen.events.append(event)
        seen.delivered.set()

    @app.function(reserved_concurrency=0)
    def switched_off(event: Any, context: Any) -> None:
        raise AssertionError("a function with reserved_concurrency=0 never runs")

    @app.function(reserved_concurrency=5)
    def capped(event: Any, context: Any) -> None:
        return None

    return app


@pytest.fixture
def client(aws_client: Callable[..., Any]) -> Any:
    return aws_client("lambda")


def payload_of(response: dict[str, Any]) -> Any:
    return json.loads(response["Payload"].read())


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response: dict[str, Any] = raised.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


# -- Invoke ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["echo", "echo_async"])
def test_invoke_round_trips_the_payload_of_sync_and_async_handlers(client: Any, name: str) -> None:
    event = {"key": "photos/a.jpg", "size": [640, 480], "text": "é ✓"}
    response = client.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    expected = event if name == "echo" else {"async": True, "event": event}
    assert payload_of(response) == expected


def test_invoke_without_a_payload_sends_an_empty_object(client: Any) -> None:
    assert payload_of(client.invoke(FunctionName="echo")) == {}


def test_invoke_by_arn_and_latest_qualifier_reaches_the_function(client: Any) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:echo"
    assert payload_of(client.invoke(FunctionName=arn, Payload=b"[1]")) == [1]
    assert payload_of(client.invoke(FunctionName="echo:$LATEST", Payload=b"[2]")) == [2]
    assert payload_of(client.invoke(FunctionName="echo", Qualifier="$LATEST", Payload=b"3")) == 3


def test_a_failing_handler_answers_200_with_function_error_and_the_error_object(
    client: Any,
) -> None:
    response = client.invoke(FunctionName="fails", Payload=b"{}")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    error = payload_of(response)
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "the photo is not a JPEG"
    assert error["stackTrace"]


def test_the_response_request_id_is_the_invocations(client: Any) -> None:
    response = client.invoke(FunctionName="identify")
    assert payload_of(response)["request_id"] == response["ResponseMetadata"]["RequestId"]


def test_client_context_reaches_the_handler(client: Any) -> None:
    context = base64.b64encode(json.dumps({"custom": {"user": "ana"}}).encode()).decode()
    response = client.invoke(FunctionName="identify", ClientContext=context)
    assert payload_of(response)["custom"] == {"user": "ana"}


def test_event_invocation_answers_202_and_the_handler_runs(client: Any, seen: Seen) -> None:
    response = client.invoke(FunctionName="sink", InvocationType="Event", Payload=b'{"n": 1}')
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    assert response["ResponseMetadata"]["RequestId"]
    assert seen.delivered.wait(5), "the Event invocation never ran"
    assert seen.events == [{"n": 1}]


def test_dry_run_answers_204_and_runs_nothing(client: Any, seen: Seen) -> None:
    response = client.invoke(FunctionName="counted", InvocationType="DryRun", Payload=b"{}")
    assert response["StatusCode"] == 204
    assert payload_of(client.invoke(FunctionName="counted")) == 1  # the first run


def test_log_type_tail_returns_the_invocations_log(client: Any) -> None:
    response = client.invoke(FunctionName="chatty", LogType="Tail")
    log = base64.b64decode(response["LogResult"]).decode()
    assert "START RequestId:" in log
    assert "resizing the photo" in log
    assert "REPORT RequestId:" in log
    assert payload_of(response) == "done"


@pytest.mark.parametrize(
    ("options", "code", "status"),
    [
        ({"FunctionName": "missing"}, "ResourceNotFoundException", 404),
        ({"FunctionName": "echo", "Qualifier": "1"}, "ResourceNotFoundException", 404),
        (
            {"FunctionName": "arn:aws:lambda:eu-west-1:123456789012:function:echo"},
            "ResourceNotFoundException",
            404,
        ),
        ({"FunctionName": "echo", "Payload": b"{not json"}, "InvalidRequestContentException", 400),
        (
            {"FunctionName": "echo", "Payload": b'"' + b"x" * (6 * 1024 * 1024) + b'"'},
            "RequestTooLargeException",
            413,
        ),
        (
            {"FunctionName": "echo", "InvocationType": "Later"},
            "InvalidParameterValueException",
            400,
        ),
        (
            {"FunctionName": "echo", "ClientContext": "not base64!"},
            "InvalidRequestContentException",
            400,
        ),
        (
            {"FunctionName": "echo:$LATEST", "Qualifier": "1"},
            "InvalidParameterValueException",
            400,
        ),
    ],
)
def test_invoke_errors_raise_lambdas_exceptions(
    client: Any, options: dict[str, Any], code: str, status: int
) -> None:
    with pytest.raises(getattr(client.exceptions, code)) as raised:
        client.invoke(**options)
    assert error_of(raised)[:2] == (code, status)


def test_reserved_concurrency_zero_throttles_every_invoke(client: Any) -> None:
    with pytest.raises(client.exceptions.TooManyRequestsException) as raised:
        client.invoke(FunctionName="switched_off", Payload=b"{}")
    code, status, message = error_of(raised)
    assert (code, status) == ("TooManyRequestsException", 429)
    assert message.startswith("Rate Exceeded.")
    assert raised.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


# -- functions ------------------------------------------------------------------------------------


def test_list_functions_pages_through_every_function(client: Any, app: App) -> None:
    first = client.list_functions(MaxItems=2)
    assert [f["FunctionName"] for f in first["Functions"]] == sorted(app.functions)[:2]
    assert first["NextMarker"]
    pages = client.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 3})
    names = [f["FunctionName"] for page in pages for f in page["Functions"]]
    assert names == sorted(app.functions)
    everything = client.list_functions()
    assert len(everything["Functions"]) == len(app.functions)
    assert "NextMarker" not in everything


@pytest.mark.parametrize(
    "options", [{"Marker": "not-a-marker"}, {"MaxItems": 10_001}, {"FunctionVersion": "1"}]
)
def test_list_functions_refuses_bad_parameters(client: Any, options: dict[str, Any]) -> None:
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.list_functions(**options)


def test_get_function_configuration_describes_the_function(client: Any) -> None:
    config = client.get_function_configuration(FunctionName="echo")
    assert config["FunctionName"] == "echo"
    assert config["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:echo"
    assert config["Runtime"] == RUNTIME
    assert config["Handler"].endswith(".echo")
    assert config["MemorySize"] == 512
    assert config["Timeout"] == 10
    assert config["Description"] == "echoes"
    assert config["Environment"] == {"Variables": {"STAGE": "test"}}
    assert config["EphemeralStorage"] == {"Size": 512}
    assert config["Architectures"] == ["x86_64"]
    assert (config["State"], config["LastUpdateStatus"]) == ("Active", "Successful")
    assert config["Version"] == "$LATEST"
    assert config["LoggingConfig"]["LogGroup"] == "/aws/lambda/echo"


def test_get_function_gives_the_configuration_and_reserved_concurrency(client: Any) -> None:
    response = client.get_function(FunctionName="capped")
    assert response["Configuration"]["FunctionName"] == "capped"
    assert response["Concurrency"] == {"ReservedConcurrentExecutions": 5}
    assert "Concurrency" not in client.get_function(FunctionName="echo")


@pytest.mark.parametrize(
    "call",
    [
        lambda client: client.get_function(FunctionName="missing"),
        lambda client: client.get_function_configuration(FunctionName="echo", Qualifier="2"),
        lambda client: client.get_function_concurrency(FunctionName="missing"),
    ],
)
def test_describing_a_missing_function_is_resource_not_found(
    client: Any, call: Callable[[Any], Any]
) -> None:
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        call(client)


# -- concurrency ----------------------------------------------------------------------------------


def test_get_function_concurrency_gives_the_reservation(client: Any) -> None:
    response = client.get_function_concurrency(FunctionName="capped")
    assert response["ReservedConcurrentExecutions"] == 5
    assert "ReservedConcurrentExecutions" not in client.get_function_concurrency(
        FunctionName="echo"
    )


def test_reserved_concurrency_is_put_read_and_deleted(client: Any, app: App) -> None:
    put = client.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=7)
    assert put["ReservedConcurrentExecutions"] == 7
    assert client.get_function_concurrency(FunctionName="echo")["ReservedConcurrentExecutions"] == 7
    assert client.get_function(FunctionName="echo")["Concurrency"] == {
        "ReservedConcurrentExecutions": 7
    }
    settings = client.get_account_settings()["AccountLimit"]
    assert settings["UnreservedConcurrentExecutions"] == 1000 - 5 - 7  # capped holds 5
    assert app._admission.carved_out == 12
    arn = client.get_function(FunctionName="capped")["Configuration"]["FunctionArn"]
    client.put_function_concurrency(FunctionName=arn, ReservedConcurrentExecutions=2)
    assert app.function_configuration("capped").reserved_concurrency == 2
    client.delete_function_concurrency(FunctionName="echo")
    assert "ReservedConcurrentExecutions" not in client.get_function_concurrency(
        FunctionName="echo"
    )
    assert "Concurrency" not in client.get_function(FunctionName="echo")
    client.delete_function_concurrency(FunctionName="echo")  # none left: nothing to delete
    assert app._admission.carved_out == 2
    assert payload_of(client.invoke(FunctionName="echo", Payload=b'"still runs"')) == "still runs"


def test_reserved_concurrency_put_to_zero_throttles_and_delete_lets_it_run(client: Any) -> None:
    client.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    with pytest.raises(client.exceptions.TooManyRequestsException) as raised:
        client.invoke(FunctionName="echo", Payload=b"1")
    assert raised.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    client.delete_function_concurrency(FunctionName="echo")
    assert payload_of(client.invoke(FunctionName="echo", Payload=b"1")) == 1


def test_reserved_concurrency_leaving_less_than_the_unreserved_minimum_is_refused(
    client: Any, app: App
) -> None:
    # 1,000 concurrency, 100 kept unreserved, capped holds 5: echo may hold 895, not 896
    client.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=895)
    with pytest.raises(client.exceptions.InvalidParameterValueException) as raised:
        client.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=896)
    code, status, message = error_of(raised)
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert message.startswith(
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100]."
    )
    assert app.function_configuration("echo").reserved_concurrency == 895


def test_reserved_concurrency_below_the_provisioned_is_refused(client: Any, app: App) -> None:
    client.put_provisioned_concurrency_config(
        FunctionName="capped", Qualifier="$LATEST", ProvisionedConcurrentExecutions=3
    )
    with pytest.raises(client.exceptions.InvalidParameterValueException) as raised:
        client.put_function_concurrency(FunctionName="capped", ReservedConcurrentExecutions=2)
    assert error_of(raised)[2].startswith(
        "ReservedConcurrentExecutions 2 should not be lower than function's total provisioned "
        "concurrency [3]."
    )
    assert app.function_configuration("capped").reserved_concurrency == 5
    client.put_function_concurrency(FunctionName="capped", ReservedConcurrentExecutions=3)
    assert app.function_configuration("capped").reserved_concurrency == 3


@pytest.mark.parametrize(
    ("function", "wanted", "code"),
    [
        ("echo:$LATEST", 1, "InvalidParameterValueException"),  # the whole function's, only
        ("missing", 1, "ResourceNotFoundException"),
    ],
)
def test_put_function_concurrency_refusals(
    client: Any, function: str, wanted: int, code: str
) -> None:
    with pytest.raises(getattr(client.exceptions, code)):
        client.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=wanted)


def test_a_fleet_answers_a_reserved_concurrency_change_with_a_conflict(redis_url: str) -> None:
    fleet = App(name="fleet", store=f"{redis_url}?prefix=t{uuid.uuid4().hex[:12]}")
    fleet.function(name="capped", reserved_concurrency=5)(lambda event, context: None)
    served = serve(fleet, asgi=fleet.aws)
    url = next(served).url
    try:
        client = boto3.client(
            "lambda",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 1, "mode": "standard"}),
        )
        kept = client.put_function_concurrency(
            FunctionName="capped", ReservedConcurrentExecutions=5
        )
        assert kept["ReservedConcurrentExecutions"] == 5  # no change: nothing to refuse
        with pytest.raises(client.exceptions.ResourceConflictException) as raised:
            client.put_function_concurrency(FunctionName="capped", ReservedConcurrentExecutions=7)
        assert "every process's code or template" in error_of(raised)[2]
        with pytest.raises(client.exceptions.ResourceConflictException):
            client.delete_function_concurrency(FunctionName="capped")
        assert fleet.function_configuration("capped").reserved_concurrency == 5
    finally:
        served.close()


def test_provisioned_concurrency_is_set_read_and_removed(client: Any, app: App) -> None:
    response = client.put_provisioned_concurrency_config(
        FunctionName="echo", Qualifier="$LATEST", ProvisionedConcurrentExecutions=2
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert response["Status"] == "READY"
    assert response["AllocatedProvisionedConcurrentExecutions"] == 2
    assert app.function_configuration("echo").provisioned_concurrency == 2
    assert app.instances("echo").total == 2
    got = client.get_provisioned_concurrency_config(FunctionName="echo", Qualifier="$LATEST")
    assert got["RequestedProvisionedConcurrentExecutions"] == 2
    client.delete_provisioned_concurrency_config(FunctionName="echo", Qualifier="$LATEST")
    assert app.function_configuration("echo").provisioned_concurrency == 0
    with pytest.raises(client.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        client.get_provisioned_concurrency_config(FunctionName="echo", Qualifier="$LATEST")


@pytest.mark.parametrize(
    ("function", "qualifier", "code"),
    [
        ("capped", "$LATEST", "InvalidParameterValueException"),  # more than is reserved
        ("echo", "live", "ResourceNotFoundException"),  # no such alias or version
    ],
)
def test_provisioned_concurrency_refusals(
    client: Any, function: str, qualifier: str, code: str
) -> None:
    with pytest.raises(getattr(client.exceptions, code)):
        client.put_provisioned_concurrency_config(
            FunctionName=function, Qualifier=qualifier, ProvisionedConcurrentExecutions=6
        )


def test_account_settings_give_the_limits_and_function_count(client: Any, app: App) -> None:
    settings = client.get_account_settings()
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 995  # capped holds 5
    assert settings["AccountUsage"]["FunctionCount"] == len(app.functions)


def test_an_operation_faaslib_does_not_emulate_is_unknown_operation(client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        client.list_aliases(FunctionName="echo")
    code, status, message = error_of(raised)
    assert (code, status) == ("UnknownOperationException", 404)
    assert "GET /2015-03-31/functions/echo/aliases" in message
