"""Client VPN connect handler requests: the real sample round-trips, `detect` recognises it and
nothing else, and the builder shapes a request as Client VPN does."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import pytest

from faaslib.events._base import AWSEvent, decode
from faaslib.events.clientvpn import (
    FAMILIES,
    ClientVPNConnectionHandlerEvent,
    build_clientvpn,
    detect,
)
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

EXPECTED: dict[str, type[AWSEvent]] = {
    "aws-lambda-go/clientvpn-connectionhandler-request.json": ClientVPNConnectionHandlerEvent
}
ROWS = (
    [line.split("\t") for line in (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]]
    if HAS_CORPUS
    else []
)
OURS = [row[0] for row in ROWS if row[4] in FAMILIES]
OTHERS = [row[0] for row in ROWS if row[4] not in FAMILIES]


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def test_every_sample_of_the_family_has_an_expected_struct() -> None:
    assert sorted(OURS) == sorted(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_a_sample_round_trips_exactly(path: str) -> None:
    raw = load(path)
    assert msgspec.to_builtins(decode(raw, EXPECTED[path])) == raw


def test_the_kebab_case_keys_map_to_attributes() -> None:
    event = decode(
        load("aws-lambda-go/clientvpn-connectionhandler-request.json"),
        ClientVPNConnectionHandlerEvent,
    )
    assert event.connection_id == "cvpn-connection-04e7e1b2f0daf9460"
    assert event.endpoint_id == "cvpn-endpoint-0f13eab7f860433cc"
    assert (event.public_ip, event.schema_version) == ("10.11.12.13", "v1")
    assert event.client_openvpn_version == ""


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_detect_recognises_each_sample(path: str) -> None:
    assert detect(load(path)) is EXPECTED[path]


@pytest.mark.parametrize("path", OTHERS)
def test_detect_claims_no_sample_of_another_family(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "data",
    [
        [],
        "x",
        5,
        None,
        {},
        {"Records": 5},
        {"connection-id": "cvpn-connection-04e7e1b2f0daf9460"},
        {"connection-id": 1, "endpoint-id": 2},
    ],
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def test_a_default_built_event_has_the_structure_of_a_sample() -> None:
    built = build_clientvpn()
    assert decode(msgspec.json.encode(built), ClientVPNConnectionHandlerEvent) == built
    samples: list[msgspec.Struct] = [decode(load(path), EXPECTED[path]) for path in OURS]
    assert matching_sample(built, samples)


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
