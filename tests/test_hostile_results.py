"""A handler's hostile result or error is a function error in Lambda's shape, never a crash.

Issue 16, items 1 and 2: an exception whose message holds a lone surrogate or whose `str()`
raises, a result that contains itself, nests too deep or has no JSON form is answered as Lambda
answers it (`Runtime.MarshalError`, `Runtime.ExitError`, or the escaped error); on the Event
path such an event follows its retry and destination rules like any failure, and ends with one
deliverable record. A payload too deep to be recorded is refused at the door.
"""

from __future__ import annotations

import datetime
import json
import math
import os
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from faaslib import App, Context, FunctionError, InvalidRequestContent
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio

SURROGATE_NAME = os.fsdecode(b"report-\xff.csv")  # 'report-\udcff.csv'


class UnprintableError(Exception):
    """An exception whose text cannot be had: the runtime dies formatting it."""

    def __str__(self) -> str:
        raise RuntimeError("__str__ failed")


def nested_list(depth: int) -> list[Any]:
    """A list whose arrays nest `depth` levels deep (`[]` is 1)."""
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def self_referencing() -> list[Any]:
    value: list[Any] = [1]
    value.append(value)
    return value


def raise_surrogate() -> Any:
    raise FileNotFoundError(f"cannot open {SURROGATE_NAME}")


def raise_unprintable() -> Any:
    raise UnprintableError()


# name -> (what the handler does, the error type `call` raises)
POISON: dict[str, tuple[Callable[[], Any], str]] = {
    "surrogate_message": (raise_surrogate, "FileNotFoundError"),
    "unprintable_error": (raise_unprintable, "Runtime.ExitError"),
    "self_reference": (self_referencing, "Runtime.MarshalError"),
    "depth_1000": (lambda: nested_list(1000), "Runtime.MarshalError"),
    "depth_600": (lambda: nested_list(600), "Runtime.MarshalError"),
    "set_value": (lambda: {"s": {1, 2}}, "Runtime.MarshalError"),
    "datetime": (lambda: datetime.datetime(2026, 1, 1), "Runtime.MarshalError"),
}


def register(app: App, name: str, make: Callable[[], Any], kind: str, **options: Any) -> list[int]:
    """Register `make` as handler `name` (sync or async); the list counts its runs."""
    runs: list[int] = []

    if kind == "sync":

        def handler(event: Any, context: Context) -> Any:
            runs.append(1)
            return make()

    else:

        async def handler(event: Any, context: Context) -> Any:  # type: ignore[misc]
            runs.append(1)
            return make()

    app.function(name=name, **options)(handler)
    return runs


# -- RequestResponse ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("case", sorted(POISON))
async def test_a_poison_result_or_error_is_a_function_error_and_the_app_keeps_serving(
    clock: FakeClock, case: str, kind: str
) -> None:
    app = App(clock=clock)
    make, error_type = POISON[case]
    runs = register(app, case, make, kind)
    register(app, "healthy", lambda: {"ok": True}, kind)

    result = await app.invoke(case, {"n": 1})
    assert (result.status_code, result.function_error) == (200, "Unhandled")
    assert result.payload["errorType"] == error_type
    assert isinstance(result.payload["errorMessage"], str)
    assert result.raw_payload is not None
    assert json.loads(result.raw_payload) == result.payload  # the response is JSON text
    with pytest.raises(FunctionError) as raised:
        await app.call(case, {"n": 2})
    assert raised.value.error_type == error_type
    assert runs == [1, 1]
    assert app.metrics(case)["Invocations"] == 2
    assert app.metrics(case)["Errors"] == 2
    assert await app.call("healthy") == {"ok": True}
    assert app.metrics()["ConcurrentExecutions"]["now"] == 0


