"""Results and errors marshalled as Lambda's Python runtime marshals them, with AWS's own runtime
interface client as the oracle.

Every handler in `oracle_handlers.py` runs twice: through faaslib (`app.invoke`) and through
`awslambdaric`, started as `python -m awslambdaric oracle_handlers.<handler>` behind a minimal
Runtime API (`tests/runtime_api.py`) with the `AWS_EXECUTION_ENV` of the Python running the tests.
The two answers must agree:

- success or function error: faaslib's `function_error="Unhandled"` against awslambdaric's POST
  to `/invocation/{id}/error`;
- a success's body, compared as the row says: `SAME_BYTES` (byte for byte: what a handler
  returns as bytes) or `SAME_TOKENS` (the same JSON tokens: string values, numbers and literals
  as written, so `1.10` is not `1.1`, structure and key order), and its decoded value, with
  types strict (`1` is neither `True` nor `1.0`) and NaN equal to NaN;
- an error object: its keys in order, `errorType`, `errorMessage`, `requestId` (each side's own
  request id) and `stackTrace` frame by frame, the handler file's folder normalised;
- a row where awslambdaric's process dies before it answers: Lambda answers that invocation
  `Runtime.ExitError` "RequestId: <id> Error: Runtime exited with error: exit status <n>", with
  no `requestId` or `stackTrace`; faaslib must answer the same, and keep serving.

Differences by design, which `SAME_TOKENS` leaves out and nothing else: awslambdaric writes
`", "` and `": "` between items where faaslib writes `,` and `:`, and before python3.12 it writes
non-ASCII text as `\\uXXXX` escapes where faaslib writes UTF-8. Error objects are compared
decoded, so the same two differences do not count there either. One more is stated in its row:
a result nested deeper than 512 levels is refused with faaslib's own message.

Each row also records what awslambdaric answers, checked by its own test: the table documents
Lambda's behaviour, and a change in awslambdaric shows as such rather than as a faaslib failure.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

import pytest

from faaslib import App
from tests.executor import oracle_handlers
from tests.runtime_api import RuntimeAnswer, RuntimeAPI, RuntimeClient

pytest.importorskip(
    "awslambdaric",
    minversion="4.2.2",
    reason="awslambdaric (AWS's Python runtime interface client, a Linux-only wheel) is the "
    "oracle of these tests",
)

EVENT = {"a": 1}
# awslambdaric escapes non-ASCII text unless AWS_EXECUTION_ENV is python3.12 or later; unescaped,
# text UTF-8 cannot encode (a lone surrogate) kills its process when it sends the answer.
ESCAPES_NON_ASCII = sys.version_info < (3, 12)

SAME_BYTES: Final = "bytes"
SAME_TOKENS: Final = "tokens"


@dataclass(frozen=True)
class Returns:
    """awslambdaric POSTs `body` to `/response`."""

    body: bytes
    raw: Literal["bytes", "tokens"] = SAME_TOKENS  # how faaslib's body must match it
    content_type: str = "application/json"


@dataclass(frozen=True)
class Fails:
    """awslambdaric POSTs an error object to `/error`; its stack trace has `frames` frames."""

    error_type: str
    message: str
    frames: int = 1


@dataclass(frozen=True)
class Crashes:
    """awslambdaric's process exits with `exit_code` before it answers."""

    exit_code: int = 1


def unmarshalable(reason: str) -> Fails:
    return Fails("Runtime.MarshalError", f"Unable to marshal response: {reason}", frames=0)


def not_serializable(kind: str) -> Fails:
    return unmarshalable(f"Object of type {kind} is not JSON serializable")


@dataclass(frozen=True)
class Row:
    handler: str  # a function of oracle_handlers.py
    awslambdaric: Returns | Fails | Crashes  # what awslambdaric 4.2.2 answers
    faaslib_message: str | None = None  # where faaslib's errorMessage differs, by design

    def __str__(self) -> str:
        return self.handler


