"""`app.aws`: the app's AWS services as an ASGI application, speaking AWS's wire protocols so
that boto3, the AWS CLI and every AWS SDK reach faaslib's functions and services unchanged.

A request is routed the way AWS routes it: by the service named in its SigV4 credential scope
(`Credential=KEY/20261207/us-east-1/sqs/aws4_request`), else by its `X-Amz-Target` (JSON
protocols) or its path (Lambda's REST API). Signatures are accepted, not checked. What a
service refuses is written in AWS's error shape, which botocore turns into the `ClientError`
AWS's own service would give; what no service here emulates is `UnknownOperationException`
naming it, never a 500 with a traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import parse_qs, unquote

import msgspec

from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse, Service, WireProtocol
from faaslib.http.asgi import run_lifespan
from faaslib.invoke import new_request_id

__all__ = ["AwsApp"]

logger = logging.getLogger("faaslib.aws")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")
# Lambda's paths, so an unsigned request (curl, a callback sender) still reaches Lambda: its
# functions, and the durable execution API's executions and callbacks.
_LAMBDA_PATHS = ("/2015-03-31/functions", "/2025-12-01/")
# The X-Amz-Target prefixes of the JSON protocols, by service.
_TARGETS = {
    "AmazonSQS": "sqs",
    "DynamoDB_20120810": "dynamodb",
    "DynamoDBStreams_20120810": "dynamodb",
    "Kinesis_20131202": "kinesis",
    "AWSEvents": "events",
}
MAX_BODY_BYTES = 64 * 1024 * 1024  # beyond any request these services take


class AwsApp:
    """The ASGI application of an app's AWS endpoints (`app.aws`; the same object every time).

    ```pycon
    >>> uvicorn.run(app.aws, port=4566)      # boto3.client("sqs", endpoint_url="http://...")
    ```
    """

    def __init__(
        self,
        services: Iterable[Service],
        lifespan: Callable[[], AbstractAsyncContextManager[None]],
        region: str,
    ) -> None:
        self._services = {service.name: service for service in services}
        self._lifespan = lifespan
        self._region = region

    @property
    def services(self) -> tuple[str, ...]:
        """The signing names of the services served (`"lambda"`, `"sqs"`, ...)."""
        return tuple(sorted(self._services))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._serve(scope, receive, send)
        elif kind == "lifespan":
            await run_lifespan(self._lifespan, receive, send)
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1000})

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = new_request_id()
        protocol: WireProtocol = "json"
        try:
            body = await _read_body(receive)
            request = self._request(scope, body, request_id)
            protocol = request.protocol
            service = self._services.get(request.service)
            if service is None:
                raise AwsError(
                    "UnknownOperationException",
                    f"faaslib does not emulate the AWS service {request.service!r} "
                    f"(it serves: {', '.join(self.services)})",
                    404,
                )
            response = await service.handle(request)
        except AwsError as error:
            response = _error_response(error, protocol, request_id)
        except Exception:  # a bug of faaslib's: logged, answered as AWS answers its own faults
            logger.exception("app.aws: %s %s failed", scope.get("method"), scope.get("path"))
            failure = AwsError(
                "InternalFailure", "faaslib failed to serve the request", 500, sender_fault=False
            )
            response = _error_response(failure, protocol, request_id)
        # A service may answer with a request id of its own (Invoke: the invocation's).
        request_id = next(
            (value for name, value in response.headers if name.lower() == "x-amzn-requestid"),
            request_id,
        )
        headers = [(b"x-amzn-requestid", request_id.encode())]
        headers += [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in response.headers
            if name.lower() != "x-amzn-requestid"
        ]
        # A HEAD answer names the length of the body a GET would send (S3's HeadObject).
        if not any(name.lower() == "content-length" for name, _ in response.headers):
            headers.append((b"content-length", str(len(response.body)).encode()))
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        await send({"type": "http.response.body", "body": response.body})

    def _request(self, scope: Scope, body: bytes, request_id: str) -> AwsRequest:
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1")
            for name, value in scope.get("headers", [])
        }
        raw_path = bytes(scope.get("raw_path") or scope.get("path", "/").encode()).decode("latin-1")
        raw_path = raw_path.split("?", 1)[0]
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        service, region = _signed_for(headers.get("authorization", ""))
        target = headers.get("x-amz-target")
        operation = None
        protocol: WireProtocol
        if target is not None:
            prefix, _, operation = target.partition(".")
            service = service or _TARGETS.get(prefix, prefix.lower())
            protocol = "json"
        elif "Action" in query or (
            headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
            and b"Action=" in body
        ):
            protocol = "query"
            form = parse_qs(body.decode("latin-1"), keep_blank_values=True)
            operation = (query.get("Action") or form.get("Action") or [None])[0]
        elif service == "s3":
            protocol = "rest-xml"
        else:
            protocol = "rest-json"
            if service is None and raw_path.startswith(_LAMBDA_PATHS):
                service = "lambda"
        if service is None:
            raise AwsError(
                "MissingAuthenticationToken",
                "The request is not signed with SigV4 and names no service faaslib knows",
                403,
            )
        return AwsRequest(
            method=scope.get("method", "GET"),
            path=unquote(raw_path),
            raw_path=raw_path,
            query=query,
            headers=headers,
            body=body,
            service=service,
            protocol=protocol,
            operation=operation,
            region=region or self._region,
            request_id=request_id,
        )


def _signed_for(authorization: str) -> tuple[str | None, str | None]:
    """The service and region of a SigV4 `Authorization` header's credential scope."""
    match = _CREDENTIAL_SCOPE.search(authorization)
    if match is None:
        return None, None
    return match.group(2), match.group(1)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise AwsError("RequestEntityTooLarge", "The request body is too large", 413)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _error_response(error: AwsError, protocol: WireProtocol, request_id: str) -> AwsResponse:
    """`error` in the shape of `protocol`, as AWS writes it and botocore parses it."""
    fault = "Sender" if error.sender_fault else "Receiver"
    if protocol in ("query", "rest-xml"):
        body = (
            '<?xml version="1.0"?>'
            f"<ErrorResponse><Error><Type>{fault}</Type><Code>{_xml(error.code)}</Code>"
            f"<Message>{_xml(error.message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        if protocol == "rest-xml":  # S3's shape
            body = (
                '<?xml version="1.0" encoding="UTF-8"?>'
                f"<Error><Code>{_xml(error.code)}</Code><Message>{_xml(error.message)}</Message>"
                f"<RequestId>{request_id}</RequestId></Error>"
            )
        headers = [("content-type", "text/xml"), *error.headers]
        return AwsResponse(error.status, headers, body.encode())
    data = {
        "__type": error.code,
        "message": error.message,
        "Type": "User" if error.sender_fault else "Service",
        **error.fields,
    }
    headers = [
        ("content-type", "application/x-amz-json-1.0"),
        ("x-amzn-errortype", error.code),
        *error.headers,
    ]
    return AwsResponse(error.status, headers, msgspec.json.encode(data))


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
