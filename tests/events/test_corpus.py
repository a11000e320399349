"""Conformance: every real AWS sample in ../shared/corpus/events decodes with the Struct of its
family and re-encodes to the same JSON; `parse` recognises its family unaided, and no family's
`detect` claims another family's sample. Responses (what a handler returns to a service) decode
with their response Struct. A sample that cannot be typed honestly is listed in SKIPPED with the
reason."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from faaslib import events
from faaslib.events import _DETECTORS
from faaslib.events.responses import RESPONSES
from tests.events.corpus import CORPUS, ROWS, load, needs_corpus, paths

pytestmark = needs_corpus

# Samples left out on purpose, each with the reason; everything else must round-trip.
SKIPPED: dict[str, str] = {
    "powertools/cloudWatchDashboardEvent.json": (
        "CloudWatch copies the widget's own params to top-level keys of the event, which no Struct "
        "can name; tests/events/test_cloudwatch.py checks it round-trips but for those keys"
    ),
    "powertools/vpcLatticeEventV2PathTrailingSlash.json": (
        "a malformed fixture: a v2 event carrying v1's snake_case query_string_parameters; "
        "tests/events/test_lattice.py checks everything else in it round-trips"
    ),
}
# The samples of a family with several Structs that are not of its main (first) one.
OTHER_STRUCTS: dict[str, type[events.AWSEvent]] = {
    "aws-lambda-go/apigw-custom-auth-request-type-request.json": (
        events.APIGatewayAuthorizerRequestEvent
    ),
    "aws-lambda-go/apigw-v2-custom-authorizer-v1-request.json": (
        events.APIGatewayAuthorizerRequestEvent
    ),
    "powertools/apiGatewayAuthorizerRequestEvent.json": events.APIGatewayAuthorizerRequestEvent,
    "aws-lambda-go/apigw-v2-custom-authorizer-v2-request.json": events.APIGatewayAuthorizerEventV2,
    "powertools/apiGatewayAuthorizerV2Event.json": events.APIGatewayAuthorizerEventV2,
    "aws-lambda-go/appsync-identity-cognito.json": events.AppSyncIdentity,
    "aws-lambda-go/appsync-identity-iam.json": events.AppSyncIdentity,
    "aws-lambda-go/iot-1-click-event.json": events.IoTOneClickEvent,
    "aws-lambda-go/iot-custom-auth-request.json": events.IoTCustomAuthorizerEvent,
    "aws-lambda-go/iot-preprovision-hook-request.json": events.IoTPreProvisionHookEvent,
    "aws-lambda-go/kinesis-analytics-output-delivery-event.json": (
        events.KinesisAnalyticsOutputDeliveryEvent
    ),
    "aws-lambda-go/rabbitmq-event.json": events.RabbitMQEvent,
    "powertools/rabbitMQEvent.json": events.RabbitMQEvent,
    "powertools/vpcLatticeEvent.json": events.VPCLatticeEvent,
    "powertools/vpcLatticeEventPathTrailingSlash.json": events.VPCLatticeEvent,
}

EVENTS = [
    (path, family)
    for path, family in ROWS
    if family != "response" and path not in SKIPPED and family in events.FAMILIES
]
ANSWERS = paths("response")


def test_the_corpus_is_there() -> None:
    assert len(ROWS) > 200


def test_every_family_of_the_corpus_has_structs() -> None:
    families = {family for _, family in ROWS} - {"response"}
    assert families - set(events.FAMILIES) == set()


def test_every_listed_sample_is_in_the_corpus() -> None:
    assert set(SKIPPED) | set(OTHER_STRUCTS) <= {path for path, _ in ROWS}


def test_the_response_samples_are_those_with_a_response_struct() -> None:
    assert sorted(ANSWERS) == sorted(RESPONSES)


@pytest.mark.parametrize(("path", "family"), EVENTS, ids=[path for path, _ in EVENTS])
def test_a_sample_round_trips_through_its_struct(path: str, family: str) -> None:
    raw = load(path)
    if isinstance(raw, list):  # a batch of AppSync resolver events
        event_type = events.FAMILIES[family][0]
        assert [events.dump(events.parse(item, type=event_type)) for item in raw] == raw
        return
    event = events.parse(raw)  # the family's Struct for this shape
    assert type(event) is OTHER_STRUCTS.get(path, events.FAMILIES[family][0])
    assert events.dump(events.parse(raw, type=type(event))) == raw


@pytest.mark.parametrize("path", ANSWERS)
def test_a_response_sample_round_trips_through_its_struct(path: str) -> None:
    raw = load(path)
    assert events.dump(events.parse(raw, type=RESPONSES[path])) == raw
    assert events.dump(events.parse((CORPUS / path).read_bytes(), type=RESPONSES[path])) == raw


@pytest.mark.parametrize("detect", _DETECTORS, ids=[detect.__module__ for detect in _DETECTORS])
def test_no_detector_claims_a_sample_of_another_family(
    detect: Callable[[Mapping[str, Any]], type[events.AWSEvent] | None],
) -> None:
    # `parse` tries the detectors in turn, so an earlier one would hide a later one's mistake.
    own = sys.modules[detect.__module__].FAMILIES  # the families of the detector's module
    claimed = [
        (path, found)
        for path, family in ROWS
        if (found := detect(load(path))) is not None and found not in own.get(family, ())
    ]
    assert claimed == []
