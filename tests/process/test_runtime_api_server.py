"""The Runtime API server speaks Lambda's protocol: the paths, headers and answers that the
Runtime Interface Emulator gives, checked here over a real TCP connection byte by byte (the
runtime clients themselves drive it in the other tests of this folder)."""

from __future__ import annotations

import base64
import json

import anyio
import anyio.abc
import pytest

from faaslib.invoke import MAX_SYNC_RESPONSE_BYTES
from faaslib.runtime_api.server import RuntimeApiServer

pytestmark = pytest.mark.anyio

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f"
NEXT = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n"


async def read_response(
    stream: anyio.abc.ByteStream, buffer: bytes = b""
) -> tuple[int, dict[str, str], bytes, bytes]:
    while b"\r\n\r\n" not in buffer:
        buffer += await stream.receive()
    head, _, buffer = buffer.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(buffer) < length:
        buffer += await stream.receive()
    return status, headers, buffer[:length], buffer[length:]


def post(path: str, body: bytes, *headers: str) -> bytes:
    extra = "".join(f"{header}\r\n" for header in headers)
    return (
        f"POST /2018-06-01/runtime/{path} HTTP/1.1\r\nHost: x\r\n{extra}"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def test_next_waits_for_an_invocation_and_carries_lambdas_headers() -> None:
    server = RuntimeApiServer(ARN)
    async with anyio.create_task_group() as tasks:
        await tasks.start(server.serve)
        host, port = server.address.split(":")
        async with await anyio.connect_tcp(host, int(port)) as stream:
            await stream.send(NEXT)
            await server.ready.wait()  # the first /next ends init
            assert server.is_initialized
            await anyio.wait_all_tasks_blocked()
            await server.invoke(
                "req-1", b'{"a": 1}', 1_700_000_000_000, "Root=1-abc", b'{"custom":{}}'
            )
            status, headers, body, rest = await read_response(stream)
            assert status == 200
            assert body == b'{"a": 1}'
            assert headers["lambda-runtime-aws-request-id"] == "req-1"
            assert headers["lambda-runtime-deadline-ms"] == "1700000000000"
            assert headers["lambda-runtime-invoked-function-arn"] == ARN
            assert headers["lambda-runtime-trace-id"] == "Root=1-abc"
            assert headers["lambda-runtime-client-context"] == '{"custom":{}}'
            assert headers["content-type"] == "application/json"

            await stream.send(post("invocation/req-1/response", b'"done"'))
            status, _, body, rest = await read_response(stream, rest)
            assert (status, json.loads(body)) == (202, {"status": "OK"})
            answer = await server.wait()
            assert answer is not None
            assert (answer.body, answer.error_type) == (b'"done"', None)
            server.finish()
        tasks.cancel_scope.cancel()


async def test_an_invocation_waiting_is_handed_out_at_the_next_next() -> None:
    server = RuntimeApiServer(ARN)
    async with anyio.create_task_group() as tasks:
        await tasks.start(server.serve)
        host, port = server.address.split(":")
        await server.invoke("req-2", b"{}", 1, "Root=1", None)  # nobody asks yet
        async with await anyio.connect_tcp(host, int(port)) as stream:
            await stream.send(NEXT)
            status, headers, _, rest = await read_response(stream)
            assert (status, headers["lambda-runtime-aws-request-id"]) == (200, "req-2")
            assert "lambda-runtime-client-context" not in headers
            await stream.send(
                post(
                    "invocation/req-2/error",
                    b'{"errorMessage":"no","errorType":"ValueError"}',
                    "Lambda-Runtime-Function-Error-Type: Unhandled",
                )
            )
            status, _, _, _ = await read_response(stream, rest)
            assert status == 202
            answer = await server.wait()
            assert answer is not None
            assert answer.error_type == "Unhandled"
            assert json.loads(answer.body)["errorType"] == "ValueError"
        tasks.cancel_scope.cancel()


async def test_wrong_request_ids_states_and_paths_get_lambdas_errors() -> None:
    server = RuntimeApiServer(ARN)
    async with anyio.create_task_group() as tasks:
        await tasks.start(server.serve)
        host, port = server.address.split(":")
        async with await anyio.connect_tcp(host, int(port)) as stream:
            await stream.send(post("invocation/nobody/response", b"{}"))
            status, _, body, rest = await read_response(stream)
            assert status == 400
            assert json.loads(body) == {
                "errorMessage": "Invalid request ID",
                "errorType": "InvalidRequestID",
            }
            await stream.send(b"GET /2018-06-01/runtime/nowhere HTTP/1.1\r\n\r\n")
            status, _, body, rest = await read_response(stream, rest)
            assert (status, json.loads(body)["errorType"]) == (404, "NotFound")

            await server.invoke("req-3", b"{}", 1, "Root=1", None)
            await stream.send(NEXT)
            status, _, _, rest = await read_response(stream, rest)
            assert status == 200
            await stream.send(NEXT)  # /next again before answering
            status, _, body, rest = await read_response(stream, rest)
            assert (status, json.loads(body)["errorType"]) == (403, "InvalidStateTransition")
            await stream.send(post("init/error", b"{}", "Lambda-Runtime-Function-Error-Type: X"))
            status, _, body, rest = await read_response(stream, rest)
            assert (status, json.loads(body)["errorType"]) == (403, "InvalidStateTransition")
            await stream.send(post("invocation/req-3/response", b"1"))
            status, _, _, rest = await read_response(stream, rest)
            assert status == 202
            await stream.send(post("invocation/req-3/response", b"2"))  # answered already
            status, _, body, _ = await read_response(stream, rest)
            assert (status, json.loads(body)["errorType"]) == (400, "InvalidRequestID")
        tasks.cancel_scope.cancel()


async def test_init_error_is_accepted_once_and_ends_init() -> None:
    server = RuntimeApiServer(ARN)
    async with anyio.create_task_group() as tasks:
        await tasks.start(server.serve)
        host, port = server.address.split(":")
        async with await anyio.connect_tcp(host, int(port)) as stream:
            error = (
                b'{"errorMessage":"Unable to import module",'
                b'"errorType":"Runtime.ImportModuleError"}'
            )
            await stream.send(
                post(
                    "init/error",
                    error,
                    "Lambda-Runtime-Function-Error-Type: Runtime.ImportModuleError",
                )
            )
            status, _, _, rest = await read_response(stream)
            assert status == 202
            assert server.ready.is_set()
            assert server.init_error == ("Runtime.ImportModuleError", error)
            await stream.send(NEXT)
            status, _, body, _ = await read_response(stream, rest)
            assert (status, json.loads(body)["errorType"]) == (403, "InvalidStateTransition")
        tasks.cancel_scope.cancel()


async def test_a_response_over_6_mb_is_413_and_the_invocation_learns_its_size() -> None:
    server = RuntimeApiServer(ARN)
    async with anyio.create_task_group() as tasks:
        await tasks.start(server.serve)
        host, port = server.address.split(":")
        async with await anyio.connect_tcp(host, int(port)) as stream:
            await server.invoke("big", b"{}", 1, "Root=1", None)
            await stream.send(NEXT)
            _, _, _, rest = await read_response(stream)
            size = MAX_SYNC_RESPONSE_BYTES + 1
            await stream.send(post("invocation/big/response", b"x" * size))
            status, _, body, rest = await read_response(stream, rest)
            assert (status, json.loads(body)["errorType"]) == (413, "RequestEntityTooLarge")
            answer = await server.wait()
            assert answer is not None
            assert answer.too_large == size
            server.finish()
            await stream.send(NEXT)  # the connection is still in step
            await server.invoke("after", b"{}", 1, "Root=1", None)
            status, headers, _, _ = await read_response(stream, rest)
            assert (status, headers["lambda-runtime-aws-request-id"]) == (200, "after")
        tasks.cancel_scope.cancel()


async def test_a_streamed_response_is_its_chunks_and_its_error_trailers() -> None:
    server = RuntimeApiServer(ARN)
    async with anyio.create_task_group() as tasks:
        await tasks.start(server.serve)
        host, port = server.address.split(":")
        async with await anyio.connect_tcp(host, int(port)) as stream:
            for request_id, trailer in (("ok", b""), ("failed", b"error")):
                await server.invoke(request_id, b"{}", 1, "Root=1", None)
                await stream.send(NEXT)
                _, _, _, rest = await read_response(stream)
                error = base64.b64encode(b'{"errorType":"Boom","errorMessage":"late"}')
                trailers = (
                    b"Lambda-Runtime-Function-Error-Type: Boom\r\n"
                    b"Lambda-Runtime-Function-Error-Body: " + error + b"\r\n"
                    if trailer
                    else b""
                )
                await stream.send(
                    f"POST /2018-06-01/runtime/invocation/{request_id}/response HTTP/1.1\r\n"
                    "Lambda-Runtime-Function-Response-Mode: streaming\r\n"
                    "Transfer-Encoding: chunked\r\nTrailer: Lambda-Runtime-Function-Error-Type\r\n"
                    "Expect: 100-continue\r\n\r\n".encode()
                )
                status, _, _, rest = await read_response(stream, rest)
                assert status == 100
                await stream.send(b"5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n" + trailers + b"\r\n")
                status, _, _, rest = await read_response(stream, rest)
                assert status == 202
                answer = await server.wait()
                assert answer is not None
                if trailer:
                    assert answer.error_type == "Boom"
                    assert json.loads(answer.body)["errorMessage"] == "late"
                else:
                    assert (answer.body, answer.error_type) == (b"hello world", None)
                server.finish()
        tasks.cancel_scope.cancel()
