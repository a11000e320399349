"""Amazon Connect: a contact flow's "Invoke AWS Lambda function" block.

The flow calls the function with the contact's data (channel, endpoints, queue, contact
attributes, media streams) and the parameters the block sets; the function answers with a flat
map of strings the flow reads as external attributes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "ConnectAudioStream",
    "ConnectContactData",
    "ConnectContactFlowEvent",
    "ConnectDetails",
    "ConnectEndpoint",
    "ConnectMediaStream",
    "ConnectMediaStreams",
    "ConnectQueue",
    "ConnectReference",
    "build_connect",
    "detect",
]


class ConnectEndpoint(AWSEvent, rename="pascal"):
    """An address of the contact: a phone number (`TELEPHONE_NUMBER`) or another endpoint."""

    address: str | Unset = UNSET
    type: str | Unset = UNSET


class ConnectQueue(AWSEvent, rename="pascal"):
    """The queue the contact is in."""

    arn: str | Unset = msgspec.field(default=UNSET, name="ARN")
    name: str | Unset = UNSET
    outbound_caller_id: ConnectEndpoint | Unset | None = UNSET


class ConnectAudioStream(AWSEvent, rename="pascal"):
    """Where the contact's audio streams to in Kinesis Video Streams; null while it does not."""

    start_fragment_number: str | Unset | None = UNSET
    start_timestamp: str | Unset | None = UNSET
    stop_fragment_number: str | Unset | None = UNSET
    stop_timestamp: str | Unset | None = UNSET
    stream_arn: str | Unset | None = msgspec.field(default=UNSET, name="StreamARN")


class ConnectMediaStream(AWSEvent, rename="pascal"):
    """A participant's media streams."""

    audio: ConnectAudioStream | Unset | None = UNSET


class ConnectMediaStreams(AWSEvent, rename="pascal"):
    """The contact's live media streams, by participant."""

    customer: ConnectMediaStream | Unset | None = UNSET


class ConnectReference(AWSEvent, rename="pascal"):
    """A reference attached to the contact (a URL, an attachment, a number...)."""

    type: str | Unset = UNSET
    value: str | Unset = UNSET


class ConnectContactData(AWSEvent, rename="pascal"):
    """The contact: its ids, channel, how it started, its endpoints, queue, attributes and media
    streams."""

    attributes: dict[str, str] | Unset = UNSET
    channel: str | Unset = UNSET
    contact_id: str | Unset = UNSET
    customer_endpoint: ConnectEndpoint | Unset | None = UNSET
    customer_id: str | Unset | None = UNSET
    description: str | Unset | None = UNSET
    initial_contact_id: str | Unset = UNSET
    initiation_method: str | Unset = UNSET
    instance_arn: str | Unset = msgspec.field(default=UNSET, name="InstanceARN")
    language_code: str | Unset | None = UNSET
    media_streams: ConnectMediaStreams | Unset | None = UNSET
    name: str | Unset | None = UNSET
    previous_contact_id: str | Unset = UNSET
    queue: ConnectQueue | Unset | None = UNSET
    references: dict[str, ConnectReference] | Unset | None = UNSET
    related_contact_id: str | Unset | None = UNSET
    segment_attributes: dict[str, Any] | Unset | None = UNSET
    system_endpoint: ConnectEndpoint | Unset | None = UNSET
    tags: dict[str, str] | Unset | None = UNSET


class ConnectDetails(AWSEvent, rename="pascal"):
    """The contact's data and the parameters the flow block sends."""

    contact_data: ConnectContactData | Unset = UNSET
    parameters: dict[str, str] | Unset = UNSET


class ConnectContactFlowEvent(AWSEvent, rename="pascal"):
    """A contact flow's call to the function (`name` is `ContactFlowEvent`)."""

    name: str | Unset = UNSET
    details: ConnectDetails | Unset = UNSET


# Detection


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`ConnectContactFlowEvent` for an event with a `Name` and `Details.ContactData`, else
    None."""
    if not isinstance(data, Mapping):
        return None
    details = data.get("Details")
    if (
        isinstance(data.get("Name"), str)
        and isinstance(details, Mapping)
        and isinstance(details.get("ContactData"), Mapping)
    ):
        return ConnectContactFlowEvent
    return None


# Builders


def build_connect(
    contact_id: str | None = None,
    parameters: Mapping[str, str] | None = None,
    *,
    attributes: Mapping[str, str] | None = None,
    channel: str = "VOICE",
    initiation_method: str = "INBOUND",
    customer_phone: str | None = "+12065550100",
    system_phone: str | None = "+18005550199",
    queue: str | None = "BasicQueue",
    instance_id: str | None = None,
    streaming_audio: bool = False,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> ConnectContactFlowEvent:
    """A contact flow's call for a new inbound voice contact, with the block's `parameters`
    and the contact's `attributes`. A phone or queue of None gives the null Connect sends for a
    contact without one; `streaming_audio` fills in the customer's Kinesis Video stream (whose
    start time is `now`), which is otherwise all nulls.

    ```pycon
    >>> event = build_connect(parameters={"lookup": "balance"}, region="eu-central-1")
    >>> event.details.parameters, event.details.contact_data.instance_arn.split(":")[3]
    ({'lookup': 'balance'}, 'eu-central-1')
    ```
    """
    contact = contact_id or _fake.request_id()
    instance = _fake.arn(
        "connect", f"instance/{instance_id or _fake.request_id()}", region=region, account=account
    )
    audio = ConnectAudioStream(start_fragment_number=None, start_timestamp=None, stream_arn=None)
    if streaming_audio:
        started = str(_fake.epoch_ms(now))
        audio = ConnectAudioStream(
            start_fragment_number=str(secrets.randbelow(10**47)).zfill(47),
            start_timestamp=started,
            stream_arn=_fake.arn(
                "kinesisvideo",
                f"stream/connect-contact-{_fake.request_id()}/{started}",
                region=region,
                account=account,
            ),
        )
    return ConnectContactFlowEvent(
        name="ContactFlowEvent",
        details=ConnectDetails(
            contact_data=ConnectContactData(
                attributes=dict(attributes or {}),
                channel=channel,
                contact_id=contact,
                customer_endpoint=_phone(customer_phone),
                initial_contact_id=contact,
                initiation_method=initiation_method,
                instance_arn=instance,
                media_streams=ConnectMediaStreams(customer=ConnectMediaStream(audio=audio)),
                previous_contact_id=contact,
                queue=ConnectQueue(arn=f"{instance}/queue/{_fake.request_id()}", name=queue)
                if queue is not None
                else None,
                system_endpoint=_phone(system_phone),
            ),
            parameters=dict(parameters or {}),
        ),
    )


def _phone(number: str | None) -> ConnectEndpoint | None:
    return None if number is None else ConnectEndpoint(address=number, type="TELEPHONE_NUMBER")


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"connect": (ConnectContactFlowEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"connect": build_connect}
