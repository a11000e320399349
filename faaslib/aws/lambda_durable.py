"""Lambda's durable execution API on `app.aws`: the nine operations the durable execution SDK
and every AWS SDK call, translated into `app.durable`'s calls.

botocore's `lambda` model routes them under `/2025-12-01/`: an execution by its ARN
(`/durable-executions/{DurableExecutionArn}/checkpoint`), a callback by its id
(`/durable-execution-callbacks/{CallbackId}/succeed`), and a function's executions by the
function (`/functions/{FunctionName}/durable-executions`). An ARN holds `:`, `$` and `/`, a
callback id `+`, `/` and `=`: an SDK percent-encodes each as one path segment, so a route
matches the path as sent and decodes the segment it captured.

Answers are the model's shapes. Its timestamps are `timestamp` shapes of a REST-JSON service,
which AWS writes in bodies as epoch seconds (`1765130400.123`), unlike the rest of Lambda's API,
whose timestamps are strings; in the query (`StartedAfter`) an SDK sends ISO 8601. Listings and
histories are paged here, as AWS pages them: `MaxItems` up to 1,000 (0 or none: 100), and an
opaque `NextMarker` that names the last item answered, so a page never repeats or skips an item
even while the execution goes on.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import msgspec

from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse, json_response

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["DURABLE_ROUTES", "DurableEndpoints"]

Operation = Callable[[AwsRequest, str], Awaitable[AwsResponse]]

JSON = "application/json"
DEFAULT_PAGE = 100  # "A value of 0 uses the default": 100 items
MAX_PAGE = 1000
MAX_STATUSES = 10
STATUSES = frozenset(
    ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED", "DELETING", "PAUSING", "PAUSED")
)
# What IncludeExecutionData=false leaves out of an execution: its input, result and error.
EXECUTION_DATA = ("InputPayload", "Result", "Error")

# The model's patterns for the identifiers in paths and queries.
EXECUTION_ARN = re.compile(
    r"arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\d{12}):function:([a-zA-Z0-9_-]+):"
    r"(\$LATEST(?:\.PUBLISHED)?|[0-9]+)/durable-execution/([a-zA-Z0-9_-]+)/([a-zA-Z0-9_-]+)"
)
TOKEN = re.compile(r"[A-Za-z0-9+/]+={0,2}")  # CallbackId and CheckpointToken
MAX_ARN = 1024
MAX_CALLBACK_ID = 1024
MAX_CHECKPOINT_TOKEN = 2048

_EXECUTION = "/2025-12-01/durable-executions/(?P<arn>[^/]+)"
_CALLBACK = "/2025-12-01/durable-execution-callbacks/(?P<callback>[^/]+)"
# (method, path, operation), as botocore's `lambda` model routes them; each path captures one
# parameter, which the operation receives decoded.
DURABLE_ROUTES = (
    ("POST", f"{_EXECUTION}/checkpoint", "CheckpointDurableExecution"),
    ("GET", f"{_EXECUTION}/state", "GetDurableExecutionState"),
    ("GET", _EXECUTION, "GetDurableExecution"),
    ("GET", f"{_EXECUTION}/history", "GetDurableExecutionHistory"),
    ("POST", f"{_EXECUTION}/stop", "StopDurableExecution"),
    (
        "GET",
        "/2025-12-01/functions/(?P<function>[^/]+)/durable-executions",
        "ListDurableExecutionsByFunction",
    ),
    ("POST", f"{_CALLBACK}/succeed", "SendDurableExecutionCallbackSuccess"),
    ("POST", f"{_CALLBACK}/fail", "SendDurableExecutionCallbackFailure"),
    ("POST", f"{_CALLBACK}/heartbeat", "SendDurableExecutionCallbackHeartbeat"),
)


class DurableEndpoints:
    """The durable execution operations of `app.aws`'s Lambda, bound to `app`.

    `function_name(FunctionName, request)` is the Lambda service's own reading of a function's
    name or ARN and `Qualifier` (so a listing names functions as every other operation does);
    it answers the name of an existing function.
    """

    def __init__(self, app: App, function_name: Callable[[str, AwsRequest], str]) -> None:
        self._app = app
        self._function_name = function_name
        self.operations: dict[str, Operation] = {
            "CheckpointDurableExecution": self._checkpoint,
            "GetDurableExecutionState": self._state,
            "GetDurableExecution": self._get,
            "GetDurableExecutionHistory": self._history,
            "StopDurableExecution": self._stop,
            "ListDurableExecutionsByFunction": self._list,
            "SendDurableExecutionCallbackSuccess": self._callback_success,
            "SendDurableExecutionCallbackFailure": self._callback_failure,
            "SendDurableExecutionCallbackHeartbeat": self._callback_heartbeat,
        }

    # -- the SDK's operations: checkpoints and the state it replays -----------------------------

    async def _checkpoint(self, request: AwsRequest, arn: str) -> AwsResponse:
        arn = _execution_arn(arn)
        body = request.json()
        token = _checkpoint_token(body.get("CheckpointToken"))
        updates = body.get("Updates", [])
        if not isinstance(updates, list) or not all(isinstance(u, dict) for u in updates):
            raise _invalid("Updates must be a list of OperationUpdate objects")
        client_token = body.get("ClientToken")
        if client_token is not None and not (
            isinstance(client_token, str) and 1 <= len(client_token) <= 64
        ):
            raise _invalid(f"ClientToken={client_token!r} is not valid; it is 1 to 64 characters")
        answer = await self._app.durable.checkpoint(arn, token, updates, client_token)
        return _answer(answer)

    async def _state(self, request: AwsRequest, arn: str) -> AwsResponse:
        arn = _execution_arn(arn)
        token = _checkpoint_token(_query(request, "CheckpointToken"))
        marker = _query(request, "Marker") or None
        answer = await self._app.durable.state(
            arn, token, marker=marker, max_items=_page_size(request)
        )
        return _answer(answer)

    # -- executions ---------------------------------------------------------------------------

    async def _get(self, request: AwsRequest, arn: str) -> AwsResponse:
        execution = dict(await self._app.durable.get(_execution_arn(arn)))
        included = _boolean(request, "IncludeExecutionData", default=True)
        if not included:
            for key in EXECUTION_DATA:
                execution.pop(key, None)
        execution["ExecutionDataIncluded"] = included
        return _answer(execution)

    async def _history(self, request: AwsRequest, arn: str) -> AwsResponse:
        arn = _execution_arn(arn)
        included = _boolean(request, "IncludeExecutionData", default=True)
        reverse = _boolean(request, "ReverseOrder", default=False)
        size = _page_size(request)
        events = await self._app.durable.history(arn, include_execution_data=included)
        # Events are only ever appended, so a position in the oldest-first list names one event
        # for good: a page starts after the position its marker names, in either order.
        positions = list(range(len(events)))
        if reverse:
            positions.reverse()
        marker = _query(request, "Marker")
        if marker:
            after = _position(_read_marker(marker, "history", reverse), len(events))
            positions = [p for p in positions if (p < after if reverse else p > after)]
        page = positions[:size]
        data: dict[str, Any] = {"Events": [events[p] for p in page]}
        if len(positions) > size:
            data["NextMarker"] = _write_marker("history", reverse, page[-1])
        return _answer(data)

    async def _list(self, request: AwsRequest, function: str) -> AwsResponse:
        name = self._function_name(function, request)
        wanted_name = _query(request, "DurableExecutionName")
        statuses = _statuses(request)
        # compared to the millisecond, the precision the answers give the start times in
        after = _time(request, "StartedAfter")
        before = _time(request, "StartedBefore")
        # Newest first unless ReverseOrder (the model: "true to return results in chronological
        # order (oldest first). Default is false").
        oldest_first = _boolean(request, "ReverseOrder", default=False)
        size = _page_size(request)
        chosen = [
            execution
            for execution in await self._app.durable.list(name)
            if (wanted_name is None or execution.get("DurableExecutionName") == wanted_name)
            and (statuses is None or execution.get("Status") in statuses)
            and (after is None or _epoch(_started(execution)) >= _epoch(after))
            and (before is None or _epoch(_started(execution)) <= _epoch(before))
        ]
        chosen.sort(key=_list_key, reverse=not oldest_first)
        marker = _query(request, "Marker")
        if marker:
            last = _list_position(_read_marker(marker, "list", oldest_first))
            chosen = [
                e for e in chosen if (_list_key(e) > last if oldest_first else _list_key(e) < last)
            ]
        data: dict[str, Any] = {"DurableExecutions": chosen[:size]}
        if len(chosen) > size:
            timestamp, arn = _list_key(chosen[size - 1])
            data["NextMarker"] = _write_marker("list", oldest_first, [timestamp, arn])
        return _answer(data)

    async def _stop(self, request: AwsRequest, arn: str) -> AwsResponse:
        arn = _execution_arn(arn)
        answer = await self._app.durable.stop(arn, error=_error_object(request))
        return _answer(answer)

    # -- callbacks ----------------------------------------------------------------------------

    async def _callback_success(self, request: AwsRequest, callback_id: str) -> AwsResponse:
        # The Result is the raw body (a blob payload), as the callback's sender wrote it.
        await self._app.durable.callback_success(
            _callback_id(callback_id), result=request.body or None
        )
        return json_response({}, content_type=JSON)

    async def _callback_failure(self, request: AwsRequest, callback_id: str) -> AwsResponse:
        await self._app.durable.callback_failure(
            _callback_id(callback_id), error=_error_object(request)
        )
        return json_response({}, content_type=JSON)

    async def _callback_heartbeat(self, request: AwsRequest, callback_id: str) -> AwsResponse:
        await self._app.durable.callback_heartbeat(_callback_id(callback_id))
        return json_response({}, content_type=JSON)


# -- reading requests -------------------------------------------------------------------------


def _execution_arn(arn: str) -> str:
    if not 1 <= len(arn) <= MAX_ARN or EXECUTION_ARN.fullmatch(arn) is None:
        raise _invalid(
            f"DurableExecutionArn={arn!r} is not a durable execution ARN (arn:aws:lambda:REGION:"
            f"ACCOUNT:function:NAME:$LATEST/durable-execution/NAME/ID, at most {MAX_ARN} "
            "characters)"
        )
    return arn


def _callback_id(callback_id: str) -> str:
    if not 1 <= len(callback_id) <= MAX_CALLBACK_ID or TOKEN.fullmatch(callback_id) is None:
        raise _invalid(
            f"CallbackId={callback_id!r} is not a callback id (base64, at most "
            f"{MAX_CALLBACK_ID} characters)"
        )
    return callback_id


def _checkpoint_token(token: object) -> str:
    if token is None:
        raise _invalid("CheckpointToken is required")
    if (
        not isinstance(token, str)
        or not 1 <= len(token) <= MAX_CHECKPOINT_TOKEN
        or TOKEN.fullmatch(token) is None
    ):
        raise _invalid(
            f"CheckpointToken={token!r} is not a checkpoint token (base64, at most "
            f"{MAX_CHECKPOINT_TOKEN} characters)"
        )
    return token


def _error_object(request: AwsRequest) -> dict[str, Any] | None:
    """The `ErrorObject` that is a request's whole body (Stop's, a callback failure's)."""
    error = request.json()
    return error or None


