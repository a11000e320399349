"""Event invocations, under the fake clock: 202 at once, Lambda's retries, maximum age,
throttles that wait, destinations, dead letters, and shutdown that loses nothing."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import pytest

from faaslib import (
    App,
    ConfigurationError,
    Context,
    RequestTooLarge,
    ResourceConflict,
)
from faaslib.testing import FakeClock, settle

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("each_store")]


def outcomes(app: App, name: str) -> dict[str, int]:
    return dict(app.metrics(name)["AsyncEventOutcomes"])


async def test_an_event_invocation_answers_202_and_reports_success(clock: FakeClock) -> None:
    app = App(clock=clock)
    records: list[dict[str, Any]] = []
    seen: list[str] = []

    @app.function(on_success=records.append)
    async def greet(event: Any, context: Context) -> dict[str, str]:
        seen.append(context.aws_request_id)
        return {"hello": event["name"]}

    async with app:
        result = await app.invoke("greet", {"name": "ada"}, invocation_type="Event")
        assert (result.status_code, result.payload) == (202, None)
        await app.wait_idle()
    assert seen == [result.request_id]
    assert records == [
        {
            "version": "1.0",
            "timestamp": "2026-01-01T00:00:00.000Z",
            "requestContext": {
                "requestId": result.request_id,
                "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:greet:$LATEST",
                "condition": "Success",
                "approximateInvokeCount": 1,
            },
            "requestPayload": {"name": "ada"},
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "responsePayload": {"hello": "ada"},
        }
    ]
    assert outcomes(app, "greet") == {
        "Success": 1,
        "RetriesExhausted": 0,
        "EventAgeExceeded": 0,
        "Pending": 0,
    }
    assert app.metrics("greet")["AsyncEventsReceived"] == 1


@pytest.mark.parametrize(("retries", "times"), [(2, [0, 60, 180]), (1, [0, 60]), (0, [0])])
async def test_a_failing_event_is_retried_at_lambdas_intervals(
    clock: FakeClock, retries: int, times: list[float]
) -> None:
    app = App(clock=clock)
    failures: list[dict[str, Any]] = []
    attempts: list[float] = []

    @app.function(maximum_retry_attempts=retries, on_failure=failures.append)
    async def flaky(event: Any, context: Context) -> None:
        attempts.append(clock.monotonic())
        raise RuntimeError("down")

    async with app:
        await app.invoke("flaky", {"order": 7}, invocation_type="Event")
        for _ in range(4):
            await clock.advance(60)
        await app.wait_idle()
    assert attempts == times
    (record,) = failures
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == retries + 1
    assert record["requestPayload"] == {"order": 7}
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["responsePayload"]["errorMessage"] == "down"
    metrics = app.metrics("flaky")
    assert (metrics["AsyncEventRetries"], metrics["AsyncEventsDropped"]) == (retries, 1)
    assert metrics["Errors"] == retries + 1


async def test_a_timeout_is_a_function_error_and_is_retried(clock: FakeClock) -> None:
    app = App(clock=clock)
    failures: list[dict[str, Any]] = []

    @app.function(timeout=5, maximum_retry_attempts=1, on_failure=failures.append)
    async def stuck(event: Any, context: Context) -> None:
        await clock.sleep(60)

    async with app:
        await app.invoke("stuck", invocation_type="Event")
        for _ in range(20):
            await clock.advance(5)
        await app.wait_idle()
    assert failures[0]["requestContext"]["approximateInvokeCount"] == 2
    assert failures[0]["responsePayload"]["errorType"] == "Sandbox.Timedout"


async def test_an_event_past_its_maximum_age_is_dropped_to_on_failure(clock: FakeClock) -> None:
    app = App(clock=clock)
    failures: list[dict[str, Any]] = []

    @app.function(maximum_event_age=90, on_failure=failures.append)
    async def flaky(event: Any, context: Context) -> None:
        raise RuntimeError("down")

    async with app:
        await app.invoke("flaky", invocation_type="Event")
        for _ in range(4):
            await clock.advance(60)
        await app.wait_idle()
    (record,) = failures  # tried at 0 and 60; the retry due at 180 is too old by then
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert outcomes(app, "flaky")["EventAgeExceeded"] == 1
    assert app.metrics("flaky")["AsyncEventsDropped"] == 1


async def test_throttled_events_wait_and_run_later(clock: FakeClock) -> None:
    app = App(clock=clock)
    release = anyio.Event()
    done: list[int] = []

    @app.function(reserved_concurrency=1)
    async def narrow(event: Any, context: Context) -> None:
        await release.wait()
        done.append(event["n"])

    async with app:
        for n in range(3):
            await app.invoke("narrow", {"n": n}, invocation_type="Event")
        await clock.advance(10)  # the other two are throttled, and retried, again and again
        assert app.metrics("narrow")["Throttles"] >= 4
        assert len(app.pending_events()) == 3
        release.set()
        for _ in range(10):
            await clock.advance(30)
        await app.wait_idle()
    assert sorted(done) == [0, 1, 2]
    assert outcomes(app, "narrow")["Success"] == 3


async def test_reserved_concurrency_zero_sends_events_on_without_retrying(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    failures: list[dict[str, Any]] = []

    @app.function(reserved_concurrency=0, on_failure=failures.append)
    def disabled(event: Any, context: Context) -> None: ...

    async with app:
        await app.invoke("disabled", {"x": 1}, invocation_type="Event")
        await app.wait_idle()
    (record,) = failures
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["responseContext"]["statusCode"] == 429
    assert record["responsePayload"]["errorType"] == "TooManyRequestsException"


async def test_destinations_may_be_functions_and_dead_letters_get_the_event(
    clock: FakeClock,
) -> None:
    app = App(clock=clock)
    audited: list[Any] = []
    dead: list[Any] = []

    @app.function(maximum_retry_attempts=0, on_failure="audit", dead_letter=dead.append)
    async def checkout(event: Any, context: Context) -> None:
        raise ValueError("declined")

    @app.function
    async def audit(event: Any, context: Context) -> None:
        audited.append(event)

    async with app:
        await app.invoke("checkout", {"order": 1}, invocation_type="Event")
        await app.wait_idle()
    assert dead == [{"order": 1}]
    assert audited[0]["requestContext"]["condition"] == "RetriesExhausted"
    assert audited[0]["responsePayload"]["errorType"] == "ValueError"
    assert app.metrics("audit")["AsyncEventsReceived"] == 1


async def test_a_failing_destination_is_counted_and_keeps_its_record(clock: FakeClock) -> None:
    app = App(clock=clock)

    async def broken(record: dict[str, Any]) -> None:
        raise ConnectionError("queue unreachable")

    def broken_dead_letter(event: Any) -> None:
        raise ConnectionError("dlq unreachable")

    @app.function(maximum_retry_attempts=0, on_failure=broken, dead_letter=broken_dead_letter)
    async def fails(event: Any, context: Context) -> None:
        raise ValueError("no")

    async with app:
        await app.invoke("fails", {"n": 1}, invocation_type="Event")
        await app.wait_idle()
    metrics = app.metrics("fails")
    assert (metrics["DestinationDeliveryFailures"], metrics["DeadLetterErrors"]) == (1, 1)
    undelivered = {record.destination: record for record in app.undelivered()}
    assert undelivered["dead_letter"].message == {"n": 1}
    assert undelivered["on_failure"].message["requestPayload"] == {"n": 1}
    assert undelivered["on_failure"].error == "ConnectionError: queue unreachable"
    assert outcomes(app, "fails")["RetriesExhausted"] == 1  # the event itself ended


async def test_the_async_payload_limit_is_one_megabyte(clock: FakeClock) -> None:
    app = App(clock=clock)

    @app.function
    async def take(event: Any, context: Context) -> None: ...

    async with app:
        largest = b'"' + b"x" * (1024 * 1024 - 2) + b'"'
        assert (await app.invoke("take", largest, invocation_type="Event")).status_code == 202
        with pytest.raises(RequestTooLarge, match="1048576 bytes for the InvokeAsync"):
            await app.invoke(
                "take", b'"' + b"x" * (1024 * 1024 - 1) + b'"', invocation_type="Event"
            )
        await app.wait_idle()


async def test_an_event_invocation_needs_a_running_app(clock: FakeClock) -> None:
    app = App(clock=clock)

    @app.function
    async def idle(event: Any, context: Context) -> None: ...

    with pytest.raises(ResourceConflict, match="not running") as raised:
        await app.invoke("idle", invocation_type="Event")
    assert raised.value.status_code == 409


async def test_leaving_the_app_hands_back_what_is_still_queued(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    app = App(clock=clock)
    runs: list[float] = []

    @app.function(on_failure=lambda record: None)
    async def flaky(event: Any, context: Context) -> None:
        runs.append(clock.monotonic())
        raise RuntimeError("down")

    with caplog.at_level(logging.WARNING):
        async with app:
            await app.invoke("flaky", {"id": 1}, invocation_type="Event")
            await app.invoke("flaky", {"id": 2}, invocation_type="Event")
    assert "stopped with 2 Event invocations still queued" in caplog.text
    pending = sorted(app.pending_events(), key=lambda event: event.payload["id"])
    assert [(event.payload, event.attempts) for event in pending] == [
        ({"id": 1}, 1),
        ({"id": 2}, 1),
    ]
    assert outcomes(app, "flaky")["Pending"] == 2
    async with app:  # they carry on when the app runs again
        for _ in range(4):
            await clock.advance(60)
        assert await app.drain(1) == 0
    assert len(runs) == 6
    assert outcomes(app, "flaky")["RetriesExhausted"] == 2


async def test_an_attempt_cut_short_by_shutdown_goes_back_to_the_queue(clock: FakeClock) -> None:
    app = App(clock=clock, shutdown_timeout=5)
    finished: list[int] = []

    @app.function(timeout=60)
    async def slow(event: Any, context: Context) -> None:
        await clock.sleep(30)
        finished.append(1)

    async with anyio.create_task_group() as tasks:

        async def leave_soon() -> None:
            await settle()
            await clock.advance(5)  # the shutdown timeout passes

        async with app:
            await app.invoke("slow", invocation_type="Event")
            await settle()
            tasks.start_soon(leave_soon)
    assert finished == []
    (pending,) = app.pending_events()
    assert pending.attempts == 0  # the attempt did not count: it will run again


async def test_drain_gives_up_after_its_time(clock: FakeClock) -> None:
    app = App(clock=clock)

    @app.function
    async def flaky(event: Any, context: Context) -> None:
        raise RuntimeError("down")

    async with app:
        await app.invoke("flaky", invocation_type="Event")
        async with anyio.create_task_group() as tasks:
            result: list[int] = []

            async def drain() -> None:
                result.append(await app.drain(30))

            tasks.start_soon(drain)
            await settle()
            await clock.advance(30)
        assert result == [1]  # its retry is due at 60 s


def test_event_options_are_checked() -> None:
    app = App()
    with pytest.raises(ConfigurationError, match="maximum_retry_attempts=3 is above the maximum"):
        app.function(name="a", maximum_retry_attempts=3)(lambda event, context: None)
    with pytest.raises(ConfigurationError, match="maximum_event_age=59 is below the minimum of 60"):
        app.function(name="b", maximum_event_age=59)(lambda event, context: None)
    with pytest.raises(
        ConfigurationError, match=r"on_failure='no such' .*is neither a function name nor an ARN"
    ):
        app.function(name="c", on_failure="no such")(lambda event, context: None)


async def test_a_destination_must_name_a_function_of_the_app(clock: FakeClock) -> None:
    app = App(clock=clock)
    app.function(name="a", on_success="missing")(lambda event, context: None)
    with pytest.raises(ConfigurationError, match="on_success='missing' names no function"):
        async with app:
            pass


async def test_an_app_cancelled_while_draining_still_stops_cleanly(clock: FakeClock) -> None:
    app = App(clock=clock, shutdown_timeout=600)

    @app.function(timeout=60)
    async def slow(event: Any, context: Context) -> None:
        await clock.sleep(30)

    async with anyio.create_task_group() as tasks:
        with anyio.CancelScope() as scope:

            async def cancel_the_drain() -> None:
                await settle()
                scope.cancel()

            async with app:
                await app.invoke("slow", invocation_type="Event")
                await settle()
                tasks.start_soon(cancel_the_drain)
    assert len(app.pending_events()) == 1  # its attempt was cut short: back in the queue
    async with app:  # and the app starts again
        await clock.advance(30)
        await app.wait_idle()
    assert app.metrics("slow")["AsyncEventOutcomes"]["Success"] == 1


async def test_an_error_in_the_app_body_skips_the_drain(clock: FakeClock) -> None:
    app = App(clock=clock, shutdown_timeout=600)

    @app.function(timeout=60)
    async def slow(event: Any, context: Context) -> None:
        await clock.sleep(30)

    async def run_with_a_bug() -> None:
        async with app:
            await app.invoke("slow", invocation_type="Event")
            await settle()
            raise KeyError("bug in the caller")

    with pytest.raises(KeyError, match="bug in the caller"):  # as raised, not in a group
        await run_with_a_bug()
    assert len(app.pending_events()) == 1
