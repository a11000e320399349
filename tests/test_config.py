"""Configuration is validated at decoration time; errors name function, field and range."""

from __future__ import annotations

from typing import Any

import pytest

from faaslib import App, ConfigurationError


def handler(event: Any, context: Any) -> None:
    return None


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"memory": 100}, "memory=100 is below the minimum of 128 MB"),
        ({"memory": 10_241}, "memory=10241 is above the maximum of 10,240 MB"),
        ({"memory": 512.5}, "memory=512.5 has the wrong type (float)"),
        ({"timeout": 0}, "timeout=0 must be more than 0 seconds"),
        ({"timeout": -1}, "timeout=-1 must be more than 0 seconds"),
        ({"timeout": 901}, "timeout=901 is above the maximum of 900 seconds"),
        ({"timeout": "3"}, "timeout='3' has the wrong type (str)"),
        ({"ephemeral_storage": 511}, "ephemeral_storage=511 is below the minimum of 512 MB"),
        ({"ephemeral_storage": 10_241}, "ephemeral_storage=10241 is above the maximum"),
        ({"architecture": "mips"}, "architecture='mips'"),
        ({"description": "x" * 257}, "description="),
        ({"environment": {"A": "x" * 4096}}, "takes 4,097 bytes, over the limit of 4,096"),
        ({"environment": {"AWS_REGION": "eu-west-1"}}, "'AWS_REGION' is reserved"),
        ({"environment": {"1BAD": "x"}}, "key '1BAD' must start with a letter"),
        ({"environment": {"A": 1}}, "environment="),
        ({"name": "has space"}, "name='has space' is not allowed"),
        ({"name": "x" * 65}, "is not allowed (allowed: 1 to 64 letters"),
        ({"reserved_concurency": 5}, "unknown option reserved_concurency=5; the options are"),
    ],
)
def test_bad_configuration_names_function_field_value_and_range(
    options: dict[str, Any], expected: str
) -> None:
    app = App()
    with pytest.raises(ConfigurationError) as raised:
        app.function(**options)(handler)
    message = str(raised.value)
    assert message.startswith(f"function {options.get('name', 'handler')!r}: ")
    assert expected in message
    assert isinstance(raised.value, ValueError)
    assert app.functions == ()


def test_limits_are_inclusive() -> None:
    app = App()
    app.function(name="small", memory=128, timeout=0.001, ephemeral_storage=512)(handler)
    app.function(name="large", memory=10_240, timeout=900, ephemeral_storage=10_240)(handler)
    app.function(name="env", environment={"A": "x" * 4095})(handler)
    assert app.functions == ("small", "large", "env")


def test_name_defaults_to_the_handler_name_and_must_be_unique() -> None:
    app = App()
    app.function(handler)
    with pytest.raises(ConfigurationError, match="'handler' is already registered"):
        app.function(handler)
    app.function(name="handler-2")(handler)
    assert app.functions == ("handler", "handler-2")


def test_decorator_returns_the_handler_unchanged() -> None:
    app = App()
    assert app.function(handler) is handler
    assert app.function(name="other", memory=256)(handler) is handler


def test_architecture_defaults_to_the_app() -> None:
    app = App(architecture="arm64")
    app.function(handler)
    app.function(name="x86", architecture="x86_64")(handler)
    assert app._functions["handler"].config.architecture == "arm64"
    assert app._functions["x86"].config.architecture == "x86_64"


@pytest.mark.anyio
async def test_functions_see_their_own_values_of_a_shared_variable_name() -> None:
    import os

    def table(event: object, context: object) -> str | None:
        return os.environ.get("TABLE")

    app = App()
    app.function(name="a", environment={"TABLE": "orders"})(table)
    app.function(name="c", environment={"TABLE": "users"})(table)
    async with app:
        assert await app.call("a", {}) == "orders"
        assert await app.call("c", {}) == "users"


@pytest.mark.parametrize(
    "target",
    [
        lambda event: None,
        lambda: None,
        lambda event, context, extra: None,
    ],
)
def test_handler_must_take_event_and_context(target: Any) -> None:
    with pytest.raises(ConfigurationError, match=r"must take \(event, context\)"):
        App().function(name="bad")(target)


def test_handler_must_be_callable() -> None:
    with pytest.raises(ConfigurationError, match="must be callable, not int"):
        App().function(name="bad")(42)


def test_class_handler_needs_call_and_a_bare_constructor() -> None:
    class NoCall:
        pass

    class NeedsArgs:
        def __init__(self, model: str) -> None: ...

        def __call__(self, event: Any, context: Any) -> None: ...

    with pytest.raises(ConfigurationError, match="has no __call__"):
        App().function(NoCall)
    with pytest.raises(ConfigurationError, match="constructible with no arguments"):
        App().function(NeedsArgs)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"concurrency": 0}, "concurrency=0 is below the minimum of 1"),
        ({"region": "mars"}, "region='mars' is not allowed"),
        ({"account_id": "123"}, "account_id='123' is not allowed (allowed: 12 digits)"),
        ({"idle_timeout": 0}, "idle_timeout=0 must be more than 0 seconds"),
        ({"architecture": "ppc"}, "architecture='ppc'"),
    ],
)
def test_bad_app_settings_are_refused(options: dict[str, Any], expected: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        App("shop", **options)
    assert str(raised.value).startswith("App 'shop': ")
    assert expected in str(raised.value)
