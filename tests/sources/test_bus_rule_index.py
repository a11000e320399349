"""An event bus finds its rules by name through an index kept beside its ordered list (adding N
rules used to cost N², each name looked up in the list): random sequences of PutRule,
PutTargets, RemoveTargets and DeleteRule keep the two in step, as a model of EventBridge's
rules says they must be."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import App, ConfigurationError, Context
from faaslib.patterns import compile_pattern
from faaslib.sources.bus import BusError, EventBus, RuleTarget

NAMES = ["a", "b", "c", "d"]
OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["put_rule", "add_rule", "put_target", "remove_target", "remove_rule"]),
        st.sampled_from(NAMES),
        st.sampled_from(["1", "2"]),
    ),
    max_size=40,
)


def deliver(event: dict[str, Any]) -> None: ...


@settings(max_examples=200, deadline=None)
@given(operations=OPERATIONS)
def test_rules_by_name_follow_every_change(operations: list[tuple[str, str, str]]) -> None:
    bus = EventBus("orders")
    model: dict[str, set[str]] = {}  # rule name -> target ids, in the order rules were made
    pattern = compile_pattern({"source": ["shop"]})
    for operation, name, target in operations:
        if operation == "put_rule":
            bus.put_rule(name, pattern)
            model.setdefault(name, set())
        elif operation == "add_rule":
            if name in model:
                with pytest.raises(ConfigurationError, match="already exists"):
                    bus.add_rule(name, pattern, deliver)
            else:
                bus.add_rule(name, pattern, deliver, target_name=target)
                model[name] = {target}
        elif operation == "put_target":
            if name not in model:
                with pytest.raises(BusError):
                    bus.put_target(name, RuleTarget(id=target, arn="", deliver=deliver))
            else:
                bus.put_target(name, RuleTarget(id=target, arn="", deliver=deliver))
                model[name].add(target)
        elif operation == "remove_target":
            if name not in model or target not in model[name]:
                with pytest.raises(BusError):
                    bus.remove_target(name, target)
            else:
                bus.remove_target(name, target)
                model[name].discard(target)
        elif name not in model or model[name]:
            with pytest.raises(BusError):
                bus.remove_rule(name)
        else:
            bus.remove_rule(name)
            del model[name]
        assert [rule.name for rule in bus.rules] == list(model)
        for candidate in NAMES:
            found = bus.rule(candidate)
            listed = [rule for rule in bus.rules if rule.name == candidate]
            assert (found is None and not listed) or [found] == listed
            if found is not None:
                assert set(found.targets) == model[candidate]
    delivered: list[str] = []
    for rule in bus.rules:
        for target_id in list(rule.targets):
            bus.put_target(
                rule.name,
                RuleTarget(
                    id=target_id, arn="", deliver=lambda e, n=rule.name: delivered.append(n)
                ),
            )
    anyio.run(bus.put_events, [{"Source": "shop", "DetailType": "t", "Detail": "{}"}])
    # each matching rule with targets gets the event once per target, in the order made
    assert delivered == [name for name, targets in model.items() for _ in targets]


def test_a_functions_rules_are_numbered_by_its_triggers() -> None:
    """A rule named after its function counts the function's triggers, whether the function is
    new, had a trigger already, or is bound by name."""
    app = App()

    def work(event: Any, context: Context) -> None: ...

    app.on_event({"source": ["a"]})(app.on_event({"source": ["b"]})(work))
    app.on_schedule("rate(1 minute)")(work)
    app.on_event({"source": ["c"]})("work")
    app.on_event({"source": ["d"]}, name="other")(work)
    assert [rule.name for rule in app.bus().rules] == ["work-1", "work-2", "work-4", "other-1"]
    with pytest.raises(ConfigurationError, match="already has a rule of that name"):
        app.on_event({"source": ["e"]}, rule="work-2", name="third")(work)
    assert "third" not in app.functions