def _query(request: AwsRequest, key: str) -> str | None:
    values = request.query.get(key)
    return values[0] if values else None


def _boolean(request: AwsRequest, key: str, *, default: bool) -> bool:
    value = _query(request, key)
    if value is None:
        return default
    if value.lower() not in ("true", "false"):
        raise _invalid(f"{key}={value!r} is not valid; it is true or false")
    return value.lower() == "true"


def _page_size(request: AwsRequest) -> int:
    value = _query(request, "MaxItems")
    if value is None:
        return DEFAULT_PAGE
    try:
        items = int(value)
    except ValueError:
        items = -1
    if not 0 <= items <= MAX_PAGE:
        raise _invalid(f"MaxItems={value!r} is not valid; it must be from 0 to {MAX_PAGE:,}")
    return items or DEFAULT_PAGE


def _statuses(request: AwsRequest) -> frozenset[str] | None:
    values = request.query.get("Statuses")
    if not values:
        return None
    unknown = sorted(set(values) - STATUSES)
    if unknown:
        raise _invalid(
            f"Statuses={unknown!r} is not valid; each is one of {', '.join(sorted(STATUSES))}"
        )
    if len(values) > MAX_STATUSES:
        raise _invalid(f"Statuses has {len(values)} values; at most {MAX_STATUSES} are allowed")
    return frozenset(values)


