"""S3's PutBucketNotificationConfiguration and GetBucketNotificationConfiguration through
`app.aws` with real boto3: a configuration binds the app's functions by ARN, a put runs them,
Get answers what Put set, Put replaces it whole, and S3's refusals (an unknown function,
overlapping rules) as botocore raises them. `@app.on_object` bindings stay as the code made them.
"""

from __future__ import annotations

from collections.abc import Callable
from queue import Empty, SimpleQueue
from typing import Any

import pytest
from botocore.exceptions import ClientError

from faaslib import App
from faaslib.errors import ConfigurationError

pytestmark = pytest.mark.usefixtures("each_store")

Client = Any
ARN = "arn:aws:lambda:us-east-1:{account}:function:{name}"


@pytest.fixture
def deliveries() -> SimpleQueue[tuple[str, str, str]]:
    """(function, event name, key) for every notification a function was given."""
    return SimpleQueue()


@pytest.fixture
def app(deliveries: SimpleQueue[tuple[str, str, str]]) -> App:
    app = App(name="aws")

    def record(function: str, event: dict[str, Any]) -> None:
        for one in event["Records"]:
            deliveries.put((function, one["eventName"], one["s3"]["object"]["key"]))

    @app.function
    def resize(event: dict[str, Any], context: object) -> None:
        record("resize", event)

    @app.function
    def audit(event: dict[str, Any], context: object) -> None:
        record("audit", event)

    @app.on_object("photos", prefix="raw/")
    def from_code(event: dict[str, Any], context: object) -> None:
        record("from_code", event)

    return app


@pytest.fixture
def s3(aws_client: Callable[..., Any]) -> Client:
    client = aws_client("s3")
    client.create_bucket(Bucket="photos")
    return client


def arn(app: App, name: str) -> str:
    return ARN.format(account=app.config.account_id, name=name)


def function_configuration(
    app: App, name: str, events: list[str], *, id: str | None = None, **rules: str
) -> dict[str, Any]:
    configuration: dict[str, Any] = {"LambdaFunctionArn": arn(app, name), "Events": events}
    if id is not None:
        configuration["Id"] = id
    if rules:
        configuration["Filter"] = {
            "Key": {"FilterRules": [{"Name": k, "Value": v} for k, v in rules.items()]}
        }
    return configuration


def put(s3: Client, *configurations: dict[str, Any]) -> None:
    s3.put_bucket_notification_configuration(
        Bucket="photos",
        NotificationConfiguration={"LambdaFunctionConfigurations": list(configurations)}
        if configurations
        else {},
    )


def received(deliveries: SimpleQueue[tuple[str, str, str]], count: int) -> set[tuple[str, ...]]:
    """The next `count` deliveries, then none more for a moment."""
    found = {deliveries.get(timeout=10) for _ in range(count)}
    with pytest.raises(Empty):
        deliveries.get(timeout=0.3)
    return found


