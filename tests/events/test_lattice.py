"""VPC Lattice events, structure versions 1 and 2: the one real sample that mixes the two decodes
but for its stray key, the builder shapes events as Lattice does, and the helpers read headers
and bodies."""

from __future__ import annotations

import re

import msgspec

from faaslib import events
from faaslib.events._base import decode, dump
from faaslib.events.lattice import VPCLatticeEvent, VPCLatticeEventV2, build_vpc_lattice
from tests.events.corpus import load, needs_corpus
from tests.events.structure import assert_shaped_like

HEX_ARN = r"arn:aws:vpc-lattice:{region}:{account}:{kind}/{prefix}-[0-9a-f]{{17}}"


# A version 2 event with version 1's snake_case `query_string_parameters` key: no honest Struct
# keeps that key, so it decodes but does not come back whole.
@needs_corpus
def test_the_mixed_sample_decodes_all_but_its_stray_key() -> None:
    raw = load("powertools/vpcLatticeEventV2PathTrailingSlash.json")
    event = events.parse(raw)
    assert isinstance(event, VPCLatticeEventV2)
    stray = raw.pop("query_string_parameters")
    assert stray == {"order-id": "1"}
    assert dump(event) == raw


# Builder


@needs_corpus
def test_a_v1_event_has_the_structure_of_a_real_one() -> None:
    built = build_vpc_lattice(version="1.0")
    assert isinstance(built, VPCLatticeEvent)
    assert_shaped_like(built, "powertools/vpcLatticeEvent.json")


def test_a_v2_event_carries_the_request_and_its_caller() -> None:
    built = build_vpc_lattice(
        "POST",
        "/orders",
        body='{"id": 7}',
        headers={"Content-Type": "application/json"},
        query={"dry-run": "1"},
        role="orders-client",
        now=1_696_331_543.5,
        region="us-east-2",
        account="210987654321",
    )
    assert isinstance(built, VPCLatticeEventV2)
    assert (built.version, built.method, built.path) == ("2.0", "POST", "/orders")
    assert not isinstance(built.headers, msgspec.UnsetType)
    assert built.headers["Content-Type"] == ["application/json"]
    assert built.header("content-type") == "application/json"
    assert re.fullmatch(
        r"my-service-[0-9a-f]{17}\.[0-9a-f]{7}\.vpc-lattice-svcs\.us-east-2\.on\.aws",
        str(built.header("Host")),
    )
    assert built.query_string_parameters == {"dry-run": ["1"]}
    assert built.json() == {"id": 7}
    assert built.is_base64_encoded is False
    context = built.request_context
    assert not isinstance(context, msgspec.UnsetType)
    where = {"region": "us-east-2", "account": "210987654321"}
    assert re.fullmatch(
        HEX_ARN.format(kind="servicenetwork", prefix="sn", **where),
        str(context.service_network_arn),
    )
    assert re.fullmatch(
        HEX_ARN.format(kind="service", prefix="svc", **where), str(context.service_arn)
    )
    assert re.fullmatch(
        HEX_ARN.format(kind="targetgroup", prefix="tg", **where), str(context.target_group_arn)
    )
    assert (context.region, context.time_epoch) == ("us-east-2", "1696331543500000")
    identity = context.identity
    assert not isinstance(identity, msgspec.UnsetType)
    assert identity.type == "AWS_IAM"
    assert identity.principal == (
        f"arn:aws:sts::210987654321:assumed-role/orders-client/{identity.session_name}"
    )
    assert re.fullmatch(r"[0-9a-f]{32}", str(identity.session_name))
    assert re.fullmatch(
        r"arn:aws:ec2:us-east-2:210987654321:vpc/vpc-[0-9a-f]{17}", str(identity.source_vpc_arn)
    )


def test_a_v1_event_keeps_single_valued_headers_and_base64_bodies() -> None:
    built = build_vpc_lattice("PUT", "/files/a", body=b"\x89PNG", version="1.0", query={"v": "2"})
    assert isinstance(built, VPCLatticeEvent)
    assert (built.method, built.raw_path) == ("PUT", "/files/a")
    assert (built.body, built.is_base64_encoded) == ("iVBORw==", True)
    assert built.body_bytes() == b"\x89PNG"
    assert built.query_string_parameters == {"v": "2"}
    assert built.header("USER-AGENT") == "curl/8.5.0"


def test_a_request_without_body_has_an_empty_one() -> None:
    built = build_vpc_lattice()
    assert (built.body, built.is_base64_encoded) == ("", False)
    assert built.json() is None


# Helpers


@needs_corpus
def test_v1_sample_headers_are_case_insensitive_and_bodies_base64_decoded() -> None:
    event = decode(load("powertools/vpcLatticeEvent.json"), VPCLatticeEvent)
    assert event.header("HEADER2") == "value1,value2"
    assert event.header("missing") is None
    assert event.body_bytes() == b'{"test": "event"}'
    assert event.json() == {"test": "event"}


@needs_corpus
def test_v2_sample_headers_join_several_values() -> None:
    event = decode(load("powertools/vpcLatticeV2EventWithHeaders.json"), VPCLatticeEventV2)
    assert event.header("header2") == "value1,value2"
    assert event.header("Host") == (
        "lattice-svc-027b423199122da5f.7d67968.vpc-lattice-svcs.us-east-1.on.aws"
    )
    assert event.header("missing") is None
    assert event.json() == {"message": "Hello from Lambda!"}


@needs_corpus
def test_v2_sample_headers_may_come_single_valued() -> None:
    event = decode(load("powertools/vpcLatticeV2Event.json"), VPCLatticeEventV2)
    assert event.header("Accept") == "*/*"
    assert event.body_bytes() == b'{"message": "Hello from Lambda!"}'