ROWS = [
    Row("returns_datetime", not_serializable("datetime")),
    Row("returns_set", not_serializable("set")),
    Row("returns_bytes", Returns(b"abc", SAME_BYTES, "application/unknown")),
    Row("returns_json_bytes", Returns(b'{"a": 1}', SAME_BYTES, "application/unknown")),
    # simplejson decodes bytes inside a value as UTF-8
    Row("returns_nested_bytes", Returns(b'{"b": "abc"}')),
    Row(
        "returns_nested_invalid_utf8",
        unmarshalable("'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
    ),
    Row("returns_bytes_key", Returns(b'{"k": 1}')),
    Row("returns_nan", Returns(b"NaN")),
    Row("returns_inf", Returns(b"Infinity")),
    Row("returns_negative_inf_in_a_list", Returns(b"[-Infinity, 1.5]")),
    Row("returns_object", not_serializable("object")),
    Row("returns_decimal", Returns(b"1.10")),
    Row("returns_decimal_nan", Returns(b"NaN")),
    Row("returns_decimal_negative_zero", Returns(b"-0")),
    Row("returns_decimal_exponent", Returns(b"1E+2")),
    Row("returns_decimal_infinity", Returns(b'{"d": Infinity}')),
    Row("returns_tuple", Returns(b"[1, 2]")),
    Row("returns_big_int", Returns(b"1208925819614629174706176")),
    Row(
        "returns_non_str_keys",
        Returns(b'{"1": "bool key", "2.5": "float key", "null": "none key"}'),
    ),
    Row("returns_bool_keys", Returns(b'{"true": "yes", "false": "no"}')),
    Row(
        "returns_tuple_key",
        unmarshalable("keys must be str, int, float, bool or None, not tuple"),
    ),
    Row("returns_self_referencing_list", unmarshalable("Circular reference detected")),
    Row("returns_str_subclass", Returns(b'{"name": "x"}')),
    Row("returns_int_enum", Returns(b'{"level": 3}')),
    # simplejson writes a namedtuple, and anything with `_asdict`, as an object
    Row("returns_namedtuple", Returns(b'{"x": 1, "y": 2}')),
    Row("returns_object_with_asdict", Returns(b'{"o": {"q": 1}}')),
    Row("returns_bytearray", not_serializable("bytearray")),
    Row("returns_none", Returns(b"null")),
    Row("returns_lone_surrogate", Returns(b'"a\\udcffb"') if ESCAPES_NON_ASCII else Crashes()),
    Row(
        "returns_non_ascii",
        Returns(
            b'{"caf\\u00e9": "na\\u00efve \\u2603"}'
            if ESCAPES_NON_ASCII
            else '{"café": "naïve ☃"}'.encode()
        ),
    ),
    # faaslib refuses results nested deeper than 512 levels (the runtime fails near 1,000), with
    # its own words, so that every result it returns can be decoded and recorded
    Row(
        "returns_deep_list",
        unmarshalable("maximum recursion depth exceeded while encoding a JSON object"),
        "Unable to marshal response: it is nested more than 512 levels deep (faaslib's limit)",
    ),
    Row("returns_event", Returns(b'{"a": 1}')),
    Row("raises_value_error", Fails("ValueError", "plain")),
    Row(
        "raises_with_lone_surrogate",
        (
            Fails("FileNotFoundError", "no such report: report-\udcff.csv")
            if ESCAPES_NON_ASCII
            else Crashes()
        ),
    ),
    # str(error) raises inside awslambdaric's own error handling, which ends its process
    Row("raises_unprintable", Crashes()),
    Row("raises_key_error", Fails("KeyError", "'k'")),
    Row("raises_two_calls_deep", Fails("KeyError", "'missing'", frames=3)),
    Row("raises_from_a_cause", Fails("LookupError", "wrapped")),
]

ERROR_KEYS = ["errorMessage", "errorType", "requestId", "stackTrace"]
EXIT_ERROR_KEYS = ["errorType", "errorMessage"]


class Oracle:
    """One awslambdaric process per handler, each behind its own Runtime API, all started at
    once; each handler is invoked once, with `EVENT`, the first time its answer is asked for."""

    def __init__(self, stack: ExitStack, task_root: Path) -> None:
        self.task_root = task_root
        self._clients: dict[str, RuntimeClient] = {}
        self._answers: dict[str, RuntimeAnswer] = {}
        for row in ROWS:
            api = stack.enter_context(RuntimeAPI(function=row.handler.replace("_", "-")))
            client = RuntimeClient(api, f"oracle_handlers.{row.handler}", task_root)
            self._clients[row.handler] = stack.enter_context(client)

    def answer(self, handler: str) -> RuntimeAnswer:
        if handler not in self._answers:
            self._answers[handler] = self._clients[handler].invoke(json.dumps(EVENT).encode())
        return self._answers[handler]


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Oracle]:
    task_root = tmp_path_factory.mktemp("task")
    shutil.copy(oracle_handlers.__file__, task_root / "oracle_handlers.py")
    with ExitStack() as stack:
        yield Oracle(stack, task_root)


