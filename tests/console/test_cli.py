"""`faaslib serve MODULE:APP --console [PORT]`: the console on its own port beside the app's
routes, one server and one app; and the hosts it refuses to bind without a token."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest

from tests.cli import APPS, faaslib
from tests.cli.test_serve import free_port


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com"])
def test_a_console_off_loopback_needs_a_token(host: str) -> None:
    done = faaslib("serve", "web:app", "--port", "0", "--console", "0", "--console-host", host)
    assert done.returncode == 2
    assert "needs a token (--console-token, or FAASLIB_CONSOLE_TOKEN)" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_console_cannot_take_the_apps_port() -> None:
    port = free_port()
    done = faaslib("serve", "web:app", "--port", str(port), "--console", str(port))
    assert done.returncode == 2
    assert f"--console {port}: the app is served on that port already" in done.stderr


def test_serve_with_the_console_serves_both_and_stops_cleanly() -> None:
    port, console_port = free_port(), free_port()
    command = [sys.executable, "-m", "faaslib", "serve", "web:app", "--port", str(port)]
    with subprocess.Popen(
        [*command, "--console", str(console_port)],
        cwd=APPS,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            assert server.stdout is not None
            assert server.stderr is not None
            said = server.stdout.readline()
            assert said == f"faaslib console: http://127.0.0.1:{console_port}/\n"
            for line in server.stderr:  # uvicorn says when the app has started
                if "Application startup complete" in line:
                    break
            base, console = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{console_port}"
            assert httpx.get(f"{base}/items/7").json() == {"id": "7"}
            page = httpx.get(f"{console}/")
            assert page.status_code == 200
            assert "faaslib console" in page.text
            assert httpx.get(f"{base}/api/functions").status_code == 404  # the app's own routes
            functions = httpx.get(f"{console}/api/functions").json()["functions"]
            assert [f["name"] for f in functions] == ["get_item", "place_order", "orders"]
            server.send_signal(signal.SIGINT)
            rest = server.stderr.read()
            assert server.wait(timeout=20) == 0
        finally:
            if server.poll() is None:
                server.kill()
    assert "Application shutdown complete" in rest
    assert "Traceback" not in rest