def _time(request: AwsRequest, key: str) -> datetime | None:
    """A timestamp of the query: ISO 8601, as SDKs send it, or epoch seconds."""
    value = _query(request, key)
    if value is None:
        return None
    try:
        moment = datetime.fromtimestamp(float(value), timezone.utc)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise _invalid(
                f"{key}={value!r} is not a timestamp (ISO 8601, e.g. 2026-12-07T12:00:00Z)"
            ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


# -- paging -----------------------------------------------------------------------------------


def _started(execution: Mapping[str, Any]) -> datetime:
    started = execution.get("StartTimestamp")
    return started if isinstance(started, datetime) else datetime.min.replace(tzinfo=timezone.utc)


def _list_key(execution: Mapping[str, Any]) -> tuple[float, str]:
    """Where an execution sorts in a listing: when it started, then its ARN."""
    return _epoch(_started(execution)), str(execution.get("DurableExecutionArn", ""))


def _write_marker(listing: str, order: bool, position: Any) -> str:
    """An opaque marker: which listing, in which order, after which item."""
    return base64.urlsafe_b64encode(msgspec.json.encode([listing, order, position])).decode()


def _read_marker(marker: str, listing: str, order: bool) -> Any:
    try:
        kind, its_order, position = msgspec.json.decode(base64.urlsafe_b64decode(marker))
    except (binascii.Error, ValueError, TypeError, msgspec.DecodeError):
        kind = its_order = position = None
    if kind != listing or its_order != order:
        raise _invalid(
            f"Marker={marker!r} is not a marker this listing returned (in this ReverseOrder)"
        )
    return position


def _position(position: Any, count: int) -> int:
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < count:
        raise _invalid("Marker is not a marker this history returned")
    return position


def _list_position(position: Any) -> tuple[float, str]:
    if (
        not isinstance(position, list)
        or len(position) != 2
        or not isinstance(position[0], int | float)
        or not isinstance(position[1], str)
    ):
        raise _invalid("Marker is not a marker this listing returned")
    return float(position[0]), position[1]


# -- answers ----------------------------------------------------------------------------------


def _answer(data: Mapping[str, Any]) -> AwsResponse:
    return json_response(_wire(data), content_type=JSON)


def _wire(value: Any) -> Any:
    """`value` as the body carries it: its timestamps in epoch seconds."""
    if isinstance(value, datetime):
        return _epoch(value)
    if isinstance(value, Mapping):
        return {key: _wire(item) for key, item in value.items() if item is not None}
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [_wire(item) for item in value]
    return value


def _epoch(moment: datetime) -> float:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return round(moment.timestamp(), 3)


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValueException", message, 400)
