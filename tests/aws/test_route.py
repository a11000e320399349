"""Handlers' own AWS SDK calls reach their app in process: a handler written for Lambda, with a
plain `boto3.client("s3")`, runs unchanged, and nothing leaves the process (the endpoint the
tests set is a closed port, which a call that went out would meet) (issue 18)."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import anyio.to_thread
import boto3
import pytest

from faaslib import App, FunctionError

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    # A host with no AWS credentials or configuration of its own: the functions get Lambda's
    # stand-ins from their app.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # A call that left the process would meet a closed port (the discard port): refused at once.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")


def thumbnail_app() -> tuple[App, list[str]]:
    """The seed's example: an upload is thumbnailed into another bucket, which notifies again."""
    app = App(name="photos")
    app.bucket("uploads")
    app.bucket("thumbnails")
    thumbnails: list[str] = []

    @app.on_object("uploads")
    def make_thumbnail(event: Any, context: Any) -> None:
        s3 = boto3.client("s3")  # as on Lambda: no endpoint, no configuration
        record = event["Records"][0]["s3"]
        key = record["object"]["key"]
        photo = s3.get_object(Bucket=record["bucket"]["name"], Key=key)["Body"].read()
        s3.put_object(Bucket="thumbnails", Key=f"small-{key}", Body=photo[:4])

    @app.on_object("thumbnails")
    def index_thumbnail(event: Any, context: Any) -> None:
        thumbnails.append(event["Records"][0]["s3"]["object"]["key"])

    return app, thumbnails


async def test_a_sync_handlers_boto3_calls_reach_its_app_in_process() -> None:
    app, thumbnails = thumbnail_app()
    async with app:
        await app.bucket("uploads").put("cat.jpg", b"\xff\xd8\xff\xe0-a-photo")
        await app.wait_idle()
        small = await app.bucket("thumbnails").get("small-cat.jpg")
    assert small.body == b"\xff\xd8\xff\xe0"
    assert thumbnails == ["small-cat.jpg"]


async def test_an_async_handler_calls_boto3_from_a_thread() -> None:
    app = App(name="async-caller")
    app.queue("orders")

    @app.function
    async def place(event: Any, context: Any) -> str:
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = (await anyio.to_thread.run_sync(lambda: sqs.get_queue_url(QueueName="orders")))[
            "QueueUrl"
        ]
        await anyio.to_thread.run_sync(lambda: sqs.send_message(QueueUrl=url, MessageBody="x"))
        return "placed"

    async with app:
        assert await app.call("place") == "placed"
        assert app.queue("orders").approximate_number_of_messages == 1


async def test_a_blocking_call_on_the_event_loop_is_refused_with_what_to_do() -> None:
    app = App(name="blocking")

    @app.function
    async def blocks(event: Any, context: Any) -> None:
        boto3.client("lambda", region_name="us-east-1").list_functions()

    async with app:
        with pytest.raises(FunctionError, match=r"anyio\.to_thread\.run_sync"):
            await app.call("blocks")


async def test_a_handler_signs_with_lambdas_stand_in_credentials_on_a_bare_host() -> None:
    app = App(name="signed")

    @app.function
    def who(event: Any, context: Any) -> str:
        session = boto3.session.Session()
        credentials = session.get_credentials()
        assert credentials is not None
        return str(credentials.access_key)

    async with app:
        assert (await app.call("who")).startswith("ASIA")  # a role session's key, as on Lambda


async def test_an_app_may_leave_its_handlers_calls_to_go_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "the-hosts-own")  # calls going out use the host's
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "the-hosts-own")
    app = App(name="opted-out", route_aws_calls=False)

    @app.function
    def lists(event: Any, context: Any) -> None:
        boto3.client("lambda", region_name="us-east-1").list_functions()

    async with app:
        with pytest.raises(FunctionError) as raised:
            await app.call("lists")
    assert raised.value.error_type == "EndpointConnectionError"  # it went out, to 127.0.0.1:9


async def test_a_call_from_an_invocation_left_running_by_its_stopped_app_is_refused() -> None:
    """A sync handler still in its thread as its app stops (shutdown_timeout passed): its
    boto3 call was meant for the app, so it is refused, not sent to AWS (the closed port would
    have answered EndpointConnectionError)."""
    release, started = threading.Event(), threading.Event()
    outcome: list[BaseException] = []
    app = App(name="stopping", shutdown_timeout=0)

    @app.function(timeout=30)
    def late(event: Any, context: Any) -> None:
        started.set()
        release.wait(10)
        try:
            boto3.client("lambda", region_name="us-east-1").list_functions()
        except BaseException as error:
            outcome.append(error)

    async with app:
        await app.invoke("late", None, invocation_type="Event")
        await anyio.to_thread.run_sync(started.wait, 10)
    release.set()  # the app has stopped: the handler makes its call now
    with anyio.fail_after(10):
        while not outcome:  # noqa: ASYNC110 - the handler's own thread
            await anyio.sleep(0.01)
    (error,) = outcome
    assert isinstance(error, RuntimeError)
    assert "App 'stopping' has stopped" in str(error)
    assert "not sent to AWS" in str(error)


THUMBNAIL_HANDLER = """
import boto3

s3 = boto3.client("s3")  # at init, as Lambda code does: no endpoint, no configuration


def make_thumbnail(event, context):
    record = event["Records"][0]["s3"]
    key = record["object"]["key"]
    photo = s3.get_object(Bucket=record["bucket"]["name"], Key=key)["Body"].read()
    s3.put_object(Bucket="thumbnails", Key=f"small-{key}", Body=photo[:4])
    return key
"""


async def test_the_same_example_runs_with_its_handler_in_a_process_instance(
    tmp_path: Any,
) -> None:
    """The seed's example with its first handler as Lambda takes code: a file in a folder, run
    by AWS's runtime client in a process instance, whose SDK finds the app through
    AWS_ENDPOINT_URL (issue 18, with issue 20's process instances)."""
    (tmp_path / "thumbnails.py").write_text(THUMBNAIL_HANDLER)
    app = App(name="photos")
    app.bucket("uploads")
    app.bucket("thumbnails")
    app.add_function(
        "make_thumbnail",
        handler="thumbnails.make_thumbnail",
        code=tmp_path,
        isolation="process",
        timeout=30,
    )
    app.notify_function("uploads", "make_thumbnail")
    indexed: list[str] = []

    @app.on_object("thumbnails")
    def index_thumbnail(event: Any, context: Any) -> None:
        indexed.append(event["Records"][0]["s3"]["object"]["key"])

    async with app:
        await app.bucket("uploads").put("cat.jpg", b"\xff\xd8\xff\xe0-a-photo")
        await app.wait_idle()
        small = await app.bucket("thumbnails").get("small-cat.jpg")
    assert small.body == b"\xff\xd8\xff\xe0"
    assert indexed == ["small-cat.jpg"]
    assert app.metrics("make_thumbnail")["Errors"] == 0
    assert app.function_configuration("make_thumbnail").isolation == "process"
