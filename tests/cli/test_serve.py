"""`faaslib serve MODULE:APP`: uvicorn serving app.asgi, the app's sources running, until
Ctrl-C stops it cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

import httpx

from tests.cli import APPS, faaslib


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
