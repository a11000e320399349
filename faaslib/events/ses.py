"""Amazon SES email receiving: the notification a receipt rule's actions give about a message
SES received, as the Lambda action invokes a function with it.

The record carries the mail's envelope and headers (not its body; an S3 action stores that) and
the receipt: recipients, spam, virus, SPF, DKIM and DMARC verdicts, and the action that ran.
"""

from __future__ import annotations

import email.utils
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "SESCommonHeaders",
    "SESEvent",
    "SESMail",
    "SESMailHeader",
    "SESMessage",
    "SESReceipt",
    "SESReceiptAction",
    "SESRecord",
    "SESVerdict",
    "build_ses",
    "detect",
]


class SESMailHeader(AWSEvent):
    """One header of the message, in the order the message has them."""

    name: str | Unset = UNSET
    value: str | Unset = UNSET


class SESCommonHeaders(AWSEvent, rename="camel"):
    """The headers most handlers need, parsed: address lists are lists."""

    return_path: str | Unset = UNSET
    from_: list[str] | Unset = msgspec.field(default=UNSET, name="from")
    sender: list[str] | Unset = UNSET
    reply_to: list[str] | Unset = UNSET
    to: list[str] | Unset = UNSET
    cc: list[str] | Unset = UNSET
    bcc: list[str] | Unset = UNSET
    date: str | Unset = UNSET
    message_id: str | Unset = UNSET
    subject: str | Unset = UNSET


class SESMail(AWSEvent, rename="camel"):
    """The received message: envelope sender and recipients, SES's message id, headers."""

    timestamp: str | Unset = UNSET
    source: str | Unset = UNSET
    message_id: str | Unset = UNSET
    destination: list[str] | Unset = UNSET
    headers_truncated: bool | Unset = UNSET
    headers: list[SESMailHeader] | Unset = UNSET
    common_headers: SESCommonHeaders | Unset = UNSET

    def header(self, name: str) -> str | None:
        """The value of the first header named `name`, whatever its case, or None."""
        wanted = name.lower()
        for header in self.headers if not isinstance(self.headers, Unset) else []:
            if isinstance(header.name, str) and header.name.lower() == wanted:
                return header.value if isinstance(header.value, str) else None
        return None


class SESVerdict(AWSEvent):
    """A check's outcome: `PASS`, `FAIL`, `GRAY` or `PROCESSING_FAILED`."""

    status: str | Unset = UNSET


class SESReceiptAction(AWSEvent, rename="camel"):
    """The receipt rule action that produced the notification (Lambda, S3, SNS...)."""

    type: str | Unset = UNSET
    invocation_type: str | Unset = UNSET
    function_arn: str | Unset = UNSET
    topic_arn: str | Unset = UNSET
    bucket_name: str | Unset = UNSET
    object_key_prefix: str | Unset = UNSET
    object_key: str | Unset = UNSET
    encoding: str | Unset = UNSET


class SESReceipt(AWSEvent, rename="camel"):
    """What SES did with the message: recipients matched, verdicts, the action taken."""

    timestamp: str | Unset = UNSET
    processing_time_millis: int | Unset = UNSET
    recipients: list[str] | Unset = UNSET
    spam_verdict: SESVerdict | Unset = UNSET
    virus_verdict: SESVerdict | Unset = UNSET
    spf_verdict: SESVerdict | Unset = UNSET
    dkim_verdict: SESVerdict | Unset = UNSET
    dmarc_verdict: SESVerdict | Unset = UNSET
    dmarc_policy: str | Unset = UNSET
    action: SESReceiptAction | Unset = UNSET


class SESMessage(AWSEvent):
    """The `ses` part of a record: the mail and its receipt."""

    mail: SESMail | Unset = UNSET
    receipt: SESReceipt | Unset = UNSET


class SESRecord(AWSEvent, rename="camel"):
    """One received message, as a receipt rule's Lambda action delivers it."""

    event_version: str | Unset = UNSET
    event_source: str | Unset = UNSET
    ses: SESMessage | Unset = UNSET


