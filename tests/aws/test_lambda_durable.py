"""Lambda's durable execution API on `app.aws`, driven by real boto3 (in process, and over a
real uvicorn), by the durable execution SDK's own `LambdaClient`, and checked against
`app.durable`: every one of the nine operations, Invoke's `DurableExecutionName` and
`DurableExecutionArn`, paging, and AWS's errors. botocore's own serializer is the oracle of the
path parsing."""

from __future__ import annotations

import functools
import json
import queue
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import App
from faaslib.aws.inprocess import exchange
from faaslib.aws.lambda_ import LambdaService
from faaslib.aws.lambda_durable import EXECUTION_ARN, TOKEN
from faaslib.testing import FakeClock, TestClient
from tests.http.server import serve

sdk = pytest.importorskip("aws_durable_execution_sdk_python", reason="the durable SDK")
from aws_durable_execution_sdk_python.config import Duration  # noqa: E402
from aws_durable_execution_sdk_python.lambda_service import LambdaClient  # noqa: E402

durable_execution = sdk.durable_execution
DURABLE = {"execution_timeout": 600}
LONG = {"execution_timeout": 365 * 24 * 3600}
UNKNOWN_ARN = (
    "arn:aws:lambda:us-east-1:123456789012:function:add_up:$LATEST"
    "/durable-execution/never-started/0123456789abcdef"
)


class Callbacks:
    """Callback ids as the handlers' submitters hand them out, for the test to answer."""

    def __init__(self) -> None:
        self.ids: queue.Queue[str] = queue.Queue()

    def next(self) -> str:
        return self.ids.get(timeout=10)


@pytest.fixture
def callbacks() -> Callbacks:
    return Callbacks()


@pytest.fixture
def app(callbacks: Callbacks) -> App:
    app = App(name="durable", clock=FakeClock())

    @app.function(durable=DURABLE)
    @durable_execution
    def add_up(event: Any, context: Any) -> Any:
        a = context.step(lambda _: event["a"], name="a")
        b = context.step(lambda _: event["b"], name="b")
        return a + b

    @app.function(durable=LONG)
    @durable_execution
    def approval(event: Any, context: Any) -> Any:
        answer = context.wait_for_callback(
            lambda callback_id, _: callbacks.ids.put(callback_id), name="approve"
        )
        return {"approved": answer}

    @app.function(durable=LONG)
    @durable_execution
    def sleeper(event: Any, context: Any) -> Any:
        context.wait(Duration.from_days(1), name="a day")
        return "woke"

    return app