def test_the_runtime_api_records_an_init_error_and_the_client_exit(oracle: Oracle) -> None:
    handler = "oracle_handlers.no_such_handler"
    with RuntimeAPI() as api, RuntimeClient(api, handler, oracle.task_root) as client:
        answer = client.invoke(json.dumps(EVENT).encode())
    assert (answer.outcome, answer.exit_code) == ("crashed", 1)
    [init_error] = api.init_errors
    assert json.loads(init_error) == {
        "errorMessage": "Handler 'no_such_handler' missing on module 'oracle_handlers'",
        "errorType": "Runtime.HandlerNotFound",
        "requestId": "",
        "stackTrace": [],
    }


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_awslambdaric_answers_as_the_table_records(row: Row, oracle: Oracle) -> None:
    answer = oracle.answer(row.handler)
    expected = row.awslambdaric
    if isinstance(expected, Returns):
        assert (answer.outcome, answer.body) == ("response", expected.body), answer.output
        assert answer.content_type == expected.content_type
    elif isinstance(expected, Fails):
        assert answer.outcome == "error", answer.output
        error = json.loads(answer.body)
        assert list(error) == ERROR_KEYS
        assert (error["errorType"], error["errorMessage"]) == (
            expected.error_type,
            expected.message,
        )
        assert error["requestId"] == answer.request_id
        assert len(error["stackTrace"]) == expected.frames
    else:
        assert (answer.outcome, answer.exit_code) == ("crashed", expected.exit_code)


@pytest.mark.anyio
@pytest.mark.parametrize("row", ROWS, ids=str)
async def test_faaslib_answers_as_awslambdaric(row: Row, oracle: Oracle, app: App) -> None:
    lambda_answer = oracle.answer(row.handler)
    app.function(getattr(oracle_handlers, row.handler))
    app.function(name="still-serving")(oracle_handlers.returns_event)

    result = await app.invoke(row.handler, EVENT)

    if lambda_answer.outcome == "response":
        assert result.function_error is None, result.payload
        assert result.raw_payload is not None
        if isinstance(row.awslambdaric, Returns) and row.awslambdaric.raw == SAME_BYTES:
            assert result.raw_payload == lambda_answer.body
        else:
            assert json_tokens(result.raw_payload) == json_tokens(lambda_answer.body)
            assert_same_json(result.payload, json.loads(lambda_answer.body))
    elif lambda_answer.outcome == "error":
        assert result.function_error == "Unhandled"
        error, lambda_error = result.payload, json.loads(lambda_answer.body)
        assert isinstance(error, dict), error
        assert list(error) == list(lambda_error)
        assert error["errorType"] == lambda_error["errorType"]
        assert error["errorMessage"] == (row.faaslib_message or lambda_error["errorMessage"])
        assert error["requestId"] == result.request_id
        assert lambda_error["requestId"] == lambda_answer.request_id
        handler_folder = os.path.dirname(oracle_handlers.__file__)
        assert frames(error, handler_folder) == frames(lambda_error, str(oracle.task_root))
    else:  # Lambda answers for a runtime that exited
        assert result.function_error == "Unhandled"
        assert result.payload == {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: "
            f"exit status {lambda_answer.exit_code}",
        }
        assert list(result.payload) == EXIT_ERROR_KEYS

    after = await app.invoke("still-serving", EVENT)
    assert (after.function_error, after.payload) == (None, EVENT)


def frames(error: dict[str, Any], handler_folder: str) -> list[str]:
    """The error's stack trace, with the folder of the handler's file written `<task root>`."""
    trace = error["stackTrace"]
    assert isinstance(trace, list)
    return [frame.replace(handler_folder + os.sep, "<task root>/") for frame in trace]


_JSON_TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([\[\]{}:,])|([^\s\[\]{}:,"]+))', re.DOTALL)


def json_tokens(body: bytes) -> list[Any]:
    """The tokens of a JSON text: strings decoded (so their escaping does not count), numbers
    and literals as written, separators without whitespace around them."""
    text = body.decode("utf-8").strip()
    tokens: list[Any] = []
    position = 0
    while position < len(text):
        match = _JSON_TOKEN.match(text, position)
        assert match is not None, f"not JSON at {position}: {text[position : position + 40]!r}"
        string, punctuation, literal = match.groups()
        tokens.append(("string", json.loads(string)) if string else punctuation or literal)
        position = match.end()
    return tokens


def assert_same_json(value: Any, expected: Any, path: str = "$") -> None:
    """`value == expected`, with types strict and NaN equal to NaN."""
    assert type(value) is type(expected), f"{path}: {value!r} is not {expected!r}"
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(value), f"{path}: {value!r} is not NaN"
    elif isinstance(expected, dict):
        assert list(value) == list(expected), f"{path}: keys {list(value)} != {list(expected)}"
        for key, item in expected.items():
            assert_same_json(value[key], item, f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(value) == len(expected), f"{path}: {len(value)} items, not {len(expected)}"
        for index, item in enumerate(expected):
            assert_same_json(value[index], item, f"{path}[{index}]")
    else:
        assert value == expected, f"{path}: {value!r} != {expected!r}"
