"""The other Redis URLs, against real servers started here: a Redis Cluster of three primaries
(`redis+cluster://`) and a primary watched by a sentinel (`redis+sentinel://`). An app's keys
share one hash tag, so its scripts run on a cluster as on one server."""

from __future__ import annotations

import gc
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import anyio
import pytest

from faaslib import App, Context
from tests.redis_server import free_ports, start, wait_for

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None or shutil.which("redis-cli") is None,
    reason="needs redis-server and redis-cli on PATH (apt install redis-server)",
)


def cluster_ports(count: int) -> list[int]:
    """Free ports whose cluster bus port (10,000 higher) is free and valid too."""
    chosen: list[int] = []
    for port in range(21_000 + os.getpid() % 1_000 * 20, 55_000):
        if len(chosen) == count:
            return chosen
        try:
            for candidate in (port, port + 10_000):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        chosen.append(port)
    raise RuntimeError("no free ports for a cluster")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("cluster")
    ports = cluster_ports(3)
    nodes: list[subprocess.Popen[bytes]] = []
    try:
        for port in ports:  # each stopped at the end, even if a later one fails to start
            options = ("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
            nodes.append(start(folder / str(port), port, *options))
        subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "create",
                *(f"127.0.0.1:{port}" for port in ports),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )
        deadline = time.monotonic() + 20
        while (
            b"cluster_state:ok"
            not in subprocess.run(
                ["redis-cli", "-p", str(ports[0]), "cluster", "info"],
                capture_output=True,
                check=True,
            ).stdout
        ):
            assert time.monotonic() < deadline, "the cluster did not come up"
            time.sleep(0.1)
        yield f"redis+cluster://127.0.0.1:{ports[0]}"
    finally:
        for node in nodes:
            node.terminate()
            node.wait(10)


@pytest.fixture(scope="module")
def sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("sentinel")
    primary_port, sentinel_port = free_ports(2)
    primary = start(folder / "primary", primary_port)
    config = folder / "sentinel.conf"
    config.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\n"
        f"sentinel monitor faaslib-primary 127.0.0.1 {primary_port} 1\n"
    )
    watcher = subprocess.Popen(
        ["redis-server", str(config), "--sentinel"], stdout=subprocess.DEVNULL, cwd=folder
    )
    try:
        wait_for(sentinel_port, watcher)
        yield f"redis+sentinel://127.0.0.1:{sentinel_port}/faaslib-primary/0"
    finally:
        for process in (watcher, primary):
            process.terminate()
            process.wait(10)


async def an_app_runs_on(url: str) -> None:
    """Two apps (two processes, say) on one store: queue, dead-letter queue, Event
    invocations and a table's conditional write, all through the URL's topology."""
    store = f"{url}?prefix=t{uuid.uuid4().hex[:8]}"
    handled: list[str] = []
    first, second = App("shop", store=store), App("shop", store=store)
    for app in (first, second):
        app.queue("orders-dlq")
        app.queue("orders", redrive=("orders-dlq", 1))

        @app.on_queue("orders")
        async def take(event: dict[str, object], context: Context) -> None:
            handled.extend(record["body"] for record in event["Records"])  # type: ignore[attr-defined]

        @app.function
        async def work(event: dict[str, object], context: Context) -> None:
            handled.append(f"event {event['n']}")

    async with first, second:
        for number in range(5):
            await first.queue("orders").send(f"order {number}")
            await second.invoke("work", {"n": number}, invocation_type="Event")
        with anyio.fail_after(10):
            while len(handled) < 10:  # noqa: ASYNC110 - another app's work shows here
                await anyio.sleep(0.01)
            await first.wait_idle()
            await second.wait_idle()
    assert sorted(handled) == sorted(
        [f"order {n}" for n in range(5)] + [f"event {n}" for n in range(5)]
    )
    assert first.queue("orders").approximate_number_of_messages == 0


# coredis's cluster pool leaves memory streams of its nodes unclosed when it exits (their
# ResourceWarnings come at garbage collection): collected here, where they are expected.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.anyio
async def test_an_app_runs_on_a_redis_cluster(cluster: str, anyio_backend: str) -> None:
    await an_app_runs_on(cluster)
    gc.collect()


@pytest.mark.anyio
async def test_an_app_runs_on_the_primary_a_sentinel_watches(
    sentinel: str, anyio_backend: str
) -> None:
    await an_app_runs_on(sentinel)
