"""Amazon Connect contact flow events: the builder puts ids, parameters and ARNs where Connect
does, and leaves out what a contact does not have, as Connect does."""

from __future__ import annotations

import msgspec

from faaslib.events.connect import (
    ConnectContactData,
    ConnectContactFlowEvent,
    ConnectDetails,
    ConnectEndpoint,
    build_connect,
)
from tests.events.corpus import needs_corpus
from tests.events.structure import assert_shaped_like


def contact_data(event: ConnectContactFlowEvent) -> ConnectContactData:
    assert isinstance(event.details, ConnectDetails)
    assert isinstance(event.details.contact_data, ConnectContactData)
    return event.details.contact_data


def test_a_default_build_streams_no_customer_audio() -> None:
    audio = msgspec.to_builtins(build_connect())["Details"]["ContactData"]["MediaStreams"]
    assert audio["Customer"] == {
        "Audio": {"StartFragmentNumber": None, "StartTimestamp": None, "StreamARN": None}
    }


@needs_corpus
def test_a_build_puts_ids_parameters_and_arns_where_connect_does() -> None:
    event = build_connect(
        "5ca32fbd-8f92-46af-92a5-6b0f970f0efe",
        {"lookup": "balance"},
        attributes={"Language": "en-US"},
        customer_phone="+442071838750",
        queue="Billing",
        instance_id="9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa",
        streaming_audio=True,
        now=1_565_781_909.613,
        region="eu-central-1",
        account="210987654321",
    )
    assert event.name == "ContactFlowEvent"
    assert isinstance(event.details, ConnectDetails)
    assert event.details.parameters == {"lookup": "balance"}
    data = contact_data(event)
    assert data.contact_id == data.initial_contact_id == "5ca32fbd-8f92-46af-92a5-6b0f970f0efe"
    assert data.attributes == {"Language": "en-US"}
    assert data.customer_endpoint == ConnectEndpoint(
        address="+442071838750", type="TELEPHONE_NUMBER"
    )
    assert data.instance_arn == (
        "arn:aws:connect:eu-central-1:210987654321:instance/9308c2a1-9bc6-4cea-8290-6c0b4a6d38fa"
    )
    assert data.queue is not None
    assert data.queue is not msgspec.UNSET
    assert data.queue.name == "Billing"
    assert isinstance(data.queue.arn, str)
    assert data.queue.arn.startswith(f"{data.instance_arn}/queue/")
    raw = msgspec.to_builtins(event)
    audio = raw["Details"]["ContactData"]["MediaStreams"]["Customer"]["Audio"]
    assert audio["StartTimestamp"] == "1565781909613"
    assert audio["StreamARN"].startswith("arn:aws:kinesisvideo:eu-central-1:210987654321:stream/")
    assert len(audio["StartFragmentNumber"]) == 47
    assert_shaped_like(event, "powertools/connectContactFlowEventAll.json")


@needs_corpus
def test_a_contact_without_endpoints_or_queue_has_the_nulls_of_the_minimal_sample() -> None:
    event = build_connect(customer_phone=None, system_phone=None, queue=None)
    assert_shaped_like(event, "powertools/connectContactFlowEventMin.json")