@pytest.fixture
def client(app: App, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """The app running on asyncio, or on the backend a test names (`indirect` "client")."""
    with TestClient(app, backend=getattr(request, "param", "asyncio")) as client:
        yield client


@pytest.fixture
def lambda_(client: TestClient) -> Any:
    """A boto3 Lambda client reaching the app's `app.aws` in process."""
    return client.boto3_session().client("lambda")


def _seconds(value: Any) -> Any:
    """`value` with its datetimes as epoch seconds to the millisecond (the wire's precision)."""
    if isinstance(value, datetime):
        return round(value.timestamp(), 3)
    if isinstance(value, dict):
        return {key: _seconds(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [_seconds(item) for item in value]
    return value


def _start(lambda_: Any, function: str, name: str, payload: Any = None) -> str:
    """An execution of `function` started by an Event invoke, as a caller starts a long one."""
    answer = lambda_.invoke(
        FunctionName=function,
        InvocationType="Event",
        DurableExecutionName=name,
        Payload=json.dumps(payload or {}).encode(),
    )
    assert answer["StatusCode"] == 202
    return str(answer["DurableExecutionArn"])


def _error(call: Callable[[], Any]) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    return (
        error["Error"]["Code"],
        error["ResponseMetadata"]["HTTPStatusCode"],
        error["Error"]["Message"],
    )


# -- Invoke and GetDurableExecution ---------------------------------------------------------------


@pytest.mark.parametrize("client", ["asyncio", "trio"], indirect=True)
def test_invoke_with_a_name_answers_the_result_and_the_execution_arn(
    client: TestClient, lambda_: Any
) -> None:
    answer = lambda_.invoke(
        FunctionName="add_up", Payload=b'{"a": 2, "b": 3}', DurableExecutionName="sum-1"
    )
    assert answer["StatusCode"] == 200
    assert json.loads(answer["Payload"].read()) == 5
    arn = answer["DurableExecutionArn"]
    assert EXECUTION_ARN.fullmatch(arn), arn
    assert "function:add_up:$LATEST/durable-execution/sum-1/" in arn

    execution = lambda_.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "SUCCEEDED"
    assert execution["DurableExecutionName"] == "sum-1"
    function_arn = lambda_.get_function(FunctionName="add_up")["Configuration"]["FunctionArn"]
    assert execution["FunctionArn"] in (function_arn, f"{function_arn}:$LATEST")
    assert json.loads(execution["Result"]) == 5
    assert json.loads(execution["InputPayload"]) == {"a": 2, "b": 3}
    assert execution["ExecutionDataIncluded"] is True
    assert execution["StartTimestamp"] <= execution["EndTimestamp"]
    # what the wire says is what the Python API says
    mine = client.sync(client.app.durable).get(arn)
    assert _seconds(execution) == {**_seconds(mine), "ExecutionDataIncluded": True}

    compact = lambda_.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)
    assert compact["ExecutionDataIncluded"] is False
    assert not {"InputPayload", "Result", "Error"} & set(compact)
    assert compact["Status"] == "SUCCEEDED"


def test_timestamps_cross_the_wire_as_epoch_seconds(client: TestClient, lambda_: Any) -> None:
    """The model's `timestamp` shapes in a REST-JSON body: epoch seconds, as AWS sends them
    (boto3 would parse a string too, so the raw body is read)."""
    arn = lambda_.invoke(
        FunctionName="add_up", Payload=b'{"a": 1, "b": 2}', DurableExecutionName="raw"
    )["DurableExecutionArn"]
    path = f"/2025-12-01/durable-executions/{quote(arn, safe='')}"
    signed = "AWS4-HMAC-SHA256 Credential=testing/20261207/us-east-1/lambda/aws4_request"
    status, _, body = client.run(
        functools.partial(
            exchange,
            client.app.aws,
            "GET",
            f"http://lambda{path}",
            [("authorization", signed)],
            b"",
        )
    )
    assert status == 200
    answer = json.loads(body)
    mine = client.sync(client.app.durable).get(arn)
    for key in ("StartTimestamp", "EndTimestamp"):
        assert isinstance(answer[key], int | float)
        assert answer[key] == round(mine[key].timestamp(), 3)


def test_the_same_name_and_input_find_the_same_execution(lambda_: Any) -> None:
    arns = {
        lambda_.invoke(
            FunctionName="add_up", Payload=b'{"a": 1, "b": 1}', DurableExecutionName="once"
        )["DurableExecutionArn"]
        for _ in range(2)
    }
    assert len(arns) == 1
    listed = lambda_.list_durable_executions_by_function(
        FunctionName="add_up", DurableExecutionName="once"
    )["DurableExecutions"]
    assert [item["DurableExecutionArn"] for item in listed] == list(arns)


def test_the_same_name_with_another_input_is_already_started(lambda_: Any) -> None:
    lambda_.invoke(FunctionName="add_up", Payload=b'{"a": 1, "b": 1}', DurableExecutionName="x")
    with pytest.raises(lambda_.exceptions.DurableExecutionAlreadyStartedException) as caught:
        lambda_.invoke(FunctionName="add_up", Payload=b'{"a": 2, "b": 2}', DurableExecutionName="x")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409


# -- GetDurableExecutionHistory -------------------------------------------------------------------


def test_history_pages_cover_the_whole_history_in_either_order(
    client: TestClient, lambda_: Any
) -> None:
    arn = lambda_.invoke(
        FunctionName="add_up", Payload=b'{"a": 4, "b": 5}', DurableExecutionName="paged"
    )["DurableExecutionArn"]
    whole = lambda_.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=1000)
    events = whole["Events"]
    assert "NextMarker" not in whole
    assert events[0]["EventType"] == "ExecutionStarted"
    assert events[-1]["EventType"] == "ExecutionSucceeded"
    assert [event["EventId"] for event in events] == sorted(event["EventId"] for event in events)
    assert _seconds(events) == _seconds(client.sync(client.app.durable).history(arn))

    paginator = lambda_.get_paginator("get_durable_execution_history")
    for reverse in (False, True):
        pages = list(
            paginator.paginate(
                DurableExecutionArn=arn, ReverseOrder=reverse, PaginationConfig={"PageSize": 2}
            )
        )
        assert len(pages) == (len(events) + 1) // 2
        assert all(len(page["Events"]) <= 2 for page in pages)
        paged = [event for page in pages for event in page["Events"]]
        assert paged == (events[::-1] if reverse else events)


def test_history_without_execution_data_is_the_python_apis(
    client: TestClient, lambda_: Any
) -> None:
    arn = lambda_.invoke(
        FunctionName="add_up", Payload=b'{"a": 1, "b": 2}', DurableExecutionName="bare"
    )["DurableExecutionArn"]
    bare = lambda_.get_durable_execution_history(
        DurableExecutionArn=arn, IncludeExecutionData=False
    )
    mine = client.sync(client.app.durable).history(arn, include_execution_data=False)
    assert _seconds(bare["Events"]) == _seconds(mine)
    full = lambda_.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    assert json.dumps(_seconds(bare["Events"])) != json.dumps(_seconds(full))


# -- ListDurableExecutionsByFunction --------------------------------------------------------------


def test_list_filters_orders_and_pages_as_lambda_does(client: TestClient, lambda_: Any) -> None:
    started = {}
    for number in range(5):
        name = f"run-{number}"
        lambda_.invoke(
            FunctionName="add_up",
            Payload=json.dumps({"a": number, "b": 1}).encode(),
            DurableExecutionName=name,
        )
        started[name] = lambda_.list_durable_executions_by_function(
            FunctionName="add_up", DurableExecutionName=name
        )["DurableExecutions"][0]["StartTimestamp"]
        client.advance(60)  # a minute apart on the app's clock
    oldest_first = [f"run-{number}" for number in range(5)]

    def names(**options: Any) -> list[str]:
        answer = lambda_.list_durable_executions_by_function(FunctionName="add_up", **options)
        return [item["DurableExecutionName"] for item in answer["DurableExecutions"]]

    assert names() == oldest_first[::-1]  # newest first unless ReverseOrder
    assert names(ReverseOrder=True) == oldest_first
    assert names(Statuses=["SUCCEEDED"]) == oldest_first[::-1]
    assert names(Statuses=["RUNNING", "FAILED"]) == []
    assert names(DurableExecutionName="run-3") == ["run-3"]
    assert names(StartedAfter=started["run-2"], ReverseOrder=True) == oldest_first[2:]
    assert names(StartedBefore=started["run-1"], ReverseOrder=True) == oldest_first[:2]
    assert names(
        StartedAfter=started["run-1"], StartedBefore=started["run-3"], ReverseOrder=True
    ) == ["run-1", "run-2", "run-3"]
    # the qualified name and the ARN name the same function
    arn = lambda_.get_function(FunctionName="add_up")["Configuration"]["FunctionArn"]
    assert (
        names(Qualifier="$LATEST")
        == names()
        == [
            item["DurableExecutionName"]
            for item in lambda_.list_durable_executions_by_function(FunctionName=arn)[
                "DurableExecutions"
            ]
        ]
    )

    paginator = lambda_.get_paginator("list_durable_executions_by_function")
    for reverse in (False, True):
        pages = list(
            paginator.paginate(
                FunctionName="add_up", ReverseOrder=reverse, PaginationConfig={"PageSize": 2}
            )
        )
        assert [len(page["DurableExecutions"]) for page in pages] == [2, 2, 1]
        paged = [
            item["DurableExecutionName"] for page in pages for item in page["DurableExecutions"]
        ]
        assert paged == (oldest_first if reverse else oldest_first[::-1])
    # a page is answered while new executions start: the next page neither repeats nor skips
    first = lambda_.list_durable_executions_by_function(
        FunctionName="add_up", ReverseOrder=True, MaxItems=2
    )
    lambda_.invoke(FunctionName="add_up", Payload=b'{"a": 0, "b": 0}', DurableExecutionName="late")
    rest = lambda_.list_durable_executions_by_function(
        FunctionName="add_up", ReverseOrder=True, Marker=first["NextMarker"]
    )
    assert [item["DurableExecutionName"] for item in rest["DurableExecutions"]] == [
        *oldest_first[2:],
        "late",
    ]


# -- callbacks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("client", ["asyncio", "trio"], indirect=True)
def test_a_callback_answered_over_the_api_resumes_the_execution(
    client: TestClient, lambda_: Any, callbacks: Callbacks
) -> None:
    arn = _start(lambda_, "approval", "approve-1")
    callback_id = callbacks.next()
    assert TOKEN.fullmatch(callback_id), callback_id
    lambda_.send_durable_execution_callback_heartbeat(CallbackId=callback_id)
    # the body is the result as it is (the SDK passes a callback's result through unparsed)
    lambda_.send_durable_execution_callback_success(CallbackId=callback_id, Result=b"yes")
    ended = client.sync(client.app.durable).wait(arn, timeout=10)
    assert ended["Status"] == "SUCCEEDED"
    execution = lambda_.get_durable_execution(DurableExecutionArn=arn)
    assert json.loads(execution["Result"]) == {"approved": "yes"}
    # a callback answers once: it is closed now (the model's CallbackTimeoutException)
    code, status, _ = _error(
        lambda: lambda_.send_durable_execution_callback_success(CallbackId=callback_id)
    )
    assert (code, status) == ("CallbackTimeoutException", 400)
    events = lambda_.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    assert "CallbackSucceeded" in [event["EventType"] for event in events]


def test_a_callback_failed_over_the_api_fails_the_execution(
    client: TestClient, lambda_: Any, callbacks: Callbacks
) -> None:
    arn = _start(lambda_, "approval", "approve-2")
    lambda_.send_durable_execution_callback_failure(
        CallbackId=callbacks.next(),
        Error={"ErrorType": "Rejected", "ErrorMessage": "the manager said no"},
    )
    ended = client.sync(client.app.durable).wait(arn, timeout=10)
    assert ended["Status"] == "FAILED"
    execution = lambda_.get_durable_execution(DurableExecutionArn=arn)
    assert "the manager said no" in json.dumps(execution["Error"])
    events = lambda_.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    failed = [event for event in events if event["EventType"] == "CallbackFailed"]
    assert len(failed) == 1
    assert (
        failed[0]["CallbackFailedDetails"]["Error"]["Payload"]["ErrorMessage"]
        == "the manager said no"
    )


# -- StopDurableExecution -------------------------------------------------------------------------


def test_stop_ends_a_waiting_execution_with_the_error_given(
    client: TestClient, lambda_: Any
) -> None:
    arn = _start(lambda_, "sleeper", "a-day")
    client.sync(client.app.durable).settled(arn)  # suspended in its wait
    history = lambda_.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    assert "WaitStarted" in [event["EventType"] for event in history]
    waiting = lambda_.get_durable_execution(DurableExecutionArn=arn)
    assert waiting["Status"] == "RUNNING"
    assert "EndTimestamp" not in waiting
    running = lambda_.list_durable_executions_by_function(
        FunctionName="sleeper", Statuses=["RUNNING"]
    )["DurableExecutions"]
    assert [item["DurableExecutionArn"] for item in running] == [arn]

    stopped = lambda_.stop_durable_execution(
        DurableExecutionArn=arn, Error={"ErrorType": "Cancelled", "ErrorMessage": "not needed"}
    )
    assert isinstance(stopped["StopTimestamp"], datetime)
    execution = lambda_.get_durable_execution(DurableExecutionArn=arn)
    assert execution["Status"] == "STOPPED"
    assert execution["Error"]["ErrorMessage"] == "not needed"
    assert abs(execution["EndTimestamp"] - stopped["StopTimestamp"]) < timedelta(seconds=1)
    ended = lambda_.get_durable_execution_history(DurableExecutionArn=arn)["Events"]
    assert ended[-1]["EventType"] == "ExecutionStopped"
    client.advance(2 * 24 * 3600)  # the wait's end finds it stopped: nothing more happens
    client.sync(client.app.durable).settled(arn)
    assert lambda_.get_durable_execution_history(DurableExecutionArn=arn)["Events"] == ended
    assert lambda_.get_durable_execution(DurableExecutionArn=arn)["Status"] == "STOPPED"


# -- errors ---------------------------------------------------------------------------------------

_BY_ARN = {
    "GetDurableExecution": lambda c, arn: c.get_durable_execution(DurableExecutionArn=arn),
    "GetDurableExecutionHistory": lambda c, arn: c.get_durable_execution_history(
        DurableExecutionArn=arn
    ),
    "StopDurableExecution": lambda c, arn: c.stop_durable_execution(DurableExecutionArn=arn),
    "CheckpointDurableExecution": lambda c, arn: c.checkpoint_durable_execution(
        DurableExecutionArn=arn, CheckpointToken="bm90LWEtdG9rZW4=", Updates=[]
    ),
    "GetDurableExecutionState": lambda c, arn: c.get_durable_execution_state(
        DurableExecutionArn=arn, CheckpointToken="bm90LWEtdG9rZW4="
    ),
}


@pytest.mark.parametrize(
    ("operation", "code", "status"),
    [
        ("GetDurableExecution", "ResourceNotFoundException", 404),
        ("GetDurableExecutionHistory", "ResourceNotFoundException", 404),
        ("StopDurableExecution", "ResourceNotFoundException", 404),
        # the SDK's two operations have no ResourceNotFoundException in the model: what they
        # are given is a bad parameter
        ("CheckpointDurableExecution", "InvalidParameterValueException", 400),
        ("GetDurableExecutionState", "InvalidParameterValueException", 400),
    ],
)
def test_an_unknown_execution_is_lambdas_error(
    lambda_: Any, operation: str, code: str, status: int
) -> None:
    assert _error(lambda: _BY_ARN[operation](lambda_, UNKNOWN_ARN))[:2] == (code, status)


@pytest.mark.parametrize("operation", sorted(_BY_ARN))
def test_what_is_not_an_execution_arn_is_an_invalid_parameter(lambda_: Any, operation: str) -> None:
    code, status, message = _error(lambda: _BY_ARN[operation](lambda_, "not-an-arn"))
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert "DurableExecutionArn='not-an-arn'" in message


@pytest.mark.parametrize("token", ["bm90LWEtdG9rZW4=", "not a token!"])
def test_a_bad_checkpoint_token_is_refused(lambda_: Any, token: str) -> None:
    arn = lambda_.invoke(
        FunctionName="add_up", Payload=b'{"a": 1, "b": 1}', DurableExecutionName="tokens"
    )["DurableExecutionArn"]
    checkpoint = _error(
        lambda: lambda_.checkpoint_durable_execution(
            DurableExecutionArn=arn, CheckpointToken=token, Updates=[]
        )
    )
    state = _error(
        lambda: lambda_.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken=token)
    )
    assert checkpoint[:2] == state[:2] == ("InvalidParameterValueException", 400)


