"""Queue attributes as SQS names them: read from `CreateQueue` and `SetQueueAttributes` into the
queue's options, checked against SQS's limits, and written for `GetQueueAttributes`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from faaslib.aws.protocol import AwsError
from faaslib.aws.sqs.errors import sqs_error
from faaslib.sources.queue import Queue
from faaslib.sources.queue.checks import out_of_range
from faaslib.sources.queue.messages import (
    DELAY_SECONDS,
    MAX_RECEIVE_COUNT,
    MAXIMUM_MESSAGE_SIZE,
    RETENTION_PERIOD,
    VISIBILITY_TIMEOUT,
)

__all__ = ["OPTIONS", "Redrive", "describe", "options_from", "set_attributes"]

Redrive = tuple[Queue, int]

# The attributes a faaslib queue holds: SQS's name → the queue's option and its limits.
_NUMBERS = {
    "VisibilityTimeout": ("visibility_timeout", VISIBILITY_TIMEOUT),
    "DelaySeconds": ("delay_seconds", DELAY_SECONDS),
    "MessageRetentionPeriod": ("message_retention_period", RETENTION_PERIOD),
    "MaximumMessageSize": ("maximum_message_size", MAXIMUM_MESSAGE_SIZE),
}
_FLAGS = {"FifoQueue": "fifo", "ContentBasedDeduplication": "content_based_deduplication"}
OPTIONS = {**{name: option for name, (option, _) in _NUMBERS.items()}, **_FLAGS}
OPTIONS["RedrivePolicy"] = "redrive"
# What GetQueueAttributes answers beside them; the rest of SQS's names faaslib does not hold.
_COUNTS: dict[str, Callable[[Queue], int]] = {
    "ApproximateNumberOfMessages": lambda queue: queue.approximate_number_of_messages,
    "ApproximateNumberOfMessagesNotVisible": lambda queue: (
        queue.approximate_number_of_messages_not_visible
    ),
    "ApproximateNumberOfMessagesDelayed": lambda queue: (
        queue.approximate_number_of_messages_delayed
    ),
}
_KNOWN = {
    "All",
    "Policy",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
    "ReceiveMessageWaitTimeSeconds",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
    *OPTIONS,
    *_COUNTS,
}


def options_from(
    attributes: Mapping[str, Any], find_queue: Callable[[str], Queue | None]
) -> dict[str, Any]:
    """The queue options `attributes` ask for (`RedrivePolicy` as `redrive=(queue, count)`);
    `InvalidAttributeName` / `InvalidAttributeValue` / `UnsupportedOperation` for what SQS
    refuses or faaslib's queues do not hold. `find_queue` finds a queue by ARN."""
    options: dict[str, Any] = {}
    for name, value in attributes.items():
        if name not in _KNOWN or name in _COUNTS or name in ("All", "QueueArn"):
            raise sqs_error("InvalidAttributeName", f"Unknown Attribute {name}.")
        if not isinstance(value, str):
            raise _invalid_value(name, value)
        if name in _NUMBERS:
            option, limits = _NUMBERS[name]
            try:
                number = int(value)
            except ValueError:
                raise _invalid_value(name, value) from None
            if out_of_range(option, number, limits, "") is not None:
                raise _invalid_value(name, value, f"Must be between {limits[0]} and {limits[1]}")
            options[option] = number
        elif name in _FLAGS:
            if value.lower() not in ("true", "false"):
                raise _invalid_value(name, value)
            options[_FLAGS[name]] = value.lower() == "true"
        elif name == "RedrivePolicy":
            options["redrive"] = _redrive(value, find_queue)
        elif name == "ReceiveMessageWaitTimeSeconds" and value == "0":
            continue  # SQS's default: a receive that names no wait does not wait
        else:
            raise sqs_error(
                "UnsupportedOperation",
                f"The queue attribute {name}={value!r} is not supported by faaslib queues.",
            )
    return options


def _redrive(value: str, find_queue: Callable[[str], Queue | None]) -> Redrive | None:
    if value == "":
        return None  # SQS: an empty policy removes the queue's redrive
    try:
        policy = json.loads(value)
        target, count = policy["deadLetterTargetArn"], policy["maxReceiveCount"]
        count = int(count)
    except (ValueError, TypeError, KeyError):
        raise sqs_error(
            "InvalidParameterValue",
            f"Value {value} for parameter RedrivePolicy is invalid. Reason: Redrive policy is "
            'not a JSON object {"deadLetterTargetArn": ..., "maxReceiveCount": ...}.',
        ) from None
    if out_of_range("maxReceiveCount", count, MAX_RECEIVE_COUNT, "") is not None:
        raise sqs_error(
            "InvalidParameterValue",
            f"Value {value} for parameter RedrivePolicy is invalid. Reason: Invalid value for "
            f"maxReceiveCount: {count}, valid values are from {MAX_RECEIVE_COUNT[0]} to "
            f"{MAX_RECEIVE_COUNT[1]} both inclusive.",
        )
    queue = find_queue(target) if isinstance(target, str) else None
    if queue is None:
        raise sqs_error(
            "InvalidParameterValue",
            f"Value {value} for parameter RedrivePolicy is invalid. Reason: Dead letter target "
            "does not exist.",
        )
    return queue, count


