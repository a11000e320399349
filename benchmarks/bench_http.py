"""The HTTP front door: `app.asgi` beside a plain Starlette endpoint doing the same work, for
the three kinds of API a Lambda function sits behind: an HTTP API route (payload 2.0), a route
in payload 1.0 (a REST API's event) and a function URL.

Two sections, each measured in interleaved rounds (a Starlette round, then a faaslib round, for
each kind in turn) so that a load change on the machine hits both sides of a ratio alike; each
reports the best and the median round and the ratio of faaslib's time per request to
Starlette's:

- under uvicorn: every app in its own uvicorn process (one core each), loaded from this process
  over 32 keep-alive connections by a minimal HTTP/1.1 client (httpx would be the bottleneck);
- in process: the ASGI application called directly with a prepared scope, beside Starlette
  called the same way (no server, no sockets: the front door's own cost).

Each section is given twice: in wall-clock time, and in CPU time (the server process's, read
from /proc, under uvicorn; this thread's in process). On a machine other work shares, a round
that lost the CPU for a while is slow in wall-clock time only: the CPU time of a request is
the steadier figure, and the server is the bottleneck (one core, busy throughout), so it is
also its time per request when the machine is quiet.

Every request is `GET /items/42` with the headers curl sends; the handler answers `{"id":
"42"}` as JSON (in payload 1.0 a response object with that body, as 1.0 requires).

Run alone: `python benchmarks/bench_http.py` (`--quick` for a short run, `--profile v2|v1|url`
for a cProfile of in-process requests). `benchmarks/run.py` takes its row from `http_rates`.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from faaslib import App

# -- the servers (imported by uvicorn in its own process) -----------------------------------------


async def _item(request: Request) -> JSONResponse:
    return JSONResponse({"id": request.path_params["id"]})


starlette_app = Starlette(routes=[Route("/items/{id}", _item)])

faas = App("bench")


@faas.route("GET", "/items/{id}")
async def item(event: dict[str, Any], context: object) -> dict[str, object]:
    return {"id": event["pathParameters"]["id"]}


faas_app = faas.asgi

faas_v1 = App("bench-v1")


@faas_v1.route("GET", "/items/{id}", payload_format="1.0")
async def item_v1(event: dict[str, Any], context: object) -> dict[str, object]:
    body = json.dumps({"id": event["pathParameters"]["id"]}, separators=(",", ":"))
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": body}


faas_v1_app = faas_v1.asgi

faas_url = App("bench-url")


@faas_url.function(name="item")
async def item_url(event: dict[str, Any], context: object) -> dict[str, object]:
    return {"id": event["rawPath"].rsplit("/", 1)[-1]}


faas_url.http("function-url", function="item")
faas_url_app = faas_url.asgi

BASELINE = ("baseline: Starlette endpoint", "starlette_app")
# (key, row name, the app's name in this module, the App to start for in-process rounds)
KINDS = (
    ("v2", "faaslib: app.asgi route", "faas_app", faas),
    ("v1", "faaslib: payload 1.0 route", "faas_v1_app", faas_v1),
    ("url", "faaslib: function URL", "faas_url_app", faas_url),
)
HEADERS = [(b"host", b"bench"), (b"user-agent", b"curl/8.5.0"), (b"accept", b"*/*")]
REQUEST = b"GET /items/42 HTTP/1.1\r\nHost: bench\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n"
ANSWER = b'{"id":"42"}'

# -- under uvicorn --------------------------------------------------------------------------------


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
    """Requests per second over `connections` keep-alive connections, `each` requests apiece."""
    await asyncio.gather(*(_connection(port, 20) for _ in range(connections)))  # warm up
    start = time.perf_counter()
    await asyncio.gather(*(_connection(port, each) for _ in range(connections)))
    return connections * each / (time.perf_counter() - start)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def uvicorn_process(app: str, port: int, wrapper: Sequence[str] = ()) -> subprocess.Popen[bytes]:
    """A uvicorn serving `app` of this module on `port` of 127.0.0.1, its command run under
    `wrapper` (a profiler's own command, say)."""
    command = [
        *wrapper,
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
    search = [str(here), *filter(None, [os.environ.get("PYTHONPATH")])]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(search)}
    return subprocess.Popen(command, cwd=here, env=environment)


def _serve(app: str, port: int) -> subprocess.Popen[bytes]:
    server = uvicorn_process(app, port)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"uvicorn did not start {app} on port {port}")


def _row_names() -> list[str]:
    return [BASELINE[0], *(name for _, name, _, _ in KINDS)]


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user and system) process `pid` has used, from /proc; None elsewhere."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def served_rounds(
    connections: int = 32,
    each: int = 200,
    rounds: int = 3,
    cpu: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Time per request (µs, 1 / requests per second) of each round, by row name: every app
    under its own uvicorn, a Starlette round before each faaslib round. `cpu`, if given, gets
    the server's CPU time per request (µs) of each round, where /proc tells it."""
    apps = [BASELINE[1], *(app for _, _, app, _ in KINDS)]
    ports = {app: _free_port() for app in apps}
    servers = {app: _serve(app, ports[app]) for app in apps}
    times: dict[str, list[float]] = {name: [] for name in _row_names()}
    try:
        for _ in range(rounds):
            for _, name, app, _ in KINDS:
                for row, served in ((BASELINE[0], BASELINE[1]), (name, app)):
                    pid = servers[served].pid
                    before = _cpu_seconds(pid)
                    times[row].append(1e6 / asyncio.run(_load(ports[served], connections, each)))
                    after = _cpu_seconds(pid)
                    if cpu is not None and before is not None and after is not None:
                        requests = connections * (each + 20)  # with the warm-up's
                        cpu.setdefault(row, []).append((after - before) / requests * 1e6)
    finally:
        for server in servers.values():
            server.terminate()
        for server in servers.values():
            server.wait(10)
    return times


