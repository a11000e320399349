"""`faaslib` itself: help for every command, the version, and usage errors."""

from __future__ import annotations

import contextlib
import inspect
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from faaslib import __version__
from faaslib.cli import ExitStatus, main
from faaslib.cli.events import _singular
from faaslib.events import BUILDERS
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


# Hostile argument values, in process: whatever the value, a documented status and at most a
# couple of lines on stderr saying what was wrong; never a traceback. The streams are strict
# UTF-8, as a pipe is, so that text which cannot be written fails the property too.

HOSTILE = st.sampled_from(
    [
        *("inf", "-inf", "nan", "NaN", "Infinity", "1e309", "-1e309", "1e300", "-0", "0"),
        *("-1", "65536", "99999", "9" * 5000, "1_000", " 80 ", "٨٠", "0x50"),
        *("[" * 3000, "[" * 600 + "]" * 600, '{"a":' * 2000, "[" * 100 + "1" + "]" * 100),
        *("\udcff", "\ud800", "\x00", "\x1b[2J", "\u2028", "💥", "", " ", "-", "--", "--help"),
        *("null", "true", "[]", "{}", '"\\ud800"', '{"a": NaN}', "[1e999]", '"\\u0000"'),
    ]
)
TEXT = st.text(st.characters(exclude_categories=()), max_size=30)  # lone surrogates too
VALUES = st.one_of(HOSTILE, TEXT, st.builds(str.__add__, HOSTILE, TEXT))
DOCUMENTED = {status.value for status in ExitStatus} - {ExitStatus.INTERNAL_ERROR.value}


def run_in_process(argv: list[str]) -> tuple[int, str, str]:
    """`main(argv)` with strict UTF-8 streams for stdout and stderr; its status and output."""
    written = io.BytesIO(), io.BytesIO()
    out, err = (io.TextIOWrapper(stream, "utf-8", write_through=True) for stream in written)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, written[0].getvalue().decode(), written[1].getvalue().decode()


def said_in_a_line_or_two(err: str) -> bool:
    """stderr, past argparse's usage block, is at most two lines and holds no traceback."""
    lines = err.splitlines()
    if lines and lines[0].startswith("usage: "):
        lines = lines[1:]
        while lines and lines[0].startswith(" "):
            lines = lines[1:]
    return len(lines) <= 2 and "Traceback" not in err


@settings(max_examples=40, deadline=None)
@given(value=VALUES)
def test_any_payload_ends_as_a_documented_status(value: str) -> None:
    status, out, err = run_in_process(
        ["invoke", "tests.cli.apps.shop:app", "echo", f"--payload={value}"]
    )
    assert status in DOCUMENTED
    if status == ExitStatus.FUNCTION_ERROR:  # the handler's log is shown, then one line
        assert err.splitlines()[-1].startswith("function 'echo' failed ")
    else:
        assert said_in_a_line_or_two(err)
    assert (out == "") == (status != ExitStatus.OK)


def _options(family: str) -> list[str]:
    options = []
    for parameter in inspect.signature(BUILDERS[family]).parameters.values():
        name = parameter.name.replace("_", "-")
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            options.append(f"--{_singular(name)}")
        elif parameter.kind is not inspect.Parameter.VAR_KEYWORD:
            options.append(f"--{name}")
    return options


FAMILY_OPTIONS = [(family, option) for family in BUILDERS for option in _options(family)]


@settings(max_examples=60, deadline=None)
@given(family_option=st.sampled_from(FAMILY_OPTIONS), value=VALUES)
def test_any_event_option_value_ends_as_a_documented_status(
    family_option: tuple[str, str], value: str
) -> None:
    family, option = family_option
    status, out, err = run_in_process(["events", "generate", family, f"{option}={value}"])
    assert status in (ExitStatus.OK, ExitStatus.USAGE)
    assert said_in_a_line_or_two(err)
    if status == ExitStatus.OK:
        assert json.loads(out)  # the escapes of lone surrogates are JSON's own


def _is_a_port(value: str) -> bool:
    try:
        return 0 <= int(value) <= 65535
    except ValueError:
        return False


@settings(max_examples=30, deadline=None)
@given(value=VALUES.filter(lambda value: not _is_a_port(value)))
def test_any_port_that_is_not_one_is_a_usage_error(value: str) -> None:
    status, out, err = run_in_process(["serve", "tests.cli.apps.web:app", f"--port={value}"])
    assert (status, out) == (ExitStatus.USAGE, "")
    assert said_in_a_line_or_two(err)
    assert "--port" in err.splitlines()[-1]
