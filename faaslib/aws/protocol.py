"""What crosses `app.aws`: a request as an AWS SDK sends it, the response, and AWS's errors.

A service module (`faaslib/aws/sqs.py`, ...) reads an `AwsRequest` and answers an `AwsResponse`,
or raises `AwsError`; the front door (`faaslib/aws/asgi.py`) finds the service, and writes the
error in the shape of the request's protocol, so that botocore raises the `ClientError` AWS's
own service would make it raise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import msgspec

__all__ = [
    "AwsError",
    "AwsRequest",
    "AwsResponse",
    "Service",
    "WireProtocol",
    "json_response",
]

# How a request is encoded, as botocore's service models name it.
WireProtocol = Literal["json", "query", "rest-json", "rest-xml"]


@dataclass(frozen=True)
class AwsRequest:
    """One request as an SDK sent it. `headers` have lower-case names; `operation` is the
    `X-Amz-Target`'s or the query's `Action`, when the protocol names it (REST protocols name
    it by method and path, which the service reads itself)."""

    method: str
    path: str  # percent-decoded, without the query
    raw_path: str  # as sent
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    service: str  # the SigV4 signing name: "lambda", "sqs", "sns", "s3", ...
    protocol: WireProtocol
    operation: str | None
    region: str
    request_id: str

    def json(self) -> dict[str, Any]:
        """The body of a JSON-protocol request (an empty body is `{}`)."""
        if not self.body:
            return {}
        try:
            value = msgspec.json.decode(self.body)
        except msgspec.DecodeError as error:
            message = f"The request body is not JSON: {error}"
            raise AwsError("SerializationException", message) from None
        if not isinstance(value, dict):
            raise AwsError("SerializationException", "The request body is not a JSON object")
        return value

    def form(self) -> dict[str, str]:
        """The parameters of a query-protocol request (form body and URL query together),
        the first value of each."""
        from urllib.parse import parse_qs

        values = {key: items[0] for key, items in self.query.items() if items}
        if self.body:
            parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
            values.update({key: items[0] for key, items in parsed.items() if items})
        return values


@dataclass
class AwsResponse:
    """A response: `status`, `headers` (name, value) and the body bytes."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def json_response(
    data: Any, status: int = 200, content_type: str = "application/x-amz-json-1.0"
) -> AwsResponse:
    """A JSON body, as JSON protocols answer."""
    return AwsResponse(status, [("content-type", content_type)], msgspec.json.encode(data))


class AwsError(Exception):
    """AWS's error: `code` (the exception's name, e.g. `QueueDoesNotExist`), `message`, the HTTP
    `status`, whether the caller (`Sender`) or the service (`Receiver`) is at fault, and any
    headers the protocol needs beside the body (SQS's `x-amzn-query-error`), and more `fields` of
    a JSON error body (a throttle's `Reason`)."""

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        sender_fault: bool = True,
        headers: list[tuple[str, str]] | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        self.headers = headers or []
        self.fields = dict(fields or {})  # more members of a JSON error body (Lambda's Reason)


class Service(Protocol):
    """One AWS service of `app.aws`, by its SigV4 signing name."""

    name: str

    async def handle(self, request: AwsRequest) -> AwsResponse:
        """The response to `request`; raises `AwsError` for what AWS answers with an error."""
        ...
