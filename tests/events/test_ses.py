"""SES receiving notifications: real samples round-trip, are detected, and the builder makes
events shaped like them."""

from __future__ import annotations

import email.utils
import json
from typing import Any

import msgspec
import pytest

from faaslib.events._base import decode, dump
from faaslib.events.ses import (
    BUILDERS,
    FAMILIES,
    SESEvent,
    SESMail,
    SESMailHeader,
    build_ses,
    detect,
)
from tests.events.corpus import CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

SAMPLES: dict[str, type[msgspec.Struct]] = {
    "aws-lambda-go/ses-lambda-event.json": SESEvent,
    # SES records whose receipt names an S3 or SNS action, not SNS-wrapped notifications
    "aws-lambda-go/ses-s3-event.json": SESEvent,
    "aws-lambda-go/ses-sns-event.json": SESEvent,
    "powertools/sesEvent.json": SESEvent,
}
OTHERS = [
    "powertools/sqsEvent.json",
    "powertools/apiGatewayProxyV2Event.json",
    "powertools/eventBridgeEvent.json",
    "powertools/snsEvent.json",
    "powertools/s3Event.json",
]


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def family_paths(family: str) -> set[str]:
    rows = [line.split("\t") for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]]
    return {row[0] for row in rows if row[4] == family}


def samples() -> list[msgspec.Struct]:
    return [decode(load(path), struct) for path, struct in SAMPLES.items()]


def mail_of(event: SESEvent) -> SESMail:
    ses = event.records[0].ses
    assert isinstance(ses, msgspec.Struct)
    assert isinstance(ses.mail, SESMail)
    return ses.mail


def test_the_table_names_every_sample_of_the_family() -> None:
    assert family_paths("ses") == set(SAMPLES)
    assert FAMILIES["ses"][0] is SESEvent


@pytest.mark.parametrize(("path", "struct"), SAMPLES.items(), ids=list(SAMPLES))
def test_a_sample_round_trips_through_its_struct(path: str, struct: type[msgspec.Struct]) -> None:
    raw = load(path)
    assert msgspec.to_builtins(decode(raw, struct)) == raw


@pytest.mark.parametrize(("path", "struct"), SAMPLES.items(), ids=list(SAMPLES))
def test_detect_recognises_a_sample(path: str, struct: type[msgspec.Struct]) -> None:
    assert detect(load(path)) is struct


@pytest.mark.parametrize("path", OTHERS)
def test_detect_leaves_other_families_alone(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "value", [[], "x", {"Records": 5}, {}, None, {"Records": []}, {"Records": ["aws:ses"]}]
)
def test_detect_returns_none_for_odd_input(value: Any) -> None:
    assert detect(value) is None


def test_the_receipt_action_says_which_action_ran() -> None:
    actions = {}
    for path in SAMPLES:
        ses = decode(load(path), SESEvent).records[0].ses
        assert isinstance(ses, msgspec.Struct)
        assert isinstance(ses.receipt, msgspec.Struct)
        actions[path] = ses.receipt.action
    s3 = actions["aws-lambda-go/ses-s3-event.json"]
    assert isinstance(s3, msgspec.Struct)
    assert (s3.type, s3.bucket_name, s3.object_key) == ("S3", "my-S3-bucket", "email")
    sns = actions["aws-lambda-go/ses-sns-event.json"]
    assert isinstance(sns, msgspec.Struct)
    assert (sns.type, sns.topic_arn) == ("SNS", "arn:aws:sns:us-east-1:012345678912:example-topic")


def test_common_headers_keep_the_from_key() -> None:
    mail = mail_of(decode(load("aws-lambda-go/ses-sns-event.json"), SESEvent))
    assert isinstance(mail.common_headers, msgspec.Struct)
    assert mail.common_headers.from_ == ["sender@example.com"]
    assert mail.common_headers.cc == ["cc@example.com", "cc2@example.com"]
    assert "from" in dump(mail.common_headers)


def test_mail_headers_are_looked_up_case_insensitively() -> None:
    mail = mail_of(decode(load("powertools/sesEvent.json"), SESEvent))
    assert mail.header("subject") == "Test Subject"
    assert mail.header("MESSAGE-ID") == "<0123456789example.com>"
    assert mail.header("X-Missing") is None
    assert SESMail().header("Subject") is None
    received = SESMail(
        headers=[SESMailHeader(name="Received", value="first"), SESMailHeader(name="Received")]
    )
    assert received.header("received") == "first"


def test_the_default_build_is_shaped_like_a_real_sample() -> None:
    built = build_ses()
    assert BUILDERS["ses"] is build_ses
    again = msgspec.json.decode(msgspec.json.encode(built), type=SESEvent)
    assert dump(again) == dump(built)
    assert matching_sample(built, samples())


def test_builder_arguments_land_where_ses_puts_them() -> None:
    built = build_ses(
        "Jane Doe <jane@example.org>",
        ["orders@shop.example.com", "audit@shop.example.com"],
        "Order 42",
        function="ingest-mail",
        now=1_767_225_600,
        region="eu-west-1",
        account="210987654321",
    )
    record = built.records[0]
    assert record.event_source == "aws:ses"
    mail = mail_of(built)
    assert mail.source == "jane@example.org"
    assert mail.header("From") == "Jane Doe <jane@example.org>"
    assert mail.header("Return-Path") == "<jane@example.org>"
    assert str(mail.header("Message-ID")).endswith("@example.org>")
    assert mail.destination == ["orders@shop.example.com", "audit@shop.example.com"]
    assert mail.timestamp == "2026-01-01T00:00:00.000Z"
    assert mail.header("Subject") == "Order 42"
    assert mail.header("To") == "orders@shop.example.com, audit@shop.example.com"
    assert "inbound-smtp.eu-west-1.amazonaws.com" in (mail.header("Received") or "")
    assert isinstance(mail.message_id, str)
    assert len(mail.message_id) == 40
    assert mail.message_id in (mail.header("Received") or "")
    assert isinstance(mail.common_headers, msgspec.Struct)
    assert mail.common_headers.subject == "Order 42"
    assert mail.common_headers.from_ == ["Jane Doe <jane@example.org>"]
    assert mail.common_headers.return_path == "jane@example.org"
    assert mail.common_headers.message_id == mail.header("Message-ID")
    date = email.utils.parsedate_to_datetime(str(mail.common_headers.date))
    assert 0 < 1_767_225_600 - date.timestamp() < 60
    ses = record.ses
    assert isinstance(ses, msgspec.Struct)
    assert isinstance(ses.receipt, msgspec.Struct)
    assert ses.receipt.recipients == mail.destination
    assert isinstance(ses.receipt.action, msgspec.Struct)
    assert ses.receipt.action.function_arn == (
        "arn:aws:lambda:eu-west-1:210987654321:function:ingest-mail"
    )
