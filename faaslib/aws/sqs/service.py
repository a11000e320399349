"""`SqsService`: SQS's operations, each translated into the call the Python API makes on the
app's queues, with SQS's requests, answers and errors."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from faaslib.aws.protocol import AwsError, AwsRequest, AwsResponse, json_response
from faaslib.aws.sqs import attributes, query, wire
from faaslib.aws.sqs.errors import from_queue_error, queue_does_not_exist, sqs_error
from faaslib.aws.sqs.messages import MessageOperations
from faaslib.errors import ConfigurationError
from faaslib.sources.queue import Queue
from faaslib.sources.queue.messages import QueueError
from faaslib.sources.registry import QueueDeletedRecently

if TYPE_CHECKING:
    from faaslib.app import App

__all__ = ["SqsService"]

Operation = Callable[[AwsRequest, dict[str, Any]], Awaitable[dict[str, Any]]]

_LIST_LIMIT = 1000


class SqsService(MessageOperations):
    """SQS's JSON and query protocols for `app`'s queues: `SqsService(app)`, served by `app.aws`.

    Queues, messages, receipt handles, visibility and redrive are the queues' own; this class
    only translates. Operations SQS has and faaslib's queues do not (tags, permissions, message
    move tasks) answer `UnsupportedOperation` naming them, as does deleting a queue that the
    app's triggers, redrive policies, subscriptions, rules or destinations still use.
    """

    name = "sqs"

    def __init__(self, app: App) -> None:
        self.app = app
        self._operations: dict[str, Operation] = {
            "CreateQueue": self._create_queue,
            "GetQueueUrl": self._get_queue_url,
            "ListQueues": self._list_queues,
            "GetQueueAttributes": self._get_queue_attributes,
            "SetQueueAttributes": self._set_queue_attributes,
            "PurgeQueue": self._purge_queue,
            "DeleteQueue": self._delete_queue,
            "SendMessage": self._send_message,
            "SendMessageBatch": self._send_message_batch,
            "ReceiveMessage": self._receive_message,
            "DeleteMessage": self._delete_message,
            "DeleteMessageBatch": self._delete_message_batch,
            "ChangeMessageVisibility": self._change_message_visibility,
            "ChangeMessageVisibilityBatch": self._change_message_visibility_batch,
        }

    async def handle(self, request: AwsRequest) -> AwsResponse:
        """The answer to one SQS request, in the JSON protocol or the older query protocol
        (translated to and from the same operations by `faaslib.aws.sqs.query`)."""
        if request.protocol == "query":
            try:
                host = request.headers.get("host", "")
                params = query.params_from_form(request.form(), request.path, host)
                answer = await self._answer(request, params)
            except AwsError as error:
                raise query.legacy_error(error) from None
            return query.xml_response(request.operation or "", answer, request.request_id)
        if request.protocol != "json":
            raise sqs_error(
                "UnsupportedOperation",
                f"faaslib serves SQS's JSON and query protocols, not its {request.protocol} "
                f"protocol: use an AWS SDK",
            )
        return json_response(await self._answer(request, request.json()))

    async def _answer(self, request: AwsRequest, params: dict[str, Any]) -> dict[str, Any]:
        operation = self._operations.get(request.operation or "")
        if operation is None:
            raise sqs_error(
                "UnsupportedOperation",
                f"faaslib does not emulate the SQS operation {request.operation!r} (it serves: "
                f"{', '.join(sorted(self._operations))})",
            )
        try:
            return await operation(request, params)
        except QueueError as error:
            raise from_queue_error(error) from None

    # -- finding queues ---------------------------------------------------------------------

    def _queues(self) -> Mapping[str, Queue]:
        return self.app.queues  # (`app.queue(name)` would declare the queue it names)

    def _queue(self, params: Mapping[str, Any]) -> Queue:
        """The queue the request's `QueueUrl` names (`QueueDoesNotExist` if none)."""
        url = wire.required_string(params, "QueueUrl")
        parts = urlsplit(url).path.strip("/").split("/")
        queue = None
        if len(parts) == 2 and parts[0] == self.app.config.account_id:
            queue = self._queues().get(parts[1])
        if queue is None:
            raise queue_does_not_exist(url)
        return queue

    def _by_arn(self, arn: str) -> Queue | None:
        parts = arn.split(":")
        config = self.app.config
        if len(parts) != 6 or parts[2:5] != ["sqs", config.region, config.account_id]:
            return None
        return self._queues().get(parts[5])

    def _url(self, request: AwsRequest, queue: Queue) -> str:
        host = request.headers.get("host") or f"sqs.{queue.region}.amazonaws.com"
        return f"http://{host}/{queue.account}/{queue.name}"

    # -- queues -------------------------------------------------------------------------------

    async def _create_queue(self, request: AwsRequest, params: dict[str, Any]) -> dict[str, Any]:
        name = wire.required_string(params, "QueueName")
        if params.get("tags"):
            raise sqs_error("UnsupportedOperation", "faaslib queues have no tags.")
        options = attributes.options_from(wire.mapping(params, "Attributes"), self._by_arn)
        existing = self._queues().get(name)
        if existing is not None:
            held = attributes.current(existing)
            for attribute, option in attributes.OPTIONS.items():
                if option in options and options[option] != held[option]:
                    raise sqs_error(
                        "QueueNameExists",
                        f"A queue already exists with the same name and a different value for "
                        f"attribute {attribute}: {name}",
                    )
            return {"QueueUrl": self._url(request, existing)}
        redrive = options.get("redrive")
        if redrive is not None:  # the app names a dead-letter queue by its name
            options["redrive"] = (redrive[0].name, redrive[1])
        elif "redrive" in options:
            del options["redrive"]
        try:
            queue = self.app.queue(name, **options)
        except QueueDeletedRecently as error:
            raise sqs_error("QueueDeletedRecently", f"{error}.") from None
        except ConfigurationError as error:
            raise sqs_error("InvalidParameterValue", str(error)) from None
        return {"QueueUrl": self._url(request, queue)}

    async def _get_queue_url(self, request: AwsRequest, params: dict[str, Any]) -> dict[str, Any]:
        name = wire.required_string(params, "QueueName")
        owner = wire.string(params, "QueueOwnerAWSAccountId")
        queue = self._queues().get(name)
        if queue is None or owner not in (None, queue.account):
            raise queue_does_not_exist(name)
        return {"QueueUrl": self._url(request, queue)}

    async def _list_queues(self, request: AwsRequest, params: dict[str, Any]) -> dict[str, Any]:
        prefix = wire.string(params, "QueueNamePrefix") or ""
        limit = wire.integer(params, "MaxResults", 1, _LIST_LIMIT)
        token = wire.string(params, "NextToken")
        after = _read_token(token) if token is not None else None
        names = sorted(
            name
            for name in self._queues()
            if name.startswith(prefix) and (after is None or name > after)
        )
        page = names[: limit or _LIST_LIMIT]
        answer: dict[str, Any] = {}
        if page:
            queues = self._queues()
            answer["QueueUrls"] = [self._url(request, queues[name]) for name in page]
        if limit is not None and len(names) > limit:
            answer["NextToken"] = base64.urlsafe_b64encode(page[-1].encode()).decode()
        return answer

    async def _get_queue_attributes(
        self, request: AwsRequest, params: dict[str, Any]
    ) -> dict[str, Any]:
        queue = self._queue(params)
        values = attributes.describe(queue, wire.strings(params, "AttributeNames"))
        return {"Attributes": values} if values else {}

    async def _set_queue_attributes(
        self, request: AwsRequest, params: dict[str, Any]
    ) -> dict[str, Any]:
        queue = self._queue(params)
        given = params.get("Attributes")
        if not isinstance(given, dict):
            raise wire.missing("Attributes")
        attributes.set_attributes(queue, attributes.options_from(given, self._by_arn))
        return {}

    async def _purge_queue(self, request: AwsRequest, params: dict[str, Any]) -> dict[str, Any]:
        await self._queue(params).purge()
        return {}

    async def _delete_queue(self, request: AwsRequest, params: dict[str, Any]) -> dict[str, Any]:
        queue = self._queue(params)
        try:
            await self.app.delete_queue(queue.name)
        except ConfigurationError as error:  # something of the app's still uses it
            raise sqs_error("UnsupportedOperation", f"DeleteQueue: {error}") from None
        return {}


def _read_token(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, ValueError):
        raise sqs_error("InvalidParameterValue", f"Invalid NextToken value: {token!r}.") from None
