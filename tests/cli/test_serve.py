"""`faaslib serve MODULE:APP`: uvicorn serving app.asgi, the app's sources running, until
Ctrl-C stops it cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.cli import APPS, faaslib, faaslib_bytes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serves_routes_runs_sources_and_stops_cleanly_on_ctrl_c() -> None:
    port = free_port()
    with subprocess.Popen(
        [sys.executable, "-m", "faaslib", "serve", "web:app", "--port", str(port)],
        cwd=APPS,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            assert server.stderr is not None
            log = []
            for line in server.stderr:  # uvicorn says when it listens: no sleeping, no polling
                log.append(line)
                if "Uvicorn running on" in line:
                    break
            assert f"Uvicorn running on http://127.0.0.1:{port}" in log[-1], "".join(log)
            base = f"http://127.0.0.1:{port}"
            assert httpx.get(f"{base}/items/7").json() == {"id": "7"}
            assert httpx.get(f"{base}/nowhere").status_code == 404
            queued = httpx.post(
                f"{base}/orders", content="book", headers={"content-type": "text/plain"}
            )
            assert (queued.status_code, queued.text) == (202, "queued")
            server.send_signal(signal.SIGINT)
            rest = server.stderr.read()
            assert server.wait(timeout=20) == 0
        finally:
            if server.poll() is None:
                server.kill()
    # the queued order was processed before the app stopped, and the app stopped through
    # the lifespan, after the server stopped taking requests
    assert "order processed: book" in "".join(log) + rest
    assert rest.index("Shutting down") < rest.index("Application shutdown complete")
    assert "Traceback" not in rest


def test_a_port_in_use_fails_with_status_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        run = faaslib("serve", "web:app", "--port", str(taken.getsockname()[1]))
    assert run.returncode == 1
    assert "address already in use" in run.stderr.lower()


def test_a_port_in_use_is_said_in_one_line_before_the_app_starts() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = faaslib("serve", "web:app", "--port", str(port))
    assert run.returncode == 1  # serve's status when the server cannot start
    assert run.stderr == (
        f"faaslib serve: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )


@pytest.mark.parametrize(
    ("port", "message"),
    [
        ("99999", "argument --port: '99999' is not a port (0 to 65535)"),
        ("65536", "argument --port: '65536' is not a port (0 to 65535)"),
        ("-1", "argument --port: '-1' is not a port (0 to 65535)"),
        ("http", "argument --port: 'http' is not a port (0 to 65535)"),
    ],
)
def test_a_port_out_of_range_is_a_usage_error(port: str, message: str) -> None:
    run = faaslib("serve", "web:app", "--port", port)
    assert run.returncode == 2
    assert run.stderr.splitlines()[-1] == f"faaslib serve: error: {message}"
    assert "Traceback" not in run.stderr


def test_a_host_that_cannot_be_a_name_is_a_usage_error() -> None:
    run = faaslib_bytes("serve", "web:app", "--host", b"\xff.example")
    assert run.returncode == 2
    assert run.stderr.startswith(b"faaslib serve: error: --host '\\udcff.example': ")
    assert run.stderr.count(b"\n") == 1


def test_serve_aws_answers_boto3_and_runs_the_app_until_ctrl_c() -> None:
    boto3 = pytest.importorskip("boto3")
    port = free_port()
    with subprocess.Popen(
        [sys.executable, "-m", "faaslib", "serve", "web:app", "--aws", "--port", str(port)],
        cwd=APPS,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            assert server.stderr is not None
            log = []
            for line in server.stderr:
                log.append(line)
                if "Uvicorn running on" in line:
                    break
            assert f"Uvicorn running on http://127.0.0.1:{port}" in log[-1], "".join(log)
            client = boto3.client(
                "lambda",
                endpoint_url=f"http://127.0.0.1:{port}",
                region_name="us-east-1",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            names = [f["FunctionName"] for f in client.list_functions()["Functions"]]
            assert sorted(names) == ["get_item", "orders", "place_order"]
            server.send_signal(signal.SIGINT)
            rest = server.stderr.read()
            assert server.wait(timeout=20) == 0
        finally:
            if server.poll() is None:
                server.kill()
    assert "Application shutdown complete" in rest
    assert "Traceback" not in rest


def start_aws(arguments: list[str], port: int, cwd: object) -> subprocess.Popen[str]:
    """`faaslib serve ... --aws` started, once uvicorn says it listens."""
    server = subprocess.Popen(
        [sys.executable, "-m", "faaslib", "serve", *arguments, "--aws", "--port", str(port)],
        cwd=cwd,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    log = []
    for line in server.stderr:
        log.append(line)
        if "Uvicorn running on" in line:
            return server
    server.kill()
    raise AssertionError("".join(log))


def test_serve_store_keeps_a_templates_messages_across_a_kill(tmp_path: Path) -> None:
    boto3 = pytest.importorskip("boto3")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Orders:\n"
        "    Type: AWS::SQS::Queue\n"
        "    Properties: {QueueName: orders}\n"
    )
    arguments = ["-t", "template.yaml", "--store", "sqlite:///app.db"]
    port = free_port()
    sqs = boto3.client(
        "sqs",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with start_aws(arguments, port, tmp_path) as server:
        try:
            url = sqs.get_queue_url(QueueName="orders")["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody="kept")
        finally:
            server.kill()  # SIGKILL: no shutdown at all
    with start_aws(arguments, port, tmp_path) as server:
        try:
            [message] = sqs.receive_message(QueueUrl=url)["Messages"]
            assert message["Body"] == "kept"
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=20)


def test_store_is_for_templates_only() -> None:
    run = faaslib("serve", "web:app", "--store", "sqlite:///app.db")
    assert run.returncode == 2
    assert "--store goes with -t TEMPLATE" in run.stderr
