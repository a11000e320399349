"""AWS IoT events, four shapes in one family: real samples round-trip, each is recognised as its
own Struct, and the builders make events of the samples' shapes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from faaslib.events._base import UNSET, AWSEvent, decode
from faaslib.events.iot import (
    BUILDERS,
    FAMILIES,
    IoTButtonEvent,
    IoTCustomAuthorizerEvent,
    IoTHTTPContext,
    IoTMQTTContext,
    IoTOneClickEvent,
    IoTPreProvisionHookEvent,
    build_iot,
    build_iot_custom_authorizer,
    build_iot_one_click,
    build_iot_preprovision_hook,
    detect,
)
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

EXPECTED: dict[str, type[AWSEvent]] = {
    "aws-lambda-go/iot-1-click-event.json": IoTOneClickEvent,
    "aws-lambda-go/iot-button-event.json": IoTButtonEvent,
    "aws-lambda-go/iot-custom-auth-request.json": IoTCustomAuthorizerEvent,
    "aws-lambda-go/iot-preprovision-hook-request.json": IoTPreProvisionHookEvent,
}
INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
ROWS = [line.split("\t") for line in INDEX.splitlines()[1:]]
FAMILY = sorted(row[0] for row in ROWS if row[4] == "iot")
OTHERS = sorted(row[0] for row in ROWS if row[4] != "iot")


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def samples() -> list[msgspec.Struct]:
    return [decode(load(path), struct) for path, struct in EXPECTED.items()]


def test_every_iot_sample_has_an_expected_struct() -> None:
    assert sorted(EXPECTED) == FAMILY


@pytest.mark.parametrize(("path", "struct"), sorted(EXPECTED.items()))
def test_a_sample_round_trips_exactly(path: str, struct: type[Any]) -> None:
    raw = load(path)
    assert msgspec.to_builtins(decode(raw, struct)) == raw


@pytest.mark.parametrize(("path", "struct"), sorted(EXPECTED.items()))
def test_detect_recognises_a_sample_as_its_own_shape(path: str, struct: type[Any]) -> None:
    assert detect(load(path)) is struct


@pytest.mark.parametrize("path", OTHERS)
def test_detect_claims_no_other_family(path: str) -> None:
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
        {"serialNumber": 5, "clickType": "SINGLE"},
        {"deviceEvent": "x", "deviceInfo": {}},
        {"protocolData": {}, "connectionMetadata": None},
        {"claimCertificateId": "a"},
    ],
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def test_the_registries_name_every_shape_of_the_family() -> None:
    assert list(FAMILIES) == list(BUILDERS) == ["iot"]
    assert FAMILIES["iot"] == (
        IoTButtonEvent,
        IoTOneClickEvent,
        IoTCustomAuthorizerEvent,
        IoTPreProvisionHookEvent,
    )
    assert BUILDERS["iot"] is build_iot


def test_the_fields_read_the_aws_keys() -> None:
    click = decode(load("aws-lambda-go/iot-1-click-event.json"), IoTOneClickEvent)
    assert click.device_event.button_clicked.reported_time == "2018-05-04T23:26:33.747Z"
    assert click.device_info.remaining_life == 5.0
    assert click.placement_info.devices == {"myButton": "G030PMXXXXXXXXXX"}
    hook = decode(
        load("aws-lambda-go/iot-preprovision-hook-request.json"), IoTPreProvisionHookEvent
    )
    assert hook.template_arn == "arn:aws:iot:us-east-1:1234567890:provisioningtemplate/MyTemplate"


def test_the_mqtt_password_is_base64_decoded() -> None:
    event = decode(load("aws-lambda-go/iot-custom-auth-request.json"), IoTCustomAuthorizerEvent)
    assert event.protocol_data.mqtt.decoded_password() == b"myPassword"
    assert IoTMQTTContext().decoded_password() is None


def test_an_http_header_is_found_whatever_its_case() -> None:
    event = decode(load("aws-lambda-go/iot-custom-auth-request.json"), IoTCustomAuthorizerEvent)
    assert event.protocol_data.http.header("x-request-id") == "abc123"
    assert event.protocol_data.http.header("Host") is None
    assert IoTHTTPContext().header("Host") is None


BUILDS: list[tuple[Callable[[], AWSEvent], type[AWSEvent]]] = [
    (build_iot, IoTButtonEvent),
    (build_iot_one_click, IoTOneClickEvent),
    (build_iot_custom_authorizer, IoTCustomAuthorizerEvent),
    (build_iot_preprovision_hook, IoTPreProvisionHookEvent),
]


@pytest.mark.parametrize(("build", "struct"), BUILDS, ids=[b.__name__ for b, _ in BUILDS])
def test_each_default_build_has_the_shape_of_a_real_sample(
    build: Callable[[], AWSEvent], struct: type[AWSEvent]
) -> None:
    built = build()
    assert type(built) is struct
    again = msgspec.json.decode(msgspec.json.encode(built), type=struct)
    assert again == built
    assert matching_sample(built, samples())
    assert detect(msgspec.to_builtins(built)) is struct


def test_the_button_build_places_its_arguments() -> None:
    built = build_iot("LONG", serial_number="G030JF055364XVRB", battery_voltage="1600 mV")
    assert msgspec.to_builtins(built) == {
        "serialNumber": "G030JF055364XVRB",
        "clickType": "LONG",
        "batteryVoltage": "1600 mV",
    }
    assert isinstance(build_iot().serial_number, str)
    assert len(str(build_iot().serial_number)) == 16


def test_the_one_click_build_places_its_arguments_and_time() -> None:
    built = build_iot_one_click(
        "DOUBLE",
        device_id="G030PM0123456789",
        project_name="office",
        placement_name="lobby",
        device_attributes={"color": "white"},
        placement_attributes={"floor": "1"},
        now=1_700_000_000,
    )
    assert built.device_event.button_clicked.click_type == "DOUBLE"
    assert built.device_event.button_clicked.reported_time == "2023-11-14T22:13:20.000Z"
    assert built.device_info.device_id == "G030PM0123456789"
    assert built.device_info.attributes == {"color": "white"}
    assert built.placement_info.project_name == "office"
    assert built.placement_info.placement_name == "lobby"
    assert built.placement_info.attributes == {"floor": "1"}
    assert built.placement_info.devices == {"button": "G030PM0123456789"}


def test_the_custom_authorizer_build_fills_only_the_protocols_asked_for() -> None:
    built = build_iot_custom_authorizer(
        "my-token",
        protocols=("tls", "mqtt"),
        username="sensor",
        password=b"s3cret",
        client_id="sensor-7",
        region="eu-west-1",
    )
    assert built.token == "my-token"
    assert built.protocols == ["tls", "mqtt"]
    data = built.protocol_data
    assert data.http is UNSET
    assert data.tls.server_name.endswith("-ats.iot.eu-west-1.amazonaws.com")
    assert data.mqtt.username == "sensor"
    assert data.mqtt.client_id == "sensor-7"
    assert data.mqtt.password == base64.b64encode(b"s3cret").decode()
    assert data.mqtt.decoded_password() == b"s3cret"


def test_the_custom_authorizer_build_passes_http_headers_and_query() -> None:
    built = build_iot_custom_authorizer(
        protocols=["tls", "http"], headers={"X-Token": "t"}, query_string="?a=1"
    )
    assert built.protocol_data.http.header("x-token") == "t"
    assert built.protocol_data.http.query_string == "?a=1"
    assert built.protocol_data.mqtt is UNSET


def test_the_preprovision_hook_build_places_its_arguments_and_region() -> None:
    built = build_iot_preprovision_hook(
        "Fleet",
        parameters={"SerialNumber": "abc"},
        client_id="device-1",
        region="eu-west-1",
        account="111122223333",
    )
    assert built.template_arn == "arn:aws:iot:eu-west-1:111122223333:provisioningtemplate/Fleet"
    assert built.parameters == {"SerialNumber": "abc"}
    assert built.client_id == "device-1"
    assert len(str(built.certificate_id)) == 64
    assert str(built.certificate_pem).startswith("-----BEGIN CERTIFICATE-----\n")
    assert str(built.certificate_pem).endswith("\n-----END CERTIFICATE-----\n")
