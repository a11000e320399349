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
from decimal import Decimal
from typing import Any

import msgspec

from faaslib.errors import ConfigurationError

__all__ = ["HandlerSpec", "is_async_handler", "resolve_handler"]


class HandlerSpec:
    """How to create an instance's handler and how to call it.

    `is_class` says whether creating an instance runs user code (the class's `__init__`);
    `is_async` whether the handler is awaited on the loop or run in a worker thread;
    `convert` turns the decoded event into the type the handler's annotation asks for;
    `is_typed` says whether the handler's annotations (a typed event, or a Struct or model
    returned) opt it in to msgspec's encoding of what it returns.
    """

    __slots__ = ("convert", "is_async", "is_class", "is_typed", "name", "target")

    def __init__(
        self,
        target: Callable[..., Any],
        is_class: bool,
        is_async: bool,
        convert: Callable[[Any], Any] | None = None,
        is_typed: bool = False,
        name: str | None = None,
    ) -> None:
        self.target = target
        self.name = name  # Lambda's `Handler` setting, when the function was given one
        self.is_class = is_class
        self.is_async = is_async
        self.convert = convert
        self.is_typed = is_typed or convert is not None

    def bind(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        """The callable an instance runs per event: `handler` itself, or, for a typed event,
        `handler` behind its conversion (inside the invocation, so a bad event is the
        function's error, billed and logged as Lambda would)."""
        if not self.is_typed:
            return handler
        convert = self.convert or _unchanged
        if self.is_async:

            async def typed_async(event: Any, context: Any) -> Any:
                return _as_builtins(await handler(convert(event), context))

            return typed_async

        def typed(event: Any, context: Any) -> Any:
            return _as_builtins(handler(convert(event), context))

        return typed


def _unchanged(event: Any) -> Any:
    return event


def _as_builtins(value: Any) -> Any:
    """A typed handler's result in plain JSON types, as msgspec encodes them: Structs, pydantic
    models, dataclasses, datetimes, sets... A typed handler opts in to this by its annotation;
    any other handler's result is marshalled exactly as Lambda's Python runtime does it, which
    refuses them."""
    try:
        return msgspec.to_builtins(value, builtin_types=(Decimal,), enc_hook=_encode_model)
    except (TypeError, ValueError, OverflowError, RecursionError):
        return value  # left for the runtime's marshaller to refuse, with its message


def _encode_model(value: Any) -> Any:
    pydantic = sys.modules.get("pydantic")  # imported already if the value is a model
    if pydantic is not None and isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


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
        return HandlerSpec(
            target,
            True,
            is_async_handler(call),
            convert,
            _returns_model(call, function_name, shown),
        )
    if not callable(target):
        raise ConfigurationError(
            f"function {function_name!r}: the handler must be callable, not {type(target).__name__}"
        )
    shown = _describe(target)
    _check_takes_event_and_context(target, function_name, shown, 0)
    convert = _event_converter(target, function_name, shown, 0)
    return HandlerSpec(
        target,
        False,
        is_async_handler(target),
        convert,
        _returns_model(target, function_name, shown),
    )


def is_async_handler(target: Any) -> bool:
    """Whether calling `target(event, context)` returns an awaitable to run on the loop."""
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
    try:
        annotation = _annotation(target, event.annotation)
    except Exception as error:
        raise ConfigurationError(
            f"function {function_name!r}: cannot resolve the annotation {event.annotation!r} of "
            f"{shown}'s {event.name!r} parameter ({type(error).__name__}: {error}); "
            "import the type at module level so faaslib can convert the event to it"
        ) from None
    if annotation is inspect.Parameter.empty:
        return None
    from faaslib.events.convert import event_converter

    return event_converter(annotation)


def _returns_model(target: Any, function_name: str, shown: str) -> bool:
    """Whether the return annotation names a msgspec Struct or a pydantic model."""
    try:
        returned = inspect.signature(target).return_annotation
    except (TypeError, ValueError):
        return False
    try:
        annotation = _annotation(target, returned)
    except Exception:  # a type imported only for type checkers: not an opt-in
        return False
    if not inspect.isclass(annotation):
        return False
    pydantic = sys.modules.get("pydantic")
    bases: tuple[type, ...] = (msgspec.Struct,)
    if pydantic is not None:
        bases += (pydantic.BaseModel,)
    return issubclass(annotation, bases)


def _annotation(target: Any, annotation: Any) -> Any:
    """An annotation's value; a string one (`from __future__ import annotations`) is resolved
    in the handler's module (raising what resolving it raises)."""
    if not isinstance(annotation, str):
        return annotation
    function = inspect.unwrap(getattr(target, "__func__", target))
    namespace = getattr(function, "__globals__", None)
    if namespace is None:
        namespace = vars(sys.modules.get(type(target).__module__, builtins))
    return eval(annotation, dict(namespace))


def _describe(target: Any) -> str:
    return str(getattr(target, "__qualname__", None) or type(target).__name__)
