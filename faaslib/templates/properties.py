"""Reading one resource's properties: each evaluated when it is read, typed as CloudFormation
types it, and every property that was not read reported afterwards.

CloudFormation takes `"true"` for a Boolean and `"10"` for an Integer (a parameter's value is
always text), so the readers accept both spellings; anything else is a `TemplateError` naming
the property's path. Evaluating only what is read matters: a function's `Policies` may name
any resource in the account, and faaslib never needs to resolve them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, overload

from faaslib.templates.errors import TemplateError, child_path

if TYPE_CHECKING:
    from faaslib.templates.intrinsics import Scope

__all__ = ["Properties", "as_bool", "as_int", "as_number"]


def as_bool(value: Any, path: str) -> bool:
    """A CloudFormation Boolean: true/false, or their text in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TemplateError(path, f"{value!r} is not a Boolean (true or false)")


def as_int(value: Any, path: str) -> int:
    """A CloudFormation Integer: a whole number, or its text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise TemplateError(path, f"{value!r} is not an Integer")


def as_number(value: Any, path: str) -> int | float:
    """A CloudFormation Double (or Integer): a number, or its text."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            pass
        else:
            return int(number) if number.is_integer() else number
    raise TemplateError(path, f"{value!r} is not a number")


class Properties:
    """One resource's (or one event's) properties, read one by one.

    ```pycon
    >>> properties = Properties(resource["Properties"], "Resources.Queue.Properties", scope)
    >>> properties.integer("VisibilityTimeout", 30)
    >>> properties.unread()     # the properties nothing asked for
    ```
    """

    def __init__(self, raw: Any, path: str, scope: Scope) -> None:
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise TemplateError(path, f"must be a mapping of properties, not {raw!r:.60}")
        self.raw: Mapping[str, Any] = raw
        self.path = path
        self.scope = scope
        self._read: set[str] = set()

    def has(self, key: str) -> bool:
        """Whether the template gives `key` (its value may still evaluate to AWS::NoValue)."""
        return self.raw.get(key) is not None

    def path_of(self, key: str) -> str:
        """The template path of property `key`."""
        return child_path(self.path, key)

    def get(self, key: str, default: Any = None) -> Any:
        """Property `key`, evaluated (every intrinsic resolved), or `default`."""
        self._read.add(key)
        raw = self.raw.get(key)
        if raw is None:
            return default
        value = self.scope.evaluate(raw, self.path_of(key))
        return default if value is None else value

    def ignore(self, *keys: str) -> None:
        """Mark `keys` as read without evaluating them (what faaslib knows and needs not)."""
        self._read.update(keys)

    def text(self, key: str, default: str | None = None) -> str | None:
        """Property `key` as a String (a number is taken as its text, as CloudFormation does)."""
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        raise TemplateError(self.path_of(key), f"{value!r:.60} is not a String")

    def boolean(self, key: str, default: bool) -> bool:
        """Property `key` as a Boolean."""
        value = self.get(key)
        return default if value is None else as_bool(value, self.path_of(key))

    @overload
    def integer(self, key: str, default: int) -> int: ...

    @overload
    def integer(self, key: str, default: None = None) -> int | None: ...

    def integer(self, key: str, default: int | None = None) -> int | None:
        """Property `key` as an Integer."""
        value = self.get(key)
        return default if value is None else as_int(value, self.path_of(key))

    def number(self, key: str, default: float | None = None) -> int | float | None:
        """Property `key` as a number (seconds may have a fraction in faaslib)."""
        value = self.get(key)
        return default if value is None else as_number(value, self.path_of(key))

    def mapping(self, key: str) -> Mapping[str, Any]:
        """Property `key` as a mapping ({} when absent)."""
        value = self.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise TemplateError(self.path_of(key), f"{value!r:.60} is not a mapping")
        return value

    def items(self, key: str) -> list[Any]:
        """Property `key` as a List ([] when absent; a single value is a list of one)."""
        value = self.get(key)
        if value is None:
            return []
        return list(value) if isinstance(value, list | tuple) else [value]

    def child(self, key: str) -> Properties:
        """Property `key`'s own properties, read the same way (not evaluated as a whole)."""
        self._read.add(key)
        raw = self.raw.get(key)
        if isinstance(raw, Mapping) and len(raw) == 1 and _is_intrinsic(next(iter(raw))):
            raw = self.scope.evaluate(raw, self.path_of(key))  # Fn::If of two mappings, ...
        return Properties(raw, self.path_of(key), self.scope)

    def unread(self) -> list[str]:
        """The properties given that nothing read, in the template's order."""
        return [key for key in self.raw if key not in self._read]


def _is_intrinsic(key: object) -> bool:
    return key == "Ref" or key == "Condition" or (isinstance(key, str) and key.startswith("Fn::"))
