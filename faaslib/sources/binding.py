"""How a trigger finds its function: the one its decorator registers, the one a decorator
below registered already (so one function has several triggers), or a registered function
named by its name (as a template binds its events to the functions it declared)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from faaslib.errors import ConfigurationError

if TYPE_CHECKING:
    from faaslib.config import FunctionConfig
    from faaslib.executor import Function

__all__ = ["FunctionBinding"]


class FunctionBinding:
    """The app's decorators' way to the function a trigger binds to."""

    _functions: dict[str, Function]
    _aliases: dict[tuple[str, str], str]  # (kind, a template's logical id) -> the name

    def _register(
        self,
        target: Any,
        options: Mapping[str, Any],
        check: Callable[[FunctionConfig], None] | None = None,
    ) -> Function:
        raise NotImplementedError

    def _function_for(
        self,
        target: Any,
        function_config: Mapping[str, Any],
        check: Callable[[FunctionConfig], None] | None = None,
    ) -> Function:
        """The function for `target`: registered now, or the one a decorator below registered,
        so that one function can have several triggers. `check` may refuse its configuration
        (before anything is registered). A str target is the name of a registered function:
        the trigger binds to it, and takes no function configuration."""
        if isinstance(target, str):
            return self._registered(target, function_config, check)
        name = function_config.get("name", getattr(target, "__name__", None))
        function = self._functions.get(name) if isinstance(name, str) else None
        if function is None or function.handler.target is not target:
            return self._register(target, function_config, check)
        if set(function_config) - {"name"}:
            raise ConfigurationError(
                f"function {name!r} is already registered by another decorator; give its "
                f"configuration ({', '.join(sorted(function_config))}) to one decorator only"
            )
        if check is not None:
            check(function.config)
        return function

    def _registered(
        self,
        name: str,
        function_config: Mapping[str, Any],
        check: Callable[[FunctionConfig], None] | None,
    ) -> Function:
        function = self._functions.get(self._aliases.get(("function", name), name))
        if function is None:
            known = ", ".join(sorted(self._functions)) or "none"
            raise ConfigurationError(
                f"no function {name!r} is registered to bind a trigger to (registered: {known})"
            )
        if function_config:
            raise ConfigurationError(
                f"function {name!r} is registered already: a trigger bound to it by name takes "
                f"no function configuration ({', '.join(sorted(function_config))})"
            )
        if check is not None:
            check(function.config)
        return function
