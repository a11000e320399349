"""Options that would fail late are refused at construction, and a start that fails leaves the
app startable (item 8 of the hardening issue)."""

from __future__ import annotations

from typing import Any

import pytest

from faaslib import App, ConfigurationError, InvalidParameterValue, ResourceNotFound


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"clock": 5}, "clock=5 is not a clock"),
        ({"prices": "x"}, "prices='x' is not a faaslib.billing.PriceCatalog"),
        ({"wait_for_provisioned": "no"}, "wait_for_provisioned='no' must be True or False"),
        ({"budget": 1, "on_budget_exceeded": 5}, "on_budget_exceeded=5 must be callable"),
        ({"budget": 1, "throttle_over_budget": "yes"}, "throttle_over_budget='yes' must be"),
    ],
)
def test_app_options_are_checked_at_construction(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        App(**options)


@pytest.mark.parametrize(
    ("value", "message"),
    [("a\x00b", "holds a NUL character"), ("report-\udcff", "holds a lone surrogate")],
)
def test_environment_values_no_process_could_hold_are_refused(value: str, message: str) -> None:
    app = App()
    with pytest.raises(ConfigurationError, match=message):
        app.function(name="f", environment={"K": value})(lambda event, context: None)
    assert app.functions == ()


@pytest.mark.anyio
async def test_a_failed_start_leaves_the_app_startable(monkeypatch: pytest.MonkeyPatch) -> None:
    app = App()
    app.function(name="f")(lambda event, context: "ok")
    calls = []

    def failing() -> None:
        calls.append(1)
        raise OSError("environment refused")

    monkeypatch.setattr(app, "_apply_environment", failing)
    with pytest.raises(OSError, match="environment refused"):
        async with app:
            pass
    monkeypatch.undo()
    async with app:  # not "already running"
        assert await app.call("f") == "ok"
    assert calls == [1]


@pytest.mark.anyio
@pytest.mark.parametrize("name", [5, None, ["a"], {"a": 1}, b"f"])
async def test_a_function_name_that_is_not_a_string_is_an_invalid_parameter(name: Any) -> None:
    app = App()
    app.function(name="f")(lambda event, context: "ok")
    with pytest.raises(InvalidParameterValue, match="the function name must be a string"):
        await app.invoke(name)
    with pytest.raises(ResourceNotFound):
        await app.invoke("g")
