"""Client VPN connect handler requests: the kebab-case keys map to attributes, and the builder
shapes a request as Client VPN does."""

from __future__ import annotations

import re

import msgspec

from faaslib.events._base import decode
from faaslib.events.clientvpn import ClientVPNConnectionHandlerEvent, build_clientvpn
from tests.events.corpus import load, needs_corpus


@needs_corpus
def test_the_kebab_case_keys_map_to_attributes() -> None:
    event = decode(
        load("aws-lambda-go/clientvpn-connectionhandler-request.json"),
        ClientVPNConnectionHandlerEvent,
    )
    assert event.connection_id == "cvpn-connection-04e7e1b2f0daf9460"
    assert event.endpoint_id == "cvpn-endpoint-0f13eab7f860433cc"
    assert (event.public_ip, event.schema_version) == ("10.11.12.13", "v1")
    assert event.client_openvpn_version == ""


def test_a_built_request_has_fresh_connection_and_endpoint_ids() -> None:
    event = build_clientvpn()
    assert isinstance(event.connection_id, str)
    assert isinstance(event.endpoint_id, str)
    assert re.fullmatch(r"cvpn-connection-[0-9a-f]{17}", event.connection_id)
    assert re.fullmatch(r"cvpn-endpoint-[0-9a-f]{17}", event.endpoint_id)
    assert build_clientvpn().connection_id != event.connection_id


def test_a_built_request_carries_the_user_device_and_endpoint_it_is_given() -> None:
    event = build_clientvpn(
        username="bob",
        client_ip="198.51.100.4",
        common_name="laptop-42.example.com",
        platform="mac",
        platform_version="14.2",
        openvpn_version="2.5.9",
        endpoint_id="cvpn-endpoint-0f13eab7f860433cc",
    )
    raw = msgspec.to_builtins(event)
    assert raw["username"] == "bob"
    assert raw["public-ip"] == "198.51.100.4"
    assert raw["common-name"] == "laptop-42.example.com"
    assert (raw["platform"], raw["platform-version"]) == ("mac", "14.2")
    assert raw["client-openvpn-version"] == "2.5.9"
    assert raw["endpoint-id"] == "cvpn-endpoint-0f13eab7f860433cc"
    assert raw["schema-version"] == "v1"
