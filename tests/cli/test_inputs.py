"""What the commands take: an App named MODULE:APP (found as uvicorn finds one), and a payload
from --payload, --event FILE or stdin."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli import APPS, faaslib


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("shop", "'shop' is not MODULE:APP (for example shop.handlers:app)"),
        ("nowhere:app", "'nowhere:app': no module named 'nowhere' (looked in "),
        ("shop:apps", "'shop:apps': module 'shop' has no attribute 'apps'; its Apps: app"),
        ("shop:not_an_app", "'shop:not_an_app' is a int, not a faaslib.App"),
        ("broken:app", "'broken:app': importing 'broken' raised RuntimeError: the database URL"),
    ],
    ids=["no-colon", "no-module", "no-attribute", "not-an-app", "module-raises"],
)
def test_a_bad_module_app_is_a_usage_error_naming_the_problem(target: str, message: str) -> None:
    run = faaslib("functions", target)
    assert run.returncode == 2
    assert f"faaslib functions: error: {message}" in run.stderr
    if target == "broken:app":  # the module's own traceback first, from its own frame down
        assert run.stderr.startswith(
            f'Traceback (most recent call last):\n  File "{APPS / "broken.py"}", line 6, in '
            "<module>\n"
        )


def test_the_event_comes_from_a_file_or_stdin(tmp_path: Path) -> None:
    event = json.dumps({"Records": [{"body": "hi"}]})
    (tmp_path / "event.json").write_text(event)
    from_file = faaslib("invoke", "shop:app", "echo", "--event", str(tmp_path / "event.json"))
    from_stdin = faaslib("invoke", "shop:app", "echo", "-", stdin=event)
    assert json.loads(from_file.stdout) == json.loads(from_stdin.stdout) == json.loads(event)


def test_a_missing_event_file_is_a_usage_error() -> None:
    run = faaslib("invoke", "shop:app", "echo", "--event", "missing.json")
    assert run.returncode == 2
    assert "faaslib invoke: error: --event missing.json: No such file or directory" in run.stderr