class SESEvent(AWSEvent):
    """SES receiving notifications for a function: one record per received message."""

    records: list[SESRecord] = msgspec.field(default_factory=list, name="Records")


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`SESEvent` when the first of `Records` has `eventSource` `aws:ses`, else None."""
    if not isinstance(data, Mapping):
        return None
    records = data.get("Records")
    if (
        isinstance(records, list)
        and records
        and isinstance(records[0], Mapping)
        and records[0].get("eventSource") == "aws:ses"
    ):
        return SESEvent
    return None


# Builders


def build_ses(
    source: str = "sender@example.com",
    destination: str | Sequence[str] = "recipient@example.com",
    subject: str = "Hello from SES",
    *,
    function: str = "my-function",
    invocation_type: str = "Event",
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> SESEvent:
    """The record a receipt rule's Lambda action sends for a message from `source` (an
    address, or a `From` header such as `Jane <jane@example.com>`) to `destination` (one
    address or several) with `subject`: the mail's headers as a sending mail server writes
    them, every verdict `PASS`, and the action naming `function`.

    ```pycon
    >>> build_ses("a@example.com", "b@example.org").records[0].ses.mail.header("to")
    'b@example.org'
    ```
    """
    recipients = [destination] if isinstance(destination, str) else list(destination)
    received = _fake.seconds(now)
    date = email.utils.format_datetime(datetime.fromtimestamp(received - 2, tz=timezone.utc))
    sender = email.utils.parseaddr(source)[1] or source  # the envelope's bare address
    domain = sender.rpartition("@")[2] or "example.com"
    ses_message_id = _ses_message_id()
    header_message_id = f"<{_fake.request_id()}@{domain}>"
    headers = [
        ("Return-Path", f"<{sender}>"),
        (
            "Received",
            f"from mail.{domain} (mail.{domain} [203.0.113.25]) by inbound-smtp.{region}"
            f".amazonaws.com with SMTP id {ses_message_id} for {recipients[0]};"
            f" {email.utils.format_datetime(datetime.fromtimestamp(received, tz=timezone.utc))}",
        ),
        ("MIME-Version", "1.0"),
        ("From", source),
        ("Date", date),
        ("Message-ID", header_message_id),
        ("Subject", subject),
        ("To", ", ".join(recipients)),
        ("Content-Type", "text/plain; charset=UTF-8"),
    ]
    mail = SESMail(
        timestamp=_fake.iso_time(received),
        source=sender,
        message_id=ses_message_id,
        destination=recipients,
        headers_truncated=False,
        headers=[SESMailHeader(name=name, value=value) for name, value in headers],
        common_headers=SESCommonHeaders(
            return_path=sender,
            from_=[source],
            to=recipients,
            date=date,
            message_id=header_message_id,
            subject=subject,
        ),
    )
    passed = SESVerdict(status="PASS")
    receipt = SESReceipt(
        timestamp=_fake.iso_time(received),
        processing_time_millis=200 + secrets.randbelow(600),
        recipients=recipients,
        spam_verdict=passed,
        virus_verdict=passed,
        spf_verdict=passed,
        dkim_verdict=passed,
        dmarc_verdict=passed,
        dmarc_policy="none",
        action=SESReceiptAction(
            type="Lambda",
            invocation_type=invocation_type,
            function_arn=_fake.arn(
                "lambda", f"function:{function}", region=region, account=account
            ),
        ),
    )
    record = SESRecord(
        event_version="1.0",
        event_source="aws:ses",
        ses=SESMessage(mail=mail, receipt=receipt),
    )
    return SESEvent(records=[record])


_MESSAGE_ID_ALPHABET = "0123456789abcdefghijklmnopqrstuv"


def _ses_message_id() -> str:
    """SES's id of a received message: 40 lowercase base-32 characters (also the S3 object
    key an S3 action stores the message under)."""
    return _fake.random_text(40, _MESSAGE_ID_ALPHABET)


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"ses": (SESEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"ses": build_ses}
