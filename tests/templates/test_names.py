"""Physical names: CloudFormation's `{StackName}-{LogicalId}-{SUFFIX}` for what a template
leaves unnamed (within each service's length limit, a bucket in lower case, a FIFO queue ending
in .fifo), the same on every load; and the names ARNs carry."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faaslib.templates.names import generated_name, name_in_arn

SUFFIX = r"[A-Z0-9]{12}"


def test_an_unnamed_resource_gets_the_stack_the_logical_id_and_a_suffix() -> None:
    name = generated_name("shop", "OrderQueue", "AWS::SQS::Queue")
    assert re.fullmatch(rf"shop-OrderQueue-{SUFFIX}", name)


def test_the_suffix_is_the_same_on_every_load_and_differs_between_resources() -> None:
    first = generated_name("shop", "OrderQueue", "AWS::SQS::Queue")
    assert generated_name("shop", "OrderQueue", "AWS::SQS::Queue") == first
    assert generated_name("shop", "PaymentQueue", "AWS::SQS::Queue")[-12:] != first[-12:]
    assert generated_name("shop2", "OrderQueue", "AWS::SQS::Queue")[-12:] != first[-12:]


def test_a_bucket_name_is_lower_case_and_a_fifo_queue_ends_in_fifo() -> None:
    bucket = generated_name("Shop", "UploadBucket", "AWS::S3::Bucket")
    assert re.fullmatch(r"shop-uploadbucket-[a-z0-9]{12}", bucket)
    queue = generated_name("shop", "Orders", "AWS::SQS::Queue", fifo=True)
    assert re.fullmatch(rf"shop-Orders-{SUFFIX}\.fifo", queue)


@given(
    stack=st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,127}", fullmatch=True),
    logical_id=st.from_regex(r"[A-Za-z0-9]{1,255}", fullmatch=True),
    kind=st.sampled_from(
        [
            ("AWS::Lambda::Function", 64),
            ("AWS::SQS::Queue", 80),
            ("AWS::S3::Bucket", 63),
            ("AWS::Kinesis::Stream", 128),
            ("AWS::Events::Rule", 64),
        ]
    ),
)
def test_a_generated_name_fits_its_service_and_keeps_both_parts(
    stack: str, logical_id: str, kind: tuple[str, int]
) -> None:
    resource_type, limit = kind
    name = generated_name(stack, logical_id, resource_type)
    assert len(name) <= limit
    head, middle, suffix = name.rsplit("-", 2)
    assert len(suffix) == 12
    # Each part is a prefix of the stack name and logical id (both shortened if too long).
    assert head
    assert stack.lower().startswith(head.lower())
    assert middle
    assert logical_id.lower().startswith(middle.lower())


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("arn:aws:sqs:us-east-1:123456789012:orders", ("sqs", "orders")),
        ("arn:aws:sns:us-east-1:123456789012:alerts.fifo", ("sns", "alerts.fifo")),
        ("arn:aws:lambda:us-east-1:123456789012:function:resize", ("lambda", "resize")),
        ("arn:aws:lambda:us-east-1:123456789012:function:resize:live", ("lambda", "resize")),
        ("arn:aws:kinesis:us-east-1:123456789012:stream/clicks", ("kinesis", "clicks")),
        (
            "arn:aws:dynamodb:us-east-1:123456789012:table/users/stream/2024-01-01T00:00:00.000",
            ("dynamodb", "users"),
        ),
        ("arn:aws:events:us-east-1:123456789012:event-bus/orders", ("events", "orders")),
        ("arn:aws:s3:::uploads", ("s3", "uploads")),
        ("arn:aws:lambda:us-east-1:123456789012:layer:deps:3", None),
        ("orders", None),
    ],
)
def test_the_name_in_an_arn(arn: str, expected: tuple[str, str] | None) -> None:
    assert name_in_arn(arn) == expected
