"""CloudFormation custom resource requests: real samples round-trip, are recognised, the builder
makes requests of their shape, and the response body echoes the request."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import msgspec
import pytest

from faaslib.events._base import UNSET, decode
from faaslib.events.cloudformation import (
    BUILDERS,
    FAMILIES,
    CloudFormationCustomResourceEvent,
    build_cloudformation,
    detect,
)
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

EXPECTED = {
    "powertools/cloudformationCustomResourceCreate.json": CloudFormationCustomResourceEvent,
    "powertools/cloudformationCustomResourceDelete.json": CloudFormationCustomResourceEvent,
    "powertools/cloudformationCustomResourceUpdate.json": CloudFormationCustomResourceEvent,
}
INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
ROWS = [line.split("\t") for line in INDEX.splitlines()[1:]]
FAMILY = sorted(row[0] for row in ROWS if row[4] == "cloudformation")
OTHERS = sorted(row[0] for row in ROWS if row[4] != "cloudformation")


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def sample(request_type: str) -> CloudFormationCustomResourceEvent:
    path = f"powertools/cloudformationCustomResource{request_type}.json"
    return decode(load(path), CloudFormationCustomResourceEvent)


def samples() -> list[msgspec.Struct]:
    return [decode(load(path), struct) for path, struct in EXPECTED.items()]


def test_every_cloudformation_sample_has_an_expected_struct() -> None:
    assert sorted(EXPECTED) == FAMILY


@pytest.mark.parametrize(("path", "struct"), sorted(EXPECTED.items()))
def test_a_sample_round_trips_exactly(path: str, struct: type[Any]) -> None:
    raw = load(path)
    assert msgspec.to_builtins(decode(raw, struct)) == raw


@pytest.mark.parametrize(("path", "struct"), sorted(EXPECTED.items()))
def test_detect_recognises_a_sample(path: str, struct: type[Any]) -> None:
    assert detect(load(path)) is struct


@pytest.mark.parametrize("path", OTHERS)
def test_detect_claims_no_other_family(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "data",
    [[], "x", 5, None, {}, {"Records": 5}, {"RequestType": "Create", "ResponseURL": "u"}],
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def test_the_registries_name_the_family() -> None:
    assert list(FAMILIES) == list(BUILDERS) == ["cloudformation"]
    assert FAMILIES["cloudformation"] == (CloudFormationCustomResourceEvent,)
    assert BUILDERS["cloudformation"] is build_cloudformation


def test_the_fields_read_the_aws_keys() -> None:
    update = sample("Update")
    assert update.request_type == "Update"
    assert update.response_url.startswith("https://cloudformation-custom-resource-response")
    assert update.resource_properties == {
        "ServiceToken": "arn:aws:lambda:us-east-1:xxxxx:function:xxxxx",
        "MyProps": "new",
    }
    assert isinstance(update.old_resource_properties, dict)
    assert update.old_resource_properties["MyProps"] == "old"


@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_each_request_type_builds_the_shape_of_its_real_sample(request_type: str) -> None:
    built = build_cloudformation(request_type, "Custom::MyType", {"MyProps": "ss"})
    again = msgspec.json.decode(msgspec.json.encode(built), type=CloudFormationCustomResourceEvent)
    assert again == built
    assert matching_sample(built, [sample(request_type)])


def test_the_default_build_is_a_create_of_a_real_samples_shape() -> None:
    built = build_cloudformation()
    assert built.request_type == "Create"
    assert built.physical_resource_id is UNSET
    assert matching_sample(built, samples())


def test_the_build_places_its_arguments_and_region() -> None:
    built = build_cloudformation(
        "Update",
        "Custom::Dns",
        {"Name": "new.example.com"},
        old_properties={"Name": "old.example.com"},
        logical_resource_id="Record",
        physical_resource_id="record-1",
        stack_name="dns",
        function_name="dns-provider",
        now=1_700_000_000,
        region="eu-west-1",
        account="111122223333",
    )
    token = "arn:aws:lambda:eu-west-1:111122223333:function:dns-provider"
    assert built.service_token == token
    assert built.resource_type == "Custom::Dns"
    assert built.resource_properties == {"ServiceToken": token, "Name": "new.example.com"}
    assert built.old_resource_properties == {"ServiceToken": token, "Name": "old.example.com"}
    assert built.physical_resource_id == "record-1"
    assert built.logical_resource_id == "Record"
    assert isinstance(built.stack_id, str)
    assert built.stack_id.startswith("arn:aws:cloudformation:eu-west-1:111122223333:stack/dns/")


def test_the_response_url_is_presigned_for_this_request_at_now() -> None:
    built = build_cloudformation(now=1_700_000_000, region="eu-west-1")
    assert isinstance(built.response_url, str)
    url = urlsplit(built.response_url)
    assert url.hostname == "cloudformation-custom-resource-response-euwest1.s3.amazonaws.com"
    assert unquote(url.path) == f"/{built.stack_id}|MyResource|{built.request_id}"
    query = parse_qs(url.query)
    assert query["X-Amz-Date"] == ["20231114T221320Z"]
    assert query["X-Amz-Credential"][0].endswith("/20231114/eu-west-1/s3/aws4_request")


def test_an_update_without_old_properties_repeats_the_new_ones() -> None:
    built = build_cloudformation("Update", properties={"Size": "2"})
    assert built.old_resource_properties == built.resource_properties
    assert isinstance(built.physical_resource_id, str)
    assert built.physical_resource_id.startswith("my-stack-MyResource-")


def test_an_unknown_request_type_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="request_type='Replace'"):
        build_cloudformation("Replace")


def test_the_response_body_echoes_the_request_ids() -> None:
    update = sample("Update")
    assert update.response_body(data={"Arn": "arn:x"}) == {
        "Status": "SUCCESS",
        "PhysicalResourceId": "xxxxxxxxx",
        "StackId": update.stack_id,
        "RequestId": "xxxxx-d2a0-4dfb-ab1f-xxxxxx",
        "LogicalResourceId": "xxxxxxxxx",
        "Data": {"Arn": "arn:x"},
    }


def test_a_create_response_defaults_its_physical_id_to_the_request_id() -> None:
    create = sample("Create")
    body = create.response_body("FAILED", reason="quota exceeded", no_echo=True)
    assert body["PhysicalResourceId"] == create.request_id
    assert body["Status"] == "FAILED"
    assert body["Reason"] == "quota exceeded"
    assert body["NoEcho"] is True
    assert "Data" not in body
    assert create.response_body(physical_resource_id="bucket-1")["PhysicalResourceId"] == (
        "bucket-1"
    )


def test_a_response_status_other_than_success_or_failed_is_refused() -> None:
    with pytest.raises(ValueError, match="status='OK'"):
        sample("Delete").response_body("OK")
