"""boto3 round trips through `app.aws` beside the same calls against moto, in the same run.

Two calls, each made back to back by one boto3 client: `sqs.send_message` and `lambda.invoke` of
a trivial async handler. `app.aws` is served by uvicorn in a thread on 127.0.0.1 (as the tests
serve it), beside a plain Starlette endpoint under the same uvicorn that answers at once: boto3
(or a bare urllib3 POST) against it is the baseline, the cost of the client, HTTP and an ordinary
ASGI framework, so that what app.aws adds shows above it. moto runs in process (`mock_aws()`, no
HTTP) and as `ThreadedMotoServer` on 127.0.0.1 (HTTP against HTTP). Client and servers share this
process, so the GIL is part of every HTTP figure, for faaslib and moto alike. Run alone:
`python benchmarks/bench_aws.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import os
import socket
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import anyio
import boto3
import moto
import urllib3
import uvicorn
from botocore.config import Config
from moto import mock_aws
from moto.server import ThreadedMotoServer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from faaslib import App
from faaslib.testing import TestClient

Row = tuple[str, float, str]  # name, microseconds per call, the row it is compared with

REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"})  # an error shows as it is
EVENT = {"order": 1, "items": ["a", "b"]}
PAYLOAD = json.dumps(EVENT).encode()
BODY = json.dumps(EVENT)
BASELINE = "/baseline"  # the Starlette endpoint's prefix; every other path goes to app.aws


def moto_lambda_note() -> str:
    """Why moto has no lambda.invoke row: said in the output, never replaced by a number."""
    has_docker = bool(os.environ.get("DOCKER_HOST")) or os.path.exists("/var/run/docker.sock")
    reason = (
        "Docker is here, but a container per call is no bounded row"
        if has_docker
        else "no Docker daemon here"
    )
    return (
        "moto: no lambda.invoke row. moto runs a function's code only in a Docker container, "
        f"one started per invoke ({reason}); without Docker it hands the payload back without "
        "running the handler, which is no handler's round trip."
    )


async def trivial(event: Any, context: Any) -> Any:
    return event


def bench_app() -> App:
    app = App("bench")
    app.function(name="trivial")(trivial)
    return app


# -- the baseline: a Starlette endpoint answering at once, under the same uvicorn as app.aws ----


async def _invocation(request: Request) -> Response:
    """Lambda's Invoke answered as a handler returning its event would answer it."""
    return Response(
        await request.body(),
        media_type="application/json",
        headers={"X-Amz-Executed-Version": "$LATEST", "x-amzn-RequestId": "baseline"},
    )


_SENT = {"MD5OfMessageBody": hashlib.md5(BODY.encode()).hexdigest(), "MessageId": "baseline"}


async def _sqs(request: Request) -> Response:
    """SQS's SendMessage answered with a fixed message id (the body is always `BODY`), and
    CreateQueue with a fixed URL."""
    await request.body()
    if request.headers.get("x-amz-target", "").endswith(".CreateQueue"):
        answer = {"QueueUrl": f"{request.base_url}000000000000/bench"}
    else:
        answer = _SENT
    return JSONResponse(
        answer, media_type="application/x-amz-json-1.0", headers={"x-amzn-RequestId": "baseline"}
    )


baseline_app = Starlette(
    routes=[
        Route(
            f"{BASELINE}/2015-03-31/functions/{{name}}/invocations", _invocation, methods=["POST"]
        ),
        Route(BASELINE, _sqs, methods=["POST"]),
    ]
)


