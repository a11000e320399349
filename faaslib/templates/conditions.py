"""A template's Conditions: named truths, computed once from the parameters, that decide which
resources exist and which branch of every `Fn::If` a deploy takes.

A condition is built from `Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not` and `Condition` (another
condition, by name); its operands may use `Ref` to parameters and pseudo parameters, and
`Fn::FindInMap`, `Fn::Sub`, `Fn::Join`, ... over them, but never a resource: CloudFormation
decides conditions before it creates anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from faaslib.templates.errors import TemplateError, child_path
from faaslib.templates.parameters import text_of

__all__ = ["CONDITION_FUNCTIONS", "Conditions"]

CONDITION_FUNCTIONS = frozenset({"Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Condition"})

Evaluate = Callable[[Any, str], Any]


class Conditions:
    """Every condition of a template, evaluated at construction (so a broken one fails the load,
    as it fails CloudFormation's validation, whether or not anything uses it)."""

    def __init__(self, definitions: Any, evaluate: Evaluate, *, path: str = "Conditions") -> None:
        if definitions is None:
            definitions = {}
        if not isinstance(definitions, dict):
            raise TemplateError(path, "Conditions must be a mapping of names to conditions")
        self._definitions: dict[str, Any] = definitions
        self._evaluate = evaluate
        self._path = path
        self._values: dict[str, bool] = {}
        self._in_progress: list[str] = []
        for name in definitions:
            self.value(name, child_path(path, name))

    def __contains__(self, name: object) -> bool:
        return name in self._definitions

    def value(self, name: Any, path: str) -> bool:
        """Whether condition `name` holds; `path` is where it is named (for the error when it is
        not defined)."""
        if not isinstance(name, str):
            raise TemplateError(path, f"a condition name must be text, not {name!r}")
        if name in self._values:
            return self._values[name]
        if name not in self._definitions:
            known = ", ".join(sorted(self._definitions)) or "none"
            raise TemplateError(path, f"no condition named {name!r} (Conditions: {known})")
        if name in self._in_progress:
            cycle = " -> ".join([*self._in_progress[self._in_progress.index(name) :], name])
            raise TemplateError(
                child_path(self._path, name), f"conditions refer in a circle: {cycle}"
            )
        self._in_progress.append(name)
        try:
            result = self.truth(self._definitions[name], child_path(self._path, name))
        finally:
            self._in_progress.pop()
        self._values[name] = result
        return result

    def truth(self, expression: Any, path: str) -> bool:
        """The truth of one condition function (`{"Fn::Equals": [...]}`, ...) at `path`."""
        if not (isinstance(expression, dict) and len(expression) == 1):
            raise TemplateError(
                path,
                "a condition must be one of Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition, "
                f"not {expression!r}",
            )
        ((function, argument),) = expression.items()
        where = child_path(path, function)
        if function == "Condition":
            return self.value(argument, where)
        if function == "Fn::Equals":
            left, right = _operands(argument, where, count=(2, 2), function=function)
            left_value = _comparable(self._evaluate(left, child_path(where, 0)), where)
            right_value = _comparable(self._evaluate(right, child_path(where, 1)), where)
            return bool(left_value == right_value)
        if function == "Fn::Not":
            (operand,) = _operands(argument, where, count=(1, 1), function=function)
            return not self.truth(operand, child_path(where, 0))
        if function in ("Fn::And", "Fn::Or"):
            operands = _operands(argument, where, count=(2, 10), function=function)
            # Every operand is evaluated, as CloudFormation validates each of them.
            truths = [self.truth(each, child_path(where, i)) for i, each in enumerate(operands)]
            return all(truths) if function == "Fn::And" else any(truths)
        raise TemplateError(
            path,
            f"{function} is not a condition function (Fn::Equals, Fn::And, Fn::Or, Fn::Not, "
            "Condition)",
        )


def _operands(argument: Any, path: str, *, count: tuple[int, int], function: str) -> list[Any]:
    low, high = count
    if not isinstance(argument, list) or not low <= len(argument) <= high:
        size = str(low) if low == high else f"{low} to {high}"
        raise TemplateError(path, f"{function} takes a list of {size} items, not {argument!r}")
    return argument


def _comparable(value: Any, path: str) -> Any:
    # Fn::Equals compares values as CloudFormation sees them, as text: 5 equals "5".
    if isinstance(value, list):
        return [_comparable(item, path) for item in value]
    try:
        return text_of(value)
    except TypeError:
        raise TemplateError(path, f"Fn::Equals compares text or lists, not {value!r}") from None