def error_of(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_a_configuration_binds_a_function_that_a_put_runs_and_get_returns_it(
    app: App, s3: Client, deliveries: SimpleQueue[tuple[str, str, str]]
) -> None:
    assert "LambdaFunctionConfigurations" not in s3.get_bucket_notification_configuration(
        Bucket="photos"
    )
    put(
        s3,
        function_configuration(
            app, "resize", ["s3:ObjectCreated:*"], id="resize-jpg", prefix="up/", suffix=".jpg"
        ),
        function_configuration(app, "audit", ["s3:ObjectRemoved:Delete"]),
    )
    got = s3.get_bucket_notification_configuration(Bucket="photos")
    resize, audit = got["LambdaFunctionConfigurations"]
    assert resize == {
        "Id": "resize-jpg",
        "LambdaFunctionArn": arn(app, "resize"),
        "Events": ["s3:ObjectCreated:*"],
        "Filter": {
            "Key": {
                "FilterRules": [
                    {"Name": "Prefix", "Value": "up/"},
                    {"Name": "Suffix", "Value": ".jpg"},
                ]
            }
        },
    }
    assert audit["LambdaFunctionArn"] == arn(app, "audit")
    assert audit["Id"]  # S3 gave it one
    assert audit["Events"] == ["s3:ObjectRemoved:Delete"]
    assert "Filter" not in audit

    s3.put_object(Bucket="photos", Key="up/cat.jpg", Body=b"jpeg")
    s3.put_object(Bucket="photos", Key="up/notes.txt", Body=b"text")
    s3.delete_object(Bucket="photos", Key="up/cat.jpg")
    s3.put_object(Bucket="photos", Key="raw/dog.jpg", Body=b"jpeg")  # the code's binding
    assert received(deliveries, 3) == {
        ("resize", "ObjectCreated:Put", "up/cat.jpg"),
        ("audit", "ObjectRemoved:Delete", "up/cat.jpg"),
        ("from_code", "ObjectCreated:Put", "raw/dog.jpg"),
    }
    assert len(app.triggers("resize")) == 1


def test_put_replaces_the_configuration_and_an_empty_one_stops_delivery(
    app: App, s3: Client, deliveries: SimpleQueue[tuple[str, str, str]]
) -> None:
    put(s3, function_configuration(app, "resize", ["s3:ObjectCreated:Put"], prefix="new/"))
    put(s3, function_configuration(app, "audit", ["s3:ObjectCreated:Put"], prefix="new/"))
    got = s3.get_bucket_notification_configuration(Bucket="photos")
    assert [c["LambdaFunctionArn"] for c in got["LambdaFunctionConfigurations"]] == [
        arn(app, "audit")
    ]
    s3.put_object(Bucket="photos", Key="new/a.png", Body=b"png")
    assert received(deliveries, 1) == {("audit", "ObjectCreated:Put", "new/a.png")}
    assert app.triggers("resize") == []

    put(s3)  # an empty configuration: no notifications set through the API
    assert "LambdaFunctionConfigurations" not in s3.get_bucket_notification_configuration(
        Bucket="photos"
    )
    s3.put_object(Bucket="photos", Key="new/b.png", Body=b"png")
    s3.put_object(Bucket="photos", Key="raw/c.png", Body=b"png")  # the code's binding stays
    assert received(deliveries, 1) == {("from_code", "ObjectCreated:Put", "raw/c.png")}
    assert app.triggers("audit") == []


def test_an_unknown_function_is_an_invalid_argument_and_changes_nothing(
    app: App, s3: Client
) -> None:
    put(s3, function_configuration(app, "resize", ["s3:ObjectCreated:*"], prefix="up/"))
    with pytest.raises(ClientError) as raised:
        put(s3, function_configuration(app, "nobody", ["s3:ObjectCreated:*"], prefix="up/"))
    assert error_of(raised) == ("InvalidArgument", 400)
    got = s3.get_bucket_notification_configuration(Bucket="photos")
    assert [c["LambdaFunctionArn"] for c in got["LambdaFunctionConfigurations"]] == [
        arn(app, "resize")
    ]


@pytest.mark.parametrize(
    "configurations",
    [
        # both take ObjectCreated:Put for keys "a/x.jpg"
        [("resize", {"prefix": "a/"}), ("audit", {"suffix": ".jpg"})],
        # overlaps the code's `on_object("photos", prefix="raw/")`
        [("audit", {"prefix": "raw/2026/"})],
    ],
)
def test_overlapping_rules_are_refused(
    app: App, s3: Client, configurations: list[tuple[str, dict[str, str]]]
) -> None:
    with pytest.raises(ClientError) as raised:
        put(
            s3,
            *(
                function_configuration(app, name, ["s3:ObjectCreated:*"], **rules)
                for name, rules in configurations
            ),
        )
    assert error_of(raised) == ("InvalidArgument", 400)
    assert "Configurations overlap" in raised.value.response["Error"]["Message"]
    assert "LambdaFunctionConfigurations" not in s3.get_bucket_notification_configuration(
        Bucket="photos"
    )


def test_unknown_event_types_and_queue_targets_are_refused(app: App, s3: Client) -> None:
    with pytest.raises(ClientError) as raised:
        put(s3, function_configuration(app, "resize", ["s3:ObjectCreated:Upload"]))
    assert error_of(raised) == ("InvalidArgument", 400)
    with pytest.raises(ClientError) as raised:
        s3.put_bucket_notification_configuration(
            Bucket="photos",
            NotificationConfiguration={
                "QueueConfigurations": [
                    {"QueueArn": "arn:aws:sqs:us-east-1:1:q", "Events": ["s3:ObjectCreated:*"]}
                ]
            },
        )
    assert error_of(raised) == ("NotImplemented", 501)
    assert "QueueConfiguration" in raised.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as raised:
        s3.get_bucket_notification_configuration(Bucket="nowhere")
    assert error_of(raised) == ("NoSuchBucket", 404)


def test_notify_function_binds_a_registered_function_and_remove_undoes_it(app: App) -> None:
    with pytest.raises(ConfigurationError, match="no function 'nobody'"):
        app.notify_function("photos", "nobody")
    made = app.notify_function("photos", "resize", prefix="up/", id="resize-up")
    assert made.configuration.id == "resize-up"
    assert [c.id for c in app.bucket("photos").configurations] == ["from_code-1", "resize-up"]
    assert len(app.triggers("resize")) == 1
    made.remove()
    assert [c.id for c in app.bucket("photos").configurations] == ["from_code-1"]
    assert app.triggers("resize") == []