@pytest.mark.parametrize("callback_id", ["bm90LWEtY2FsbGJhY2s=", "Zm9v", "a/b+c=="])
def test_an_unknown_callback_id_is_refused_as_lambda_refuses_it(
    lambda_: Any, callback_id: str
) -> None:
    for call in (
        lambda: lambda_.send_durable_execution_callback_success(CallbackId=callback_id),
        lambda: lambda_.send_durable_execution_callback_failure(CallbackId=callback_id),
        lambda: lambda_.send_durable_execution_callback_heartbeat(CallbackId=callback_id),
    ):
        code, status, message = _error(call)
        # the model's two errors for it (AWS's local runner answers the first)
        assert (code, status) in {
            ("ResourceNotFoundException", 404),
            ("InvalidParameterValueException", 400),
        }
        assert callback_id in message


def test_what_is_not_a_callback_id_is_an_invalid_parameter(lambda_: Any) -> None:
    code, status, message = _error(
        lambda: lambda_.send_durable_execution_callback_heartbeat(CallbackId="no spaces!")
    )
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert "CallbackId='no spaces!'" in message


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"MaxItems": 1001}, "MaxItems"),
        ({"Statuses": ["SLEEPING"]}, "Statuses"),
        ({"Marker": "not-a-marker"}, "Marker"),
    ],
)
def test_a_bad_listing_parameter_names_the_field(
    lambda_: Any, options: dict[str, Any], field: str
) -> None:
    code, status, message = _error(
        lambda: lambda_.list_durable_executions_by_function(FunctionName="add_up", **options)
    )
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert field in message