async def test_a_lone_surrogate_in_an_error_message_reaches_the_caller(app: App) -> None:
    @app.function
    def read(event: Any, context: Context) -> None:
        raise_surrogate()

    result = await app.invoke("read")
    assert result.payload["errorMessage"] == f"cannot open {SURROGATE_NAME}"
    assert result.payload["errorType"] == "FileNotFoundError"
    assert result.payload["requestId"] == result.request_id
    assert any("raise_surrogate" in line for line in result.payload["stackTrace"])


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_an_exception_whose_str_raises_kills_the_instance(
    clock: FakeClock, kind: str
) -> None:
    app = App(clock=clock)
    register(app, "fragile", raise_unprintable, kind)
    first = await app.invoke("fragile")
    assert first.payload["errorType"] == "Runtime.ExitError"
    assert first.request_id in first.payload["errorMessage"]
    second = await app.invoke("fragile")
    assert (first.cold_start, second.cold_start) == (True, True)  # the instance was discarded
    assert app.instances("fragile").total == 0


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("self_reference", "Unable to marshal response: Circular reference detected"),
        (
            "set_value",
            "Unable to marshal response: Object of type set is not JSON serializable",
        ),
        (
            "datetime",
            "Unable to marshal response: Object of type datetime is not JSON serializable",
        ),
    ],
)
async def test_a_marshal_error_carries_the_runtimes_message(
    app: App, case: str, message: str
) -> None:
    register(app, case, POISON[case][0], "sync")
    result = await app.invoke(case)
    assert result.payload == {
        "errorMessage": message,
        "errorType": "Runtime.MarshalError",
        "requestId": result.request_id,
        "stackTrace": [],
    }
    assert not result.cold_start or app.instances(case).total == 1  # the instance survives


def nested(depth: int, shape: str) -> Any:
    """A value whose arrays nest `depth` levels deep: lists (what msgspec encodes), tuples, or
    lists around a Decimal (both of which take the runtime's own encoder)."""
    if shape == "list":
        return nested_list(depth)
    if shape == "tuple":
        value: Any = ()
        for _ in range(depth - 1):
            value = (value,)
        return value
    value = Decimal("1.5")
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("shape", ["list", "tuple", "decimal_leaf"])
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_result_nested_to_faaslibs_limit_is_returned(
    clock: FakeClock, kind: str, shape: str
) -> None:
    app = App(clock=clock)
    register(app, "deep", lambda: nested(512, shape), kind)
    result = await app.invoke("deep")
    assert result.function_error is None, result.payload["errorMessage"]
    assert result.raw_payload is not None
    assert result.raw_payload.startswith(b"[" * 512)
    assert result.raw_payload.endswith(b"]" * 512)


@pytest.mark.parametrize("shape", ["list", "tuple", "decimal_leaf"])
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_result_nested_past_faaslibs_limit_names_the_limit(
    clock: FakeClock, kind: str, shape: str
) -> None:
    app = App(clock=clock)
    register(app, "deep", lambda: nested(513, shape), kind)
    with pytest.raises(FunctionError) as raised:
        await app.call("deep")
    assert raised.value.error_type == "Runtime.MarshalError"
    assert "512" in raised.value.error_message


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_nan_result_is_sent_as_nan(clock: FakeClock, kind: str) -> None:
    app = App(clock=clock)
    register(app, "nan", lambda: float("nan"), kind)
    result = await app.invoke("nan")
    assert result.function_error is None
    assert result.raw_payload == b"NaN"
    assert math.isnan(result.payload)
    assert math.isnan(await app.call("nan"))


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_bytes_result_is_the_response_itself(clock: FakeClock, kind: str) -> None:
    app = App(clock=clock)
    register(app, "raw", lambda: b"abc", kind)
    result = await app.invoke("raw")
    assert result.function_error is None
    assert (result.raw_payload, result.payload) == (b"abc", b"abc")
    assert await app.call("raw") == b"abc"


# -- Event ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("case", sorted(POISON))
async def test_a_poison_event_fails_once_and_leaves_one_deliverable_record(
    clock: FakeClock, case: str, kind: str
) -> None:
    app = App(clock=clock)
    failures: list[dict[str, Any]] = []
    make, error_type = POISON[case]
    runs = register(app, case, make, kind, maximum_retry_attempts=0, on_failure=failures.append)

    async with app:
        accepted = await app.invoke(case, {"file": SURROGATE_NAME[:6]}, invocation_type="Event")
        assert accepted.status_code == 202
        await app.wait_idle()
    assert runs == [1]
    [record] = failures
    assert record["requestContext"]["requestId"] == accepted.request_id
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == error_type
    msgspec.json.encode(record)  # deliverable: a queue, topic or bus could take it
    assert app.pending_events() == []
    assert app.undelivered() == []
    assert app.metrics(case)["AsyncEventOutcomes"] == {
        "Success": 0,
        "RetriesExhausted": 1,
        "EventAgeExceeded": 0,
        "Pending": 0,
    }
    # The app starts again, with nothing left over to crash it.
    async with app:
        assert app.pending_events() == []
    assert runs == [1]


