"""The invoker as sources see it, and the Invoke API's client context."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from faaslib.asyncq.store import QueuedEvent
from faaslib.context import ClientContext
from faaslib.errors import (
    InvalidParameterValue,
    InvalidRequestContent,
)
from faaslib.executor.runner import DecodedEvent
from faaslib.invoke import (
    MAX_CLIENT_CONTEXT_BYTES,
    InvocationResult,
    within_sync_limit,
)
from faaslib.payloads import encode_json, from_document, to_document

if TYPE_CHECKING:
    from faaslib.app.application import App

__all__ = ["SourceInvoker", "read_client_context"]


class SourceInvoker:
    """The invoker as sources see it: a source's event goes through the same limits and queue
    as any caller's, without the Invoke API's options."""

    __slots__ = ("_app",)

    def __init__(self, app: App) -> None:
        self._app = app

    async def invoke(self, function: str, event: Any) -> InvocationResult:
        target = self._app._function(function)
        if type(event) is DecodedEvent:  # sized by its maker (the HTTP front door)
            return await self._app._runner.run(target, event, target.arn, None, False)
        request = within_sync_limit(_source_request(event, function), function)
        return await self._app._runner.run(target, request, target.arn, None, False)

    def invoke_event(self, function: str, event: Any) -> None:  # `queue_event`, a frame less
        self._app._events.put(self._app._function(function), _source_request(event, function))

    def queue_event(self, function: str, event: Any) -> object:
        return self._app._events.put(
            self._app._function(function), _source_request(event, function)
        )

    def withdraw_event(self, handle: object) -> bool:
        return isinstance(handle, QueuedEvent) and self._app._events.withdraw(handle)


def _source_request(event: Any, function: str) -> bytes:
    """A source's event as the request body. Its parts passed their own door (a message, a
    Detail at most `MAX_DEPTH` deep), so the envelope around them is not held to that limit
    again: what a source accepted is delivered."""
    if isinstance(event, bytes):  # encoded by the source itself: no need to parse it again
        return event
    try:
        return encode_json(event)
    except (TypeError, ValueError, OverflowError, RecursionError) as error:
        raise InvalidRequestContent(
            f"function {function!r}: the source's event cannot be encoded as JSON: {error}",
            function_name=function,
        ) from None


def read_client_context(value: Mapping[str, Any] | str, function_name: str) -> ClientContext:
    """The client context as Lambda takes it: a JSON object, at most 3,583 bytes in base64."""
    try:
        if isinstance(value, str):
            problem = "is not base64-encoded JSON"
            encoded = value
            data = from_document(base64.b64decode(value, validate=True))
        else:
            problem = "cannot be encoded as JSON"
            data = value
            encoded = base64.b64encode(to_document(value)).decode("ascii")
    except ValueError as error:  # binascii.Error, PayloadError, non-ASCII base64 text
        raise InvalidRequestContent(
            f"function {function_name!r}: client_context {problem}: {error}",
            function_name=function_name,
        ) from None
    if not isinstance(data, Mapping):
        raise InvalidRequestContent(
            f"function {function_name!r}: client_context must be a JSON object",
            function_name=function_name,
        )
    if len(encoded) > MAX_CLIENT_CONTEXT_BYTES:
        raise InvalidParameterValue(
            f"function {function_name!r}: client_context is {len(encoded):,} bytes in base64, "
            f"over the limit of {MAX_CLIENT_CONTEXT_BYTES:,}",
            function_name=function_name,
        )
    return ClientContext(data)
