"""What a caller sends is refused at the door with faaslib's errors, never a raw Python one.

Issue 16, item 3: payloads with lone surrogates, NaN or infinite Decimals, self-references,
nesting past faaslib's limit of 512, bytes that are not UTF-8 or not JSON; a function name that
is not a string; a client context that is not a JSON object or cannot be encoded. Each is an
`InvocationError` (400 `InvalidRequestContent` or `InvalidParameterValue`) naming the problem.
Then hypothesis throws generated hostile payloads and handler results at `invoke` and `call`.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faaslib import (
    App,
    Context,
    FunctionError,
    InvalidParameterValue,
    InvalidRequestContent,
    InvocationError,
    InvocationResult,
    ResourceNotFound,
)

pytestmark = pytest.mark.anyio


def echo(event: Any, context: Context) -> Any:
    return event


async def answer_or_refusal(call: Awaitable[Any]) -> Any:
    """What `call` answers, or the `InvocationError` or `FunctionError` it raises; any other
    exception escapes, failing the property."""
    try:
        return await call
    except (InvocationError, FunctionError) as error:
        return error


def nested_list(depth: int) -> list[Any]:
    """A list whose arrays nest `depth` levels deep (`[]` is 1)."""
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def self_referencing_list() -> list[Any]:
    value: list[Any] = [1]
    value.append(value)
    return value


def self_referencing_dict() -> dict[str, Any]:
    value: dict[str, Any] = {"a": 1}
    value["self"] = {"again": value}
    return value


# name -> (payload, words the error's message holds)
REFUSED_PAYLOADS: dict[str, tuple[Callable[[], Any], str]] = {
    "surrogate_value": (lambda: {"file": "report-\udcff.csv"}, "lone surrogate"),
    "surrogate_key": (lambda: {"\ud800": 1}, "lone surrogate"),
    "surrogate_alone": (lambda: "\udfff", "lone surrogate"),
    "decimal_nan": (lambda: {"price": Decimal("NaN")}, "Decimal"),
    "decimal_snan": (lambda: [Decimal("sNaN")], "Decimal"),
    "decimal_infinity": (lambda: {"price": Decimal("Infinity")}, "Decimal"),
    "decimal_minus_infinity": (lambda: Decimal("-Infinity"), "Decimal"),
    "self_referencing_list": (self_referencing_list, "contains itself"),
    "self_referencing_dict": (self_referencing_dict, "contains itself"),
    "list_depth_513": (lambda: nested_list(513), "512"),
    "list_depth_2000": (lambda: nested_list(2000), "512"),
    "dict_depth_513": (lambda: {"a": nested_list(512)}, "512"),
    "bytes_depth_513": (lambda: b"[" * 513 + b"]" * 513, "512"),
    "bytes_depth_100000": (lambda: b"[" * 100_000 + b"]" * 100_000, "512"),
    "bytes_objects_depth_513": (lambda: b'{"a":' * 513 + b"1" + b"}" * 513, "512"),
    "bytes_invalid_utf8": (lambda: b'{"name": "\xff\xfe"}', "not JSON"),
    "bytes_lone_surrogate_utf8": (lambda: b'"\xed\xa0\x80"', "not JSON"),
    "bytes_not_json": (lambda: b"{nope", "not JSON"),
    "bytes_empty": (lambda: b"", "not JSON"),
    "bytes_trailing": (lambda: b"{} {}", "not JSON"),
    "object": (object, "not JSON serializable"),
}


@pytest.mark.parametrize("case", sorted(REFUSED_PAYLOADS))
@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event"])
async def test_a_hostile_payload_is_refused_at_the_door(
    app: App, case: str, invocation_type: str
) -> None:
    runs: list[Any] = []

    @app.function
    def handler(event: Any, context: Context) -> None:
        runs.append(event)

    make, words = REFUSED_PAYLOADS[case]
    async with app:
        with pytest.raises(InvalidRequestContent) as raised:
            await app.invoke("handler", make(), invocation_type=invocation_type)  # type: ignore[arg-type]
        with pytest.raises(InvalidRequestContent):
            await app.call("handler", make(), invocation_type=invocation_type)
        assert app.pending_events() == []
    error = raised.value
    assert (error.status_code, error.error_code) == (400, "InvalidRequestContentException")
    assert words in error.message
    assert "'handler'" in error.message
    assert error.function_name == "handler"
    assert runs == []
    metrics = app.metrics("handler")
    assert (metrics["Invocations"], metrics["AsyncEventsReceived"]) == (0, 0)
    assert await app.call("handler", {"fine": True}) is None  # the app still serves


@pytest.mark.parametrize(
    "payload",
    [
        nested_list(512),
        b"[" * 512 + b"]" * 512,
        {"k": nested_list(511)},
        "\u00e9\U0001f600 text",
        b'"\\ud83d\\ude00"',  # an escaped surrogate pair is one character
        10**400,
        Decimal("1.10"),
        float("inf"),
        b"   {}  ",
    ],
    ids=[
        "list_depth_512",
        "bytes_depth_512",
        "dict_depth_512",
        "unicode",
        "escaped_pair",
        "big_int",
        "decimal",
        "float_infinity",
        "whitespace",
    ],
)
async def test_a_payload_within_the_rules_is_accepted(app: App, payload: Any) -> None:
    app.function(echo)
    result = await app.invoke("echo", payload)
    assert (result.status_code, result.function_error) == (200, None)
    assert result.raw_payload is not None
    assert result.payload is not None or result.raw_payload == b"null"


BEYOND_FLOATS = [Decimal("1e400"), {"x": Decimal("-1e309")}, [Decimal("1E+99999")]]
# Valid JSON numbers, which Python's runtime reads as infinite floats (simplejson's float())
AS_THE_RUNTIME_READS_THEM = [math.inf, {"x": -math.inf}, [math.inf]]


@pytest.mark.parametrize(
    ("payload", "event"),
    list(zip(BEYOND_FLOATS, AS_THE_RUNTIME_READS_THEM, strict=True)),
    ids=["1e400", "minus_1e309", "1e99999"],
)
async def test_a_number_beyond_float_range_reaches_the_handler_as_the_runtime_reads_it(
    app: App, payload: Any, event: Any
) -> None:
    app.function(echo)
    answer = await app.invoke("echo", payload)
    assert (answer.status_code, answer.function_error) == (200, None)
    assert answer.payload == event
    assert await app.call("echo", {"fine": 1}) == {"fine": 1}


@pytest.mark.parametrize("payload", BEYOND_FLOATS, ids=["1e400", "minus_1e309", "1e99999"])
async def test_a_number_beyond_float_range_sent_as_event_is_run_and_recorded(
    app: App, payload: Any
) -> None:
    records: list[dict[str, Any]] = []

    @app.function(maximum_retry_attempts=0, on_success=records.append, on_failure=records.append)
    def handler(event: Any, context: Context) -> str:
        return "done"

    async with app:
        answer = await answer_or_refusal(app.invoke("handler", payload, invocation_type="Event"))
        await app.wait_idle()
        assert app.pending_events() == []
    assert not isinstance(answer, InvocationError)
    assert answer.status_code == 202
    [record] = records
    assert record["requestContext"]["requestId"] == answer.request_id
    assert record["requestContext"]["condition"] == "Success"


@pytest.mark.parametrize("name", [5, None, ["a"], b"echo", 1.5, {"name": "echo"}])
async def test_a_function_name_that_is_not_a_string_is_an_invalid_parameter(
    app: App, name: Any
) -> None:
    app.function(echo)
    with pytest.raises(InvalidParameterValue) as raised:
        await app.invoke(name, {})
    assert raised.value.status_code == 400
    assert type(name).__name__ in raised.value.message
    with pytest.raises(InvalidParameterValue):
        await app.call(name)


@pytest.mark.parametrize("name", ["", "missing", "\udcff", "a" * 200])
async def test_an_unknown_function_name_is_not_found(app: App, name: str) -> None:
    app.function(echo)
    with pytest.raises(ResourceNotFound) as raised:
        await app.invoke(name, {})
    assert raised.value.status_code == 404


def encoded(body: bytes) -> str:
    return base64.b64encode(body).decode("ascii")


# name -> (client_context, the error)
REFUSED_CLIENT_CONTEXTS: dict[str, tuple[Callable[[], Any], type[InvocationError]]] = {
    "surrogate_value": (lambda: {"custom": {"file": "\udcff"}}, InvalidRequestContent),
    "surrogate_key": (lambda: {"\ud800": 1}, InvalidRequestContent),
    "decimal_nan": (lambda: {"custom": {"n": Decimal("NaN")}}, InvalidRequestContent),
    "self_reference": (self_referencing_dict, InvalidRequestContent),
    "depth_1000": (lambda: {"custom": nested_list(1000)}, InvalidRequestContent),
    "depth_513": (lambda: {"custom": nested_list(512)}, InvalidRequestContent),
    "base64_depth_1000": (
        lambda: encoded(b'{"c":' + b"[" * 999 + b"]" * 999 + b"}"),
        InvalidRequestContent,
    ),
    "base64_depth_513": (
        lambda: encoded(b'{"c":' + b"[" * 512 + b"]" * 512 + b"}"),
        InvalidRequestContent,
    ),
    "base64_invalid_utf8": (lambda: encoded(b'{"c": "\xff"}'), InvalidRequestContent),
    "base64_not_json": (lambda: encoded(b"{nope"), InvalidRequestContent),
    "not_base64": (lambda: "not base64!", InvalidRequestContent),
    "list": (lambda: [1, 2], InvalidRequestContent),
    "base64_list": (lambda: encoded(b"[1, 2]"), InvalidRequestContent),
    "number": (lambda: 5, InvalidRequestContent),
    "too_large": (lambda: {"custom": {"x": "y" * 5000}}, InvalidParameterValue),
}


@pytest.mark.parametrize("case", sorted(REFUSED_CLIENT_CONTEXTS))
async def test_a_hostile_client_context_is_refused(app: App, case: str) -> None:
    app.function(echo)
    make, error = REFUSED_CLIENT_CONTEXTS[case]
    with pytest.raises(error) as raised:
        await app.invoke("echo", {}, client_context=make())
    assert raised.value.status_code == 400
    assert "client_context" in raised.value.message
    assert app.metrics("echo")["Invocations"] == 0
    assert await app.call("echo", {"ok": 1}) == {"ok": 1}


async def test_a_client_context_object_reaches_the_handler(app: App) -> None:
    @app.function
    def custom(event: Any, context: Context) -> Any:
        assert context.client_context is not None
        return context.client_context.custom

    assert await app.call("custom", client_context={"custom": {"k": "é"}}) == {"k": "é"}
    text = encoded(b'{"custom": {"k": [1]}}')
    assert await app.call("custom", client_context=text) == {"k": [1]}


# -- hypothesis: generated hostile values at invoke and call ------------------------------------

BACKENDS = ["asyncio", "trio"]


def deepen(value: Any, depth: int, shape: int) -> Any:
    """`value` wrapped `depth` times in lists, dicts or tuples (by `shape`)."""
    for level in range(depth):
        kind = (shape + level) % 3 if shape >= 3 else shape
        if kind == 0:
            value = [value]
        elif kind == 1:
            value = {"k": value}
        else:
            value = (value,)
    return value


def with_cycle(value: Any) -> list[Any]:
    cycle: list[Any] = [value]
    cycle.append({"again": cycle})
    return cycle


any_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=12)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    any_text,
    st.binary(max_size=12),
)
hashable = st.one_of(st.none(), st.booleans(), st.integers(), any_text, st.binary(max_size=4))
shallow = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(any_text, children, max_size=4),
        st.dictionaries(hashable, children, max_size=3),
        st.tuples(children, children),
        st.sets(hashable, max_size=3),
        st.frozensets(hashable, max_size=3),
    ),
    max_leaves=12,
)
hostile_values = st.one_of(
    shallow,
    st.builds(deepen, shallow, st.integers(min_value=0, max_value=600), st.integers(0, 3)),
    st.builds(with_cycle, shallow),
)
hostile_bytes = st.one_of(
    st.binary(max_size=40),
    st.builds(lambda n: b"[" * n + b"]" * n, st.integers(min_value=0, max_value=1100)),
    st.builds(lambda n: b'{"a":' * n + b"0" + b"}" * n, st.integers(min_value=0, max_value=700)),
)
hostile_payloads = st.one_of(hostile_values, hostile_bytes)


async def exercise(payload: Any, result: Any, asynchronous: bool) -> None:
    """Invoke and call with `payload` a handler that returns `result`; check the property."""
    app = App("hostile")

    if asynchronous:

        @app.function(name="subject")
        async def async_subject(event: Any, context: Context) -> Any:
            return result

    else:

        @app.function(name="subject")
        def subject(event: Any, context: Context) -> Any:
            return result

    answered = 0
    for _ in range(2):  # the second time on a warm instance, if the first kept it
        invoked = await answer_or_refusal(app.invoke("subject", payload))
        if isinstance(invoked, InvocationError):
            assert invoked.status_code in (400, 413)
            assert invoked.message
            continue
        assert isinstance(invoked, InvocationResult)
        assert invoked.status_code == 200
        answered += 1
        invoked.payload  # noqa: B018  # readable, whatever the handler returned
        if invoked.function_error is not None:
            assert isinstance(invoked.payload, dict)
            assert isinstance(invoked.payload["errorType"], str)
        elif isinstance(result, bytes):
            assert invoked.raw_payload == result  # bytes are the response as they are
    called = await answer_or_refusal(app.call("subject", payload))
    if isinstance(called, FunctionError):
        assert called.error_type
    if not isinstance(called, InvocationError):
        answered += 1  # a value (decoded) or a function error: the handler ran
    assert app.metrics("subject")["Invocations"] == answered
    assert app.metrics()["ConcurrentExecutions"]["now"] == 0


HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize("backend", BACKENDS)
@HYPOTHESIS
@given(payload=hostile_payloads, asynchronous=st.booleans())
def test_any_payload_is_answered_or_refused_with_an_invocation_error(
    backend: str, payload: Any, asynchronous: bool
) -> None:
    anyio.run(exercise, payload, {"ok": True}, asynchronous, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@HYPOTHESIS
@given(result=st.one_of(hostile_values, hostile_bytes), asynchronous=st.booleans())
def test_any_handler_result_is_a_response_or_a_function_error(
    backend: str, result: Any, asynchronous: bool
) -> None:
    anyio.run(exercise, {"n": 1}, result, asynchronous, backend=backend)


async def invoke_with_client_context(client_context: Any) -> None:
    app = App("hostile")
    app.function(echo)
    result = await answer_or_refusal(app.invoke("echo", {}, client_context=client_context))
    if isinstance(result, InvocationError):
        assert result.status_code == 400
        assert "client_context" in result.message
        assert app.metrics("echo")["Invocations"] == 0
    else:
        assert (result.status_code, result.function_error) == (200, None)
        assert app.metrics("echo")["Invocations"] == 1


@pytest.mark.parametrize("backend", BACKENDS)
@HYPOTHESIS
@given(
    client_context=st.one_of(
        hostile_values,
        st.dictionaries(any_text, hostile_values, max_size=3),
        st.builds(encoded, hostile_bytes),
    )
)
def test_any_client_context_is_taken_or_refused_with_an_invocation_error(
    backend: str, client_context: Any
) -> None:
    anyio.run(invoke_with_client_context, client_context, backend=backend)


async def test_a_client_context_of_non_ascii_text_is_not_base64(app: App) -> None:
    app.function(echo)
    with pytest.raises(InvalidRequestContent, match="not base64-encoded JSON"):
        await app.invoke("echo", {}, client_context="\x80")  # found by hypothesis
