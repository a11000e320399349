"""`TestClient.boto3_session()`: real boto3, its requests carried into `app.aws` in process (no
server, no socket), so a test drives the app as production code drives AWS."""

from __future__ import annotations

import json
import socket
from typing import Any

import pytest

from faaslib import App
from faaslib.testing import TestClient

pytest.importorskip("boto3", reason="boto3_session() drives the app with boto3")


def make_app(received: list[str]) -> App:
    app = App(name="bridge")

    @app.function
    def echo(event: Any, context: Any) -> Any:
        return event

    @app.on_queue("orders", batch_size=1)
    def take_order(event: Any, context: Any) -> None:
        received.extend(record["body"] for record in event["Records"])

    return app


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_boto3_reaches_the_app_in_process_with_no_socket(
    backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    received: list[str] = []
    with TestClient(make_app(received), backend=backend) as client:
        session = client.boto3_session()

        def no_connection(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("boto3_session() opened a socket")

        monkeypatch.setattr(socket, "create_connection", no_connection)
        lambda_ = session.client("lambda")
        answer = lambda_.invoke(FunctionName="echo", Payload=b'{"n": 1}')
        assert json.loads(answer["Payload"].read()) == {"n": 1}
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200

        sqs = session.client("sqs")
        url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="book")
        client.wait_idle()
    assert received == ["book"]


def test_aws_errors_raise_botocores_modeled_exceptions() -> None:
    with TestClient(make_app([])) as client:
        session = client.boto3_session()
        lambda_ = session.client("lambda")
        with pytest.raises(lambda_.exceptions.ResourceNotFoundException):
            lambda_.invoke(FunctionName="nowhere", Payload=b"{}")
        sqs = session.client("sqs")
        with pytest.raises(sqs.exceptions.QueueDoesNotExist):
            sqs.get_queue_url(QueueName="nowhere")


def test_a_session_needs_a_running_client() -> None:
    client = TestClient(make_app([]))
    with pytest.raises(RuntimeError):
        client.boto3_session()
