"""Typed handler input and output: a handler annotating its event with an faaslib event, a
msgspec Struct or a pydantic model receives one; a bad event is the function's error, naming the
field; Structs and models returned are encoded.

This module uses `from __future__ import annotations`, so every annotation here is a string that
registration has to resolve, as in most user code.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import msgspec
import pydantic
import pytest

from faaslib import App, ConfigurationError, Context
from faaslib.events import SQSEvent, build

if TYPE_CHECKING:
    from faaslib.events import S3Event

pytestmark = pytest.mark.anyio


class Order(pydantic.BaseModel):
    id: int
    items: list[str]


class Point(msgspec.Struct):
    x: int
    label: str = "origin"


async def test_a_handler_annotated_with_an_event_type_receives_it(app: App) -> None:
    @app.function
    def count(event: SQSEvent, context: Context) -> list[str]:
        return [record.body for record in event.records if isinstance(record.body, str)]

    assert await app.call("count", build.sqs("a", "b")) == ["a", "b"]


async def test_a_handler_annotated_with_a_struct_receives_one(app: App) -> None:
    @app.function
    async def double(event: Point, context: Context) -> int:
        assert isinstance(event, Point)
        return event.x * 2

    assert await app.call("double", {"x": 21}) == 42


async def test_a_handler_annotated_with_a_pydantic_model_receives_one(app: App) -> None:
    @app.function
    def total(event: Order, context: Context) -> int:
        assert isinstance(event, Order)
        return event.id + len(event.items)

    assert await app.call("total", {"id": 1, "items": ["a", "b"]}) == 3


async def test_a_class_handler_gets_its_event_converted_on_every_instance(app: App) -> None:
    @app.function
    class Scale:
        def __init__(self) -> None:
            self.factor = 3

        def __call__(self, event: Point, context: Context) -> int:
            return event.x * self.factor

    assert await app.call("Scale", {"x": 2}) == 6
    assert await app.call("Scale", {"x": 5}) == 15


async def test_a_handler_without_a_type_annotation_gets_the_plain_json(app: App) -> None:
    received: list[Any] = []

    @app.function
    def plain(event: dict[str, Any], context: Context) -> None:
        received.append(event)

    await app.invoke("plain", {"x": 1})
    assert received == [{"x": 1}]


BAD_EVENTS = {
    "event": (SQSEvent, {"Records": [{"body": 5}]},
              r"SQSEvent: Expected `str`, got `int` - at `\$.Records\[0\].body`"),
    "struct-type": (Point, {"x": "1"}, r"Point: Expected `int`, got `str` - at `\$.x`"),
    "struct-missing": (Point, {}, r"Point: Object missing required field `x`"),
    "model-item": (Order, {"id": 1, "items": [2]},
                   r"Order: Input should be a valid string - at `\$.items\[0\]`"),
    "model-not-an-object": (Order, [1],
                            r"Order: Input should be a valid dictionary or instance of Order"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("annotation", "payload", "message"), list(BAD_EVENTS.values()), ids=list(BAD_EVENTS)
)
async def test_an_event_of_the_wrong_shape_is_a_function_error_naming_the_field(
    app: App, annotation: type, payload: Any, message: str
) -> None:
    ran: list[Any] = []

    def strict(event: Any, context: Context) -> None:
        ran.append(event)

    strict.__annotations__["event"] = annotation
    app.function(strict)
    result = await app.invoke("strict", payload)

    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "EventValidationError"
    assert re.search(message, result.payload["errorMessage"]), result.payload["errorMessage"]
    assert ran == []  # the handler never saw the bad event
    assert await app.call("strict", {"x": 1} if annotation is Point else _valid(annotation)) is None


def _valid(annotation: type) -> Any:
    return {"Records": []} if annotation is SQSEvent else {"id": 1, "items": []}


async def test_a_bad_event_on_an_async_handler_is_a_function_error_too(app: App) -> None:
    @app.function
    async def typed(event: Point, context: Context) -> int:
        return event.x

    result = await app.invoke("typed", {"x": None})
    assert result.function_error == "Unhandled"
    assert result.payload["errorMessage"] == "Point: Expected `int`, got `null` - at `$.x`"
    assert await app.call("typed", {"x": 4}) == 4


async def test_returned_structs_and_models_are_encoded_as_json(app: App) -> None:
    @app.function
    def struct(event: Any, context: Context) -> Point:
        return Point(x=1)

    @app.function
    async def model(event: Any, context: Context) -> Order:
        return Order(id=2, items=["a"])

    @app.function
    def built(event: Any, context: Context) -> SQSEvent:
        return build.sqs("hi", queue="orders")

    assert await app.call("struct") == {"x": 1, "label": "origin"}
    assert await app.call("model") == {"id": 2, "items": ["a"]}
    records = (await app.call("built"))["Records"]
    assert records[0]["body"] == "hi"
    assert records[0]["eventSourceARN"].endswith(":orders")
    assert "md5OfMessageAttributes" not in records[0]  # UNSET fields are left out


async def test_a_model_that_cannot_be_encoded_is_still_a_marshal_error(app: App) -> None:
    @app.function
    def odd(event: Any, context: Context) -> object:
        return object()

    result = await app.invoke("odd")
    assert result.payload["errorType"] == "Runtime.MarshalError"
    assert "Object of type object is not JSON serializable" in result.payload["errorMessage"]


def test_an_annotation_that_cannot_be_resolved_is_refused_at_registration() -> None:
    app = App()

    def handler(event: S3Event, context: Context) -> None:  # S3Event: only for type checkers
        return None

    with pytest.raises(
        ConfigurationError,
        match=r"function 'handler': cannot resolve the annotation 'S3Event' of .*handler's "
        r"'event' parameter \(NameError",
    ):
        app.function(handler)
