"""Physical names: what a template's resources are called once "deployed", and the names in
the ARNs that point at them.

A resource with an explicit name property (`FunctionName`, `QueueName`, `BucketName`, ...)
takes it. Without one, CloudFormation generates `{StackName}-{LogicalId}-{SUFFIX}`, the
suffix 12 random upper-case letters and digits, shortening the stack name and logical id so
the whole fits the service's limit. faaslib derives the suffix from the stack name and the
logical id instead of drawing it, so the same template gives the same names on every run: a
test can name what the template names, and a handler's SDK call reaches the same queue twice.
"""

from __future__ import annotations

import hashlib

__all__ = ["NAME_PROPERTIES", "generated_name", "name_in_arn"]

# The property that names a resource of each type, and the longest name its service takes.
NAME_PROPERTIES: dict[str, tuple[str, int]] = {
    "AWS::Serverless::Function": ("FunctionName", 64),
    "AWS::Lambda::Function": ("FunctionName", 64),
    "AWS::SQS::Queue": ("QueueName", 80),
    "AWS::SNS::Topic": ("TopicName", 256),
    "AWS::S3::Bucket": ("BucketName", 63),
    "AWS::DynamoDB::Table": ("TableName", 255),
    "AWS::Serverless::SimpleTable": ("TableName", 255),
    "AWS::Kinesis::Stream": ("Name", 128),
    "AWS::Events::EventBus": ("Name", 256),
    "AWS::Events::Rule": ("Name", 64),
    "AWS::IAM::Role": ("RoleName", 64),
    "AWS::Serverless::StateMachine": ("Name", 80),
    "AWS::StepFunctions::StateMachine": ("StateMachineName", 80),
}
_DEFAULT_LIMIT = 64
_SUFFIX_LENGTH = 12
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def generated_name(
    stack_name: str, logical_id: str, resource_type: str, *, fifo: bool = False
) -> str:
    """CloudFormation's name for a resource the template leaves unnamed.

    ```pycon
    >>> generated_name("shop", "OrderQueue", "AWS::SQS::Queue")
    'shop-OrderQueue-...'
    ```

    S3 takes only lower case, so a bucket's name is lower-cased; a FIFO queue or topic ends in
    `.fifo`, as SQS and SNS require.
    """
    limit = NAME_PROPERTIES.get(resource_type, ("", _DEFAULT_LIMIT))[1]
    ending = ".fifo" if fifo else ""
    suffix = _suffix(stack_name, logical_id)
    room = limit - len(suffix) - len(ending) - 2
    stack_part, logical_part = stack_name, logical_id
    if len(stack_part) + len(logical_part) > room:
        stack_room = max(room - len(logical_part), room // 2)
        stack_part = stack_part[:stack_room]
        logical_part = logical_part[: room - len(stack_part)]
    name = f"{stack_part}-{logical_part}-{suffix}{ending}"
    return name.lower() if resource_type == "AWS::S3::Bucket" else name


def _suffix(stack_name: str, logical_id: str) -> str:
    digest = hashlib.sha256(f"{stack_name}/{logical_id}".encode()).digest()
    return "".join(_ALPHABET[byte % len(_ALPHABET)] for byte in digest[:_SUFFIX_LENGTH])


def name_in_arn(arn: str) -> tuple[str, str] | None:
    """The service and the resource name an ARN names, or None for what is not an ARN.

    ```pycon
    >>> name_in_arn("arn:aws:sqs:us-east-1:123456789012:orders")
    ('sqs', 'orders')
    >>> name_in_arn("arn:aws:kinesis:us-east-1:123456789012:stream/clicks")
    ('kinesis', 'clicks')
    ```

    A function's ARN gives the function's name without its qualifier; a table's stream ARN
    gives the table's name; a bus's ARN the bus's name.
    """
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    service, resource = parts[2], parts[5]
    if service == "lambda":
        if not resource.startswith("function:"):
            return None
        return service, resource.removeprefix("function:").split(":")[0]
    if service == "s3":
        return service, resource.split("/")[0]
    if service in ("kinesis", "dynamodb", "events"):
        _, _, rest = resource.partition("/")
        if not rest:
            return None
        return service, rest.split("/")[0]
    return service, resource
