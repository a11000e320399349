"""SQS's query protocol (what older SDKs and the AWS CLI v1 send: a form body
`Action=SendMessage&Version=2012-11-05&QueueUrl=...`), translated to and from the JSON
protocol's operations: the form's parameters (`Attribute.1.Name`, `MessageAttribute.1.Value.
DataType`, `SendMessageBatchRequestEntry.1.Id`, `AttributeName.1`, ...) become the JSON
operation's parameters, and its JSON answer becomes SQS's XML answer, its errors SQS's legacy
codes (`AWS.SimpleQueueService.NonExistentQueue`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from faaslib.aws.protocol import AwsError, AwsResponse
from faaslib.aws.sqs.errors import legacy_code

__all__ = ["legacy_error", "params_from_form", "xml_response"]

_NAMESPACE = "http://queue.amazonaws.com/doc/2012-11-05/"

# A query list of (name, value) pairs -> the JSON map, with the member names of its pairs.
_MAPS = {
    "Attribute": ("Attributes", "Name", "Value"),
    "Tag": ("tags", "Key", "Value"),
    "MessageAttribute": ("MessageAttributes", "Name", "Value"),
    "MessageSystemAttribute": ("MessageSystemAttributes", "Name", "Value"),
}
# A query list of strings -> the JSON list.
_LISTS = {
    "AttributeName": "AttributeNames",
    "MessageAttributeName": "MessageAttributeNames",
    "MessageSystemAttributeName": "MessageSystemAttributeNames",
}
_INTEGERS = {
    "DelaySeconds",
    "MaxNumberOfMessages",
    "MaxResults",
    "VisibilityTimeout",
    "WaitTimeSeconds",
}
_INTEGER = re.compile(r"-?[0-9]+")
_IGNORED = {"Action", "Version"}

# Operations whose answer has no members: SQS writes no `<...Result>` element for them.
_NO_RESULT = {
    "SetQueueAttributes",
    "PurgeQueue",
    "DeleteQueue",
    "DeleteMessage",
    "ChangeMessageVisibility",
}


def params_from_form(form: Mapping[str, str], path: str, host: str) -> dict[str, Any]:
    """The JSON operation's parameters of a query request's `form`; a request to a queue's
    URL (`POST /<account>/<queue>`, as SQS's query API allows) names that queue."""
    tree: dict[str, Any] = {}
    if "QueueUrl" not in form and path.strip("/").count("/") == 1:
        tree["QueueUrl"] = f"http://{host}/{path.strip('/')}"
    for key, value in form.items():
        if key in _IGNORED:
            continue
        node = tree
        *parents, last = key.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            node.setdefault(last, value)
    return _structure(tree)


def _structure(tree: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, node in tree.items():
        if key in _MAPS and isinstance(node, dict):
            name, key_member, value_member = _MAPS[key]
            pairs = _indexed(node)
            params[name] = {
                pair[key_member]: pair.get(value_member)
                for pair in pairs
                if isinstance(pair, dict) and isinstance(pair.get(key_member), str)
            }
        elif key in _LISTS and isinstance(node, dict):
            params[_LISTS[key]] = _indexed(node)
        elif key.endswith("BatchRequestEntry") and isinstance(node, dict):
            params["Entries"] = [
                _structure(entry) if isinstance(entry, dict) else entry for entry in _indexed(node)
            ]
        elif key in _INTEGERS and isinstance(node, str) and _INTEGER.fullmatch(node):
            params[key] = int(node)
        else:
            params[key] = node
    return params


def _indexed(node: Mapping[str, Any]) -> list[Any]:
    """The members `1`, `2`, ... of a query list, in their order."""
    return [node[index] for index in sorted((k for k in node if k.isdigit()), key=int)]


def xml_response(operation: str, answer: Mapping[str, Any], request_id: str) -> AwsResponse:
    """The JSON `answer` of `operation` as SQS's query protocol writes it."""
    result = ""
    if operation not in _NO_RESULT:
        inner = "".join(_element(operation, name, value) for name, value in answer.items())
        result = f"<{operation}Result>{inner}</{operation}Result>"
    body = (
        f'<?xml version="1.0"?><{operation}Response xmlns="{_NAMESPACE}">{result}'
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{operation}Response>"
    )
    return AwsResponse(200, [("content-type", "text/xml")], body.encode())


def _element(operation: str, name: str, value: Any) -> str:
    if isinstance(value, list):
        member = {
            "Successful": f"{operation}ResultEntry",
            "Failed": "BatchResultErrorEntry",
            "QueueUrls": "QueueUrl",
            "Messages": "Message",
        }.get(name, name)
        return "".join(_element(operation, member, item) for item in value)  # flattened
    if isinstance(value, dict):
        if name in ("Attributes", "MessageAttributes"):  # flattened Name/Value pairs
            tag = name[:-1]
            return "".join(
                f"<{tag}><Name>{_text(key)}</Name>{_element(operation, 'Value', item)}</{tag}>"
                for key, item in value.items()
            )
        inner = "".join(_element(operation, key, item) for key, item in value.items())
        return f"<{name}>{inner}</{name}>"
    return f"<{name}>{_text(value)}</{name}>"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\r", "&#xD;")
    )


def legacy_error(error: AwsError) -> AwsError:
    """`error` with the code SQS's query protocol gives it (`QueueDoesNotExist` is
    `AWS.SimpleQueueService.NonExistentQueue`), for the front door to write as XML."""
    return AwsError(
        legacy_code(error.code), error.message, error.status, sender_fault=error.sender_fault
    )
