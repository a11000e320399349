"""AppSync resolver events: every corpus sample round-trips, including the batch (a JSON list)
and the bare identity objects; detection, the builder and the resolved type and field."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from faaslib.events import appsync
from faaslib.events._base import decode
from faaslib.events.appsync import AppSyncIdentity, AppSyncResolverEvent, build_appsync, detect
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

BATCH = list[AppSyncResolverEvent]
EXPECTED: dict[str, Any] = {
    "aws-lambda-go/appsync-identity-cognito.json": AppSyncIdentity,
    "aws-lambda-go/appsync-identity-iam.json": AppSyncIdentity,
    "powertools/appSyncBatchEvent.json": BATCH,
    "powertools/appSyncDirectResolver.json": AppSyncResolverEvent,
    "powertools/appSyncResolverEvent.json": AppSyncResolverEvent,
}
INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
FILES = [row.split("\t")[0] for row in INDEX.splitlines()[1:] if row.endswith("\tappsync")]


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def test_every_appsync_sample_of_the_corpus_has_an_expected_struct() -> None:
    assert sorted(FILES) == sorted(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_a_sample_round_trips_through_its_struct(path: str) -> None:
    raw = load(path)
    event = decode(raw, EXPECTED[path])
    assert msgspec.to_builtins(event) == raw


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_detect_recognises_each_sample(path: str) -> None:
    raw = load(path)
    if EXPECTED[path] is BATCH:
        assert detect(raw) is None  # a list is no single event
        assert all(detect(item) is AppSyncResolverEvent for item in raw)
    else:
        assert detect(raw) is EXPECTED[path]


@pytest.mark.parametrize(
    "path",
    [
        "powertools/sqsEvent.json",
        "powertools/apiGatewayProxyV2Event.json",
        "powertools/apiGatewayProxyEvent.json",
        "powertools/eventBridgeEvent.json",
        "powertools/bedrockAgentEvent.json",
        "powertools/connectContactFlowEventAll.json",
    ],
)
def test_detect_leaves_other_families_alone(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "data",
    [[], "x", 5, None, {}, {"Records": 5}, {"arguments": "x", "identity": None}, {"sourceIp": 1}],
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def samples() -> list[msgspec.Struct]:
    decoded: list[msgspec.Struct] = []
    for path, struct in EXPECTED.items():
        event = decode(load(path), struct)
        decoded.extend(event if isinstance(event, list) else [event])
    return decoded


def test_the_default_build_has_the_structure_of_a_real_resolver_event() -> None:
    built = build_appsync()
    again = decode(msgspec.json.encode(built), AppSyncResolverEvent)
    assert again == built
    assert matching_sample(built, samples())
    assert detect(msgspec.to_builtins(built)) is AppSyncResolverEvent


def test_a_build_puts_the_field_arguments_and_region_where_appsync_does() -> None:
    event = build_appsync(
        "createPost",
        "Mutation",
        {"title": "Hello"},
        username="alice",
        groups=["editors"],
        selection=["id", "title"],
        now=1_700_000_000,
        region="eu-west-1",
    )
    assert event.arguments == {"title": "Hello"}
    assert isinstance(event.info, appsync.AppSyncInfo)
    assert event.info.parent_type_name == "Mutation"
    assert event.info.field_name == "createPost"
    assert event.info.selection_set_list == ["id", "title"]
    assert event.info.selection_set_graph_ql == "{\n  id\n  title\n}"
    identity = event.identity
    assert isinstance(identity, AppSyncIdentity)
    assert identity.username == "alice"
    assert identity.groups == ["editors"]
    assert isinstance(identity.issuer, str)
    assert identity.issuer.startswith("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_")
    assert isinstance(identity.claims, dict)
    assert identity.claims["cognito:groups"] == ["editors"]
    assert identity.claims["iat"] == 1_700_000_000
    assert identity.claims["exp"] == 1_700_003_600
    assert identity.claims["sub"] == identity.sub
    assert isinstance(event.request, appsync.AppSyncRequest)
    assert isinstance(event.request.headers, dict)
    assert event.request.headers["host"].endswith(".appsync-api.eu-west-1.amazonaws.com")
    assert event.request.headers["x-amzn-trace-id"].startswith(f"Root=1-{1_700_000_000:08x}-")


def test_a_batch_is_a_list_of_built_events() -> None:
    raw = msgspec.json.encode([build_appsync(arguments={"id": n}) for n in (1, 2)])
    batch = decode(raw, list[AppSyncResolverEvent])
    assert [event.arguments for event in batch] == [{"id": 1}, {"id": 2}]


def test_the_resolved_type_and_field_come_from_info_or_the_top_level() -> None:
    direct = decode(load("powertools/appSyncDirectResolver.json"), AppSyncResolverEvent)
    assert (direct.resolved_type(), direct.resolved_field()) == ("Mutation", "createSomething")
    amplify = decode(load("powertools/appSyncResolverEvent.json"), AppSyncResolverEvent)
    assert (amplify.resolved_type(), amplify.resolved_field()) == ("Merchant", "locations")
    assert (AppSyncResolverEvent().resolved_type(), AppSyncResolverEvent().resolved_field()) == (
        None,
        None,
    )


def test_the_iam_identity_keeps_its_caller_arn() -> None:
    identity = decode(load("aws-lambda-go/appsync-identity-iam.json"), AppSyncIdentity)
    assert identity.user_arn == "arn:aws:iam::123456789012:user/appsync"
    assert identity.source_ip == ["192.168.196.186", "193.168.196.186"]
