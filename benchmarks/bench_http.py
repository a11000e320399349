"""Requests per second through `app.asgi` under uvicorn, beside a plain Starlette endpoint doing
the same work under the same uvicorn, in the same run.

Each server runs in its own process (one core); the load comes from this process over
keep-alive connections with a minimal HTTP/1.1 client, so that the client (httpx would be the
bottleneck) costs as little as it can. Run alone: `python benchmarks/bench_http.py`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from faaslib import App

# -- the two servers (imported by uvicorn in its own process) -------------------------------------


async def _item(request: Request) -> JSONResponse:
    return JSONResponse({"id": request.path_params["id"]})


starlette_app = Starlette(routes=[Route("/items/{id}", _item)])

faas = App("bench")


@faas.route("GET", "/items/{id}")
async def item(event: dict[str, object], context: object) -> dict[str, object]:
    parameters = event["pathParameters"]
    assert isinstance(parameters, dict)
    return {"id": parameters["id"]}


faas_app = faas.asgi

# -- the load -------------------------------------------------------------------------------------

REQUEST = b"GET /items/42 HTTP/1.1\r\nHost: bench\r\n\r\n"


async def _connection(port: int, count: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for _ in range(count):
            writer.write(REQUEST)
            head = await reader.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200"):
                raise RuntimeError(f"unexpected answer: {head[:60]!r}")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
    finally:
        writer.close()


async def _load(port: int, connections: int, each: int) -> float:
    await asyncio.gather(*(_connection(port, 20) for _ in range(connections)))  # warm up
    start = time.perf_counter()
    await asyncio.gather(*(_connection(port, each) for _ in range(connections)))
    return connections * each / (time.perf_counter() - start)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(app: str, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        f"bench_http:{app}",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    here = Path(__file__).resolve().parent
    environment = {**os.environ, "PYTHONPATH": str(here)}
    server = subprocess.Popen(command, cwd=here, env=environment)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"uvicorn did not start {app} on port {port}")


def http_rates(connections: int = 32, each: int = 200, rounds: int = 3) -> list[tuple[str, float]]:
    """(name, requests/s) for the Starlette endpoint and the faaslib route, best of `rounds`."""
    rows = []
    for name, app in (
        ("baseline: Starlette endpoint under uvicorn", "starlette_app"),
        ("faaslib: app.asgi route under uvicorn", "faas_app"),
    ):
        port = _free_port()
        server = _serve(app, port)
        try:
            best = max(asyncio.run(_load(port, connections, each)) for _ in range(rounds))
        finally:
            server.terminate()
            server.wait(10)
        rows.append((name, best))
    return rows


def main() -> None:
    rows = http_rates()
    print("HTTP: GET /items/{id} answering JSON, 32 keep-alive connections, one server process")
    print(f"  {'measurement':<42}  {'requests/s':>10}  ratio")
    for name, rate in rows:
        ratio = f"{rows[0][1] / rate:.2f}x the baseline's time" if name != rows[0][0] else ""
        print(f"  {name:<42}  {rate:>10,.0f}  {ratio}")


if __name__ == "__main__":
    main()