@pytest.mark.parametrize("case", ["surrogate_message", "unprintable_error", "self_reference"])
async def test_a_poison_event_is_retried_as_lambda_retries_a_failure(
    clock: FakeClock, case: str
) -> None:
    app = App(clock=clock)
    failures: list[dict[str, Any]] = []
    runs = register(
        app, case, POISON[case][0], "async", maximum_retry_attempts=2, on_failure=failures.append
    )  # async: a sync handler's thread runs in real time, which the fake clock cannot wait for
    async with app:
        await app.invoke(case, {}, invocation_type="Event")
        await clock.advance(0)
        await clock.advance(60)
        await clock.advance(120)
        await app.wait_idle()
    assert runs == [1, 1, 1]
    [record] = failures
    assert record["requestContext"]["approximateInvokeCount"] == 3
    msgspec.json.encode(record)
    assert app.pending_events() == []


@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_a_surrogate_error_message_reaches_a_failure_destination_escaped(
    clock: FakeClock, kind: str
) -> None:
    app = App(clock=clock)
    failures: list[dict[str, Any]] = []
    register(
        app, "read", raise_surrogate, kind, maximum_retry_attempts=0, on_failure=failures.append
    )
    async with app:
        await app.invoke("read", invocation_type="Event")
        await app.wait_idle()
    [record] = failures
    message = record["responsePayload"]["errorMessage"]
    assert message.startswith("cannot open report-")
    assert message.encode("utf-8")  # no lone surrogate left: it was escaped


@pytest.mark.parametrize(
    ("case", "payload"),
    [("nan", "NaN"), ("raw", "abc")],
)
async def test_nan_and_bytes_results_succeed_on_the_event_path(
    clock: FakeClock, case: str, payload: str
) -> None:
    app = App(clock=clock)
    successes: list[dict[str, Any]] = []
    make = (lambda: float("nan")) if case == "nan" else (lambda: b"abc")
    register(app, case, make, "sync", maximum_retry_attempts=0, on_success=successes.append)
    async with app:
        await app.invoke(case, invocation_type="Event")
        await app.wait_idle()
    [record] = successes
    assert record["requestContext"]["condition"] == "Success"
    response = record["responsePayload"]
    if case == "nan":
        assert isinstance(response, float)
        assert math.isnan(response)
    else:
        assert response == payload
    assert app.pending_events() == []


async def test_a_payload_too_deep_to_record_is_refused_at_the_door(clock: FakeClock) -> None:
    app = App(clock=clock)
    runs = register(app, "echo", lambda: None, "sync", maximum_retry_attempts=0)
    async with app:
        with pytest.raises(InvalidRequestContent) as raised:
            await app.invoke("echo", b"[" * 985 + b"]" * 985, invocation_type="Event")
        assert "512" in raised.value.message
        assert raised.value.status_code == 400
        assert app.pending_events() == []
    assert runs == []
    assert app.metrics("echo")["AsyncEventsReceived"] == 0
    assert app.metrics("echo")["Invocations"] == 0


async def test_a_payload_at_the_depth_limit_is_accepted_run_and_recorded(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    successes: list[dict[str, Any]] = []
    seen: list[Any] = []

    @app.function(maximum_retry_attempts=0, on_success=successes.append)
    def keep(event: Any, context: Context) -> str:
        seen.append(event)
        return "kept"

    body = b"[" * 512 + b"]" * 512
    async with app:
        accepted = await app.invoke("keep", body, invocation_type="Event")
        assert accepted.status_code == 202
        await app.wait_idle()
    assert seen == [nested_list(512)]
    [record] = successes
    assert record["requestPayload"] == nested_list(512)
    assert record["responsePayload"] == "kept"
    msgspec.json.encode(record)
    assert app.pending_events() == []
    assert app.metrics("keep")["AsyncEventOutcomes"]["Success"] == 1
