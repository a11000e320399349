"""AWS IoT events, four shapes in one family: the fields read AWS's keys, and the builders make
events of each real sample's shape, with their arguments where AWS IoT puts them."""

from __future__ import annotations

import base64
from collections.abc import Callable

import msgspec
import pytest

from faaslib.events._base import UNSET, AWSEvent, decode
from faaslib.events.iot import (
    IoTCustomAuthorizerEvent,
    IoTHTTPContext,
    IoTMQTTContext,
    IoTOneClickEvent,
    IoTPreProvisionHookEvent,
    build_iot,
    build_iot_custom_authorizer,
    build_iot_one_click,
    build_iot_preprovision_hook,
)
from tests.events.corpus import load, needs_corpus
from tests.events.structure import assert_shaped_like


@needs_corpus
def test_the_fields_read_the_aws_keys() -> None:
    click = decode(load("aws-lambda-go/iot-1-click-event.json"), IoTOneClickEvent)
    assert click.device_event.button_clicked.reported_time == "2018-05-04T23:26:33.747Z"
    assert click.device_info.remaining_life == 5.0
    assert click.placement_info.devices == {"myButton": "G030PMXXXXXXXXXX"}
    hook = decode(
        load("aws-lambda-go/iot-preprovision-hook-request.json"), IoTPreProvisionHookEvent
    )
    assert hook.template_arn == "arn:aws:iot:us-east-1:1234567890:provisioningtemplate/MyTemplate"


@needs_corpus
def test_the_mqtt_password_is_base64_decoded() -> None:
    event = decode(load("aws-lambda-go/iot-custom-auth-request.json"), IoTCustomAuthorizerEvent)
    assert event.protocol_data.mqtt.decoded_password() == b"myPassword"
    assert IoTMQTTContext().decoded_password() is None


@needs_corpus
def test_an_http_header_is_found_whatever_its_case() -> None:
    event = decode(load("aws-lambda-go/iot-custom-auth-request.json"), IoTCustomAuthorizerEvent)
    assert event.protocol_data.http.header("x-request-id") == "abc123"
    assert event.protocol_data.http.header("Host") is None
    assert IoTHTTPContext().header("Host") is None


# The default button event is checked with every family's in tests/events/test_builders.py.
BUILDS: list[tuple[Callable[[], AWSEvent], str]] = [
    (build_iot_one_click, "aws-lambda-go/iot-1-click-event.json"),
    (build_iot_custom_authorizer, "aws-lambda-go/iot-custom-auth-request.json"),
    (build_iot_preprovision_hook, "aws-lambda-go/iot-preprovision-hook-request.json"),
]


@needs_corpus
@pytest.mark.parametrize(("build", "path"), BUILDS, ids=[build.__name__ for build, _ in BUILDS])
def test_each_default_build_has_the_shape_of_its_real_sample(
    build: Callable[[], AWSEvent], path: str
) -> None:
    assert_shaped_like(build(), path)


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
