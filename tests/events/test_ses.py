"""SES receiving notifications: the receipt names the action that ran, mail headers read whatever
their case, and the builder shapes notifications as SES does."""

from __future__ import annotations

import email.utils

import msgspec

from faaslib.events._base import decode, dump
from faaslib.events.ses import SESEvent, SESMail, SESMailHeader, SESReceiptAction, build_ses
from tests.events.corpus import load, needs_corpus


def mail_of(event: SESEvent) -> SESMail:
    ses = event.records[0].ses
    assert isinstance(ses, msgspec.Struct)
    assert isinstance(ses.mail, SESMail)
    return ses.mail


@needs_corpus
def test_the_receipt_action_says_which_action_ran() -> None:
    def action_of(path: str) -> SESReceiptAction:
        ses = decode(load(path), SESEvent).records[0].ses
        assert isinstance(ses, msgspec.Struct)
        assert isinstance(ses.receipt, msgspec.Struct)
        assert isinstance(ses.receipt.action, SESReceiptAction)
        return ses.receipt.action

    s3 = action_of("aws-lambda-go/ses-s3-event.json")
    assert (s3.type, s3.bucket_name, s3.object_key) == ("S3", "my-S3-bucket", "email")
    sns = action_of("aws-lambda-go/ses-sns-event.json")
    assert (sns.type, sns.topic_arn) == ("SNS", "arn:aws:sns:us-east-1:012345678912:example-topic")


@needs_corpus
def test_common_headers_keep_the_from_key() -> None:
    mail = mail_of(decode(load("aws-lambda-go/ses-sns-event.json"), SESEvent))
    assert isinstance(mail.common_headers, msgspec.Struct)
    assert mail.common_headers.from_ == ["sender@example.com"]
    assert mail.common_headers.cc == ["cc@example.com", "cc2@example.com"]
    assert "from" in dump(mail.common_headers)


@needs_corpus
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