def with_baseline(aws: Any) -> Any:
    """One ASGI app for one uvicorn: the baseline under `BASELINE`, `aws` (and its lifespan)
    elsewhere."""

    async def application(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(BASELINE):
            await baseline_app(scope, receive, send)
        else:
            await aws(scope, receive, send)

    return application


class _Server(uvicorn.Server):
    """uvicorn's server, telling the benchmark when it listens."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.listening.set()


@contextlib.contextmanager
def serve(application: Any) -> Iterator[str]:
    """`application` under uvicorn in a thread, on a free port of 127.0.0.1; yields its URL."""
    # IPPROTO_TCP said outright: asyncio sets TCP_NODELAY only on connections accepted by a
    # socket whose protocol is TCP, and without it each answer waits ~40 ms for a delayed ACK
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        application, lifespan="on", ws="none", log_level="warning", access_log=False
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        if not server.listening.wait(10):
            raise RuntimeError("uvicorn did not start")
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's own server in a thread, on a free port of 127.0.0.1; yields its URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


# -- the calls ------------------------------------------------------------------------------------


def client(service: str, endpoint_url: str | None = None, session: Any = None) -> Any:
    session = session or boto3.session.Session(region_name=REGION, **CREDENTIALS)
    return session.client(service, endpoint_url=endpoint_url, config=CONFIG)


def send_message(sqs: Any) -> Callable[[], Callable[[], object]]:
    """`sqs.send_message`, to a new queue each round (moto's time per message grows with its
    queue's depth, so every round starts from an empty queue); its answer checked once."""
    numbers = itertools.count()

    def new_queue() -> Callable[[], Any]:
        url = sqs.create_queue(QueueName=f"bench-{next(numbers)}")["QueueUrl"]
        return lambda: sqs.send_message(QueueUrl=url, MessageBody=BODY)

    assert new_queue()()["MD5OfMessageBody"] == _SENT["MD5OfMessageBody"]
    return new_queue


def invoke(lambda_: Any) -> Callable[[], Callable[[], object]]:
    """`lambda.invoke` of the trivial handler, reading its answer; checked once."""

    def call() -> bytes:
        answer = lambda_.invoke(FunctionName="trivial", Payload=PAYLOAD)
        assert "FunctionError" not in answer
        return bytes(answer["Payload"].read())

    assert json.loads(call()) == EVENT
    return lambda: call


def post(url: str) -> Callable[[], Callable[[], object]]:
    """A plain HTTP round trip: urllib3 (botocore's HTTP library) POSTs the payload."""
    pool = urllib3.PoolManager()

    def call() -> bytes:
        answer = pool.request("POST", url, body=PAYLOAD)
        assert answer.status == 200
        return bytes(answer.data)

    assert json.loads(call()) == EVENT
    return lambda: call


Round = Callable[[int], float]  # runs a round of that many calls, answers its seconds


def timed(
    make: Callable[[], Callable[[], Callable[[], object]]],
    around: Callable[[], contextlib.AbstractContextManager[object]] = contextlib.nullcontext,
) -> Round:
    """A round of back-to-back calls, inside `around()` (moto's mock); `make` runs in the first
    round, then a warm-up (connections, caches); the call's own setup is not timed."""
    start_round: Callable[[], Callable[[], object]] | None = None

    def run_round(calls: int) -> float:
        nonlocal start_round
        with around():
            if start_round is None:
                start_round = make()
                warm = start_round()
                for _ in range(min(calls, 50)):
                    warm()
            call = start_round()
            start = time.perf_counter()
            for _ in range(calls):
                call()
            return time.perf_counter() - start

    return run_round


def app_invoke(calls: int) -> float:
    """faaslib's own in-process invoke of the same handler, no boto3 and no HTTP."""

    async def run_round() -> float:
        app = bench_app()
        async with app:
            for _ in range(min(calls, 50)):
                await app.invoke("trivial", EVENT)
            start = time.perf_counter()
            for _ in range(calls):
                await app.invoke("trivial", EVENT)
            return time.perf_counter() - start

    return anyio.run(run_round)


# -- the rows -------------------------------------------------------------------------------------

BASELINE_SQS = "baseline: boto3 -> Starlette endpoint (HTTP)"
BASELINE_POST = "baseline: urllib3 POST -> Starlette endpoint (HTTP)"
BASELINE_INVOKE = "baseline: boto3 -> Starlette endpoint (HTTP)"
AWS_HTTP = "faaslib: boto3 -> app.aws under uvicorn (HTTP)"
AWS_IN_PROCESS = "faaslib: boto3 -> app.aws in process (TestClient)"
APP_INVOKE = "faaslib: app.invoke (in process, no boto3)"


def aws_rows(calls: int, rounds: int) -> tuple[list[Row], list[Row], list[str]]:
    """(send_message rows, invoke rows, notes): µs per call, each the best of `rounds` rounds
    of `calls` calls back to back. The rounds take turns, row after row, so that a busy moment
    of the machine does not fall on one row alone."""
    notes: list[str] = []
    with contextlib.ExitStack() as servers:
        url = servers.enter_context(serve(with_baseline(bench_app().aws)))
        moto_url = servers.enter_context(moto_server())
        baseline = url + BASELINE
        invocations = f"{baseline}/2015-03-31/functions/trivial/invocations"
        sqs: list[tuple[str, str, Round]] = [
            (BASELINE_SQS, "", timed(lambda: send_message(client("sqs", baseline)))),
            (AWS_HTTP, BASELINE_SQS, timed(lambda: send_message(client("sqs", url)))),
        ]
        lambda_: list[tuple[str, str, Round]] = [
            (BASELINE_POST, "", timed(lambda: post(invocations))),
            (BASELINE_INVOKE, BASELINE_POST, timed(lambda: invoke(client("lambda", baseline)))),
            (AWS_HTTP, BASELINE_INVOKE, timed(lambda: invoke(client("lambda", url)))),
            (APP_INVOKE, "", app_invoke),
        ]
        session = servers.enter_context(TestClient(bench_app())).boto3_session()
        sqs.append(
            (AWS_IN_PROCESS, AWS_HTTP, timed(lambda: send_message(client("sqs", session=session))))
        )
        lambda_.append(
            (
                AWS_IN_PROCESS,
                APP_INVOKE,
                timed(lambda: invoke(client("lambda", session=session))),
            )
        )
        moto_in_process_against = AWS_IN_PROCESS
        sqs.append(
            (
                "moto: boto3 -> ThreadedMotoServer (HTTP)",
                AWS_HTTP,
                timed(lambda: send_message(client("sqs", moto_url))),
            )
        )
        sqs.append(
            (
                "moto: boto3 under mock_aws() (in process)",
                moto_in_process_against,
                timed(lambda: send_message(client("sqs")), around=mock_aws),
            )
        )
        fastest: dict[tuple[int, str], float] = {}
        for _ in range(rounds):
            for number, rows in enumerate((sqs, lambda_)):
                for name, _, run_round in rows:
                    seconds = run_round(calls)
                    fastest[number, name] = min(fastest.get((number, name), seconds), seconds)
    notes.append(moto_lambda_note())
    sqs_rows, lambda_rows = (
        [(name, fastest[number, name] / calls * 1e6, against) for name, against, _ in rows]
        for number, rows in enumerate((sqs, lambda_))
    )
    return sqs_rows, lambda_rows, notes


def table(rows: list[Row]) -> list[str]:
    """The rows in the shape of run.py's sections: µs and calls per second, and each row's time
    as a multiple of the row it is compared with."""
    figures = {name: value for name, value, _ in rows}
    width = max(len(name) for name, _, _ in rows)
    lines = [f"  {'measurement':<{width}}  {'µs/call':>9}  {'calls/s':>8}  ratio"]
    for name, value, against in rows:
        ratio = f"{value / figures[against]:.2f}x {against.split(': ', 1)[1]}" if against else ""
        lines.append(f"  {name:<{width}}  {value:>9.1f}  {1e6 / value:>8,.0f}  {ratio}")
    return lines


def aws_section(calls: int = 200, rounds: int = 5) -> str:
    """The section `run.py` prints: both tables and their notes."""
    sqs_rows, lambda_rows, notes = aws_rows(calls, rounds)
    lines = [
        f"\nAWS endpoints: boto3 {boto3.__version__} round trips against app.aws and moto "
        f"{moto.__version__}, one client, back to back, {calls:,} calls x {rounds} rounds, best "
        "round; servers in threads of this process on 127.0.0.1; ratio: time per call over the "
        "named row's",
        f"sqs.send_message (a {len(BODY)}-byte body; each round to a new queue, so its depth "
        f"goes from 0 to {calls:,})",
        *table(sqs_rows),
        f"lambda.invoke of a trivial async handler (a {len(PAYLOAD)}-byte event, answered back)",
        *table(lambda_rows),
    ]
    for note in notes:
        lines.extend(textwrap.wrap(note, 98, initial_indent="  ", subsequent_indent="    "))
    return "\n".join(lines)


if __name__ == "__main__":
    print(aws_section())
