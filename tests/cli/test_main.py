"""`faaslib` itself: help for every command, the version, and usage errors."""

from __future__ import annotations

import pytest

from faaslib import __version__
from faaslib.cli import main
from tests.cli import faaslib


def test_help_lists_the_commands_and_the_exit_statuses() -> None:
    run = faaslib("--help")
    assert run.returncode == 0
    for command in ("invoke", "events", "functions", "cost", "serve"):
        assert f"\n    {command} " in run.stdout or f"\n    {command}\n" in run.stdout
    assert "  4    throttled: no concurrency left (429 TooManyRequests)" in run.stdout


def test_no_command_is_a_usage_error() -> None:
    run = faaslib()
    assert run.returncode == 2
    assert "faaslib: error: the following arguments are required: COMMAND" in run.stderr


# In process: argparse's help needs no subprocess to be checked for each command.


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (["invoke"], "--log-type {None,Tail}"),
        (["events", "generate"], "FAMILY --help"),
        (["events", "list"], "List the event families"),
        (["functions"], "--json"),
        (["cost"], "--concurrency CONCURRENCY"),
        (["serve"], "--port PORT"),
    ],
)
def test_every_command_has_help(
    command: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--help"]) == 0
    assert says in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"faaslib {__version__}\n"
