"""`events.parse` against generated hostile values (tests/events/hostile.py), as a value, as
JSON text and as JSON bytes: it returns a typed event or raises `EventValidationError`, holding
JSON text to the rule of every door (`faaslib.payloads`). Never another exception."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faaslib import events
from faaslib.events import AWSEvent, EventValidationError, KafkaEvent, SQSEvent, build
from faaslib.payloads import MAX_DEPTH, PayloadError, to_document
from tests.events.hostile import hostile, nested

examples = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parsed(raw: Any, type: type[AWSEvent] | None = None) -> AWSEvent | EventValidationError:
    """What parse makes of `raw`, or the EventValidationError it raises; any other exception
    fails the test."""
    try:
        return events.parse(raw) if type is None else events.parse(raw, type=type)
    except EventValidationError as error:
        return error


def as_text(value: Any) -> list[Any]:
    """`value` as JSON text and bytes too, when it has a JSON form."""
    try:
        body = to_document(value)
    except PayloadError:
        return []
    return [body, body.decode()]


@given(value=hostile, event_type=st.sampled_from([None, SQSEvent, KafkaEvent]))
@examples
def test_parse_gives_an_event_or_a_validation_error(
    value: Any, event_type: type[AWSEvent] | None
) -> None:
    for raw in [value, *as_text(value)]:
        result = parsed(raw, event_type)
        if event_type is not None and not isinstance(result, Exception):
            assert isinstance(result, event_type)


@given(records=st.lists(hostile, max_size=2), event_type=st.sampled_from([None, SQSEvent]))
@examples
def test_a_hostile_record_in_an_sqs_shape_gives_an_event_or_a_validation_error(
    records: list[Any], event_type: type[AWSEvent] | None
) -> None:
    shaped = {"Records": [{"eventSource": "aws:sqs", "body": record} for record in records]}
    for raw in [shaped, *as_text(shaped)]:
        parsed(raw, event_type)


@pytest.mark.parametrize(
    "raw",
    [
        '{"Records": ["\ud800"]}',
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
        "[" * 985 + "]" * 985,
        b"[" * 5_000 + b"]" * 5_000,
        b"\xff\xfe",
        "",
    ],
    ids=["lone surrogate", "just too deep", "985 deep", "5000 deep", "not UTF-8", "empty"],
)
@pytest.mark.parametrize("event_type", [None, SQSEvent])
def test_json_text_faaslib_refuses_at_its_doors_is_refused_by_parse(
    raw: str | bytes, event_type: type[AWSEvent] | None
) -> None:
    with pytest.raises(EventValidationError) as caught:
        events.parse(raw, type=event_type) if event_type else events.parse(raw)
    assert caught.value.problem  # names the problem


def test_the_deepest_accepted_document_parses() -> None:
    body = {"Records": [{"eventSource": "aws:sqs", "body": "x", "attributes": {}}]}
    text = json.dumps({**body, "extra": nested(MAX_DEPTH - 1)})
    assert isinstance(events.parse(text), SQSEvent)


def test_self_managed_kafka_says_so_without_the_aws_prefix() -> None:
    event = build.kafka(self_managed=True)
    assert event.event_source == "SelfManagedKafka"
    assert isinstance(events.parse(events.dump(event)), KafkaEvent)
    # Powertools' published sample says "aws:SelfManagedKafka": still a Kafka event.
    assert isinstance(events.parse({"eventSource": "aws:SelfManagedKafka"}), KafkaEvent)
