"""The `faaslib` command (also `python -m faaslib`): Lambda's everyday tools, without Docker.

    faaslib invoke MODULE:APP FUNCTION [--payload JSON | --event FILE | -]
    faaslib events list | faaslib events generate FAMILY [options]
    faaslib functions MODULE:APP
    faaslib cost MODULE:APP FUNCTION [--count N] [--concurrency C]
    faaslib serve MODULE:APP [--host 127.0.0.1] [--port 3000]
    faaslib tune MODULE:APP FUNCTION [--memory 128,256,...] [--payload JSON] [-n N] [--chart F]

Each command is a module here with `add_parser` and the `run` it sets; what a command needs
beyond argparse it imports when it runs, so `--help` stays quick.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from faaslib.cli import cost, events, functions, invoke, serve, tune
from faaslib.cli.errors import EXIT_STATUSES, ExitStatus, UsageError, exit_status
from faaslib.cli.inputs import CommandParser

__all__ = ["ExitStatus", "UsageError", "main"]

DESCRIPTION = """\
Run AWS Lambda handlers in this process, with Lambda's semantics: invoke a function, generate
sample events, list an app's functions, estimate a run's bill, serve HTTP routes, find the
right memory size (power tuning).

MODULE:APP names the App, as uvicorn names an application: a module importable from the
current directory, and the App in it (e.g. shop.handlers:app)."""


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per module of this package."""
    from faaslib import __version__

    parser = CommandParser(
        prog="faaslib",
        description=DESCRIPTION,
        epilog=EXIT_STATUSES + "\n\n`faaslib COMMAND --help` describes each command.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"faaslib {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in (invoke, events, functions, cost, serve, tune):
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line `argv` (default: `sys.argv[1:]`) and return the exit status.

    Whatever goes wrong ends as a status (`ExitStatus`) and one line on stderr, never a
    traceback; and no text can make the output fail: what the streams' encoding cannot write
    (a lone surrogate from a file name, say) is written escaped, `\\udcff`.
    """
    with _escaping(sys.stdout), _escaping(sys.stderr):
        parser = build_parser()
        prog = parser.prog
        try:
            args = parser.parse_args(argv)
            prog = getattr(args, "prog", prog)
            return int(args.run(args))
        except BaseException as error:  # every error ends as a status and a line
            status, message = exit_status(error)
            if status == ExitStatus.PIPE_CLOSED:
                # Python would complain again flushing stdout at exit; point it at nothing.
                with contextlib.suppress(OSError, ValueError):  # no file behind it: in-process
                    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            elif message is not None:
                print(f"{prog}: {message}", file=sys.stderr)
            return status


@contextlib.contextmanager
def _escaping(stream: TextIO) -> Iterator[None]:
    """`stream` writing what it cannot encode escaped, for the command's run. A pipe's stdout
    is strict by default; a stream that cannot be reconfigured takes any text already
    (`io.StringIO`)."""
    reconfigure = getattr(stream, "reconfigure", None)
    saved = getattr(stream, "errors", None)
    if reconfigure is None or not isinstance(saved, str):
        yield
        return
    reconfigure(errors="backslashreplace")
    try:
        yield
    finally:
        with contextlib.suppress(Exception):  # closed by the command (a pipe gone): nothing to do
            reconfigure(errors=saved)
