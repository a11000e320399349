"""faaslib.testing.context(): the Context an app would build, for calling a handler directly."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from faaslib import CognitoIdentity, ConfigurationError, Context
from faaslib.testing import FakeClock, context, events


def test_defaults_are_those_of_a_fresh_invocation() -> None:
    made = context()
    assert isinstance(made, Context)
    assert made.function_name == "test"
    assert made.function_version == "$LATEST"
    assert made.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:test"
    assert made.memory_limit_in_mb == "128"  # a str, as in AWS's runtime
    assert uuid.UUID(made.aws_request_id).version == 4
    assert made.log_group_name == "/aws/lambda/test"
    assert re.fullmatch(r"2026/01/01/\[\$LATEST\][0-9a-f]{32}", made.log_stream_name)
    assert made.get_remaining_time_in_millis() == 3000
    assert made.client_context is None
    assert made.identity.cognito_identity_id is None


def test_every_field_can_be_set() -> None:
    identity = CognitoIdentity("us-east-1:abc", "us-east-1:pool")
    made = context(
        "resize",
        memory=1024,
        timeout=30,
        remaining_ms=1500,
        request_id="req-1",
        client_context={"custom": {"tenant": "a"}, "client": {"app_title": "shop"}},
        identity=identity,
        region="eu-west-1",
        account_id="210987654321",
        log_stream_name="stream",
    )
    assert made.invoked_function_arn == "arn:aws:lambda:eu-west-1:210987654321:function:resize"
    assert made.memory_limit_in_mb == "1024"
    assert made.aws_request_id == "req-1"
    assert made.get_remaining_time_in_millis() == 1500
    assert made.client_context is not None
    assert made.client_context.custom == {"tenant": "a"}
    assert made.client_context.client is not None
    assert made.client_context.client.app_title == "shop"
    assert made.identity is identity
    assert made.log_stream_name == "stream"


def test_remaining_time_counts_down_on_the_clock_given() -> None:
    clock = FakeClock()
    made = context(timeout=10, clock=clock)
    clock.tick(2.5)
    assert made.get_remaining_time_in_millis() == 7500
    clock.tick(60)
    assert made.get_remaining_time_in_millis() == 0  # never below zero


def test_a_handler_runs_directly_with_a_built_event_and_context() -> None:
    def handler(event: dict[str, Any], context: Context) -> list[str]:
        return [record["body"] for record in event["Records"]] + [context.function_name]

    assert handler(events.sqs("a", "b"), context("orders")) == ["a", "b", "orders"]


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"memory": 100}, ConfigurationError, "memory=100 is below the minimum of 128 MB"),
        ({"timeout": 901}, ConfigurationError, "timeout=901 is above the maximum of 900"),
        ({"remaining_ms": 3001}, ValueError, "remaining_ms=3,001 is outside 0 to the timeout"),
        ({"remaining_ms": -1}, ValueError, "remaining_ms=-1 is outside"),
    ],
)
def test_values_lambda_would_refuse_are_refused(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        context("resize", **options)


def test_a_function_name_lambda_would_refuse_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"context\(function_name='a b'\): name="):
        context("a b")