def http_rates(connections: int = 32, each: int = 200, rounds: int = 3) -> list[tuple[str, float]]:
    """(name, requests/s of the best round) under uvicorn: the Starlette endpoint first, then
    each kind of faaslib API (`benchmarks/run.py`'s rows)."""
    times = served_rounds(connections, each, rounds)
    return [(f"{name} under uvicorn", 1e6 / min(row)) for name, row in times.items()]


# -- in process -----------------------------------------------------------------------------------

Message = MutableMapping[str, Any]
Asgi = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[Message]],
        Callable[[Message], Awaitable[None]],
    ],
    Awaitable[None],
]


def _scope() -> dict[str, Any]:
    """The scope uvicorn gives an app for `REQUEST`."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": "GET",
        "root_path": "",
        "path": "/items/42",
        "raw_path": b"/items/42",
        "query_string": b"",
        "headers": list(HEADERS),
    }


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _requests(app: Asgi, count: int) -> tuple[float, float]:
    """µs per request of `count` requests answered by `app`, one after the other: wall-clock
    time and this thread's CPU time."""
    answer: list[Message] = []

    async def send(message: Message) -> None:
        answer.append(message)

    start, start_cpu = time.perf_counter(), time.thread_time()
    for _ in range(count):
        await app(_scope(), _receive, send)
    elapsed, elapsed_cpu = time.perf_counter() - start, time.thread_time() - start_cpu
    if answer[0]["status"] != 200 or answer[1]["body"] != ANSWER:
        raise RuntimeError(f"unexpected answer: {answer[:2]!r}")
    return elapsed / count * 1e6, elapsed_cpu / count * 1e6


async def in_process_rounds(
    count: int = 5_000, rounds: int = 5, cpu: dict[str, list[float]] | None = None
) -> dict[str, list[float]]:
    """µs per request of each round, by row name: the ASGI apps called directly, a Starlette
    round before each faaslib round. `cpu`, if given, gets each round's CPU time per request."""
    times: dict[str, list[float]] = {name: [] for name in _row_names()}
    async with AsyncExitStack() as stack:
        for _, _, _, app in KINDS:
            await stack.enter_async_context(app)
        for _, _, _, app in KINDS:  # warm: instances started, caches filled
            await _requests(app.asgi, 200)
        await _requests(starlette_app, 200)
        for _ in range(rounds):
            for _, name, _, app in KINDS:
                for row, asgi in ((BASELINE[0], starlette_app), (name, app.asgi)):
                    wall, thread = await _requests(asgi, count)
                    times[row].append(wall)
                    if cpu is not None:
                        cpu.setdefault(row, []).append(thread)
    return times


async def profile(kind: str, count: int) -> None:
    """Print the top costs (cProfile, by own time) of `count` in-process requests of `kind`."""
    app = next(app for key, _, _, app in KINDS if key == kind)
    async with app:
        await _requests(app.asgi, 500)
        profiler = cProfile.Profile()
        profiler.enable()
        await _requests(app.asgi, count)
        profiler.disable()
    print(f"cProfile of {count:,} in-process requests ({kind}), by own time")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


# -- the report -----------------------------------------------------------------------------------


def table(title: str, times: dict[str, list[float]]) -> str:
    """Each row's best and median round (µs per request) and its ratio to the baseline's."""
    base = times[BASELINE[0]]
    lines = [
        title,
        f"  {'measurement':<48} {'best µs':>8} {'median µs':>9} {'req/s':>8}  ratio (best, median)",
    ]
    for name, rounds in times.items():
        best, median = min(rounds), statistics.median(rounds)
        ratio = (
            ""
            if name == BASELINE[0]
            else f"{best / min(base):.2f}x, {median / statistics.median(base):.2f}x"
        )
        lines.append(f"  {name:<48} {best:>8.1f} {median:>9.1f} {1e6 / best:>8,.0f}  {ratio}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests and rounds")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--profile", choices=[key for key, _, _, _ in KINDS])
    arguments = parser.parse_args()
    if arguments.profile:
        asyncio.run(profile(arguments.profile, 5_000 if arguments.quick else 20_000))
        return
    rounds = arguments.rounds or (3 if arguments.quick else 5)
    count = 1_000 if arguments.quick else 5_000
    each = 50 if arguments.quick else 200
    print(f"Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f} at the start")
    inside_cpu: dict[str, list[float]] = {}
    inside = asyncio.run(in_process_rounds(count, rounds, inside_cpu))
    title = f"In process: the ASGI app called directly, {count:,} requests x {rounds} rounds"
    print(table(title, inside))
    print(table("  the same rounds in CPU time (this thread's)", inside_cpu))
    served_cpu: dict[str, list[float]] = {}
    served = served_rounds(32, each, rounds, served_cpu)
    print(
        table(
            f"Under uvicorn: 32 keep-alive connections x {each} requests x {rounds} rounds, "
            "one uvicorn process per app",
            served,
        )
    )
    if served_cpu:
        print(table("  the same rounds in CPU time (the server's, per request)", served_cpu))
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
