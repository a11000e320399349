"""The Context object matches the AWS Python runtime's, and its clock is the app's."""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Any

import pytest

from faaslib import App, CognitoIdentity, Context, InvalidParameterValue, InvalidRequestContent
from faaslib.testing import FakeClock

pytestmark = pytest.mark.anyio


async def test_context_has_the_runtime_attributes(app: App) -> None:
    seen: list[Context] = []

    @app.function(name="resize", memory=512)
    def handler(event: Any, context: Context) -> None:
        seen.append(context)

    result = await app.invoke("resize")
    context = seen[0]
    assert context.function_name == "resize"
    assert context.function_version == "$LATEST"
    assert context.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:resize"
    assert context.memory_limit_in_mb == "512"  # a str, as in the real runtime
    assert context.aws_request_id == result.request_id
    assert uuid.UUID(context.aws_request_id).version == 4
    assert context.log_group_name == "/aws/lambda/resize"
    assert re.fullmatch(r"2026/01/01/\[\$LATEST\][0-9a-f]{32}", context.log_stream_name)
    assert isinstance(context.identity, CognitoIdentity)
    assert context.identity.cognito_identity_id is None
    assert context.identity.cognito_identity_pool_id is None
    assert context.client_context is None
    assert context.get_remaining_time_in_millis() == 3000


async def test_region_and_account_shape_the_arn() -> None:
    app = App("eu", region="eu-west-1", account_id="210987654321", clock=FakeClock())

    @app.function
    def where(event: Any, context: Context) -> str:
        return context.invoked_function_arn

    assert await app.call("where") == "arn:aws:lambda:eu-west-1:210987654321:function:where"


async def test_log_stream_belongs_to_the_instance(app: App) -> None:
    @app.function
    def stream(event: Any, context: Context) -> str:
        return context.log_stream_name

    first = await app.call("stream")
    assert await app.call("stream") == first  # warm: the same instance


async def test_remaining_time_decreases_with_the_fake_clock(app: App, clock: FakeClock) -> None:
    readings: list[int] = []

    @app.function(timeout=10)
    async def watch(event: Any, context: Context) -> None:
        readings.append(context.get_remaining_time_in_millis())
        await clock.sleep(2.5)
        readings.append(context.get_remaining_time_in_millis())
        await clock.sleep(7.4)
        readings.append(context.get_remaining_time_in_millis())

    async with app:
        import anyio

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(app.invoke, "watch")
            await clock.advance(9.9)
    assert readings == [10_000, 7_500, 100]


async def test_remaining_time_never_goes_below_zero(clock: FakeClock) -> None:
    context = Context(
        function_name="f",
        function_version="$LATEST",
        invoked_function_arn="arn",
        memory_limit_in_mb="128",
        aws_request_id="id",
        log_group_name="/aws/lambda/f",
        log_stream_name="s",
        clock=clock,
        deadline=1.0,
    )
    assert context.get_remaining_time_in_millis() == 1000
    await clock.advance(5)
    assert context.get_remaining_time_in_millis() == 0


async def test_client_context_reaches_the_handler(app: App) -> None:
    @app.function
    def who(event: Any, context: Context) -> Any:
        client_context = context.client_context
        assert client_context is not None
        assert client_context.client is not None
        return [client_context.client.app_title, client_context.custom, client_context.env]

    data = {"client": {"app_title": "shop"}, "custom": {"k": "v"}, "env": {"os": "ios"}}
    assert await app.call("who", client_context=data) == ["shop", {"k": "v"}, {"os": "ios"}]
    encoded = base64.b64encode(json.dumps(data).encode()).decode()
    assert await app.call("who", client_context=encoded) == ["shop", {"k": "v"}, {"os": "ios"}]


async def test_client_context_limits(app: App) -> None:
    @app.function
    def noop(event: Any, context: Context) -> None: ...

    with pytest.raises(InvalidParameterValue, match="over the limit of 3,583"):
        await app.invoke("noop", client_context={"custom": {"x": "y" * 3000}})
    with pytest.raises(InvalidRequestContent, match="not base64-encoded JSON"):
        await app.invoke("noop", client_context="%%%")
    with pytest.raises(InvalidRequestContent, match="must be a JSON object"):
        await app.invoke("noop", client_context=base64.b64encode(b"[1]").decode())