@pytest.mark.parametrize(
    ("options", "field"),
    [({"MaxItems": 1001}, "MaxItems"), ({"Marker": "bm90LWEtbWFya2Vy"}, "Marker")],
)
def test_a_bad_history_parameter_names_the_field(
    lambda_: Any, options: dict[str, Any], field: str
) -> None:
    arn = lambda_.invoke(
        FunctionName="add_up", Payload=b'{"a": 1, "b": 1}', DurableExecutionName="history"
    )["DurableExecutionArn"]
    code, status, message = _error(
        lambda: lambda_.get_durable_execution_history(DurableExecutionArn=arn, **options)
    )
    assert (code, status) == ("InvalidParameterValueException", 400)
    assert field in message


def test_listing_an_unknown_function_is_resource_not_found(lambda_: Any) -> None:
    code, status, message = _error(
        lambda: lambda_.list_durable_executions_by_function(FunctionName="absent")
    )
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert "absent" in message


# -- the SDK's own client, over a real server -----------------------------------------------------


def test_the_sdks_lambda_client_checkpoints_over_http() -> None:
    """The SDK's `LambdaClient`, on a boto3 client pointed at a real uvicorn serving
    `app.aws`: the handler's calls cross a socket, not the in-process route."""
    app = App(name="remote", route_aws_calls=False)
    seen: dict[str, Any] = {"calls": []}

    def workflow(event: Any, context: Any) -> Any:
        total = context.step(lambda _: event["n"] * 2, name="double")
        return context.step(lambda _: total + 1, name="plus one")

    @app.function(durable=DURABLE)
    def remote(event: Any, context: Any) -> Any:
        service = LambdaClient(seen["boto3"])
        state = service.get_execution_state(
            event["DurableExecutionArn"], event["CheckpointToken"], next_marker="", max_items=1000
        )
        seen.setdefault("state", state)
        seen.setdefault("event", event)
        return durable_execution(workflow, boto3_client=seen["boto3"])(event, context)

    served = serve(app, asgi=app.aws)
    endpoint = next(served)
    try:
        import boto3

        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        lambda_ = session.client("lambda", endpoint_url=endpoint.url)
        seen["boto3"] = lambda_
        lambda_.meta.events.register(
            "after-call.lambda", lambda model, **_: seen["calls"].append(model.name)
        )
        answer = lambda_.invoke(
            FunctionName="remote", Payload=b'{"n": 20}', DurableExecutionName="over-http"
        )
        assert json.loads(answer["Payload"].read()) == 41
        assert "CheckpointDurableExecution" in seen["calls"]
        assert "GetDurableExecutionState" in seen["calls"]
        # the state the SDK's client read is the state the durable event carried
        first = seen["event"]["InitialExecutionState"]["Operations"]
        assert [op.operation_id for op in seen["state"].operations] == [op["Id"] for op in first]
        steps = [
            event
            for event in lambda_.get_durable_execution_history(
                DurableExecutionArn=answer["DurableExecutionArn"]
            )["Events"]
            if event["EventType"] == "StepSucceeded"
        ]
        assert [event["Name"] for event in steps] == ["double", "plus one"]
    finally:
        served.close()


