"""`app.aws`'s front door, with real boto3: requests are routed by their SigV4 scope, and what no
service here emulates is answered in AWS's error shape of each protocol, which botocore parses
into the error code, never a 500 with a traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.http.server import Served


@pytest.mark.parametrize(
    ("service", "call"),
    [
        ("sts", lambda client: client.get_caller_identity()),  # query protocol, XML errors
    ],
)
def test_a_service_faaslib_does_not_emulate_is_named_in_aws_error_shape(
    aws_client: Callable[..., Any], service: str, call: Callable[[Any], Any]
) -> None:
    # (a service that comes to be served leaves this table for its own tests)
    with pytest.raises(ClientError) as raised:
        call(aws_client(service))
    error = raised.value.response["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert f"{service!r}" in error["Message"]
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert raised.value.response["ResponseMetadata"]["RequestId"]


def test_an_unsigned_request_naming_no_service_is_refused_as_aws_does(served: Served) -> None:
    answer = httpx.post(served.url + "/", content=b"{}")
    assert answer.status_code == 403
    assert answer.headers["x-amzn-errortype"] == "MissingAuthenticationToken"
    assert answer.json()["__type"] == "MissingAuthenticationToken"
    assert answer.headers["x-amzn-requestid"]


@pytest.mark.parametrize(
    "path",
    [
        "/2015-03-31/functions/nowhere/invocations",
        "/2025-12-01/durable-executions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Anowhere",
        "/2025-12-01/functions/nowhere/durable-executions",
    ],
)
def test_an_unsigned_request_on_a_lambda_path_reaches_lambda(served: Served, path: str) -> None:
    # curl, or a callback sender without credentials: Lambda's paths name the service
    answer = httpx.request("POST" if path.endswith("invocations") else "GET", served.url + path)
    assert answer.headers["x-amzn-errortype"] != "MissingAuthenticationToken"
    assert answer.status_code in (400, 404)


def test_the_lifespan_runs_the_app(served: Served) -> None:
    assert served.app._task_group is not None
