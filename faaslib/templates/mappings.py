"""Event source mappings: SAM's SQS, Kinesis and DynamoDB events and CloudFormation's
`AWS::Lambda::EventSourceMapping`, as `app.on_queue`, `on_stream` and `on_table` bindings.

SAM's event properties are the mapping's own (`BatchSize`, `FunctionResponseTypes`,
`FilterCriteria`, ...), so one reader serves both; only where the source is named differs
(`Queue` or `Stream` in SAM, `EventSourceArn` in CloudFormation).
"""

from __future__ import annotations

from typing import Any

from faaslib.templates.builder import Builder
from faaslib.templates.errors import TemplateError
from faaslib.templates.names import name_in_arn
from faaslib.templates.properties import Properties

__all__ = ["bind_mapping"]

# Properties that shape nothing faaslib runs (Lambda's own bookkeeping).
QUIET = frozenset({"FunctionName", "EventSourceArn", "Queue", "Stream", "Tags", "KmsKeyArn"})


def bind_mapping(builder: Builder, function: str, source: Any, properties: Properties) -> None:
    """Bind `function` to the queue, stream or table stream whose ARN is `source`."""
    path = properties.path
    found = name_in_arn(source) if isinstance(source, str) else None
    if found is None or found[0] not in ("sqs", "kinesis", "dynamodb"):
        builder.notes.ignored(
            path,
            f"the event source {source!r:.80} is not emulated (faaslib maps SQS, Kinesis "
            "and DynamoDB); no trigger",
        )
        return
    if not properties.boolean("Enabled", True):
        builder.notes.ignored(properties.path_of("Enabled"), "the mapping is disabled; no trigger")
        return
    service = found[0]
    filters: list[Any] = [
        item.get("Pattern") if isinstance(item, dict) else item
        for item in properties.child("FilterCriteria").items("Filters")
    ]
    item_failures = "ReportBatchItemFailures" in properties.items("FunctionResponseTypes")
    window = properties.integer("MaximumBatchingWindowInSeconds", 0)
    app = builder.app
    if service == "sqs":
        # A queue from outside the template: AWS's advice for its visibility timeout, six
        # times the function's timeout, so the mapping is valid whatever the queue really has.
        timeout = app.function_configuration(function).timeout
        outside = {"visibility_timeout": min(max(30, 6 * timeout), 43_200)}
        queue = builder.resource("queue", source, path, outside)
        register = app.on_queue(
            queue,
            batch_size=properties.integer("BatchSize", 10),
            maximum_batching_window=window,
            maximum_concurrency=properties.child("ScalingConfig").integer("MaximumConcurrency"),
            report_batch_item_failures=item_failures,
            filter=filters or None,
        )
    else:
        position = properties.text("StartingPosition")
        if position is None:
            raise TemplateError(
                properties.path_of("StartingPosition"),
                "a stream's mapping needs StartingPosition (LATEST, TRIM_HORIZON or AT_TIMESTAMP)",
            )
        settings: dict[str, Any] = {
            "batch_size": properties.integer("BatchSize", 100),
            "maximum_batching_window": window,
            "starting_position": position,
            "bisect_batch_on_function_error": properties.boolean(
                "BisectBatchOnFunctionError", False
            ),
            "maximum_retry_attempts": properties.integer("MaximumRetryAttempts", -1),
            "maximum_record_age": properties.integer("MaximumRecordAgeInSeconds", -1),
            "parallelization_factor": properties.integer("ParallelizationFactor", 1),
            "report_batch_item_failures": item_failures,
            "on_failure": _on_failure(builder, properties),
            "filter": filters or None,
        }
        if service == "kinesis":
            timestamp = properties.number("StartingPositionTimestamp")
            if timestamp is not None:
                settings["starting_position_timestamp"] = timestamp
            stream = builder.resource("stream", source, path)
            register = app.on_stream(stream, **settings)
        else:
            register = app.on_table(builder.resource("table", source, path), **settings)
    register(function)
    for key in properties.unread():
        if key not in QUIET:
            builder.notes.ignored(
                properties.path_of(key), "faaslib does not emulate this mapping property; ignored"
            )


def _on_failure(builder: Builder, properties: Properties) -> str | None:
    target = properties.child("DestinationConfig").child("OnFailure")
    arn = target.text("Destination")
    target.ignore("Type")
    if arn is None:
        return None
    path = target.path_of("Destination")
    found = name_in_arn(arn)
    if found is not None and found[0] == "sqs":
        return builder.resource("queue", arn, path)
    if found is not None and found[0] == "sns":
        return builder.resource("topic", arn, path)
    builder.notes.ignored(path, "only a queue or topic takes a stream's failure records; dropped")
    return None