# -- parsing: botocore's serializer as the oracle -------------------------------------------------


@functools.cache
def _lambda_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("lambda")


def _request(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    """The HTTP request botocore makes of `operation` with `params`."""
    from botocore.serialize import create_serializer

    return create_serializer("rest-json").serialize_to_request(
        params, _lambda_model().operation_model(operation)
    )


@pytest.fixture(scope="module")
def service() -> LambdaService:
    return LambdaService(App(name="routes"))


_ARNS = st.from_regex(EXECUTION_ARN, fullmatch=True).filter(lambda arn: len(arn) <= 1024)
_CALLBACK_IDS = st.from_regex(TOKEN, fullmatch=True).filter(lambda token: len(token) <= 1024)


@settings(max_examples=60, deadline=None)
@given(arn=_ARNS)
def test_any_execution_arn_round_trips_through_the_path(service: LambdaService, arn: str) -> None:
    for operation, extra in (
        ("GetDurableExecution", {}),
        ("GetDurableExecutionHistory", {}),
        ("GetDurableExecutionState", {"CheckpointToken": "dG9rZW4="}),
        ("CheckpointDurableExecution", {"CheckpointToken": "dG9rZW4="}),
        ("StopDurableExecution", {}),
    ):
        request = _request(operation, {"DurableExecutionArn": arn, **extra})
        assert service.route(request["method"], request["url_path"]) == (operation, arn)


@settings(max_examples=60, deadline=None)
@given(callback_id=_CALLBACK_IDS)
def test_any_callback_id_round_trips_through_the_path(
    service: LambdaService, callback_id: str
) -> None:
    for operation in (
        "SendDurableExecutionCallbackSuccess",
        "SendDurableExecutionCallbackFailure",
        "SendDurableExecutionCallbackHeartbeat",
    ):
        request = _request(operation, {"CallbackId": callback_id})
        assert service.route(request["method"], request["url_path"]) == (operation, callback_id)


@settings(max_examples=30, deadline=None)
@given(
    name=st.from_regex(r"[a-zA-Z0-9_-]{1,64}", fullmatch=True),
    qualified=st.booleans(),
)
def test_any_function_name_round_trips_through_the_listing_path(
    service: LambdaService, name: str, qualified: bool
) -> None:
    function = f"arn:aws:lambda:us-east-1:123456789012:function:{name}" if qualified else name
    request = _request("ListDurableExecutionsByFunction", {"FunctionName": function})
    assert service.route(request["method"], request["url_path"]) == (
        "ListDurableExecutionsByFunction",
        function,
    )


def test_any_execution_name_round_trips_through_the_header_and_the_query(app: App) -> None:
    """A name crosses Invoke's `X-Amz-Durable-Execution-Name` header, then the listing's query
    (`DurableExecutionName`): the execution found is the one started, by its name."""
    with TestClient(app) as client:
        lambda_ = client.boto3_session().client("lambda")

        @settings(max_examples=12, deadline=None)
        @given(name=st.from_regex(r"[a-zA-Z0-9_-]{1,64}", fullmatch=True))
        def round_trip(name: str) -> None:
            arn = lambda_.invoke(
                FunctionName="add_up", Payload=b'{"a": 0, "b": 0}', DurableExecutionName=name
            )["DurableExecutionArn"]
            assert f"/durable-execution/{name}/" in arn
            listed = lambda_.list_durable_executions_by_function(
                FunctionName="add_up", DurableExecutionName=name
            )["DurableExecutions"]
            assert [
                (item["DurableExecutionName"], item["DurableExecutionArn"]) for item in listed
            ] == [(name, arn)]

        round_trip()
