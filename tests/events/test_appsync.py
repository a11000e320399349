"""AppSync resolver events: a batch is a list of resolver events, the builder puts the field,
arguments and identity where AppSync does, and the resolved type and field are at hand."""

from __future__ import annotations

import msgspec

from faaslib import events
from faaslib.events import appsync
from faaslib.events._base import decode
from faaslib.events.appsync import AppSyncIdentity, AppSyncResolverEvent, build_appsync, detect
from tests.events.corpus import load, needs_corpus


@needs_corpus
def test_a_batch_sample_is_a_list_of_resolver_events() -> None:
    raw = load("powertools/appSyncBatchEvent.json")
    assert detect(raw) is None  # a list is no single event
    assert isinstance(raw, list)
    assert {type(events.parse(item)) for item in raw} == {AppSyncResolverEvent}


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


@needs_corpus
def test_the_resolved_type_and_field_come_from_info_or_the_top_level() -> None:
    direct = decode(load("powertools/appSyncDirectResolver.json"), AppSyncResolverEvent)
    assert (direct.resolved_type(), direct.resolved_field()) == ("Mutation", "createSomething")
    amplify = decode(load("powertools/appSyncResolverEvent.json"), AppSyncResolverEvent)
    assert (amplify.resolved_type(), amplify.resolved_field()) == ("Merchant", "locations")
    assert (AppSyncResolverEvent().resolved_type(), AppSyncResolverEvent().resolved_field()) == (
        None,
        None,
    )


@needs_corpus
def test_the_iam_identity_keeps_its_caller_arn() -> None:
    identity = decode(load("aws-lambda-go/appsync-identity-iam.json"), AppSyncIdentity)
    assert identity.user_arn == "arn:aws:iam::123456789012:user/appsync"
    assert identity.source_ip == ["192.168.196.186", "193.168.196.186"]
