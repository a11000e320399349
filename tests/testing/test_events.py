"""faaslib.testing.events: each factory gives the dict a handler receives, built by the
family's builder."""

from __future__ import annotations

import inspect

import pytest

from faaslib.events import BUILDERS, FAMILIES, build, detect
from faaslib.testing import events


@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_every_family_builds_a_dict_of_its_own_shape(family: str) -> None:
    data = events.family(family)
    assert type(data) is dict
    assert detect(data) in FAMILIES[family]


@pytest.mark.parametrize("name", [n for n in build.__all__ if n not in ("BUILDERS", "family")])
def test_each_factory_keeps_its_builders_signature_and_docs(name: str) -> None:
    factory, builder = getattr(events, name), getattr(build, name)
    assert inspect.signature(factory) == inspect.signature(builder)
    assert factory.__doc__ == builder.__doc__
    assert name in events.__all__


def test_factories_take_the_builders_arguments() -> None:
    event = events.sqs({"order": 1}, "plain", queue="orders")
    assert [record["body"] for record in event["Records"]] == ['{"order":1}', "plain"]
    assert event["Records"][0]["eventSourceARN"].endswith(":orders")
    assert events.s3("uploads", "a b.jpg")["Records"][0]["s3"]["object"]["key"] == "a+b.jpg"
    request = events.apigw_http_v2("POST", "/items", body={"name": "x"})
    assert request["requestContext"]["http"]["method"] == "POST"
    assert request["body"] == '{"name":"x"}'


def test_an_unknown_family_names_the_families() -> None:
    with pytest.raises(ValueError, match="no event family 'nope'; the families are: alb"):
        events.family("nope")