def current(queue: Queue) -> dict[str, Any]:
    """The queue's options as `options_from` reads them, to compare with a request's."""
    redrive = None
    if queue.dead_letter_queue is not None and queue.max_receive_count is not None:
        redrive = (queue.dead_letter_queue, queue.max_receive_count)
    return {
        "visibility_timeout": queue.visibility_timeout,
        "delay_seconds": queue.delay_seconds,
        "message_retention_period": queue.message_retention_period,
        "maximum_message_size": queue.maximum_message_size,
        "fifo": queue.fifo,
        "content_based_deduplication": queue.content_based_deduplication,
        "redrive": redrive,
    }


def check_redrive(queue: Queue, redrive: Redrive | None) -> None:
    """Refuse a dead-letter queue SQS refuses for `queue`: itself, or of the other kind."""
    if redrive is None:
        return
    target = redrive[0]
    if target is queue or target.fifo != queue.fifo:
        kind = "a FIFO" if queue.fifo else "a standard"
        raise sqs_error(
            "InvalidParameterValue",
            f"Value for parameter RedrivePolicy is invalid. Reason: the dead-letter queue of "
            f"{kind} queue must be another {kind.removeprefix('a ')} queue: "
            f"{target.name!r}.",
        )


def set_attributes(queue: Queue, options: Mapping[str, Any]) -> None:
    """Change `queue`'s settings to `options` (all checked first, then all applied).

    A queue reads these on every operation, so a change applies to the next send or receive,
    as SQS's does. What a faaslib queue cannot change after creation is refused."""
    now = current(queue)
    if "fifo" in options and options["fifo"] != queue.fifo:
        raise _invalid_value("FifoQueue", str(options["fifo"]).lower(), "it cannot be changed")
    if "content_based_deduplication" in options and not queue.fifo:
        raise sqs_error("InvalidAttributeName", "Unknown Attribute ContentBasedDeduplication.")
    if (
        options.get("message_retention_period", now["message_retention_period"])
        != now["message_retention_period"]
    ):
        raise sqs_error(
            "UnsupportedOperation",
            "MessageRetentionPeriod cannot be changed on a faaslib queue after it is created "
            f"(it is {_number(queue.message_retention_period)}).",
        )
    if "redrive" in options:
        check_redrive(queue, options["redrive"])
    for option in ("visibility_timeout", "delay_seconds", "maximum_message_size"):
        if option in options:
            setattr(queue, option, options[option])
    if "content_based_deduplication" in options:
        queue.content_based_deduplication = options["content_based_deduplication"]
    if "redrive" in options:
        redrive = options["redrive"]
        queue.dead_letter_queue, queue.max_receive_count = redrive if redrive else (None, None)


def describe(queue: Queue, names: list[str]) -> dict[str, str]:
    """`GetQueueAttributes`: the attributes `names` asks for (`All` for every one the queue
    has), as SQS writes them; `InvalidAttributeName` for a name SQS does not know."""
    for name in names:
        if name not in _KNOWN:
            raise sqs_error("InvalidAttributeName", f"Unknown Attribute {name}.")
    every = "All" in names
    values: dict[str, str] = {
        "QueueArn": queue.arn,
        "VisibilityTimeout": _number(queue.visibility_timeout),
        "DelaySeconds": _number(queue.delay_seconds),
        "MessageRetentionPeriod": _number(queue.message_retention_period),
        "MaximumMessageSize": _number(queue.maximum_message_size),
        "ReceiveMessageWaitTimeSeconds": "0",
    }
    for name, count in _COUNTS.items():
        values[name] = str(count(queue))
    if queue.dead_letter_queue is not None:
        values["RedrivePolicy"] = json.dumps(
            {
                "deadLetterTargetArn": queue.dead_letter_queue.arn,
                "maxReceiveCount": queue.max_receive_count,
            },
            separators=(",", ":"),
        )
    if queue.fifo:  # SQS answers these only for FIFO queues
        values["FifoQueue"] = "true"
        values["ContentBasedDeduplication"] = str(queue.content_based_deduplication).lower()
    return {name: value for name, value in values.items() if every or name in names}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _invalid_value(name: str, value: Any, reason: str | None = None) -> AwsError:
    why = f" Reason: {reason}." if reason else ""
    return sqs_error(
        "InvalidAttributeValue", f"Invalid value for the parameter {name}: {value!r}.{why}"
    )
