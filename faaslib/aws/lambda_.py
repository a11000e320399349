"""Lambda's API on `app.aws`: boto3's `lambda` client invokes and inspects the app's functions.

Lambda speaks REST-JSON: the operation is named by the method and the path
(`POST /2015-03-31/functions/{FunctionName}/invocations` is Invoke), parameters travel in the
path, the query, headers and a JSON body. Each operation makes the call the Python API makes
(`app.invoke`, `app.function_configuration`, `app.set_reserved_concurrency`,
`app.set_provisioned_concurrency`), and what the app raises is written as the error Lambda
answers with, so botocore raises the same exception. The durable execution operations
(`/2025-12-01/...`) are routed here too, and served by `lambda_durable.py`.

Where faaslib differs from Lambda, it says so rather than pretend:

- functions have only `$LATEST`: another qualifier is `ResourceNotFoundException`, and
  provisioned concurrency is configured on `$LATEST` (Lambda wants a published version);
- on a fleet (an app on Redis) reserved concurrency is fixed by each process's code:
  `PutFunctionConcurrency` and `DeleteFunctionConcurrency` succeed only when they change nothing,
  and otherwise answer `ResourceConflictException` naming why (elsewhere they change it, as
  `app.set_reserved_concurrency` does);
- there is no code package, role or revision: `GetFunction` has no `Code`, and the
  configuration no `Role`, `CodeSha256`, `RevisionId` or `LastModified`.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote

from faaslib.aws.lambda_durable import DURABLE_ROUTES, DurableEndpoints
from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse, json_response
from faaslib.config import function_arn
from faaslib.errors import ConfigurationError, InvocationError, TooManyRequests
from faaslib.marshal import EXECUTION_ENV

if TYPE_CHECKING:
    from faaslib.app import App
    from faaslib.invoke import InvocationType, LogType

__all__ = ["LambdaService"]

# The runtime Lambda would name for the Python running the handlers (what AWS_EXECUTION_ENV says).
RUNTIME = EXECUTION_ENV.removeprefix("AWS_Lambda_")
# Lambda's account-wide code storage limits, as GetAccountSettings reports them.
TOTAL_CODE_SIZE = 80 * 1024**3
CODE_SIZE_UNZIPPED = 250 * 1024**2
CODE_SIZE_ZIPPED = 50 * 1024**2
LIST_PAGE_SIZE = 50  # ListFunctions answers at most 50 functions a page
MAX_LIST_ITEMS = 10_000
JSON = "application/json"

# FunctionName as Lambda takes it: a name, a partial ARN (123456789012:function:name) or an ARN,
# each optionally with a :qualifier.
_FUNCTION_NAME = re.compile(
    r"^(?:arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+):)?"
    r"(?:(?P<account>\d{12}):)?(?:function:)?(?P<name>[a-zA-Z0-9_-]+)"
    r"(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?$"
)

Operation = Callable[[AwsRequest, str], Awaitable[AwsResponse]]

_FUNCTION = "/functions/(?P<function>[^/]+)"
# (method, path, operation), as botocore's `lambda` model routes them.
_ROUTES = (
    ("POST", f"/2015-03-31{_FUNCTION}/invocations", "Invoke"),
    ("GET", "/2015-03-31/functions", "ListFunctions"),
    ("GET", f"/2015-03-31{_FUNCTION}", "GetFunction"),
    ("GET", f"/2015-03-31{_FUNCTION}/configuration", "GetFunctionConfiguration"),
    ("PUT", f"/2017-10-31{_FUNCTION}/concurrency", "PutFunctionConcurrency"),
    ("DELETE", f"/2017-10-31{_FUNCTION}/concurrency", "DeleteFunctionConcurrency"),
    ("GET", f"/2019-09-30{_FUNCTION}/concurrency", "GetFunctionConcurrency"),
    ("PUT", f"/2019-09-30{_FUNCTION}/provisioned-concurrency", "PutProvisionedConcurrencyConfig"),
    ("GET", f"/2019-09-30{_FUNCTION}/provisioned-concurrency", "GetProvisionedConcurrencyConfig"),
    (
        "DELETE",
        f"/2019-09-30{_FUNCTION}/provisioned-concurrency",
        "DeleteProvisionedConcurrencyConfig",
    ),
    ("GET", "/2016-08-19/account-settings", "GetAccountSettings"),
)


class LambdaService:
    """The `lambda` service of `app.aws`, bound to `app`.

    ```pycon
    >>> lambda_ = boto3.client("lambda", endpoint_url="http://127.0.0.1:4566")
    >>> lambda_.invoke(FunctionName="resize", Payload=b'{"key": "a.jpg"}')["Payload"].read()
    b'{"key": "a.jpg"}'
    ```
    """

    name = "lambda"

    def __init__(self, app: App) -> None:
        self._app = app
        operations: dict[str, Operation] = {
            "Invoke": self._invoke,
            "ListFunctions": self._list_functions,
            "GetFunction": self._get_function,
            "GetFunctionConfiguration": self._get_function_configuration,
            "PutFunctionConcurrency": self._put_function_concurrency,
            "DeleteFunctionConcurrency": self._delete_function_concurrency,
            "GetFunctionConcurrency": self._get_function_concurrency,
            "PutProvisionedConcurrencyConfig": self._put_provisioned_concurrency,
            "GetProvisionedConcurrencyConfig": self._get_provisioned_concurrency,
            "DeleteProvisionedConcurrencyConfig": self._delete_provisioned_concurrency,
            "GetAccountSettings": self._account_settings,
            **DurableEndpoints(app, self._latest).operations,
        }
        self._operations = operations
        self._routes = [
            (method, re.compile(f"^{path}/?$"), name)
            for method, path, name in (*_ROUTES, *DURABLE_ROUTES)
        ]

    def route(self, method: str, raw_path: str) -> tuple[str, str] | None:
        """The operation a request's method and path (as sent) name, and the path's one
        parameter decoded (a function, an execution's ARN, a callback id); None if none."""
        for route_method, path, name in self._routes:
            match = path.match(raw_path)
            if match is not None and route_method == method:
                return name, unquote(next(iter(match.groups()), None) or "")
        return None

    async def handle(self, request: AwsRequest) -> AwsResponse:
        """The response to one Lambda API request; what the app refuses becomes Lambda's
        error (`ResourceNotFoundException`, `TooManyRequestsException`, ...)."""
        found = self.route(request.method, request.raw_path)
        if found is None:
            raise AwsError(
                "UnknownOperationException",
                f"faaslib's Lambda has no operation {request.method} {request.path} (it serves "
                f"{', '.join(sorted(self._operations))})",
                404,
            )
        name, parameter = found
        try:
            return await self._operations[name](request, parameter)
        except InvocationError as error:
            raise _lambda_error(error) from None

    # -- invoking -----------------------------------------------------------------------------

    async def _invoke(self, request: AwsRequest, function: str) -> AwsResponse:
        name, qualifier = self._resolve(function, request)
        headers = request.headers
        result = await self._app.invoke(
            name,
            request.body or None,  # no payload: the handler gets {}, as on Lambda
            invocation_type=cast("InvocationType", headers.get("x-amz-invocation-type"))
            or "RequestResponse",
            qualifier=qualifier,
            client_context=headers.get("x-amz-client-context") or None,
            log_type=cast("LogType", headers.get("x-amz-log-type")) or "None",
            durable_execution_name=headers.get("x-amz-durable-execution-name"),
        )
        response = AwsResponse(result.status_code, [("x-amzn-RequestId", result.request_id)])
        if result.durable_execution_arn is not None:  # an Event invoke's too: how it is found
            response.headers.append(("X-Amz-Durable-Execution-Arn", result.durable_execution_arn))
        if result.status_code != 200:  # Event (202) and DryRun (204) answer no body
            return response
        response.headers.append(("content-type", JSON))
        if result.executed_version is not None:
            response.headers.append(("X-Amz-Executed-Version", result.executed_version))
        if result.function_error is not None:
            response.headers.append(("X-Amz-Function-Error", result.function_error))
        if result.log_result is not None:
            response.headers.append(("X-Amz-Log-Result", result.log_result))
        response.body = result.raw_payload or b""
        return response

    # -- functions ----------------------------------------------------------------------------

    async def _list_functions(self, request: AwsRequest, function: str) -> AwsResponse:
        version = _query(request, "FunctionVersion")
        if version is not None and version != "ALL":
            raise _invalid(f"FunctionVersion={version!r} is not valid; the only value is 'ALL'")
        page_size = _max_items(_query(request, "MaxItems"))
        names = sorted(self._app.functions)
        if _query(request, "MasterRegion") is not None:
            names = []  # Lambda@Edge replicas: faaslib has none
        start = 0
        marker = _query(request, "Marker")
        if marker:
            start = _marker_position(marker, names)
        page = names[start : start + page_size]
        data: dict[str, Any] = {"Functions": [self._configuration(name) for name in page]}
        if start + page_size < len(names):
            data["NextMarker"] = _marker(names[start + page_size])
        return json_response(data, content_type=JSON)

    async def _get_function(self, request: AwsRequest, function: str) -> AwsResponse:
        name = self._latest(function, request)
        data: dict[str, Any] = {"Configuration": self._configuration(name)}
        reserved = self._app.function_configuration(name).reserved_concurrency
        if reserved is not None:
            data["Concurrency"] = {"ReservedConcurrentExecutions": reserved}
        return json_response(data, content_type=JSON)

    async def _get_function_configuration(self, request: AwsRequest, function: str) -> AwsResponse:
        name = self._latest(function, request)
        return json_response(self._configuration(name), content_type=JSON)

    def _configuration(self, name: str) -> dict[str, Any]:
        """Lambda's `FunctionConfiguration` of function `name`."""
        config = self._app.function_configuration(name)
        data: dict[str, Any] = {
            "FunctionName": name,
            "FunctionArn": self._arn(name),
            "Runtime": config.runtime or RUNTIME,
            "Handler": self._handler(name),
            "Description": config.description,
            "Timeout": _number(config.timeout),
            "MemorySize": config.memory,
            "Version": "$LATEST",
            "TracingConfig": {"Mode": "PassThrough"},
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": [config.architecture],
            "EphemeralStorage": {"Size": config.ephemeral_storage},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
        }
        if config.environment:
            data["Environment"] = {"Variables": dict(config.environment)}
        return data

    def _handler(self, name: str) -> str:
        return self._app.function_handler(name)

    # -- concurrency --------------------------------------------------------------------------

    async def _get_function_concurrency(self, request: AwsRequest, function: str) -> AwsResponse:
        name = self._latest(function, request)
        reserved = self._app.function_configuration(name).reserved_concurrency
        data = {} if reserved is None else {"ReservedConcurrentExecutions": reserved}
        return json_response(data, content_type=JSON)

    async def _put_function_concurrency(self, request: AwsRequest, function: str) -> AwsResponse:
        name = self._unqualified(function, request)
        wanted = request.json().get("ReservedConcurrentExecutions")
        if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 0:
            raise _invalid(
                f"ReservedConcurrentExecutions={wanted!r} is not valid; it must be a whole "
                "number of at least 0"
            )
        await self._set_reserved(name, wanted)
        return json_response({"ReservedConcurrentExecutions": wanted}, content_type=JSON)

    async def _delete_function_concurrency(self, request: AwsRequest, function: str) -> AwsResponse:
        name = self._unqualified(function, request)
        await self._set_reserved(name, None)
        return AwsResponse(204)

    async def _set_reserved(self, name: str, wanted: int | None) -> None:
        """Change the reserved concurrency; what the app refuses is Lambda's
        `InvalidParameterValueException`, or on a fleet `ResourceConflictException`."""
        try:
            await self._app.set_reserved_concurrency(name, wanted)
        except ConfigurationError as error:
            if self._app.store.kind == "redis":  # the fleet: every process's code holds it
                raise AwsError("ResourceConflictException", str(error), 409) from None
            raise _invalid(str(error)) from None

    def _unqualified(self, function: str, request: AwsRequest) -> str:
        """The name of an existing function named without a version: reserved concurrency is
        the whole function's, as Lambda says."""
        name, qualifier = self._resolve(function, request)
        self._app.function_configuration(name)  # it exists
        if qualifier is not None:
            raise _invalid(
                "This operation is permitted on Lambda functions only. Aliases and versions do "
                "not support this operation. Please specify either a function name or an "
                "unqualified function ARN."
            )
        return name

    async def _put_provisioned_concurrency(self, request: AwsRequest, function: str) -> AwsResponse:
        name = self._provisioned_target(function, request)
        wanted = request.json().get("ProvisionedConcurrentExecutions")
        if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 1:
            raise _invalid(
                f"ProvisionedConcurrentExecutions={wanted!r} is not valid; it must be a whole "
                "number of at least 1"
            )
        try:
            await self._app.set_provisioned_concurrency(name, wanted)
        except ConfigurationError as error:
            raise _invalid(str(error)) from None
        data = self._provisioned(wanted)
        data["LastModified"] = _timestamp(self._app.clock.now())
        return json_response(data, 202, content_type=JSON)

    async def _get_provisioned_concurrency(self, request: AwsRequest, function: str) -> AwsResponse:
        name = self._provisioned_target(function, request)
        provisioned = self._app.function_configuration(name).provisioned_concurrency
        if not provisioned:
            raise AwsError(
                "ProvisionedConcurrencyConfigNotFoundException",
                f"No Provisioned Concurrency Config found for this function: {self._arn(name)}",
                404,
            )
        return json_response(self._provisioned(provisioned), content_type=JSON)

    async def _delete_provisioned_concurrency(
        self, request: AwsRequest, function: str
    ) -> AwsResponse:
        name = self._provisioned_target(function, request)
        await self._app.set_provisioned_concurrency(name, 0)
        return AwsResponse(204)

    def _provisioned(self, provisioned: int) -> dict[str, Any]:
        # set_provisioned_concurrency returns once the instances are initialised, and the app
        # replaces lost ones, so what was requested is what is allocated.
        return {
            "RequestedProvisionedConcurrentExecutions": provisioned,
            "AvailableProvisionedConcurrentExecutions": provisioned,
            "AllocatedProvisionedConcurrentExecutions": provisioned,
            "Status": "READY",
        }

    def _provisioned_target(self, function: str, request: AwsRequest) -> str:
        """The function whose provisioned concurrency is meant: faaslib's functions provision
        `$LATEST`, their only version."""
        name, qualifier = self._resolve(function, request)
        self._app.function_configuration(name)  # it exists
        if qualifier not in (None, "$LATEST"):
            raise self._no_version(name, qualifier)
        return name

    async def _account_settings(self, request: AwsRequest, function: str) -> AwsResponse:
        limit = self._app.config.concurrency
        carved_out = 0
        for name in self._app.functions:  # as the app's admission carves the account up
            config = self._app.function_configuration(name)
            reserved = config.reserved_concurrency
            carved_out += reserved if reserved is not None else config.provisioned_concurrency
        data = {
            "AccountLimit": {
                "TotalCodeSize": TOTAL_CODE_SIZE,
                "CodeSizeUnzipped": CODE_SIZE_UNZIPPED,
                "CodeSizeZipped": CODE_SIZE_ZIPPED,
                "ConcurrentExecutions": limit,
                "UnreservedConcurrentExecutions": limit - carved_out,
            },
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": len(self._app.functions)},
        }
        return json_response(data, content_type=JSON)

    # -- names --------------------------------------------------------------------------------

    def _resolve(self, function: str, request: AwsRequest) -> tuple[str, str | None]:
        """The function's name and qualifier, from a name or ARN and the `Qualifier` query."""
        match = _FUNCTION_NAME.match(function)
        if match is None:
            raise _invalid(f"FunctionName={function!r} is not a function name, partial ARN or ARN")
        config = self._app.config
        region, account = match.group("region"), match.group("account")
        name = match.group("name")
        if (region is not None and region != config.region) or (
            account is not None and account != config.account_id
        ):
            raise AwsError(
                "ResourceNotFoundException",
                f"Function not found: {function} (App {self._app.name!r} holds the functions "
                f"of account {config.account_id} in {config.region})",
                404,
            )
        qualifier = match.group("qualifier")
        asked = _query(request, "Qualifier")
        if asked is not None and qualifier is not None and asked != qualifier:
            raise _invalid(
                f"The derived qualifier from the function name ({qualifier}) does not match "
                f"the specified qualifier ({asked})"
            )
        return name, asked if asked is not None else qualifier

    def _latest(self, function: str, request: AwsRequest) -> str:
        """The name of an existing function, asked for without a qualifier or as `$LATEST`."""
        name, qualifier = self._resolve(function, request)
        self._app.function_configuration(name)  # it exists
        if qualifier not in (None, "$LATEST"):
            raise self._no_version(name, qualifier)
        return name

    def _no_version(self, name: str, qualifier: str | None) -> AwsError:
        return AwsError(
            "ResourceNotFoundException",
            f"Function not found: {self._arn(name)}:{qualifier} (faaslib functions have only "
            "the $LATEST version)",
            404,
        )

    def _arn(self, name: str) -> str:
        return function_arn(self._app.config.region, self._app.config.account_id, name)


def _lambda_error(error: InvocationError) -> AwsError:
    """The error Lambda's API answers for what the app raised."""
    headers: list[tuple[str, str]] = []
    fields: dict[str, str] = {}
    if isinstance(error, TooManyRequests):
        fields["Reason"] = error.reason  # Lambda's throttle reason, in the body
        if error.retry_after_seconds is not None:
            headers.append(("Retry-After", str(math.ceil(error.retry_after_seconds))))
    return AwsError(
        error.error_code,
        error.message,
        error.status_code,
        sender_fault=error.status_code < 500,
        headers=headers,
        fields=fields,
    )


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValueException", message, 400)


def _query(request: AwsRequest, key: str) -> str | None:
    values = request.query.get(key)
    return values[0] if values else None


def _max_items(value: str | None) -> int:
    if value is None:
        return LIST_PAGE_SIZE
    try:
        items = int(value)
    except ValueError:
        items = 0
    if not 1 <= items <= MAX_LIST_ITEMS:
        raise _invalid(f"MaxItems={value!r} is not valid; it must be from 1 to {MAX_LIST_ITEMS:,}")
    return min(items, LIST_PAGE_SIZE)


def _marker(name: str) -> str:
    """An opaque marker that resumes a listing at function `name`."""
    return base64.urlsafe_b64encode(name.encode()).decode("ascii")


def _marker_position(marker: str, names: list[str]) -> int:
    try:
        name = base64.urlsafe_b64decode(marker.encode("ascii")).decode()
    except (binascii.Error, UnicodeError, ValueError):
        name = None
    if name is None or name not in names:
        raise _invalid(f"Marker={marker!r} is not a marker this listing returned")
    return names.index(name)


def _number(value: float) -> int | float:
    """A whole number as an int (Lambda's integers); a test's fractional timeout as it is."""
    return int(value) if float(value).is_integer() else value


def _timestamp(seconds: float) -> str:
    """A time as Lambda writes it: `2024-05-01T12:00:00.000+0000`."""
    moment = datetime.fromtimestamp(seconds, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"
