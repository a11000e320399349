"""What kind of handler the user registered, decided once at registration.

Three kinds run unchanged: `def handler(event, context)`, `async def handler(event, context)`, and
a class whose `__init__()` is the per-instance init phase and whose `__call__(event, context)`,
sync or async, handles each event. Deciding here keeps the invoke path free of inspection.
"""

from __future__ import annotations

import builtins
import inspect
import sys
from collections.abc import Callable
from typing import Any

from faaslib.errors import ConfigurationError

__all__ = ["HandlerSpec", "resolve_handler"]


class HandlerSpec:
    """How to create an instance's handler and how to call it.

    `is_class` says whether creating an instance runs user code (the class's `__init__`);
    `is_async` whether the handler is awaited on the loop or run in a worker thread;
    `convert` turns the decoded event into the type the handler's annotation asks for.
    """

    __slots__ = ("convert", "is_async", "is_class", "target")

    def __init__(
        self,
        target: Callable[..., Any],
        is_class: bool,
        is_async: bool,
        convert: Callable[[Any], Any] | None = None,
    ) -> None:
        self.target = target
        self.is_class = is_class
        self.is_async = is_async
        self.convert = convert

    def bind(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        """The callable an instance runs per event: `handler` itself, or, for a typed event,
        `handler` behind its conversion (inside the invocation, so a bad event is the
        function's error, billed and logged as Lambda would)."""
        convert = self.convert
        if convert is None:
            return handler
        if self.is_async:

            async def typed_async(event: Any, context: Any) -> Any:
                return await handler(convert(event), context)

            return typed_async

        def typed(event: Any, context: Any) -> Any:
            return handler(convert(event), context)

        return typed


def resolve_handler(target: Any, function_name: str) -> HandlerSpec:
    """Classify `target`, refusing what Lambda could not call as `handler(event, context)`."""
    if inspect.isclass(target):
        # The instances' __call__, looked up on the class (not the metaclass's __call__).
        call = next(
            (vars(base)["__call__"] for base in target.__mro__[:-1] if "__call__" in vars(base)),
            None,
        )
        if call is None:
            raise ConfigurationError(
                f"function {function_name!r}: class {target.__name__} has no "
                "__call__(self, event, context) method to handle events"
            )
        shown = f"{target.__name__}.__call__"
        _check_takes_event_and_context(call, function_name, shown, 1)
        try:
            inspect.signature(target).bind()
        except TypeError:
            raise ConfigurationError(
                f"function {function_name!r}: class {target.__name__} must be constructible "
                "with no arguments; its __init__ is the init phase of each instance"
            ) from None
        except ValueError:  # no signature to inspect (a builtin): let the call decide
            pass
        convert = _event_converter(call, function_name, shown, 1)
        return HandlerSpec(target, is_class=True, is_async=_is_async(call), convert=convert)
    if not callable(target):
        raise ConfigurationError(
            f"function {function_name!r}: the handler must be callable, not {type(target).__name__}"
        )
    shown = _describe(target)
    _check_takes_event_and_context(target, function_name, shown, 0)
    convert = _event_converter(target, function_name, shown, 0)
    return HandlerSpec(target, is_class=False, is_async=_is_async(target), convert=convert)


def _is_async(target: Any) -> bool:
    if inspect.iscoroutinefunction(target):
        return True
    call = getattr(target, "__call__", None)  # noqa: B004 - callable objects
    return call is not None and inspect.iscoroutinefunction(call)


def _check_takes_event_and_context(target: Any, function_name: str, shown: str, bound: int) -> None:
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return
    arguments = [object()] * (bound + 2)
    try:
        signature.bind(*arguments)
    except TypeError:
        raise ConfigurationError(
            f"function {function_name!r}: {shown}{signature} must take (event, context), "
            "the signature Lambda calls handlers with"
        ) from None


def _event_converter(
    target: Any, function_name: str, shown: str, bound: int
) -> Callable[[Any], Any] | None:
    """The conversion the event parameter's annotation asks for (see faaslib.events.convert)."""
    try:
        parameters = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        return None
    if len(parameters) <= bound:
        return None
    event = parameters[bound]
    annotation = event.annotation
    if annotation is inspect.Parameter.empty:
        return None
    if isinstance(annotation, str):  # `from __future__ import annotations`
        function = inspect.unwrap(getattr(target, "__func__", target))
        namespace = getattr(function, "__globals__", None)
        if namespace is None:
            namespace = vars(sys.modules.get(type(target).__module__, builtins))
        try:
            annotation = eval(annotation, dict(namespace))
        except Exception as error:
            raise ConfigurationError(
                f"function {function_name!r}: cannot resolve the annotation {annotation!r} of "
                f"{shown}'s {event.name!r} parameter ({type(error).__name__}: {error}); "
                "import the type at module level so faaslib can convert the event to it"
            ) from None
    from faaslib.events.convert import event_converter

    return event_converter(annotation)


def _describe(target: Any) -> str:
    return str(getattr(target, "__qualname__", None) or type(target).__name__)
