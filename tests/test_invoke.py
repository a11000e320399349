"""The Invoke API: payloads as JSON copies, Lambda's limits, status codes and error shapes."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from faaslib import (
    App,
    FunctionError,
    InvalidParameterValue,
    InvalidRequestContent,
    InvocationError,
    RequestTooLarge,
    ResourceNotFound,
)
from faaslib.invoke import MAX_SYNC_REQUEST_BYTES, MAX_SYNC_RESPONSE_BYTES

pytestmark = pytest.mark.anyio


def echo(event: Any, context: Any) -> Any:
    return event


async def test_handler_gets_its_own_copy_of_the_payload(app: App) -> None:
    seen: list[Any] = []

    @app.function
    def mutate(event: Any, context: Any) -> Any:
        seen.append(event)
        event["items"].append(4)
        return event

    payload = {"items": [1, 2, 3]}
    result = await app.invoke("mutate", payload)
    assert payload == {"items": [1, 2, 3]}
    assert seen[0] is not payload
    assert result.payload == {"items": [1, 2, 3, 4]}
    assert result.payload is not seen[0]


async def test_a_successful_invoke_answers_200_with_the_response(app: App) -> None:
    app.function(echo)
    result = await app.invoke("echo", {"a": [1, 2.5, None, True, "x"]})
    assert result.status_code == 200
    assert result.function_error is None
    assert result.executed_version == "$LATEST"
    assert result.payload == {"a": [1, 2.5, None, True, "x"]}
    assert json.loads(result.raw_payload or b"") == result.payload
    assert result.memory_size_mb == 128
    assert result.log_result is None


@pytest.mark.parametrize(
    ("payload", "event"),
    [
        (None, {}),
        (b'{"raw": true}', {"raw": True}),
        (bytearray(b"[1,2]"), [1, 2]),
        ("text", "text"),
        (7, 7),
        (b"null", None),
    ],
)
async def test_payload_forms(app: App, payload: Any, event: Any) -> None:
    app.function(echo)
    assert await app.call("echo", payload) == event


async def test_bytes_that_are_not_json_are_invalid_request_content(app: App) -> None:
    app.function(echo)
    with pytest.raises(InvalidRequestContent, match="Could not parse request body into json") as e:
        await app.invoke("echo", b"{not json")
    assert e.value.status_code == 400
    assert e.value.error_code == "InvalidRequestContentException"


async def test_values_that_cannot_be_json_are_invalid_request_content(app: App) -> None:
    app.function(echo)
    with pytest.raises(InvalidRequestContent, match="Object of type object is not JSON"):
        await app.invoke("echo", {"x": object()})


async def test_request_over_6_mb_is_refused_before_the_handler_runs(app: App) -> None:
    calls: list[Any] = []

    @app.function
    def record(event: Any, context: Any) -> None:
        calls.append(event)

    fits = "x" * (MAX_SYNC_REQUEST_BYTES - 2)  # two quotes make it exactly the limit
    assert (await app.invoke("record", fits)).function_error is None
    with pytest.raises(RequestTooLarge, match="Request must be smaller than 6291456 bytes") as e:
        await app.invoke("record", fits + "x")
    assert e.value.status_code == 413
    assert e.value.function_name == "record"
    assert len(calls) == 1


async def test_response_over_the_limit_fails_as_lambda_does(app: App) -> None:
    @app.function
    def big(event: Any, context: Any) -> str:
        return "x" * (event - 2)

    assert (await app.invoke("big", MAX_SYNC_RESPONSE_BYTES)).function_error is None
    result = await app.invoke("big", MAX_SYNC_RESPONSE_BYTES + 1)
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    assert result.payload == {
        "errorType": "Function.ResponseSizeTooLarge",
        "errorMessage": "Response payload size (6291557 bytes) exceeded maximum allowed "
        "payload size (6291556 bytes).",
    }


async def test_a_response_that_is_not_json_is_a_marshal_error(app: App) -> None:
    @app.function
    def unencodable(event: Any, context: Any) -> Any:
        return {"when": object()}

    result = await app.invoke("unencodable")
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "Runtime.MarshalError"
    assert result.payload["errorMessage"] == (
        "Unable to marshal response: Object of type object is not JSON serializable"
    )


async def test_decimal_is_returned_as_a_json_number_like_the_python_runtime(app: App) -> None:
    from decimal import Decimal

    @app.function
    def money(event: Any, context: Any) -> Any:
        return {"price": Decimal("9.99"), "tags": ("a", "b")}

    result = await app.invoke("money")
    assert result.raw_payload == b'{"price":9.99,"tags":["a","b"]}'


async def test_a_date_in_a_result_is_a_marshal_error_as_on_the_python_runtime(app: App) -> None:
    @app.function
    def dated(event: Any, context: Any) -> Any:
        return {"date": datetime.date(2026, 1, 2)}

    error = (await app.invoke("dated")).payload
    assert error["errorType"] == "Runtime.MarshalError"
    assert error["errorMessage"] == (
        "Unable to marshal response: Object of type date is not JSON serializable"
    )


async def test_a_raising_handler_gives_200_unhandled_and_lambdas_error_object(app: App) -> None:
    @app.function
    def broken(event: Any, context: Any) -> None:
        raise KeyError("action")

    result = await app.invoke("broken")
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    error = result.payload
    assert list(error) == ["errorMessage", "errorType", "requestId", "stackTrace"]
    assert error["errorMessage"] == "'action'"
    assert error["errorType"] == "KeyError"
    assert error["requestId"] == result.request_id
    # the trace starts at the handler, without faaslib's or anyio's frames
    assert len(error["stackTrace"]) == 1
    assert 'in broken\n    raise KeyError("action")\n' in error["stackTrace"][0]
    assert __file__ in error["stackTrace"][0]


async def test_call_returns_the_payload_or_raises_function_error(app: App) -> None:
    app.function(echo)

    @app.function
    async def fails(event: Any, context: Any) -> None:
        raise ValueError("no stock for " + event["sku"])

    assert await app.call("echo", {"ok": 1}) == {"ok": 1}
    with pytest.raises(FunctionError) as raised:
        await app.call("fails", {"sku": "A-1"})
    error = raised.value
    assert error.function_name == "fails"
    assert error.error_type == "ValueError"
    assert error.error_message == "no stock for A-1"
    assert "in fails" in error.stack_trace[0]
    assert error.result.function_error == "Unhandled"
    assert "function 'fails' failed: ValueError: no stock for A-1" in str(error)


async def test_unknown_function_is_resource_not_found(app: App) -> None:
    app.function(echo)
    with pytest.raises(ResourceNotFound) as raised:
        await app.invoke("missing")
    assert raised.value.status_code == 404
    assert "arn:aws:lambda:us-east-1:123456789012:function:missing" in str(raised.value)
    assert "registered in App 'test': echo" in str(raised.value)
    assert isinstance(raised.value, InvocationError)


async def test_only_the_latest_qualifier_exists(app: App) -> None:
    @app.function
    def arn(event: Any, context: Any) -> str:
        return str(context.invoked_function_arn)

    base = "arn:aws:lambda:us-east-1:123456789012:function:arn"
    assert await app.call("arn") == base
    assert await app.call("arn", qualifier="$LATEST") == base + ":$LATEST"
    with pytest.raises(ResourceNotFound, match=f"Function not found: {base}:prod"):
        await app.invoke("arn", qualifier="prod")


async def test_dry_run_validates_without_running(app: App) -> None:
    calls: list[Any] = []

    @app.function
    def record(event: Any, context: Any) -> None:
        calls.append(event)

    result = await app.invoke("record", {"a": 1}, invocation_type="DryRun")
    assert result.status_code == 204
    assert result.payload is None
    assert calls == []
    with pytest.raises(ResourceNotFound):
        await app.invoke("nope", invocation_type="DryRun")
    with pytest.raises(InvalidRequestContent):
        await app.invoke("record", b"{", invocation_type="DryRun")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"invocation_type": "Sync"}, "invocation_type='Sync' is not valid"),
        ({"log_type": "All"}, "log_type='All' is not valid; use 'None' or 'Tail'"),
    ],
)
async def test_invalid_invoke_parameters(app: App, options: dict[str, Any], expected: str) -> None:
    app.function(echo)
    with pytest.raises(InvalidParameterValue, match=expected) as raised:
        await app.invoke("echo", **options)
    assert raised.value.status_code == 400


def test_request_ids_are_unique_version_4_uuids_whatever_the_global_seed() -> None:
    import random
    import uuid

    from faaslib.invoke import new_request_id

    random.seed(0)
    first = [new_request_id() for _ in range(5000)]
    random.seed(0)
    second = [new_request_id() for _ in range(5000)]
    assert len(set(first + second)) == 10_000
    for text in first[:500]:
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


async def test_a_caller_invoking_back_to_back_leaves_the_app_its_turns() -> None:
    """A handler that never waits finishes without the invoke suspending; a caller invoking in
    a loop must still let the app's own tasks run (on Redis they renew its concurrency lease,
    which would lapse). Here a task waiting 1 ms is woken while 100 ms of invocations run."""
    import time

    import anyio

    app = App()

    @app.function()
    async def tiny(event: Any, context: Any) -> int:
        return 1

    turns = 0

    async def other_task() -> None:
        nonlocal turns
        while True:
            await anyio.sleep(0.001)
            turns += 1

    async with app, anyio.create_task_group() as tasks:
        tasks.start_soon(other_task)
        await anyio.sleep(0.01)
        before = turns
        started = time.monotonic()
        while time.monotonic() - started < 0.1:
            await app.invoke("tiny")
        assert turns > before
        tasks.cancel_scope.cancel()
