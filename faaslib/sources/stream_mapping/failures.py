"""What a stream mapping does with records it gives up on: Lambda's failure record, the on-failure
destination it goes to, and the counters that account for every record.

A stream mapping discards records when they exhaust the retry quota ("RetryAttemptsExhausted")
or grow older than the maximum record age or the stream's retention ("RecordAgeExceeded"). The
destination gets a document describing the discarded range, not the records themselves, shaped
as with-kinesis.html's "Example invocation record" (and with-ddb.html's, `DDBStreamBatchInfo`
for a table), keys in that order. Records the stream trimmed before the mapping read them are
described the same way; their arrival times are gone with them, so both arrival fields give the
retention cutoff they arrived before.

A destination that refuses a record (a message too large for the queue, say) does not lose it:
the mapping logs it, counts it and keeps it in `undelivered`.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import msgspec

from faaslib.errors import ConfigurationError
from faaslib.events._fake import iso_time, request_id
from faaslib.invoke import InvocationResult
from faaslib.sources.queue.queue import Queue
from faaslib.sources.registry import Resources
from faaslib.sources.topic.topic import Topic

__all__ = [
    "RECORD_AGE_EXCEEDED",
    "RETRY_ATTEMPTS_EXHAUSTED",
    "FailureRange",
    "OnFailure",
    "StreamMappingCounters",
    "UndeliveredFailure",
    "failure_record",
    "resolve_on_failure",
]

logger = logging.getLogger("faaslib.sources")

RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"
RECORD_AGE_EXCEEDED = "RecordAgeExceeded"


class StreamMappingCounters(msgspec.Struct, kw_only=True):
    """What a stream mapping did. Every record it read is, in the end, `records_succeeded`,
    `filtered` (skipped without invoking), or `discarded` under a condition; `records` counts
    records sent to the function, once per invocation that carried them."""

    invocations: int = 0
    records: int = 0
    records_succeeded: int = 0
    filtered: int = 0
    failed_batches: int = 0  # invocations that failed whole: an error or a malformed answer
    partial_batches: int = 0
    retries: int = 0  # batches invoked again after failing, counted in the retry quota
    bisections: int = 0
    throttles: int = 0  # invocations Lambda refused (429 and the like): retried, not counted
    discarded: dict[str, int] = msgspec.field(
        default_factory=lambda: {RETRY_ATTEMPTS_EXHAUSTED: 0, RECORD_AGE_EXCEEDED: 0}
    )
    lost_to_retention: int = 0  # trimmed before they were read, of `discarded`
    on_failure_sent: int = 0  # failure records the destination took
    on_failure_refused: int = 0  # failure records it refused, kept in `undelivered`
    iterator_age_latest: int = 0
    iterator_age_max: int = 0
    most_busy: int = 0


class FailureRange(msgspec.Struct, frozen=True, kw_only=True):
    """A range of one shard's records given up on, for its failure record."""

    shard_id: str
    start_sequence_number: str
    end_sequence_number: str
    first_arrival: float
    last_arrival: float
    size: int


class UndeliveredFailure(msgspec.Struct, frozen=True, kw_only=True):
    """A failure record the destination refused, and why."""

    record: dict[str, Any]
    reason: str


def failure_record(
    *,
    batch_info_key: str,
    stream_arn: str,
    function_arn: str,
    condition: str,
    failed: FailureRange,
    invocations: int,
    last: InvocationResult | None,
    now: float,
    arrival_millis: bool,
) -> dict[str, Any]:
    """The document Lambda sends an on-failure destination for discarded stream records.
    `responseContext` is there only if the records were invoked (`last`)."""
    record: dict[str, Any] = {
        "requestContext": {
            "requestId": last.request_id if last is not None else request_id(),
            "functionArn": function_arn,
            "condition": condition,
            "approximateInvokeCount": invocations,
        }
    }
    if last is not None:
        response: dict[str, Any] = {
            "statusCode": last.status_code,
            "executedVersion": last.executed_version or "$LATEST",
        }
        if last.function_error is not None:
            response["functionError"] = last.function_error
        record["responseContext"] = response
    record["version"] = "1.0"
    record["timestamp"] = iso_time(now)
    record[batch_info_key] = {
        "shardId": failed.shard_id,
        "startSequenceNumber": failed.start_sequence_number,
        "endSequenceNumber": failed.end_sequence_number,
        "approximateArrivalOfFirstRecord": iso_time(failed.first_arrival, millis=arrival_millis),
        "approximateArrivalOfLastRecord": iso_time(failed.last_arrival, millis=arrival_millis),
        "batchSize": failed.size,
        "streamArn": stream_arn,
    }
    return record


class OnFailure:
    """A mapping's on-failure destination: a standard queue or topic of the app."""

    def __init__(self, target: Queue | Topic) -> None:
        self.target = target
        self.undelivered: list[UndeliveredFailure] = []

    def describe(self) -> str:
        kind = "queue" if isinstance(self.target, Queue) else "topic"
        return f"{kind} {self.target.name}"

    async def send(
        self, record: dict[str, Any], counters: StreamMappingCounters, function: str
    ) -> None:
        """Send `record`, even while the app is stopping: it describes records already given
        up on, and nothing else would say they were."""
        target = self.target
        with anyio.CancelScope(shield=True):
            try:
                if isinstance(target, Queue):
                    await target.send(record)
                else:
                    await target.publish(record)
            except ValueError as error:  # every refusal of a queue or topic is one
                counters.on_failure_refused += 1
                self.undelivered.append(UndeliveredFailure(record=record, reason=str(error)))
                logger.warning(
                    "function %r: the on-failure destination %s refused a failure record: %s",
                    function,
                    self.describe(),
                    error,
                )
                return
        counters.on_failure_sent += 1


def resolve_on_failure(owner: str, target: Any, resources: Resources) -> OnFailure | None:
    """The destination `target` names: a queue or topic of the app, by name or ARN, declared
    before the mapping. Lambda sends stream failure records to a standard SQS queue or SNS
    topic only (services-kinesis-params.html, DestinationConfig)."""
    if target is None:
        return None
    if not isinstance(target, str) or not target:
        raise ConfigurationError(
            f"{owner}: on_failure={target!r} must be the name or ARN of a queue or topic of the app"
        )
    found: object
    if target.startswith("arn:"):
        found = resources.by_arn(target)
    else:
        queue, topic = resources.queues.get(target), resources.topics.get(target)
        if queue is not None and topic is not None:
            raise ConfigurationError(
                f"{owner}: on_failure={target!r} names both a queue and a topic; give its ARN "
                f"({queue.arn} or {topic.arn})"
            )
        found = queue if queue is not None else topic
    if found is None:
        queues = ", ".join(sorted(resources.queues)) or "none"
        topics = ", ".join(sorted(resources.topics)) or "none"
        raise ConfigurationError(
            f"{owner}: on_failure={target!r} names no queue or topic of the app (queues: "
            f"{queues}; topics: {topics}); declare it with app.queue() or app.topic() before "
            "the decorator"
        )
    if not isinstance(found, Queue | Topic):
        raise ConfigurationError(
            f"{owner}: on_failure={target!r} is not a queue or topic; Lambda sends a stream's "
            "failure records to an SQS queue or an SNS topic"
        )
    if found.fifo:
        kind = "queue" if isinstance(found, Queue) else "topic"
        raise ConfigurationError(
            f"{owner}: on_failure={target!r} is a FIFO {kind}; Lambda sends a stream's failure "
            "records to a standard queue or topic only"
        )
    return OnFailure(found)
