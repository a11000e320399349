"""CloudFormation custom resource requests: the fields read AWS's keys, the builder makes each
request type of its real sample's shape, and the response body echoes the request."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from faaslib.events._base import UNSET, decode
from faaslib.events.cloudformation import CloudFormationCustomResourceEvent, build_cloudformation
from tests.events.corpus import load, needs_corpus
from tests.events.structure import assert_shaped_like


def sample(request_type: str) -> CloudFormationCustomResourceEvent:
    path = f"powertools/cloudformationCustomResource{request_type}.json"
    return decode(load(path), CloudFormationCustomResourceEvent)


@needs_corpus
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


@needs_corpus
@pytest.mark.parametrize("request_type", ["Create", "Update", "Delete"])
def test_each_request_type_builds_the_shape_of_its_real_sample(request_type: str) -> None:
    built = build_cloudformation(request_type, "Custom::MyType", {"MyProps": "ss"})
    assert_shaped_like(built, f"powertools/cloudformationCustomResource{request_type}.json")


def test_the_default_build_is_a_create_of_a_new_resource() -> None:
    built = build_cloudformation()
    assert built.request_type == "Create"
    assert built.physical_resource_id is UNSET


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


@needs_corpus
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


@needs_corpus
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


@needs_corpus
def test_a_response_status_other_than_success_or_failed_is_refused() -> None:
    with pytest.raises(ValueError, match="status='OK'"):
        sample("Delete").response_body("OK")
